/* twin.conf parser. Table-driven: each key is one row saying where its value
 * goes, what kind it is and its range; the line loop only tokenizes and
 * dispatches. Every error is "FILE:LINE: key: what is wrong (allowed)"
 * because twind -t prints it as is to an admin who has no other context.
 *
 * The parse works on a private copy and copies it out only on success, so
 * a bad file (e.g. at reload) never leaves a half-written config behind. */
#include "config.h"
#include "listen_addr.h"
#include "text_file.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_LEN  1024
#define FILE_MAX_LEN  (1024 * 1024)
#define MAX_TOK	      6	  /* longest line is "failover_ip A/N dev IF": 4, plus room for one extra */
#define IFNAME_MAX    15  /* IFNAMSIZ - 1 */
#define SUN_PATH_MAX  107 /* sizeof(sockaddr_un.sun_path) - 1 */
#define US_PER_MS     1000ULL
#define US_PER_S      1000000ULL
#define DETECT_MAX_US (60 * US_PER_S)
#define GARP_MAX_US   (10 * US_PER_S)

enum kind {
	K_UINT,	   /* decimal, stored in an unsigned field of 1, 2 or 4 bytes */
	K_INT,	   /* decimal, stored in an int */
	K_HEX32,   /* decimal or 0x hex, uint32_t */
	K_DUR,	   /* integer + us|ms|s; min/max in us; stored in us or ms (scale) */
	K_BOOL,	   /* yes|no into an int */
	K_NAME,	   /* [A-Za-z0-9._-]{1,31} */
	K_IF,	   /* interface name, 1..15 chars */
	K_PATH,	   /* absolute path, at most max chars */
	K_CMD,	   /* free text (shell command) without control characters */
	K_IPV4,	   /* unicast dotted quad */
	K_XDP,	   /* native|generic */
	K_BEACON,  /* auto|userland */
	K_BFENCE,  /* none|drop|reboot */
	K_VIP,	   /* failover_ip: repeatable */
	K_TRACK,   /* track_interface: repeatable */
	K_PORT,	   /* allow_port: repeatable */
	K_WITNESS, /* witness: repeatable */
	K_WMETHOD, /* arp|icmp */
	K_SBAUTO,  /* off|discard-zero-changes */
	K_CONSOLE, /* locked|open|off */
	K_LISTEN,  /* ADDR:PORT of a listening socket (listen_addr.h) */
};

#define F_REQUIRED 1u
/* the keys of a pair configured in this file: all of them, or none (then the
 * pair is made with `twinctl cluster create` and kept in cluster.state) */
#define F_PAIR	   8u
#define F_EMPTY_OK 2u /* "" is a valid value meaning "none" */

struct key_def {
	const char *name;
	enum kind kind;
	size_t off, size;  /* field in struct twin_config */
	uint64_t min, max; /* numbers; durations in us; strings: max length */
	uint32_t scale;	   /* durations: 1 = stored in us, 1000 = stored in ms */
	unsigned flags;
};

#define FLD(f) offsetof(struct twin_config, f), sizeof(((struct twin_config *)0)->f)
#define MS(n)  ((n)*US_PER_MS)
#define SEC(n) ((n)*US_PER_S)

