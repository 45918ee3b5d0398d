/*
 * crc32 benchmark: bitwise (table-free) CRC-32, IEEE 802.3 reflected polynomial
 * 0xEDB88320, over a 64 KiB pseudo-random buffer, PASSES times as one stream.
 * Mostly shifts, ands and xors in a tight loop: measures raw ALU dispatch.
 * About 300 million guest instructions (QEMU -icount estimate).
 * Expected output (QEMU and a host build of this file agree):
 *   crc32: 65536 bytes x 72 passes, crc 0x044bcedd
 */
#include "guest.h"

#define BUF_SIZE (64 * 1024)
#define PASSES 72

static u8 buf[BUF_SIZE];

static void fill(u8 *p, u32 n, u32 seed)
{
	for (u32 i = 0; i < n; i++) {
		seed = seed * 1664525u + 1013904223u;	/* Numerical Recipes LCG */
		p[i] = (u8)(seed >> 24);
	}
}

/* crc is the running (pre-inverted) register; call with ~0, invert at the end */
static u32 crc32_update(u32 crc, const u8 *p, u32 n)
{
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return crc;
}

int main(void)
{
	fill(buf, BUF_SIZE, 12345);
	u32 crc = 0xffffffffu;
	for (int pass = 0; pass < PASSES; pass++)
		crc = crc32_update(crc, buf, BUF_SIZE);
	crc = ~crc;
	printf("crc32: %u bytes x %u passes, crc 0x%08x\n", BUF_SIZE, PASSES, crc);
	return 0;
}
