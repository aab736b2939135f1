/* Loader of the eth1 XDP guard (hb_xdp.bpf.c): load, configure, attach,
 * read heartbeat frames from the ring buffer, read counters, detach.
 * docs/XDP.md says what the program passes and drops. */
#ifndef TWIN_HB_XDP_LOADER_H
#define TWIN_HB_XDP_LOADER_H

#include <stddef.h>
#include <linux/types.h>

#include "hb_xdp.h"

struct hbx;

/* Called by hbx_consume() once per heartbeat frame, in ring order. ev is
 * valid only during the call. ev->data holds ev->len payload bytes (the
 * Ethernet header stripped); they are not authenticated yet. */
typedef void (*hbx_frame_cb)(void *ctx, const struct hbx_event *ev);

/* Load the program, write cfg, attach it to ifname: native (driver) mode, or
 * generic (SKB) mode if native fails or force_generic is set. A program of
 * someone else already on the interface is an error (never replaced); a stale
 * one of ours (same program name, left by a killed twind) is replaced.
 * ifname NULL loads without attaching (tests, cost measurement).
 * Returns 0 attached native (or not attached), 1 attached generic, -1 error
 * (message in err). On 0 or 1, err is empty or holds a note worth logging:
 * why native failed (fallback), or that a stale program was replaced. */
int hbx_open(struct hbx **out, const char *ifname, const struct hbx_cfg *cfg, int force_generic,
	     hbx_frame_cb cb, void *ctx, char *err, size_t errlen);

/* Replace the configuration while attached. Returns 0 or -errno. */
int hbx_set_cfg(struct hbx *h, const struct hbx_cfg *cfg);

/* The ring buffer's epoll fd: readable when frames wait in hbx_consume(). */
int hbx_ring_fd(struct hbx *h);

/* Drain the ring, calling cb per frame. Returns the number of frames, or -errno. */
int hbx_consume(struct hbx *h);

/* Counters indexed by enum hbx_stat, summed over CPUs. Returns 0 or -errno. */
int hbx_stats(struct hbx *h, __u64 out[HBX_STAT_MAX]);

/* What the program last recorded for a source MAC (unauthenticated claims).
 * Returns 0, -ENOENT if never seen (or evicted), or -errno. */
int hbx_src_lookup(struct hbx *h, const __u8 mac[6], struct hbx_src *out);

/* "native", "generic", or "none" (loaded only). */
const char *hbx_mode(const struct hbx *h);

/* The loaded program's fd (BPF_PROG_TEST_RUN in tests and xdp_cost). */
int hbx_prog_fd(const struct hbx *h);

/* Detach (only if the program on the interface is still ours) and free. NULL is fine. */
void hbx_close(struct hbx *h);

#endif
