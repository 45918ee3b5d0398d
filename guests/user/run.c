/*
 * run: a shell-less command runner. Each line of FILE is a command (words separated by
 * spaces; '#' starts a comment); run executes them one after another from /bin, prints
 * "run: <command>: exit N" for each, and exits with the number of commands that failed.
 *
 *   run FILE
 */
#include "user.h"

#define MAXLINE 256
#define MAXW 16

static int runline(char *line)
{
	char *argv[MAXW + 1];
	int argc = 0;
	for (char *p = line; *p && argc < MAXW;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	argv[argc] = 0;
	char path[64];
	if (strchr(argv[0], '/'))
		snprintf(path, sizeof path, "%s", argv[0]);
	else
		snprintf(path, sizeof path, "/bin/%s", argv[0]);
	int t0 = clock();
	int pid = fork();
	if (pid == 0) {
		exec(path, argv);
		printf("run: cannot exec %s\n", path);
		exit(127);
	}
	int st = -1;
	if (pid < 0 || wait(&st) != pid)
		st = -1;
	char cmd[MAXLINE];
	int n = 0;
	for (int i = 0; i < argc; i++)
		n += snprintf(cmd + n, sizeof cmd - n, i ? " %s" : "%s", argv[i]);
	printf("run: %s: exit %d (%d ms)\n", cmd, st, clock() - t0);
	return st;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		printf("usage: run FILE\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("run: cannot open %s\n", argv[1]);
		return 2;
	}
	static char text[8192];
	int n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0)
		n = 0;
	text[n] = 0;
	int failed = 0, ran = 0;
	for (char *line = text; line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p) {
			ran++;
			if (runline(p) != 0)
				failed++;
		}
		line = nl;
	}
	printf("run: %d commands, %d failed\n", ran, failed);
	return failed;
}
