/* The daemon's control socket (docs/CONTROL.md): a UNIX stream socket that
 * answers one request per connection.
 *
 * Never blocks the event loop: clients are served by a small non-blocking
 * state machine behind a single pollable fd (an epoll fd holding the listen
 * socket, the clients and a deadline timer). A client has CTL_READ_TIMEOUT_MS
 * to send its line and CTL_WRITE_TIMEOUT_MS to take the answer; after that
 * it is dropped. Misbehaving clients are counted and logged (rate-limited). */
#ifndef TWIN_CTL_SERVER_H
#define TWIN_CTL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

#define CTL_MAX_CLIENTS	     16	  /* served at once; more are told "error busy" */
#define CTL_READ_TIMEOUT_MS  200  /* connect to complete request line */
#define CTL_WRITE_TIMEOUT_MS 1000 /* response written to the client */

struct ctl_server;

/* Called once per well-formed request from an allowed peer; argv[0] is the
 * verb, argv[argc] is NULL, both valid only during the call. Fill resp
 * (ctl_resp_ok/err/kv); the response is "ok" unless ctl_resp_err is called.
 * Must not block: it runs in the event loop. */
typedef void (*ctl_handler_fn)(void *ctx, int argc, char **argv, struct ctl_resp *resp);

struct ctl_server_stats {
	uint64_t served;      /* requests handed to the handler and answered */
	uint64_t denied;      /* peer credentials not allowed */
	uint64_t bad_request; /* tokenizer errors, request too long */
	uint64_t timeouts;    /* too slow to send the request or to read the answer */
	uint64_t silent;      /* connected and closed without sending anything */
	uint64_t busy;	      /* turned away: CTL_MAX_CLIENTS in progress */
	uint64_t io_errors;   /* reset, broken pipe, ... */
};

/* Create the socket at path: the missing parent directories are made 0750
 * (group-owned by group), a stale socket is removed (a live one is an
 * error), the socket is 0660 root:group, or 0600 when group is "" or NULL.
 * Allowed clients: uid 0, the daemon's own uid, and members of group.
 * Returns 0, or -1 with a message naming the path/group in err. */
int ctl_server_open(struct ctl_server **out, const char *path, const char *group, ctl_handler_fn fn,
		    void *ctx, char *err, size_t errlen);

/* The fd to watch for EPOLLIN in the daemon's loop. */
int ctl_server_fd(const struct ctl_server *s);

/* Make progress on everything ready: accept, read, answer, expire. Never
 * waits; call whenever ctl_server_fd() is readable. */
void ctl_server_handle(struct ctl_server *s);

/* The uid (SO_PEERCRED) of the client whose request the handler is
 * answering now; -1 outside a handler call. The journal names who asked. */
long long ctl_server_client_uid(const struct ctl_server *s);

void ctl_server_get_stats(const struct ctl_server *s, struct ctl_server_stats *st);

/* Drop the clients, close and unlink the socket (if it is still ours). NULL is a no-op. */
void ctl_server_close(struct ctl_server *s);

#endif
