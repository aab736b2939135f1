/* Run a command without blocking: see subproc.h. */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include "subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void subproc_init(struct subproc *s)
{
	memset(s, 0, sizeof(*s));
	s->pidfd = s->errfd = s->ep = -1;
}

static void close_fd(struct subproc *s, int *fd)
{
	if (*fd < 0)
		return;
	if (s->ep >= 0)
		epoll_ctl(s->ep, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static int ep_add(int ep, int fd, uint64_t cookie)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = cookie};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* The input goes in one write: at most PIPE_BUF bytes fit an empty pipe
 * (one page at least), so it never waits. */
_Static_assert(SUBPROC_INPUT_MAX <= PIPE_BUF, "the input must fit an empty pipe");

static int write_input(int fd, const char *input, size_t len)
{
	ssize_t n;

	do
		n = write(fd, input, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? 0 : -1; /* EPIPE: it ended without reading */
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* io: stdout into the pipe too, stdin from input (NULL/0: /dev/null), what
 * comes out kept in out */
static int start(struct subproc *s, int ep, uint64_t cookie, char *const argv[], char *const envp[], int io,
		 const char *input, size_t input_len, char *out, size_t out_cap)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct sched_param sp = {.sched_priority = 0};
	sigset_t none, all;
	int p[2], in[2] = {-1, -1}, rc;

	subproc_init(s);
	s->ep = ep;
	if (input_len > SUBPROC_INPUT_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (input && input_len && pipe2(in, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (out && out_cap) {
		s->out = out;
		s->out_cap = out_cap;
		out[0] = '\0';
	}

	posix_spawn_file_actions_init(&fa);
	if (in[0] >= 0)
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (io)
		posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* own process group (killed as a whole), and none of the daemon's
	 * blocked signals, handlers or SCHED_FIFO */
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETSCHEDULER);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setschedpolicy(&at, SCHED_OTHER);
	posix_spawnattr_setschedparam(&at, &sp);
	rc = posix_spawn(&s->pid, "/bin/sh", &fa, &at, argv, envp ? envp : environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (in[0] >= 0)
		close(in[0]);
	if (rc != 0) {
		close(p[0]);
		if (in[1] >= 0)
			close(in[1]);
		subproc_init(s);
		errno = rc;
		return -1;
	}

	if (in[1] >= 0) {
		rc = write_input(in[1], input, input_len);
		close(in[1]);
	}
	if (rc == 0) {
		s->pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
		if (s->pidfd < 0 || ep_add(ep, s->pidfd, cookie) < 0)
			rc = -1;
	}
	if (rc < 0) {
		int e = errno;

		/* the input did not go in, or it cannot be watched without
		 * blocking: stop it now */
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		close(p[0]);
		if (s->pidfd >= 0)
			close(s->pidfd);
		subproc_init(s);
		errno = e;
		return -1;
	}
	s->errfd = p[0];
	if (ep_add(ep, s->errfd, cookie) < 0) {
		close(s->errfd); /* the log loses the detail, nothing worse */
		s->errfd = -1;
	}
	return 0;
}

int subproc_start(struct subproc *s, int ep, uint64_t cookie, char *const argv[], char *const envp[])
{
	return start(s, ep, cookie, argv, envp, 0, NULL, 0, NULL, 0);
}

int subproc_start_io(struct subproc *s, int ep, uint64_t cookie, char *const argv[], char *const envp[],
		     const char *input, size_t input_len, char *out, size_t out_cap)
{
	return start(s, ep, cookie, argv, envp, 1, input, input_len, out, out_cap);
}

int subproc_running(const struct subproc *s)
{
	return s->pid > 0;
}

/* Keeps the first line (and, for subproc_start_io, what fits in out),
 * discards the rest so the command never blocks on a full pipe. */
static void stderr_read(struct subproc *s)
{
	char buf[512];
	ssize_t n;

	while (s->errfd >= 0) {
		n = read(s->errfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(s, &s->errfd);
			return;
		}
		for (ssize_t i = 0; i < n && !s->errline_done; i++) {
			if (buf[i] == '\n' || s->errlen + 1 >= sizeof(s->errline))
				s->errline_done = 1;
			else
				s->errline[s->errlen++] = buf[i];
		}
		s->errline[s->errlen] = '\0';
		if (s->out) {
			size_t k = s->out_cap - 1 - s->out_len;

			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(s->out + s->out_len, buf, k);
			s->out_len += k;
			s->out[s->out_len] = '\0';
		}
	}
}

int subproc_check(struct subproc *s, int *status)
{
	siginfo_t si;
	pid_t r;
	int st = 0;

	if (s->pid <= 0)
		return 0;
	stderr_read(s);
	/* Look without reaping: while the leader is a zombie its process
	 * group id cannot be reused, so what it left behind can be killed. */
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)s->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0)
		return 0;
	kill(-s->pid, SIGKILL);
	do
		r = waitpid(s->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	*status = r < 0 ? -1 : st;
	stderr_read(s);
	close_fd(s, &s->errfd);
	close_fd(s, &s->pidfd);
	s->pid = 0;
	return 1;
}

void subproc_signal(struct subproc *s, int sig)
{
	if (s->pid > 0)
		kill(-s->pid, sig);
}

void subproc_abort(struct subproc *s, int wait_ms)
{
	if (s->pid > 0) {
		struct pollfd p = {.fd = s->pidfd, .events = POLLIN};

		/* SIGKILL takes microseconds; a process stuck in the kernel is
		 * left behind rather than hanging the daemon */
		kill(-s->pid, SIGKILL);
		if (s->pidfd >= 0 && poll(&p, 1, wait_ms) > 0)
			waitpid(s->pid, NULL, WNOHANG);
	}
	close_fd(s, &s->errfd);
	close_fd(s, &s->pidfd);
	s->pid = 0;
}

void subproc_status_str(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "status lost");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with status 0x%x", (unsigned)status);
}
