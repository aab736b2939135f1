/* DRBD 9 state from drbdsetup events2: see drbd9.h. */
#define _GNU_SOURCE
#include "drbd9.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void drbd9_init(struct drbd9 *s, const char *res, int volume)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->res, sizeof(s->res), "%s", res);
	s->volume = volume;
	s->minor = -1;
	s->done_permille = -1;
}

/* the value of " key:" in the line's fields, copied into out */
static int field(const char *line, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	for (const char *p = line; (p = strstr(p, key)) != NULL; p += kl) {
		if ((p != line && p[-1] != ' ') || p[kl] != ':')
			continue;
		const char *v = p + kl + 1;
		size_t n = strcspn(v, " \n");
		if (n >= outlen)
			return -1;
		memcpy(out, v, n);
		out[n] = 0;
		return 0;
	}
	return -1;
}

static enum drbd_role role_of(const char *v)
{
	return !strcmp(v, "Primary")	 ? DRBD_ROLE_PRIMARY
	       : !strcmp(v, "Secondary") ? DRBD_ROLE_SECONDARY
					 : DRBD_ROLE_UNKNOWN;
}

static enum drbd_disk disk_of(const char *v)
{
	for (int d = DRBD_DISK_UNKNOWN; d <= DRBD_DISK_UPTODATE; d++)
		if (!strcmp(v, drbd_disk_name((enum drbd_disk)d)))
			return (enum drbd_disk)d;
	return DRBD_DISK_UNKNOWN;
}

int drbd9_apply(struct drbd9 *s, const char *line)
{
	char verb[16], obj[16], v[64];
	int n = 0;

	if (sscanf(line, "%15s %15s%n", verb, obj, &n) < 1)
		return -1;
	if (!strcmp(verb, "exists") && !strcmp(obj, "-")) {
		s->initial_done = 1;
		return 1;
	}
	if (strcmp(verb, "exists") && strcmp(verb, "create") && strcmp(verb, "change") &&
	    strcmp(verb, "destroy"))
		return strcmp(verb, "call") && strcmp(verb, "response") ? -1 : 0; /* helper calls */
	if (field(line, "name", v, sizeof(v)) < 0)
		return -1;
	if (strcmp(v, s->res))
		return 0;
	int gone = !strcmp(verb, "destroy");
	/* volumes other than ours are not ours */
	if ((!strcmp(obj, "device") || !strcmp(obj, "peer-device")) &&
	    field(line, "volume", v, sizeof(v)) == 0 && atoi(v) != s->volume)
		return 0;

	if (!strcmp(obj, "resource")) {
		s->have_res = !gone;
		if (field(line, "role", v, sizeof(v)) == 0)
			s->role = role_of(v);
		if (gone)
			s->role = DRBD_ROLE_UNKNOWN;
	} else if (!strcmp(obj, "connection")) {
		s->have_conn = !gone;
		field(line, "connection", s->connection, sizeof(s->connection));
		if (field(line, "role", v, sizeof(v)) == 0)
			s->peer_role = role_of(v);
		if (gone) {
			snprintf(s->connection, sizeof(s->connection), "StandAlone");
			s->peer_role = DRBD_ROLE_UNKNOWN;
		}
	} else if (!strcmp(obj, "device")) {
		s->have_dev = !gone;
		if (field(line, "minor", v, sizeof(v)) == 0)
			s->minor = atoi(v);
		if (field(line, "disk", v, sizeof(v)) == 0)
			s->disk = disk_of(v);
		if (gone)
			s->disk = DRBD_DISK_UNKNOWN;
	} else if (!strcmp(obj, "peer-device")) {
		s->have_pdev = !gone;
		if (field(line, "replication", s->replication, sizeof(s->replication)) == 0 &&
		    strncmp(s->replication, "Sync", 4) != 0)
			s->done_permille = -1; /* a resync ended */
		if (field(line, "peer-disk", v, sizeof(v)) == 0)
			s->peer_disk = disk_of(v);
		if (field(line, "out-of-sync", v, sizeof(v)) == 0)
			s->oos_kib = strtoull(v, NULL, 10);
		if (field(line, "done", v, sizeof(v)) == 0) {
			/* a percentage; a value out of int range (or NaN) must not
			 * reach the cast, which is undefined behaviour */
			double d = strtod(v, NULL);
			s->done_permille = d >= 0 && d <= 100 ? (int)(d * 10.0 + 0.5) : d > 100 ? 1000 : 0;
		}
		if (gone) {
			s->peer_disk = DRBD_DISK_UNKNOWN;
			s->replication[0] = 0;
			s->done_permille = -1;
		}
	} else {
		return 0; /* path, ... */
	}
	return 1;
}

