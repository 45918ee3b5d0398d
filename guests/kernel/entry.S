/*
 * Kernel entry points in the window: kentry (from the boot stub), kexc (every exception but
 * the refill), trapret (back to the interrupted context), swtch (between kernel contexts).
 */
#include "cp0.h"
#include "memlayout.h"
#include "trap.h"

	.set	noreorder
	.set	noat
	.text

/*
 * Open a trap frame, for the bare and the monitor entry alike. k0 holds the interrupted
 * Status: from user mode, switch to the process's kernel stack (PDA_KSTACK); then save the
 * old sp, the general registers, LO and HI in the frame.
 */
	.macro	PUSH_FRAME
	andi	$k0, $k0, ST_KSU_USER
	beqz	$k0, 2f
	move	$k1, $sp
	lui	$k0, %hi(PDA_VA)
	lw	$sp, %lo(PDA_VA) + PDA_KSTACK($k0)
2:	addiu	$sp, $sp, -TF_SIZE
	sw	$k1, TF_REG(29)($sp)
	SAVE_GPRS
	mflo	$t0
	sw	$t0, TF_LO($sp)
	mfhi	$t0
	sw	$t0, TF_HI($sp)
	.endm

/* LO, HI and the general registers back from the frame at sp (sp itself last, by the caller). */
	.macro	POP_GPRS
	lw	$t0, TF_LO($sp)
	mtlo	$t0
	lw	$t0, TF_HI($sp)
	mthi	$t0
	RESTORE_GPRS
	.endm

/* The general registers of a trap frame (all but zero, sp, k0, k1), saved and restored. */
	.macro	SAVE_GPRS
	sw	$1, TF_REG(1)($sp)
	sw	$2, TF_REG(2)($sp)
	sw	$3, TF_REG(3)($sp)
	sw	$4, TF_REG(4)($sp)
	sw	$5, TF_REG(5)($sp)
	sw	$6, TF_REG(6)($sp)
	sw	$7, TF_REG(7)($sp)
	sw	$8, TF_REG(8)($sp)
	sw	$9, TF_REG(9)($sp)
	sw	$10, TF_REG(10)($sp)
	sw	$11, TF_REG(11)($sp)
	sw	$12, TF_REG(12)($sp)
	sw	$13, TF_REG(13)($sp)
	sw	$14, TF_REG(14)($sp)
	sw	$15, TF_REG(15)($sp)
	sw	$16, TF_REG(16)($sp)
	sw	$17, TF_REG(17)($sp)
	sw	$18, TF_REG(18)($sp)
	sw	$19, TF_REG(19)($sp)
	sw	$20, TF_REG(20)($sp)
	sw	$21, TF_REG(21)($sp)
	sw	$22, TF_REG(22)($sp)
	sw	$23, TF_REG(23)($sp)
	sw	$24, TF_REG(24)($sp)
	sw	$25, TF_REG(25)($sp)
	sw	$28, TF_REG(28)($sp)
	sw	$30, TF_REG(30)($sp)
	sw	$31, TF_REG(31)($sp)
	.endm

	.macro	RESTORE_GPRS
	lw	$1, TF_REG(1)($sp)
	lw	$2, TF_REG(2)($sp)
	lw	$3, TF_REG(3)($sp)
	lw	$4, TF_REG(4)($sp)
	lw	$5, TF_REG(5)($sp)
	lw	$6, TF_REG(6)($sp)
	lw	$7, TF_REG(7)($sp)
	lw	$8, TF_REG(8)($sp)
	lw	$9, TF_REG(9)($sp)
	lw	$10, TF_REG(10)($sp)
	lw	$11, TF_REG(11)($sp)
	lw	$12, TF_REG(12)($sp)
	lw	$13, TF_REG(13)($sp)
	lw	$14, TF_REG(14)($sp)
	lw	$15, TF_REG(15)($sp)
	lw	$16, TF_REG(16)($sp)
	lw	$17, TF_REG(17)($sp)
	lw	$18, TF_REG(18)($sp)
	lw	$19, TF_REG(19)($sp)
	lw	$20, TF_REG(20)($sp)
	lw	$21, TF_REG(21)($sp)
	lw	$22, TF_REG(22)($sp)
	lw	$23, TF_REG(23)($sp)
	lw	$24, TF_REG(24)($sp)
	lw	$25, TF_REG(25)($sp)
	lw	$28, TF_REG(28)($sp)
	lw	$30, TF_REG(30)($sp)
	lw	$31, TF_REG(31)($sp)
	.endm

