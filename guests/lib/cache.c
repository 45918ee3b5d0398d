/*
 * cache_sync: write back the D-cache and invalidate the I-cache over a range so
 * that freshly written code (exception vectors) is fetched correctly
 * (MIPS32 PRA 9.12 Config1 line sizes; CACHE op encodings from MIPS32 Vol II).
 * Harmless on emulators that model no caches.
 */
#include "guest.h"

#define HIT_INVALIDATE_I	0x10
#define HIT_WRITEBACK_INV_D	0x15

void cache_sync(u32 addr, u32 len)
{
	u32 c1 = mfc0(16, 1);
	u32 il = (c1 >> 19) & 7, dl = (c1 >> 10) & 7;
	u32 end = addr + len;

	if (dl) {
		u32 line = 2u << dl;
		for (u32 a = addr & ~(line - 1); a < end; a += line)
			__asm__ __volatile__("cache %0, 0(%1)" :: "i"(HIT_WRITEBACK_INV_D), "r"(a) : "memory");
	}
	__asm__ __volatile__("sync" ::: "memory");
	if (il) {
		u32 line = 2u << il;
		for (u32 a = addr & ~(line - 1); a < end; a += line)
			__asm__ __volatile__("cache %0, 0(%1)" :: "i"(HIT_INVALIDATE_I), "r"(a) : "memory");
	}
	/* jr.hb-equivalent barrier: later fetches see the new code (PRA 2.8 hazards) */
	__asm__ __volatile__("sync\n\tehb" ::: "memory");
}
