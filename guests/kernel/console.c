/*
 * The console: kernel printf and panic, and the console device behind file descriptors
 * 0-2. Output goes to the PIIX4 COM1 16550 (polled; disco shows it on stdout). Input: none
 * yet (reads return end of file).
 */
#include <stdarg.h>
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "defs.h"

#define COM1		((volatile u8 *)KSEG1(0x180003F8u))
#define COM_THR		0
#define COM_LSR		5
#define LSR_TX_IDLE	0x20

static struct spinlock conslock;
static int conslock_ready;
volatile int panicked;

void consputc(int c)
{
	/* 16550: wait for the transmit holding register to empty */
	while (!(COM1[COM_LSR] & LSR_TX_IDLE))
		;
	COM1[COM_THR] = (u8)c;
}

/* Write n bytes from user (or kernel) memory to the console. */
int consolewrite(int user, u32 src, int n)
{
	char buf[64];
	int done = 0;
	while (done < n) {
		int k = n - done < (int)sizeof buf ? n - done : (int)sizeof buf;
		if (either_copyin(buf, user, src + done, k) < 0)
			return done ? done : -1;
		for (int i = 0; i < k; i++)
			consputc(buf[i]);
		done += k;
	}
	return done;
}

int consoleread(int user, u32 dst, int n)
{
	(void)user;
	(void)dst;
	(void)n;
	return 0;	/* no console input: end of file */
}

static void printnum(u32 v, int base, int neg, int width, char pad)
{
	char buf[16];
	int i = 0;
	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[i++] = '-';
	while (i < width--)
		consputc(pad);
	while (--i >= 0)
		consputc(buf[i]);
}

static void vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			consputc(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			fmt++;
		switch (*fmt) {
		case 'd': {
			int v = va_arg(ap, int);
			printnum(v < 0 ? 0u - (u32)v : (u32)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			printnum(va_arg(ap, u32), 10, 0, width, pad);
			break;
		case 'x':
			printnum(va_arg(ap, u32), 16, 0, width, pad);
			break;
		case 'p':
			consputc('0');
			consputc('x');
			printnum(va_arg(ap, u32), 16, 0, 8, '0');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;
			if (!s)
				s = "(null)";
			for (const char *t = s; *t; t++)
				len++;
			for (; width > len; width--)
				consputc(' ');
			while (*s)
				consputc(*s++);
			break;
		}
		case 'c':
			consputc(va_arg(ap, int));
			break;
		case '%':
			consputc('%');
			break;
		case 0:
			return;
		default:
			consputc('%');
			consputc(*fmt);
			break;
		}
	}
}

/* printf: one message at a time across CPUs (not while panicking). */
int printf(const char *fmt, ...)
{
	va_list ap;
	int locking = conslock_ready && !panicked;
	if (!conslock_ready) {
		initlock(&conslock, "cons");
		conslock_ready = 1;
		locking = 1;
	}
	if (locking)
		acquire(&conslock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (locking)
		release(&conslock);
	return 0;
}

/* panic: print the message and stop the machine with exit code 99. */
void panic(const char *fmt, ...)
{
	va_list ap;
	panicked = 1;
	intr_off();
	consputc('\n');
	for (const char *s = "kernel panic: "; *s; s++)
		consputc(*s);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	consputc('\n');
	machine_halt(99);
}