/* Struct order; the required keys are reported missing in this order too. */
static const struct key_def keys[] = {
    {"node_name", K_NAME, FLD(node_name), 1, CFG_NAME_MAX - 1, 0, F_REQUIRED},
    {"node_id", K_UINT, FLD(node_id), 1, 255, 0, F_PAIR},
    {"peer_id", K_UINT, FLD(peer_id), 1, 255, 0, F_PAIR},
    {"cluster_id", K_HEX32, FLD(cluster_id), 1, UINT32_MAX, 0, F_PAIR},
    {"priority", K_UINT, FLD(priority), 1, 255, 0, 0},
    {"hb_interface", K_IF, FLD(hb_interface), 1, IFNAME_MAX, 0, 0},
    {"lan_interface", K_IF, FLD(lan_interface), 1, IFNAME_MAX, 0, 0},
    {"peer_address", K_IPV4, FLD(peer_address), 0, 0, 0, F_PAIR},
    {"udp_port", K_UINT, FLD(udp_port), 1, 65535, 0, 0},
    {"heartbeat_interval", K_DUR, FLD(hb_interval_us), MS(1), SEC(10), 1, 0},
    {"heartbeat_misses", K_UINT, FLD(hb_misses), 2, 1000, 0, 0},
    {"startup_wait", K_DUR, FLD(startup_wait_ms), 0, SEC(300), 1000, 0},
    {"auto_failback", K_BOOL, FLD(auto_failback), 0, 0, 0, 0},
    {"failover_enabled", K_BOOL, FLD(failover_enabled), 0, 0, 0, 0},
    {"failover_ip", K_VIP, FLD(vips), 0, CFG_MAX_VIPS, 0, F_PAIR},
    {"garp_count", K_UINT, FLD(garp_count), 1, 100, 0, 0},
    {"garp_interval", K_DUR, FLD(garp_interval_ms), 0, SEC(10), 1000, 0},
    {"garp_refresh", K_DUR, FLD(garp_refresh_ms), 0, SEC(3600), 1000, 0},
    {"arp_probe", K_DUR, FLD(arp_probe_ms), 0, SEC(1), 1000, 0},
    {"health_command", K_CMD, FLD(health_command), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"health_interval", K_DUR, FLD(health_interval_ms), MS(100), SEC(3600), 1000, 0},
    {"health_timeout", K_DUR, FLD(health_timeout_ms), MS(100), SEC(3600), 1000, 0},
    {"health_fall", K_UINT, FLD(health_fall), 1, 100, 0, 0},
    {"health_rise", K_UINT, FLD(health_rise), 1, 100, 0, 0},
    {"track_interface", K_TRACK, FLD(track_interfaces), 1, CFG_MAX_TRACK, 0, 0},
    {"witness", K_WITNESS, FLD(witnesses), 0, CFG_MAX_WITNESS, 0, 0},
    {"witness_method", K_WMETHOD, FLD(witness_method), 0, 0, 0, 0},
    {"split_brain_auto", K_SBAUTO, FLD(split_brain_auto), 0, 0, 0, 0},
    {"witness_interval", K_DUR, FLD(witness_interval_ms), MS(5), SEC(10), 1000, 0},
    {"witness_timeout", K_DUR, FLD(witness_timeout_ms), 0, SEC(60), 1000, 0},
    {"monitor_lan_interface", K_BOOL, FLD(monitor_lan_interface), 0, 0, 0, 0},
    {"notify_master", K_CMD, FLD(notify_master), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"notify_backup", K_CMD, FLD(notify_backup), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"notify_fault", K_CMD, FLD(notify_fault), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"notify_stop", K_CMD, FLD(notify_stop), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"notify", K_CMD, FLD(notify), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"notify_timeout", K_DUR, FLD(notify_timeout_ms), MS(100), SEC(3600), 1000, 0},
    {"reboot_command", K_CMD, FLD(reboot_command), 1, CFG_CMD_MAX - 1, 0, 0},
    {"shutdown_command", K_CMD, FLD(shutdown_command), 1, CFG_CMD_MAX - 1, 0, 0},
    {"self_fence_command", K_CMD, FLD(self_fence_command), 1, CFG_CMD_MAX - 1, 0, 0},
    {"membership_command", K_CMD, FLD(membership_command), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"active_jobs", K_PATH, FLD(active_jobs), 1, CFG_PATH_MAX - 1, 0, F_EMPTY_OK},
    {"active_jobs_timeout", K_DUR, FLD(active_jobs_timeout_ms), 0, SEC(86400), 1000, 0},
    {"allow_port", K_PORT, FLD(allow_ports), 1, CFG_MAX_PORTS, 0, 0},
    {"hb_rate_limit", K_UINT, FLD(hb_rate_limit), 1, 1000000, 0, 0},
    {"key_file", K_PATH, FLD(key_file), 1, CFG_PATH_MAX - 1, 0, F_PAIR},
    {"state_dir", K_PATH, FLD(state_dir), 1, CFG_PATH_MAX - 1, 0, 0},
    {"control_socket", K_PATH, FLD(control_socket), 1, SUN_PATH_MAX, 0, 0},
    {"control_group", K_NAME, FLD(control_group), 1, CFG_NAME_MAX - 1, 0, F_EMPTY_OK},
    {"control_port", K_UINT, FLD(control_port), 1, 65535, 0, 0},
    {"admin_password_file", K_PATH, FLD(admin_password_file), 1, CFG_PATH_MAX - 1, 0, F_EMPTY_OK},
    {"console_serial", K_CONSOLE, FLD(console_serial), 0, 0, 0, 0},
    {"console_lcd", K_CONSOLE, FLD(console_lcd), 0, 0, 0, 0},
    {"console_lcd_pin", K_CMD, FLD(console_lcd_pin), 0, CFG_CMD_MAX - 1, 0, F_EMPTY_OK},
    {"console_unlock", K_DUR, FLD(console_unlock_ms), SEC(10), SEC(3600), 1000, 0},
    {"xdp_mode", K_XDP, FLD(xdp_mode), 0, 0, 0, 0},
    {"beacon", K_BEACON, FLD(beacon), 0, 0, 0, 0},
    {"beacon_fence", K_BFENCE, FLD(beacon_fence), 0, 0, 0, 0},
    {"sched_priority", K_INT, FLD(sched_priority), 0, 99, 0, 0},
    {"drbd_resource", K_NAME, FLD(drbd_resource), 1, CFG_NAME_MAX - 1, 0, F_EMPTY_OK},
    {"sync_dir", K_PATH, FLD(sync_dir), 1, CFG_PATH_MAX - 1, 0, F_EMPTY_OK},
    {"event_queue_max", K_UINT, FLD(event_queue_max), 10, 100000, 0, 0},
    {"metrics_listen", K_LISTEN, FLD(metrics_listen), 0, LISTEN_ADDR_MAX - 1, 0, F_EMPTY_OK},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

struct parser {
	const char *name;
	unsigned line;
	struct twin_config cfg;
	unsigned first_line[N_KEYS]; /* 0 = not given */
	unsigned vip_line[CFG_MAX_VIPS], vip_dev_given[CFG_MAX_VIPS];
	unsigned track_line[CFG_MAX_TRACK], port_line[CFG_MAX_PORTS], witness_line[CFG_MAX_WITNESS];
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text_verror(p->err, p->errlen, p->name, p->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* A value echoed in a message: printable, bounded (the input is untrusted). */
#define VIS_MAX 40
static const char *vis(char *buf, const char *s)
{
	size_t i;

	for (i = 0; i < VIS_MAX && s[i]; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i])
		memcpy(buf + i, "...", 4);
	else
		buf[i] = '\0';
	return buf;
}

/* Duration for messages, in the largest unit that is exact: 5ms, 10s. */
static const char *fmt_dur(char *buf, size_t n, uint64_t us)
{
	if (us && us % US_PER_S == 0)
		snprintf(buf, n, "%llus", (unsigned long long)(us / US_PER_S));
	else if (us % US_PER_MS == 0)
		snprintf(buf, n, "%llums", (unsigned long long)(us / US_PER_MS));
	else
		snprintf(buf, n, "%lluus", (unsigned long long)us);
	return buf;
}

/* ---- tokenizer ---- */

struct tokens {
	char *tok[MAX_TOK];
	int n;				  /* may exceed MAX_TOK: only the count is kept */
	char buf[LINE_MAX_LEN + MAX_TOK]; /* unescaped tokens, NUL-separated */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Split one line (no '\n', no NUL, <= LINE_MAX_LEN) into tokens. */
static int tokenize(struct parser *p, const char *s, size_t len, struct tokens *t)
{
	const char *end = s + len;
	char *o = t->buf;

	t->n = 0;
	while (s < end) {
		char *start = o;

		if (is_space(*s)) {
			s++;
			continue;
		}
		if (*s == '#')
			break;
		if (*s == '"') {
			for (s++;; s++) {
				if (s == end)
					return fail(
					    p, "unterminated quote: a value that starts with \" must end "
					       "with \" on the same line");
				if (*s == '"')
					break;
				if (*s == '\\') {
					if (s + 1 == end || (s[1] != '"' && s[1] != '\\'))
						return fail(p,
							    "bad escape in quoted value: only \\\" and \\\\ "
							    "are allowed");
					s++;
				}
				*o++ = *s;
			}
			s++;
			if (s < end && !is_space(*s) && *s != '#')
				return fail(p, "unexpected character '%c' right after a closing quote", *s);
		} else {
			for (; s < end && !is_space(*s) && *s != '#'; s++) {
				if (*s == '"')
					return fail(p, "stray quote in the middle of a value (quote the "
						       "whole value: key \"...\")");
				*o++ = *s;
			}
		}
		*o++ = '\0';
		if (t->n < MAX_TOK)
			t->tok[t->n] = start;
		t->n++;
	}
	return 0;
}

/* ---- value parsers: each returns 0 or fail() ---- */

/* Digits (or 0x + hex digits when hex) into *v; *end at the first other
 * char. Returns 0, -1 if no digits, 1 if the value overflowed. */
static int scan_u64(const char *s, int hex, uint64_t *v, const char **end)
{
	unsigned base = 10;
	int over = 0, any = 0;

	*v = 0;
	if (hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		any = 1;
		if (*v > (UINT64_MAX - d) / base)
			over = 1;
		else
			*v = *v * base + d;
	}
	*end = s;
	return !any ? -1 : over;
}

static int parse_number(struct parser *p, const struct key_def *k, const char *s, uint64_t *out)
{
	const char *end;
	char vb[VIS_MAX + 4];
	int r = scan_u64(s, k->kind == K_HEX32, out, &end);

	if (r < 0)
		return fail(p, "%s: '%s' is not a number (expected %llu..%llu)", k->name, vis(vb, s),
			    (unsigned long long)k->min, (unsigned long long)k->max);
	if (*end)
		return fail(p, "%s: '%s' has junk after the number (expected %llu..%llu)", k->name,
			    vis(vb, s), (unsigned long long)k->min, (unsigned long long)k->max);
	if (r > 0 || *out < k->min || *out > k->max)
		return fail(p, "%s: %s is out of range (%llu..%llu)", k->name, vis(vb, s),
			    (unsigned long long)k->min, (unsigned long long)k->max);
	return 0;
}

static void store_uint(void *field, size_t size, uint64_t v)
{
	if (size == 1)
		*(uint8_t *)field = (uint8_t)v;
	else if (size == 2)
		*(uint16_t *)field = (uint16_t)v;
	else
		*(uint32_t *)field = (uint32_t)v;
}

static int parse_duration(struct parser *p, const struct key_def *k, const char *s, uint64_t *us)
{
	const char *unit;
	char vb[VIS_MAX + 4], ub[VIS_MAX + 4], lo[24], hi[24];
	uint64_t v, mult;
	int r = scan_u64(s, 0, &v, &unit);

	fmt_dur(lo, sizeof(lo), k->min);
	fmt_dur(hi, sizeof(hi), k->max);
	if (r < 0)
		return fail(p,
			    "%s: '%s' is not a duration (expected a number and a unit, e.g. 10ms; range "
			    "%s..%s)",
			    k->name, vis(vb, s), lo, hi);
	if (*unit == '\0')
		return fail(p, "%s: '%s' needs a unit: us, ms or s (e.g. %sms)", k->name, vis(vb, s),
			    vis(vb, s));
	if (*unit == '.' || *unit == ',')
		return fail(p,
			    "%s: '%s': fractions are not supported, use a smaller unit (e.g. 1500ms "
			    "for 1.5s)",
			    k->name, vis(vb, s));
	if (!strcmp(unit, "us"))
		mult = 1;
	else if (!strcmp(unit, "ms"))
		mult = US_PER_MS;
	else if (!strcmp(unit, "s"))
		mult = US_PER_S;
	else
		return fail(p, "%s: '%s' has an unknown unit '%s' (use us, ms or s)", k->name, vis(vb, s),
			    vis(ub, unit));
	if (r > 0 || v > UINT64_MAX / mult || v * mult < k->min || v * mult > k->max)
		return fail(p, "%s: %s is out of range (%s..%s)", k->name, vis(vb, s), lo, hi);
	*us = v * mult;
	if (*us % k->scale)
		return fail(p, "%s: %s is not a whole number of milliseconds", k->name, vis(vb, s));
	return 0;
}

static int parse_bool(struct parser *p, const struct key_def *k, const char *s, int *out)
{
	char vb[VIS_MAX + 4];

	if (!strcmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "no"))
		*out = 0;
	else
		return fail(p, "%s: '%s' is not a boolean (use yes or no)", k->name, vis(vb, s));
	return 0;
}

static int parse_name(struct parser *p, const struct key_def *k, const char *s, char *out)
{
	char vb[VIS_MAX + 4];
	size_t len = strlen(s);

	if (len == 0 && (k->flags & F_EMPTY_OK)) {
		out[0] = '\0';
		return 0;
	}
	if (len == 0 || len > k->max)
		return fail(p, "%s: '%s' must be 1..%llu characters long", k->name, vis(vb, s),
			    (unsigned long long)k->max);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return fail(p,
				    "%s: '%s' has a bad character at position %zu (allowed: letters, digits, "
				    ". _ -)",
				    k->name, vis(vb, s), i + 1);
	}
	memcpy(out, s, len + 1);
	return 0;
}

/* Linux accepts nearly any byte; we accept what ip(8) users type, so a
 * name with '/', ':' or spaces is a typo caught here, not at runtime. */
static int check_ifname(struct parser *p, const char *key, const char *s)
{
	char vb[VIS_MAX + 4];
	size_t len = strlen(s);

	if (len == 0)
		return fail(p, "%s: empty interface name", key);
	if (len > IFNAME_MAX)
		return fail(p, "%s: interface name '%s' is too long (%zu characters, max %d)", key,
			    vis(vb, s), len, IFNAME_MAX);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return fail(p, "%s: '%s' is not a valid interface name", key, s);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return fail(p,
				    "%s: interface name '%s' has a bad character at position %zu (allowed: "
				    "letters, digits, . _ -)",
				    key, vis(vb, s), i + 1);
	}
	return 0;
}

