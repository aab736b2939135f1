/* twin.conf parser: every key lands in its field, defaults hold, and every
 * error names the file, the line, the key and what is allowed. */
#include "check.h"
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Lines 1..7: the required keys. Bad lines appended to it are line 8. */
#define BASE                                                                                                 \
	"node_name alpha\n"                                                                                  \
	"node_id 1\n"                                                                                        \
	"peer_id 2\n"                                                                                        \
	"cluster_id 42\n"                                                                                    \
	"peer_address 192.168.1.2\n"                                                                         \
	"failover_ip 192.168.1.10/24\n"                                                                      \
	"key_file /etc/twin/cluster.key\n"

static const char full[] =
    "# every key, in a different order than the struct\n"
    "lan_interface lan0   # after failover_ip would be fine too\n"
    "failover_ip 10.1.0.10/24\n"
    "failover_ip 10.2.0.10/16 dev vlan.20\n"
    "node_name \"node-a.example\"\n"
    "node_id 7\n"
    "peer_id 8\n"
    "cluster_id 0xDEADBEEF\n"
    "priority 200\n"
    "\thb_interface\thb1\t\n"
    "peer_address 10.1.0.2\r\n"
    "udp_port 7000\n"
    "heartbeat_interval 2ms\n"
    "heartbeat_misses 50\n"
    "startup_wait 2s\n"
    "auto_failback yes\n"
    "failover_enabled no\n"
    "\n"
    "   # indented comment\n"
    "garp_count 3\n"
    "garp_interval 20ms\n"
    "garp_refresh 60s\n"
    "arp_probe 0ms\n"
    "health_command \"/usr/bin/check --say \\\"ok\\\" \\\\ # not a comment\" # a comment\n"
    "health_interval 500ms\n"
    "health_timeout 1500ms\n"
    "health_fall 3\n"
    "health_rise 4\n"
    "track_interface eth2\n"
    "track_interface eth3\n"
    "witness 10.1.0.254\n"
    "witness 10.1.0.253\n"
    "witness_method icmp\n"
    "witness_interval 50ms\n"
    "witness_timeout 1s\n"
    "monitor_lan_interface no\n"
    "notify_master \"/etc/twin/up --now\"\n"
    "notify_backup /etc/twin/down\n"
    "notify_fault /etc/twin/fault\n"
    "notify_stop /etc/twin/stop\n"
    "notify /etc/twin/notify.sh\n"
    "notify_timeout 750ms\n"
    "active_jobs /etc/twin/active.crontab\n"
    "active_jobs_timeout 90s\n"
    "allow_port 7789\n"
    "allow_port 22\n"
    "hb_rate_limit 5000\n"
    "key_file \"/data/twin/cluster key\"\n"
    "state_dir /data/twin\n"
    "control_socket /run/t.sock\n"
    "control_group twinadm\n"
    "xdp_mode generic\n"
    "sched_priority 0\n"
    "sync_dir /data/twin/sync\n"
    "event_queue_max 500\n"
    "metrics_listen 10.0.0.5:9946\n"
    "drbd_resource r0"; /* no final newline */

static int parse(const char *text, struct twin_config *c, char *err, size_t errlen)
{
	return config_parse_buf("t.conf", text, strlen(text), c, err, errlen);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void test_full(void)
{
	struct twin_config c;
	char err[256] = "";

	CHECK_EQ(parse(full, &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_STR(c.node_name, "node-a.example");
	CHECK_EQ(c.node_id, 7);
	CHECK_EQ(c.peer_id, 8);
	CHECK_EQ(c.cluster_id, 0xDEADBEEFu);
	CHECK_EQ(c.priority, 200);
	CHECK_STR(c.hb_interface, "hb1");
	CHECK_STR(c.lan_interface, "lan0");
	CHECK_EQ(c.peer_address.s_addr, ip("10.1.0.2"));
	CHECK_EQ(c.udp_port, 7000);
	CHECK_EQ(c.hb_interval_us, 2000u);
	CHECK_EQ(c.hb_misses, 50u);
	CHECK_EQ(c.startup_wait_ms, 2000u);
	CHECK_EQ(c.auto_failback, 1);
	CHECK_EQ(c.failover_enabled, 0);
	CHECK_EQ(c.n_vips, 2u);
	CHECK_EQ(c.vips[0].addr.s_addr, ip("10.1.0.10"));
	CHECK_EQ(c.vips[0].prefix, 24);
	CHECK_STR(c.vips[0].dev, "lan0"); /* lan_interface, given before it */
	CHECK_EQ(c.vips[1].addr.s_addr, ip("10.2.0.10"));
	CHECK_EQ(c.vips[1].prefix, 16);
	CHECK_STR(c.vips[1].dev, "vlan.20");
	CHECK_EQ(c.garp_count, 3u);
	CHECK_EQ(c.garp_interval_ms, 20u);
	CHECK_EQ(c.garp_refresh_ms, 60000u);
	CHECK_EQ(c.arp_probe_ms, 0u);
	CHECK_STR(c.health_command, "/usr/bin/check --say \"ok\" \\ # not a comment");
	CHECK_EQ(c.health_interval_ms, 500u);
	CHECK_EQ(c.health_timeout_ms, 1500u);
	CHECK_EQ(c.health_fall, 3u);
	CHECK_EQ(c.health_rise, 4u);
	CHECK_EQ(c.n_track, 2u);
	CHECK_STR(c.track_interfaces[0], "eth2");
	CHECK_STR(c.track_interfaces[1], "eth3");
	CHECK_EQ(c.n_witness, 2u);
	CHECK_EQ(c.witnesses[0].s_addr, ip("10.1.0.254"));
	CHECK_EQ(c.witnesses[1].s_addr, ip("10.1.0.253"));
	CHECK_EQ(c.witness_method, CFG_WITNESS_ICMP);
	CHECK_EQ(c.witness_interval_ms, 50u);
	CHECK_EQ(c.witness_timeout_ms, 1000u);
	CHECK_EQ(c.monitor_lan_interface, 0);
	CHECK_STR(c.notify_master, "/etc/twin/up --now");
	CHECK_STR(c.notify_backup, "/etc/twin/down");
	CHECK_STR(c.notify_fault, "/etc/twin/fault");
	CHECK_STR(c.notify_stop, "/etc/twin/stop");
	CHECK_STR(c.notify, "/etc/twin/notify.sh");
	CHECK_EQ(c.notify_timeout_ms, 750u);
	CHECK_STR(c.active_jobs, "/etc/twin/active.crontab");
	CHECK_EQ(c.active_jobs_timeout_ms, 90000u);
	CHECK_EQ(c.n_allow_ports, 2u);
	CHECK_EQ(c.allow_ports[0], 7789);
	CHECK_EQ(c.allow_ports[1], 22);
	CHECK_EQ(c.hb_rate_limit, 5000u);
	CHECK_STR(c.key_file, "/data/twin/cluster key");
	CHECK_STR(c.state_dir, "/data/twin");
	CHECK_STR(c.control_socket, "/run/t.sock");
	CHECK_STR(c.control_group, "twinadm");
	CHECK_EQ(c.xdp_mode, 1);
	CHECK_EQ(c.sched_priority, 0);
	CHECK_STR(c.drbd_resource, "r0");
	CHECK_STR(c.sync_dir, "/data/twin/sync");
	CHECK_EQ(c.event_queue_max, 500u);
	CHECK_STR(c.metrics_listen, "10.0.0.5:9946");
}

static void check_defaults(const struct twin_config *c)
{
	CHECK_EQ(c->priority, 100);
	CHECK_STR(c->hb_interface, "eth1");
	CHECK_STR(c->lan_interface, "eth0");
	CHECK_EQ(c->udp_port, 6940);
	CHECK_EQ(c->hb_interval_us, 5000u);
	CHECK_EQ(c->hb_misses, 4u);
	CHECK_EQ(c->startup_wait_ms, 5000u);
	CHECK_EQ(c->auto_failback, 0);
	CHECK_EQ(c->failover_enabled, 1);
	CHECK_EQ(c->garp_count, 5u);
	CHECK_EQ(c->garp_interval_ms, 10u);
	CHECK_EQ(c->garp_refresh_ms, 0u);
	CHECK_EQ(c->arp_probe_ms, 3u);
	CHECK_STR(c->health_command, "");
	CHECK_EQ(c->health_interval_ms, 1000u);
	CHECK_EQ(c->health_timeout_ms, 2000u);
	CHECK_EQ(c->health_fall, 2u);
	CHECK_EQ(c->health_rise, 2u);
	CHECK_EQ(c->n_track, 0u);
	CHECK_EQ(c->n_witness, 0u);
	CHECK_EQ(c->witness_method, CFG_WITNESS_ARP);
	CHECK_EQ(c->witness_interval_ms, 20u);
	CHECK_EQ(c->witness_timeout_ms, 0u);
	CHECK_EQ(c->monitor_lan_interface, 1); /* the service link counts in health */
	CHECK_STR(c->notify_master, "");
	CHECK_STR(c->notify_backup, "");
	CHECK_STR(c->notify_fault, "");
	CHECK_STR(c->notify_stop, "");
	CHECK_STR(c->notify, "");
	CHECK_EQ(c->notify_timeout_ms, 5000u);
	CHECK_STR(c->active_jobs, "");
	CHECK_EQ(c->active_jobs_timeout_ms, 0u);
	CHECK_EQ(c->n_allow_ports, 0u);
	CHECK_EQ(c->hb_rate_limit, 2000u);
	CHECK_STR(c->state_dir, "/var/lib/twin");
	CHECK_STR(c->control_socket, "/run/twin/twind.sock");
	CHECK_STR(c->control_group, "");
	CHECK_STR(c->metrics_listen, "");
	CHECK_EQ(c->control_port, 6941);
	CHECK_STR(c->admin_password_file, "");
	CHECK_EQ(c->xdp_mode, 0);
	CHECK_EQ(c->sched_priority, 50);
	CHECK_STR(c->drbd_resource, "");
	CHECK_STR(c->sync_dir, "");
	CHECK_EQ(c->event_queue_max, 10000u);
}

/* A node configured without a pair: it pairs later with twinctl cluster create. */
static void test_unpaired(void)
{
	struct twin_config c;
	char err[512] = "";
	const char *text = "node_name solo\npriority 120\n";

	CHECK_EQ(config_parse_buf("t.conf", text, strlen(text), &c, err, sizeof(err)), 0);
	CHECK_EQ(c.static_pair, 0);
	CHECK_EQ(c.n_vips, 0u);
	CHECK_EQ(c.priority, 120);
	text = BASE;
	CHECK_EQ(config_parse_buf("t.conf", text, strlen(text), &c, err, sizeof(err)), 0);
	CHECK_EQ(c.static_pair, 1);
}

static void test_defaults(void)
{
	struct twin_config c;
	char err[256];

	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	check_defaults(&c);
	CHECK_EQ(c.n_vips, 0u);

	/* The minimal file keeps every default and fills the required keys. */
	memset(&c, 0xa5, sizeof(c));
	CHECK_EQ(parse(BASE, &c, err, sizeof(err)), 0);
	check_defaults(&c);
	CHECK_STR(c.node_name, "alpha");
	CHECK_EQ(c.node_id, 1);
	CHECK_EQ(c.peer_id, 2);
	CHECK_EQ(c.cluster_id, 42u);
	CHECK_EQ(c.n_vips, 1u);
	CHECK_STR(c.vips[0].dev, "eth0");
	CHECK_STR(c.key_file, "/etc/twin/cluster.key");
}

static void test_edges(void)
{
	struct twin_config c, before;
	char err[256];

	/* lan_interface after failover_ip still becomes its dev. */
	CHECK_EQ(parse(BASE "lan_interface br0\n", &c, err, sizeof(err)), 0);
	CHECK_STR(c.vips[0].dev, "br0");
	/* Range ends and "none" values are accepted. */
	CHECK_EQ(
	    parse("node_name a\nnode_id 255\npeer_id 1\ncluster_id 4294967295\npeer_address 1.2.3.4\n"
		  "failover_ip 1.2.3.5/32\nkey_file /k\nheartbeat_interval 1ms\nheartbeat_misses 1000\n"
		  "garp_interval 0ms\ngarp_count 100\nsched_priority 99\nallow_port 65535\n"
		  "control_group \"\"\ndrbd_resource \"\"\nhealth_command \"\"\nheartbeat_interval_x 1\n",
		  &c, err, sizeof(err)),
	    -1);
	CHECK_CONTAINS(err, "t.conf:17: unknown key 'heartbeat_interval_x'");
	CHECK_EQ(parse("node_name a\nnode_id 255\npeer_id 1\ncluster_id 4294967295\npeer_address 1.2.3.4\n"
		       "failover_ip 1.2.3.5/32\nkey_file /k\nheartbeat_interval 1ms\nheartbeat_misses 1000\n"
		       "garp_interval 0ms\ngarp_count 100\nsched_priority 99\nallow_port 65535\n"
		       "control_group \"\"\ndrbd_resource \"\"\nhealth_command \"\"\n",
		       &c, err, sizeof(err)),
		 0);
	CHECK_EQ(c.node_id, 255);
	CHECK_EQ(c.cluster_id, 4294967295u);
	CHECK_EQ(c.hb_misses, 1000u);
	CHECK_EQ(c.garp_interval_ms, 0u);
	CHECK_EQ(c.allow_ports[0], 65535);
	CHECK_EQ(c.sched_priority, 99);
	CHECK_EQ(c.vips[0].prefix, 32);
	CHECK_EQ(c.vips[0].family, AF_INET);
	/* IPv6 and IPv4 in one group, in config order, a VLAN device; the
	 * same numbers in both families are two addresses */
	CHECK_EQ(parse(BASE "failover_ip 2001:db8:0:1::10/64\nfailover_ip fd00::1/128 dev eth0.100\n"
			    "failover_ip ::c0a8:10a/96\nlan_interface lan0\n",
		       &c, err, sizeof(err)),
		 -1);
	CHECK_CONTAINS(err, "t.conf:10: failover_ip: ::c0a8:10a is an IPv4-mapped address");
	CHECK_EQ(parse(BASE "failover_ip 2001:db8:0:1::10/64\nfailover_ip fd00::1/128 dev eth0.100\n"
			    "failover_ip 10.9.0.1/32 dev eth0.100\nlan_interface lan0\n",
		       &c, err, sizeof(err)),
		 0);
	CHECK_EQ(c.n_vips, 4u);
	CHECK_EQ(c.vips[0].family, AF_INET);
	CHECK_EQ(c.vips[1].family, AF_INET6);
	CHECK_EQ(c.vips[1].prefix, 64);
	CHECK_STR(c.vips[1].dev, "lan0");
	{
		struct in6_addr want;
		char t[CFG_VIP_TEXT_MAX];

		inet_pton(AF_INET6, "2001:db8:0:1::10", &want);
		CHECK(!memcmp(&c.vips[1].addr6, &want, sizeof(want)));
		CHECK_STR(cfg_vip_text(&c.vips[1], t, sizeof(t)), "2001:db8:0:1::10/64");
		CHECK_STR(cfg_vip_text(&c.vips[2], t, sizeof(t)), "fd00::1/128");
		CHECK_STR(cfg_vip_text(&c.vips[3], t, sizeof(t)), "10.9.0.1/32");
		CHECK_STR(cfg_vip_text(&c.vips[0], t, sizeof(t)), "192.168.1.10/24");
	}
	CHECK_EQ(c.vips[2].prefix, 128);
	CHECK_STR(c.vips[2].dev, "eth0.100");
	CHECK_EQ(c.vips[3].family, AF_INET);
	CHECK_STR(c.vips[3].dev, "eth0.100");
	/* 60 s and 10 s exactly are still allowed. */
	CHECK_EQ(parse(BASE "heartbeat_interval 6s\nheartbeat_misses 10\ngarp_interval 2s\ngarp_count 5\n"
			    "hb_rate_limit 2\n",
		       &c, err, sizeof(err)),
		 0);
	CHECK_EQ(c.hb_interval_us, 6000000u);
	/* Durations in us that are whole ms are fine for ms fields. */
	CHECK_EQ(parse(BASE "garp_interval 3000us\n", &c, err, sizeof(err)), 0);
	CHECK_EQ(c.garp_interval_ms, 3u);
	/* witness: the range ends, a timeout of exactly twice the interval, and
	 * no pair needed (an unpaired node checks the timeout too) */
	CHECK_EQ(parse(BASE "witness 192.168.1.1\nwitness 10.0.0.1\nwitness 10.0.0.2\nwitness 10.0.0.3\n"
			    "witness_interval 5ms\nwitness_timeout 10ms\nwitness_method arp\n",
		       &c, err, sizeof(err)),
		 0);
	CHECK_EQ(c.n_witness, 4u);
	CHECK_EQ(c.witnesses[3].s_addr, ip("10.0.0.3"));
	CHECK_EQ(c.witness_interval_ms, 5u);
	CHECK_EQ(c.witness_timeout_ms, 10u);
	CHECK_EQ(parse("node_name a\nwitness 10.0.0.1\nwitness_interval 10s\nwitness_timeout 60s\n", &c, err,
		       sizeof(err)),
		 0);
	CHECK_EQ(c.static_pair, 0);
	CHECK_EQ(c.witness_timeout_ms, 60000u);
	CHECK_EQ(parse(BASE "witness_interval 10s\n", &c, err, sizeof(err)), 0); /* timeout 0: no check */

	/* A failed parse leaves the caller's config untouched. */
	CHECK_EQ(parse(full, &before, err, sizeof(err)), 0);
	c = before;
	CHECK_EQ(parse(BASE "priority 0\n", &c, err, sizeof(err)), -1);
	CHECK(memcmp(&c, &before, sizeof(c)) == 0);

	/* A tiny err buffer is truncated, never overrun. */
	char small[12];
	memset(small, 'x', sizeof(small));
	CHECK_EQ(parse(BASE "priority 0\n", &c, small, sizeof(small)), -1);
	CHECK_STR(small, "t.conf:8: p");
	CHECK_EQ(parse(BASE "priority 0\n", &c, NULL, 0), -1);
}

struct bad {
	const char *text;   /* appended to BASE unless whole */
	const char *expect; /* substring of the error, including "t.conf:LINE:" */
	int whole;
};

#define B(text, expect)                                                                                      \
	{                                                                                                    \
		text, expect, 0                                                                              \
	} /* appended to BASE: line 8 */
#define W(text, expect)                                                                                      \
	{                                                                                                    \
		text, expect, 1                                                                              \
	} /* a whole file */

static const struct bad bads[] = {
    /* unknown key, missing value, extra tokens, duplicates */
    B("foo 1\n", "t.conf:8: unknown key 'foo'"),
    B("Node_id 1\n", "t.conf:8: unknown key 'Node_id'"),
    B("priority\n", "t.conf:8: priority: missing value"),
    B("priority   # only a comment\n", "t.conf:8: priority: missing value"),
    B("priority 1 2\n", "t.conf:8: priority: unexpected extra value '2'"),
    B("health_command /bin/check --x\n", "t.conf:8: health_command: unexpected extra value '--x' (quote"),
    B("node_id 3\n", "t.conf:8: node_id given twice (first at line 2)"),
    B("\n\nkey_file /x\n", "t.conf:10: key_file given twice (first at line 7)"),
    /* too many repeats */
    B("failover_ip 10.0.0.2/24\nfailover_ip 10.0.0.3/24\nfailover_ip 10.0.0.4/24\nfailover_ip 10.0.0.5/24\n"
      "failover_ip 10.0.0.6/24\nfailover_ip 10.0.0.7/24\nfailover_ip 10.0.0.8/24\nfailover_ip 10.0.0.9/24\n",
      "t.conf:15: failover_ip: too many (at most 8)"),
    B("track_interface a1\ntrack_interface a2\ntrack_interface a3\ntrack_interface a4\n"
      "track_interface a5\ntrack_interface a6\ntrack_interface a7\ntrack_interface a8\n"
      "track_interface a9\n",
      "t.conf:16: track_interface: too many (at most 8)"),
    B("allow_port 1\nallow_port 2\nallow_port 3\nallow_port 4\nallow_port 5\nallow_port 6\n"
      "allow_port 7\nallow_port 8\nallow_port 9\n",
      "t.conf:16: allow_port: too many (at most 8)"),
    B("failover_ip 192.168.1.10/16\n", "t.conf:8: failover_ip: 192.168.1.10 given twice (first at line 6)"),
    B("track_interface eth2\ntrack_interface eth2\n",
      "t.conf:9: track_interface: eth2 given twice (first at line 8)"),
    B("allow_port 22\nallow_port 22\n", "t.conf:9: allow_port: 22 given twice (first at line 8)"),
    B("witness 10.0.0.1\nwitness 10.0.0.2\nwitness 10.0.0.1\n",
      "t.conf:10: witness: 10.0.0.1 given twice (first at line 8)"),
    B("witness 10.0.0.1\nwitness 10.0.0.2\nwitness 10.0.0.3\nwitness 10.0.0.4\nwitness 10.0.0.5\n",
      "t.conf:12: witness: too many (at most 4)"),
    /* witness */
    B("witness 10.0.0\n", "t.conf:8: witness: '10.0.0' is not an IPv4 address (expected A.B.C.D)"),
    B("witness 224.0.0.1\n", "t.conf:8: witness: 224.0.0.1 is not a unicast address"),
    B("witness 10.0.0.1 10.0.0.2\n", "t.conf:8: witness: unexpected extra value '10.0.0.2'"),
    B("witness_method ping\n", "t.conf:8: witness_method: 'ping' is not a witness method (use arp or icmp)"),
    B("witness_method arp\nwitness_method icmp\n", "t.conf:9: witness_method given twice (first at line 8)"),
    B("witness_interval 4ms\n", "t.conf:8: witness_interval: 4ms is out of range (5ms..10s)"),
    B("witness_interval 11s\n", "t.conf:8: witness_interval: 11s is out of range (5ms..10s)"),
    B("witness_interval 5500us\n",
      "t.conf:8: witness_interval: 5500us is not a whole number of milliseconds"),
    B("witness_timeout 61s\n", "t.conf:8: witness_timeout: 61s is out of range (0ms..60s)"),
    B("witness_timeout 39ms\n",
      "t.conf:8: witness_timeout: 39ms is less than twice witness_interval 20ms (use at least 40ms)"),
    B("witness_timeout 150ms\n\nwitness_interval 100ms\n",
      "t.conf:10: witness_timeout: 150ms is less than twice witness_interval 100ms (use at least 200ms)"),
    W("node_name a\nwitness_interval 1s\nwitness_timeout 1s\n",
      "t.conf:3: witness_timeout: 1s is less than twice witness_interval 1s (use at least 2s)"),
    B("\nwitness 192.168.1.2\n",
      "t.conf:9: witness: 192.168.1.2 is peer_address; a witness must be a third host"),
    B("witness 10.9.9.9\nwitness 192.168.1.10\n",
      "t.conf:9: witness: 192.168.1.10 is a failover_ip; a witness must be a third host"),
    /* numbers */
    B("priority abc\n", "t.conf:8: priority: 'abc' is not a number (expected 1..255)"),
    B("priority -1\n", "t.conf:8: priority: '-1' is not a number (expected 1..255)"),
    B("priority +1\n", "t.conf:8: priority: '+1' is not a number"),
    B("priority 12x\n", "t.conf:8: priority: '12x' has junk after the number (expected 1..255)"),
    B("priority 0x10\n", "t.conf:8: priority: '0x10' has junk after the number"),
    B("priority 0\n", "t.conf:8: priority: 0 is out of range (1..255)"),
    B("priority 256\n", "t.conf:8: priority: 256 is out of range (1..255)"),
    B("priority 99999999999999999999999\n", "t.conf:8: priority: 99999999999999999999999 is out of range"),
    B("heartbeat_misses 1\n", "t.conf:8: heartbeat_misses: 1 is out of range (2..1000)"),
    B("heartbeat_misses 1001\n", "t.conf:8: heartbeat_misses: 1001 is out of range (2..1000)"),
    B("udp_port 0\n", "t.conf:8: udp_port: 0 is out of range (1..65535)"),
    B("udp_port 65536\n", "t.conf:8: udp_port: 65536 is out of range (1..65535)"),
    B("control_port 0\n", "t.conf:8: control_port: 0 is out of range (1..65535)"),
    B("admin_password_file admin.passwd\n",
      "t.conf:8: admin_password_file: 'admin.passwd' must be an absolute path (starting with /)"),
    B("garp_count 101\n", "t.conf:8: garp_count: 101 is out of range (1..100)"),
    B("health_fall 0\n", "t.conf:8: health_fall: 0 is out of range (1..100)"),
    B("health_rise 101\n", "t.conf:8: health_rise: 101 is out of range (1..100)"),
    B("hb_rate_limit 1000001\n", "t.conf:8: hb_rate_limit: 1000001 is out of range (1..1000000)"),
    B("sched_priority 100\n", "t.conf:8: sched_priority: 100 is out of range (0..99)"),
    B("allow_port 0\n", "t.conf:8: allow_port: 0 is out of range (1..65535)"),
    B("allow_port ssh\n", "t.conf:8: allow_port: 'ssh' is not a number (expected 1..65535)"),
    W("node_name a\nnode_id 0\n", "t.conf:2: node_id: 0 is out of range (1..255)"),
    W("node_name a\npeer_id 256\n", "t.conf:2: peer_id: 256 is out of range (1..255)"),
    W("cluster_id 0\n", "t.conf:1: cluster_id: 0 is out of range (1..4294967295)"),
    W("cluster_id 0x100000000\n", "t.conf:1: cluster_id: 0x100000000 is out of range (1..4294967295)"),
    W("cluster_id 0x\n", "t.conf:1: cluster_id: '0x' is not a number"),
    W("cluster_id 0xfg\n", "t.conf:1: cluster_id: '0xfg' has junk after the number"),
    /* booleans and enums */
    B("auto_failback true\n", "t.conf:8: auto_failback: 'true' is not a boolean (use yes or no)"),
    B("failover_enabled YES\n", "t.conf:8: failover_enabled: 'YES' is not a boolean (use yes or no)"),
    B("monitor_lan_interface off\n",
      "t.conf:8: monitor_lan_interface: 'off' is not a boolean (use yes or no)"),
    B("xdp_mode skb\n", "t.conf:8: xdp_mode: 'skb' is not an XDP mode (use native or generic)"),
    /* durations */
    B("heartbeat_interval 10\n", "t.conf:8: heartbeat_interval: '10' needs a unit: us, ms or s"),
    B("heartbeat_interval fast\n", "t.conf:8: heartbeat_interval: 'fast' is not a duration"),
    B("heartbeat_interval ms\n", "t.conf:8: heartbeat_interval: 'ms' is not a duration"),
    B("heartbeat_interval 10min\n",
      "t.conf:8: heartbeat_interval: '10min' has an unknown unit 'min' (use us"),
    B("heartbeat_interval 10 ms\n", "t.conf:8: heartbeat_interval: unexpected extra value 'ms'"),
    B("heartbeat_interval 10MS\n", "t.conf:8: heartbeat_interval: '10MS' has an unknown unit 'MS'"),
    B("startup_wait 1.5s\n", "t.conf:8: startup_wait: '1.5s': fractions are not supported"),
    B("heartbeat_interval 500us\n", "t.conf:8: heartbeat_interval: 500us is out of range (1ms..10s)"),
    B("heartbeat_interval 11s\n", "t.conf:8: heartbeat_interval: 11s is out of range (1ms..10s)"),
    B("heartbeat_interval 99999999999999999999s\n", "t.conf:8: heartbeat_interval: 99999999999999999999s is "
						    "out of range (1ms..10s)"),
    B("heartbeat_interval 18446744073709551s\n", "t.conf:8: heartbeat_interval: 18446744073709551s is out of "
						 "range"),
    B("startup_wait 301s\n", "t.conf:8: startup_wait: 301s is out of range (0ms..300s)"),
    B("garp_interval 11s\n", "t.conf:8: garp_interval: 11s is out of range (0ms..10s)"),
    B("garp_refresh 3601s\n", "t.conf:8: garp_refresh: 3601s is out of range (0ms..3600s)"),
    B("arp_probe 2s\n", "t.conf:8: arp_probe: 2s is out of range (0ms..1s)"),
    B("health_interval 50ms\n", "t.conf:8: health_interval: 50ms is out of range (100ms..3600s)"),
    B("health_timeout 2h\n", "t.conf:8: health_timeout: '2h' has an unknown unit 'h'"),
    B("garp_interval 1500us\n", "t.conf:8: garp_interval: 1500us is not a whole number of milliseconds"),
    /* addresses */
    W("peer_address 10.0.0\n", "t.conf:1: peer_address: '10.0.0' is not an IPv4 address"),
    W("peer_address 10.0.0.256\n", "t.conf:1: peer_address: '10.0.0.256' is not an IPv4 address"),
    W("peer_address 010.0.0.1\n", "t.conf:1: peer_address: '010.0.0.1' is not an IPv4 address"),
    W("peer_address host.example\n", "t.conf:1: peer_address: 'host.example' is not an IPv4 address"),
    W("peer_address 127.0.0.1\n", "t.conf:1: peer_address: 127.0.0.1 is not a unicast address"),
    W("peer_address 224.0.0.18\n", "t.conf:1: peer_address: 224.0.0.18 is not a unicast address"),
    W("peer_address 0.0.0.0\n", "t.conf:1: peer_address: 0.0.0.0 is not a unicast address"),
    B("failover_ip 10.0.0.300/24\n", "t.conf:8: failover_ip: '10.0.0.300' is not an IPv4 address"),
    B("failover_ip 10.0.0.6\n", "t.conf:8: failover_ip: '10.0.0.6' needs a prefix length, e.g."),
    B("failover_ip 10.0.0.6/33\n", "t.conf:8: failover_ip: bad prefix length '/33' (expected /1../32)"),
    B("failover_ip 10.0.0.6/0\n", "t.conf:8: failover_ip: bad prefix length '/0'"),
    B("failover_ip 10.0.0.6/\n", "t.conf:8: failover_ip: bad prefix length '/'"),
    B("failover_ip 10.0.0.6/24x\n", "t.conf:8: failover_ip: bad prefix length '/24x'"),
    B("failover_ip 10.0.0.6/24 eth0\n", "t.conf:8: failover_ip: unexpected 'eth0' after the address "
					"(expected: dev IFNAME)"),
    B("failover_ip 10.0.0.6/24 dev\n", "t.conf:8: failover_ip: unexpected 'dev' after the address"),
    B("failover_ip 10.0.0.6/24 device eth0\n", "t.conf:8: failover_ip: unexpected 'device'"),
    B("failover_ip 10.0.0.6/24 dev eth0 x\n", "t.conf:8: failover_ip: unexpected extra value 'x'"),
    B("failover_ip 10.0.0.6/24 dev eth0/1\n", "t.conf:8: failover_ip: interface name 'eth0/1' has a bad "
					      "character at position 5"),
    /* IPv6 failover addresses */
    B("failover_ip 2001:db8::g/64\n", "t.conf:8: failover_ip: '2001:db8::g' is not an IPv6 address"),
    B("failover_ip 2001:db8:::1/64\n", "t.conf:8: failover_ip: '2001:db8:::1' is not an IPv6 address"),
    B("failover_ip 2001:db8::1\n", "t.conf:8: failover_ip: '2001:db8::1' needs a prefix length"),
    B("failover_ip 2001:db8::1/129\n", "t.conf:8: failover_ip: bad prefix length '/129' (expected /1../128)"),
    B("failover_ip 2001:db8::1/0\n", "t.conf:8: failover_ip: bad prefix length '/0' (expected /1../128)"),
    B("failover_ip ::/64\n", "t.conf:8: failover_ip: :: is not a unicast address"),
    B("failover_ip ::1/128\n", "t.conf:8: failover_ip: ::1 is not a unicast address"),
    B("failover_ip ff02::1/64\n", "t.conf:8: failover_ip: ff02::1 is not a unicast address"),
    B("failover_ip fe80::10/64\n", "t.conf:8: failover_ip: fe80::10 is link-local (fe80::/10)"),
    B("failover_ip ::ffff:10.0.0.1/120\n",
      "t.conf:8: failover_ip: ::ffff:10.0.0.1 is an IPv4-mapped address"),
    B("failover_ip 2001:0db8:0000:0000:0000:0000:0000:0000:1/64\n", "is not an IPv6 address"),
    B("failover_ip 2001:db8::10/64\nfailover_ip 2001:DB8:0::10/48 dev eth1\n",
      "t.conf:9: failover_ip: 2001:DB8:0::10 given twice (first at line 8)"),
    B("failover_ip 2001:db8::10/64 eth0\n", "t.conf:8: failover_ip: unexpected 'eth0' after the address"),
    /* interface names */
    B("hb_interface abcdefghijklmnop\n", "t.conf:8: hb_interface: interface name 'abcdefghijklmnop' is too "
					 "long (16 characters, max 15)"),
    B("lan_interface eth:0\n", "t.conf:8: lan_interface: interface name 'eth:0' has a bad character"),
    B("lan_interface \"\"\n", "t.conf:8: lan_interface: empty interface name"),
    B("lan_interface ..\n", "t.conf:8: lan_interface: '..' is not a valid interface name"),
    B("track_interface \"eth 2\"\n", "t.conf:8: track_interface: interface name 'eth 2' has a bad character"),
    /* names */
    W("node_name \"\"\n", "t.conf:1: node_name: '' must be 1..31 characters long"),
    W("node_name abcdefghijabcdefghijabcdefghij12\n",
      "t.conf:1: node_name: 'abcdefghijabcdefghijabcdefghij12' "
      "must be 1..31 characters long"),
    W("node_name \"node a\"\n", "t.conf:1: node_name: 'node a' has a bad character at position 5"),
    B("control_group wheel!\n", "t.conf:8: control_group: 'wheel!' has a bad character"),
    B("drbd_resource r/0\n", "t.conf:8: drbd_resource: 'r/0' has a bad character"),
    /* where twin-exporter listens: numeric, with a port */
    B("metrics_listen localhost:9946\n",
      "t.conf:8: metrics_listen: 'localhost:9946': 'localhost' is not an IPv4 address"),
    B("metrics_listen 10.0.0.5\n", "t.conf:8: metrics_listen: '10.0.0.5': expected ADDRESS:PORT"),
    B("metrics_listen 10.0.0.5:0\n",
      "t.conf:8: metrics_listen: '10.0.0.5:0': port must be a number 1..65535"),
    B("metrics_listen [::1:9946\n", "t.conf:8: metrics_listen: '[::1:9946': expected [IPv6]:PORT"),
    /* paths and commands */
    W("key_file etc/twin/key\n", "t.conf:1: key_file: 'etc/twin/key' must be an absolute path"),
    B("state_dir \"\"\n", "t.conf:8: state_dir: '' must be an absolute path"),
    B("sync_dir data/sync\n", "t.conf:8: sync_dir: 'data/sync' must be an absolute path"),
    B("event_queue_max 9\n", "t.conf:8: event_queue_max: 9 is out of range (10..100000)"),
    B("event_queue_max 100001\n", "t.conf:8: event_queue_max: 100001 is out of range (10..100000)"),
    B("state_dir \"/a\tb\"\n", "t.conf:8: state_dir: path '/a?b' contains a control character"),
    B("control_socket /run/twin/0123456789012345678901234567890123456789012345678901234567890123456789"
      "0123456789012345678901234567\n",
      "t.conf:8: control_socket: path too long (108 characters, max 107)"),
    B("health_command \"a\x01z\"\n", "t.conf:8: health_command: command contains a control character"),
    B("notify \"a\x01z\"\n", "t.conf:8: notify: command contains a control character"),
    B("notify_master a\nnotify_master b\n", "t.conf:9: notify_master given twice (first at line 8)"),
    B("notify_timeout 99ms\n", "t.conf:8: notify_timeout: 99ms is out of range (100ms..3600s)"),
    B("notify_timeout 5\n", "t.conf:8: notify_timeout: '5' needs a unit"),
    B("active_jobs etc/crontab\n", "t.conf:8: active_jobs: 'etc/crontab' must be an absolute path"),
    B("active_jobs_timeout 86401s\n", "t.conf:8: active_jobs_timeout: 86401s is out of range (0ms..86400s)"),
    /* quoting */
    B("health_command \"/bin/check\n", "t.conf:8: unterminated quote"),
    B("health_command \"/bin/check\\\"\n", "t.conf:8: unterminated quote"),
    B("health_command \"a\\nb\"\n", "t.conf:8: bad escape in quoted value"),
    B("health_command \"a\\\n", "t.conf:8: bad escape in quoted value"),
    B("health_command \"a\"b\n", "t.conf:8: unexpected character 'b' right after a closing quote"),
    W("node_name a\"b\"\n", "t.conf:1: stray quote in the middle of a value"),
    /* whole-file checks */
    W("", "t.conf:0: missing required key node_name"),
    W("# nothing\n\n", "t.conf:0: missing required key node_name"),
    W("node_name a\ncluster_id 1\n",
      "t.conf:0: missing required key node_id (a pair set up in this file needs"),
    W("node_name a\nnode_id 1\ncluster_id 1\n", "t.conf:0: missing required key peer_id"),
    W("node_name a\nnode_id 1\npeer_id 2\n", "t.conf:0: missing required key cluster_id"),
    W("node_name a\nnode_id 1\npeer_id 2\ncluster_id 1\nkey_file /k\nfailover_ip 1.1.1.1/24\n",
      "t.conf:0: missing required key peer_address"),
    W("node_name a\nnode_id 1\npeer_id 2\ncluster_id 1\npeer_address 1.1.1.2\nkey_file /k\n",
      "t.conf:0: missing required key failover_ip"),
    W("node_name a\nnode_id 1\npeer_id 2\ncluster_id 1\npeer_address 1.1.1.2\nfailover_ip 1.1.1.1/24\n",
      "t.conf:0: missing required key key_file"),
    W("node_name a\nnode_id 9\ncluster_id 1\npeer_address 1.1.1.2\nfailover_ip 1.1.1.1/24\nkey_file /k\n"
      "peer_id 9\n",
      "t.conf:7: peer_id: 9 is the same as node_id"),
    B("heartbeat_interval 10s\nheartbeat_misses 7\n", "t.conf:9: heartbeat_interval 10s x heartbeat_misses 7 "
						      "= 70s detection time, more than 60s"),
    B("heartbeat_misses 1000\nheartbeat_interval 61ms\n", "t.conf:9: heartbeat_interval 61ms x "
							  "heartbeat_misses 1000 = 61s detection time"),
    B("garp_interval 3s\ngarp_count 4\n",
      "t.conf:9: garp_interval 3s x garp_count 4 = 12s of gratuitous ARP, "
      "more than 10s"),
    B("hb_rate_limit 100\n", "t.conf:8: hb_rate_limit: 100 frames/s is below twice the heartbeat rate (200/s "
			     "with heartbeat_interval 5ms); use at least 400"),
    B("hb_rate_limit 2000\nheartbeat_interval 700us\n",
      "t.conf:9: heartbeat_interval: 700us is out of range"),
    B("heartbeat_interval 1ms\nhb_rate_limit 1999\n",
      "t.conf:9: hb_rate_limit: 1999 frames/s is below twice "
      "the heartbeat rate (1000/s with heartbeat_interval 1ms); use at least 2000"),
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		char text[4096], err[256] = "";
		struct twin_config c;

		snprintf(text, sizeof(text), "%s%s", b->whole ? "" : BASE, b->text);
		int rc = parse(text, &c, err, sizeof(err));
		CHECK_EQ(rc, -1);
		if (rc != -1 || !strstr(err, b->expect))
			fprintf(stderr, "  case %zu: %s\n    want: %s\n    got:  %s\n", i, b->text, b->expect,
				err);
		CHECK_CONTAINS(err, b->expect);
		CHECK(strncmp(err, "t.conf:", 7) == 0);
	}
}

/* Errors that need bytes a C string table cannot hold, or long lines. */
static void test_bad_bytes(void)
{
	static const char nul[] = BASE "node_name a\0b\n";
	struct twin_config c;
	char err[256], *big;
	size_t i, n;

	CHECK_EQ(config_parse_buf("t.conf", nul, sizeof(nul) - 1, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "t.conf:8: NUL byte in the file");

	/* 1024 characters (without the newline) is fine, 1025 is not. */
	big = malloc(4096);
	n = (size_t)snprintf(big, 4096, BASE "# ");
	for (i = 0; i < 1024 - 2; i++)
		big[n++] = 'x';
	memcpy(big + n, "\n", 2);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), 0);
	memcpy(big + n, "x\n", 3);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "t.conf:8: line too long (1025 characters, max 1024)");

	/* health_command of 511 characters fits, 512 does not. */
	n = (size_t)snprintf(big, 4096, BASE "health_command \"");
	for (i = 0; i < 511; i++)
		big[n++] = i % 2 ? 'a' : ' ';
	memcpy(big + n, "\"\n", 3);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), 0);
	CHECK_EQ(strlen(c.health_command), 511u);
	memcpy(big + n, "b\"\n", 4);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "t.conf:8: health_command: command too long (512 characters, max 511)");

	/* key_file of 255 characters fits, 256 does not. */
	n = (size_t)snprintf(big, 4096,
			     "node_name a\nnode_id 1\npeer_id 2\ncluster_id 1\npeer_address 1.1.1.2\n"
			     "failover_ip 1.1.1.1/24\nkey_file /");
	for (i = 0; i < 254; i++)
		big[n++] = 'k';
	memcpy(big + n, "\n", 2);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), 0);
	CHECK_EQ(strlen(c.key_file), 255u);
	memcpy(big + n, "k\n", 3);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "t.conf:7: key_file: path too long (256 characters, max 255)");

	/* Echoed values are bounded and printable. */
	n = (size_t)snprintf(big, 4096, BASE "\x7f");
	for (i = 0; i < 200; i++)
		big[n++] = 'q';
	memcpy(big + n, " 1\n", 4);
	CHECK_EQ(parse(big, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "t.conf:8: unknown key '?qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq...'");
	free(big);
}

