/*
 * Exception entry for tests: vector stub template and the common handler.
 * See exc.h for the contract. Only k0/k1 are used (MIPS o32 reserves them for
 * the kernel), so any interrupted code resumes with all other registers intact.
 */
#include "mips.h"
#include "exc.h"

	.set	noreorder
	.set	noat

	.text
	/* Template copied to each vector by exc_install; words 0/1 are patched. */
	.globl	exc_stub
	.type	exc_stub, @object
	.balign	4
exc_stub:
	lui	$k1, 0
	ori	$k1, $k1, 0
	lui	$k0, %hi(exc_common)
	addiu	$k0, $k0, %lo(exc_common)
	jr	$k0
	nop
	.size	exc_stub, . - exc_stub

	.globl	exc_common
	.type	exc_common, @function
exc_common:
	la	$k0, exc
	sw	$k1, EXC_VECTOR($k0)
	mfc0	$k1, C0_CAUSE
	sw	$k1, EXC_CAUSE($k0)
	mfc0	$k1, C0_EPC
	sw	$k1, EXC_EPC($k0)
	mfc0	$k1, C0_BADVADDR
	sw	$k1, EXC_BADVADDR($k0)
	mfc0	$k1, C0_STATUS
	sw	$k1, EXC_STATUS($k0)
	mfc0	$k1, C0_ENTRYHI
	sw	$k1, EXC_ENTRYHI($k0)
	mfc0	$k1, C0_CONTEXT
	sw	$k1, EXC_CONTEXT($k0)
	lw	$k1, EXC_COUNT($k0)
	addiu	$k1, $k1, 1
	sw	$k1, EXC_COUNT($k0)

	lw	$k1, EXC_CAUSE($k0)
	andi	$k1, $k1, CA_EXC_MASK
	bnez	$k1, 1f
	nop
	/* Interrupt: keep it from re-entering (IE=0), drop software requests. */
	mfc0	$k1, C0_STATUS
	ins	$k1, $zero, 0, 1
	mtc0	$k1, C0_STATUS
	mfc0	$k1, C0_CAUSE
	ins	$k1, $zero, 8, 2
	mtc0	$k1, C0_CAUSE
	ehb
	eret

1:	lw	$k1, EXC_RESUME($k0)
	beqz	$k1, exc_bad
	addiu	$k1, $k1, -EXC_RESUME_SKIP
	bnez	$k1, 2f
	sw	$zero, EXC_RESUME($k0)	/* one-shot (delay slot: both paths) */
	/* SKIP: continue after the faulting instruction */
	mfc0	$k1, C0_EPC
	addiu	$k1, $k1, 4
	mtc0	$k1, C0_EPC
	ehb
	eret

2:	addiu	$k1, $k1, EXC_RESUME_SKIP - EXC_RESUME_FILL
	bnez	$k1, 3f
	nop
	/* FILL: write the prepared entry with the EntryHi the exception loaded */
	lw	$k1, EXC_FILL_LO0($k0)
	mtc0	$k1, C0_ENTRYLO0
	lw	$k1, EXC_FILL_LO1($k0)
	mtc0	$k1, C0_ENTRYLO1
	lw	$k1, EXC_FILL_MASK($k0)
	mtc0	$k1, C0_PAGEMASK
	lw	$k1, EXC_FILL_INDEX($k0)
	mtc0	$k1, C0_INDEX
	ehb
	tlbwi
	ehb
	eret

3:	/* resume address: back to kernel-mode test code */
	addiu	$k1, $k1, EXC_RESUME_FILL
	mtc0	$k1, C0_EPC
	mfc0	$k1, C0_STATUS
	ins	$k1, $zero, 3, 2	/* KSU = kernel */
	mtc0	$k1, C0_STATUS
	ehb
	eret

exc_bad:
	la	$sp, exc_stack_top
	j	exc_unexpected
	nop
	.size	exc_common, . - exc_common

	.bss
	.balign	16
	.globl	exc
	.type	exc, @object
exc:	.space	EXC_REC_SIZE
	.size	exc, EXC_REC_SIZE
	.balign	16
	.space	4096
exc_stack_top:
