/*
 * exc: synchronous exceptions in kernel mode (MIPS32 PRA 6.2, Vol II).
 * syscall, break, integer overflow (add/addi/sub), conditional traps taken and
 * not taken, reserved instruction, address errors on load/store/fetch with
 * BadVAddr, coprocessor unusable for CP1 (Cause.CE=1). For each: ExcCode, EPC
 * (the faulting instruction), Cause.BD=0, the general vector, and that the
 * faulting instruction left its destination unchanged.
 */
#include "mips.h"
#include "test.h"

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"exc: synchronous exceptions in kernel mode"
	jal	exc_install
	lui	$a0, 0x8000

	/* ---- syscall ---- */
	TRY	1f
	la	$s1, 0f
0:	syscall
1:	CAUGHT	EXC_SYS, "syscall"
	CHECK_EPC $s1, "syscall"
	CHECK_BD 0, "syscall"
	CHECK_VECTOR 0x80000180, "syscall"
	EXCGET	$t0, EXC_STATUS
	andi	$t0, $t0, ST_EXL | ST_KSU_MASK
	CHECK	$t0, ST_EXL, "syscall: Status.EXL=1 in handler, KSU=kernel"

	/* ---- break ---- */
	TRY	1f
	la	$s1, 0f
0:	break	7
1:	CAUGHT	EXC_BP, "break"
	CHECK_EPC $s1, "break"

	/* ---- overflow ---- */
	li	$s0, 0x7fffffff
	li	$s1, 1
	li	$s2, 0x1234
	TRY	1f
	la	$s3, 0f
0:	add	$s2, $s0, $s1
1:	CAUGHT	EXC_OV, "add 0x7fffffff+1"
	CHECK_EPC $s3, "add overflow"
	CHECK	$s2, 0x1234, "add overflow: rd unchanged"

	TRY	1f
	la	$s3, 0f
0:	addi	$s2, $s0, 1
1:	CAUGHT	EXC_OV, "addi 0x7fffffff+1"
	CHECK_EPC $s3, "addi overflow"
	CHECK	$s2, 0x1234, "addi overflow: rt unchanged"

	li	$s0, 0x80000000
	TRY	1f
0:	addi	$s2, $s0, -1
1:	CAUGHT	EXC_OV, "addi 0x80000000+(-1)"

	TRY	1f
	la	$s3, 0f
0:	sub	$s2, $s0, $s1
1:	CAUGHT	EXC_OV, "sub 0x80000000-1"
	CHECK_EPC $s3, "sub overflow"
	CHECK	$s2, 0x1234, "sub overflow: rd unchanged"

	li	$s0, 5
	li	$s1, -3
	TRY	1f
	add	$s2, $s0, $s1
	sub	$s3, $s1, $s0
1:	NO_EXC	"add/sub without overflow"
	CHECK	$s2, 2, "add 5+(-3)"
	CHECK	$s3, -8, "sub -3-5"

	li	$s0, 0x7fffffff
	TRY	1f
	addu	$s2, $s0, $s1
	addiu	$s3, $s0, 1
1:	NO_EXC	"addu/addiu wrap"
	CHECK	$s2, 0x7ffffffc, "addu wraps"
	CHECK	$s3, 0x80000000, "addiu wraps"

	/* ---- conditional traps ---- */
	li	$s0, 5
	li	$s1, 3
	li	$s2, -1

	TRY	1f
	la	$s3, 0f
0:	teq	$s0, $s0
1:	CAUGHT	EXC_TR, "teq equal"
	CHECK_EPC $s3, "teq"
	TRY	1f
0:	tge	$s0, $s1
1:	CAUGHT	EXC_TR, "tge 5>=3"
	TRY	1f
0:	tltu	$s1, $s2
1:	CAUGHT	EXC_TR, "tltu 3<0xffffffff"
	TRY	1f
0:	tlt	$s2, $s1
1:	CAUGHT	EXC_TR, "tlt -1<3"
	TRY	1f
0:	tne	$s0, $s1
1:	CAUGHT	EXC_TR, "tne 5!=3"
	TRY	1f
0:	tgeu	$s2, $s0
1:	CAUGHT	EXC_TR, "tgeu 0xffffffff>=5"
	TRY	1f
0:	teqi	$s0, 5
1:	CAUGHT	EXC_TR, "teqi 5==5"
	TRY	1f
0:	tlti	$s2, 0
1:	CAUGHT	EXC_TR, "tlti -1<0"
	TRY	1f
0:	tltiu	$s0, -1
1:	CAUGHT	EXC_TR, "tltiu 5<0xffffffff"
	TRY	1f
0:	tgei	$s0, 5
1:	CAUGHT	EXC_TR, "tgei 5>=5"
	TRY	1f
0:	tnei	$s0, 4
1:	CAUGHT	EXC_TR, "tnei 5!=4"
	TRY	1f
