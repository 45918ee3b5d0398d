/*
 * Polled output on the PIIX4 COM1 16550 (kseg1 0xB80003F8, stride 1).
 * On QEMU's Malta the boot code maps PCI I/O space at physical 0x18000000,
 * so COM1 is reachable without any setup; disco maps it there statically.
 */
#include "guest.h"

#define COM1 ((volatile u8 *)COM1_BASE)

void putchar(int c)
{
	/* 16550: transmit holding register empty (LSR bit 5) before each byte */
	while (!(COM1[UART_LSR] & LSR_THRE))
		;
	COM1[0] = (u8)c;
}

void uart_write(const char *s)
{
	while (*s)
		putchar(*s++);
}

void puts(const char *s)
{
	uart_write(s);
	putchar('\n');
}
