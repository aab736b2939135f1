/* Leaving root: the exporter needs no privilege but its group on twind's
 * control socket (docs/CONTROL.md, "allowed peers"). */
#ifndef TWIN_PRIVDROP_H
#define TWIN_PRIVDROP_H

#include <stddef.h>

/* Become user, with group (or, when NULL or "", the user's own group) as
 * the only group. 0, or -1 with err. Checks that root cannot come back. */
int privdrop(const char *user, const char *group, char *err, size_t errlen);

#endif