/* Every key, as the docs must list it. Keep in step with config.c's table.
 * One a line, however long the longest. */
/* clang-format off */
static const char *const all_keys[] = {
    "node_name",
    "node_id",
    "peer_id",
    "cluster_id",
    "priority",
    "hb_interface",
    "lan_interface",
    "peer_address",
    "udp_port",
    "heartbeat_interval",
    "heartbeat_misses",
    "startup_wait",
    "auto_failback",
    "failover_enabled",
    "failover_ip",
    "garp_count",
    "garp_interval",
    "garp_refresh",
    "arp_probe",
    "health_command",
    "health_interval",
    "health_timeout",
    "health_fall",
    "health_rise",
    "track_interface",
    "witness",
    "witness_method",
    "witness_interval",
    "witness_timeout",
    "monitor_lan_interface",
    "allow_port",
    "hb_rate_limit",
    "key_file",
    "state_dir",
    "control_socket",
    "control_group",
    "control_port",
    "admin_password_file",
    "xdp_mode",
    "sched_priority",
    "drbd_resource",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify",
    "notify_timeout",
    "reboot_command",
    "shutdown_command",
    "self_fence_command",
    "membership_command",
    "active_jobs",
    "active_jobs_timeout",
    "sync_dir",
    "event_queue_max",
    "metrics_listen",
};
/* clang-format on */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The shipped sample parses, shows every key, and its "#key value" lines
 * are the real defaults: uncommenting all of them changes nothing. The man
 * page documents every key. Run from the repository root (make test-unit). */
