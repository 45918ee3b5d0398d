/*
 * MIPS32r2 privileged-architecture constants, usable from C and assembly.
 * Register numbers and bit positions follow MIPS32 PRA (MD00090) chapter 9.
 */
#ifndef GUEST_MIPS_H
#define GUEST_MIPS_H

/* CP0 registers (number, select 0 unless noted). */
#define C0_INDEX	$0
#define C0_RANDOM	$1
#define C0_ENTRYLO0	$2
#define C0_ENTRYLO1	$3
#define C0_CONTEXT	$4
#define C0_PAGEMASK	$5
#define C0_WIRED	$6
#define C0_HWRENA	$7
#define C0_BADVADDR	$8
#define C0_COUNT	$9
#define C0_ENTRYHI	$10
#define C0_COMPARE	$11
#define C0_STATUS	$12	/* sel 1: IntCtl */
#define C0_CAUSE	$13
#define C0_EPC		$14
#define C0_PRID		$15	/* sel 1: EBase */
#define C0_CONFIG	$16	/* sel 1: Config1 */
#define C0_LLADDR	$17
#define C0_ERROREPC	$30

/* Status (PRA 9.15) */
#define ST_IE		0x00000001
#define ST_EXL		0x00000002
#define ST_ERL		0x00000004
#define ST_KSU_MASK	0x00000018
#define ST_KSU_KERNEL	0x00000000
#define ST_KSU_SUPER	0x00000008
#define ST_KSU_USER	0x00000010
#define ST_IM(n)	(0x100 << (n))
#define ST_IM_MASK	0x0000ff00
#define ST_NMI		0x00080000
#define ST_SR		0x00100000
#define ST_TS		0x00200000
#define ST_BEV		0x00400000
#define ST_CU0		0x10000000
#define ST_CU1		0x20000000

/* Cause (PRA 9.16) */
#define CA_EXC_SHIFT	2
#define CA_EXC_MASK	0x0000007c
#define CA_IP(n)	(0x100 << (n))
#define CA_IP_MASK	0x0000ff00
#define CA_IV		0x00800000
#define CA_DC		0x08000000
#define CA_CE_SHIFT	28
#define CA_CE_MASK	0x30000000
#define CA_TI		0x40000000
#define CA_BD		0x80000000

/* ExcCode values (PRA table 9.31) */
#define EXC_INT		0
#define EXC_MOD		1
#define EXC_TLBL	2
#define EXC_TLBS	3
#define EXC_ADEL	4
#define EXC_ADES	5
#define EXC_IBE		6
#define EXC_DBE		7
#define EXC_SYS		8
#define EXC_BP		9
#define EXC_RI		10
#define EXC_CPU		11
#define EXC_OV		12
#define EXC_TR		13

/* EntryLo (PRA 9.6): PFN in bits 29:6, C 5:3, D 2, V 1, G 0 */
#define LO_G		0x1
#define LO_V		0x2
#define LO_D		0x4
#define LO_C_UNCACHED	(2 << 3)
#define LO_C_CACHED	(3 << 3)
#define LO_PFN(pa)	(((pa) >> 12) << 6)

/* PageMask values (PRA 9.10) */
#define PM_4K		0x00000000
#define PM_16K		0x00006000
#define PM_64K		0x0001e000
#define PM_256K		0x0007e000
#define PM_1M		0x001fe000
#define PM_4M		0x007fe000
#define PM_16M		0x01ffe000
#define PM_64M		0x07ffe000
#define PM_256M		0x1fffe000

#define INDEX_P		0x80000000

/* Malta-compatible machine addresses (kseg1), see docs/HELPERS.md */
#define COM1_BASE	0xb80003f8	/* PIIX4 16550, stride 1 */
#define UART_LSR	5
#define LSR_THRE	0x20
#define MALTA_SOFTRES	0xbf000500	/* write 0x42: reset (QEMU -no-reboot exits) */
#define SOFTRES_RESET	0x42
#define DISCO_HALT	0xbf000600	/* disco only: 32-bit store of exit code */

#endif
