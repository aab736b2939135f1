/* twinctl update [--force] [--dry-run] FILE: install a signed update bundle
 * into the inactive root slot and make it the next boot (bootctl try).
 *
 * Everything is checked before the first byte is written: the signature
 * (the image's public key), the board, the version (no downgrades; the
 * same version only with --force), the running slot being confirmed (its
 * fallback must stay intact), the payload's size and SHA-256. Then the
 * payload is copied, hashed again as it goes, read back from the slot and
 * hashed a third time. A refused bundle changes nothing.
 *
 * Paths, overridable for tests: TWIN_RELEASE (/etc/twin-release),
 * TWIN_UPDATE_PUBKEY (/usr/share/twin/update-key.pub), TWIN_BOOTCTL
 * (/usr/lib/twin/bootctl: "status", "device SLOT", "try SLOT"). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "bundle_file.h"
#include "bundle_sig.h"
#include "test_hooks.h"
#include "client.h"
#include "twinctl.h"

/* the tests' stand-ins for the image's paths (test builds only) */
static const char *env_or(const char *name, const char *def)
{
	const char *v = test_hook(name);
	return v ? v : def;
}

/* VALUE of "KEY=VALUE" in a small file, into out; 0 or -1 */
static int release_get(const char *text, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) == 0 && l[kl] == '=') {
			const char *v = l + kl + 1;
			size_t n = strcspn(v, "\n");
			if (n == 0 || n >= outlen)
				return -1;
			memcpy(out, v, n);
			out[n] = 0;
			return 0;
		}
	}
	return -1;
}

/* "slot A: ok" -> the text after ": " for slot s, from bootctl status */
static const char *status_field(const char *status, const char *prefix, char *out, size_t outlen)
{
	const char *p = strstr(status, prefix);

	if (!p || (p != status && p[-1] != '\n'))
		return NULL;
	p += strlen(prefix);
	size_t n = strcspn(p, "\n");
	if (n == 0 || n >= outlen)
		return NULL;
	memcpy(out, p, n);
	out[n] = 0;
	return out;
}

static int refuse(const char *file, const char *why)
{
	fprintf(stderr, "twinctl update: %s: %s\nNothing was changed.\n", file, why);
	return EXIT_ERROR;
}

struct running {
	char version[32], board[64];
	char slot[4], target[4], target_state[32];
};

/* What this node runs: version, board, slot and the other slot's state.
 * 0, or an exit code after printing why. */
static int read_running(const char *file, struct running *r)
{
	const char *rel_path = env_or("TWIN_RELEASE", "/etc/twin-release");
	const char *bootctl = env_or("TWIN_BOOTCTL", "/usr/lib/twin/bootctl");
	char rel[1024], st[1024], why[300], own[32] = "";
	int fd = open(rel_path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, rel, sizeof(rel) - 1);

	if (fd >= 0)
		close(fd);
	rel[n > 0 ? n : 0] = 0;
	if (release_get(rel, "TWIN_VERSION", r->version, sizeof(r->version)) < 0 ||
	    release_get(rel, "TWIN_BOARD", r->board, sizeof(r->board)) < 0) {
		snprintf(why, sizeof(why), "cannot tell this system's version and board from %s", rel_path);
		return refuse(file, why);
	}
	const char *av[] = {bootctl, "status", NULL};
	if (twinctl_run_capture(av, st, sizeof(st)) != 0 ||
	    !status_field(st, "running slot: ", r->slot, sizeof(r->slot)) ||
	    (strcmp(r->slot, "A") && strcmp(r->slot, "B"))) {
		snprintf(why, sizeof(why), "cannot tell the running boot slot (%s status)", bootctl);
		return refuse(file, why);
	}
	snprintf(r->target, sizeof(r->target), "%s", r->slot[0] == 'A' ? "B" : "A");
	char key[16];
	snprintf(key, sizeof(key), "slot %s: ", r->slot);
	if (!status_field(st, key, own, sizeof(own)) || strcmp(own, "ok") != 0) {
		snprintf(why, sizeof(why),
			 "the running slot %s is not confirmed yet (boot in progress: %s); wait until this "
			 "node is Standby or Active, so the other slot stays a working fallback",
			 r->slot, own[0] ? own : "?");
		return refuse(file, why);
	}
	snprintf(key, sizeof(key), "slot %s: ", r->target);
	if (!status_field(st, key, r->target_state, sizeof(r->target_state)))
		snprintf(r->target_state, sizeof(r->target_state), "?");
	return 0;
}