static void test_docs(void)
{
	char *sample = slurp("rootfs/etc/twin/twin.conf"), *man = slurp("docs/twin.conf.5");
	struct twin_config c;
	char err[256], needle[64];
	size_t i, o = 0;

	CHECK(sample != NULL);
	CHECK(man != NULL);
	if (!sample || !man) {
		fprintf(stderr, "test_docs: run from the repository root\n");
		free(sample);
		free(man);
		return;
	}
	CHECK_EQ(config_parse_buf("twin.conf", sample, strlen(sample), &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");

	/* Keys known to the parser: alone on a line they lack a value. */
	for (i = 0; i < sizeof(all_keys) / sizeof(all_keys[0]); i++) {
		const char *k = all_keys[i];
		char line[64], want[96];

		snprintf(line, sizeof(line), "%s\n", k);
		snprintf(want, sizeof(want), "t.conf:1: %s: missing value", k);
		CHECK_EQ(parse(line, &c, err, sizeof(err)), -1);
		CHECK_STR(err, want);
		snprintf(needle, sizeof(needle), "%s ", k);
		if (!strstr(sample, needle))
			fprintf(stderr, "sample twin.conf lacks %s\n", k);
		CHECK(strstr(sample, needle) != NULL);
		snprintf(needle, sizeof(needle), ".BI %s ", k);
		if (!strstr(man, needle)) {
			snprintf(needle, sizeof(needle), ".BR %s ", k);
			if (!strstr(man, needle))
				fprintf(stderr, "twin.conf.5 lacks %s\n", k);
		}
		CHECK(strstr(man, needle) != NULL);
	}

	/* Uncomment "#key value" lines (the documented defaults). */
	char *on = calloc(1, strlen(sample) + 1);
	int uncommented = 0;
	for (const char *s = sample; *s; s++) {
		int bol = s == sample || s[-1] == '\n';

		if (bol && s[0] == '#' && s[1] >= 'a' && s[1] <= 'z') {
			uncommented++;
			continue;
		}
		on[o++] = *s;
	}
	CHECK(uncommented >= 24);
	CHECK_EQ(config_parse_buf("twin.conf", on, o, &c, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	check_defaults(&c);
	free(on);
	free(sample);
	free(man);
}

static void test_file(void)
{
	char dir[] = "/tmp/twin-cfg-XXXXXX", path[64], err[512];
	struct twin_config c;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	CHECK_EQ(config_parse_file(path, &c, err, sizeof(err)), -1);
	CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK_CONTAINS(err, ":0: cannot open: No such file or directory");

	CHECK_EQ(config_parse_file(dir, &c, err, sizeof(err)), -1);
	CHECK(strncmp(err, dir, strlen(dir)) == 0);
	CHECK_CONTAINS(err, ":0: is a directory");

	CHECK_EQ(config_parse_file("/dev/null", &c, err, sizeof(err)), -1);
	CHECK_STR(err, "/dev/null:0: not a regular file");

	snprintf(path, sizeof(path), "%s/twin.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, full, strlen(full)), (ssize_t)strlen(full));
	close(fd);
	CHECK_EQ(config_parse_file(path, &c, err, sizeof(err)), 0);
	CHECK_EQ(c.cluster_id, 0xDEADBEEFu);
	CHECK_STR(c.drbd_resource, "r0");

	/* Errors in a real file carry the path as given. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK_EQ(write(fd, "\nnode_id 9\n", 11), 11);
	close(fd);
	CHECK_EQ(config_parse_file(path, &c, err, sizeof(err)), -1);
	char want[128];
	snprintf(want, sizeof(want), "%s:58: node_id given twice (first at line 6)", path);
	CHECK_STR(err, want);

	/* Over 1 MiB is refused before reading. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK_EQ(ftruncate(fd, 1024 * 1024 + 1), 0);
	close(fd);
	CHECK_EQ(config_parse_file(path, &c, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, ":0: file too large (1048577 bytes, max 1048576)");

	/* Unreadable (only meaningful when not root: root reads anything). */
	if (geteuid() != 0) {
		chmod(path, 0);
		CHECK_EQ(config_parse_file(path, &c, err, sizeof(err)), -1);
		CHECK_CONTAINS(err, ":0: cannot open: Permission denied");
	}
	unlink(path);
	rmdir(dir);
}

TEST_MAIN("config", {
	test_full();
	test_defaults();
	test_unpaired();
	test_edges();
	test_bad();
	test_bad_bytes();
	test_file();
	test_docs();
})
