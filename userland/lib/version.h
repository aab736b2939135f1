/* The one version string of twind, twinctl and the image. */
#ifndef TWIN_VERSION_H
#define TWIN_VERSION_H
#define TWIN_VERSION "0.1.0"
#endif
