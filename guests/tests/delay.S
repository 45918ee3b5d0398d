/*
 * delay: exceptions raised by the instruction in a branch delay slot
 * (MIPS32 PRA 6.2.1: EPC = the branch, Cause.BD = 1). Taken and not-taken
 * conditional branches, jal/jalr (the link register is written even though the
 * slot faults, so that re-executing the branch is correct), jr, branch-likely
 * (taken: slot faults; not taken: slot annulled, no exception) and BD=0 again
 * for the next exception outside a delay slot.
 */
#include "mips.h"
#include "test.h"

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"delay: exceptions in branch delay slots"
	jal	exc_install
	lui	$a0, 0x8000

	/* taken beq, syscall in the slot */
	TRY	1f
	la	$s1, 0f
0:	beq	$zero, $zero, 2f
	syscall
2:	nop
1:	CAUGHT	EXC_SYS, "beq taken, syscall in slot"
	CHECK_EPC $s1, "beq taken"
	CHECK_BD 1, "beq taken"

	/* not-taken bne, break in the slot (the slot still executes). Distinct
	 * registers: QEMU translates "bne $r, $r" as a nop, without a slot. */
	li	$s0, 9
	li	$s2, 9
	TRY	1f
	la	$s1, 0f
0:	bne	$s0, $s2, 2f
	break	3
2:	nop
1:	CAUGHT	EXC_BP, "bne not taken, break in slot"
	CHECK_EPC $s1, "bne not taken"
	CHECK_BD 1, "bne not taken"

	/* bgez taken with an overflowing add in the slot; rd unchanged */
	li	$s0, 0x7fffffff
	li	$s2, 77
	TRY	1f
	la	$s1, 0f
0:	bgez	$s0, 2f
	add	$s2, $s0, $s0
2:	nop
1:	CAUGHT	EXC_OV, "bgez taken, add overflow in slot"
	CHECK_EPC $s1, "bgez taken"
	CHECK_BD 1, "bgez taken"
	CHECK	$s2, 77, "bgez taken: add rd unchanged"

	/* jal, trap in the slot; ra = jal + 8 */
	TRY	1f
	la	$s1, 0f
	move	$s3, $ra
0:	jal	2f
	teq	$zero, $zero
2:	nop
1:	move	$s4, $ra
	move	$ra, $s3
	CAUGHT	EXC_TR, "jal, teq in slot"
	CHECK_EPC $s1, "jal"
	CHECK_BD 1, "jal"
	addiu	$s5, $s1, 8
	CHECKR	$s4, $s5, "jal: ra written (branch + 8)"

	/* jr, misaligned lw in the slot */
	la	$s0, buf
	la	$s2, 2f
	TRY	1f
	la	$s1, 0f
0:	jr	$s2
	lw	$s3, 1($s0)
2:	nop
1:	CAUGHT	EXC_ADEL, "jr, lw misaligned in slot"
	CHECK_EPC $s1, "jr"
	CHECK_BD 1, "jr"
	addiu	$s4, $s0, 1
	CHECK_BADVADDR $s4, "jr: slot's address"

	/* jalr rd=s5, misaligned sw in the slot */
	la	$s2, 2f
	TRY	1f
	la	$s1, 0f
0:	jalr	$s5, $s2
	sw	$s3, 2($s0)
2:	nop
1:	CAUGHT	EXC_ADES, "jalr, sw misaligned in slot"
	CHECK_EPC $s1, "jalr"
	CHECK_BD 1, "jalr"
	addiu	$s4, $s1, 8
	CHECKR	$s5, $s4, "jalr: rd written (branch + 8)"

	/* bltzal taken, reserved instruction in the slot */
	li	$s0, -1
	move	$s3, $ra
	TRY	1f
	la	$s1, 0f
0:	bltzal	$s0, 2f
	.word	0x60000000
2:	nop
1:	move	$ra, $s3
	CAUGHT	EXC_RI, "bltzal taken, RI in slot"
	CHECK_EPC $s1, "bltzal"
	CHECK_BD 1, "bltzal"

	/* beql taken: slot executes and faults */
	TRY	1f
	la	$s1, 0f
0:	beql	$zero, $zero, 2f
	syscall
2:	nop
1:	CAUGHT	EXC_SYS, "beql taken, syscall in slot"
	CHECK_EPC $s1, "beql taken"
	CHECK_BD 1, "beql taken"

	/* bnel not taken: slot annulled, nothing happens */
	TRY	1f
	li	$s2, 5
	li	$s0, 5
	bnel	$s0, $s2, 2f
	syscall
	addiu	$s2, $s2, 1
2:	nop
1:	NO_EXC	"bnel not taken annuls its slot"
	CHECK	$s2, 6, "bnel not taken: falls through"

	/* a later exception outside a slot has BD=0 */
	TRY	1f
	la	$s1, 0f
0:	syscall
1:	CAUGHT	EXC_SYS, "syscall after delay-slot cases"
	CHECK_EPC $s1, "syscall after"
	CHECK_BD 0, "syscall after"

	FINISH

	.data
	.balign	16
buf:	.word	0x11111111, 0x22222222, 0x33333333, 0x44444444