/* The signature, board and version checks. 0, or an exit code. */
static int check_bundle(const char *file, struct bundle_file *b, const struct running *r, int force)
{
	const char *pub = env_or("TWIN_UPDATE_PUBKEY", "/usr/share/twin/update-key.pub");
	mbedtls_pk_context pk;
	char err[300], why[400];

	if (bundle_key_load(&pk, pub, 0, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "no trusted update key: %s", err);
		return refuse(file, why);
	}
	int bad = bundle_verify(&pk, b->hdr_blk, &b->sig, err, sizeof(err));
	mbedtls_pk_free(&pk);
	if (bad)
		return refuse(file, err);
	if (strcmp(b->hdr.board, r->board) != 0) {
		snprintf(why, sizeof(why), "wrong board: the bundle is for %s, this system is %s",
			 b->hdr.board, r->board);
		return refuse(file, why);
	}
	if (!bundle_version_valid(r->version)) {
		snprintf(why, sizeof(why), "this system's version \"%s\" cannot be compared", r->version);
		return refuse(file, why);
	}
	int c = bundle_version_cmp(b->hdr.version, r->version);
	if (c < 0) {
		snprintf(why, sizeof(why), "version %s is older than the running %s (downgrades are refused)",
			 b->hdr.version, r->version);
		return refuse(file, why);
	}
	if (c == 0 && !force) {
		snprintf(why, sizeof(why), "version %s is already running (--force installs it again)",
			 b->hdr.version);
		return refuse(file, why);
	}
	return 0;
}

/* Copy the payload to the slot device and check it there. 0, or an exit
 * code (the boot order is untouched then). */
static int write_slot(const char *file, struct bundle_file *b, const char *dev)
{
	uint8_t sum[32];
	char err[300], why[400];
	/* O_EXCL on a block device: refuse one that is mounted or in use */
	int fd = open(dev, O_RDWR | O_CLOEXEC | O_EXCL);

	err[0] = 0;
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open the slot %s: %s", dev, strerror(errno));
		return refuse(file, why);
	}
	int64_t cap = bundle_fd_size(fd);
	if (cap < 0 || (uint64_t)cap < b->hdr.payload_size) {
		snprintf(why, sizeof(why),
			 "the payload (%" PRIu64 " bytes) does not fit the slot %s (%" PRId64 " bytes)",
			 b->hdr.payload_size, dev, cap);
		close(fd);
		return refuse(file, why);
	}
	printf("writing version %s to %s ...\n", b->hdr.version, dev);
	fflush(stdout);
	int wrote = bundle_file_stream(b, sum, fd, err, sizeof(err));
	if (wrote < 0 || memcmp(sum, b->hdr.payload_sha256, 32) != 0) {
		close(fd);
		fprintf(stderr,
			"twinctl update: %s: %s\nThe inactive slot is now unusable; the boot order is "
			"unchanged.\n",
			file, wrote < 0 ? err : "the bundle changed while it was being written");
		return EXIT_ERROR;
	}
	/* read back from the device, not the page cache */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (bundle_hash_fd(fd, b->hdr.payload_size, sum, err, sizeof(err)) < 0 ||
	    memcmp(sum, b->hdr.payload_sha256, 32) != 0) {
		close(fd);
		fprintf(stderr,
			"twinctl update: %s: the slot %s does not read back what was written%s%s\n"
			"The inactive slot is unusable; the boot order is unchanged.\n",
			file, dev, err[0] ? ": " : "", err);
		return EXIT_ERROR;
	}
	close(fd);
	return 0;
}

