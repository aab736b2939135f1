/* Control-socket protocol (docs/CONTROL.md): pure functions, no I/O.
 *
 * One request per connection: a line "VERB [ARG...]\n" of at most
 * CTL_LINE_MAX bytes; a token may be a double-quoted string with \" and \\
 * escapes. Response: "ok" or "error <message>", then "key=value" lines (keys
 * are dotted paths of [a-z0-9_], values escape newline as \n and backslash
 * as \\), then the server closes the connection.
 *
 * Used by twind (tokenizer + response builder) and by twinctl and the panel
 * (request formatter, response parser, lookups, JSON renderer). */
#ifndef TWIN_CTL_PROTO_H
#define TWIN_CTL_PROTO_H

#include <stdarg.h>
#include <stddef.h>

#define CTL_PROTO_VERSION  1
#define CTL_SOCKET_DEFAULT "/run/twin/twind.sock" /* same as twin.conf's control_socket */
#define CTL_LINE_MAX	   4096			  /* request line, including the '\n' */
#define CTL_ARGS_MAX	   64			  /* tokens in a request, verb included */
#define CTL_KEY_MAX	   128			  /* response key length */
#define CTL_RESP_MAX	   (1u << 20)		  /* clients refuse larger responses */

/* --- request: tokenizer (server side) and formatter (client side) --- */

struct ctl_req {
	int argc;
	char *argv[CTL_ARGS_MAX + 1]; /* NULL-terminated, point into buf */
	char buf[CTL_LINE_MAX];	      /* unescaped tokens, NUL-separated */
};

/* Split one request line (a trailing "\n" or "\r\n" is optional) into
 * tokens. Returns 0, or -1 with a one-line reason in err: "empty request",
 * "request too long (max 4096 bytes)", "unterminated quote", ... */
int ctl_req_parse(struct ctl_req *req, const char *line, size_t len, char *err, size_t errlen);

/* Build "VERB ARG...\n" from argv, quoting tokens that need it. Returns the
 * length written (without the NUL), or -1 with err (too long, an argument
 * with a newline or empty argv). */
int ctl_req_format(char *out, size_t outlen, int argc, const char *const argv[], char *err, size_t errlen);

/* --- response builder (server side) --- */

/* A response is "ok" until ctl_resp_err is called; ctl_resp_ok and
 * ctl_resp_err replace the status line, kv lines are kept in order. On
 * allocation failure the response turns into "error out of memory". */
struct ctl_resp {
	char *buf; /* status line (once set) followed by kv lines */
	size_t len, cap;
	size_t status_len; /* bytes of buf taken by the status line, 0 = none yet */
	int oom;
};

void ctl_resp_init(struct ctl_resp *r);
void ctl_resp_free(struct ctl_resp *r);
int ctl_resp_ok(struct ctl_resp *r);
/* The message is kept on one line: CR/LF become spaces. */
int ctl_resp_err(struct ctl_resp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds "key=value"; -1 (and nothing added) when the key is not a dotted
 * path of [a-z0-9_] segments or longer than CTL_KEY_MAX. */
int ctl_resp_kv(struct ctl_resp *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ctl_resp_vkv(struct ctl_resp *r, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The wire text (never NULL; valid until the next call on r). */
const char *ctl_resp_data(struct ctl_resp *r, size_t *len);

/* 1 if key is a valid response key. */
int ctl_key_valid(const char *key);

/* --- response parser and lookups (client side) --- */

struct ctl_kv {
	const char *key;
	const char *val; /* unescaped */
};

struct ctl_reply {
	int ok;		     /* 1 for "ok", 0 for "error" */
	const char *message; /* text after "error ", "" for ok */
	struct ctl_kv *kv;   /* in wire order */
	size_t n;
	char *mem; /* private */
};

/* Parse a whole response. Strict: every line ends in '\n', keys are valid,
 * escapes are \n or \\. Returns 0, or -1 with "line N: reason" in err; rep
 * needs ctl_reply_free either way. */
int ctl_reply_parse(struct ctl_reply *rep, const char *text, size_t len, char *err, size_t errlen);
void ctl_reply_free(struct ctl_reply *rep);
/* A private copy of src (through the wire form, so it is one valid
 * reply). 0, or -1 (out of memory) with dst empty; free dst either way. */
int ctl_reply_copy(struct ctl_reply *dst, const struct ctl_reply *src);

/* Value of the first line with this key, or NULL. */
const char *ctl_get(const struct ctl_reply *rep, const char *key);
/* Same with a printf-built key: ctl_getf(rep, "path.%d.name", i). */
const char *ctl_getf(const struct ctl_reply *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0 and *out when present and a whole decimal integer, else -1. */
int ctl_get_ll(const struct ctl_reply *rep, const char *key, long long *out);
/* 1 for "true", 0 for "false", -1 when absent or anything else. */
int ctl_get_bool(const struct ctl_reply *rep, const char *key);

/* --- JSON --- */

/* Render the kv lines as one JSON object: dotted keys become nested objects
 * in first-seen order; an object whose member names are exactly 0..n-1
 * becomes an array (in index order); values that are JSON numbers become
 * numbers, true/false booleans, everything else strings (invalid UTF-8 is
 * replaced by U+FFFD). pretty: indent by two spaces. Returns a malloc'd
 * string (no trailing newline), or NULL with err (a key that is both a value
 * and an object, a duplicate key, out of memory). */
char *ctl_reply_json(const struct ctl_reply *rep, int pretty, char *err, size_t errlen);

#endif
