/* twinctl log in the daemon: this node's history of events (state changes,
 * alarms raised, cleared and acknowledged, admin requests and who made
 * them, split brains, fencing, updates). The same journal as the event
 * queue (evqueue.c, docs/SYNC_AND_EVENTS.md) under state_dir/events.history,
 * but nobody acks it: it keeps the last ELOG_MAX events.
 *
 * "log since=MS after=ID limit=N" answers one page from memory (never
 * more than ELOG_PAGE_MAX entries, so the loop never waits on it);
 * "log peer ..." asks the peer's page over the cluster channel
 * ("log-info", without waiting) and "log result" tells the outcome, like
 * diag peer|result. twinctl merges the two by time. */
#ifndef TWIN_EVENT_LOG_H
#define TWIN_EVENT_LOG_H

#include <stddef.h>

#define ELOG_NAME     "events.history"
#define ELOG_MAX      4096
#define ELOG_PAGE_MAX 256

struct twind;
struct ctl_resp;

/* state_dir/events.history; 0, or -1 with err */
int elog_open(struct twind *d, char *err, size_t errlen);
void elog_close(struct twind *d); /* after cluster_close */
/* Journal one event (kind [a-z0-9_]{1,15}); problems are logged. */
void elog_push(struct twind *d, const char *kind, const char *text);
/* Local "log ...", "log peer ...", "log result"; 1 if handled. */
int elog_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* The peer's "log-info ..." over the cluster channel; 1 if handled. */
int elog_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r);

#endif
