/* Control socket server: see ctl_server.h. Every client is a tiny state
 * machine (READ -> WRITE -> closed) driven by an inner epoll, so a slow or
 * hostile client costs the daemon a few syscalls, never a wait. */
#define _GNU_SOURCE
#include "ctl_server.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define TAG_LISTEN 0
#define TAG_TIMER  1
#define TAG_CLIENT 2 /* + slot */

#define ACCEPT_BATCH  32    /* per call, so a connect flood cannot hog the loop */
#define DRAIN_MAX     65536 /* unread input discarded before close (avoids ECONNRESET at the client) */
#define LOG_BURST     5	    /* warnings per LOG_WINDOW_MS, then one summary */
#define LOG_WINDOW_MS 10000

enum cl_state { CL_FREE, CL_READ, CL_WRITE };

struct ctl_client {
	enum cl_state st;
	int fd;
	uid_t uid; /* SO_PEERCRED at accept */
	uint64_t deadline_ms;
	size_t in_len;
	char in[CTL_LINE_MAX];
	struct ctl_resp resp;
	const char *out;
	size_t out_len, out_off;
};

struct ctl_server {
	int lfd, epfd, tfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	int have_group;
	gid_t gid;
	ctl_handler_fn fn;
	void *ctx;
	struct ctl_server_stats stats;
	uint64_t log_window_start;
	unsigned log_count, log_suppressed;
	struct ctl_client cl[CTL_MAX_CLIENTS];
	long long current_uid; /* of the request in the handler, -1 outside */
};

/* Warn about a misbehaving client, at most LOG_BURST times per window. */
static void __attribute__((format(printf, 2, 3))) cl_warn(struct ctl_server *s, const char *fmt, ...)
{
	uint64_t now = mono_ms();
	char msg[256];
	va_list ap;

	if (now - s->log_window_start >= LOG_WINDOW_MS) {
		if (s->log_suppressed)
			log_warn("control socket: %u more client problems not logged", s->log_suppressed);
		s->log_window_start = now;
		s->log_count = 0;
		s->log_suppressed = 0;
	}
	if (s->log_count >= LOG_BURST) {
		s->log_suppressed++;
		return;
	}
	s->log_count++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("control socket: %s", msg);
}

/* --- setup --- */

/* mkdir -p for the parent of path; new directories get 0750 and the group. */
static int make_parent(const char *path, int have_group, gid_t gid, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, 0750) == 0) {
			/* mkdir's mode is masked by the umask: set it exactly */
			if (chmod(dir, 0750) || (have_group && chown(dir, (uid_t)-1, gid))) {
				snprintf(err, errlen, "%s: %s", dir, strerror(errno));
				return -1;
			}
		} else if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* Remove a socket nobody listens on; refuse to touch anything else. */
static int remove_stale(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN) {
		snprintf(err, errlen, "%s: another twind is listening there", path);
		return -1;
	}
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int lookup_group(const char *group, gid_t *gid, char *err, size_t errlen)
{
	struct group gr, *res = NULL;
	char buf[4096];

	int rc = getgrnam_r(group, &gr, buf, sizeof(buf), &res);
	if (rc || !res) {
		snprintf(err, errlen, "control group '%s': %s", group, rc ? strerror(rc) : "no such group");
		return -1;
	}
	*gid = gr.gr_gid;
	return 0;
}

