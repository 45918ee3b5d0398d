/*
 * irq: interrupts and the CP0 timer (MIPS32 PRA 6.1, 9.15-9.16, Vol II ei/di/wait).
 * Software interrupts IP0/IP1 raised through Cause; masking by Status.IE, by
 * Status.IM and by EXL/ERL; di/ei return the old Status; Cause.IV=1 moves the
 * interrupt vector to 0x200; Count runs and stops with Cause.DC; Count = Compare
 * raises IP7 and Cause.TI, writing Compare clears them; the timer interrupt is
 * taken when enabled, including out of `wait` (EPC = the instruction after it).
 * Nothing here depends on how fast Count runs (QEMU's follows host time): waits
 * are bounded polls, and Count values are never printed.
 *
 * The test handler (exc.h) answers an interrupt by clearing Status.IE and
 * Cause.IP0/IP1, so a source that stays asserted (IP7) does not re-enter.
 */
#include "mips.h"
#include "test.h"

#define SPIN_SHORT	2000		/* iterations for "nothing happens" */
#define SPIN_LONG	20000000	/* bound for "eventually happens" */

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"irq: software interrupts, masking, timer"
	jal	exc_install
	lui	$a0, 0x8000
	/* timer out of the way: next match a full Count period away */
	mfc0	$t0, C0_COUNT
	addiu	$t0, $t0, -1
	mtc0	$t0, C0_COMPARE
	ehb

	/* ---- Cause: only IP1..IP0 are software-writable ---- */
	li	$t0, CA_IP_MASK
	mtc0	$t0, C0_CAUSE
	ehb
	mfc0	$s0, C0_CAUSE
	mtc0	$zero, C0_CAUSE
	ehb
	andi	$t0, $s0, CA_IP(0) | CA_IP(1) | CA_IP(7)
	CHECK	$t0, CA_IP(0) | CA_IP(1), "Cause: IP0/IP1 writable, IP7 not"

	/* ---- IP0 pending with IE=0: nothing ---- */
	li	$t0, ST_IM(0)
	mtc0	$t0, C0_STATUS
	TRY	1f
	li	$t0, CA_IP(0)
	mtc0	$t0, C0_CAUSE
	ehb
	li	$a0, SPIN_SHORT
	jal	spin
	nop
1:	NO_EXC	"IP0 with Status.IE=0"
	mfc0	$t0, C0_CAUSE
	andi	$t0, $t0, CA_IP(0)
	CHECK	$t0, CA_IP(0), "IP0 stays pending"

	/* ---- ei: taken ---- */
	TRY	1f
	ei
	ehb
	li	$a0, SPIN_LONG
	jal	spin
	nop
1:	CAUGHT	EXC_INT, "IP0 after ei"
	CHECK_VECTOR 0x80000180, "IP0 (Cause.IV=0)"
	EXCGET	$t0, EXC_CAUSE
	andi	$t0, $t0, CA_IP(0) | CA_IP(1)
	CHECK	$t0, CA_IP(0), "IP0: Cause.IP0 set at entry"
	EXCGET	$t0, EXC_STATUS
	andi	$t0, $t0, ST_IE | ST_EXL
	CHECK	$t0, ST_IE | ST_EXL, "IP0: Status.EXL set, IE still 1 at entry"
	mfc0	$t0, C0_CAUSE
	andi	$t0, $t0, CA_IP(0)
	CHECK	$t0, 0, "handler cleared IP0"

	/* ---- IM masking ---- */
	li	$t0, ST_IM(1) | ST_IE
	mtc0	$t0, C0_STATUS
	TRY	1f
	li	$t0, CA_IP(0)
	mtc0	$t0, C0_CAUSE
	ehb
	li	$a0, SPIN_SHORT
	jal	spin
	nop
1:	NO_EXC	"IP0 with IM0=0, IE=1"
	TRY	1f
	li	$t0, ST_IM(0) | ST_IM(1) | ST_IE
	mtc0	$t0, C0_STATUS
	ehb
	li	$a0, SPIN_LONG
	jal	spin
	nop
