/*
 * mode: kernel, supervisor and user modes (MIPS32 PRA 3.1-3.4, 9.15 Status).
 * eret into user mode and syscall back; eret back into user mode after a
 * handled exception; user access to kseg0/kseg1/kseg2/kseg3 and user fetch
 * from kseg0 raise address errors with BadVAddr; CP0 instructions (mfc0, eret,
 * cache) in user mode raise CpU with CE=0 unless Status.CU0=1; a user TLB miss
 * refills at 0x000; supervisor mode may use suseg and sseg but not kseg0/kseg3;
 * eret with Status.ERL=1 returns to ErrorEPC.
 *
 * User/supervisor code lives in this image and runs through a kuseg alias:
 * one global 16M-page pair maps VA 0..32M to PA 0..32M, so the code at kseg0
 * address X runs at X & 0x1fffffff.
 */
#include "mips.h"
#include "test.h"

#define PA_A	0x00800000
#define ALIAS(r)	ins r, $zero, 29, 3

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"mode: user and supervisor modes, segment protection"
	jal	exc_install
	lui	$a0, 0x8000
	jal	tlb_init
	nop
	/* entry 0: identity map of 0..32M, global */
	li	$a0, 0
	li	$a1, 0
	li	$a2, LO_PFN(0) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$a3, LO_PFN(0x01000000) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$t0, PM_16M
	jal	tlb_write
	sw	$t0, 16($sp)
	/* entry 1: sseg 0xc0000000 -> PA_A, also kseg2 from the kernel's view */
	li	$a0, 1
	li	$a1, 0xc0000000
	li	$a2, LO_PFN(PA_A) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$a3, LO_PFN(PA_A) | LO_C_CACHED | LO_D | LO_V | LO_G
	jal	tlb_write
	sw	$zero, 16($sp)
	li	$t0, 0x80000000 | PA_A
	li	$t1, 0x5e65e6
	sw	$t1, 0($t0)

	/* ---- kernel -> user by eret, user -> kernel by syscall ---- */
	la	$t0, marker
	sw	$zero, 0($t0)
	TRY	1f
	la	$a0, u_sys
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_SYS, "syscall from user mode"
	la	$s3, u_sys_at
	ALIAS($s3)
	CHECK_EPC $s3, "syscall from user mode"
	EXCGET	$t0, EXC_STATUS
	andi	$t0, $t0, ST_KSU_MASK | ST_EXL | ST_ERL
	CHECK	$t0, ST_KSU_USER | ST_EXL, "syscall from user: Status KSU=user, EXL=1"
	la	$t0, marker
	lw	$t0, 0($t0)
	CHECK	$t0, 0x600d, "user code ran and stored through kuseg"
	mfc0	$t0, C0_STATUS
	andi	$t0, $t0, ST_KSU_MASK | ST_EXL
	CHECK	$t0, 0, "back in kernel mode"

	/* ---- eret returns to user mode: syscall (skipped), then mfc0 faults ---- */
	TRY	k_twice_back
	li	$t0, EXC_RESUME_SKIP	/* u_twice sets the resume point itself */
	la	$t9, exc
	sw	$t0, EXC_RESUME($t9)
	la	$a0, u_twice
	jal	enter
	li	$a1, ST_KSU_USER
k_twice_back:
	EXCGET	$t0, EXC_COUNT
	subu	$t0, $t0, $s7
	CHECK	$t0, 2, "syscall, eret to user, then a CP0 access: two exceptions"
	EXCCODE	$t0
	CHECK	$t0, EXC_CPU, "second exception is CpU: eret went back to user mode"

	/* ---- CP0 access from user mode ---- */
	TRY	1f
	la	$a0, u_mfc0
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_CPU, "user mfc0"
	la	$s3, u_mfc0
	ALIAS($s3)
	CHECK_EPC $s3, "user mfc0"
	EXCGET	$t0, EXC_CAUSE
	ext	$t0, $t0, CA_CE_SHIFT, 2
	CHECK	$t0, 0, "user mfc0: Cause.CE = 0"

	TRY	1f
	la	$a0, u_mtc0
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_CPU, "user mtc0"
	TRY	1f
	la	$a0, u_eret
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_CPU, "user eret"
	TRY	1f
	la	$a0, u_tlbwi
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_CPU, "user tlbwi"
	TRY	1f
	la	$a0, u_cache
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_CPU, "user cache"

	/* CU0=1 lets user mode use CP0 */
	mfc0	$s4, C0_STATUS
	li	$t0, ST_CU0
	or	$t0, $s4, $t0
	mtc0	$t0, C0_STATUS
	ehb
	TRY	1f
	la	$a0, u_cu0
	jal	enter
	li	$a1, ST_KSU_USER
