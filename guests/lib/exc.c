/* Installing the test exception stubs; see exc.h for the contract. */
#include "guest.h"
#include "exc.h"
#include "test.h"

static void put_stub(u32 vec)
{
	volatile u32 *dst = (volatile u32 *)vec;
	for (int i = 0; i < EXC_STUB_WORDS; i++)
		dst[i] = exc_stub[i];
	/* lui/ori immediates: the stub's own address, so tests see which vector ran */
	dst[0] = (exc_stub[0] & 0xffff0000u) | (vec >> 16);
	dst[1] = (exc_stub[1] & 0xffff0000u) | (vec & 0xffffu);
}

void exc_install(u32 base)
{
	u32 st = mfc0(12, 0);

	/* EBase may only be changed while Status.BEV=1 (MIPS32 PRA 9.38) */
	mtc0(12, 0, st | ST_BEV);
	mtc0(15, 1, base);
	put_stub(base + 0x000);
	put_stub(base + 0x180);
	put_stub(base + 0x200);
	cache_sync(base, 0x200 + 4 * EXC_STUB_WORDS);
	exc.resume = EXC_RESUME_NONE;
	mtc0(13, 0, 0);		/* Cause: IV=0, no software interrupt requests */
	mtc0(12, 0, st & ~(ST_BEV | ST_ERL | ST_EXL | ST_IE | ST_KSU_MASK | ST_IM_MASK));
}

void exc_unexpected(void)
{
	t_fail_unexpected();
	exit(t_done());
}
