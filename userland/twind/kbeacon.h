/* The kernel beacon's client: the generic netlink family "twin_hb" of
 * kmod/twin_hb (kmod/twin_hb_genl.h), spoken with libmnl. Every request is
 * answered by the kernel within the send (netlink requests are served in
 * the sender's context), so a call never waits on anything but the kernel.
 * docs/BEACON.md. */
#ifndef TWIN_KBEACON_H
#define TWIN_KBEACON_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "twin_hb_genl.h"

struct kbeacon;

struct kb_path_stats {
	int running;
	uint32_t ifindex;
	uint64_t sent, dry, missed, worst_late_ns, lease_end, xmit_err, last_tick;
};

struct kb_status {
	struct kb_path_stats path[TWIN_HB_PATHS];
	int fence_mode, armed, fenced;
	uint64_t fence_drops, last_send_ns;
};

struct kb_frame {
	uint64_t tick;
	const uint8_t *data;
	size_t len;
};

/* Finds the family. Returns 0, -ENOENT when the module is not loaded, or
 * another -errno; err says why. */
int kb_open(struct kbeacon **out, char *err, size_t errlen);
void kb_close(struct kbeacon *kb);
/* The module's version (INFO), e.g. "0.2.0". */
const char *kb_version(const struct kbeacon *kb);

/* Each returns 0 or -errno with the kernel's reason in err. */
int kb_start(struct kbeacon *kb, unsigned path, uint32_t ifindex, uint64_t interval_ns, uint64_t t0_ns,
	     uint64_t first_tick, char *err, size_t errlen);
int kb_stop(struct kbeacon *kb, char *err, size_t errlen); /* every path */
#define KB_FLUSH    1
#define KB_SEND_NOW 2
/* st (may be NULL) gets the status as of after the lease. */
int kb_lease(struct kbeacon *kb, unsigned path, int flags, const struct kb_frame *f, size_t n,
	     struct kb_status *st, char *err, size_t errlen);
int kb_status(struct kbeacon *kb, struct kb_status *st, char *err, size_t errlen);
int kb_fence(struct kbeacon *kb, unsigned mode, int armed, uint64_t detect_ns, const struct in_addr *addrs,
	     size_t n, char *err, size_t errlen);

/* The module coming and going: generic netlink's own announcements. */
struct kb_watch;
int kb_watch_open(struct kb_watch **out, char *err, size_t errlen);
void kb_watch_close(struct kb_watch *w);
int kb_watch_fd(const struct kb_watch *w);
/* Drains the socket: +1 if the family (re)appeared, -1 if it went away
 * (the last announcement wins), 0 if neither. */
int kb_watch_read(struct kb_watch *w);

#endif
