/*
 * printf-lite: %d %i %u %x %X %p %s %c %%, optional '-' or '0' flag and a width
 * (so %08x and %-10s work), 'l' accepted and ignored (32-bit only).
 */
#include <stdarg.h>
#include "guest.h"

static int emit(const char *s, int len, int width, int left, char pad)
{
	int n = 0;
	if (!left)
		for (; width > len; width--, n++)
			putchar(pad);
	for (int i = 0; i < len; i++, n++)
		putchar(s[i]);
	if (left)
		for (; width > len; width--, n++)
			putchar(' ');
	return n;
}

/* digits of v in base 10 or 16, right-aligned in buf; returns start */
static char *utoa(char *end, u32 v, u32 base, int upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;
	do {
		*--p = dig[v % base];
		v /= base;
	} while (v);
	return p;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	char buf[16];
	char *end = buf + sizeof buf;
	int n = 0;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putchar(*fmt);
			n++;
			continue;
		}
		fmt++;
		int left = 0;
		char pad = ' ';
		if (*fmt == '-') {
			left = 1;
			fmt++;
		} else if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			fmt++;
		char *p;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s32 v = va_arg(ap, s32);
			u32 mag = v < 0 ? 0u - (u32)v : (u32)v;
			p = utoa(end, mag, 10, 0);
			if (v < 0) {
				if (pad == '0' && width > 0) {
					/* sign goes before the zero padding */
					putchar('-');
					n++;
					width--;
				} else {
					*--p = '-';
				}
			}
			n += emit(p, end - p, width, left, pad);
			break;
		}
		case 'u':
			p = utoa(end, va_arg(ap, u32), 10, 0);
			n += emit(p, end - p, width, left, pad);
			break;
		case 'x':
		case 'X':
			p = utoa(end, va_arg(ap, u32), 16, *fmt == 'X');
			n += emit(p, end - p, width, left, pad);
			break;
		case 'p':
			p = utoa(end, (u32)va_arg(ap, void *), 16, 0);
			n += emit("0x", 2, 0, 0, ' ');
			n += emit(p, end - p, 8, 0, '0');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n += emit(s, strlen(s), width, left, ' ');
			break;
		}
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			n += emit(buf, 1, width, left, ' ');
			break;
		case '%':
			putchar('%');
			n++;
			break;
		case '\0':
			fmt--;	/* lone '%' at the end */
			break;
		default:
			putchar('%');
			putchar(*fmt);
			n += 2;
			break;
		}
	}
	va_end(ap);
	return n;
}
