/*
 * Exception entry of the monitor test guests. The vectors (boot.S) jump here; k1 = which
 * vector. Every register but k0/k1 is saved in vt_frame with the CP0 state the exception left,
 * vt_trap(&vt_frame) runs on its own stack, and the frame (possibly edited: EPC, Status,
 * registers) is restored before eret. Not reentrant: a test handler must not fault.
 *
 * vt_refill_mode = 1 turns the refill vector into a VPT-style handler (Context addresses a
 * linear page table; two loads, tlbwr, eret), as the guest kernel's; its own misses go to the
 * general vector with EXL set.
 */
#include "mips.h"
#include "vt.h"

	.set	noreorder
	.set	noat
	.text

	.globl	vt_refill_vec
vt_refill_vec:
	lui	$k0, %hi(vt_refill_mode)
	lw	$k0, %lo(vt_refill_mode)($k0)
	bnez	$k0, 1f
	li	$k1, VEC_REFILL
	b	vt_common
	nop
1:	addiu	$k0, $k0, -2
	beqz	$k0, 2f
	nop
	mfc0	$k1, C0_CONTEXT
	lw	$k0, 0($k1)
	lw	$k1, 4($k1)
	mtc0	$k0, C0_ENTRYLO0
	mtc0	$k1, C0_ENTRYLO1
	ehb
	tlbwr
	eret
	/* mode 2: the same through the privileged-register page (Context at +0x24, EntryLo0/1 at
	   +0x14/+0x18, taken by the monitor at the tlbwr trap): two traps instead of six */
2:	lui	$k0, 0xd000
	lw	$k1, 0x24($k0)
	lw	$k1, 0($k1)
	sw	$k1, 0x14($k0)
	lw	$k1, 0x24($k0)
	lw	$k1, 4($k1)
	sw	$k1, 0x18($k0)
	tlbwr
	eret

	.globl	vt_general_vec
vt_general_vec:
	li	$k1, VEC_GENERAL
