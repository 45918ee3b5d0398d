/*
 * init: the first process. Runs the command given on the kernel command line (default:
 * "demo") from /bin, reaps orphans, and exits with the command's status, which ends the run
 * with that status (the kernel halts the machine when init exits).
 */
#include "user.h"

int main(int argc, char **argv)
{
	static char *dflt[] = { "demo", 0 };
	char **cmd = argc > 1 ? argv + 1 : dflt;
	char path[64];
	if (strchr(cmd[0], '/'))
		snprintf(path, sizeof path, "%s", cmd[0]);
	else
		snprintf(path, sizeof path, "/bin/%s", cmd[0]);

	int pid = fork();
	if (pid < 0) {
		printf("init: fork failed\n");
		return 1;
	}
	if (pid == 0) {
		exec(path, cmd);
		printf("init: cannot exec %s\n", path);
		exit(127);
	}
	for (;;) {
		int status;
		int w = wait(&status);
		if (w == pid)
			return status;
		if (w < 0) {
			printf("init: wait failed\n");
			return 1;
		}
	}
}
