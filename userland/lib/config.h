/* twin.conf parser: pure (no I/O but reading the file), see twin.conf(5).
 *
 * Format: one "key value..." per line, '#' starts a comment, values may be
 * double-quoted (with \" and \\ escapes). Durations take a unit: 500us, 10ms,
 * 2s. Booleans: yes/no. Unknown keys, duplicates of single keys, values out
 * of range and missing required keys are errors reported as
 * "FILE:LINE: message". */
#ifndef TWIN_CONFIG_H
#define TWIN_CONFIG_H

#include <netinet/in.h>

#include "listen_addr.h"
#include <stddef.h>
#include <stdint.h>

#define CFG_NAME_MAX 32 /* node names, interface names (IFNAMSIZ=16 checked) */
#define CFG_PATH_MAX 256
#define CFG_CMD_MAX  512
#define CFG_MAX_VIPS 8

/* beacon: the kernel beacon (kmod/twin_hb) when loaded, or never */
#define CFG_BEACON_AUTO	    0
#define CFG_BEACON_USERLAND 1
/* beacon_fence: what the kernel beacon does when an Active stops leasing */
#define CFG_BFENCE_NONE	  0
#define CFG_BFENCE_DROP	  1
#define CFG_BFENCE_REBOOT 2
#define CFG_BFENCE_AUTO	  3 /* reboot with a DRBD resource (only a reboot frees it), else drop */
#define CFG_MAX_TRACK	  8
#define CFG_MAX_PORTS	  8
#define CFG_MAX_WITNESS	  4

/* split_brain_auto */
enum { CFG_SB_AUTO_OFF = 0, CFG_SB_AUTO_DISCARD_ZERO = 1 };

/* console_serial, console_lcd: who may act at that console */
enum { CFG_CONSOLE_LOCKED = 0, CFG_CONSOLE_OPEN = 1, CFG_CONSOLE_OFF = 2 };

/* witness_method */
enum cfg_witness_method {
	CFG_WITNESS_ARP = 0,  /* ARP request, a reply (or any request) from the address counts */
	CFG_WITNESS_ICMP = 1, /* echo request, the matching echo reply counts */
};

struct cfg_vip {
	struct in_addr addr;
	uint8_t prefix;		/* 1..32 */
	char dev[CFG_NAME_MAX]; /* defaults to lan_interface */
};

struct twin_config {
	/* 1: the pair is set up in this file (node_id, peer_id, cluster_id,
	 * peer_address, failover_ip, key_file); 0: none of those keys, the pair
	 * comes from cluster.state (twinctl cluster create), or none yet */
	int static_pair;
	char node_name[CFG_NAME_MAX]; /* required, [A-Za-z0-9._-]{1,31} */
	uint8_t node_id;	      /* required, 1..255 */
	uint8_t peer_id;	      /* required, 1..255, != node_id */
	uint32_t cluster_id;	      /* required */
	uint8_t priority;	      /* 1..255, default 100; higher wins at start */

	char hb_interface[CFG_NAME_MAX];  /* dedicated link, default "eth1" */
	char lan_interface[CFG_NAME_MAX]; /* default "eth0" */
	struct in_addr peer_address;	  /* required: peer's LAN address (UDP beats) */
	uint16_t udp_port;		  /* UDP heartbeat port, default 6940 */

	uint32_t hb_interval_us;  /* 1ms..10s, default 5ms */
	uint32_t hb_misses;	  /* 2..1000, default 4 */
	uint32_t startup_wait_ms; /* how long to wait for the peer at start, default 5000 */
	int auto_failback;	  /* default no */
	int failover_enabled;	  /* initial value, default yes */

	struct cfg_vip vips[CFG_MAX_VIPS]; /* "failover_ip A.B.C.D/N [dev IF]", >= 1 */
	size_t n_vips;

	uint32_t garp_count;	   /* 1..100, default 5 */
	uint32_t garp_interval_ms; /* 0..10000, default 10 */
	uint32_t garp_refresh_ms;  /* 0 = off, default 0 */
	uint32_t arp_probe_ms;	   /* 0 = no probe, default 5: wait for a reply to our probe */

