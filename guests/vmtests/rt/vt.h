/*
 * Runtime of the monitor test guests (guests/vmtests): boot both ways (bare: the stub maps the
 * window with wired 16 MiB pages; under the monitor: the monitor maps it), exception capture,
 * monitor calls. See guests/vmtests/README.md.
 */
#ifndef VT_H
#define VT_H

#include "mips.h"
#ifndef __ASSEMBLER__
#include "guest.h"
#endif

#define WINDOW		0xC0000000u
#define P2W(pa)		((void *)((u32)(pa) + WINDOW))
#define W2P(va)		((u32)(va) - WINDOW)

/* trap frame (rt/vec.S) */
#define F_REG(n)	((n) * 4)
#define F_LO		128
#define F_HI		132
#define F_EPC		136
#define F_CAUSE		140
#define F_STATUS	144
#define F_BADVADDR	148
#define F_ENTRYHI	152
#define F_CONTEXT	156
#define F_VEC		160
#define F_SIZE		164

#define VEC_REFILL	1
#define VEC_GENERAL	2

#ifndef __ASSEMBLER__
struct frame {
	u32 r[32];
	u32 lo, hi, epc, cause, status, badvaddr, entryhi, context, vec;
};

/* What the next exception handler does (vt_action): one-shot, back to ACT_NONE after use. */
enum {
	ACT_NONE,	/* unexpected: report and exit(3) */
	ACT_SKIP,	/* EPC += 4 (not for delay slots) */
	ACT_FILL,	/* tlbwi vt_fill at vt_fill.index with the EntryHi the CPU loaded; retry */
	ACT_RESUME,	/* continue at vt_resume in kernel mode (KSU cleared) */
	ACT_RETRY,	/* just eret (the test changed something) */
};

struct fill { u32 index, lo0, lo1, mask; };

/* the last exception taken (copied from the frame) */
struct exc {
	u32 count, vec, cause, epc, badvaddr, status, entryhi, context;
};

extern volatile u32 vt_action;
extern volatile u32 vt_resume;
extern volatile struct fill vt_fill;
extern volatile struct exc vt_last;
extern volatile u32 vt_refill_mode;	/* 1: the VPT refill fast path at the refill vector; 2: the
					   same, reading Context and writing EntryLo through the
					   monitor's privileged-register page (monitor only) */
extern volatile u32 vt_ticks;		/* timer interrupts taken */
extern volatile u32 vt_tick_period;	/* Count ticks between timer interrupts (0: one-shot) */
extern volatile u32 vt_softints;	/* software interrupts taken */
extern volatile u32 vt_ipis;		/* IPIs taken (node controller IP6, acknowledged) */

/* Entry points of CPUs started through the node controller (boot.S): START_PC = KSEG0 of
   _secondary; they run secondary(arg, cpu) on the stack START_SP, then sleep. */
extern char _secondary[];
void secondary(u32 arg, u32 cpu);
extern u32 vt_memsize;
extern char __image_end[];

/* Called from rt/vec.S with the saved frame (EXL set, interrupts off). */
void vt_trap(struct frame *f);

/* If set, offered every exception first (before vt_action); returns 1 if it handled it. */
extern int (*vt_hook)(struct frame *f);

/* monitor calls (docs/hypercalls.md) */
#define HCALL_BASE	0x4d430000u
#define HCALL_MAGIC	0x4f435344u
struct hc { u32 v0, v1; };
struct hc hcall(u32 fn, u32 a0, u32 a1, u32 a2, u32 a3);
int under_monitor(void);	/* the probe, cached */

/* exc code of the last exception */
#define LAST_CODE()	((vt_last.cause & CA_EXC_MASK) >> CA_EXC_SHIFT)

/* checks: "ok - name" or "not ok - name (detail)"; failures counted for the exit code */
extern int vt_failures;
void check(int cond, const char *name);
void checkx(u32 got, u32 want, const char *name);

/* TLB helpers */
void tlb_write(u32 index, u32 hi, u32 lo0, u32 lo1, u32 mask);
void tlb_clear(u32 index);	/* a distinct, never-matching kseg0 VPN2 */
#define PFN(pa)		(((u32)(pa) >> 12) << 6)
#define LO_C		LO_C_CACHED	/* LO_V, LO_D, LO_G: mips.h */
#endif

#endif
