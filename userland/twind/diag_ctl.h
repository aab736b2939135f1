/* twinctl diag in the daemon: the facts its checks need that nothing else
 * reports (active-only jobs, the health command's verdict, free space on
 * state_dir's file system), and the peer's status, asked over the cluster
 * channel without waiting: "diag peer" starts the ask, "diag result" tells
 * the outcome (twinctl polls it). The checks are userland/lib/diag.c. */
#ifndef TWIN_DIAG_CTL_H
#define TWIN_DIAG_CTL_H

struct twind;
struct ctl_resp;

/* Local "diag peer|result"; 1 if handled. */
int diag_ctl(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* The peer's "diag-info" over the cluster channel: our status; 1 if handled. */
int diag_peer_request(struct twind *d, int argc, char **argv, struct ctl_resp *r);
/* jobs.*, health.command*, disk.* status keys */
void diag_status(struct twind *d, struct ctl_resp *r);
/* after cluster_close: no answer can arrive any more */
void diag_close(struct twind *d);

#endif
