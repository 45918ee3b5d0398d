/*
 * System call numbers; shared with user programs (guests/user/usys.S).
 * ABI: v0 = number, a0..a3 = arguments, `syscall`; result in v0 (-1 on error).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#define SYS_fork	1
#define SYS_exit	2
#define SYS_wait	3
#define SYS_getpid	4
#define SYS_sbrk	5
#define SYS_read	6
#define SYS_write	7
#define SYS_open	8
#define SYS_close	9
#define SYS_exec	10
#define SYS_clock	11	/* milliseconds of simulated time since boot */
#define SYS_sleep	12	/* sleep n milliseconds */
#define SYS_fstat	13
#define SYS_unlink	14
#define SYS_mkdir	15
#define SYS_chdir	16
#define SYS_dup		17
#define SYS_lseek	18
#define SYS_kill	19
#define SYS_pin		20	/* pin the caller to a CPU (-1: any) */
#define SYS_sysinfo	21	/* struct sysinfo */
#define NSYSCALL	22

/* The virtual subnet and the network file protocol (net.c, nfs.c; docs/network.md). */
#define SYS_netinfo	40	/* netinfo(sel): address, hosts, counters; -1 without a network */
#define SYS_nfsd	41	/* nfsd(nclients): serve the file system until nclients said bye */
#define SYS_nfsmount	42	/* nfsmount(host, path): path and below come from host */
#define SYS_nfsbye	43	/* nfsbye(host): tell host's nfsd this client is done */

#ifndef __ASSEMBLER__
/* sysinfo(): what user programs may know about the machine */
struct sysinfo {
	unsigned int ncpu;
	unsigned int memsize;	/* bytes of RAM */
	unsigned int freepages;
	unsigned int monitor;	/* 1 under the disco monitor, 0 on the bare machine */
	unsigned int ticks;	/* milliseconds since boot */
	unsigned int nproc;	/* processes in use */
};
#endif

/*
 * Monitor calls ("hypercalls", DESIGN.md 3): a `syscall` executed in kernel (bare) or
 * supervisor (virtualized) mode with v0 = HCALL_BASE + function. The monitor answers in
 * v0/v1; on the bare machine the kernel's own handler answers v0 = 0.
 */
#define HCALL_BASE	0x4d430000u	/* "MC" */
#define HCALL_PROBE	(HCALL_BASE + 0)
#define HCALL_MAGIC	0x4f435344u	/* "DSCO": the probe's answer under the monitor */

#endif
