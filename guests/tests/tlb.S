/*
 * tlb: TLB maintenance instructions and registers (MIPS32 PRA 3.3, 9.1-9.10).
 * Config.MT/Config1.MMUSize, Index/Wired/Random/PageMask/EntryHi/EntryLo/
 * Context writable fields, tlbwi/tlbr round trips (including the G bit being
 * the AND of both EntryLo.G), tlbp hit/miss with ASID, global and large-page
 * matching, tlbwr into [Wired, N-1]. The entry count is read from Config1, never
 * assumed (QEMU's 24Kc has 16, disco 64); nothing depends on which index
 * tlbwr picks.
 */
#include "mips.h"
#include "test.h"

	.set	noreorder
	.text
	.globl	main
main:
	BEGIN	"tlb: tlbwi/tlbr/tlbp/tlbwr and MMU registers"
	jal	exc_install
	lui	$a0, 0x8000

	mfc0	$t0, C0_CONFIG
	ext	$t0, $t0, 7, 3
	CHECK	$t0, 1, "Config.MT = standard TLB"
	jal	tlb_init
	nop
	move	$s6, $v0			/* s6 = N entries */
	sltiu	$t0, $s6, 16
	CHECK	$t0, 0, "Config1.MMUSize+1 >= 16"

	/* ---- register fields ---- */
	li	$t0, 5
	mtc0	$t0, C0_INDEX
	ehb
	mfc0	$t0, C0_INDEX
	CHECK	$t0, 5, "Index write/read"

	li	$t0, 3
	mtc0	$t0, C0_WIRED
	ehb
	mfc0	$t0, C0_WIRED
	CHECK	$t0, 3, "Wired write/read"
	/* eight reads of Random, all within [Wired, N-1] */
	li	$s0, 8
	li	$s1, 0				/* out-of-range count */
