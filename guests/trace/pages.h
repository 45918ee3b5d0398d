/*
 * pages: shared layout between pages.c (the kernel part) and pages.S (vectors,
 * TLB handlers, the user program). See pages.c for what the image does.
 *
 * Data region: user VA DATA_VA + k*4K maps to PA DATA_PA + k*4K, k < DATA_PAGES
 * (the refill handler computes the mapping, there is no page table).
 */
#ifndef TRACE_PAGES_H
#define TRACE_PAGES_H

#define DATA_VA		0x40000000
#define DATA_PA		0x02000000	/* 32 MiB: above the image, below 64 MiB */
#define DATA_PAGES	4096		/* 16 MiB */

/* what the user program does at each page */
#define OP_LOAD		0
#define OP_STORE	1
#define OP_FETCH	2		/* jalr to the page, which holds "jr ra; nop" */

/* struct kdata field offsets (pages.S reads them with only k0/k1 free) */
#define KD_SAVE		0		/* t0..t2 saved by the handlers */
#define KD_REFILLS	16		/* TLB refill exceptions handled */
#define KD_INVALIDS	20		/* TLB invalid exceptions handled */
#define KD_MODS		24		/* TLB modified exceptions handled */
#define KD_LOFLAGS	28		/* EntryLo bits the refill handler sets: C|V, plus D unless clean */
#define KD_LAZY		32		/* nonzero: refill validates only the faulting page of the pair */
#define KD_RRNEXT	36		/* next index for round-robin tlbwi */
#define KD_RRFIRST	40		/* first replaceable index (= Wired) */
#define KD_RANDOM	44		/* nonzero: tlbwr instead of round-robin tlbwi */
#define KD_RESUME	48		/* kernel continuation after the user program's syscall */
#define KD_KSP		52		/* kernel sp, ra and s0..s7 across the user program */
#define KD_KRA		56
#define KD_KS		60		/* 8 words */
#define KD_SIZE		92

/* exit codes of a run that goes wrong (from the handlers, via the halt register) */
#define FAIL_RANGE	97		/* refill outside the data region */
#define FAIL_PROBE	98		/* invalid/modified exception with no matching entry */
#define FAIL_EXC	99		/* any other exception */

#ifndef __ASSEMBLER__
struct kdata {
	u32 save[4];
	u32 refills, invalids, mods;
	u32 lo_flags, lazy, rr_next, rr_first, random;
	u32 resume, ksp, kra, ks[8];
};
extern struct kdata kd;
extern char vectors[];		/* EBase: 4 KiB aligned, refill at +0, general at +0x180 */
extern char touch[];		/* the user program */

/* Run `touch` at `entry` in mode `ksu` (Status.KSU) until it executes syscall. */
void run_program(u32 entry, u32 ksu, u32 base, u32 count, u32 stride, u32 op, u32 passes);
#endif

#endif
