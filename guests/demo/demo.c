/*
 * disco demo image: what `npm start` boots.
 * Prints a banner, the primes below 500 and an integer-only ASCII Mandelbrot
 * set, then exits 0. About half a million guest instructions.
 */
#include "guest.h"

static void banner(u32 memsize)
{
	puts("");
	puts("  disco: a MIPS32r2 machine and Disco-style VMM in TypeScript");
	puts("  -----------------------------------------------------------");
	printf("  bare-metal guest in kernel mode at %p, %u MiB of memory\n",
	       (void *)banner, memsize >> 20);
	puts("");
}

static void primes(u32 limit)
{
	static u8 composite[500];
	u32 count = 0, col = 0;

	puts("primes below 500:");
	for (u32 i = 2; i < limit; i++) {
		if (composite[i])
			continue;
		for (u32 j = i * i; j < limit; j += i)
			composite[j] = 1;
		printf("%4u", i);
		count++;
		if (++col == 16) {
			putchar('\n');
			col = 0;
		}
	}
	if (col)
		putchar('\n');
	printf("(%u primes)\n\n", count);
}

/* Q12 fixed point: 1.0 == 4096 */
#define FIX(x) ((s32)((x) * 4096))

static void mandelbrot(void)
{
	static const char shade[] = " .:-=+*#%@";
	const int w = 72, h = 24, maxit = 48;

	for (int row = 0; row < h; row++) {
		s32 ci = FIX(-1.2) + row * (FIX(2.4) / (h - 1));
		for (int col = 0; col < w; col++) {
			s32 cr = FIX(-2.1) + col * (FIX(3.0) / (w - 1));
			s32 zr = 0, zi = 0;
			int it = 0;
			while (it < maxit) {
				s32 zr2 = (zr * zr) >> 12, zi2 = (zi * zi) >> 12;
				if (zr2 + zi2 > FIX(4.0))
					break;
				zi = ((2 * zr * zi) >> 12) + ci;
				zr = zr2 - zi2 + cr;
				it++;
			}
			putchar(it == maxit ? '@' : shade[it * 9 / maxit]);
		}
		putchar('\n');
	}
}

int main(int argc, char **argv, char **envp, u32 memsize)
{
	(void)argc;
	(void)argv;
	(void)envp;
	banner(memsize);
	primes(500);
	mandelbrot();
	puts("\ndemo done, exiting with code 0");
	return 0;
}