2:	mfc0	$t0, C0_RANDOM
	sltiu	$t1, $t0, 3
	addu	$s1, $s1, $t1
	sltu	$t1, $t0, $s6
	xori	$t1, $t1, 1
	addu	$s1, $s1, $t1
	addiu	$s0, $s0, -1
	bnez	$s0, 2b
	nop
	CHECK	$s1, 0, "Random stays in [Wired, N-1]"
	mtc0	$zero, C0_WIRED
	ehb

	.irp	pm, PM_4K, PM_16K, PM_64K, PM_256K, PM_1M, PM_4M, PM_16M
	li	$t0, \pm
	mtc0	$t0, C0_PAGEMASK
	ehb
	mfc0	$t0, C0_PAGEMASK
	CHECK	$t0, \pm, "PageMask \pm write/read"
	.endr
	mtc0	$zero, C0_PAGEMASK

	li	$t0, -1
	mtc0	$t0, C0_ENTRYHI
	ehb
	mfc0	$t0, C0_ENTRYHI
	CHECK	$t0, 0xffffe0ff, "EntryHi writable bits: VPN2 31:13, ASID 7:0"
	mtc0	$zero, C0_ENTRYHI

	li	$t0, -1
	mtc0	$t0, C0_ENTRYLO0
	ehb
	mfc0	$t0, C0_ENTRYLO0
	li	$t1, 0xc3ffffff
	and	$t0, $t0, $t1
	CHECK	$t0, 0x03ffffff, "EntryLo0: bits 31:30 read 0, PFN/C/D/V/G kept"
	li	$t0, 0x03ffffc7
	mtc0	$t0, C0_ENTRYLO1
	ehb
	mfc0	$t0, C0_ENTRYLO1
	CHECK	$t0, 0x03ffffc7, "EntryLo1 write/read"

	li	$t0, -1
	mtc0	$t0, C0_CONTEXT
	ehb
	mfc0	$t0, C0_CONTEXT
	li	$t1, 0xff80000f
	and	$t0, $t0, $t1
	CHECK	$t0, 0xff800000, "Context: PTEBase writable, bits 3:0 zero"
	mtc0	$zero, C0_CONTEXT

	/* ---- tlbwi / tlbr round trip ---- */
	li	$a0, 2
	li	$a1, 0x1234405a
	li	$a2, LO_PFN(0x01234000) | LO_C_CACHED | LO_D | LO_V
	li	$a3, LO_PFN(0x02468000) | LO_C_UNCACHED | LO_V
	jal	tlb_write_pm0
	nop
	li	$t0, 0x0badf00d
	mtc0	$t0, C0_ENTRYLO0
	mtc0	$t0, C0_ENTRYLO1
	mtc0	$zero, C0_ENTRYHI
	li	$t0, PM_1M
	mtc0	$t0, C0_PAGEMASK
	li	$t0, 2
	mtc0	$t0, C0_INDEX
	ehb
	tlbr
	ehb
	mfc0	$s0, C0_ENTRYHI
	mfc0	$s1, C0_ENTRYLO0
	mfc0	$s2, C0_ENTRYLO1
	mfc0	$s3, C0_PAGEMASK
	mtc0	$zero, C0_ENTRYHI
	ehb
	CHECK	$s0, 0x1234405a, "tlbr: EntryHi"
	CHECK	$s1, LO_PFN(0x01234000) | LO_C_CACHED | LO_D | LO_V, "tlbr: EntryLo0"
	CHECK	$s2, LO_PFN(0x02468000) | LO_C_UNCACHED | LO_V, "tlbr: EntryLo1"
	CHECK	$s3, PM_4K, "tlbr: PageMask"

	/* G only in EntryLo0: the entry is not global, both read back G=0 */
	li	$a0, 3
	li	$a1, 0x00400011
	li	$a2, LO_PFN(0x00300000) | LO_V | LO_G
	li	$a3, LO_PFN(0x00304000) | LO_V
	jal	tlb_read_back
	li	$v0, PM_16K
	CHECK	$s1, LO_PFN(0x00300000) | LO_V, "tlbr: G=0 when only EntryLo0.G set (lo0)"
	CHECK	$s2, LO_PFN(0x00304000) | LO_V, "tlbr: G=0 when only EntryLo0.G set (lo1)"
	CHECK	$s3, PM_16K, "tlbr: PageMask 16K"
	/* G in both: global, both read back G=1 */
	li	$a0, 3
	li	$a1, 0x00408011
	li	$a2, LO_PFN(0x00300000) | LO_V | LO_G
	li	$a3, LO_PFN(0x00304000) | LO_V | LO_G
	jal	tlb_read_back
	li	$v0, PM_16K
	CHECK	$s1, LO_PFN(0x00300000) | LO_V | LO_G, "tlbr: global entry (lo0.G)"
	CHECK	$s2, LO_PFN(0x00304000) | LO_V | LO_G, "tlbr: global entry (lo1.G)"
	ext	$t0, $s0, 13, 19
	sll	$t0, $t0, 13
	CHECK	$t0, 0x00408000, "tlbr: VPN2 of the 16K pair"

	/* ---- tlbp ---- */
	/* entry 2: VPN2 0x12344000, ASID 0x5a, not global */
	li	$a0, 0x1234405a
	jal	probe
	nop
	CHECK	$v0, 2, "tlbp hit: same VPN2 and ASID"
	li	$a0, 0x1234405b
	jal	probe
	nop
	srl	$v0, $v0, 31
	CHECK	$v0, 1, "tlbp miss: other ASID, entry not global (Index.P)"
	li	$a0, 0x1234605a
	jal	probe
	nop
	srl	$v0, $v0, 31
	CHECK	$v0, 1, "tlbp miss: other VPN2 (Index.P)"
	/* entry 3: global 16K pair at 0x00408000 (0x00408000-0x0040ffff) */
	li	$a0, 0x004080ee
	jal	probe
	nop
	CHECK	$v0, 3, "tlbp hit: global entry, any ASID"
	li	$a0, 0x0040e0ee
	jal	probe
	nop
	CHECK	$v0, 3, "tlbp hit: VPN2 bits under PageMask ignored"
	li	$a0, 0x004100ee
	jal	probe
	nop
	srl	$v0, $v0, 31
	CHECK	$v0, 1, "tlbp miss: just past the 16K pair"

	/* entry 4: 1M pair at 0x00800000, V=0: tlbp ignores V */
	li	$a0, 4
	li	$a1, 0x00800007
	li	$a2, LO_PFN(0x00200000)
	li	$a3, LO_PFN(0x00300000)
	li	$t0, PM_1M
	jal	tlb_write
	sw	$t0, 16($sp)
	li	$a0, 0x009ff007
	jal	probe
	nop
	CHECK	$v0, 4, "tlbp hit: 1M pair, invalid entry still matches"

	/* ---- tlbwr: lands in [Wired, N-1] and is found by tlbp ---- */
	li	$t0, 6
	mtc0	$t0, C0_WIRED
	li	$t0, 0x7fff6000
	mtc0	$t0, C0_ENTRYHI
	li	$t0, LO_PFN(0x00100000) | LO_V | LO_G
	mtc0	$t0, C0_ENTRYLO0
	mtc0	$t0, C0_ENTRYLO1
	mtc0	$zero, C0_PAGEMASK
	ehb
	tlbwr
	ehb
	li	$a0, 0x7fff6000
	jal	probe
	nop
	move	$s0, $v0
	srl	$t0, $s0, 31
	CHECK	$t0, 0, "tlbwr: entry found by tlbp"
	sltiu	$t0, $s0, 6
	CHECK	$t0, 0, "tlbwr: index >= Wired"
	sltu	$t0, $s0, $s6
	CHECK	$t0, 1, "tlbwr: index < N"
	mtc0	$zero, C0_WIRED
	/* entries below Wired survived */
	li	$a0, 0x1234405a
	jal	probe
	nop
	CHECK	$v0, 2, "tlbwr left wired entry 2 alone"

	FINISH

