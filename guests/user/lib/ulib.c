/* String and memory helpers for user programs (gcc may call memset/memcpy itself). */
#include "user.h"

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n && *a && *a == *b; n--, a++, b++)
		;
	return n ? (u8)*a - (u8)*b : 0;
}

char *strcpy(char *d, const char *s)
{
	char *r = d;
	while ((*d++ = *s++))
		;
	return r;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return 0;
}

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

int atoi(const char *s)
{
	int n = 0, neg = 0;
	if (*s == '-')
		neg = 1, s++;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return neg ? -n : n;
}

int stat(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int r = fstat(fd, st);
	close(fd);
	return r;
}

/* Count ticks every other cycle (rdhwr CCRes = 2); the kernel enables CC in HWREna. */
u64 cycles(void)
{
	u32 cc;
	__asm__ __volatile__("rdhwr %0, $2" : "=r"(cc));
	return (u64)cc * 2;
}

int cpuid(void)
{
	u32 id;
	__asm__ __volatile__("rdhwr %0, $0" : "=r"(id));
	return (int)id;
}

/*
 * 64-bit division for gcc's calls (the o32 ABI has no 64-bit divide instruction): shift and
 * subtract. Defining them here keeps libgcc's hard-float objects out of soft-float programs.
 */
static u64 udivmod64(u64 n, u64 d, u64 *rem)
{
	u64 q = 0, r = 0;
	if (d == 0)
		return ~0ull;
	if ((n >> 32) == 0 && (d >> 32) == 0) {	/* the common case: one divu */
		if (rem)
			*rem = (u32)n % (u32)d;
		return (u32)n / (u32)d;
	}
	if (n < d) {
		if (rem)
			*rem = n;
		return 0;
	}
	for (int i = 63 - __builtin_clzll(n); i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

u64 __udivdi3(u64 n, u64 d);
u64 __umoddi3(u64 n, u64 d);
long long __divdi3(long long n, long long d);
long long __moddi3(long long n, long long d);

u64 __udivdi3(u64 n, u64 d)
{
	return udivmod64(n, d, 0);
}

u64 __umoddi3(u64 n, u64 d)
{
	u64 r = 0;
	udivmod64(n, d, &r);
	return r;
}

long long __divdi3(long long n, long long d)
{
	int neg = (n < 0) != (d < 0);
	u64 q = udivmod64(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d, 0);
	return neg ? -(long long)q : (long long)q;
}

long long __moddi3(long long n, long long d)
{
	u64 r = 0;
	udivmod64(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d, &r);
	return n < 0 ? -(long long)r : (long long)r;
}
