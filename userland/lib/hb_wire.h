/* Heartbeat frame: the one wire format, shared by twind (encode/verify) and
 * the XDP program (reads fixed offsets). docs/WIRE.md.
 *
 * Carried as the payload of an Ethernet frame with EtherType 0x88B5 on the
 * dedicated link (eth1) and as a UDP payload on the LAN (eth0). All integers
 * are little-endian. The MAC is HMAC-SHA256 over bytes [0, HB_MAC_OFF) with
 * the cluster key, truncated to HB_MAC_LEN bytes.
 *
 * This header is included by the BPF program too: no libc, no functions. */
#ifndef TWIN_HB_WIRE_H
#define TWIN_HB_WIRE_H

#define HB_ETHERTYPE 0x88B5
#define HB_MAGIC     0x42485754u /* "TWHB" read as a little-endian u32 */
#define HB_VERSION   1
#define HB_MAC_LEN   16
#define HB_KEY_MIN   16
#define HB_KEY_MAX   64

/* Byte offsets inside the payload (also used by the XDP program). */
#define HB_OFF_MAGIC	     0			       /* u32 */
#define HB_OFF_VERSION	     4			       /* u8 */
#define HB_OFF_NODE_ID	     5			       /* u8  sender node id, 1..255 */
#define HB_OFF_STATE	     6			       /* u8  enum node_state of the sender */
#define HB_OFF_FLAGS	     7			       /* u8  HB_F_* */
#define HB_OFF_CLUSTER_ID    8			       /* u32 */
#define HB_OFF_INTERVAL_US   12			       /* u32 sender's beat interval */
#define HB_OFF_EPOCH	     16			       /* u64 increments at every takeover */
#define HB_OFF_SEQ	     24			       /* u64 never reused by a sender */
#define HB_OFF_REALTIME_NS   32			       /* u64 sender CLOCK_REALTIME at send */
#define HB_OFF_ECHO_SEQ	     40			       /* u64 last seq the sender got from us on this path */
#define HB_OFF_ECHO_DELAY_US 48			       /* u32 time between that receipt and this send */
#define HB_OFF_DRBD_ROLE     52			       /* u8 */
#define HB_OFF_DRBD_DISK     53			       /* u8 */
#define HB_OFF_DRBD_CONN     54			       /* u8 */
#define HB_OFF_PRIORITY	     55			       /* u8 */
#define HB_MAC_OFF	     56			       /* u8[HB_MAC_LEN] */
#define HB_FRAME_LEN	     (HB_MAC_OFF + HB_MAC_LEN) /* 72 */

/* flags */
#define HB_F_FAILOVER_ENABLED 0x01 /* sender may take over */
#define HB_F_HEALTHY	      0x02 /* sender's local health checks pass */
#define HB_F_HOLDS_VIP	      0x04 /* sender currently has the failover IP */
#define HB_F_LINK_ALARM	      0x08 /* sender hears us on one path only */
#define HB_F_TAKEOVER_REQ     0x10 /* admin asked the sender to take over: Active, please release */
#define HB_F_YIELDED	      0x20 /* sender released by admin: it loses elections for a while */
#define HB_F_DEGRADED	      0x40 /* some of the sender's monitored interfaces are down: prefer a peer without */
#define HB_F_INTERRUPTED      0x80 /* sender's beats lapsed while it served (loop stalled past its lease) */

#ifndef __BPF__
#include <stddef.h>
#include <stdint.h>

/* Decoded view of a frame. */
struct hb_frame {
	uint8_t version;
	uint8_t node_id;
	uint8_t state;
	uint8_t flags;
	uint32_t cluster_id;
	uint32_t interval_us;
	uint64_t epoch;
	uint64_t seq;
	uint64_t realtime_ns;
	uint64_t echo_seq;
	uint32_t echo_delay_us;
	uint8_t drbd_role, drbd_disk, drbd_conn;
	uint8_t priority;
};

struct hb_key {
	uint8_t bytes[HB_KEY_MAX];
	size_t len; /* HB_KEY_MIN..HB_KEY_MAX */
};

enum hb_err {
	HB_OK = 0,
	HB_E_SHORT,   /* fewer than HB_FRAME_LEN bytes */
	HB_E_MAGIC,   /* not a Twin heartbeat */
	HB_E_VERSION, /* unknown version */
	HB_E_CLUSTER, /* another cluster's frame */
	HB_E_MAC,     /* MAC does not verify */
	HB_E_SELF,    /* carries our own node id (reflection) */
	HB_E_REPLAY,  /* seq not newer than the last accepted on this path */
};

/* Encode f and sign it with key into out[HB_FRAME_LEN]. Returns HB_FRAME_LEN,
 * or 0 if the key length is invalid or the crypto library fails (no memory). */
size_t hb_encode(const struct hb_frame *f, const struct hb_key *key, uint8_t *out);

/* Parse and authenticate buf[len]. Checks length, magic, version, cluster id,
 * MAC (constant time) and that node_id != self_id, in that order. Extra
 * trailing bytes (Ethernet padding) are ignored. out is written only on
 * HB_OK. Does not check replay: see hb_replay_check. */
enum hb_err hb_decode(const uint8_t *buf, size_t len, const struct hb_key *key, uint32_t cluster_id,
		      uint8_t self_id, struct hb_frame *out);

/* Replay window for one path: accepts seq strictly greater than the last
 * accepted one, and then remembers it. */
struct hb_replay {
	uint64_t last_seq;
	int seen;
};
enum hb_err hb_replay_check(struct hb_replay *r, uint64_t seq);

const char *hb_strerror(enum hb_err e);

/* Load a key file: hex text (32..128 hex digits, whitespace ignored) when the
 * file holds only printable text, else raw bytes (16..HB_KEY_MAX). The file
 * must not be accessible by group/others (mode & 077). Returns 0, or -1 with
 * a message naming the file in err (and key zeroed). */
int hb_key_load(const char *path, struct hb_key *key, char *err, size_t errlen);

/* Hot path: a signer keeps an HMAC context with the key already absorbed, so
 * a frame costs no allocation and no key setup. One signer per thread. The
 * _s functions behave exactly like hb_encode/hb_decode with the same key. */
#include <mbedtls/md.h>
struct hb_signer {
	mbedtls_md_context_t md;
	int ready;
};
/* Returns 0, or -1 (invalid key length, no memory). */
int hb_signer_init(struct hb_signer *s, const struct hb_key *key);
/* Wipes the key state; safe on a signer whose init failed, and twice. */
void hb_signer_free(struct hb_signer *s);
size_t hb_encode_s(struct hb_signer *s, const struct hb_frame *f, uint8_t *out);
enum hb_err hb_decode_s(struct hb_signer *s, const uint8_t *buf, size_t len, uint32_t cluster_id,
			uint8_t self_id, struct hb_frame *out);
#endif

#endif
