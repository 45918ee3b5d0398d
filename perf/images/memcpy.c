/*
 * memcpy benchmark: word-at-a-time and byte-at-a-time copy loops between two
 * buffers, ROUNDS times with moving offsets and lengths; the source changes a
 * little every round and a checksum of the destination is printed at the end.
 * Load/store heavy: measures the memory translation fast path.
 * About 300 million guest instructions (QEMU -icount estimate).
 * Expected output (QEMU and a host build of this file agree):
 *   memcpy: 1840 rounds, run 0xa3536136, dst checksum 0x4baa9176
 */
#include "guest.h"

#define WORDS (16 * 1024)	/* 64 KiB per word copy */
#define BYTES (16 * 1024)	/* 16 KiB per byte copy */
#define ROUNDS 1840

static u32 src[WORDS + 64];
static u32 dst[WORDS + 64];

__attribute__((noinline)) static void copy_words(u32 *d, const u32 *s, u32 n)
{
	while (n--)
		*d++ = *s++;
}

__attribute__((noinline)) static void copy_bytes(u8 *d, const u8 *s, u32 n)
{
	while (n--)
		*d++ = *s++;
}

static u32 checksum(const u32 *p, u32 n)
{
	u32 h = 2166136261u;	/* FNV-1a over words */
	for (u32 i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int main(void)
{
	u32 seed = 1;
	for (u32 i = 0; i < WORDS + 64; i++) {
		seed = seed * 1103515245u + 12345u;
		src[i] = seed;
	}
	u32 run = 0;
	for (u32 r = 0; r < ROUNDS; r++) {
		u32 woff = r % 61, boff = r % 13;
		copy_words(dst + (r & 7), src + woff, WORDS - 8);
		copy_bytes((u8 *)dst + boff + 3, (const u8 *)src + (r % 29), BYTES + r);
		src[(r * 977) % WORDS] ^= r * 2654435761u;
		run = run * 33 + dst[(r * 131) % WORDS];
	}
	printf("memcpy: %u rounds, run 0x%08x, dst checksum 0x%08x\n", ROUNDS, run,
	       checksum(dst, WORDS + 64));
	return 0;
}
