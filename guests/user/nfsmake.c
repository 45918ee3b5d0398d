/*
 * nfsmake: the pmake workload as an NFS client (Disco SOSP '97 4.2.6): the sources and headers
 * come from another VM's /pm (mounted over the virtual subnet), one /bin/cc job per source,
 * J at a time, objects written locally, then hashed in order as pmake does.
 *
 *   nfsmake HOST [-j J] [NFILES]    (the server ran `pmake NFILES KIB` to make the tree)
 *
 * Output: "nfsmake: N jobs, J parallel, checksum XXXXXXXX", the same checksum as the server's
 * pmake, since the objects are the same.
 */
#include "user.h"
#include "nfs.h"

static int start_job(int k)
{
	char src[32], obj[32];
	snprintf(src, sizeof src, "/pm/src/f%d.c", k);
	snprintf(obj, sizeof obj, "/pm/obj/f%d.o", k);
	int pid = fork();
	if (pid == 0) {
		char *argv[] = { "cc", src, obj, 0 };
		exec("/bin/cc", argv);
		printf("nfsmake: cannot exec /bin/cc\n");
		exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	sysinfo(&si);
	int jobs = 2 * si.ncpu, nfiles = 16, ai = 2;
	if (argc < 2) {
		printf("usage: nfsmake HOST [-j J] [NFILES]\n");
		return 2;
	}
	int host = atoi(argv[1]);
	if (argc > 3 && strcmp(argv[2], "-j") == 0) {
		jobs = atoi(argv[3]);
		ai = 4;
	}
	if (argc > ai)
		nfiles = atoi(argv[ai]);
	if (jobs < 1 || nfiles < 1) {
		printf("usage: nfsmake HOST [-j J] [NFILES]\n");
		return 2;
	}
	if (nfsmount(host, "/pm/src") < 0 || nfsmount(host, "/pm/inc") < 0) {
		printf("nfsmake: cannot mount /pm/src and /pm/inc from host %d\n", host);
		return 1;
	}
	mkdir("/pm");
	mkdir("/pm/obj");

	int next = 0, running = 0, failed = 0;
	while (next < nfiles || running > 0) {
		while (running < jobs && next < nfiles) {
			if (start_job(next) < 0) {
				printf("nfsmake: fork failed\n");
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
		printf("nfsmake: %d jobs failed\n", failed);
		return 1;
	}
	u32 h = FNV_INIT;
	static char buf[4096];
	char path[32];
	for (int k = 0; k < nfiles; k++) {
		snprintf(path, sizeof path, "/pm/obj/f%d.o", k);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("nfsmake: %s missing\n", path);
			return 1;
		}
		int n;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			h = fnv(h, buf, n);
		close(fd);
	}
	printf("nfsmake: %d jobs, %d parallel, checksum %x\n", nfiles, jobs, h);
	return 0;
}