/* kentry(argc, argv, envp, memsize): boot stack, kmain (.bss is zero: boot.S _start). */
	.globl	kentry
	.type	kentry, @function
kentry:
	la	$sp, bootstack_top
	jal	kmain
	addiu	$sp, $sp, -16
3:	b	3b
	nop
	.size	kentry, . - kentry

/*
 * kexc: the general exception vector's target.
 *
 * Fast path first: a TLBL whose BadVAddr lies in the VPT is the refill handler's own load
 * missing (EXL was set, so EPC still names the user instruction). Map the VPT page pair from
 * the current page directory (PDA_PGDIR) with tlbwr and return; the user instruction then
 * misses again and the refill succeeds. Only k0/k1 are touched.
 *
 * Otherwise save a trap frame: on the process's kernel stack (PDA_KSTACK) when the trap came
 * from user mode (Status.KSU = user), else below the current kernel sp; then continue in
 * kernel mode with EXL and IE clear and call trap(tf).
 */
	.globl	kexc
	.type	kexc, @function
kexc:
	mfc0	$k0, C0_CAUSE
	andi	$k0, $k0, CA_EXC_MASK
	xori	$k0, $k0, EXC_TLBL << CA_EXC_SHIFT
	bnez	$k0, 1f
	mfc0	$k0, C0_BADVADDR
	srl	$k1, $k0, 22
	xori	$k1, $k1, VPT_BASE >> 22
	bnez	$k1, 1f
	lui	$k1, %hi(PDA_VA)
	lw	$k1, %lo(PDA_VA) + PDA_PGDIR($k1)
	ext	$k0, $k0, 13, 9		/* VPT page pair: 0..511 */
	sll	$k0, $k0, 3		/* two pgdir words per pair */
	addu	$k1, $k1, $k0
	lw	$k0, 0($k1)
	lw	$k1, 4($k1)
	mtc0	$k0, C0_ENTRYLO0
	mtc0	$k1, C0_ENTRYLO1
	ehb
	tlbwr
	eret

1:	mfc0	$k0, C0_STATUS
	PUSH_FRAME
	mfc0	$t0, C0_EPC
	sw	$t0, TF_EPC($sp)
	mfc0	$t0, C0_STATUS
	sw	$t0, TF_STATUS($sp)
	mfc0	$t1, C0_CAUSE
	sw	$t1, TF_CAUSE($sp)
	mfc0	$t1, C0_BADVADDR
	sw	$t1, TF_BADVADDR($sp)
	li	$t1, ~(ST_EXL | ST_KSU_MASK | ST_IE)
	and	$t0, $t0, $t1
	mtc0	$t0, C0_STATUS		/* kernel mode, interrupts off, nested traps allowed */
	ehb
	jal	trap
	move	$a0, $sp
	/* fall through */
	.size	kexc, . - kexc

/* trapret: restore the frame at sp and eret (also the first return of a new process). */
	.globl	trapret
	.type	trapret, @function
trapret:
	di
	ehb
	POP_GPRS
	/* the saved Status has EXL set: from here on we are at exception level again */
	lw	$k0, TF_STATUS($sp)
	mtc0	$k0, C0_STATUS
	lw	$k0, TF_EPC($sp)
	mtc0	$k0, C0_EPC
	lw	$sp, TF_REG(29)($sp)
	ehb
	eret
	.size	trapret, . - trapret

