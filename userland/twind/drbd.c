/* DRBD state and role changes: see drbd.h. */
#include "drbd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const disk_names[] = {
    [DRBD_DISK_UNKNOWN] = "DUnknown",	     [DRBD_DISK_DISKLESS] = "Diskless",
    [DRBD_DISK_ATTACHING] = "Attaching",     [DRBD_DISK_FAILED] = "Failed",
    [DRBD_DISK_NEGOTIATING] = "Negotiating", [DRBD_DISK_INCONSISTENT] = "Inconsistent",
    [DRBD_DISK_OUTDATED] = "Outdated",	     [DRBD_DISK_CONSISTENT] = "Consistent",
    [DRBD_DISK_UPTODATE] = "UpToDate",
};

const char *drbd_role_name(enum drbd_role r)
{
	return r == DRBD_ROLE_PRIMARY ? "Primary" : r == DRBD_ROLE_SECONDARY ? "Secondary" : "Unknown";
}

const char *drbd_disk_name(enum drbd_disk d)
{
	return (unsigned)d < sizeof(disk_names) / sizeof(disk_names[0]) ? disk_names[d] : "DUnknown";
}

static enum drbd_role parse_role(const char *s, size_t n)
{
	if (n == 7 && !strncmp(s, "Primary", n))
		return DRBD_ROLE_PRIMARY;
	if (n == 9 && !strncmp(s, "Secondary", n))
		return DRBD_ROLE_SECONDARY;
	return DRBD_ROLE_UNKNOWN;
}

static enum drbd_disk parse_disk(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(disk_names) / sizeof(disk_names[0]); i++)
		if (strlen(disk_names[i]) == n && !strncmp(s, disk_names[i], n))
			return (enum drbd_disk)i;
	return DRBD_DISK_UNKNOWN;
}

int drbd_connected(const struct drbd_status *st)
{
	static const char *const up[] = {"Connected",	 "Sync",     "Verify", "Paused",
					 "StartingSync", "WFBitMap", "WFSync"};

	for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++)
		if (!strncmp(st->conn, up[i], strlen(up[i])))
			return 1;
	return 0;
}

enum drbd_disk drbd_disk_from_name(const char *s)
{
	return s ? parse_disk(s, strlen(s)) : DRBD_DISK_UNKNOWN;
}

/* "key:A/B" at p: the two halves' spans. 0 if the key is not there. */
static int pair_field(const char *line, const char *end, const char *key, const char **a, size_t *an,
		      const char **b, size_t *bn)
{
	size_t kl = strlen(key);

	for (const char *p = line; p + kl <= end; p++) {
		if ((p == line || p[-1] == ' ') && !strncmp(p, key, kl)) {
			const char *v = p + kl, *slash, *stop = v;

			while (stop < end && *stop != ' ' && *stop != '\n')
				stop++;
			slash = memchr(v, '/', (size_t)(stop - v));
			*a = v;
			*an = slash ? (size_t)(slash - v) : (size_t)(stop - v);
			*b = slash ? slash + 1 : stop;
			*bn = slash ? (size_t)(stop - slash - 1) : 0;
			return 1;
		}
	}
	return 0;
}

static const char *line_end(const char *p)
{
	const char *e = strchr(p, '\n');

	return e ? e : p + strlen(p);
}

/* The detail lines after a device line: oos:, sync'ed:, finish:, speed:. */
static void parse_details(const char *p, struct drbd_status *st)
{
	while (*p) {
		const char *e = line_end(p), *q;
		const char *t = p;

		while (t < e && (*t == ' ' || *t == '\t'))
			t++;
		/* the next device line starts with its minor and ':' */
		if (t < e && *t >= '0' && *t <= '9' && strchr(t, ':') && strchr(t, ':') < e &&
		    strspn(t, "0123456789") == (size_t)(strchr(t, ':') - t))
			return;
		if ((q = strstr(t, "oos:")) && q < e)
			st->oos_kib = strtoull(q + 4, NULL, 10);
		if ((q = strstr(t, " dw:")) && q < e) /* KiB written to the local disk */
			st->written_kib = strtoull(q + 4, NULL, 10);
		if ((q = strstr(t, "sync'ed:")) && q < e) {
			char *dot;
			unsigned long whole = strtoul(q + 8, &dot, 10);
			unsigned long frac = *dot == '.' ? strtoul(dot + 1, NULL, 10) % 10 : 0;

			st->syncing = 1;
			st->sync_permille = (int)(whole * 10 + frac);
		}
		if ((q = strstr(t, "finish:")) && q < e) {
			unsigned h = 0, m = 0, s = 0;

			if (sscanf(q + 7, " %u:%u:%u", &h, &m, &s) == 3)
				st->finish_s = h * 3600 + m * 60 + s;
		}
		if ((q = strstr(t, "speed:")) && q < e) {
			uint64_t v = 0;

			/* "speed: 9,444 (9,444) K/sec": digits with thousands commas */
			for (q += 6; q < e && *q == ' '; q++)
				;
			for (; q < e && ((*q >= '0' && *q <= '9') || *q == ','); q++)
				if (*q != ',')
					v = v * 10 + (uint64_t)(*q - '0');
			st->speed_kib = v;
		}
		p = *e ? e + 1 : e;
	}
}

