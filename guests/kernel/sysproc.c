/* Process system calls. */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "syscall.h"
#include "defs.h"

int sys_fork(void)
{
	return fork();
}

int sys_exit(void)
{
	exit(argint(0));
}

int sys_wait(void)
{
	return wait(argaddr(0));
}

int sys_getpid(void)
{
	return myproc()->pid;
}

/* sbrk(n): old break; the new pages are demand-zero. */
int sys_sbrk(void)
{
	u32 old = myproc()->brk;
	if (growproc(argint(0)) < 0)
		return -1;
	return (int)old;
}

int sys_clock(void)
{
	acquire(&tickslock);
	u32 t = ticks;
	release(&tickslock);
	return (int)t;
}

/* sleep(ms): at least ms timer ticks. */
int sys_sleep(void)
{
	int n = argint(0);
	struct proc *p = myproc();
	acquire(&tickslock);
	u32 t0 = ticks;
	while ((int)(ticks - t0) < n) {
		if (killed(p)) {
			release(&tickslock);
			return -1;
		}
		sleep(&ticks, &tickslock);
	}
	release(&tickslock);
	return 0;
}

int sys_kill(void)
{
	return kill(argint(0));
}

int sys_pin(void)
{
	return pin(argint(0));
}

int sys_sysinfo(void)
{
	struct sysinfo si;
	si.ncpu = ncpu;
	si.memsize = memsize;
	si.freepages = kfreepages();
	si.monitor = machine_monitor;
	acquire(&tickslock);
	si.ticks = ticks;
	release(&tickslock);
	si.nproc = nproc_used();
	if (copyout(myproc(), argaddr(0), &si, sizeof si) < 0) {
		setkilled(myproc(), "bad sysinfo pointer", argaddr(0));
		return -1;
	}
	return 0;
}