/* trapret_to(tf): return through the frame tf (a new process's first return). */
	.globl	trapret_to
	.type	trapret_to, @function
trapret_to:
	lui	$t0, %hi(machine_monitor)
	lw	$t0, %lo(machine_monitor)($t0)
	bnez	$t0, trapret_vm
	move	$sp, $a0
	b	trapret
	nop
	.size	trapret_to, . - trapret_to

/*
 * The same paths under the disco monitor (docs/monitor.md, "The privileged-register page";
 * Disco section 4.2.1: the HAL reads and writes the frequently used privileged registers with
 * loads and stores to a page the monitor maps for each virtual CPU). Status, Cause, EPC and
 * BadVAddr are read from the page at PRIV_VA; the new Status (EXL, KSU, IE) and EPC are
 * stored there and the monitor takes them at the next trap (the eret at the latest), so a
 * kernel entry traps not at all and a return once, at the eret, where the bare path above
 * makes ten COP0 accesses. trap_vm_vectors() points the vectors here when the boot probe
 * finds the monitor; the bare path is untouched.
 */
#define PRIV_VA		0xD0000000
#define PRIV_STATUS	0x00
#define PRIV_CAUSE	0x04
#define PRIV_EPC	0x08
#define PRIV_BADVADDR	0x0C
#define PRIV_ENTRYLO0	0x14
#define PRIV_ENTRYLO1	0x18
#define PRIV_CONTEXT	0x24
#define PRIV_SCRATCH	0x40	/* the guest's own words (the monitor never touches them) */

/*
 * vm_refill .. vm_refill_end: the refill handler copied to the refill vector. As boot.S's,
 * but Context is read from the page and EntryLo0/1 are written there: two traps (tlbwr and
 * eret) instead of five. A miss on the VPT load goes to kexc_vm's fast path as on bare.
 */
	.globl	vm_refill
	.globl	vm_refill_end
vm_refill:
	lui	$k0, %hi(PRIV_VA)
	lw	$k1, PRIV_CONTEXT($k0)
	lw	$k1, 0($k1)
	sw	$k1, PRIV_ENTRYLO0($k0)
	lw	$k1, PRIV_CONTEXT($k0)
	lw	$k1, 4($k1)
	sw	$k1, PRIV_ENTRYLO1($k0)
	tlbwr
	eret
vm_refill_end:

/* vm_general .. vm_general_end: copied to the general and interrupt vectors. */
	.globl	vm_general
	.globl	vm_general_end
vm_general:
	lui	$k0, %hi(kexc_vm)
	addiu	$k0, $k0, %lo(kexc_vm)
	jr	$k0
	nop
vm_general_end:

	.globl	kexc_vm
	.type	kexc_vm, @function
kexc_vm:
	lui	$k1, %hi(PRIV_VA)
	lw	$k0, PRIV_CAUSE($k1)
	andi	$k0, $k0, CA_EXC_MASK
	xori	$k0, $k0, EXC_TLBL << CA_EXC_SHIFT
	bnez	$k0, 1f
	lw	$k0, PRIV_BADVADDR($k1)
	srl	$k1, $k0, 22
	xori	$k1, $k1, VPT_BASE >> 22
	bnez	$k1, 1f
	/* the VPT fast path: $1 is borrowed (saved in the page) to address the page */
	lui	$k1, %hi(PRIV_VA)
	sw	$1, PRIV_SCRATCH($k1)
	move	$1, $k1
	lui	$k1, %hi(PDA_VA)
	lw	$k1, %lo(PDA_VA) + PDA_PGDIR($k1)
	ext	$k0, $k0, 13, 9
	sll	$k0, $k0, 3
	addu	$k1, $k1, $k0
	lw	$k0, 0($k1)
	lw	$k1, 4($k1)
	sw	$k0, PRIV_ENTRYLO0($1)
	sw	$k1, PRIV_ENTRYLO1($1)
	lw	$1, PRIV_SCRATCH($1)
	tlbwr
	eret