int drbd_parse_proc(const char *text, int minor, struct drbd_status *st)
{
	const char *p = text;

	memset(st, 0, sizeof(*st));
	while (*p) {
		const char *e = line_end(p), *t = p, *a, *b;
		size_t an, bn;
		char *after;
		long m;

		while (t < e && *t == ' ')
			t++;
		m = strtol(t, &after, 10);
		if (after != t && *after == ':' && m == minor) {
			st->minor = minor;
			if (pair_field(t, e, "cs:", &a, &an, &b, &bn))
				snprintf(st->conn, sizeof(st->conn), "%.*s", (int)an, a);
			if (pair_field(t, e, "ro:", &a, &an, &b, &bn)) {
				st->role = parse_role(a, an);
				st->peer_role = parse_role(b, bn);
			}
			if (pair_field(t, e, "ds:", &a, &an, &b, &bn)) {
				st->disk = parse_disk(a, an);
				st->peer_disk = parse_disk(b, bn);
			}
			/* the protocol is the single letter after ds:x/y */
			if (pair_field(t, e, "ds:", &a, &an, &b, &bn)) {
				const char *q = b + bn;

				while (q < e && *q == ' ')
					q++;
				if (q < e && (*q == 'A' || *q == 'B' || *q == 'C') &&
				    (q + 1 == e || q[1] == ' '))
					st->protocol = *q;
			}
			if (!st->conn[0])
				return -1;
			if (*e)
				parse_details(e + 1, st);
			return 0;
		}
		p = *e ? e + 1 : e;
	}
	return -1;
}

int drbd_can_promote(const struct drbd_status *st, int force, char *why, size_t len)
{
	if (!strcmp(st->conn, "Unconfigured")) {
		snprintf(why, len, "DRBD device %d is not configured", st->minor);
		return 0;
	}
	if (st->role == DRBD_ROLE_PRIMARY)
		return 1;
	if (st->disk == DRBD_DISK_UPTODATE)
		return 1;
	if (force && st->disk == DRBD_DISK_CONSISTENT) {
		snprintf(
		    why, len,
		    "forced: local disk is Consistent (DRBD cannot tell whether the peer has newer data)");
		return 1;
	}
	/* never, even forced: the admin must see what it would lose */
	if (st->disk == DRBD_DISK_OUTDATED)
		snprintf(why, len,
			 "local disk is Outdated: it lacks the writes made on the peer since it was "
			 "outdated; serving from it would lose them. Bring the peer back (DRBD resyncs "
			 "this disk), or keep this copy by dissolving the pair (docs/SPLIT_BRAIN.md)");
	else if (st->disk == DRBD_DISK_INCONSISTENT)
		snprintf(why, len,
			 "local disk is Inconsistent: a resync to it did not finish, its data is partial; "
			 "serving from it would lose what is missing. Let the resync finish");
	else if (st->disk == DRBD_DISK_CONSISTENT)
		snprintf(why, len,
			 "local disk is Consistent, not UpToDate: DRBD cannot tell whether the "
			 "peer has newer data (a forced takeover may use it)");
	else
		snprintf(why, len, "local disk is %s: no data to serve", drbd_disk_name(st->disk));
	return 0;
}

