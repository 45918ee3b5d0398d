/*
 * tlbfault: TLB exceptions (MIPS32 PRA 4.9, 6.2.x).
 * Mapped loads/stores through both pages of a pair; TLB refill on load, store
 * and fetch at vector offset 0x000 with BadVAddr, EntryHi (VPN2 + current ASID)
 * and Context.BadVPN2 loaded; refill while Status.EXL=1 goes to 0x180 and
 * leaves EPC alone; TLB invalid (V=0) and modified (D=0) at 0x180; a refill
 * handler that writes the entry and retries; a refill in a delay slot; kseg2/
 * kseg3 mapped in kernel mode; Status.ERL=1 makes kuseg unmapped.
 */
#include "mips.h"
#include "test.h"

#define ASID	0x12
#define PA_A	0x00800000		/* scratch physical pages, far above the image */
#define PA_B	0x00801000
#define PA_C	0x00802000
#define PA_D	0x00803000
#define PTEBASE	0xc0000000
#define KSEG0_A	(0x80000000 | PA_A)

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"tlbfault: TLB refill, invalid and modified exceptions"
	jal	exc_install
	lui	$a0, 0x8000
	jal	tlb_init
	nop
	jal	set_asid
	li	$a0, ASID
	li	$t0, PTEBASE
	mtc0	$t0, C0_CONTEXT

	/* plant values in the scratch pages through kseg0 */
	li	$s0, KSEG0_A
	li	$t0, 0xa0a0a0a0
	sw	$t0, 0($s0)
	li	$t0, 0xa4a4a4a4
	sw	$t0, 4($s0)
	li	$t0, 0xb4b4b4b4
	sw	$t0, 0x1004($s0)
	li	$t0, 0xc0c0c0c0
	sw	$t0, 0x2000($s0)
	li	$t0, 0xd0d0d0d0
	sw	$t0, 0x3000($s0)

	/* entry 1: 0x00400000 -> A, 0x00401000 -> B, ASID 0x12, writable */
	li	$a0, 1
	li	$a1, 0x00400000 | ASID
	li	$a2, LO_PFN(PA_A) | LO_C_CACHED | LO_D | LO_V
	li	$a3, LO_PFN(PA_B) | LO_C_CACHED | LO_D | LO_V
	jal	tlb_write
	sw	$zero, 16($sp)
	/* entry 2: 0x00500000 -> C but V=0; 0x00501000 -> D, valid, D=0 (read-only) */
	li	$a0, 2
	li	$a1, 0x00500000 | ASID
	li	$a2, LO_PFN(PA_C) | LO_C_CACHED | LO_D
	li	$a3, LO_PFN(PA_D) | LO_C_CACHED | LO_V
	jal	tlb_write
	sw	$zero, 16($sp)

	/* ---- successful translation ---- */
	TRY	1f
	li	$s1, 0x00400000
	lw	$s2, 0($s1)
	lw	$s3, 0x1004($s1)
	li	$t0, 0x77
	sw	$t0, 8($s1)
1:	NO_EXC	"mapped load/store in both pages"
	CHECK	$s2, 0xa0a0a0a0, "even page reads PA_A"
	CHECK	$s3, 0xb4b4b4b4, "odd page reads PA_B"
	lw	$t0, 8($s0)
	CHECK	$t0, 0x77, "mapped store lands in PA_A"

	/* ---- refill on load ---- */
	li	$s1, 0x00600010
	TRY	1f
	la	$s3, 0f
0:	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "refill on load"
	CHECK_VECTOR 0x80000000, "refill on load"
	CHECK_EPC $s3, "refill on load"
	CHECK_BADVADDR $s1, "refill on load"
	li	$s4, 0x00600000 | ASID
	CHECK_FIELD EXC_ENTRYHI, $s4, "refill on load: EntryHi = VPN2 | ASID"
	li	$s4, PTEBASE | ((0x00600010 >> 13) << 4)
	CHECK_FIELD EXC_CONTEXT, $s4, "refill on load: Context = PTEBase | BadVPN2"

	/* ---- refill on store ---- */
	li	$s1, 0x00603008
	TRY	1f
0:	sw	$zero, 0($s1)
1:	CAUGHT	EXC_TLBS, "refill on store"
	CHECK_VECTOR 0x80000000, "refill on store"
	CHECK_BADVADDR $s1, "refill on store"
	li	$s4, 0x00602000 | ASID
	CHECK_FIELD EXC_ENTRYHI, $s4, "refill on store: EntryHi (odd page -> pair VPN2)"

	/* ---- refill on instruction fetch ---- */
	li	$s1, 0x00700000
	TRY	1f
	jr	$s1
	nop
1:	CAUGHT	EXC_TLBL, "refill on fetch"
	CHECK_VECTOR 0x80000000, "refill on fetch"
	CHECK_EPC $s1, "refill on fetch"
	CHECK_BADVADDR $s1, "refill on fetch"

	/* ---- miss with EXL=1: general vector, EPC not written ---- */
	li	$s3, 0x8badf00c
	mtc0	$s3, C0_EPC
	mfc0	$t0, C0_STATUS
	ori	$t0, $t0, ST_EXL
	li	$s1, 0x00600020
	TRY	1f
	mtc0	$t0, C0_STATUS
	ehb
	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "miss with EXL=1"
	CHECK_VECTOR 0x80000180, "miss with EXL=1"
	CHECK_EPC $s3, "miss with EXL=1: EPC unchanged"
	CHECK_BADVADDR $s1, "miss with EXL=1"
	mfc0	$t0, C0_STATUS
	andi	$t0, $t0, ST_EXL
	CHECK	$t0, 0, "eret cleared EXL"

	/* ---- TLB invalid ---- */
	li	$s1, 0x00500040
	TRY	1f
	la	$s3, 0f