1:	CAUGHT	EXC_INT, "IP0 once IM0=1"

	/* ---- EXL and ERL block interrupts ---- */
	li	$t0, ST_IM(1) | ST_IE | ST_EXL
	mtc0	$t0, C0_STATUS
	TRY	1f
	li	$t0, CA_IP(1)
	mtc0	$t0, C0_CAUSE
	ehb
	li	$a0, SPIN_SHORT
	jal	spin
	nop
1:	NO_EXC	"IP1 with EXL=1"
	TRY	1f
	li	$t0, ST_IM(1) | ST_IE
	mtc0	$t0, C0_STATUS
	ehb
	li	$a0, SPIN_LONG
	jal	spin
	nop
1:	CAUGHT	EXC_INT, "IP1 once EXL=0"
	EXCGET	$t0, EXC_CAUSE
	andi	$t0, $t0, CA_IP(0) | CA_IP(1)
	CHECK	$t0, CA_IP(1), "IP1: Cause.IP1 set at entry"

	li	$t0, ST_IM(1) | ST_IE | ST_ERL
	mtc0	$t0, C0_STATUS
	TRY	1f
	li	$t0, CA_IP(1)
	mtc0	$t0, C0_CAUSE
	ehb
	li	$a0, SPIN_SHORT
	jal	spin
	nop
1:	NO_EXC	"IP1 with ERL=1"
	TRY	1f
	li	$t0, ST_IM(1) | ST_IE
	mtc0	$t0, C0_STATUS
	ehb
	li	$a0, SPIN_LONG
	jal	spin
	nop
1:	CAUGHT	EXC_INT, "IP1 once ERL=0"

	/* ---- di / ei ---- */
	li	$t0, ST_IE
	mtc0	$t0, C0_STATUS
	ehb
	di	$s0
	ehb
	mfc0	$s1, C0_STATUS
	ei	$s2
	ehb
	mfc0	$s3, C0_STATUS
	di
	ehb
	andi	$t0, $s0, ST_IE
	CHECK	$t0, ST_IE, "di returns the old Status (IE=1)"
	andi	$t0, $s1, ST_IE
	CHECK	$t0, 0, "di clears IE"
	andi	$t0, $s2, ST_IE
	CHECK	$t0, 0, "ei returns the old Status (IE=0)"
	andi	$t0, $s3, ST_IE
	CHECK	$t0, ST_IE, "ei sets IE"

	/* ---- Cause.IV: interrupt vector at 0x200 ---- */
	li	$t0, CA_IV
	mtc0	$t0, C0_CAUSE
	li	$t0, ST_IM(0) | ST_IE
	TRY	1f
	mtc0	$t0, C0_STATUS
	li	$t0, CA_IV | CA_IP(0)
	mtc0	$t0, C0_CAUSE
	ehb
	li	$a0, SPIN_LONG
	jal	spin
	nop
1:	CAUGHT	EXC_INT, "IP0 with Cause.IV=1"
	CHECK_VECTOR 0x80000200, "IP0 with Cause.IV=1"
	mtc0	$zero, C0_CAUSE
	mtc0	$zero, C0_STATUS
	ehb

	/* ---- Count runs, Cause.DC stops it ---- */
	mfc0	$s0, C0_COUNT
	li	$s1, SPIN_LONG
2:	mfc0	$t0, C0_COUNT
	bne	$t0, $s0, 3f
	addiu	$s1, $s1, -1
	bnez	$s1, 2b
	nop
3:	sltu	$t0, $zero, $s1
	CHECK	$t0, 1, "Count advances"
	li	$t0, CA_DC
	mtc0	$t0, C0_CAUSE
	ehb
	mfc0	$s0, C0_COUNT
	li	$a0, SPIN_SHORT
	jal	spin
	nop
	mfc0	$s1, C0_COUNT
	mtc0	$zero, C0_CAUSE
	ehb
	CHECKR	$s1, $s0, "Cause.DC=1 stops Count"
	li	$t0, 0x12345678
	mtc0	$t0, C0_COUNT
	ehb
	mfc0	$s0, C0_COUNT
	li	$t0, 0x12345678
	subu	$s0, $s0, $t0
	li	$t0, 0x100000
	sltu	$t0, $s0, $t0
	CHECK	$t0, 1, "Count write takes effect"

	/* ---- timer: pending without IE, then taken ---- */
	li	$t0, ST_IM(7)
	mtc0	$t0, C0_STATUS
	TRY	1f
	li	$a0, 200
	jal	arm_timer
	nop
	li	$s1, SPIN_LONG
