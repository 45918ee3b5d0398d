/*
 * pages: exception vectors, TLB handlers and the user program (see pages.c).
 *
 * Handlers (MIPS32 PRA 4.8, 6.2): the refill handler maps the faulting pair of
 * the data region (no page table: PA follows from VA) and writes it with
 * tlbwi at a round-robin index in [Wired, N-1], or with tlbwr. The general
 * handler validates a page left invalid (lazy mode), sets D on a TLB modified
 * exception (clean mode: dirty-bit emulation), and takes the user program's
 * final syscall back to the kernel. Each counts what it handled in kd.
 */
#include "mips.h"
#include "pages.h"

	.set	noreorder
	.set	noat

/* k1 = &kd; save t0..t2 (the handlers need more than k0/k1) */
.macro	ENTER
	lui	$k1, %hi(kd)
	addiu	$k1, $k1, %lo(kd)
	sw	$t0, KD_SAVE+0($k1)
	sw	$t1, KD_SAVE+4($k1)
	sw	$t2, KD_SAVE+8($k1)
.endm

.macro	LEAVE
	lw	$t0, KD_SAVE+0($k1)
	lw	$t1, KD_SAVE+4($k1)
	lw	$t2, KD_SAVE+8($k1)
	eret
.endm

/* halt the machine with exit code \code (disco's halt register) */
.macro	HALT code
	lui	$k0, %hi(DISCO_HALT)
	li	$k1, \code
	sw	$k1, %lo(DISCO_HALT)($k0)
1:	b	1b
	nop
.endm

	.section .text.vectors, "ax", @progbits
	.balign	4096
	.globl	vectors
vectors:
/* ---- EBase + 0x000: TLB refill ---- */
	.globl	refill
refill:
	ENTER
	lw	$t0, KD_REFILLS($k1)
	addiu	$t0, $t0, 1
	sw	$t0, KD_REFILLS($k1)
	mfc0	$t0, C0_BADVADDR
	lui	$t1, %hi(DATA_VA)
	subu	$t0, $t0, $t1
	srl	$t0, $t0, 13			/* pair index in the data region */
	sltiu	$t1, $t0, DATA_PAGES / 2
	beqz	$t1, refill_range
	sll	$t0, $t0, 7			/* (2 * pair) << 6: PFN field offset */
	lui	$t1, %hi(LO_PFN(DATA_PA))
	addu	$t0, $t0, $t1
	lw	$t1, KD_LOFLAGS($k1)
	or	$t0, $t0, $t1			/* even page: PFN | flags */
	addiu	$t1, $t0, 0x40			/* odd page: next PFN */
	lw	$t2, KD_LAZY($k1)
	beqz	$t2, 2f
	mfc0	$t2, C0_BADVADDR
	/* lazy: only the faulting page of the pair is valid */
	andi	$t2, $t2, 0x1000
	bnez	$t2, 1f
	nop
	b	2f
	xori	$t1, $t1, LO_V			/* even faulted: odd invalid */
1:	xori	$t0, $t0, LO_V			/* odd faulted: even invalid */
2:	mtc0	$t0, C0_ENTRYLO0
	mtc0	$t1, C0_ENTRYLO1
	lw	$t0, KD_RANDOM($k1)
	bnez	$t0, 4f
	nop
	/* round robin over [Wired, N-1], N = Config1.MMUSize + 1 (PRA 9.12) */
	lw	$t0, KD_RRNEXT($k1)
	mtc0	$t0, C0_INDEX
	addiu	$t0, $t0, 1
	mfc0	$t1, C0_CONFIG, 1
	ext	$t1, $t1, 25, 6
	addiu	$t1, $t1, 1
	bne	$t0, $t1, 3f
	nop
	lw	$t0, KD_RRFIRST($k1)
3:	sw	$t0, KD_RRNEXT($k1)
	ehb
	tlbwi
	ehb
	LEAVE
4:	ehb
	tlbwr
	ehb
	LEAVE
refill_range:
	HALT	FAIL_RANGE

/* ---- EBase + 0x180: everything else ---- */
	.org	0x180
	lui	$k0, %hi(general)
	addiu	$k0, $k0, %lo(general)
	jr	$k0
	nop

	.text
	.globl	general
	.type	general, @function
general:
	ENTER
	mfc0	$t0, C0_CAUSE
	ext	$t0, $t0, 2, 5			/* ExcCode */
	li	$t1, EXC_SYS
	beq	$t0, $t1, g_sys
	li	$t1, EXC_MOD
	beq	$t0, $t1, g_mod
	li	$t1, EXC_TLBL
	beq	$t0, $t1, g_inv
	li	$t1, EXC_TLBS
	beq	$t0, $t1, g_inv
	nop
	HALT	FAIL_EXC

g_mod:	/* TLB modified: the page becomes dirty */
	lw	$t0, KD_MODS($k1)
	addiu	$t0, $t0, 1
	sw	$t0, KD_MODS($k1)
	b	g_fix
	li	$t2, LO_D