/* Tell twind, for its event history (twinctl log): quietly, an update
 * goes on without a daemon. */
static void __attribute__((format(printf, 2, 3))) note(const struct twinctl *t, const char *fmt, ...)
{
	char text[400], line[CTL_LINE_MAX + 1], err[128];
	struct ctl_reply rep;
	va_list ap;
	int err_no;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	const char *req[] = {"note", "update", text};
	int len = ctl_req_format(line, sizeof(line), 3, req, err, sizeof(err));
	if (len > 0 && ctl_call(t->socket, line, (size_t)len, CTL_CLIENT_TIMEOUT_MS, &rep, &err_no, err,
				sizeof(err)) == CTL_CALL_OK)
		ctl_reply_free(&rep);
}

int cmd_update(const struct twinctl *t, int argc, char **argv)
{
	const char *bootctl = env_or("TWIN_BOOTCTL", "/usr/lib/twin/bootctl");
	const char *file = NULL;
	struct bundle_file b;
	struct running r = {0};
	uint8_t sum[32];
	char err[300], dev[256];
	int force = 0, dry = 0, rc, started = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = 1;
		else if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			dry = 1;
		else if (argv[i][0] == '-' || file)
			return twinctl_usage_error(argv[0], "unknown option or more than one FILE");
		else
			file = argv[i];
	}
	if (!file)
		return twinctl_usage_error(argv[0], "which bundle? (FILE)");

	if (bundle_file_open(&b, file, err, sizeof(err)) < 0) {
		fprintf(stderr, "twinctl update: %s\nNothing was changed.\n", err);
		return EXIT_ERROR;
	}
	if ((rc = read_running(file, &r)) != 0 || (rc = check_bundle(file, &b, &r, force)) != 0)
		goto out;
	/* the whole payload, before anything is written */
	if (bundle_file_stream(&b, sum, -1, err, sizeof(err)) < 0) {
		rc = refuse(file, err);
		goto out;
	}
	if (memcmp(sum, b.hdr.payload_sha256, 32) != 0) {
		rc = refuse(file, "payload corrupted: its SHA-256 is not the one the signed header names");
		goto out;
	}
	const char *dv[] = {bootctl, "device", r.target, NULL};
	if (twinctl_run_capture(dv, dev, sizeof(dev)) != 0 || dev[0] != '/') {
		rc = refuse(file, "cannot find the inactive slot's device (bootctl device)");
		goto out;
	}
	printf("bundle OK: %s version %s (running %s on slot %s); target slot %s (%s)\n", b.hdr.board,
	       b.hdr.version, r.version, r.slot, r.target, dev);
	if (dry) {
		printf("dry run: nothing written\n");
		rc = 0;
		goto out;
	}
	note(t, "started: version %s into slot %s (running %s on slot %s)", b.hdr.version, r.target,
	     r.version, r.slot);
	started = 1;
	if ((rc = write_slot(file, &b, dev)) != 0)
		goto out;
	const char *tv[] = {bootctl, "try", r.target, NULL};
	char out[256];
	if (twinctl_run_capture(tv, out, sizeof(out)) != 0) {
		fprintf(stderr,
			"twinctl update: slot %s holds version %s, but the boot order could not be changed "
			"(bootctl try %s); the node keeps booting slot %s\n",
			r.target, b.hdr.version, r.target, r.slot);
		rc = EXIT_ERROR;
		goto out;
	}
	printf("slot %s holds version %s and boots next: reboot to start it (twinctl reboot).\n"
	       "If it does not reach Standby or Active, the node falls back to slot %s (version %s).\n",
	       r.target, b.hdr.version, r.slot, r.version);
	note(t, "done: slot %s holds version %s and boots next", r.target, b.hdr.version);
	rc = 0;
out:
	if (started && rc)
		note(t, "failed: version %s was not installed in slot %s; slot %s boots as before",
		     b.hdr.version, r.target, r.slot);
	bundle_file_close(&b);
	return rc;
}