int drbd9_status(const struct drbd9 *s, struct drbd_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!s->have_dev || s->minor < 0)
		return -1;
	st->minor = s->minor;
	st->role = s->role;
	st->disk = s->disk;
	if (s->have_conn) {
		st->peer_role = s->peer_role;
		/* like 8.4's cs: the replication state once connected */
		const char *c = s->connection;
		if (!strcmp(c, "Connected") && s->have_pdev && s->replication[0] &&
		    strcmp(s->replication, "Established"))
			c = s->replication;
		snprintf(st->conn, sizeof(st->conn), "%s", c[0] ? c : "Unknown");
	} else {
		snprintf(st->conn, sizeof(st->conn), "StandAlone");
	}
	st->peer_disk = s->have_pdev ? s->peer_disk : DRBD_DISK_UNKNOWN;
	st->oos_kib = s->have_pdev ? s->oos_kib : 0;
	if (s->have_pdev && !strncmp(s->replication, "Sync", 4)) {
		st->syncing = 1;
		st->sync_permille = s->done_permille < 0 ? 0 : s->done_permille;
	}
	return 0;
}

int drbd_proc_version(const char *text)
{
	const char *v = strstr(text, "version: ");

	if (!v || (v != text && v[-1] != '\n'))
		return 0;
	return atoi(v + 9) >= 9 ? 9 : 8;
}

void drbd9_watch_init(struct drbd9_watch *w)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

int drbd9_watch_start(struct drbd9_watch *w, const char *res, int ep, uint64_t cookie, char *err,
		      size_t errlen)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the daemon blocks signals for signalfd */
		prctl(PR_SET_PDEATHSIG, SIGTERM);      /* a killed daemon leaves no watcher behind */
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		int fl = fcntl(STDOUT_FILENO, F_GETFL);
		fcntl(STDOUT_FILENO, F_SETFL, fl & ~O_NONBLOCK);
		execlp("drbdsetup", "drbdsetup", "events2", "--statistics", res, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = cookie};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		close(p[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	w->pid = pid;
	w->fd = p[0];
	w->len = 0;
	drbd9_init(&w->st, res, 0);
	return 0;
}

int drbd9_watch_read(struct drbd9_watch *w)
{
	int changed = 0;

	for (;;) {
		if (w->len == sizeof(w->buf) - 1)
			w->len = 0; /* a line longer than the buffer: drop it */
		ssize_t r = read(w->fd, w->buf + w->len, sizeof(w->buf) - 1 - w->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return changed;
		if (r <= 0) {
			drbd9_watch_stop(w);
			return -1;
		}
		w->len += (size_t)r;
		w->buf[w->len] = 0;
		char *start = w->buf, *nl;
		while ((nl = memchr(start, '\n', w->len - (size_t)(start - w->buf))) != NULL) {
			*nl = 0;
			if (drbd9_apply(&w->st, start) > 0)
				changed = 1;
			start = nl + 1;
		}
		w->len -= (size_t)(start - w->buf);
		memmove(w->buf, start, w->len);
	}
}

void drbd9_watch_stop(struct drbd9_watch *w)
{
	if (w->fd >= 0)
		close(w->fd); /* closing removes it from the epoll set */
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		waitpid(w->pid, NULL, 0);
	}
	drbd9_watch_init(w);
}