static int ep_add(int epfd, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int ctl_server_open(struct ctl_server **out, const char *path, const char *group, ctl_handler_fn fn,
		    void *ctx, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	struct ctl_server *s;

	*out = NULL;
	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path '%s': empty or longer than %zu bytes",
			 path ? path : "", sizeof(sa.sun_path) - 1);
		return -1;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->lfd = s->epfd = s->tfd = -1;
	s->fn = fn;
	s->current_uid = -1;
	s->ctx = ctx;
	snprintf(s->path, sizeof(s->path), "%s", path);
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		s->cl[i].fd = -1;

	if (group && *group) {
		if (lookup_group(group, &s->gid, err, errlen))
			goto fail;
		s->have_group = 1;
	}
	if (make_parent(path, s->have_group, s->gid, err, errlen) || remove_stale(path, err, errlen))
		goto fail;

	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->lfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	/* Nobody can connect before listen(), so fixing mode and group here is race-free. */
	if (chmod(path, s->have_group ? 0660 : 0600) || (s->have_group && chown(path, (uid_t)-1, s->gid)) ||
	    stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	if (listen(s->lfd, 32)) {
		snprintf(err, errlen, "listen %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->epfd < 0 || s->tfd < 0 || ep_add(s->epfd, s->lfd, EPOLLIN, TAG_LISTEN) ||
	    ep_add(s->epfd, s->tfd, EPOLLIN, TAG_TIMER)) {
		snprintf(err, errlen, "control socket event setup: %s", strerror(errno));
		unlink(path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->tfd >= 0)
		close(s->tfd);
	free(s);
	return -1;
}

int ctl_server_fd(const struct ctl_server *s)
{
	return s->epfd;
}

long long ctl_server_client_uid(const struct ctl_server *s)
{
	return s ? s->current_uid : -1;
}

void ctl_server_get_stats(const struct ctl_server *s, struct ctl_server_stats *st)
{
	*st = s->stats;
}

/* --- clients --- */

static void cl_close(struct ctl_server *s, struct ctl_client *c)
{
	char junk[4096];
	size_t drained = 0;
	ssize_t n;

	/* Unread input would make the client's read fail with ECONNRESET
	 * instead of seeing our answer and EOF. */
	while (drained < DRAIN_MAX && (n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT)) > 0)
		drained += (size_t)n;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ctl_resp_free(&c->resp);
	c->fd = -1;
	c->st = CL_FREE;
	c->out = NULL;
}

/* Best-effort one-shot answer to a client we will not serve further. */
static void say(int fd, const char *line)
{
	ssize_t n = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)n;
}

static void cl_write(struct ctl_server *s, struct ctl_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct epoll_event ev = {.events = EPOLLOUT,
						 .data.u64 = TAG_CLIENT + (uint64_t)(c - s->cl)};
			epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
			return;
		}
		s->stats.io_errors++;
		cl_warn(s, "client went away before reading the answer: %s", n < 0 ? strerror(errno) : "EOF");
		break;
	}
	cl_close(s, c);
}

static void cl_answer(struct ctl_server *s, struct ctl_client *c, size_t line_len)
{
	struct ctl_req *req = malloc(sizeof(*req));
	char err[128];

	ctl_resp_init(&c->resp);
	if (!req) {
		c->resp.oom = 1;
	} else if (ctl_req_parse(req, c->in, line_len, err, sizeof(err))) {
		s->stats.bad_request++;
		cl_warn(s, "bad request: %s", err);
		ctl_resp_err(&c->resp, "%s", err);
	} else {
		s->stats.served++;
		s->current_uid = c->uid;
		s->fn(s->ctx, req->argc, req->argv, &c->resp);
		s->current_uid = -1;
	}
	free(req);
	c->out = ctl_resp_data(&c->resp, &c->out_len);
	c->out_off = 0;
	c->st = CL_WRITE;
	c->deadline_ms = mono_ms() + CTL_WRITE_TIMEOUT_MS;
	cl_write(s, c);
}

static void cl_read(struct ctl_server *s, struct ctl_client *c)
{
	for (;;) {
		if (c->in_len == sizeof(c->in)) {
			/* full and no newline: the tokenizer reports "too long" */
			cl_answer(s, c, c->in_len);
			return;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n > 0) {
			char *nl = memchr(c->in + c->in_len, '\n', (size_t)n);
			c->in_len += (size_t)n;
			if (nl) {
				cl_answer(s, c, (size_t)(nl - c->in) + 1);
				return;
			}
			continue;
		}
		if (n == 0) {
			/* EOF: a request without the final newline still counts */
			if (c->in_len) {
				cl_answer(s, c, c->in_len);
			} else {
				s->stats.silent++;
				cl_close(s, c);
			}
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		s->stats.io_errors++;
		cl_warn(s, "read from client: %s", strerror(errno));
		cl_close(s, c);
		return;
	}
}

static int cl_allowed(const struct ctl_server *s, const struct ucred *cr)
{
	if (cr->uid == 0 || cr->uid == geteuid())
		return 1;
	if (!s->have_group)
		return 0;
	if (cr->gid == s->gid)
		return 1;

	/* Supplementary groups are not in SO_PEERCRED: ask the user database. */
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t groups[256];
	int ng = (int)(sizeof(groups) / sizeof(groups[0]));

	if (getpwuid_r(cr->uid, &pw, buf, sizeof(buf), &res) || !res)
		return 0;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ng) < 0)
		return 0;
	for (int i = 0; i < ng; i++)
		if (groups[i] == s->gid)
			return 1;
	return 0;
}