2:	mfc0	$t0, C0_CAUSE
	andi	$t0, $t0, CA_IP(7)
	bnez	$t0, 1f
	addiu	$s1, $s1, -1
	bnez	$s1, 2b
	nop
1:	NO_EXC	"timer match with IE=0"
	mfc0	$s0, C0_CAUSE
	li	$t0, CA_IP(7) | CA_TI
	and	$s0, $s0, $t0
	CHECK	$s0, CA_IP(7) | CA_TI, "Count = Compare sets Cause.IP7 and Cause.TI"
	TRY	1f
	ei
	ehb
	li	$a0, SPIN_LONG
	jal	spin
	nop
1:	CAUGHT	EXC_INT, "timer interrupt after ei"
	EXCGET	$t0, EXC_CAUSE
	andi	$t0, $t0, CA_IP(7)
	CHECK	$t0, CA_IP(7), "timer interrupt: Cause.IP7 at entry"
	mfc0	$t0, C0_CAUSE
	andi	$t0, $t0, CA_IP(7)
	CHECK	$t0, CA_IP(7), "IP7 stays asserted until Compare is written"
	mfc0	$t0, C0_COMPARE
	mtc0	$t0, C0_COMPARE
	ehb
	mfc0	$s0, C0_CAUSE
	li	$t0, CA_IP(7) | CA_TI
	and	$s0, $s0, $t0
	CHECK	$s0, 0, "writing Compare clears IP7 and TI"

	/* ---- IM7=0 masks the timer ---- */
	li	$t0, ST_IM(0) | ST_IE
	mtc0	$t0, C0_STATUS
	TRY	1f
	li	$a0, 100
	jal	arm_timer
	nop
	li	$s1, SPIN_LONG
2:	mfc0	$t0, C0_CAUSE
	andi	$t0, $t0, CA_IP(7)
	bnez	$t0, 1f
	addiu	$s1, $s1, -1
	bnez	$s1, 2b
	nop
1:	NO_EXC	"timer match with IM7=0"
	mtc0	$zero, C0_STATUS
	mfc0	$t0, C0_COMPARE
	mtc0	$t0, C0_COMPARE
	ehb

	/* ---- wait until the timer fires ---- */
	/* a long delay: the match must not come before the wait (QEMU's Count
	 * keeps running while it translates code) */
	li	$t0, ST_IM(7)
	mtc0	$t0, C0_STATUS
	li	$a0, 100000
	jal	arm_timer
	nop
	TRY	1f
	la	$s3, 0f
	addiu	$s3, $s3, 4
	ei
	ehb
0:	wait
	nop
1:	CAUGHT	EXC_INT, "timer interrupt ends wait"
	CHECK_EPC $s3, "wait: EPC = the instruction after wait"
	EXCGET	$t0, EXC_CAUSE
	andi	$t0, $t0, CA_IP(7)
	CHECK	$t0, CA_IP(7), "wait: woken by IP7"
	mfc0	$t0, C0_COMPARE
	mtc0	$t0, C0_COMPARE
	mtc0	$zero, C0_STATUS
	ehb

	FINISH

/*
 * arm_timer(a0 = ticks): Compare = Count + a0, retried with twice the delay
 * while Count has already passed the new Compare by the time it is written.
 */
arm_timer:
	mfc0	$t0, C0_COUNT
	addu	$t0, $t0, $a0
	mtc0	$t0, C0_COMPARE
	ehb
	mfc0	$t1, C0_COUNT
	subu	$t1, $t1, $t0
	bltz	$t1, 1f
	nop
	b	arm_timer
	sll	$a0, $a0, 1
1:	jr	$ra
	nop

/* spin(a0 iterations): return early once exc.count != s7 */
spin:
	la	$t9, exc
1:	lw	$t0, EXC_COUNT($t9)
	bne	$t0, $s7, 2f
	addiu	$a0, $a0, -1
	bnez	$a0, 1b
	nop
2:	jr	$ra
	nop
