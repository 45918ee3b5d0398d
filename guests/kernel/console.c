/*
 * The console: kernel printf and panic, and the console device behind file descriptors
 * 0-2. Output goes to the PIIX4 COM1 16550 (polled; disco shows it on stdout) on the bare
 * machine; under the disco monitor to the console monitor call (docs/hypercalls.md), a
 * buffer at a time, as Disco's guests used its virtual devices instead of emulated device
 * registers (section 4.2.4): each byte through the emulated UART costs two traps (LSR, THR).
 * Input: under the monitor, the VM's console input (console_getc); on the bare machine none
 * (reads return end of file).
 */
#include <stdarg.h>
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "syscall.h"
#include "defs.h"

#define COM1		((volatile u8 *)KSEG1(0x180003F8u))
#define COM_THR		0
#define COM_LSR		5
#define LSR_TX_IDLE	0x20

/* monitor calls (docs/hypercalls.md): buffers are guest physical addresses */
#define HCALL_CONSOLE_WRITE	(HCALL_BASE + 1)
#define HCALL_CONSOLE_PUTC	(HCALL_BASE + 2)
#define HCALL_CONSOLE_GETC	(HCALL_BASE + 3)

static struct spinlock conslock;
static int conslock_ready;
volatile int panicked;

static u32 hcall2(u32 fn, u32 a0, u32 a1)
{
	register u32 v0 __asm__("$2") = fn;
	register u32 r4 __asm__("$4") = a0;
	register u32 r5 __asm__("$5") = a1;
	__asm__ __volatile__("syscall" : "+r"(v0) : "r"(r4), "r"(r5) : "$3", "memory");
	return v0;
}

/* n bytes of kernel memory (the window) to the monitor's console for this VM */
static void hc_write(const char *buf, int n)
{
	if (n > 0)
		hcall2(HCALL_CONSOLE_WRITE, V2P(buf), (u32)n);
}

void consputc(int c)
{
	if (machine_monitor) {
		hcall2(HCALL_CONSOLE_PUTC, (u8)c, 0);
		return;
	}
	/* 16550: wait for the transmit holding register to empty */
	while (!(COM1[COM_LSR] & LSR_TX_IDLE))
		;
	COM1[COM_THR] = (u8)c;
}

/* Write n bytes from user (or kernel) memory to the console. */
int consolewrite(int user, u32 src, int n)
{
	char buf[128];
	int done = 0;
	while (done < n) {
		int k = n - done < (int)sizeof buf ? n - done : (int)sizeof buf;
		if (either_copyin(buf, user, src + done, k) < 0)
			return done ? done : -1;
		if (machine_monitor)
			hc_write(buf, k);
		else
			for (int i = 0; i < k; i++)
				consputc(buf[i]);
		done += k;
	}
	return done;
}

/*
 * Kernel printf output: under the monitor collected in a buffer on the caller's stack and
 * written with one monitor call per buffer; on the bare machine (out == 0) straight to the UART.
 */
struct outbuf {
	int n;
	char b[124];
};

static void flush(struct outbuf *out)
{
	hc_write(out->b, out->n);
	out->n = 0;
}

static void put(struct outbuf *out, int c)
{
	if (!out) {
		consputc(c);
		return;
	}
	out->b[out->n++] = (char)c;
	if (out->n == (int)sizeof out->b)
		flush(out);
}

/* console_getc: a byte, or -1 with *ended = 1 at the end of the input (0: none yet) */
static int hc_getc(int *ended)
{
	register u32 v0 __asm__("$2") = HCALL_CONSOLE_GETC;
	register u32 v1 __asm__("$3");
	__asm__ __volatile__("syscall" : "+r"(v0), "=r"(v1) :: "memory");
	*ended = v1 == 1;
	return (int)v0;
}

/*
 * Read up to n bytes of console input, up to and including a newline. Under the monitor the
 * input is the VM's (disco run --console-input); when none is waiting yet, wait a tick and
 * ask again. On the bare machine there is no input: end of file.
 */
int consoleread(int user, u32 dst, int n)
{
	if (!machine_monitor)
		return 0;
	char buf[64];
	int done = 0, line = 0;
	while (done < n && !line) {
		int k = 0, ended = 0;
		while (k < (int)sizeof buf && done + k < n) {
			int c = hc_getc(&ended);
			if (c < 0)
				break;
			buf[k++] = (char)c;
			if (c == '\n') {
				line = 1;
				break;
			}
		}
		if (k > 0 && either_copyout(user, dst + done, buf, k) < 0)
			return done ? done : -1;
		done += k;
		if (k == 0 && ended)
			break;
		if (k == 0 && done == 0) {
			acquire(&tickslock);
			sleep(&ticks, &tickslock);
			release(&tickslock);
		} else if (k < (int)sizeof buf && !line) {
			break;	/* what was waiting has been read */
		}
	}
	return done;
}

static void printnum(struct outbuf *out, u32 v, int base, int neg, int width, char pad)
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
		put(out, pad);
	while (--i >= 0)
		put(out, buf[i]);
}

static void vprintf(struct outbuf *out, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(out, *fmt);
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
			printnum(out, v < 0 ? 0u - (u32)v : (u32)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			printnum(out, va_arg(ap, u32), 10, 0, width, pad);
			break;
		case 'x':
			printnum(out, va_arg(ap, u32), 16, 0, width, pad);
			break;
		case 'p':
			put(out, '0');
			put(out, 'x');
			printnum(out, va_arg(ap, u32), 16, 0, 8, '0');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;
			if (!s)
				s = "(null)";
			for (const char *t = s; *t; t++)
				len++;
			for (; width > len; width--)
				put(out, ' ');
			while (*s)
				put(out, *s++);
			break;
		}
		case 'c':
			put(out, va_arg(ap, int));
			break;
		case '%':
			put(out, '%');
			break;
		case 0:
			return;
		default:
			put(out, '%');
			put(out, *fmt);
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
	struct outbuf ob = { 0 };
	struct outbuf *out = machine_monitor ? &ob : 0;
	va_start(ap, fmt);
	vprintf(out, fmt, ap);
	va_end(ap);
	if (out)
		flush(out);
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
	struct outbuf ob = { 0 };
	struct outbuf *out = machine_monitor ? &ob : 0;
	put(out, '\n');
	for (const char *s = "kernel panic: "; *s; s++)
		put(out, *s);
	va_start(ap, fmt);
	vprintf(out, fmt, ap);
	va_end(ap);
	put(out, '\n');
	if (out)
		flush(out);
	machine_halt(99);
}
