/*
 * crt0: image entry point.
 *
 * Entered in kernel mode at e_entry with Status.BEV=1 (QEMU's Malta enters a
 * -kernel image with Status = 0x00400000: it clears the reset value's ERL) and
 * a0..a3 = argc, argv, envp, memsize (YAMON convention; QEMU's Malta boot
 * code sets them, disco does too). Status is left untouched here: programs
 * that need exceptions call exc_install(), which also clears ERL.
 *
 * Contract: sp = top of a 16 KiB stack in .bss, .bss zeroed, then
 * exit(main(a0, a1, a2, a3)).
 */
#include "mips.h"

	.set	noreorder
	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
#ifdef GUEST_MEASURE
	mtc0	$zero, C0_COUNT		/* instruction-count estimates only, see exit.c */
#endif
	la	$sp, __stack_top
	la	$t0, __bss_start
	la	$t1, __bss_end
	/* .bss is 16-byte aligned at both ends (link.ld) */
1:	beq	$t0, $t1, 2f
	nop
	sw	$zero, 0($t0)
	sw	$zero, 4($t0)
	sw	$zero, 8($t0)
	sw	$zero, 12($t0)
	b	1b
	addiu	$t0, $t0, 16
2:	jal	main		/* a0..a3 still hold the loader's values */
	addiu	$sp, $sp, -16	/* o32: callee may spill a0..a3 here */
	jal	exit
	move	$a0, $v0
3:	b	3b
	nop
	.size	_start, . - _start

	.section .bss
	.balign	16
	.globl	__stack_bottom
__stack_bottom:
	.space	16384
	.globl	__stack_top
__stack_top:
