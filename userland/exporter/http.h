/* The HTTP side (libmicrohttpd): GET /metrics scrapes, / says where the
 * metrics are, anything else is 404 (or 405 for a method other than GET
 * and HEAD). One internal thread serves, so scrapes never overlap. */
#ifndef TWIN_HTTP_H
#define TWIN_HTTP_H

#include <stddef.h>

#include "scrape.h"

struct MHD_Daemon;

/* Serves on listen_fd (bound and listening); cfg must outlive the daemon.
 * NULL with err when libmicrohttpd cannot start. */
struct MHD_Daemon *http_start(int listen_fd, struct scrape_cfg *cfg, char *err, size_t errlen);
void http_stop(struct MHD_Daemon *d);

#endif