vt_common:
	lui	$k0, %hi(vt_frame)
	addiu	$k0, $k0, %lo(vt_frame)
	sw	$k1, F_VEC($k0)
	sw	$1, F_REG(1)($k0)
	sw	$2, F_REG(2)($k0)
	sw	$3, F_REG(3)($k0)
	sw	$4, F_REG(4)($k0)
	sw	$5, F_REG(5)($k0)
	sw	$6, F_REG(6)($k0)
	sw	$7, F_REG(7)($k0)
	sw	$8, F_REG(8)($k0)
	sw	$9, F_REG(9)($k0)
	sw	$10, F_REG(10)($k0)
	sw	$11, F_REG(11)($k0)
	sw	$12, F_REG(12)($k0)
	sw	$13, F_REG(13)($k0)
	sw	$14, F_REG(14)($k0)
	sw	$15, F_REG(15)($k0)
	sw	$16, F_REG(16)($k0)
	sw	$17, F_REG(17)($k0)
	sw	$18, F_REG(18)($k0)
	sw	$19, F_REG(19)($k0)
	sw	$20, F_REG(20)($k0)
	sw	$21, F_REG(21)($k0)
	sw	$22, F_REG(22)($k0)
	sw	$23, F_REG(23)($k0)
	sw	$24, F_REG(24)($k0)
	sw	$25, F_REG(25)($k0)
	sw	$28, F_REG(28)($k0)
	sw	$29, F_REG(29)($k0)
	sw	$30, F_REG(30)($k0)
	sw	$31, F_REG(31)($k0)
	mflo	$t0
	sw	$t0, F_LO($k0)
	mfhi	$t0
	sw	$t0, F_HI($k0)
	mfc0	$t0, C0_EPC
	sw	$t0, F_EPC($k0)
	mfc0	$t0, C0_CAUSE
	sw	$t0, F_CAUSE($k0)
	mfc0	$t0, C0_STATUS
	sw	$t0, F_STATUS($k0)
	mfc0	$t0, C0_BADVADDR
	sw	$t0, F_BADVADDR($k0)
	mfc0	$t0, C0_ENTRYHI
	sw	$t0, F_ENTRYHI($k0)
	mfc0	$t0, C0_CONTEXT
	sw	$t0, F_CONTEXT($k0)
	lui	$sp, %hi(vt_exc_stack_top)
	addiu	$sp, $sp, %lo(vt_exc_stack_top)
	jal	vt_trap
	move	$a0, $k0

	lui	$k0, %hi(vt_frame)
	addiu	$k0, $k0, %lo(vt_frame)
	lw	$t0, F_LO($k0)
	mtlo	$t0
	lw	$t0, F_HI($k0)
	mthi	$t0
	lw	$t0, F_EPC($k0)
	mtc0	$t0, C0_EPC
	lw	$t0, F_STATUS($k0)
	mtc0	$t0, C0_STATUS
	lw	$1, F_REG(1)($k0)
	lw	$2, F_REG(2)($k0)
	lw	$3, F_REG(3)($k0)
	lw	$4, F_REG(4)($k0)
	lw	$5, F_REG(5)($k0)
	lw	$6, F_REG(6)($k0)
	lw	$7, F_REG(7)($k0)
	lw	$8, F_REG(8)($k0)
	lw	$9, F_REG(9)($k0)
	lw	$10, F_REG(10)($k0)
	lw	$11, F_REG(11)($k0)
	lw	$12, F_REG(12)($k0)
	lw	$13, F_REG(13)($k0)
	lw	$14, F_REG(14)($k0)
	lw	$15, F_REG(15)($k0)
	lw	$16, F_REG(16)($k0)
	lw	$17, F_REG(17)($k0)
	lw	$18, F_REG(18)($k0)
	lw	$19, F_REG(19)($k0)
	lw	$20, F_REG(20)($k0)
	lw	$21, F_REG(21)($k0)
	lw	$22, F_REG(22)($k0)
	lw	$23, F_REG(23)($k0)
	lw	$24, F_REG(24)($k0)
	lw	$25, F_REG(25)($k0)
	lw	$28, F_REG(28)($k0)
	lw	$29, F_REG(29)($k0)
	lw	$30, F_REG(30)($k0)
	lw	$31, F_REG(31)($k0)
	ehb
	eret

/* vt_start(argc, argv, envp, memsize): stack, zero .bss, exit(main(...)). */
	.globl	vt_start
	.type	vt_start, @function
vt_start:
	lui	$sp, %hi(vt_stack_top)
	addiu	$sp, $sp, %lo(vt_stack_top)
	lui	$t0, %hi(__bss_start)
	addiu	$t0, $t0, %lo(__bss_start)
	lui	$t1, %hi(__bss_end)
	addiu	$t1, $t1, %lo(__bss_end)
1:	beq	$t0, $t1, 2f
	nop
	sw	$zero, 0($t0)
	b	1b
	addiu	$t0, $t0, 4
2:	lui	$t0, %hi(vt_memsize)
	sw	$a3, %lo(vt_memsize)($t0)
	jal	main
	addiu	$sp, $sp, -16
	jal	exit
	move	$a0, $v0
3:	b	3b
	nop
	.size	vt_start, . - vt_start

/* vt_secondary(arg, cpu): a secondary CPU's C entry (sp from START_SP), then sleep forever. */
	.globl	vt_secondary
	.type	vt_secondary, @function
vt_secondary:
	jal	secondary
	nop
1:	wait
	b	1b
	nop
	.size	vt_secondary, . - vt_secondary

	.bss
	.balign	16
	.globl	vt_frame
vt_frame:
	.space	F_SIZE
	.balign	16
	.space	8192
vt_exc_stack_top:
	.space	16384
	.globl	vt_stack_top
vt_stack_top:
