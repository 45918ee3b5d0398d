/*
 * Exception vectors and the boot stub, in low physical memory (kseg0 0x80000000 on the bare
 * machine, the window alias 0xC0000000 under the monitor). Everything here is position
 * independent: the only absolute addresses are window symbols of the kernel proper.
 *
 *   0x000  TLB refill (MIPS32 PRA 6.2.1: a miss with EXL = 0)
 *   0x180  every other exception: jump to kexc in the window
 *   0x200  interrupts when Cause.IV = 1 (the kernel keeps IV = 0): same
 *   0x300  _start, the ELF entry point
 */
#include "cp0.h"
#include "memlayout.h"

	.set	noreorder
	.set	noat
	.section .boot, "ax", @progbits

	.globl	_vectors
_vectors:
	/*
	 * Refill: Context = VPT_BASE | BadVPN2 << 4 addresses the 16-byte slot of the missing
	 * page pair in the linear page table (memlayout.h). If the VPT page itself is not in the
	 * TLB, the first load misses with EXL = 1 and goes to 0x180 (kexc handles it and returns
	 * to the user instruction, which misses again and comes back here). EntryHi already holds
	 * VPN2 and ASID of the miss.
	 */
	mfc0	$k1, C0_CONTEXT
	lw	$k0, 0($k1)
	lw	$k1, 4($k1)
	mtc0	$k0, C0_ENTRYLO0
	mtc0	$k1, C0_ENTRYLO1
	ehb
	tlbwr
	eret

	.org	0x180
	lui	$k0, %hi(kexc)
	addiu	$k0, $k0, %lo(kexc)
	jr	$k0
	nop

	.org	0x200
	lui	$k0, %hi(kexc)
	addiu	$k0, $k0, %lo(kexc)
	jr	$k0
	nop

	.org	0x300
/*
 * _start(argc, argv, envp, memsize): entered as QEMU's Malta boot code enters a -kernel
 * image (kernel mode, Status.BEV = 1), or by the monitor at the window alias in supervisor
 * mode. Only in the first case is the PC in kseg0; then this stub builds the window itself:
 * it invalidates the TLB, maps physical [0, memsize) at KERNBASE with wired pairs of 16 MiB
 * pages (global, cached, dirty), moves the vectors to EBase = 0x80000000 and clears BEV,
 * and clears .bss. Under the monitor .bss is zero already (its loader leaves the pages
 * untouched and a page is zeroed on first touch, docs/monitor.md); clearing it there would
 * make the VM hold a machine page for each of its ~170 .bss pages at boot, most of them
 * never used (process kernel stacks, CPU stacks, the buffer headers of a large cache).
 */
	.globl	_start
	.type	_start, @function
_start:
	move	$s0, $a0
	move	$s1, $a1
	move	$s2, $a2
	move	$s3, $a3
	li	$t0, MAXMEM
	sltu	$t1, $s3, $t0
	movz	$s3, $t0, $t1		/* memsize = min(memsize, MAXMEM) */
	bal	1f
	nop
1:	srl	$t0, $ra, 29
	li	$t1, 4
	bne	$t0, $t1, 9f		/* not kseg0: someone else maps the window */
	nop
	bal	tlbsetup
	nop
	lui	$t0, %hi(__bss_start)
	addiu	$t0, $t0, %lo(__bss_start)
	lui	$t1, %hi(__bss_end)
	addiu	$t1, $t1, %lo(__bss_end)
2:	beq	$t0, $t1, 9f
	nop
	sw	$zero, 0($t0)
	b	2b
	addiu	$t0, $t0, 4

9:	move	$a0, $s0
	move	$a1, $s1
	move	$a2, $s2
	move	$a3, $s3
	lui	$t0, %hi(kentry)
	addiu	$t0, $t0, %lo(kentry)
	jr	$t0
	nop
	.size	_start, . - _start

/*
 * _secondary(memsize, cpuid): a secondary CPU, started by the node controller (cpu/nodectl.ts)
 * in kernel mode with Status.BEV = 1 and sp = its boot stack (a window address, not touched
 * before the window is mapped). Its TLB is its own: map the window here too, then enter
 * ksecondary(cpuid) in the window.
 */
	.globl	_secondary
	.type	_secondary, @function
_secondary:
	move	$s1, $a1
	move	$s3, $a0
	li	$t0, MAXMEM
	sltu	$t1, $s3, $t0
	movz	$s3, $t0, $t1
	bal	tlbsetup
	nop
	move	$a0, $s1
	lui	$t0, %hi(ksecondary)
	addiu	$t0, $t0, %lo(ksecondary)
	jr	$t0
	nop
	.size	_secondary, . - _secondary

/* tlbsetup: this CPU's TLB and vectors as described above; s3 = memsize; uses t0-t8. */
	.type	tlbsetup, @function
tlbsetup:
	li	$t0, ST_CU0 | ST_BEV	/* kernel mode, interrupts off, still BEV */
	mtc0	$t0, C0_STATUS
	mtc0	$zero, C0_CAUSE
	mtc0	$zero, C0_WIRED
	mtc0	$zero, C0_PAGEMASK
	mtc0	$zero, C0_ENTRYLO0
	mtc0	$zero, C0_ENTRYLO1
	ehb

	/* invalidate entries N-1 .. 0: distinct kseg0 VPN2s never match (kseg0 is unmapped) */
	mfc0	$t0, C0_CONFIG, 1
	ext	$t0, $t0, 25, 6		/* Config1.MMUSize = N - 1 */
	lui	$t1, 0x8000
2:	sll	$t2, $t0, 13
	addu	$t2, $t2, $t1
	mtc0	$t2, C0_ENTRYHI
	mtc0	$t0, C0_INDEX
	ehb
	tlbwi
	bgtz	$t0, 2b
	addiu	$t0, $t0, -1

	/* the window: pair i maps physical [32i, 32i + 32) MiB at KERNBASE + 32i MiB */
	li	$t0, PM_16M
	mtc0	$t0, C0_PAGEMASK
	move	$t3, $zero		/* i */
3:	sll	$t5, $t3, 25		/* pa of the even page */
	sltu	$t6, $t5, $s3
	beqz	$t6, 4f
	lui	$t4, %hi(KERNBASE)
	addu	$t2, $t4, $t5
	mtc0	$t2, C0_ENTRYHI		/* ASID 0; G below makes it global */
	srl	$t7, $t5, 6		/* PFN field: (pa >> 12) << 6 */
	ori	$t7, $t7, PTE_C_CACHED | PTE_D | PTE_V | PTE_G
	mtc0	$t7, C0_ENTRYLO0
	lui	$t8, 0x0100		/* 16 MiB */
	addu	$t8, $t5, $t8		/* pa of the odd page */
	srl	$t7, $t8, 6
	ori	$t7, $t7, PTE_C_CACHED | PTE_D | PTE_G
	sltu	$t6, $t8, $s3		/* valid only if it starts inside RAM */
	sll	$t6, $t6, 1
	or	$t7, $t7, $t6
	mtc0	$t7, C0_ENTRYLO1
	mtc0	$t3, C0_INDEX
	ehb
	tlbwi
	b	3b
	addiu	$t3, $t3, 1
4:	mtc0	$t3, C0_WIRED		/* the kernel adds the PDA entry after these */
	mtc0	$zero, C0_PAGEMASK
	mtc0	$zero, C0_ENTRYHI
	lui	$t0, 0x8000
	mtc0	$t0, C0_EBASE
	li	$t0, ST_CU0		/* vectors at EBase from now on */
	mtc0	$t0, C0_STATUS
	ehb
	jr	$ra
	nop
	.size	tlbsetup, . - tlbsetup
