/*
 * Runtime of the monitor test guests: the exception handler's policy (vt_trap), checks, TLB
 * helpers and monitor calls. Identical behaviour bare and under the monitor is the point:
 * nothing here asks which one it runs on except under_monitor().
 */
#include "vt.h"

volatile u32 vt_action;
volatile u32 vt_resume;
volatile struct fill vt_fill;
volatile struct exc vt_last;
volatile u32 vt_refill_mode;
volatile u32 vt_ticks;
volatile u32 vt_tick_period;
volatile u32 vt_softints;
volatile u32 vt_ipis;

/* The secondary CPUs' work; a program that starts CPUs defines it. */
__attribute__((weak)) void secondary(u32 arg, u32 cpu)
{
	(void)arg;
	(void)cpu;
}
u32 vt_memsize;
int vt_failures;
int (*vt_hook)(struct frame *f);

static void record(struct frame *f)
{
	vt_last.count++;
	vt_last.vec = f->vec;
	vt_last.cause = f->cause;
	vt_last.epc = f->epc;
	vt_last.badvaddr = f->badvaddr;
	vt_last.status = f->status;
	vt_last.entryhi = f->entryhi;
	vt_last.context = f->context;
}

/* Interrupts: the timer (re-armed every vt_tick_period ticks, or disarmed) and IP0/IP1. */
static void interrupt(struct frame *f)
{
	u32 pending = f->cause & f->status & CA_IP_MASK;
	if (pending & CA_IP(7)) {
		vt_ticks++;
		if (vt_tick_period)
			mtc0(11, 0, mfc0(9, 0) + vt_tick_period);
		else {
			mtc0(11, 0, mfc0(11, 0));	/* acknowledge only */
			f->status &= ~ST_IM(7);
		}
	}
	if (pending & CA_IP(6)) {
		vt_ipis++;
		*(volatile u32 *)KSEG1(0x1f200024) = 0;	/* node controller IPI_ACK */
	}
	if (pending & (CA_IP(0) | CA_IP(1))) {
		vt_softints++;
		mtc0(13, 0, mfc0(13, 0) & ~(CA_IP(0) | CA_IP(1)));
	}
}

void vt_trap(struct frame *f)
{
	u32 code = (f->cause & CA_EXC_MASK) >> CA_EXC_SHIFT;
	if (code == EXC_INT) {
		interrupt(f);
		return;
	}
	if (vt_hook && vt_hook(f))
		return;
	record(f);
	u32 act = vt_action;
	vt_action = ACT_NONE;
	switch (act) {
	case ACT_SKIP:
		f->epc += 4;
		return;
	case ACT_FILL:
		mtc0(0, 0, vt_fill.index);
		mtc0(2, 0, vt_fill.lo0);
		mtc0(3, 0, vt_fill.lo1);
		mtc0(5, 0, vt_fill.mask);
		__asm__ __volatile__("tlbwi\n\tehb" ::: "memory");
		mtc0(5, 0, 0);
		return;
	case ACT_RESUME:
		f->epc = vt_resume;
		f->status &= ~ST_KSU_MASK;
		return;
	case ACT_RETRY:
		return;
	default:
		printf("not ok - unexpected exception %u (cause 0x%08x) at 0x%08x, badvaddr 0x%08x, vector %u\n",
		       code, f->cause, f->epc, f->badvaddr, f->vec);
		exit(3);
	}
}

void check(int cond, const char *name)
{
	if (cond)
		printf("ok - %s\n", name);
	else {
		printf("not ok - %s\n", name);
		vt_failures++;
	}
}

void checkx(u32 got, u32 want, const char *name)
{
	if (got == want)
		printf("ok - %s\n", name);
	else {
		printf("not ok - %s (got 0x%08x, want 0x%08x)\n", name, got, want);
		vt_failures++;
	}
}

void tlb_write(u32 index, u32 hi, u32 lo0, u32 lo1, u32 mask)
{
	u32 old = mfc0(10, 0);
	mtc0(0, 0, index);
	mtc0(10, 0, hi);
	mtc0(2, 0, lo0);
	mtc0(3, 0, lo1);
	mtc0(5, 0, mask);
	__asm__ __volatile__("tlbwi\n\tehb" ::: "memory");
	mtc0(5, 0, 0);
	mtc0(10, 0, old);
}

void tlb_clear(u32 index)
{
	tlb_write(index, 0x80000000u + (index << 13), 0, 0, 0);
}

struct hc hcall(u32 fn, u32 a0, u32 a1, u32 a2, u32 a3)
{
	register u32 v0 __asm__("$2") = HCALL_BASE + fn;
	register u32 v1 __asm__("$3") = 0;
	register u32 r4 __asm__("$4") = a0;
	register u32 r5 __asm__("$5") = a1;
	register u32 r6 __asm__("$6") = a2;
	register u32 r7 __asm__("$7") = a3;
	__asm__ __volatile__("syscall" : "+r"(v0), "+r"(v1) : "r"(r4), "r"(r5), "r"(r6), "r"(r7) : "memory");
	struct hc r = { v0, v1 };
	return r;
}

/*
 * The probe: a syscall in kernel mode with v0 = HCALL_BASE. Bare, it is an ordinary Sys
 * exception: our handler skips it and v0 keeps its value (not the magic).
 */
int under_monitor(void)
{
	static int known = -1;
	if (known < 0) {
		vt_action = ACT_SKIP;
		struct hc r = hcall(0, 0, 0, 0, 0);
		vt_action = ACT_NONE;
		known = r.v0 == HCALL_MAGIC;
		if (!known)
			vt_last.count--;	/* the bare probe's Sys does not count as a test exception */
	}
	return known;
}
