/*
 * Self-checking test support. Output is TAP-like:
 *   "# <name>"                               (t_begin)
 *   "ok N - desc" | "not ok N - desc (got X expected Y)"   one line per check
 *   "1..N"                                   (t_done; returns the failure count)
 * Test programs exit with the number of failures.
 *
 * Assembly macros (this file included from .S) call the C functions below, so
 * they clobber the o32 caller-saved registers: keep live values in s0..s7.
 */
#ifndef GUEST_TEST_H
#define GUEST_TEST_H

#include "exc.h"

#ifndef __ASSEMBLER__
#include "guest.h"
void t_begin(const char *name);
void t_check(const char *desc, u32 got, u32 expected);
void t_fail_unexpected(void);
int t_done(void);

/* TLB helpers (tlb.c) */
u32 tlb_size(void);
u32 tlb_init(void);
void tlb_write(u32 index, u32 entryhi, u32 lo0, u32 lo1, u32 pagemask);
void set_asid(u32 asid);
#else

/* CHECK reg, imm, "desc": reg == imm (any register may be used as reg) */
.macro	CHECK got, exp, desc
	.pushsection .rodata.str, "aMS", @progbits, 1
9990:	.asciz	"\desc"
	.popsection
	move	$a1, \got
	li	$a2, \exp
	la	$a0, 9990b
	jal	t_check
	nop
.endm

/* CHECKR reg, reg2, "desc": reg == reg2 */
.macro	CHECKR got, exp, desc
	.pushsection .rodata.str, "aMS", @progbits, 1
9990:	.asciz	"\desc"
	.popsection
	move	$a1, \got
	move	$a2, \exp
	la	$a0, 9990b
	jal	t_check
	nop
.endm

/*
 * BEGIN "name": first thing in main. Gives main a 32-byte frame (so calls may
 * pass a fifth argument at 16($sp)) and prints the header line.
 */
.macro	BEGIN name
	.pushsection .rodata.str, "aMS", @progbits, 1
9990:	.asciz	"\name"
	.popsection
	addiu	$sp, $sp, -32
	la	$a0, 9990b
	jal	t_begin
	nop
.endm

/* FINISH: print the plan line and exit with the number of failures */
.macro	FINISH
	jal	t_done
	nop
	jal	exit
	move	$a0, $v0
.endm

/* EXPECT label: the next exception resumes at label in kernel mode */
.macro	EXPECT label
	la	$t8, \label
	la	$t9, exc
	sw	$t8, EXC_RESUME($t9)
.endm

/* EXPECT_SKIP: the next exception continues after the faulting instruction */
.macro	EXPECT_SKIP
	li	$t8, EXC_RESUME_SKIP
	la	$t9, exc
	sw	$t8, EXC_RESUME($t9)
.endm

/* EXCGET reg, FIELD: reg = exc.FIELD (e.g. EXCGET $s0, EXC_CAUSE) */
.macro	EXCGET reg, field
	la	$t9, exc
	lw	\reg, \field($t9)
.endm

/* EXCCODE reg: reg = ExcCode of the last exception */
.macro	EXCCODE reg
	EXCGET	\reg, EXC_CAUSE
	ext	\reg, \reg, 2, 5
.endm

/*
 * Expected-exception pattern (s7 is reserved for it):
 *	TRY	1f		# s7 = exc.count, next exception resumes at 1f
 *	la	$s1, 0f		# (optional) expected EPC
 * 0:	syscall
 * 1:	CAUGHT	EXC_SYS, "syscall"	# exactly one exception, with this ExcCode
 *	CHECK_EPC $s1, "syscall"
 * and for code that must not fault:
 *	TRY	1f
 *	addu	...
 * 1:	NO_EXC	"addu"
 */
.macro	TRY resume
	EXCGET	$s7, EXC_COUNT
	EXPECT	\resume
.endm

.macro	CAUGHT code, desc
	la	$t9, exc
	sw	$zero, EXC_RESUME($t9)
	lw	$t0, EXC_COUNT($t9)
	subu	$t0, $t0, $s7
	CHECK	$t0, 1, "\desc: exception taken"
	EXCCODE	$t0
	CHECK	$t0, \code, "\desc: ExcCode"
.endm

.macro	NO_EXC desc
	la	$t9, exc
	sw	$zero, EXC_RESUME($t9)
	lw	$t0, EXC_COUNT($t9)
	subu	$t0, $t0, $s7
	CHECK	$t0, 0, "\desc: no exception"
.endm

/* CHECK_FIELD FIELD, reg, "desc": exc.FIELD == reg */
.macro	CHECK_FIELD field, reg, desc
	EXCGET	$t0, \field
	CHECKR	$t0, \reg, "\desc"
.endm

.macro	CHECK_EPC reg, desc
	CHECK_FIELD EXC_EPC, \reg, "\desc: EPC"
.endm

.macro	CHECK_BADVADDR reg, desc
	CHECK_FIELD EXC_BADVADDR, \reg, "\desc: BadVAddr"
.endm

/* CHECK_BD 0|1, "desc": Cause.BD of the last exception */
.macro	CHECK_BD bd, desc
	EXCGET	$t0, EXC_CAUSE
	srl	$t0, $t0, 31
	CHECK	$t0, \bd, "\desc: Cause.BD"
.endm

/* CHECK_VECTOR addr, "desc": which vector was entered */
.macro	CHECK_VECTOR addr, desc
	EXCGET	$t0, EXC_VECTOR
	CHECK	$t0, \addr, "\desc: vector"
.endm

/* stub at a fixed address (for .bev): k1 = addr, jump to exc_common */
.macro	EXC_STUB addr
	lui	$k1, (\addr >> 16) & 0xffff
	ori	$k1, $k1, \addr & 0xffff
	lui	$k0, %hi(exc_common)
	addiu	$k0, $k0, %lo(exc_common)
	jr	$k0
	nop
.endm

#endif
#endif