/* probe(a0 = EntryHi) -> v0 = Index after tlbp; EntryHi restored to ASID 0 */
probe:
	mtc0	$a0, C0_ENTRYHI
	ehb
	tlbp
	ehb
	mfc0	$v0, C0_INDEX
	mtc0	$zero, C0_ENTRYHI
	jr	$ra
	ehb

/* tlb_write_pm0(index, hi, lo0, lo1): tlb_write with PageMask 4K */
tlb_write_pm0:
	addiu	$sp, $sp, -24
	sw	$ra, 20($sp)
	jal	tlb_write
	sw	$zero, 16($sp)
	lw	$ra, 20($sp)
	jr	$ra
	addiu	$sp, $sp, 24

/* tlb_read_back(index, hi, lo0, lo1, v0 = pagemask): write then tlbr into s0..s3 */
tlb_read_back:
	addiu	$sp, $sp, -32
	sw	$ra, 28($sp)
	sw	$a0, 24($sp)
	jal	tlb_write
	sw	$v0, 16($sp)
	lw	$t0, 24($sp)
	mtc0	$t0, C0_INDEX
	mtc0	$zero, C0_ENTRYLO0
	mtc0	$zero, C0_ENTRYLO1
	ehb
	tlbr
	ehb
	mfc0	$s0, C0_ENTRYHI
	mfc0	$s1, C0_ENTRYLO0
	mfc0	$s2, C0_ENTRYLO1
	mfc0	$s3, C0_PAGEMASK
	mtc0	$zero, C0_ENTRYHI
	mtc0	$zero, C0_PAGEMASK
	ehb
	lw	$ra, 28($sp)
	jr	$ra
	addiu	$sp, $sp, 32
