/*
 * ebase: exception vector base (MIPS32 PRA 6.2.1 vector locations, 9.38 EBase).
 * Entry state (Status.BEV=1, EBase = 0x80000000, CPUNum 0), EBase
 * writable bits, relocating EBase to 0x80040000 (general +0x180, TLB refill
 * +0x000, interrupt with Cause.IV +0x200), and Status.BEV=1 sending the same
 * exceptions to the boot-ROM vectors 0xBFC00200/0xBFC00380/0xBFC00400
 * regardless of EBase.
 *
 * The BEV vectors need code in the boot ROM: this image has a .bev section
 * (link-bev.ld) loaded at physical 0x1FC00200. QEMU's Malta loads it over the
 * unused part of its boot code; disco must back 0x1FC00000 with ROM/RAM that
 * the ELF loader fills.
 */
#include "mips.h"
#include "test.h"

#define NEWBASE	0x80040000

	.set	noreorder
	.text
	.globl	main
main:
	mfc0	$s0, C0_STATUS		/* before anything changes it */
	BEGIN	"ebase: EBase relocation and BEV vectors"
	/* ERL is not checked: reset sets it, but QEMU's Malta clears it when it
	 * boots a -kernel image (entry Status is 0x00400000 there) */
	li	$t0, ST_BEV
	and	$t0, $s0, $t0
	CHECK	$t0, ST_BEV, "entry Status has BEV=1"
	andi	$t0, $s0, ST_KSU_MASK | ST_EXL | ST_IE
	CHECK	$t0, 0, "entry Status: kernel mode, EXL=0, IE=0"

	mfc0	$s0, C0_PRID, 1
	li	$t0, 0xfffff000
	and	$t0, $s0, $t0
	CHECK	$t0, 0x80000000, "EBase reset value 0x80000000"
	andi	$t0, $s0, 0x3ff
	CHECK	$t0, 0, "EBase.CPUNum = 0 on the boot CPU"

	/* writable field is 29:12 (BEV=1 still) */
	li	$t0, -1
	mtc0	$t0, C0_PRID, 1
	ehb
	mfc0	$s0, C0_PRID, 1
	li	$t0, 0x80000000
	mtc0	$t0, C0_PRID, 1
	ehb
	CHECK	$s0, 0xbffff000, "EBase: bits 31:30 fixed at 10, 29:12 writable"

	/* stubs at the default base too: a CPU that ignores EBase shows 0x80000xxx */
	jal	exc_install
	lui	$a0, 0x8000
	li	$a0, NEWBASE
	jal	exc_install
	nop
	mfc0	$t0, C0_PRID, 1
	CHECK	$t0, NEWBASE, "EBase reads back 0x80040000"
	jal	tlb_init
	nop

	TRY	1f
0:	syscall
1:	CAUGHT	EXC_SYS, "syscall with EBase=0x80040000"
	CHECK_VECTOR NEWBASE + 0x180, "syscall with EBase=0x80040000"
	li	$s1, 0x00600000
	TRY	1f
	lw	$t0, 0($s1)
1:	CAUGHT	EXC_TLBL, "TLB refill with EBase=0x80040000"
	CHECK_VECTOR NEWBASE + 0x000, "TLB refill with EBase=0x80040000"
	jal	soft_irq
	li	$a0, 0
	CAUGHT	EXC_INT, "interrupt (IV=0) with EBase=0x80040000"
	CHECK_VECTOR NEWBASE + 0x180, "interrupt (IV=0) with EBase=0x80040000"
	jal	soft_irq
	li	$a0, CA_IV
	CAUGHT	EXC_INT, "interrupt (IV=1) with EBase=0x80040000"
	CHECK_VECTOR NEWBASE + 0x200, "interrupt (IV=1) with EBase=0x80040000"

	/* ---- Status.BEV=1: boot-ROM vectors, EBase ignored ---- */
	mfc0	$t0, C0_STATUS
	li	$t1, ST_BEV
	or	$t0, $t0, $t1
	mtc0	$t0, C0_STATUS
	ehb
	TRY	1f
0:	syscall
1:	CAUGHT	EXC_SYS, "syscall with BEV=1"
	CHECK_VECTOR 0xbfc00380, "syscall with BEV=1"
	TRY	1f
	lw	$t0, 0($s1)
1:	CAUGHT	EXC_TLBL, "TLB refill with BEV=1"
	CHECK_VECTOR 0xbfc00200, "TLB refill with BEV=1"
	jal	soft_irq
	li	$a0, 0
	CAUGHT	EXC_INT, "interrupt (IV=0) with BEV=1"
	CHECK_VECTOR 0xbfc00380, "interrupt (IV=0) with BEV=1"
	jal	soft_irq
	li	$a0, CA_IV
	CAUGHT	EXC_INT, "interrupt (IV=1) with BEV=1"
	CHECK_VECTOR 0xbfc00400, "interrupt (IV=1) with BEV=1"
	mfc0	$t0, C0_STATUS
	andi	$t0, $t0, ST_EXL
	CHECK	$t0, 0, "BEV handler's eret cleared EXL"

	/* ---- BEV=0 again ---- */
	mfc0	$t0, C0_STATUS
	li	$t1, ST_BEV
	nor	$t1, $t1, $zero
	and	$t0, $t0, $t1
	mtc0	$t0, C0_STATUS
	ehb
	TRY	1f
0:	syscall
1:	CAUGHT	EXC_SYS, "syscall with BEV=0 again"
	CHECK_VECTOR NEWBASE + 0x180, "syscall with BEV=0 again"

	FINISH

/*
 * soft_irq(a0 = Cause.IV or 0): s7 = exc.count, raise IP0 with IM0 and IE set,
 * wait for the interrupt (bounded), leave Status.IE/IM0 and Cause clear.
 */
soft_irq:
	la	$t9, exc
	lw	$s7, EXC_COUNT($t9)
	mtc0	$a0, C0_CAUSE
	mfc0	$t0, C0_STATUS
	ori	$t0, $t0, ST_IM(0) | ST_IE
	mtc0	$t0, C0_STATUS
	ori	$t1, $a0, CA_IP(0)
	mtc0	$t1, C0_CAUSE
	ehb
	li	$t1, 1000000
1:	lw	$t0, EXC_COUNT($t9)
	bne	$t0, $s7, 2f
	addiu	$t1, $t1, -1
	bnez	$t1, 1b
	nop
2:	mfc0	$t0, C0_STATUS
	ins	$t0, $zero, 0, 1
	ins	$t0, $zero, 8, 1
	mtc0	$t0, C0_STATUS
	mtc0	$zero, C0_CAUSE
	jr	$ra
	ehb

/* boot-ROM vectors (Status.BEV=1) */
	.section .bev, "ax", @progbits
	.set	noat
	EXC_STUB 0xbfc00200		/* TLB refill */
	.org	0x180
	EXC_STUB 0xbfc00380		/* general */
	.org	0x200
	EXC_STUB 0xbfc00400		/* interrupt, Cause.IV=1 */
