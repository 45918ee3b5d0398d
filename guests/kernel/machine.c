/*
 * What the kernel runs on: the bare machine or the disco monitor (the probe), how to stop
 * it, and the boot arguments the loader left.
 *
 * The probe (documented in docs/kernel.md): after the exception vectors are live, the kernel
 * executes `syscall` in kernel mode with v0 = HCALL_PROBE. On the bare machine the CPU takes
 * an ordinary Sys exception into our own trap handler, which answers v0 = 0 (trap.c). Under
 * the monitor the guest kernel runs in supervisor mode and a syscall from there is a monitor
 * call: the monitor answers v0 = HCALL_MAGIC ("DSCO") and v1 = its interface version. The
 * probe has no other effect on either, so one image boots both ways.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "syscall.h"
#include "defs.h"

int machine_monitor;	/* 1 under the monitor */
u32 memsize;		/* bytes of RAM (at most MAXMEM) */

void machine_probe(void)
{
	register u32 v0 __asm__("$2") = HCALL_PROBE;
	register u32 v1 __asm__("$3") = 0;
	__asm__ __volatile__("syscall" : "+r"(v0), "+r"(v1) : : "memory");
	machine_monitor = v0 == HCALL_MAGIC;
}

/*
 * The node controller (cpu/nodectl.ts, physical 0x1F200000): topology, starting secondary
 * CPUs, inter-processor interrupts. Absent (a bus error on the probe) means one CPU.
 */
#define NC(off) ((volatile u32 *)KSEG1(NODECTL + (off)))
#define NC_CPU_ID	0x00
#define NC_NODE_ID	0x04
#define NC_NCPUS	0x08
#define NC_IPI_SEND	0x20
#define NC_IPI_ACK	0x24
#define NC_START_PC	0x30
#define NC_START_SP	0x34
#define NC_START_ARG	0x38
#define NC_START	0x3c

static int have_nodectl;

int machine_ncpu(void)
{
	u32 n;
	/* Under the monitor this is the VM's virtual node controller: NCPUS is its VCPU count. */
	if (peek32((u32)NC(NC_NCPUS), &n) < 0 || n < 1)
		return 1;
	have_nodectl = 1;
	return n > NCPU ? NCPU : (int)n;
}

int machine_node(void)
{
	return have_nodectl ? (int)*NC(NC_NODE_ID) : 0;
}

/* Start CPU id at pc (kseg0) with sp and a0 = arg, a1 = id. */
void machine_start_cpu(int id, u32 pc, u32 sp, u32 arg)
{
	*NC(NC_START_PC) = pc;
	*NC(NC_START_SP) = sp;
	*NC(NC_START_ARG) = arg;
	*NC(NC_START) = id;
}

void machine_ipi(int cpu)
{
	if (have_nodectl)
		*NC(NC_IPI_SEND) = cpu;
}

void machine_ipi_ack(void)
{
	if (have_nodectl)
		*NC(NC_IPI_ACK) = 0;
}

/* Stop the machine: disco's halt register takes the code, SOFTRES resets a Malta. */
void machine_halt(int code)
{
	if (machine_monitor)
		hcdisk_flush();	/* a persistent disk's writes become durable (errors ignored) */
	*(volatile u32 *)KSEG1(0x1F000600u) = (u32)code;
	*(volatile u32 *)KSEG1(0x1F000500u) = 0x42;
	for (;;)
		;
}

/*
 * Split the kernel command line (YAMON argv[1], set by `disco run --cmdline`) into words.
 * The loader's pointers are kseg0 addresses of low memory; we read them through the window.
 * Returns the number of words stored in words[] (pointers into a static copy).
 */
int bootargs(u32 argc, u32 argv, char **words, int max)
{
	static char line[256];
	if (argc < 2 || argv == 0)
		return 0;
	u32 *av = P2V(argv & 0x1fffffffu);
	const char *s = P2V(av[1] & 0x1fffffffu);
	safestrcpy(line, s, sizeof line);
	int n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		words[n++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return n;
}

/*
 * Under the monitor: a page the kernel frees goes back to the monitor (the zero_pages call,
 * docs/hypercalls.md), so a VM's machine memory follows what it uses, not what it once
 * touched (Disco section 4.2.5's memory sharing relies on small private footprints). The
 * next touch maps a fresh zeroed page (kalloc.c keeps its free stack outside the pages, so
 * a free page stays untouched until it is handed out again).
 */
void machine_give_back(u32 pa)
{
	register u32 v0 __asm__("$2") = HCALL_BASE + 8;
	register u32 r4 __asm__("$4") = pa, r5 __asm__("$5") = 1;
	__asm__ __volatile__("syscall" : "+r"(v0) : "r"(r4), "r"(r5) : "$3", "memory");
}