	char health_command[CFG_CMD_MAX];     /* "" = none */
	char reboot_command[CFG_CMD_MAX];     /* twinctl reboot, default /sbin/reboot */
	char shutdown_command[CFG_CMD_MAX];   /* twinctl shutdown, default /sbin/poweroff */
	char self_fence_command[CFG_CMD_MAX]; /* isolated with DRBD writes frozen: restart */
	char membership_command[CFG_CMD_MAX]; /* run after pairing/dissolve, before the restart; "" = none */
	uint32_t health_interval_ms;	      /* default 1000 */
	uint32_t health_timeout_ms;	      /* default 2000 */
	uint32_t health_fall;		      /* failures in a row before Inactive, default 2 */
	uint32_t health_rise;		      /* successes in a row to recover, default 2 */
	char track_interfaces[CFG_MAX_TRACK][CFG_NAME_MAX];
	size_t n_track;
	int monitor_lan_interface; /* lan_interface and the failover IPs' devices count in health, default yes
				    */

	/* tie-breakers on the LAN, probed over lan_interface; none = off */
	struct in_addr witnesses[CFG_MAX_WITNESS]; /* "witness A.B.C.D", repeatable */
	size_t n_witness;
	int witness_method;	      /* enum cfg_witness_method, default arp */
	uint32_t witness_interval_ms; /* probe period per address, 5ms..10s, default 20 */
	int split_brain_auto;	      /* CFG_SB_AUTO_*, default off: the admin chooses the survivor */
	uint32_t witness_timeout_ms;  /* reached while the last reply is younger; 0 = detection time */

	/* keepalived-style hooks run on state changes, see JOBS_AND_HOOKS.md */
	char notify_master[CFG_CMD_MAX]; /* "" = none */
	char notify_backup[CFG_CMD_MAX];
	char notify_fault[CFG_CMD_MAX];
	char notify_stop[CFG_CMD_MAX];
	char notify[CFG_CMD_MAX];	 /* generic: gets TYPE NAME STATE PRIORITY */
	uint32_t notify_timeout_ms;	 /* a hook is killed after this, default 5000 */
	char active_jobs[CFG_PATH_MAX];	 /* crontab run only while Active, "" = none */
	uint32_t active_jobs_timeout_ms; /* 0 = a job may run until its next run, default 0 */

	uint16_t allow_ports[CFG_MAX_PORTS]; /* TCP/UDP ports let through on eth1 */
	size_t n_allow_ports;
	uint32_t hb_rate_limit; /* frames/s per source MAC admitted by XDP, default 2000 */

	char key_file[CFG_PATH_MAX];	   /* required: cluster key */
	char state_dir[CFG_PATH_MAX];	   /* default /var/lib/twin */
	char control_socket[CFG_PATH_MAX]; /* default /run/twin/twind.sock */
	char control_group[CFG_NAME_MAX];  /* group allowed on the socket, default "" = root only */
	uint16_t control_port;		   /* TCP port of the node-to-node control channel, default 6941 */
	char admin_password_file[CFG_PATH_MAX]; /* pairing password hash, "" = <state_dir>/admin.passwd */
	/* the console (docs/CONSOLE.md): status for anyone, actions after the
	 * admin password (serial) or the PIN (LCD) */
	int console_serial;		      /* CFG_CONSOLE_*, default locked */
	int console_lcd;		      /* CFG_CONSOLE_*, default locked (off without a PIN) */
	char console_lcd_pin[CFG_CMD_MAX];    /* PBKDF2 hash of the LCD's PIN, "" = none */
	uint32_t console_unlock_ms;	      /* unlocked after the last key, default 5 min */
	int xdp_mode;			      /* 0 native (fallback generic with warning), 1 generic */
	int beacon;			      /* CFG_BEACON_*: who sends the beats */
	int beacon_fence;		      /* CFG_BFENCE_*: the kernel beacon's self-fence */
	int sched_priority;		      /* SCHED_FIFO priority for the daemon, 0 = off, default 50 */
	char drbd_resource[CFG_NAME_MAX];     /* "" = no DRBD */
	char sync_dir[CFG_PATH_MAX];	      /* cluster-wide files pushed to the peer, "" = no sync */
	uint32_t event_queue_max;	      /* events kept for an unreachable peer, default 10000 */
	char metrics_listen[LISTEN_ADDR_MAX]; /* twin-exporter's ADDR:PORT, "" = no exporter (default) */
};

/* Fill defaults, then parse. Returns 0, or -1 with "FILE:LINE: message" in
 * err (LINE is 0 for errors about the file as a whole, e.g. a missing key). */
int config_parse_file(const char *path, struct twin_config *cfg, char *err, size_t errlen);
/* Same on a buffer; name is used in messages. */
int config_parse_buf(const char *name, const char *buf, size_t len, struct twin_config *cfg, char *err,
		     size_t errlen);
void config_defaults(struct twin_config *cfg);

#endif
