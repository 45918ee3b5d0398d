/*
 * System call dispatch. Arguments are in a0..a3 of the trap frame; the result goes to v0.
 * A bad call number or a bad pointer argument kills the caller with a message.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "syscall.h"
#include "defs.h"

int argint(int n)
{
	return (int)myproc()->tf->regs[R_A0 + n];
}

u32 argaddr(int n)
{
	return myproc()->tf->regs[R_A0 + n];
}

/* Fetch the word at user address addr. */
int fetchaddr(u32 addr, u32 *ip)
{
	struct proc *p = myproc();
	if (copyin(p, ip, addr, sizeof *ip) < 0) {
		setkilled(p, "bad pointer", addr);
		return -1;
	}
	return 0;
}

/* Fetch a string at user address addr; -1 (and the caller killed) if the pointer is bad. */
int fetchstr(u32 addr, char *buf, int max)
{
	struct proc *p = myproc();
	if (copyinstr(p, buf, addr, max) < 0) {
		setkilled(p, "bad string pointer", addr);
		return -1;
	}
	return 0;
}

int argstr(int n, char *buf, int max)
{
	return fetchstr(argaddr(n), buf, max);
}

int sys_fork(void);
int sys_exit(void);
int sys_wait(void);
int sys_getpid(void);
int sys_sbrk(void);
int sys_read(void);
int sys_write(void);
int sys_open(void);
int sys_close(void);
int sys_exec(void);
int sys_clock(void);
int sys_sleep(void);
int sys_fstat(void);
int sys_unlink(void);
int sys_mkdir(void);
int sys_chdir(void);
int sys_dup(void);
int sys_lseek(void);
int sys_kill(void);
int sys_pin(void);
int sys_sysinfo(void);

static int (*const syscalls[NSYSCALL])(void) = {
	[SYS_fork] = sys_fork,
	[SYS_exit] = sys_exit,
	[SYS_wait] = sys_wait,
	[SYS_getpid] = sys_getpid,
	[SYS_sbrk] = sys_sbrk,
	[SYS_read] = sys_read,
	[SYS_write] = sys_write,
	[SYS_open] = sys_open,
	[SYS_close] = sys_close,
	[SYS_exec] = sys_exec,
	[SYS_clock] = sys_clock,
	[SYS_sleep] = sys_sleep,
	[SYS_fstat] = sys_fstat,
	[SYS_unlink] = sys_unlink,
	[SYS_mkdir] = sys_mkdir,
	[SYS_chdir] = sys_chdir,
	[SYS_dup] = sys_dup,
	[SYS_lseek] = sys_lseek,
	[SYS_kill] = sys_kill,
	[SYS_pin] = sys_pin,
	[SYS_sysinfo] = sys_sysinfo,
};

void syscall(struct trapframe *tf)
{
	struct proc *p = myproc();
	u32 num = tf->regs[R_V0];
	if (num >= SYS_netinfo && num <= SYS_nfsbye) {	/* network calls: nfs.c */
		tf->regs[R_V0] = nfs_syscall(num);
		return;
	}
	if (num < NSYSCALL && syscalls[num]) {
		tf->regs[R_V0] = syscalls[num]();
	} else {
		setkilled(p, "unknown system call", num);
		tf->regs[R_V0] = -1;
	}
}
