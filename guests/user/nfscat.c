/*
 * nfscat: read a file from another VM's file system over the virtual subnet.
 *
 *   nfscat HOST PATH      write the file to standard output
 *   nfscat -s HOST PATH   print its size and FNV-1a checksum instead
 *
 * PATH is mounted from HOST (nfsmount) and then read with open/read like a local file.
 */
#include "user.h"
#include "nfs.h"

int main(int argc, char **argv)
{
	int sum = argc > 1 && strcmp(argv[1], "-s") == 0;
	if (argc != 3 + sum) {
		printf("usage: nfscat [-s] HOST PATH\n");
		return 2;
	}
	int host = atoi(argv[1 + sum]);
	const char *path = argv[2 + sum];
	if (nfsmount(host, path) < 0) {
		printf("nfscat: cannot mount %s from host %d\n", path, host);
		return 1;
	}
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("nfscat: %s: no such file on host %d\n", path, host);
		return 1;
	}
	static char buf[4096];
	u32 h = FNV_INIT, size = 0;
	int n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (sum)
			h = fnv(h, buf, n);
		else
			write(1, buf, n);
		size += n;
	}
	close(fd);
	if (n < 0) {
		printf("nfscat: read error\n");
		return 1;
	}
	if (sum)
		printf("nfscat: %s size %u fnv %x\n", path, size, h);
	return 0;
}
