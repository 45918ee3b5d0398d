/*
 * smp: two CPUs (bare: --cpus-per-node 2) or two VCPUs (monitor: --vcpus 2) of one image.
 * CPU 0 starts CPU 1 through the node controller (START_PC at _secondary, a stack, an
 * argument); both add to one counter with ll/sc; CPU 1 then sends CPU 0 an IPI, which wakes
 * it from `wait`, and sleeps in `wait` with interrupts off for good (a VCPU that can never
 * wake is parked; the VM goes on). The output is the same bare and virtualized.
 */
#include "vt.h"

#define NC(off)		(*(volatile u32 *)KSEG1(0x1f200000u + (off)))
#define NC_CPU_ID	0x00
#define NC_NCPUS	0x08
#define NC_IPI_SEND	0x20
#define NC_START_PC	0x30
#define NC_START_SP	0x34
#define NC_START_ARG	0x38
#define NC_START	0x3c
#define NC_RUNNING	0x40

#define ROUNDS		20000

static volatile u32 counter;
static volatile u32 started, done, seen_id, seen_arg, seen_cpuid;
static u32 stack1[2048] __attribute__((aligned(16)));

static void add(volatile u32 *p, u32 n)
{
	u32 t;
	__asm__ __volatile__("1: ll %0, 0(%1)\n\taddu %0, %0, %2\n\tsc %0, 0(%1)\n\tbeqz %0, 1b\n\tnop"
			     : "=&r"(t) : "r"(p), "r"(n) : "memory");
}

void secondary(u32 arg, u32 cpu)
{
	seen_arg = arg;
	seen_id = cpu;
	seen_cpuid = NC(NC_CPU_ID);
	started = 1;
	for (u32 i = 0; i < ROUNDS; i++)
		add(&counter, 1);
	done = 1;
	NC(NC_IPI_SEND) = 0;
}

int main(void)
{
	u32 n = NC(NC_NCPUS);
	printf("smp: %u CPUs, this is CPU %u\n", n, NC(NC_CPU_ID));
	if (n < 2) {
		printf("smp: needs two CPUs\n");
		return 1;
	}
	checkx(NC(NC_RUNNING) & 3, 1, "only CPU 0 runs at first");
	NC(NC_START_PC) = (u32)_secondary;	/* linked in kseg0, like the vectors */
	NC(NC_START_SP) = (u32)(stack1 + 2048);
	NC(NC_START_ARG) = 0x5eed;
	mtc0(12, 0, ST_IM(6));		/* IPIs unmasked, IE off until we wait */
	NC(NC_START) = 1;
	while (!started)
		;
	checkx(NC(NC_RUNNING) & 3, 3, "CPU 1 runs after START");
	checkx(seen_arg, 0x5eed, "CPU 1 got START_ARG in a0");
	checkx(seen_id, 1, "... and its number in a1");
	checkx(seen_cpuid, 1, "... and reads CPU_ID 1");
	for (u32 i = 0; i < ROUNDS; i++)
		add(&counter, 1);
	/* The IPI may land between the test and the wait: a periodic timer is the backstop. */
	vt_tick_period = 50000;
	mtc0(11, 0, mfc0(9, 0) + vt_tick_period);
	mtc0(12, 0, ST_IM(6) | ST_IM(7) | ST_IE);
	while (vt_ipis == 0)
		__asm__ __volatile__("wait");
	mtc0(12, 0, 0);
	vt_tick_period = 0;
	checkx(done, 1, "CPU 1 finished before its IPI");
	checkx(vt_ipis, 1, "one IPI woke CPU 0 from wait");
	checkx(counter, 2 * ROUNDS, "ll/sc: no increment lost");
	printf("smp: %d failure(s)\n", vt_failures);
	return vt_failures ? 1 : 0;
}