1:	mtc0	$s4, C0_STATUS
	ehb
	CAUGHT	EXC_SYS, "user mfc0 with CU0=1, then syscall"
	andi	$t0, $s6, ST_KSU_MASK | ST_EXL
	CHECK	$t0, ST_KSU_USER, "user mfc0 with CU0=1 reads Status (KSU=user, EXL=0)"

	/* ---- kernel segments from user mode ---- */
	TRY	1f
	la	$a0, u_kseg0
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_ADEL, "user load from kseg0"
	li	$s3, 0x80000000
	CHECK_BADVADDR $s3, "user load from kseg0"
	TRY	1f
	la	$a0, u_kseg1
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_ADES, "user store to kseg1"
	li	$s3, 0xa0000010
	CHECK_BADVADDR $s3, "user store to kseg1"
	TRY	1f
	la	$a0, u_kseg2
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_ADEL, "user load from kseg2 (mapped, still refused)"
	li	$s3, 0xc0000000
	CHECK_BADVADDR $s3, "user load from kseg2"
	TRY	1f
	la	$a0, u_kseg3
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_ADEL, "user load from kseg3"
	li	$s3, 0xe0000000
	CHECK_BADVADDR $s3, "user load from kseg3"
	TRY	1f
	la	$a0, u_fetch
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_ADEL, "user fetch from kseg0"
	la	$s3, k_target
	CHECK_EPC $s3, "user fetch from kseg0: EPC = target"
	CHECK_BADVADDR $s3, "user fetch from kseg0"
	TRY	1f
	la	$a0, u_miss
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_TLBL, "user TLB miss"
	CHECK_VECTOR 0x80000000, "user TLB miss: refill"
	li	$s3, 0x06000000
	CHECK_BADVADDR $s3, "user TLB miss"
	EXCGET	$t0, EXC_STATUS
	andi	$t0, $t0, ST_KSU_MASK
	CHECK	$t0, ST_KSU_USER, "user TLB miss: taken from user mode"

	/* ---- supervisor mode ---- */
	TRY	1f
	la	$a0, s_ok
	jal	enter
	li	$a1, ST_KSU_SUPER
1:	CAUGHT	EXC_SYS, "supervisor: suseg and sseg loads, then syscall"
	CHECK	$s5, 0x5e65e6, "supervisor: sseg 0xc0000000 mapped -> PA_A"
	CHECK	$s6, 0x600d, "supervisor: suseg load"
	EXCGET	$t0, EXC_STATUS
	andi	$t0, $t0, ST_KSU_MASK | ST_EXL
	CHECK	$t0, ST_KSU_SUPER | ST_EXL, "supervisor syscall: Status KSU=supervisor"
	TRY	1f
	la	$a0, u_kseg0
	jal	enter
	li	$a1, ST_KSU_SUPER
1:	CAUGHT	EXC_ADEL, "supervisor load from kseg0"
	TRY	1f
	la	$a0, u_kseg3
	jal	enter
	li	$a1, ST_KSU_SUPER
1:	CAUGHT	EXC_ADEL, "supervisor load from kseg3"
	TRY	1f
	la	$a0, u_mfc0
	jal	enter
	li	$a1, ST_KSU_SUPER
1:	CAUGHT	EXC_CPU, "supervisor mfc0"
	TRY	1f
	la	$a0, u_kseg2
	jal	enter
	li	$a1, ST_KSU_USER
1:	CAUGHT	EXC_ADEL, "user load from sseg"

	/* ---- eret with ERL=1 uses ErrorEPC and clears only ERL ---- */
	la	$t0, 2f
	mtc0	$t0, C0_ERROREPC
	la	$t0, 3f
	mtc0	$t0, C0_EPC
	mfc0	$s4, C0_STATUS
	ori	$t0, $s4, ST_ERL
	mtc0	$t0, C0_STATUS
	ehb
	eret
3:	li	$s5, 3
	b	4f
	nop
2:	li	$s5, 2
4:	mfc0	$s6, C0_STATUS
	andi	$s6, $s6, ST_ERL | ST_EXL
	CHECK	$s5, 2, "eret with ERL=1 returns to ErrorEPC"
	CHECK	$s6, 0, "eret with ERL=1 cleared ERL"

	FINISH

/* enter(a0 = code in kseg0, a1 = KSU bits): eret to a0's kuseg alias in mode a1 */
enter:
	ALIAS($a0)
	mtc0	$a0, C0_EPC
	mfc0	$t0, C0_STATUS
	ins	$t0, $zero, 3, 2
	or	$t0, $t0, $a1
	ori	$t0, $t0, ST_EXL
	mtc0	$t0, C0_STATUS
	ehb
	eret

k_target:
	nop

/* ---- code run in user or supervisor mode (through the kuseg alias) ---- */
	.balign	16
u_sys:
	la	$t1, marker
	ALIAS($t1)
	li	$t0, 0x600d
	sw	$t0, 0($t1)
u_sys_at:
	syscall
	nop

u_twice:
	syscall			/* skipped by the handler: eret back here + 4 */
	la	$t8, k_twice_back	/* next exception resumes in the kernel */
	la	$t9, exc
	ALIAS($t9)
	sw	$t8, EXC_RESUME($t9)
	mfc0	$t0, C0_STATUS	/* must fault: user mode again */
	syscall
	nop

u_mfc0:
	mfc0	$t0, C0_STATUS
	syscall
u_mtc0:
	mtc0	$zero, C0_COMPARE
	syscall
u_eret:
	eret
	syscall
u_tlbwi:
	tlbwi
	syscall
u_cache:
	la	$t0, marker
	ALIAS($t0)
	cache	0x10, 0($t0)
	syscall
u_cu0:
	mfc0	$s6, C0_STATUS
	syscall

u_kseg0:
	li	$t0, 0x80000000
	lw	$t1, 0($t0)
	syscall
u_kseg1:
	li	$t0, 0xa0000000
	sw	$zero, 0x10($t0)
	syscall
u_kseg2:
	li	$t0, 0xc0000000
	lw	$t1, 0($t0)
	syscall
u_kseg3:
	li	$t0, 0xe0000000
	lw	$t1, 0($t0)
	syscall
u_fetch:
	la	$t0, k_target
	jr	$t0
	nop
	syscall
u_miss:
	li	$t0, 0x06000000
	lw	$t1, 0($t0)
	syscall

s_ok:
	li	$t0, 0xc0000000
	lw	$s5, 0($t0)
	la	$t0, marker
	ALIAS($t0)
	lw	$s6, 0($t0)
	syscall
	nop

	.data
	.balign	16
marker:	.word	0
