/*
 * Tiny freestanding C library for disco guest images.
 *
 * Output goes to the PIIX4 COM1 16550 (polled, no interrupts); exit() ends the
 * run through the disco halt register and the Malta SOFTRES register.
 */
#ifndef GUEST_H
#define GUEST_H

#include "mips.h"

typedef unsigned int u32;
typedef int s32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef unsigned int size_t;

#define NULL ((void *)0)

/* console */
void putchar(int c);
void puts(const char *s);		/* writes s and a newline */
void uart_write(const char *s);		/* writes s as is */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* run control */
void exit(int code) __attribute__((noreturn));

/* string.h subset (gcc may also emit calls to these) */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* CP0 access; sel must be a constant */
#define mfc0(reg, sel) ({ u32 __v; \
	__asm__ __volatile__("mfc0 %0, $" #reg ", " #sel : "=r"(__v)); __v; })
#define mtc0(reg, sel, v) \
	__asm__ __volatile__("mtc0 %z0, $" #reg ", " #sel "\n\tehb" :: "Jr"((u32)(v)) : "memory")

#define KSEG0(pa)	((u32)(pa) | 0x80000000u)
#define KSEG1(pa)	((u32)(pa) | 0xa0000000u)
#define PHYS(va)	((u32)(va) & 0x1fffffffu)

/* caches: make code written through the D-side visible to instruction fetch */
void cache_sync(u32 addr, u32 len);

#endif
