/* twin-console: the appliance's console menu (docs/CONSOLE.md).
 *   twin-console [-c CONFIG] [-s SOCKET] [--shell]     on this terminal (serial, SSH)
 *   twin-console [-c CONFIG] [-s SOCKET] --lcd [HOST[:PORT]] [--keys MAP]
 *   twin-console --pin-hash | --password-hash           a PIN's (password's) hash from stdin */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "console.h"
#include "int_parse.h"
#include "log.h"
#include "passwd.h"
#include "rng.h"

static struct console *running;

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		running->stop = 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: twin-console [-c CONFIG] [-s SOCKET] [--shell]\n"
			"       twin-console [-c CONFIG] [-s SOCKET] --lcd [HOST[:PORT]] [--keys "
			"Up,Down,Left,Right,Enter,Escape]\n"
			"       twin-console --pin-hash   (reads a PIN of 4 to 8 digits on stdin)\n"
			"       twin-console --password-hash   (reads a password on stdin)\n");
	return 2;
}

/* --pin-hash: a console_lcd_pin line; --password-hash: the admin password's
 * hash file line (the image's setup helper writes it) */
static int hash_stdin(int pin)
{
	char pw[PASSWD_PW_MAX + 2], out[PASSWD_STR_MAX], err[128];
	struct rng rng;

	if (!fgets(pw, sizeof(pw), stdin))
		return fprintf(stderr, "twin-console: nothing on stdin\n"), 1;
	pw[strcspn(pw, "\r\n")] = 0;
	size_t n = strlen(pw);
	if (pin && (n < 4 || n > 8 || strspn(pw, "0123456789") != n))
		return explicit_bzero(pw, sizeof(pw)),
		       fprintf(stderr, "twin-console: a PIN is 4 to 8 digits\n"), 1;
	if (rng_init(&rng, "twin-console", err, sizeof(err)) < 0)
		return explicit_bzero(pw, sizeof(pw)), fprintf(stderr, "twin-console: %s\n", err), 1;
	int r = passwd_hash(pw, PASSWD_ITER_DEFAULT, &rng, out, sizeof(out), err, sizeof(err));
	explicit_bzero(pw, sizeof(pw));
	rng_free(&rng);
	if (r < 0)
		return fprintf(stderr, "twin-console: %s\n", err), 1;
	printf("%s%s\n", pin ? "console_lcd_pin " : "", out);
	return 0;
}

int main(int argc, char **argv)
{
	const char *conf = "/etc/twin/twin.conf", *sock = NULL, *lcd = NULL, *keys = NULL, *helpers = NULL;
	int shell = 0, want_lcd = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			conf = argv[++i];
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			sock = argv[++i];
		else if (!strcmp(argv[i], "--shell"))
			shell = 1;
		else if (!strcmp(argv[i], "--lcd")) {
			want_lcd = 1;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				lcd = argv[++i];
		} else if (!strcmp(argv[i], "--keys") && i + 1 < argc)
			keys = argv[++i];
		else if (!strcmp(argv[i], "--helpers") && i + 1 < argc)
			helpers = argv[++i];
		else if (!strcmp(argv[i], "--pin-hash") || !strcmp(argv[i], "--password-hash"))
			return hash_stdin(!strcmp(argv[i], "--pin-hash"));
		else
			return usage();
	}
	/* on a terminal the screen is ours: messages go to syslog only */
	log_open("twin-console", !want_lcd, 0);
	if (!want_lcd && isatty(STDERR_FILENO) && !freopen("/dev/null", "w", stderr))
		return 1;
	struct twin_config cfg;
	char err[512];
	if (config_parse_file(conf, &cfg, err, sizeof(err)) < 0) {
		/* the status still shows; actions stay locked as the defaults say */
		log_warn("console: %s: using the defaults", err);
		config_defaults(&cfg);
	}
	char host[256] = "127.0.0.1";
	long long port = 13666;
	if (lcd) {
		snprintf(host, sizeof(host), "%s", lcd);
		char *colon = strrchr(host, ':');
		if (colon) {
			*colon = 0;
			if (parse_ll(colon + 1, 1, 65535, &port) < 0)
				return fprintf(stderr, "twin-console: '%s' is not HOST:PORT\n", lcd), 2;
		}
	}
	static struct console c;
	if (console_open(&c, &cfg, sock, helpers, want_lcd ? MENU_LCD : MENU_SERIAL, want_lcd ? 16 : 80,
			 want_lcd ? 2 : 24, shell, err, sizeof(err)) < 0)
		return fprintf(stderr, "twin-console: %s\n", err), 1;
	running = &c;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN); /* Ctrl-C is a key here, never an exit */
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	int rc = want_lcd ? console_run_lcd(&c, host, (int)port, keys)
			  : console_run_tty(&c, STDIN_FILENO, STDOUT_FILENO);
	console_close(&c);
	return rc < 0 ? 1 : 0;
}
