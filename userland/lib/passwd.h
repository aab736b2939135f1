/* Admin password hashes: PBKDF2-HMAC-SHA256, self-describing string
 *
 *   $pbkdf2-sha256$ITER$SALT$HASH
 *
 * ITER decimal (PASSWD_ITER_MIN..PASSWD_ITER_MAX), SALT and HASH standard
 * base64 with '=' padding (RFC 4648 §4); new hashes use a 16-byte random salt
 * and a 32-byte hash. The iteration count lives in the string so it can be
 * raised later without invalidating stored hashes. */
#ifndef TWIN_PASSWD_H
#define TWIN_PASSWD_H

#include <stddef.h>

struct rng;

/* ~150 ms for one verify on the development VM (measured: see PAIRING.md). */
#define PASSWD_ITER_DEFAULT 200000u
#define PASSWD_ITER_MIN	    1u
#define PASSWD_ITER_MAX	    10000000u /* caps what a corrupt file can make us burn */
#define PASSWD_SALT_LEN	    16
#define PASSWD_HASH_LEN	    32
#define PASSWD_SALT_MAX	    64
#define PASSWD_PW_MAX	    1024 /* longer passwords are refused, not truncated */
#define PASSWD_STR_MAX	    160	 /* enough for any hash string this module writes or accepts */

/* Hash pw with a fresh salt from rng into out (>= PASSWD_STR_MAX bytes is
 * always enough). Returns 0, or -1 with err (bad iteration count, empty or
 * too long password, rng or crypto failure). */
int passwd_hash(const char *pw, unsigned iter, struct rng *rng, char *out, size_t outlen, char *err,
		size_t errlen);

/* Check pw against hash in constant time (for a given hash string).
 * Returns 1 match, 0 mismatch, -1 malformed hash (reason in err, e.g.
 * "unknown scheme", "bad iteration count", "salt: invalid base64"). */
int passwd_verify(const char *pw, const char *hash, char *err, size_t errlen);

/* The admin password's hash file: twin.conf's admin_password_file, or
 * PASSWD_FILE_DEFAULT in state_dir when that is empty or NULL. */
#define PASSWD_FILE_DEFAULT "admin.passwd"
void passwd_file_path(const char *configured, const char *state_dir, char *out, size_t outlen);

/* Iteration count of a well-formed hash string, 0 if malformed (so a caller
 * can re-hash old, weaker hashes after a successful verify). */
unsigned passwd_iterations(const char *hash);

#endif