g_inv:	/* TLB invalid: the page becomes valid (dirty unless clean mode) */
	lw	$t0, KD_INVALIDS($k1)
	addiu	$t0, $t0, 1
	sw	$t0, KD_INVALIDS($k1)
	lw	$t2, KD_LOFLAGS($k1)

g_fix:	/* OR t2 into the faulting half of the matching entry (EntryHi holds its VPN2) */
	tlbp
	ehb
	mfc0	$t0, C0_INDEX
	bltz	$t0, g_noentry
	nop
	tlbr
	ehb
	mfc0	$t0, C0_BADVADDR
	andi	$t0, $t0, 0x1000
	bnez	$t0, 1f
	nop
	mfc0	$t1, C0_ENTRYLO0
	or	$t1, $t1, $t2
	b	2f
	mtc0	$t1, C0_ENTRYLO0
1:	mfc0	$t1, C0_ENTRYLO1
	or	$t1, $t1, $t2
	mtc0	$t1, C0_ENTRYLO1
2:	ehb
	tlbwi
	ehb
	LEAVE
g_noentry:
	HALT	FAIL_PROBE

g_sys:	/* the user program is done: back to the kernel continuation, kernel mode */
	lw	$t0, KD_RESUME($k1)
	mtc0	$t0, C0_EPC
	mfc0	$t0, C0_STATUS
	ins	$t0, $zero, 3, 2		/* KSU = kernel */
	mtc0	$t0, C0_STATUS
	ehb
	LEAVE
	.size	general, . - general

/*
 * void run_program(entry, ksu, base, count, stride, op, passes)
 * Saves the kernel's sp, ra, s0..s7, loads the user program's registers
 * (s0 base, s1 count, s2 stride, s3 op, s4 passes) and erets to entry in mode
 * ksu; the program's syscall comes back to run_program_back.
 */
	.globl	run_program
	.type	run_program, @function
run_program:
	lui	$t0, %hi(kd)
	addiu	$t0, $t0, %lo(kd)
	sw	$sp, KD_KSP($t0)
	sw	$ra, KD_KRA($t0)
	sw	$s0, KD_KS+0($t0)
	sw	$s1, KD_KS+4($t0)
	sw	$s2, KD_KS+8($t0)
	sw	$s3, KD_KS+12($t0)
	sw	$s4, KD_KS+16($t0)
	sw	$s5, KD_KS+20($t0)
	sw	$s6, KD_KS+24($t0)
	sw	$s7, KD_KS+28($t0)
	la	$t1, run_program_back
	sw	$t1, KD_RESUME($t0)
	move	$s0, $a2
	move	$s1, $a3
	lw	$s2, 16($sp)
	lw	$s3, 20($sp)
	lw	$s4, 24($sp)
	mtc0	$a0, C0_EPC
	mfc0	$t1, C0_STATUS
	ins	$t1, $a1, 0, 5			/* KSU = ksu (bits 4:3 of a1), EXL = 1, IE = 0 */
	ori	$t1, $t1, ST_EXL
	mtc0	$t1, C0_STATUS
	ehb
	eret
run_program_back:
	lui	$t0, %hi(kd)
	addiu	$t0, $t0, %lo(kd)
	lw	$sp, KD_KSP($t0)
	lw	$ra, KD_KRA($t0)
	lw	$s0, KD_KS+0($t0)
	lw	$s1, KD_KS+4($t0)
	lw	$s2, KD_KS+8($t0)
	lw	$s3, KD_KS+12($t0)
	lw	$s4, KD_KS+16($t0)
	lw	$s5, KD_KS+20($t0)
	lw	$s6, KD_KS+24($t0)
	lw	$s7, KD_KS+28($t0)
	jr	$ra
	nop
	.size	run_program, . - run_program

/*
 * The user program: `passes` times over `count` pages from `base`, `stride`
 * bytes apart, one access per page (a load, a store, or a call into it);
 * then syscall. Every access is one instruction, so each TLB exception it
 * takes has one PC: touch_load, touch_store or touch_fetch.
 */
	.globl	touch
	.type	touch, @function
touch:
	move	$t0, $s0
	move	$t1, $s1
1:	li	$t3, OP_STORE
	beq	$s3, $t3, 3f
	li	$t3, OP_FETCH
	beq	$s3, $t3, 4f
	nop
	.globl	touch_load
touch_load:
	lw	$t2, 0($t0)
	b	5f
	nop
3:	.globl	touch_store
touch_store:
	sw	$t0, 0($t0)
	b	5f
	nop
4:	.globl	touch_fetch
touch_fetch:
	jalr	$t0				/* the page holds "jr ra; nop" */
	nop
5:	addiu	$t1, $t1, -1
	bnez	$t1, 1b
	addu	$t0, $t0, $s2
	addiu	$s4, $s4, -1
	bnez	$s4, touch
	nop
	syscall
	.size	touch, . - touch