1:	lui	$k0, %hi(PRIV_VA)
	lw	$k0, PRIV_STATUS($k0)
	PUSH_FRAME
	lui	$t2, %hi(PRIV_VA)
	lw	$t0, PRIV_EPC($t2)
	sw	$t0, TF_EPC($sp)
	lw	$t0, PRIV_STATUS($t2)
	sw	$t0, TF_STATUS($sp)
	lw	$t1, PRIV_CAUSE($t2)
	sw	$t1, TF_CAUSE($sp)
	lw	$t1, PRIV_BADVADDR($t2)
	sw	$t1, TF_BADVADDR($sp)
	li	$t1, ~(ST_EXL | ST_KSU_MASK | ST_IE)
	and	$t0, $t0, $t1
	sw	$t0, PRIV_STATUS($t2)	/* kernel mode, interrupts off, nested traps allowed */
	jal	trap
	move	$a0, $sp
	/* fall through */
	.size	kexc_vm, . - kexc_vm

	.globl	trapret_vm
	.type	trapret_vm, @function
trapret_vm:
	lui	$t1, %hi(PRIV_VA)
	lw	$t0, PRIV_STATUS($t1)
	ori	$t0, $t0, ST_IE
	xori	$t0, $t0, ST_IE
	sw	$t0, PRIV_STATUS($t1)	/* interrupts off (intr_off) */
	POP_GPRS
	lui	$k1, %hi(PRIV_VA)
	lw	$k0, TF_STATUS($sp)
	sw	$k0, PRIV_STATUS($k1)	/* EXL set: exception level again from the next trap on */
	lw	$k0, TF_EPC($sp)
	sw	$k0, PRIV_EPC($k1)
	lw	$sp, TF_REG(29)($sp)
	eret
	.size	trapret_vm, . - trapret_vm

/*
 * peek32(addr, val): load the word at addr into *val and return 0, or return -1 if the load
 * takes a bus error (nothing answers at addr): trap() resumes at PDA_ONFAULT. For probing
 * devices, as BSD's badaddr does.
 */
	.globl	peek32
	.type	peek32, @function
peek32:
	la	$t0, 1f
	lui	$t1, %hi(PDA_VA)
	sw	$t0, %lo(PDA_VA) + PDA_ONFAULT($t1)
	lw	$t2, 0($a0)
	sw	$zero, %lo(PDA_VA) + PDA_ONFAULT($t1)
	sw	$t2, 0($a1)
	jr	$ra
	move	$v0, $zero
1:	sw	$zero, %lo(PDA_VA) + PDA_ONFAULT($t1)
	jr	$ra
	li	$v0, -1
	.size	peek32, . - peek32

/* swtch(old, new): save callee-saved registers in *old, load *new (struct context). */
	.globl	swtch
	.type	swtch, @function
swtch:
	sw	$s0, 0($a0)
	sw	$s1, 4($a0)
	sw	$s2, 8($a0)
	sw	$s3, 12($a0)
	sw	$s4, 16($a0)
	sw	$s5, 20($a0)
	sw	$s6, 24($a0)
	sw	$s7, 28($a0)
	sw	$fp, 32($a0)
	sw	$sp, 36($a0)
	sw	$ra, 40($a0)
	lw	$s0, 0($a1)
	lw	$s1, 4($a1)
	lw	$s2, 8($a1)
	lw	$s3, 12($a1)
	lw	$s4, 16($a1)
	lw	$s5, 20($a1)
	lw	$s6, 24($a1)
	lw	$s7, 28($a1)
	lw	$fp, 32($a1)
	lw	$sp, 36($a1)
	lw	$ra, 40($a1)
	jr	$ra
	nop
	.size	swtch, . - swtch

	.bss
	.balign	16
	.space	8192
	.globl	bootstack_top
bootstack_top:
