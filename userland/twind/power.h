/* Reboot and shutdown of a node: the configured command, detached so that
 * the daemon (which the reboot will stop) never waits for it. */
#ifndef TWIN_POWER_H
#define TWIN_POWER_H

#include <stddef.h>

#include "config.h"

/* action "reboot" or "shutdown": the command for it, or NULL. */
const char *power_command(const struct twin_config *cfg, const char *action);
/* Start cmd through /bin/sh -c in its own session, not waited for. 0 or -1
 * with err. */
int power_run(const char *cmd, char *err, size_t errlen);

#endif
