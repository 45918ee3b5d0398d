/* TLB helpers for tests (MIPS32 PRA 4.x, 9.x: Index, EntryHi/Lo, PageMask). */
#include "guest.h"
#include "test.h"

/* number of TLB entries: Config1.MMUSize + 1 (PRA 9.12) */
u32 tlb_size(void)
{
	return ((mfc0(16, 1) >> 25) & 0x3f) + 1;
}

void tlb_write(u32 index, u32 entryhi, u32 lo0, u32 lo1, u32 pagemask)
{
	u32 old = mfc0(10, 0);
	mtc0(0, 0, index);
	mtc0(10, 0, entryhi);
	mtc0(2, 0, lo0);
	mtc0(3, 0, lo1);
	mtc0(5, 0, pagemask);
	__asm__ __volatile__("tlbwi\n\tehb" ::: "memory");
	mtc0(10, 0, old);
	mtc0(5, 0, 0);
}

/*
 * Invalidate every entry: each gets a distinct VPN2 in kseg0 (never translated,
 * so never matched) and V=0, the usual way to avoid duplicate matches.
 * Leaves Wired=0, PageMask=0, ASID 0. Returns the number of entries.
 */
u32 tlb_init(void)
{
	u32 n = tlb_size();
	mtc0(6, 0, 0);
	mtc0(10, 0, 0);
	for (u32 i = 0; i < n; i++)
		tlb_write(i, 0x80000000u + (i << 13), 0, 0, 0);
	return n;
}

void set_asid(u32 asid)
{
	mtc0(10, 0, (mfc0(10, 0) & ~0xffu) | (asid & 0xff));
}
