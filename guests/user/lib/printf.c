/* printf family: %d %u %x %s %c %p %%, '0'/'-' flags and a width; output in one write(). */
#include <stdarg.h>
#include "user.h"

struct out {
	char *buf;
	int size;
	int len;
	int fd;		/* -1: string only */
	char local[128];
};

static void put(struct out *o, char c)
{
	if (o->fd >= 0 && o->len == o->size) {
		write(o->fd, o->buf, o->len);
		o->len = 0;
	}
	if (o->len < o->size)
		o->buf[o->len++] = c;
}

static void putnum(struct out *o, u32 v, int base, int neg, int width, char pad, int left)
{
	char t[16];
	int n = 0;
	do {
		t[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		t[n++] = '-';
	int w = width;
	if (!left)
		for (; w > n; w--)
			put(o, pad);
	for (int i = n - 1; i >= 0; i--)
		put(o, t[i]);
	if (left)
		for (; w > n; w--)
			put(o, ' ');
}

static void format(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		fmt++;
		int left = 0, width = 0;
		char pad = ' ';
		if (*fmt == '-')
			left = 1, fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			fmt++;
		switch (*fmt) {
		case 'd': {
			int v = va_arg(ap, int);
			putnum(o, v < 0 ? 0u - (u32)v : (u32)v, 10, v < 0, width, pad, left);
			break;
		}
		case 'u':
			putnum(o, va_arg(ap, u32), 10, 0, width, pad, left);
			break;
		case 'x':
			putnum(o, va_arg(ap, u32), 16, 0, width, pad, left);
			break;
		case 'p':
			put(o, '0');
			put(o, 'x');
			putnum(o, va_arg(ap, u32), 16, 0, 8, '0', 0);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = strlen(s);
			if (!left)
				for (; width > n; width--)
					put(o, ' ');
			while (*s)
				put(o, *s++);
			if (left)
				for (; width > n; width--)
					put(o, ' ');
			break;
		}
		case 'c':
			put(o, (char)va_arg(ap, int));
			break;
		case '%':
			put(o, '%');
			break;
		case 0:
			return;
		default:
			put(o, '%');
			put(o, *fmt);
		}
	}
}

int fprintf(int fd, const char *fmt, ...)
{
	struct out o;
	o.buf = o.local;
	o.size = sizeof o.local;
	o.len = 0;
	o.fd = fd;
	va_list ap;
	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	if (o.len)
		write(fd, o.buf, o.len);
	return 0;
}

int printf(const char *fmt, ...)
{
	struct out o;
	o.buf = o.local;
	o.size = sizeof o.local;
	o.len = 0;
	o.fd = 1;
	va_list ap;
	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	if (o.len)
		write(1, o.buf, o.len);
	return 0;
}

int snprintf(char *buf, int size, const char *fmt, ...)
{
	struct out o;
	o.buf = buf;
	o.size = size > 0 ? size - 1 : 0;
	o.len = 0;
	o.fd = -1;
	va_list ap;
	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	if (size > 0)
		buf[o.len] = 0;
	return o.len;
}
