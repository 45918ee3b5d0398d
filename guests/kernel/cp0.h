/*
 * CP0 access for the kernel. Register numbers and bits come from guests/lib/mips.h (MIPS32
 * PRA chapter 9); this adds what the kernel needs beyond them.
 */
#ifndef KERNEL_CP0_H
#define KERNEL_CP0_H

#include "mips.h"

#define C0_EBASE	$15, 1
#define C0_CONFIG1	$16, 1
#define C0_INTCTL	$12, 1
#define C0_USERLOCAL	$4, 2

#define ST_IM_KERNEL	(ST_IM(7) | ST_IM(6) | ST_IM(4) | ST_IM(3))	/* timer, IPI, network (net.c), virtio disk */

#ifndef __ASSEMBLER__
#define mfc0(reg, sel) ({ u32 __v; \
	__asm__ __volatile__("mfc0 %0, $" #reg ", " #sel : "=r"(__v)); __v; })
#define mtc0(reg, sel, v) \
	__asm__ __volatile__("mtc0 %z0, $" #reg ", " #sel "\n\tehb" :: "Jr"((u32)(v)) : "memory")

#define CP0_INDEX	0
#define CP0_ENTRYLO0	2
#define CP0_ENTRYLO1	3
#define CP0_CONTEXT	4
#define CP0_PAGEMASK	5
#define CP0_WIRED	6
#define CP0_HWRENA	7
#define CP0_BADVADDR	8
#define CP0_COUNT	9
#define CP0_ENTRYHI	10
#define CP0_COMPARE	11
#define CP0_STATUS	12
#define CP0_CAUSE	13
#define CP0_EPC		14

/*
 * Interrupt masking. Under the monitor (machine_monitor, set by the boot probe) Status.IE lives
 * in the privileged-register page (docs/monitor.md): clearing or testing it is a plain load or
 * store instead of a trapping di/mfc0, and enabling traps (ei) only when an interrupt is
 * already pending. On the bare machine these are the real instructions.
 */
extern int machine_monitor;
#define PRIV_PAGE	((volatile u32 *)0xD0000000u)
#define PRIV_STATUS	0		/* word index: Status (only IE writable) */
#define PRIV_PENDING	(0x3C / 4)	/* Cause.IP & Status.IM at the last monitor exit */

static inline void intr_on(void)
{
	if (machine_monitor) {
		PRIV_PAGE[PRIV_STATUS] |= ST_IE;
		__asm__ __volatile__("" ::: "memory");
		if (PRIV_PAGE[PRIV_PENDING] == 0)
			return;
	}
	__asm__ __volatile__("ei\n\tehb" ::: "memory");
}

static inline void intr_off(void)
{
	if (machine_monitor) {
		PRIV_PAGE[PRIV_STATUS] &= ~ST_IE;
		__asm__ __volatile__("" ::: "memory");
		return;
	}
	__asm__ __volatile__("di\n\tehb" ::: "memory");
}

static inline int intr_get(void)
{
	if (machine_monitor)
		return (PRIV_PAGE[PRIV_STATUS] & ST_IE) != 0;
	return (mfc0(12, 0) & ST_IE) != 0;
}
static inline u32 read_count(void) { return mfc0(9, 0); }
#endif

#endif
