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
extern char _secondary[];

static u8 cpustacks[NCPU][8192] __attribute__((aligned(16)));
static volatile int started = 1;

/* A secondary CPU, from boot.S _secondary: its PDA, timer and interrupts, then schedule. */
void ksecondary(u32 id)
{
	struct cpu *c = &cpus[id];
	c->id = id;
	tlb_init_cpu(c);
	c->node = machine_node();
	timer_init();
	mtc0(12, 0, ST_CU0 | ST_IM_KERNEL);
	__sync_fetch_and_add(&started, 1);
	scheduler();
}

void kmain(u32 argc, u32 argv, u32 envp, u32 msize)
{
	(void)envp;
	struct cpu *c = &cpus[0];
	c->id = 0;
	tlb_init_cpu(c);	/* the PDA first: locks and printf need mycpu() */
	memsize = msize;
	machine_probe();
	if (machine_monitor)
		trap_vm_vectors();	/* the paravirtual trap path (trap.c) */
	ncpu = machine_ncpu();
	c->node = machine_node();
	printf("\ndisco kernel: %s, %u MiB RAM, %u CPU%s, %u TLB entries (%u wired)\n",
	       machine_monitor ? "under the disco monitor" : "bare machine", memsize >> 20, ncpu,
	       ncpu > 1 ? "s" : "", c->tlbsize, c->wired);

	kinit(V2P(__kernel_end), memsize);
	vminit();
	procinit();
	binit();
	fileinit();
	if (machine_monitor)
		hcdisk_init();	/* the disk through monitor calls (hcdisk.c) */
	else
		virtio_disk_init();
	net_init();
	nfs_init();

	/* init's arguments: "init" and the words of the kernel command line */
	static char *words[MAXARG];
	static char *iargv[MAXARG + 1];
	int n = bootargs(argc, argv, words, MAXARG - 1);
	iargv[0] = "init";
	for (int i = 0; i < n; i++)
		iargv[i + 1] = words[i];
	iargv[n + 1] = 0;
	userinit(iargv);

	/* the other CPUs: each maps its own window and PDA, then joins the scheduler */
	for (int id = 1; id < ncpu; id++) {
		machine_start_cpu(id, (u32)_secondary, (u32)(cpustacks[id] + sizeof cpustacks[id]), memsize);
		while (started <= id)
			;
	}

	timer_init();
	mtc0(12, 0, ST_CU0 | ST_IM_KERNEL);	/* interrupts unmasked; IE comes with the scheduler */
	scheduler();
}
