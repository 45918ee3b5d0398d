/*
 * sieve benchmark: sieve of Eratosthenes over a byte array up to LIMIT, ROUNDS
 * times; prints the prime count and a checksum (sum of all primes, mod 2^32).
 * Byte loads/stores with strided access: measures memory-path dispatch.
 * About 300 million guest instructions (QEMU -icount estimate).
 * Expected output (QEMU and a host build of this file agree):
 *   sieve: primes below 2097152: 155611, sum 0x75a5ff2e, check 0x6a40d480
 */
#include "guest.h"

#define LIMIT (1u << 21)
#define ROUNDS 8

static u8 flags[LIMIT];

static u32 sieve(u32 *sum)
{
	u32 count = 0, s = 0;

	for (u32 i = 0; i < LIMIT; i++)
		flags[i] = 1;
	flags[0] = flags[1] = 0;
	for (u32 i = 2; i * i < LIMIT; i++)
		if (flags[i])
			for (u32 j = i * i; j < LIMIT; j += i)
				flags[j] = 0;
	for (u32 i = 0; i < LIMIT; i++)
		if (flags[i]) {
			count++;
			s += i;
		}
	*sum = s;
	return count;
}

int main(void)
{
	u32 count = 0, sum = 0, check = 0;

	for (int r = 0; r < ROUNDS; r++) {
		count = sieve(&sum);
		check = check * 31 + count + sum;
	}
	printf("sieve: primes below %u: %u, sum 0x%08x, check 0x%08x\n", LIMIT, count, sum, check);
	return 0;
}
