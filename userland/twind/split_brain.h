/* Split brain, what the admin needs to choose the survivor: each node's
 * side of the story and a proposal. Pure logic, no I/O: the daemon fills
 * the sides (its own from DRBD and the state machine, the peer's over the
 * cluster channel), the unit test drives these directly. */
#ifndef TWIN_SPLIT_BRAIN_H
#define TWIN_SPLIT_BRAIN_H

#include <stddef.h>
#include <stdint.h>

#define SB_UNKNOWN  UINT64_MAX
#define SB_GI_MAX   96
#define SB_TEXT_MAX 192

struct sb_side {
	int known;		/* filled in */
	uint8_t id;		/* node id */
	char name[32];		/* node name */
	uint64_t last_active_s; /* unix time it was last Active, 0 never */
	uint64_t epoch;
	uint64_t began_s;     /* unix time it lost the peer (DRBD disconnected), 0 unknown */
	char gi[SB_GI_MAX];   /* drbdadm get-gi, "" unknown */
	char disk[16];	      /* its DRBD disk state: UpToDate, Outdated, ... */
	uint64_t oos_kib;     /* out of sync, KiB (SB_UNKNOWN) */
	uint64_t written_kib; /* written to its disk since the split, KiB (SB_UNKNOWN) */
	int holds_vip;	      /* serves the failover IP now */
};

/* The survivor to propose (a node id, 0 when one side is unknown) and why,
 * e.g. "keep a: it wrote 12 MiB since the split, b wrote 0". */
uint8_t sb_propose(const struct sb_side *a, const struct sb_side *b, char *text, size_t len);

/* split_brain_auto = discard-zero-changes (DRBD's after-sb-0pri policy of
 * that name): the victim when a node wrote nothing since the split (if
 * neither did, the one not serving) and both sides are known with UpToDate
 * disks; else 0: the admin decides. */
uint8_t sb_auto_victim(const struct sb_side *a, const struct sb_side *b);

#endif