static int has_ctrl(const char *s, int allow_tab)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(allow_tab && *s == '\t')) || *s == 0x7f)
			return 1;
	return 0;
}

static int parse_path(struct parser *p, const struct key_def *k, const char *s, char *out)
{
	char vb[VIS_MAX + 4];
	size_t len = strlen(s);

	if (len == 0 && (k->flags & F_EMPTY_OK)) {
		out[0] = '\0';
		return 0;
	}
	if (s[0] != '/')
		return fail(p, "%s: '%s' must be an absolute path (starting with /)", k->name, vis(vb, s));
	if (len > k->max)
		return fail(p, "%s: path too long (%zu characters, max %llu)", k->name, len,
			    (unsigned long long)k->max);
	if (has_ctrl(s, 0))
		return fail(p, "%s: path '%s' contains a control character", k->name, vis(vb, s));
	memcpy(out, s, len + 1);
	return 0;
}

static int parse_cmd(struct parser *p, const struct key_def *k, const char *s, char *out)
{
	size_t len = strlen(s);

	if (len > k->max)
		return fail(p, "%s: command too long (%zu characters, max %llu)", k->name, len,
			    (unsigned long long)k->max);
	if (has_ctrl(s, 1))
		return fail(p, "%s: command contains a control character", k->name);
	memcpy(out, s, len + 1);
	return 0;
}