void drbd_format(const struct drbd_status *st, const char *res, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%d:%s %s %s/%s %s/%s %c", st->minor, res, st->conn[0] ? st->conn : "-",
			 drbd_role_name(st->role), drbd_role_name(st->peer_role), drbd_disk_name(st->disk),
			 drbd_disk_name(st->peer_disk), st->protocol ? st->protocol : '-');

	if (n < 0 || (size_t)n >= len)
		return;
	if (st->oos_kib)
		n += snprintf(buf + n, len - (size_t)n, " oos %llu KiB", (unsigned long long)st->oos_kib);
	if (st->syncing && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", sync %d.%d%%, %u:%02u:%02u left at %llu KiB/s",
			 st->sync_permille / 10, st->sync_permille % 10, st->finish_s / 3600,
			 st->finish_s / 60 % 60, st->finish_s % 60, (unsigned long long)st->speed_kib);
}

int drbd_read(const char *path, int minor, struct drbd_status *st, char *err, size_t errlen)
{
	char buf[8192];
	size_t n = 0;
	int fd = open(path ? path : DRBD_PROC, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s (is the drbd module loaded?)", path ? path : DRBD_PROC,
			 strerror(errno));
		return -1;
	}
	while (n < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (drbd_parse_proc(buf, minor, st) < 0) {
		snprintf(err, errlen, "%s: no DRBD device %d", path ? path : DRBD_PROC, minor);
		return -1;
	}
	return 0;
}

/* drbdadm's words for each op; the resource name follows them */
static const char *const op_words[][3] = {
    [DRBD_PROMOTE] = {"primary"},  [DRBD_PROMOTE_FORCE] = {"primary", "--force"},
    [DRBD_DEMOTE] = {"secondary"}, [DRBD_DISCONNECT] = {"disconnect"},
    [DRBD_CONNECT] = {"connect"},  [DRBD_CONNECT_DISCARD] = {"connect", "--discard-my-data"},
    [DRBD_OUTDATE] = {"outdate"},  [DRBD_RESUME_IO] = {"resume-io"},
};

const char *drbd_op_name(enum drbd_op op, char *buf, size_t len)
{
	snprintf(buf, len, "drbdadm %s%s%s", op_words[op][0], op_words[op][1] ? " " : "",
		 op_words[op][1] ? op_words[op][1] : "");
	return buf;
}

void drbd_ctl_init(struct drbd_ctl *c)
{
	memset(c, 0, sizeof(*c));
	subproc_init(&c->sp);
}

int drbd_ctl_start(struct drbd_ctl *c, int ep, uint64_t cookie, const char *res, enum drbd_op op, char *err,
		   size_t errlen)
{
	/* the resource name is an argument, never part of the script */
	char *argv[] = {"sh", "-c", "exec drbdadm \"$@\"", "drbdadm", (char *)op_words[op][0], NULL,
			NULL, NULL};
	char name[48];

	if (subproc_running(&c->sp)) {
		snprintf(err, errlen, "%s %s: still running", drbd_op_name(c->op, name, sizeof(name)),
			 c->res);
		return -1;
	}
	if (strlen(res) >= sizeof(c->res)) {
		snprintf(err, errlen, "DRBD resource name too long: %s", res);
		return -1;
	}
	snprintf(c->res, sizeof(c->res), "%s", res);
	c->op = op;
	if (op_words[op][1]) {
		argv[5] = (char *)op_words[op][1];
		argv[6] = c->res;
	} else {
		argv[5] = c->res;
	}
	if (subproc_start(&c->sp, ep, cookie, argv, NULL) < 0) {
		snprintf(err, errlen, "%s %s: cannot start: %s", drbd_op_name(op, name, sizeof(name)), res,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int drbd_ctl_check(struct drbd_ctl *c, int *ok, char *msg, size_t len)
{
	int status = -1;
	char how[64], name[48];

	if (!subproc_check(&c->sp, &status))
		return 0;
	*ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	c->status = status;
	drbd_op_name(c->op, name, sizeof(name));
	if (*ok) {
		snprintf(msg, len, "%s %s: ok", name, c->res);
	} else {
		subproc_status_str(status, how, sizeof(how));
		snprintf(msg, len, "%s %s: %s%s%s", name, c->res, how, c->sp.errline[0] ? ": " : "",
			 c->sp.errline);
	}
	return 1;
}

void drbd_ctl_abort(struct drbd_ctl *c)
{
	subproc_abort(&c->sp, 1000);
}
