/* twin-exporter: Prometheus metrics of this node (docs/METRICS.md), served
 * over HTTP from twind's `status` on the control socket. A separate
 * process on purpose: nothing of it runs in twind's loop, and it needs no
 * privilege but the control group. Off unless metrics_listen (twin.conf)
 * or -l says where to listen; it listens there only. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "http.h"
#include "int_parse.h"
#include "listen_addr.h"
#include "log.h"
#include "privdrop.h"
#include "version.h"

#define CONF_DEFAULT	   "/etc/twin/twin.conf"
#define TIMEOUT_MS_DEFAULT 500

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: twin-exporter [-f FILE] [-l ADDR:PORT] [-s SOCKET] [-u USER] [-t MS] [--syslog] [-v]\n"
	    "  -f, --config FILE    twin.conf (default " CONF_DEFAULT "): metrics_listen, control_socket,\n"
	    "                       control_group\n"
	    "  -l, --listen A:P     listen here instead of metrics_listen (10.0.0.5:9946, [::1]:9946)\n"
	    "  -s, --socket PATH    twind's control socket instead of control_socket\n"
	    "  -u, --user USER      started as root: become USER, with control_group as its group\n"
	    "  -t, --timeout MS     how long a scrape waits for twind, 10..10000 (default %d)\n"
	    "      --syslog         log to syslog too\n"
	    "  -v, --verbose        debug logging\n"
	    "  -V, --version\n",
	    TIMEOUT_MS_DEFAULT);
}

static int open_listener(const char *spec, char *err, size_t errlen)
{
	struct listen_addr a;
	char why[128];
	int one = 1;

	if (listen_addr_parse(spec, &a, why, sizeof(why)) < 0)
		return snprintf(err, errlen, "listen address '%s': %s", spec, why), -1;
	/* non-blocking: a client gone between poll and accept must not stop the server */
	int fd = socket(a.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return snprintf(err, errlen, "socket: %s", strerror(errno)), -1;
	/* v6only: "[::]:P" means IPv6 only, as written; IPv4 needs its own address */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (a.ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&a.ss, a.len) || listen(fd, 16)) {
		snprintf(err, errlen, "listening on %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'f'},  {"listen", required_argument, NULL, 'l'},
	    {"socket", required_argument, NULL, 's'},  {"user", required_argument, NULL, 'u'},
	    {"timeout", required_argument, NULL, 't'}, {"syslog", no_argument, NULL, 'S'},
	    {"verbose", no_argument, NULL, 'v'},       {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	const char *conf = CONF_DEFAULT, *listen_opt = NULL, *sock_opt = NULL, *user = NULL;
	static struct twin_config cfg;
	struct scrape_cfg sc = {.timeout_ms = TIMEOUT_MS_DEFAULT, .last_up = -1};
	int use_syslog = 0, verbose = 0, opt;
	char err[512];
	long long v;

	while ((opt = getopt_long(argc, argv, "f:l:s:u:t:vVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			conf = optarg;
			break;
		case 'l':
			listen_opt = optarg;
			break;
		case 's':
			sock_opt = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 't':
			if (parse_ll(optarg, 10, 10000, &v) < 0) {
				fprintf(stderr, "twin-exporter: -t takes milliseconds, 10..10000\n");
				return 2;
			}
			sc.timeout_ms = (int)v;
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("twin-exporter %s\n", TWIN_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_open("twin-exporter", use_syslog, verbose);
	if (config_parse_file(conf, &cfg, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	const char *where = listen_opt ? listen_opt : cfg.metrics_listen;
	if (!*where) {
		log_err("metrics_listen is not set in %s (and no -l): the exporter is off", conf);
		return 1;
	}
	sc.socket_path = sock_opt ? sock_opt : cfg.control_socket;
	if (!cfg.control_group[0])
		log_warn("control_group is not set in %s: only root may use twind's socket, so a non-root "
			 "exporter reads twin_up 0",
			 conf);

	int fd = open_listener(where, err, sizeof(err));
	if (fd < 0) {
		log_err("%s", err);
		return 1;
	}
	if (user && geteuid() == 0 && privdrop(user, cfg.control_group, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	if (geteuid() == 0) {
		log_err("twin-exporter does not run as root: give -u USER (a member of control_group)");
		return 1;
	}

	/* blocked before the server's thread starts, so only sigwait sees them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = http_start(fd, &sc, err, sizeof(err));
	if (!d) {
		log_err("%s", err);
		return 1;
	}
	log_info("serving metrics on http://%s/metrics from %s", where, sc.socket_path);
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) == 0 && sig != SIGHUP)
			break;
		log_info("SIGHUP ignored: a changed metrics_listen needs a restart");
	}
	log_info("stopping");
	http_stop(d);
	return 0;
}
