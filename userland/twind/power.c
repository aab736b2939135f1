#include "power.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *power_command(const struct twin_config *cfg, const char *action)
{
	if (!strcmp(action, "reboot"))
		return cfg->reboot_command;
	if (!strcmp(action, "shutdown"))
		return cfg->shutdown_command;
	return NULL;
}

int power_run(const char *cmd, char *err, size_t errlen)
{
	/* a double fork: the command is re-parented to init and reaped there,
	 * the daemon reaps only the short-lived middle child */
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* the daemon blocks signals for signalfd */
		setsid();
		if (fork() != 0)
			_exit(0);
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			if (fd > 2)
				close(fd);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}
