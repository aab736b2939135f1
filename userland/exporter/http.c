#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <microhttpd.h>

#include "log.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define MAX_CLIENTS  16
#define IDLE_S	     10 /* a client that sends nothing is dropped after this */

#define TEXT "text/plain; charset=utf-8"

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, char *body,
			     enum MHD_ResponseMemoryMode mode, const char *type, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, mode);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct scrape_cfg *cfg = cls;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", MHD_RESPMEM_PERSISTENT,
			     TEXT, "GET, HEAD");
	if (!strcmp(url, "/metrics")) {
		char *page = scrape_page(cfg);
		if (!page)
			return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
				     MHD_RESPMEM_PERSISTENT, TEXT, NULL);
		return reply(c, MHD_HTTP_OK, page, MHD_RESPMEM_MUST_FREE, CONTENT_TYPE, NULL);
	}
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "twin-exporter: the metrics are at /metrics\n",
			     MHD_RESPMEM_PERSISTENT, TEXT, NULL);
	return reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n",
		     MHD_RESPMEM_PERSISTENT, TEXT, NULL);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	log_warn("http: %s", line);
}

struct MHD_Daemon *http_start(int listen_fd, struct scrape_cfg *cfg, char *err, size_t errlen)
{
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request,
	    cfg,
	    /* the logger first, or libmicrohttpd logs the other options' errors to stderr itself */
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CLIENTS, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)IDLE_S, MHD_OPTION_END);

	if (!d)
		snprintf(err, errlen, "libmicrohttpd did not start");
	return d;
}

void http_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}
