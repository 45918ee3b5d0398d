/*
 * asid: address-space identifiers, the global bit and page sizes
 * (MIPS32 PRA 4.6 TLB matching, 9.7 EntryHi, 9.10 PageMask).
 * Two entries for the same VPN2 with different ASIDs select different frames by
 * EntryHi.ASID, a third ASID misses; an entry with G set in both EntryLo
 * matches any ASID, G in only one does not; for every page size from 4K to 16M
 * the first and last word of both pages of a pair translate to the right
 * frames and the word after the pair misses.
 */
#include "mips.h"
#include "test.h"

#define PA_A	0x00800000
#define PA_B	0x00801000
#define PA_C	0x00802000
#define EVEN	0x02000000		/* frames for the page-size pairs: 32M and 48M, */
#define ODD	0x03000000		/* aligned for every size up to 16M */
#define VBASE	0x04000000
#define FLAGS	(LO_C_CACHED | LO_D | LO_V)

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"asid: ASID matching, global bit, page sizes"
	jal	exc_install
	lui	$a0, 0x8000
	jal	tlb_init
	nop

	li	$s0, 0x80000000 | PA_A
	li	$t0, 0xaaaa0001
	sw	$t0, 0($s0)
	li	$t0, 0xbbbb0002
	sw	$t0, 0x1000($s0)
	li	$t0, 0xcccc0003
	sw	$t0, 0x2000($s0)

	/* 0x00400000 pair: ASID 5 -> A, ASID 6 -> B */
	li	$a0, 1
	li	$a1, 0x00400000 | 5
	li	$a2, LO_PFN(PA_A) | FLAGS
	li	$a3, LO_PFN(PA_A) | FLAGS
	jal	tlb_write
	sw	$zero, 16($sp)
	li	$a0, 2
	li	$a1, 0x00400000 | 6
	li	$a2, LO_PFN(PA_B) | FLAGS
	li	$a3, LO_PFN(PA_B) | FLAGS
	jal	tlb_write
	sw	$zero, 16($sp)
	/* 0x00800000 pair, ASID 9, global */
	li	$a0, 3
	li	$a1, 0x00800000 | 9
	li	$a2, LO_PFN(PA_C) | FLAGS | LO_G
	li	$a3, LO_PFN(PA_C) | FLAGS | LO_G
	jal	tlb_write
	sw	$zero, 16($sp)
	/* 0x00a00000 pair, ASID 9, G only in EntryLo0: not global */
	li	$a0, 4
	li	$a1, 0x00a00000 | 9
	li	$a2, LO_PFN(PA_C) | FLAGS | LO_G
	li	$a3, LO_PFN(PA_C) | FLAGS
	jal	tlb_write
	sw	$zero, 16($sp)

	li	$s1, 0x00400000
	jal	set_asid
	li	$a0, 5
	TRY	1f
	lw	$s2, 0($s1)
1:	NO_EXC	"ASID 5 load"
	CHECK	$s2, 0xaaaa0001, "ASID 5 selects its entry (frame A)"
	jal	set_asid
	li	$a0, 6
	TRY	1f
	lw	$s2, 0($s1)
1:	NO_EXC	"ASID 6 load"
	CHECK	$s2, 0xbbbb0002, "ASID 6 selects its entry (frame B)"
	jal	set_asid
	li	$a0, 5
	lw	$s2, 4($s1)
	lw	$s2, 0($s1)
	CHECK	$s2, 0xaaaa0001, "back to ASID 5 without a TLB flush"

	jal	set_asid
	li	$a0, 7
	TRY	1f
0:	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "ASID 7 misses"
	CHECK_VECTOR 0x80000000, "ASID 7 misses: refill"
	li	$s4, 0x00400000 | 7
	CHECK_FIELD EXC_ENTRYHI, $s4, "ASID 7 misses: EntryHi carries ASID 7"

	li	$s1, 0x00800000
	TRY	1f
	jal	set_asid
	li	$a0, 5
	lw	$s2, 0($s1)
	jal	set_asid
	li	$a0, 0xff
	lw	$s3, 0x1000($s1)
1:	NO_EXC	"global entry under ASIDs 5 and 255"
	CHECK	$s2, 0xcccc0003, "global entry, ASID 5"
	CHECK	$s3, 0xcccc0003, "global entry, ASID 255"

	li	$s1, 0x00a00000
	jal	set_asid
	li	$a0, 5
	TRY	1f
0:	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "G in one EntryLo only: not global"
	CHECK_VECTOR 0x80000000, "G in one EntryLo only: refill"
	jal	set_asid
	li	$a0, 9
	TRY	1f
	lw	$s2, 0x1000($s1)
1:	NO_EXC	"G in one EntryLo only: own ASID 9 matches"
	CHECK	$s2, 0xcccc0003, "G in one EntryLo only: ASID 9 load"
	jal	set_asid
	li	$a0, 0

	/* ---- page sizes ---- */
.macro	PAGES mask, size, name
	li	$a0, 8
	li	$a1, VBASE
	li	$a2, LO_PFN(EVEN) | FLAGS | LO_G
	li	$a3, LO_PFN(ODD) | FLAGS | LO_G
	li	$t0, \mask
	jal	tlb_write
	sw	$t0, 16($sp)
	li	$t1, ((\size >> 12) << 8)
	li	$t0, 0x80000000 | EVEN
	sw	$t1, 0($t0)
	li	$t0, 0x80000000 | (EVEN + \size - 4)
	addiu	$t1, $t1, 1
	sw	$t1, 0($t0)
	li	$t0, 0x80000000 | ODD
	addiu	$t1, $t1, 1
	sw	$t1, 0($t0)
	li	$t0, 0x80000000 | (ODD + \size - 4)
	addiu	$t1, $t1, 1
	sw	$t1, 0($t0)
	TRY	1f
	li	$t0, VBASE
	lw	$s1, 0($t0)
	li	$t0, VBASE + \size - 4
	lw	$s2, 0($t0)
	li	$t0, VBASE + \size
	lw	$s3, 0($t0)
	li	$t0, VBASE + 2 * \size - 4
	lw	$s4, 0($t0)
1:	NO_EXC	"\name pages: loads inside the pair"
	CHECK	$s1, ((\size >> 12) << 8), "\name pages: first word of even page"
	CHECK	$s2, ((\size >> 12) << 8) + 1, "\name pages: last word of even page"
	CHECK	$s3, ((\size >> 12) << 8) + 2, "\name pages: first word of odd page"
	CHECK	$s4, ((\size >> 12) << 8) + 3, "\name pages: last word of odd page"
	li	$s1, VBASE + 2 * \size
	TRY	1f
	lw	$s2, 0($s1)
1:	CAUGHT	EXC_TLBL, "\name pages: word after the pair misses"
	CHECK_BADVADDR $s1, "\name pages: word after the pair"
.endm
	PAGES	PM_4K, 0x1000, 4K
	PAGES	PM_16K, 0x4000, 16K
	PAGES	PM_64K, 0x10000, 64K
	PAGES	PM_256K, 0x40000, 256K
	PAGES	PM_1M, 0x100000, 1M
	PAGES	PM_4M, 0x400000, 4M
	PAGES	PM_16M, 0x1000000, 16M

	FINISH
