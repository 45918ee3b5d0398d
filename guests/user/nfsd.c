/*
 * nfsd: export this VM's file system read-only on the virtual subnet (guests/kernel/nfs.c).
 *
 *   nfsd [NCLIENTS]    serve until NCLIENTS clients said bye (default 0: until killed)
 */
#include "user.h"
#include "nfs.h"

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	if (netinfo(NI_ADDR) < 0) {
		printf("nfsd: no network (run under the disco monitor)\n");
		return 1;
	}
	printf("nfsd: host %d serving / read-only for %d client%s\n", netinfo(NI_ADDR), n, n == 1 ? "" : "s");
	int served = nfsd(n);
	if (served < 0) {
		printf("nfsd: failed\n");
		return 1;
	}
	printf("nfsd: %d requests served, %d messages sent\n", served, netinfo(NI_SENT));
	return 0;
}
