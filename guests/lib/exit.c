/*
 * exit(code): the disco halt register takes the code (QEMU ignores the write),
 * then SOFTRES=0x42 resets the board, which ends the run on both (QEMU needs
 * -no-reboot). The loop covers a machine that does neither.
 */
#include "guest.h"

void exit(int code)
{
#ifdef GUEST_MEASURE
	/* instruction-count estimates under QEMU -icount (never in committed images) */
	printf("[measure] count %u\n", mfc0(9, 0));
#endif
	*(volatile u32 *)DISCO_HALT = (u32)code;
	*(volatile u32 *)MALTA_SOFTRES = SOFTRES_RESET;
	for (;;)
		;
}