static void accept_clients(struct ctl_server *s)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				cl_warn(s, "accept: %s", strerror(errno));
			return;
		}

		struct ucred cr;
		socklen_t crlen = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) || !cl_allowed(s, &cr)) {
			s->stats.denied++;
			cl_warn(s, "permission denied for uid %d", crlen == sizeof(cr) ? (int)cr.uid : -1);
			say(fd, "error permission denied\n");
			close(fd);
			continue;
		}

		struct ctl_client *c = NULL;
		for (int i = 0; i < CTL_MAX_CLIENTS && !c; i++)
			if (s->cl[i].st == CL_FREE)
				c = &s->cl[i];
		if (!c) {
			s->stats.busy++;
			cl_warn(s, "%d clients in progress, turning one away", CTL_MAX_CLIENTS);
			say(fd, "error busy, try again\n");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->uid = cr.uid;
		c->in_len = 0;
		c->st = CL_READ;
		c->deadline_ms = mono_ms() + CTL_READ_TIMEOUT_MS;
		if (ep_add(s->epfd, fd, EPOLLIN, TAG_CLIENT + (uint64_t)(c - s->cl))) {
			s->stats.io_errors++;
			cl_warn(s, "epoll add: %s", strerror(errno));
			close(fd);
			c->fd = -1;
			c->st = CL_FREE;
			continue;
		}
		cl_read(s, c); /* the request is often there already */
	}
}

/* Drop clients past their deadline, then arm the timer for the next one. */
static void expire_and_arm(struct ctl_server *s)
{
	uint64_t now = mono_ms(), next = 0;

	for (int i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *c = &s->cl[i];
		if (c->st == CL_FREE)
			continue;
		if (now >= c->deadline_ms) {
			s->stats.timeouts++;
			if (c->st == CL_READ) {
				cl_warn(s, "client sent no complete request within %d ms",
					CTL_READ_TIMEOUT_MS);
				if (c->in_len)
					say(c->fd, "error request timed out\n");
			} else {
				cl_warn(s, "client did not read the answer within %d ms",
					CTL_WRITE_TIMEOUT_MS);
			}
			cl_close(s, c);
			continue;
		}
		if (!next || c->deadline_ms < next)
			next = c->deadline_ms;
	}

	struct itimerspec its = {0};
	if (next) {
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000;
	}
	timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void ctl_server_handle(struct ctl_server *s)
{
	struct epoll_event ev[CTL_MAX_CLIENTS + 2];
	uint64_t ticks;

	int n = epoll_wait(s->epfd, ev, CTL_MAX_CLIENTS + 2, 0);
	for (int i = 0; i < n; i++) {
		uint64_t tag = ev[i].data.u64;
		if (tag == TAG_LISTEN) {
			accept_clients(s);
		} else if (tag == TAG_TIMER) {
			ssize_t r = read(s->tfd, &ticks, sizeof(ticks));
			(void)r;
		} else {
			struct ctl_client *c = &s->cl[tag - TAG_CLIENT];
			if (c->st == CL_READ)
				cl_read(s, c);
			else if (c->st == CL_WRITE)
				cl_write(s, c);
		}
	}
	expire_and_arm(s);
}

void ctl_server_close(struct ctl_server *s)
{
	struct stat st;

	if (!s)
		return;
	for (int i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->cl[i].st != CL_FREE)
			cl_close(s, &s->cl[i]);
	/* Another daemon may have replaced the socket since: only remove ours. */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	close(s->lfd);
	close(s->epfd);
	close(s->tfd);
	free(s);
}