/* Strict dotted quad (inet_pton: no octal, no short forms), unicast only:
 * 0/8, 127/8 and 224/3 can never be a peer or a failover address. */
static int parse_ipv4(struct parser *p, const char *key, const char *s, struct in_addr *out)
{
	char vb[VIS_MAX + 4];
	uint32_t h;

	if (inet_pton(AF_INET, s, out) != 1)
		return fail(p, "%s: '%s' is not an IPv4 address (expected A.B.C.D)", key, vis(vb, s));
	h = ntohl(out->s_addr);
	if ((h >> 24) == 0 || (h >> 24) == 127 || (h >> 24) >= 224)
		return fail(p, "%s: %s is not a unicast address", key, s);
	return 0;
}

const char *cfg_vip_text(const struct cfg_vip *v, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	const void *a = v->family == AF_INET6 ? (const void *)&v->addr6 : (const void *)&v->addr;

	if (!inet_ntop(v->family == AF_INET6 ? AF_INET6 : AF_INET, a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, "%s/%u", ip, v->prefix);
	return buf;
}

/* A global or unique-local unicast IPv6 address: the others cannot move
 * between two nodes (link-local is per link and always configured, a
 * mapped IPv4 address is an IPv4 failover_ip). */
static int parse_ipv6(struct parser *p, const char *key, const char *s, struct in6_addr *out)
{
	char vb[VIS_MAX + 4];

	if (inet_pton(AF_INET6, s, out) != 1)
		return fail(p, "%s: '%s' is not an IPv6 address", key, vis(vb, s));
	if (IN6_IS_ADDR_UNSPECIFIED(out) || IN6_IS_ADDR_LOOPBACK(out) || IN6_IS_ADDR_MULTICAST(out))
		return fail(p, "%s: %s is not a unicast address", key, s);
	if (IN6_IS_ADDR_LINKLOCAL(out))
		return fail(
		    p, "%s: %s is link-local (fe80::/10); a failover address must be global or unique-local",
		    key, s);
	if (IN6_IS_ADDR_V4MAPPED(out) || IN6_IS_ADDR_V4COMPAT(out))
		return fail(p, "%s: %s is an IPv4-mapped address; write the IPv4 address", key, s);
	return 0;
}

static int same_vip(const struct cfg_vip *a, const struct cfg_vip *b)
{
	if (a->family != b->family)
		return 0;
	return a->family == AF_INET6 ? !memcmp(&a->addr6, &b->addr6, sizeof(a->addr6))
				     : a->addr.s_addr == b->addr.s_addr;
}

/* failover_ip A.B.C.D/N [dev IFNAME] or failover_ip IPV6/N [dev IFNAME] */
static int parse_vip(struct parser *p, const struct key_def *k, const struct tokens *t)
{
	struct twin_config *c = &p->cfg;
	char addr[INET6_ADDRSTRLEN], vb[VIS_MAX + 4];
	const char *slash = strchr(t->tok[1], '/'), *end;
	struct cfg_vip *v;
	uint64_t prefix;
	size_t alen;
	unsigned max;
	int r, v6;

	if (c->n_vips == CFG_MAX_VIPS)
		return fail(p, "failover_ip: too many (at most %d)", CFG_MAX_VIPS);
	if (!slash)
		return fail(
		    p, "failover_ip: '%s' needs a prefix length, e.g. 192.168.1.10/24 or 2001:db8::10/64",
		    vis(vb, t->tok[1]));
	alen = (size_t)(slash - t->tok[1]);
	/* a colon can only be IPv6: its errors then speak of IPv6 */
	v6 = memchr(t->tok[1], ':', alen) != NULL;
	if (alen >= sizeof(addr))
		return fail(p, "failover_ip: '%s' is not an %s address", vis(vb, t->tok[1]),
			    v6 ? "IPv6" : "IPv4 (expected A.B.C.D/N) or IPv6");
	memcpy(addr, t->tok[1], alen);
	addr[alen] = '\0';
	v = &c->vips[c->n_vips];
	memset(v, 0, sizeof(*v));
	v->family = v6 ? AF_INET6 : AF_INET;
	if (v6 ? parse_ipv6(p, k->name, addr, &v->addr6) : parse_ipv4(p, k->name, addr, &v->addr))
		return -1;
	max = v6 ? 128 : 32;
	r = scan_u64(slash + 1, 0, &prefix, &end);
	if (r != 0 || *end || prefix < 1 || prefix > max)
		return fail(p, "failover_ip: bad prefix length '/%s' (expected /1../%u)", vis(vb, slash + 1),
			    max);
	v->prefix = (uint8_t)prefix;
	if (t->n == 3 || (t->n >= 4 && strcmp(t->tok[2], "dev")))
		return fail(p, "failover_ip: unexpected '%s' after the address (expected: dev IFNAME)",
			    vis(vb, t->tok[2]));
	if (t->n > 4)
		return fail(p,
			    "failover_ip: unexpected extra value '%s' (expected: failover_ip ADDR/N "
			    "[dev IFNAME])",
			    vis(vb, t->tok[4]));
	if (t->n == 4) {
		if (check_ifname(p, k->name, t->tok[3]))
			return -1;
		strcpy(v->dev, t->tok[3]);
		p->vip_dev_given[c->n_vips] = 1;
	}
	for (size_t i = 0; i < c->n_vips; i++)
		if (same_vip(&c->vips[i], v))
			return fail(p, "failover_ip: %s given twice (first at line %u)", addr,
				    p->vip_line[i]);
	p->vip_line[c->n_vips++] = p->line;
	return 0;
}

static int parse_track(struct parser *p, const char *s)
{
	struct twin_config *c = &p->cfg;

	if (c->n_track == CFG_MAX_TRACK)
		return fail(p, "track_interface: too many (at most %d)", CFG_MAX_TRACK);
	if (check_ifname(p, "track_interface", s))
		return -1;
	for (size_t i = 0; i < c->n_track; i++)
		if (!strcmp(c->track_interfaces[i], s))
			return fail(p, "track_interface: %s given twice (first at line %u)", s,
				    p->track_line[i]);
	strcpy(c->track_interfaces[c->n_track], s);
	p->track_line[c->n_track++] = p->line;
	return 0;
}

static int parse_witness(struct parser *p, const char *s)
{
	struct twin_config *c = &p->cfg;
	struct in_addr a;

	if (c->n_witness == CFG_MAX_WITNESS)
		return fail(p, "witness: too many (at most %d)", CFG_MAX_WITNESS);
	if (parse_ipv4(p, "witness", s, &a))
		return -1;
	for (size_t i = 0; i < c->n_witness; i++)
		if (c->witnesses[i].s_addr == a.s_addr)
			return fail(p, "witness: %s given twice (first at line %u)", s, p->witness_line[i]);
	c->witnesses[c->n_witness] = a;
	p->witness_line[c->n_witness++] = p->line;
	return 0;
}

static int parse_port(struct parser *p, const char *s)
{
	static const struct key_def port = {"allow_port", K_UINT, 0, 0, 1, 65535, 0, 0};
	struct twin_config *c = &p->cfg;
	uint64_t v;

	if (c->n_allow_ports == CFG_MAX_PORTS)
		return fail(p, "allow_port: too many (at most %d)", CFG_MAX_PORTS);
	if (parse_number(p, &port, s, &v))
		return -1;
	for (size_t i = 0; i < c->n_allow_ports; i++)
		if (c->allow_ports[i] == v)
			return fail(p, "allow_port: %llu given twice (first at line %u)",
				    (unsigned long long)v, p->port_line[i]);
	c->allow_ports[c->n_allow_ports] = (uint16_t)v;
	p->port_line[c->n_allow_ports++] = p->line;
	return 0;
}

/* metrics_listen: checked here, so twind -t reports a bad address before
 * the exporter ever starts */
static int parse_listen(struct parser *p, const struct key_def *k, const char *s, char *out)
{
	char vb[VIS_MAX + 4], why[96];
	struct listen_addr a;

	if (!*s && (k->flags & F_EMPTY_OK)) {
		out[0] = '\0';
		return 0;
	}
	if (listen_addr_parse(s, &a, why, sizeof(why)) < 0)
		return fail(p, "%s: '%s': %s", k->name, vis(vb, s), why);
	strcpy(out, s); /* listen_addr_parse refused anything longer than the field */
	return 0;
}

static int parse_value(struct parser *p, const struct key_def *k, const struct tokens *t)
{
	void *field = (char *)&p->cfg + k->off;
	const char *s = t->tok[1];
	char vb[VIS_MAX + 4];
	uint64_t v;

	switch (k->kind) {
	case K_UINT:
	case K_HEX32:
		if (parse_number(p, k, s, &v))
			return -1;
		store_uint(field, k->size, v);
		return 0;
	case K_INT:
		if (parse_number(p, k, s, &v))
			return -1;
		*(int *)field = (int)v;
		return 0;
	case K_DUR:
		if (parse_duration(p, k, s, &v))
			return -1;
		*(uint32_t *)field = (uint32_t)(v / k->scale);
		return 0;
	case K_BOOL:
		return parse_bool(p, k, s, field);
	case K_NAME:
		return parse_name(p, k, s, field);
	case K_IF:
		if (check_ifname(p, k->name, s))
			return -1;
		strcpy(field, s);
		return 0;
	case K_PATH:
		return parse_path(p, k, s, field);
	case K_CMD:
		return parse_cmd(p, k, s, field);
	case K_IPV4:
		return parse_ipv4(p, k->name, s, field);
	case K_XDP:
		if (!strcmp(s, "native"))
			*(int *)field = 0;
		else if (!strcmp(s, "generic"))
			*(int *)field = 1;
		else
			return fail(p, "%s: '%s' is not an XDP mode (use native or generic)", k->name,
				    vis(vb, s));
		return 0;
	case K_BEACON:
		if (!strcmp(s, "auto"))
			*(int *)field = CFG_BEACON_AUTO;
		else if (!strcmp(s, "userland"))
			*(int *)field = CFG_BEACON_USERLAND;
		else
			return fail(p, "%s: '%s' is not a beacon (use auto or userland)", k->name,
				    vis(vb, s));
		return 0;
	case K_BFENCE:
		if (!strcmp(s, "none"))
			*(int *)field = CFG_BFENCE_NONE;
		else if (!strcmp(s, "drop"))
			*(int *)field = CFG_BFENCE_DROP;
		else if (!strcmp(s, "reboot"))
			*(int *)field = CFG_BFENCE_REBOOT;
		else if (!strcmp(s, "auto"))
			*(int *)field = CFG_BFENCE_AUTO;
		else
			return fail(p, "%s: '%s' is not a fence (use auto, none, drop or reboot)", k->name,
				    vis(vb, s));
		return 0;
	case K_VIP:
		return parse_vip(p, k, t);
	case K_TRACK:
		return parse_track(p, s);
	case K_PORT:
		return parse_port(p, s);
	case K_WITNESS:
		return parse_witness(p, s);
	case K_WMETHOD:
		if (!strcmp(s, "arp"))
			*(int *)field = CFG_WITNESS_ARP;
		else if (!strcmp(s, "icmp"))
			*(int *)field = CFG_WITNESS_ICMP;
		else
			return fail(p, "%s: '%s' is not a witness method (use arp or icmp)", k->name,
				    vis(vb, s));
		return 0;
	case K_CONSOLE:
		if (!strcmp(s, "locked"))
			*(int *)field = CFG_CONSOLE_LOCKED;
		else if (!strcmp(s, "open"))
			*(int *)field = CFG_CONSOLE_OPEN;
		else if (!strcmp(s, "off"))
			*(int *)field = CFG_CONSOLE_OFF;
		else
			return fail(p, "%s: '%s' is not a console setting (use locked, open or off)", k->name,
				    vis(vb, s));
		return 0;
	case K_LISTEN:
		return parse_listen(p, k, s, field);
	case K_SBAUTO:
		if (!strcmp(s, "off"))
			*(int *)field = CFG_SB_AUTO_OFF;
		else if (!strcmp(s, "discard-zero-changes"))
			*(int *)field = CFG_SB_AUTO_DISCARD_ZERO;
		else
			return fail(p,
				    "%s: '%s' is not a split-brain policy (use off or discard-zero-changes)",
				    k->name, vis(vb, s));
		return 0;
	}
	return fail(p, "%s: internal error: unknown kind", k->name);
}

static int parse_line(struct parser *p, const char *s, size_t len)
{
	struct tokens t = {.n = 0};
	const struct key_def *k = NULL;
	char vb[VIS_MAX + 4];
	size_t i;

	if (tokenize(p, s, len, &t))
		return -1;
	if (t.n == 0)
		return 0;
	for (i = 0; i < N_KEYS; i++)
		if (!strcmp(t.tok[0], keys[i].name)) {
			k = &keys[i];
			break;
		}
	if (!k)
		return fail(p, "unknown key '%s' (see twin.conf(5) for the list)", vis(vb, t.tok[0]));
	if (t.n < 2)
		return fail(p, "%s: missing value", k->name);
	if (t.n > 2 && k->kind != K_VIP)
		return fail(p, "%s: unexpected extra value '%s' (quote values that contain spaces)", k->name,
			    vis(vb, t.tok[2]));
	if (p->first_line[i] && k->kind != K_VIP && k->kind != K_TRACK && k->kind != K_PORT &&
	    k->kind != K_WITNESS)
		return fail(p, "%s given twice (first at line %u)", k->name, p->first_line[i]);
	if (parse_value(p, k, &t))
		return -1;
	if (!p->first_line[i])
		p->first_line[i] = p->line;
	return 0;
}

/* ---- whole-file checks ---- */

static unsigned line_of(const struct parser *p, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (!strcmp(keys[i].name, name))
			return p->first_line[i];
	return 0;
}

static unsigned later(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

static int check_whole(struct parser *p)
{
	const struct twin_config *c = &p->cfg;
	char a[24], b[24], b2[24];
	uint64_t t, rate;

	size_t pair_keys = 0, pair_given = 0;

	p->line = 0;
	for (size_t i = 0; i < N_KEYS; i++)
		if ((keys[i].flags & F_REQUIRED) && !p->first_line[i])
			return fail(p, "missing required key %s", keys[i].name);
	for (size_t i = 0; i < N_KEYS; i++) {
		pair_keys += !!(keys[i].flags & F_PAIR);
		pair_given += (keys[i].flags & F_PAIR) && p->first_line[i];
	}
	for (size_t i = 0; pair_given && pair_given < pair_keys && i < N_KEYS; i++)
		if ((keys[i].flags & F_PAIR) && !p->first_line[i])
			return fail(
			    p,
			    "missing required key %s (a pair set up in this file needs node_id, peer_id, "
			    "cluster_id, peer_address, failover_ip and key_file; give none of them to pair "
			    "with 'twinctl cluster create')",
			    keys[i].name);
	/* A shorter window would call a witness lost between two replies. */
	p->line = later(line_of(p, "witness_timeout"), line_of(p, "witness_interval"));
	t = (uint64_t)c->witness_interval_ms * US_PER_MS;
	if (c->witness_timeout_ms && (uint64_t)c->witness_timeout_ms * US_PER_MS < 2 * t)
		return fail(p, "witness_timeout: %s is less than twice witness_interval %s (use at least %s)",
			    fmt_dur(a, sizeof(a), (uint64_t)c->witness_timeout_ms * US_PER_MS),
			    fmt_dur(b, sizeof(b), t), fmt_dur(b2, sizeof(b2), 2 * t));

	p->cfg.static_pair = pair_given == pair_keys;
	if (!p->cfg.static_pair)
		return 0;

	p->line = later(line_of(p, "node_id"), line_of(p, "peer_id"));
	if (c->peer_id == c->node_id)
		return fail(p, "peer_id: %u is the same as node_id; each node of the pair needs its own id",
			    c->peer_id);

	/* A witness is a third host: the peer or our own failover IP would
	 * answer for the very node whose silence it must break the tie on. */
	for (size_t i = 0; i < c->n_witness; i++) {
		p->line = p->witness_line[i];
		if (c->witnesses[i].s_addr == c->peer_address.s_addr)
			return fail(p, "witness: %s is peer_address; a witness must be a third host",
				    inet_ntop(AF_INET, &c->witnesses[i], a, sizeof(a)));
		for (size_t v = 0; v < c->n_vips; v++)
			if (c->vips[v].family == AF_INET && c->witnesses[i].s_addr == c->vips[v].addr.s_addr)
				return fail(p, "witness: %s is a failover_ip; a witness must be a third host",
					    inet_ntop(AF_INET, &c->witnesses[i], a, sizeof(a)));
	}

	p->line = later(line_of(p, "heartbeat_interval"), line_of(p, "heartbeat_misses"));
	t = (uint64_t)c->hb_interval_us * c->hb_misses;
	if (t > DETECT_MAX_US)
		return fail(p,
			    "heartbeat_interval %s x heartbeat_misses %u = %s detection time, more than 60s",
			    fmt_dur(a, sizeof(a), c->hb_interval_us), c->hb_misses, fmt_dur(b, sizeof(b), t));

	p->line = later(line_of(p, "garp_interval"), line_of(p, "garp_count"));
	t = (uint64_t)c->garp_interval_ms * US_PER_MS * c->garp_count;
	if (t > GARP_MAX_US)
		return fail(p, "garp_interval %s x garp_count %u = %s of gratuitous ARP, more than 10s",
			    fmt_dur(a, sizeof(a), (uint64_t)c->garp_interval_ms * US_PER_MS), c->garp_count,
			    fmt_dur(b, sizeof(b), t));

	/* The XDP limiter must never drop the peer's own beats: keep 2x headroom. */
	p->line = later(line_of(p, "hb_rate_limit"), line_of(p, "heartbeat_interval"));
	rate = (US_PER_S + c->hb_interval_us - 1) / c->hb_interval_us;
	if (c->hb_rate_limit < 2 * rate)
		return fail(p,
			    "hb_rate_limit: %u frames/s is below twice the heartbeat rate (%llu/s with "
			    "heartbeat_interval %s); use at least %llu",
			    c->hb_rate_limit, (unsigned long long)rate,
			    fmt_dur(a, sizeof(a), c->hb_interval_us), (unsigned long long)(2 * rate));
	return 0;
}

void config_defaults(struct twin_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->priority = 100;
	strcpy(cfg->hb_interface, "eth1");
	strcpy(cfg->lan_interface, "eth0");
	cfg->udp_port = 6940;
	cfg->hb_interval_us = 5000;
	cfg->hb_misses = 4;
	cfg->startup_wait_ms = 5000;
	cfg->auto_failback = 0;
	cfg->failover_enabled = 1;
	cfg->garp_count = 5;
	cfg->garp_interval_ms = 10;
	cfg->garp_refresh_ms = 0;
	cfg->arp_probe_ms = 3;
	cfg->health_interval_ms = 1000;
	cfg->health_timeout_ms = 2000;
	cfg->health_fall = 2;
	cfg->health_rise = 2;
	cfg->witness_method = CFG_WITNESS_ARP;
	cfg->witness_interval_ms = 20;
	cfg->witness_timeout_ms = 0;
	cfg->monitor_lan_interface = 1;
	cfg->notify_timeout_ms = 5000;
	strcpy(cfg->reboot_command, "/sbin/reboot");
	strcpy(cfg->shutdown_command, "/sbin/poweroff");
	strcpy(cfg->self_fence_command, "sync -f /data; /sbin/reboot -n -f");
	cfg->active_jobs_timeout_ms = 0;
	cfg->hb_rate_limit = 2000;
	cfg->console_unlock_ms = 5 * 60 * 1000;
	strcpy(cfg->state_dir, "/var/lib/twin");
	strcpy(cfg->control_socket, "/run/twin/twind.sock");
	cfg->control_port = 6941; /* PEERLINK_PORT_DEFAULT */
	cfg->xdp_mode = 0;
	cfg->beacon = CFG_BEACON_AUTO;
	cfg->beacon_fence = CFG_BFENCE_AUTO;
	cfg->sched_priority = 50;
	cfg->event_queue_max = 10000;
}

int config_parse_buf(const char *name, const char *buf, size_t len, struct twin_config *cfg, char *err,
		     size_t errlen)
{
	struct parser *p = calloc(1, sizeof(*p)); /* ~4 KiB: keep it off small thread stacks */
	const char *s = buf, *end = buf + len;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!p) {
		if (err && errlen)
			snprintf(err, errlen, "%s:0: out of memory", name ? name : "twin.conf");
		return -1;
	}
	p->name = name ? name : "twin.conf";
	p->err = err;
	p->errlen = errlen;
	config_defaults(&p->cfg);

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);

		p->line++;
		if (memchr(s, '\0', n)) {
			fail(p, "NUL byte in the file (is it a binary file?)");
			goto out;
		}
		if (n > LINE_MAX_LEN) {
			fail(p, "line too long (%zu characters, max %d)", n, LINE_MAX_LEN);
			goto out;
		}
		if (parse_line(p, s, n))
			goto out;
		s += n + (nl ? 1 : 0);
	}
	if (check_whole(p))
		goto out;

	/* Done after parsing so lan_interface may come after failover_ip. */
	for (size_t i = 0; i < p->cfg.n_vips; i++)
		if (!p->vip_dev_given[i])
			strcpy(p->cfg.vips[i].dev, p->cfg.lan_interface);
	*cfg = p->cfg;
	rc = 0;
out:
	free(p);
	return rc;
}

int config_parse_file(const char *path, struct twin_config *cfg, char *err, size_t errlen)
{
	char *buf;
	size_t len;

	if (!err)
		errlen = 0;
	if (text_file_read(path, FILE_MAX_LEN, &buf, &len, err, errlen) < 0)
		return -1;
	int rc = config_parse_buf(path, buf, len, cfg, err, errlen);
	free(buf);
	return rc;
}
