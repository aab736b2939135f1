/* libFuzzer harness for the DRBD 9 `drbdsetup events2` reader: the lines
 * are framed by drbd9_watch_read (the input goes through a pipe, as the
 * child's stdout does) and folded by drbd9_apply into the state of
 * resource r0, volume 0. Invariants checked:
 *   - the same lines applied one by one (drbd9_apply) give the same state
 *     as the watcher's framing (when no line overflows its buffer);
 *   - drbd9_apply answers -1, 0 or 1; the state's strings stay terminated;
 *   - drbd9_status fills a device that has a minor and a connection
 *     state, with enum fields in range and sync progress only while a
 *     resync runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drbd9.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check(const struct drbd9 *s)
{
	struct drbd_status st;

	must(memchr(s->connection, '\0', sizeof(s->connection)) &&
	     memchr(s->replication, '\0', sizeof(s->replication)));
	if (drbd9_status(s, &st) != 0) {
		must(!s->have_dev || s->minor < 0);
		return;
	}
	must(st.minor >= 0 && st.conn[0] && memchr(st.conn, '\0', sizeof(st.conn)));
	must(st.role <= DRBD_ROLE_SECONDARY && st.peer_role <= DRBD_ROLE_SECONDARY);
	must(st.disk <= DRBD_DISK_UPTODATE && st.peer_disk <= DRBD_DISK_UPTODATE);
	must(st.syncing ? !strncmp(s->replication, "Sync", 4) : st.sync_permille == 0);
}

static int same(const struct drbd9 *a, const struct drbd9 *b)
{
	return !strcmp(a->res, b->res) && a->volume == b->volume && a->have_res == b->have_res &&
	       a->have_conn == b->have_conn && a->have_dev == b->have_dev && a->have_pdev == b->have_pdev &&
	       a->initial_done == b->initial_done && a->role == b->role && a->peer_role == b->peer_role &&
	       !strcmp(a->connection, b->connection) && !strcmp(a->replication, b->replication) &&
	       a->disk == b->disk && a->peer_disk == b->peer_disk && a->minor == b->minor &&
	       a->oos_kib == b->oos_kib && a->done_permille == b->done_permille;
}

/* The model: every complete line, applied in order. */
static void apply_lines(struct drbd9 *s, const char *data, size_t size)
{
	char line[4096];
	const char *p = data, *end = data + size, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t n = (size_t)(nl - p);
		memcpy(line, p, n);
		line[n] = '\0';
		int r = drbd9_apply(s, line);
		must(r >= -1 && r <= 1);
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int pfd[2] = {-1, -1};
	static struct drbd9_watch w;
	struct drbd9 model;

	/* one line of the buffer's size is dropped by the watcher, by design */
	if (size >= sizeof(w.buf) - 1)
		return 0;
	if (pfd[0] < 0 && pipe2(pfd, O_CLOEXEC | O_NONBLOCK) < 0)
		abort();
	drbd9_watch_init(&w);
	drbd9_init(&w.st, "r0", 0);
	w.fd = pfd[0];
	if (size && write(pfd[1], data, size) != (ssize_t)size)
		abort();
	int r = drbd9_watch_read(&w);
	must(r == 0 || r == 1);
	/* the rest of a last line without newline waits in the buffer */
	const char *last = memrchr(data, '\n', size);
	must(w.len == (last ? size - (size_t)((const uint8_t *)last - data) - 1 : size));

	drbd9_init(&model, "r0", 0);
	apply_lines(&model, (const char *)data, size);
	must(same(&model, &w.st));
	check(&w.st);
	return 0;
}
