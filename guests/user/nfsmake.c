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
#include "make.h"

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

	u32 h;
	static char buf[4096];
	if (make_compile("nfsmake", "/pm", nfiles, jobs) || make_link("nfsmake", "/pm", nfiles, buf, sizeof buf, &h))
		return 1;
	printf("nfsmake: %d jobs, %d parallel, checksum %x\n", nfiles, jobs, h);
	return 0;
}