0:	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "invalid on load"
	CHECK_VECTOR 0x80000180, "invalid on load"
	CHECK_EPC $s3, "invalid on load"
	CHECK_BADVADDR $s1, "invalid on load"
	li	$s4, 0x00500000 | ASID
	CHECK_FIELD EXC_ENTRYHI, $s4, "invalid on load: EntryHi"
	TRY	1f
0:	sw	$zero, 0($s1)
1:	CAUGHT	EXC_TLBS, "invalid on store"
	CHECK_VECTOR 0x80000180, "invalid on store"
	CHECK_BADVADDR $s1, "invalid on store"

	/* ---- TLB modified ---- */
	li	$s1, 0x00501000
	TRY	1f
	lw	$s2, 0($s1)
1:	NO_EXC	"load from a clean (D=0) page"
	CHECK	$s2, 0xd0d0d0d0, "clean page reads PA_D"
	li	$t0, 0x1111
	TRY	1f
	la	$s3, 0f
0:	sw	$t0, 0($s1)
1:	CAUGHT	EXC_MOD, "store to a clean page"
	CHECK_VECTOR 0x80000180, "TLB modified"
	CHECK_EPC $s3, "TLB modified"
	CHECK_BADVADDR $s1, "TLB modified"
	li	$s4, 0x00500000 | ASID
	CHECK_FIELD EXC_ENTRYHI, $s4, "TLB modified: EntryHi"
	lw	$t0, 0x3000($s0)
	CHECK	$t0, 0xd0d0d0d0, "TLB modified: memory unchanged"

	/* ---- refill handler writes the entry and retries ---- */
	la	$t9, exc
	li	$t0, 5
	sw	$t0, EXC_FILL_INDEX($t9)
	li	$t0, LO_PFN(PA_A) | LO_C_CACHED | LO_D | LO_V
	sw	$t0, EXC_FILL_LO0($t9)
	li	$t0, LO_PFN(PA_B) | LO_C_CACHED | LO_D | LO_V
	sw	$t0, EXC_FILL_LO1($t9)
	sw	$zero, EXC_FILL_MASK($t9)
	li	$t0, EXC_RESUME_FILL
	sw	$t0, EXC_RESUME($t9)
	lw	$s7, EXC_COUNT($t9)
	li	$s1, 0x00900004
	lw	$s2, 0($s1)
	EXCGET	$t0, EXC_COUNT
	subu	$t0, $t0, $s7
	CHECK	$t0, 1, "refill-and-retry: one exception"
	CHECK_VECTOR 0x80000000, "refill-and-retry"
	CHECK	$s2, 0xa4a4a4a4, "refill-and-retry: load completes after tlbwi"
	li	$t0, 5
	mtc0	$t0, C0_INDEX
	ehb
	tlbr
	ehb
	mfc0	$s2, C0_ENTRYHI
	jal	set_asid
	li	$a0, ASID
	CHECK	$s2, 0x00900000 | ASID, "refill-and-retry: entry has the refill's EntryHi"

	/* ---- refill in a delay slot ---- */
	li	$s1, 0x00600000
	TRY	1f
	la	$s3, 0f
0:	beq	$zero, $zero, 2f
	lw	$s2, 0($s1)
2:	nop
1:	CAUGHT	EXC_TLBL, "refill in delay slot"
	CHECK_VECTOR 0x80000000, "refill in delay slot"
	CHECK_EPC $s3, "refill in delay slot: EPC = branch"
	CHECK_BD 1, "refill in delay slot"

	/* ---- kseg2/kseg3 are mapped in kernel mode ---- */
	li	$a0, 6
	li	$a1, 0xc0000000
	li	$a2, LO_PFN(PA_A) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$a3, LO_PFN(PA_B) | LO_C_CACHED | LO_D | LO_V | LO_G
	jal	tlb_write
	sw	$zero, 16($sp)
	li	$a0, 7
	li	$a1, 0xe0000000
	li	$a2, LO_PFN(PA_C) | LO_C_CACHED | LO_D | LO_V | LO_G
	li	$a3, LO_PFN(PA_D) | LO_C_CACHED | LO_D | LO_V | LO_G
	jal	tlb_write
	sw	$zero, 16($sp)
	TRY	1f
	li	$t0, 0xc0000000
	lw	$s2, 4($t0)
	li	$t0, 0xe0001000
	lw	$s3, 0($t0)
1:	NO_EXC	"kseg2/kseg3 loads"
	CHECK	$s2, 0xa4a4a4a4, "kseg2 0xc0000004 -> PA_A+4"
	CHECK	$s3, 0xd0d0d0d0, "kseg3 0xe0001000 -> PA_D"
	li	$s1, 0xc0004000
	TRY	1f
0:	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "kseg2 miss"
	CHECK_VECTOR 0x80000000, "kseg2 miss"
	CHECK_BADVADDR $s1, "kseg2 miss"

	/* ---- Status.ERL=1: kuseg is unmapped (VA = PA) ---- */
	mfc0	$s4, C0_STATUS
	ori	$t0, $s4, ST_ERL
	TRY	1f
	mtc0	$t0, C0_STATUS
	ehb
	li	$t0, PA_C
	lw	$s2, 0($t0)
	mtc0	$s4, C0_STATUS
	ehb
1:	NO_EXC	"ERL=1 kuseg load"
	CHECK	$s2, 0xc0c0c0c0, "ERL=1: kuseg 0x00802000 is PA 0x00802000"

	FINISH
