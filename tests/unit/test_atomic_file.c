/* atomic_file: whole-file atomic writes and capped reads, in a temp dir. */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

static char dir[] = "/tmp/twin-atomic-XXXXXX";
static char path[256], tmp[256];

static mode_t mode_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static void test_write_read(void)
{
	char err[256], *data;
	size_t len;
	struct stat st;

	CHECK_EQ(atomic_file_write(path, "hello\n", 6, 0640, err, sizeof(err)), 0);
	CHECK_EQ(mode_of(path), 0640); /* exactly the mode asked for, umask 022 not applied */
	CHECK(!exists(tmp));
	CHECK_EQ(atomic_file_read(path, 64, &data, &len, &st, err, sizeof(err)), 0);
	CHECK_EQ(len, 6);
	CHECK_STR(data, "hello\n");
	CHECK_EQ(st.st_mode & 07777, 0640);
	atomic_file_free(data, len);

	/* Replace: new content and new mode, no temp file left. */
	CHECK_EQ(atomic_file_write(path, "x", 1, 0600, err, sizeof(err)), 0);
	CHECK_EQ(atomic_file_read(path, 64, &data, &len, NULL, err, sizeof(err)), 0);
	CHECK_EQ(len, 1);
	CHECK_STR(data, "x");
	atomic_file_free(data, len);
	CHECK_EQ(mode_of(path), 0600);
	CHECK(!exists(tmp));

	/* A stricter umask does not change the mode either. */
	umask(077);
	CHECK_EQ(atomic_file_write(path, "y", 1, 0644, err, sizeof(err)), 0);
	CHECK_EQ(mode_of(path), 0644);
	umask(022);

	/* Empty file. */
	CHECK_EQ(atomic_file_write(path, "", 0, 0600, err, sizeof(err)), 0);
	CHECK_EQ(atomic_file_read(path, 64, &data, &len, NULL, err, sizeof(err)), 0);
	CHECK_EQ(len, 0);
	CHECK_STR(data, "");
	atomic_file_free(data, len);
}

/* A temp file left by a crash (other content, loose mode) is replaced. */
static void test_stale_tmp(void)
{
	char err[256], *data;
	size_t len;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "stale junk", 10), 10);
	close(fd);
	chmod(tmp, 0666);
	CHECK_EQ(atomic_file_write(path, "fresh", 5, 0600, err, sizeof(err)), 0);
	CHECK_EQ(atomic_file_read(path, 64, &data, &len, NULL, err, sizeof(err)), 0);
	CHECK_STR(data, "fresh");
	atomic_file_free(data, len);
	CHECK_EQ(mode_of(path), 0600);
	CHECK(!exists(tmp));
}

/* A write that fails leaves the old file untouched. */
static void test_failed_write_keeps_old(void)
{
	char err[256], *data;
	size_t len;

	CHECK_EQ(atomic_file_write(path, "old", 3, 0600, err, sizeof(err)), 0);
	CHECK_EQ(mkdir(tmp, 0700), 0); /* the temp path cannot be replaced */
	err[0] = 0;
	CHECK_EQ(atomic_file_write(path, "new", 3, 0600, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, path);
	CHECK_EQ(atomic_file_read(path, 64, &data, &len, NULL, err, sizeof(err)), 0);
	CHECK_STR(data, "old");
	atomic_file_free(data, len);
	rmdir(tmp);

	CHECK_EQ(atomic_file_write("/nonexistent-dir/x", "a", 1, 0600, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "/nonexistent-dir/x");
	CHECK(!exists("/nonexistent-dir"));
}

static void test_read_errors(void)
{
	char err[256], link[300], big[100], *data = (char *)1;
	size_t len = 99;

	snprintf(link, sizeof(link), "%s/link", dir);
	CHECK_EQ(atomic_file_read(link, 64, &data, &len, NULL, err, sizeof(err)), 1); /* absent */
	CHECK(data == NULL);
	CHECK_EQ(len, 0);

	memset(big, 'a', sizeof(big));
	CHECK_EQ(atomic_file_write(path, big, sizeof(big), 0600, err, sizeof(err)), 0);
	CHECK_EQ(atomic_file_read(path, 99, &data, &len, NULL, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "too large");
	CHECK_EQ(atomic_file_read(path, 100, &data, &len, NULL, err, sizeof(err)), 0);
	CHECK_EQ(len, 100);
	atomic_file_free(data, len);

	CHECK_EQ(symlink(path, link), 0);
	CHECK_EQ(atomic_file_read(link, 1000, &data, &len, NULL, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "symbolic link");
	unlink(link);

	CHECK_EQ(atomic_file_read(dir, 1000, &data, &len, NULL, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "not a regular file");
}

static void test_remove(void)
{
	char err[256];

	CHECK_EQ(atomic_file_write(path, "a", 1, 0600, err, sizeof(err)), 0);
	CHECK_EQ(atomic_file_remove(path, err, sizeof(err)), 0);
	CHECK(!exists(path));
	CHECK_EQ(atomic_file_remove(path, err, sizeof(err)), 0); /* absent is fine */
}

TEST_MAIN("atomic_file", {
	umask(022);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s/state.tmp", dir);
	test_write_read();
	test_stale_tmp();
	test_failed_write_keeps_old();
	test_read_errors();
	test_remove();
	unlink(tmp);
	unlink(path);
	CHECK_EQ(rmdir(dir), 0);
})
