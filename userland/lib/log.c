#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "text_escape.h"

#define LOG_LINE_MAX 1024 /* longer messages are cut */

static const char *log_ident = "twin";
static int log_syslog;
static int log_verbose;

void log_open(const char *ident, int use_syslog, int verbose)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_verbose = verbose;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	if (prio == LOG_DEBUG && !log_verbose)
		return;
	va_list ap;
	struct timespec ts;
	struct tm tm;
	char stamp[32];

	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];

	/* messages carry names and text from the peer and from clients: one
	 * line each, nothing a terminal or log reader would act on */
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	text_escape(line, sizeof(line), raw);
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: %s\n", stamp, ts.tv_nsec / 1000000, log_ident, line);
	if (log_syslog)
		syslog(prio, "%s", line);
}
