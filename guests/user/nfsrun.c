/*
 * nfsrun: one command line for every VM of an NFS configuration (Disco SOSP '97 4.2.6): the
 * VM at address 0 is the server, the others are clients.
 *
 *   nfsrun make NFILES KIB [J]   server: `pmake -j J NFILES KIB` makes the source tree (and the
 *                                reference checksum), then `nfsd HOSTS-1`; clients:
 *                                `nfsmake 0 -j J NFILES` compile the server's sources
 *   nfsrun cat [-s] PATH...      server: `nfsd HOSTS-1`; clients: `nfscat [-s] 0 PATH` each
 *
 * Clients say bye to the server at the end; everyone prints its network counters.
 */
#include "user.h"
#include "nfs.h"

static int run(char **argv)
{
	char path[64];
	snprintf(path, sizeof path, "/bin/%s", argv[0]);
	int pid = fork();
	if (pid == 0) {
		exec(path, argv);
		printf("nfsrun: cannot exec %s\n", path);
		exit(127);
	}
	int st = -1;
	if (pid < 0 || wait(&st) != pid)
		return -1;
	return st;
}

int main(int argc, char **argv)
{
	int make = argc > 1 && strcmp(argv[1], "make") == 0, cat = argc > 1 && strcmp(argv[1], "cat") == 0;
	if ((!make || argc < 4) && (!cat || argc < 3)) {
		printf("usage: nfsrun make NFILES KIB [J] | nfsrun cat [-s] PATH...\n");
		return 2;
	}
	int addr = netinfo(NI_ADDR), hosts = netinfo(NI_HOSTS);
	if (addr < 0) {
		printf("nfsrun: no network (run under the disco monitor with --vms)\n");
		return 1;
	}
	char nclients[12], host0[] = "0";
	snprintf(nclients, sizeof nclients, "%d", hosts - 1);
	char *j = make && argc > 4 ? argv[4] : "2";
	int st = 0;
	if (addr == 0) {
		if (make) {
			char *pm[] = { "pmake", "-j", j, argv[2], argv[3], 0 };
			st = run(pm);
		}
		if (st == 0) {
			char *nd[] = { "nfsd", nclients, 0 };
			st = run(nd);
		}
	} else {
		if (make) {
			char *nm[] = { "nfsmake", host0, "-j", j, argv[2], 0 };
			st = run(nm);
		} else {
			int sum = strcmp(argv[2], "-s") == 0;
			for (int i = 2 + sum; i < argc && st == 0; i++) {
				char *nc[] = { "nfscat", sum ? "-s" : host0, host0, argv[i], 0 };
				if (!sum)
					nc[2] = argv[i], nc[3] = 0;
				st = run(nc);
			}
		}
		if (nfsbye(0) < 0)
			printf("nfsrun: bye to host 0 failed\n");
	}
	printf("nfsrun: host %d: %d sent, %d received (%d pages remapped), %d lookups, %d block reads, %d cache hits, %d served, %d resent\n",
	       addr, netinfo(NI_SENT), netinfo(NI_RECEIVED), netinfo(NI_REMAPPED), netinfo(NI_LOOKUPS),
	       netinfo(NI_READS), netinfo(NI_HITS), netinfo(NI_SERVED), netinfo(NI_RESENT));
	return st;
}
