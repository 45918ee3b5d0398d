/* Memory and string helpers (gcc may call memset/memcpy/memmove/memcmp itself). */
#include "types.h"
#include "memlayout.h"
#include "defs.h"

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;
	if ((((u32)p | n) & 3) == 0) {
		u32 w = (u8)c * 0x01010101u;
		for (u32 *q = d; n; n -= 4)
			*q++ = w;
		return d;
	}
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	if ((((u32)d | (u32)s | n) & 3) == 0) {
		u32 *dw = d;
		const u32 *sw = s;
		for (; n; n -= 4)
			*dw++ = *sw++;
		return d;
	}
	u8 *dp = d;
	const u8 *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	if (sp < dp && sp + n > dp) {
		dp += n;
		sp += n;
		while (n--)
			*--dp = *--sp;
		return d;
	}
	return memcpy(d, s, n);
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; n--, a++, b++)
		;
	return n ? (u8)*a - (u8)*b : 0;
}

/* Copy at most n-1 bytes and always terminate. */
char *safestrcpy(char *d, const char *s, int n)
{
	char *r = d;
	if (n <= 0)
		return r;
	while (--n > 0 && (*d++ = *s++))
		;
	*d = 0;
	return r;
}

/* Copy one page, eight words per iteration (the copy-on-write hot path). */
void copypage(void *d, const void *s)
{
	u32 *dw = d;
	const u32 *sw = s;
	for (int i = 0; i < PGSIZE / 4; i += 8) {
		u32 a = sw[i], b = sw[i + 1], c = sw[i + 2], e = sw[i + 3];
		u32 f = sw[i + 4], g = sw[i + 5], h = sw[i + 6], k = sw[i + 7];
		dw[i] = a; dw[i + 1] = b; dw[i + 2] = c; dw[i + 3] = e;
		dw[i + 4] = f; dw[i + 5] = g; dw[i + 6] = h; dw[i + 7] = k;
	}
}

/* Zero one page (demand-zero faults). */
void zeropage(void *d)
{
	u32 *dw = d;
	for (int i = 0; i < PGSIZE / 4; i += 8) {
		dw[i] = 0; dw[i + 1] = 0; dw[i + 2] = 0; dw[i + 3] = 0;
		dw[i + 4] = 0; dw[i + 5] = 0; dw[i + 6] = 0; dw[i + 7] = 0;
	}
}
