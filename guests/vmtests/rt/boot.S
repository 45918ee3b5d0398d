/*
 * Exception vectors and boot stub of the monitor test guests, in low physical memory
 * (kseg0 on the bare machine, the window alias under the monitor). Position independent:
 * every absolute address is a window symbol.
 *
 *   0x000  TLB refill          -> vt_refill_vec
 *   0x180  general exceptions  -> vt_general_vec
 *   0x200  interrupts (IV = 1) -> vt_general_vec
 *   0x300  _start, then _secondary and map_window
 */
#include "mips.h"

	.set	noreorder
	.set	noat
	.section .boot, "ax", @progbits

	.globl	_vectors
_vectors:
	lui	$k0, %hi(vt_refill_vec)
	addiu	$k0, $k0, %lo(vt_refill_vec)
	jr	$k0
	nop

	.org	0x180
	lui	$k0, %hi(vt_general_vec)
	addiu	$k0, $k0, %lo(vt_general_vec)
	jr	$k0
	nop

	.org	0x200
	lui	$k0, %hi(vt_general_vec)
	addiu	$k0, $k0, %lo(vt_general_vec)
	jr	$k0
	nop

	.org	0x300
/*
 * _start(argc, argv, envp, memsize). Bare (the PC is in kseg0): map_window, then vt_start in
 * the window. Under the monitor (the PC is in the window) the monitor maps the window.
 */
	.globl	_start
	.type	_start, @function
_start:
	move	$s0, $a0
	move	$s1, $a1
	move	$s2, $a2
	move	$s3, $a3
	bal	1f
	nop
1:	srl	$t0, $ra, 29
	li	$t1, 4
	bne	$t0, $t1, 9f
	nop
	bal	map_window
	move	$a0, $s3
9:	move	$a0, $s0
	move	$a1, $s1
	move	$a2, $s2
	move	$a3, $s3
	lui	$t0, %hi(vt_start)
	addiu	$t0, $t0, %lo(vt_start)
	jr	$t0
	nop
	.size	_start, . - _start

/*
 * _secondary(arg, cpu): where a CPU started through the node controller begins (START_PC),
 * with sp = START_SP. Bare, it maps its own TLB's window (RAM size from the node controller);
 * then vt_secondary(arg, cpu) in the window.
 */
	.globl	_secondary
	.type	_secondary, @function
_secondary:
	move	$s0, $a0
	move	$s1, $a1
	bal	1f
	nop
1:	srl	$t0, $ra, 29
	li	$t1, 4
	bne	$t0, $t1, 9f
	nop
	lui	$t0, 0xbf20		/* node controller RAM_SIZE */
	bal	map_window
	lw	$a0, 0x18($t0)
9:	move	$a0, $s0
	move	$a1, $s1
	lui	$t0, %hi(vt_secondary)
	addiu	$t0, $t0, %lo(vt_secondary)
	jr	$t0
	nop
	.size	_secondary, . - _secondary

/*
 * map_window(memsize): invalidate this CPU's TLB, map physical [0, memsize) at 0xC0000000 with
 * wired pairs of 16 MiB pages, EBase = 0x80000000, BEV off. Uses t0-t8 and a0 only.
 */
	.type	map_window, @function
map_window:
	li	$t0, ST_BEV		/* kernel mode, interrupts off */
	mtc0	$t0, C0_STATUS
	mtc0	$zero, C0_CAUSE
	mtc0	$zero, C0_WIRED
	mtc0	$zero, C0_PAGEMASK
	mtc0	$zero, C0_ENTRYLO0
	mtc0	$zero, C0_ENTRYLO1
	ehb
	mfc0	$t0, C0_CONFIG, 1
	ext	$t0, $t0, 25, 6		/* Config1.MMUSize = entries - 1 */
	lui	$t1, 0x8000
2:	sll	$t2, $t0, 13
	addu	$t2, $t2, $t1
	mtc0	$t2, C0_ENTRYHI
	mtc0	$t0, C0_INDEX
	ehb
	tlbwi
	bgtz	$t0, 2b
	addiu	$t0, $t0, -1

	li	$t0, PM_16M		/* 16 MiB pages */
	mtc0	$t0, C0_PAGEMASK
	move	$t3, $zero		/* pair i maps physical [32i, 32i + 32) MiB */
3:	sll	$t5, $t3, 25
	sltu	$t6, $t5, $a0
	beqz	$t6, 4f
	lui	$t4, 0xc000
	addu	$t2, $t4, $t5
	mtc0	$t2, C0_ENTRYHI
	srl	$t7, $t5, 6
	ori	$t7, $t7, 0x1f		/* C = 3, D, V, G */
	mtc0	$t7, C0_ENTRYLO0
	lui	$t8, 0x0100
	addu	$t8, $t5, $t8
	srl	$t7, $t8, 6
	ori	$t7, $t7, 0x1d		/* C = 3, D, G; V below */
	sltu	$t6, $t8, $a0
	sll	$t6, $t6, 1
	or	$t7, $t7, $t6
	mtc0	$t7, C0_ENTRYLO1
	mtc0	$t3, C0_INDEX
	ehb
	tlbwi
	b	3b
	addiu	$t3, $t3, 1
4:	mtc0	$t3, C0_WIRED
	mtc0	$zero, C0_PAGEMASK
	mtc0	$zero, C0_ENTRYHI
	lui	$t0, 0x8000
	mtc0	$t0, $15, 1		/* EBase */
	mtc0	$zero, C0_STATUS	/* BEV off: vectors at EBase */
	ehb
	jr	$ra
	nop
	.size	map_window, . - map_window
