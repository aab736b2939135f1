/* libFuzzer harness for the /proc/drbd (DRBD 8.4) parser, drbd_parse_proc,
 * and what reads its result: no crash, and a device that parses has a
 * connection state, enum fields in range, a protocol letter or none, and
 * a promote verdict of 0/1 with a reason when it says no. The version
 * line (drbd_proc_version) picks 8.4 or 9 from the same text. */
#include <stdlib.h>
#include <string.h>

#include "drbd.h"
#include "drbd9.h"

static void must(int cond)
{
	if (!cond)
		abort();
}

static void check(const struct drbd_status *st, int minor)
{
	char line[256], why[512];

	must(st->minor == minor);
	must(st->conn[0] && memchr(st->conn, '\0', sizeof(st->conn)));
	must(st->role <= DRBD_ROLE_SECONDARY && st->peer_role <= DRBD_ROLE_SECONDARY);
	must(st->disk <= DRBD_DISK_UPTODATE && st->peer_disk <= DRBD_DISK_UPTODATE);
	must(st->protocol == 0 || st->protocol == 'A' || st->protocol == 'B' || st->protocol == 'C');
	must(st->syncing == 0 || st->syncing == 1);
	must(drbd_connected(st) == 0 || drbd_connected(st) == 1);
	drbd_format(st, "r0", line, sizeof(line));
	must(memchr(line, '\0', sizeof(line)) != NULL);
	for (int force = 0; force < 2; force++) {
		why[0] = '\0';
		int ok = drbd_can_promote(st, force, why, sizeof(why));
		must(ok == 0 || ok == 1);
		must(ok || why[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drbd_status st;
	/* the daemon reads the file into a NUL-terminated buffer */
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (int minor = 0; minor < 2; minor++)
		if (drbd_parse_proc(text, minor, &st) == 0)
			check(&st, minor);
	int v = drbd_proc_version(text);
	must(v == 0 || v == 8 || v == 9);
	must(drbd_disk_from_name(text) <= DRBD_DISK_UPTODATE);
	free(text);
	return 0;
}
