/*
 * llsc: load-linked / store-conditional (MIPS32 Vol II LL/SC, PRA 6.2: ERET
 * clears LLbit). An undisturbed ll/sc pair succeeds (rt=1, memory written);
 * an exception between ll and sc (syscall, interrupt) or a plain eret makes sc
 * fail (rt=0) without writing memory; a fresh ll re-arms it; the same holds
 * through a TLB-mapped address and in user mode.
 */
#include "mips.h"
#include "test.h"

#define ALIAS(r)	ins r, $zero, 29, 3

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"llsc: ll/sc and LLbit across eret"
	jal	exc_install
	lui	$a0, 0x8000
	jal	tlb_init
	nop
	/* identity map of 0..32M (global) for the kuseg cases */
	li	$a0, 0
	li	$a1, 0
	li	$a2, LO_PFN(0) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$a3, LO_PFN(0x01000000) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$t0, PM_16M
	jal	tlb_write
	sw	$t0, 16($sp)

	la	$s0, word
	li	$t0, 100
	sw	$t0, 0($s0)

	/* undisturbed pair */
	ll	$s1, 0($s0)
	addiu	$s1, $s1, 1
	sc	$s1, 0($s0)
	CHECK	$s1, 1, "ll/sc pair: sc succeeds"
	lw	$t0, 0($s0)
	CHECK	$t0, 101, "ll/sc pair: memory updated"

	/* syscall between ll and sc */
	EXCGET	$s7, EXC_COUNT
	EXPECT_SKIP
	ll	$s1, 0($s0)
	syscall
	addiu	$s1, $s1, 1
	sc	$s1, 0($s0)
	EXCGET	$t0, EXC_COUNT
	subu	$t0, $t0, $s7
	CHECK	$t0, 1, "syscall between ll and sc taken"
	CHECK	$s1, 0, "syscall between ll and sc: sc fails"
	lw	$t0, 0($s0)
	CHECK	$t0, 101, "failed sc leaves memory alone"

	/* a fresh ll re-arms */
	ll	$s1, 0($s0)
	addiu	$s1, $s1, 1
	sc	$s1, 0($s0)
	CHECK	$s1, 1, "fresh ll after a failure: sc succeeds"

	/* eret alone clears LLbit */
	ll	$s1, 0($s0)
	la	$t0, 2f
	mtc0	$t0, C0_EPC
	mfc0	$t0, C0_STATUS
	ori	$t0, $t0, ST_EXL
	mtc0	$t0, C0_STATUS
	ehb
	eret
2:	addiu	$s1, $s1, 1
	sc	$s1, 0($s0)
	CHECK	$s1, 0, "eret between ll and sc: sc fails"
	lw	$t0, 0($s0)
	CHECK	$t0, 102, "memory still 102"

	/* interrupt between ll and sc */
	li	$t0, ST_IM(0)
	mtc0	$t0, C0_STATUS
	ehb
	EXCGET	$s7, EXC_COUNT
	ll	$s1, 0($s0)
	li	$t0, CA_IP(0)
	mtc0	$t0, C0_CAUSE
	ehb
	ei
	ehb
	nop
	nop
	nop
	addiu	$s1, $s1, 1
	sc	$s1, 0($s0)
	EXCGET	$t0, EXC_COUNT
	subu	$t0, $t0, $s7
	CHECK	$t0, 1, "software interrupt between ll and sc taken"
	CHECK	$s1, 0, "interrupt between ll and sc: sc fails"
	mtc0	$zero, C0_STATUS
	ehb

	/* through a TLB-mapped (kuseg) address */
	move	$s2, $s0
	ALIAS($s2)
	ll	$s1, 0($s2)
	addiu	$s1, $s1, 10
	sc	$s1, 0($s2)
	CHECK	$s1, 1, "ll/sc through kuseg mapping: sc succeeds"
	lw	$t0, 0($s0)
	CHECK	$t0, 112, "ll/sc through kuseg mapping: memory updated"

	/* user mode: ll, syscall (eret back to user), sc; then ll/sc clean */
	TRY	k_user_back
	li	$t0, EXC_RESUME_SKIP
	la	$t9, exc
	sw	$t0, EXC_RESUME($t9)
	la	$a0, u_llsc
	ALIAS($a0)
	mtc0	$a0, C0_EPC
	mfc0	$t0, C0_STATUS
	ori	$t0, $t0, ST_KSU_USER | ST_EXL
	mtc0	$t0, C0_STATUS
	ehb
	eret
k_user_back:
	EXCGET	$t0, EXC_COUNT
	subu	$t0, $t0, $s7
	CHECK	$t0, 2, "user ll/sc sequence: two syscalls"
	EXCCODE	$t0
	CHECK	$t0, EXC_SYS, "user ll/sc sequence: back by syscall"
	CHECK	$s3, 0, "user mode: syscall between ll and sc: sc fails"
	CHECK	$s4, 1, "user mode: undisturbed ll/sc succeeds"
	lw	$t0, 0($s0)
	CHECK	$t0, 113, "user mode: memory updated once"

	FINISH

/* run in user mode through the kuseg alias */
u_llsc:
	la	$t1, word
	ALIAS($t1)
	ll	$s3, 0($t1)
	syscall				/* skipped: eret back to user mode */
	addiu	$s3, $s3, 1
	sc	$s3, 0($t1)
	ll	$s4, 0($t1)
	addiu	$s4, $s4, 1
	sc	$s4, 0($t1)
	la	$t8, k_user_back
	la	$t9, exc
	ALIAS($t9)
	sw	$t8, EXC_RESUME($t9)
	syscall
	nop

	.data
	.balign	16
word:	.word	0
