/* Check reporting for self-checking test images (format in test.h). */
#include "guest.h"
#include "test.h"

static int t_num, t_fail;

void t_begin(const char *name)
{
	printf("# %s\n", name);
}

void t_check(const char *desc, u32 got, u32 expected)
{
	t_num++;
	if (got == expected) {
		printf("ok %d - %s\n", t_num, desc);
	} else {
		t_fail++;
		printf("not ok %d - %s (got 0x%08x expected 0x%08x)\n", t_num, desc, got, expected);
	}
}

void t_fail_unexpected(void)
{
	t_num++;
	t_fail++;
	printf("not ok %d - unexpected exception (vector 0x%08x cause 0x%08x epc 0x%08x badvaddr 0x%08x status 0x%08x)\n",
	       t_num, exc.vector, exc.cause, exc.epc, exc.badvaddr, exc.status);
}

int t_done(void)
{
	printf("1..%d\n", t_num);
	return t_fail;
}
