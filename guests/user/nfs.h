/*
 * The network system calls of the guest kernel (guests/kernel/nfs.c, docs/network.md), for
 * the nfs* programs: stubs of their own, so the C library stays as it is.
 */
#ifndef USER_NFS_H
#define USER_NFS_H

#include "syscall.h"

static inline int nsys(int num, int a0, int a1)
{
	register int v0 __asm__("$2") = num;
	register int r4 __asm__("$4") = a0, r5 __asm__("$5") = a1;
	__asm__ __volatile__("syscall" : "+r"(v0), "+r"(r4), "+r"(r5) : : "$3", "$6", "$7", "memory");
	return v0;
}

/* netinfo selectors: address, hosts, sent, received, remapped, dropped, retried sends,
 * NFS lookups, NFS block reads, cache hits, requests served, NFS requests sent again */
enum { NI_ADDR, NI_HOSTS, NI_SENT, NI_RECEIVED, NI_REMAPPED, NI_DROPPED, NI_RETRIED, NI_LOOKUPS, NI_READS, NI_HITS, NI_SERVED, NI_RESENT };

static inline int netinfo(int sel) { return nsys(SYS_netinfo, sel, 0); }
static inline int nfsd(int nclients) { return nsys(SYS_nfsd, nclients, 0); }
static inline int nfsmount(int host, const char *path) { return nsys(SYS_nfsmount, host, (int)path); }
static inline int nfsbye(int host) { return nsys(SYS_nfsbye, host, 0); }

#endif
