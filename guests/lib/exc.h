/*
 * Exception capture for self-checking tests.
 *
 * exc_install(base) points EBase at base, writes one stub at each of the vectors
 * base+0x000 (TLB refill), +0x180 (general) and +0x200 (interrupt when Cause.IV=1),
 * and leaves Status in kernel mode with BEV, ERL, EXL, IE and IM cleared.
 * Every stub loads k1 = its own address and jumps to exc_common, which fills
 * `exc` (below) and then acts on exc.resume:
 *   interrupt         -> Status.IE=0, Cause.IP0/IP1=0, eret to EPC (retry)
 *   EXC_RESUME_NONE   -> unexpected: print a failing check and exit
 *   EXC_RESUME_SKIP   -> EPC += 4, eret (same mode)
 *   EXC_RESUME_FILL   -> tlbwi {fill_index, fill_lo0/lo1/mask} with the EntryHi the
 *                        hardware loaded, eret to EPC (retry, same mode)
 *   any other value   -> EPC = resume, Status.KSU = kernel, eret
 * resume is one-shot: it is cleared whenever it is used.
 */
#ifndef GUEST_EXC_H
#define GUEST_EXC_H

#define EXC_RESUME_NONE	0
#define EXC_RESUME_SKIP	1
#define EXC_RESUME_FILL	2

/* byte offsets of struct exc_rec fields, for assembly */
#define EXC_COUNT	0
#define EXC_VECTOR	4
#define EXC_CAUSE	8
#define EXC_EPC		12
#define EXC_BADVADDR	16
#define EXC_STATUS	20
#define EXC_ENTRYHI	24
#define EXC_CONTEXT	28
#define EXC_RESUME	32
#define EXC_FILL_INDEX	36
#define EXC_FILL_LO0	40
#define EXC_FILL_LO1	44
#define EXC_FILL_MASK	48
#define EXC_REC_SIZE	52

/* stub layout: lui k1 / ori k1 (own address, patched) / lui k0 / addiu k0 / jr k0 / nop */
#define EXC_STUB_WORDS	6

#ifndef __ASSEMBLER__
#include "guest.h"

struct exc_rec {
	u32 count;	/* exceptions taken so far */
	u32 vector;	/* address of the vector entered last */
	u32 cause, epc, badvaddr, status, entryhi, context;	/* CP0 at entry */
	u32 resume;	/* what to do next, see above */
	u32 fill_index, fill_lo0, fill_lo1, fill_mask;
};

extern struct exc_rec exc;
extern const u32 exc_stub[EXC_STUB_WORDS];

void exc_install(u32 base);
void exc_unexpected(void) __attribute__((noreturn));
#endif

#endif
