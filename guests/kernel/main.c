/*
 * kmain: the boot CPU's path from the boot stub to the scheduler. The window is mapped (by
 * the stub on the bare machine, by the monitor otherwise); everything else is set up here.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "defs.h"

extern char __kernel_end[];

void kmain(u32 argc, u32 argv, u32 envp, u32 msize)
{
	(void)envp;
	struct cpu *c = &cpus[0];
	c->id = 0;
	tlb_init_cpu(c);	/* the PDA first: locks and printf need mycpu() */
	memsize = msize;
	machine_probe();
	printf("\ndisco kernel: %s, %u MiB RAM, %u CPU, %u TLB entries (%u wired)\n",
	       machine_monitor ? "under the disco monitor" : "bare machine", memsize >> 20, ncpu,
	       c->tlbsize, c->wired);

	kinit(V2P(__kernel_end), memsize);
	vminit();
	procinit();
	binit();
	fileinit();
	virtio_disk_init();

	/* init's arguments: "init" and the words of the kernel command line */
	static char *words[MAXARG];
	static char *iargv[MAXARG + 1];
	int n = bootargs(argc, argv, words, MAXARG - 1);
	iargv[0] = "init";
	for (int i = 0; i < n; i++)
		iargv[i + 1] = words[i];
	iargv[n + 1] = 0;
	userinit(iargv);

	timer_init();
	mtc0(12, 0, ST_CU0 | ST_IM_KERNEL);	/* interrupts unmasked; IE comes with the scheduler */
	scheduler();
}