0:	tgeiu	$s2, 1
1:	CAUGHT	EXC_TR, "tgeiu 0xffffffff>=1"

	TRY	1f
	teq	$s0, $s1
	tne	$s0, $s0
	tge	$s1, $s0
	tgeu	$s0, $s2
	tlt	$s0, $s1
	tltu	$s2, $s0
	teqi	$s0, 4
	tnei	$s0, 5
	tgei	$s2, 0
	tgeiu	$s0, -1
	tlti	$s0, 5
	tltiu	$s2, 7
1:	NO_EXC	"12 traps whose conditions are false"

	/* ---- reserved instruction ---- */
	TRY	1f
	la	$s3, 0f
0:	.word	0x60000000	/* opcode 0x18: MIPS64 daddi, reserved in MIPS32 */
1:	CAUGHT	EXC_RI, "opcode 0x18"
	CHECK_EPC $s3, "reserved instruction"
	TRY	1f
0:	.word	0xec000000	/* opcode 0x3b: reserved in MIPS32r2 */
1:	CAUGHT	EXC_RI, "opcode 0x3b"
	TRY	1f
0:	.word	0x0000003c	/* SPECIAL dsll32: MIPS64 only */
1:	CAUGHT	EXC_RI, "SPECIAL funct 0x3c"

	/* ---- address errors ---- */
	la	$s0, buf
	li	$s2, 0x1234
	TRY	1f
	la	$s3, 0f
0:	lw	$s2, 2($s0)
1:	CAUGHT	EXC_ADEL, "lw unaligned"
	CHECK_EPC $s3, "lw unaligned"
	addiu	$s4, $s0, 2
	CHECK_BADVADDR $s4, "lw unaligned"
	CHECK	$s2, 0x1234, "lw unaligned: rt unchanged"

	TRY	1f
0:	lh	$s2, 1($s0)
1:	CAUGHT	EXC_ADEL, "lh odd"
	addiu	$s4, $s0, 1
	CHECK_BADVADDR $s4, "lh odd"

	TRY	1f
0:	lhu	$s2, 3($s0)
1:	CAUGHT	EXC_ADEL, "lhu odd"
	addiu	$s4, $s0, 3
	CHECK_BADVADDR $s4, "lhu odd"

	li	$s2, 0x55aa55aa
	TRY	1f
	la	$s3, 0f
0:	sw	$s2, 1($s0)
1:	CAUGHT	EXC_ADES, "sw unaligned"
	CHECK_EPC $s3, "sw unaligned"
	addiu	$s4, $s0, 1
	CHECK_BADVADDR $s4, "sw unaligned"
	lw	$s4, 0($s0)
	CHECK	$s4, 0x03020100, "sw unaligned: memory unchanged"

	TRY	1f
0:	sh	$s2, 3($s0)
1:	CAUGHT	EXC_ADES, "sh odd"
	addiu	$s4, $s0, 3
	CHECK_BADVADDR $s4, "sh odd"

	TRY	1f
	lwl	$s2, 5($s0)
	lwr	$s2, 2($s0)
	lh	$s3, 2($s0)
	lbu	$s4, 7($s0)
1:	NO_EXC	"lwl/lwr/lh/lbu at legal addresses"
	CHECK	$s2, 0x05040302, "lwl/lwr unaligned word"
	CHECK	$s3, 0x0302, "lh aligned"
	CHECK	$s4, 7, "lbu"

	/* instruction fetch from a misaligned target: EPC = BadVAddr = target */
	TRY	1f
	la	$s3, 2f
	addiu	$s3, $s3, 2
	jr	$s3
	nop
2:	nop
	nop
1:	CAUGHT	EXC_ADEL, "fetch misaligned"
	CHECK_EPC $s3, "fetch misaligned"
	CHECK_BADVADDR $s3, "fetch misaligned"
	CHECK_BD 0, "fetch misaligned"

	/* ---- coprocessor 1 unusable (Status.CU1=0) ---- */
	mfc0	$t0, C0_STATUS
	ins	$t0, $zero, 29, 1
	mtc0	$t0, C0_STATUS
	ehb
	.set	push
	.set	hardfloat
	TRY	1f
	la	$s3, 0f
0:	mfc1	$s2, $f0
1:	CAUGHT	EXC_CPU, "mfc1 with CU1=0"
	CHECK_EPC $s3, "mfc1 with CU1=0"
	EXCGET	$t0, EXC_CAUSE
	ext	$t0, $t0, CA_CE_SHIFT, 2
	CHECK	$t0, 1, "mfc1 with CU1=0: Cause.CE"
	TRY	1f
0:	lwc1	$f2, 0($s0)
1:	CAUGHT	EXC_CPU, "lwc1 with CU1=0"
	EXCGET	$t0, EXC_CAUSE
	ext	$t0, $t0, CA_CE_SHIFT, 2
	CHECK	$t0, 1, "lwc1 with CU1=0: Cause.CE"
	.set	pop

	/* ---- state after all that ---- */
	mfc0	$t0, C0_STATUS
	andi	$t0, $t0, ST_EXL | ST_ERL
	CHECK	$t0, 0, "eret left Status.EXL=0"

	FINISH

	.data
	.balign	16
buf:	.byte	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
