/*
 * The make part of pmake and nfsmake (one copy): run one /bin/cc job per source, J at a time,
 * then hash the objects in order. Sources are DIR/src/fK.c, objects DIR/obj/fK.o (DIR is /pm,
 * or /pmI for instance I of `pmake -n`).
 */
#ifndef USER_MAKE_H
#define USER_MAKE_H

#include "user.h"

/* Start `cc DIR/src/fK.c DIR/obj/fK.o`; the child's pid, or -1. */
static int make_start_job(const char *who, const char *dir, int k)
{
	char src[48], obj[48];
	snprintf(src, sizeof src, "%s/src/f%d.c", dir, k);
	snprintf(obj, sizeof obj, "%s/obj/f%d.o", dir, k);
	int pid = fork();
	if (pid == 0) {
		char *argv[] = { "cc", src, obj, 0 };
		exec("/bin/cc", argv);
		printf("%s: cannot exec /bin/cc\n", who);
		exit(127);
	}
	return pid;
}

/* make -j: keep `jobs` compilers running until all `nfiles` are done; 0, or 1 after saying why. */
static int make_compile(const char *who, const char *dir, int nfiles, int jobs)
{
	int next = 0, running = 0, failed = 0;
	while (next < nfiles || running > 0) {
		while (running < jobs && next < nfiles) {
			if (make_start_job(who, dir, next) < 0) {
				printf("%s: fork failed\n", who);
				return 1;
			}
			next++;
			running++;
		}
		int st;
		if (wait(&st) < 0)
			break;
		running--;
		if (st != 0)
			failed++;
	}
	if (failed) {
		printf("%s: %d jobs failed\n", who, failed);
		return 1;
	}
	return 0;
}

/* link: FNV-1a over the objects in order, read through buf; 0, or 1 after saying why. */
static int make_link(const char *who, const char *dir, int nfiles, char *buf, int size, u32 *hash)
{
	u32 h = FNV_INIT;
	char path[48];
	for (int k = 0; k < nfiles; k++) {
		snprintf(path, sizeof path, "%s/obj/f%d.o", dir, k);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("%s: %s missing\n", who, path);
			return 1;
		}
		int n;
		while ((n = read(fd, buf, size)) > 0)
			h = fnv(h, buf, n);
		close(fd);
	}
	*hash = h;
	return 0;
}

#endif
