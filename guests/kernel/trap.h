/*
 * The trap frame: everything a trap saves, on the kernel stack of the interrupted context.
 * Offsets are shared by entry.S and C. The frame opens with the 16-byte o32 argument save
 * area of the C handler it is passed to.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#define TF_REG(n)	(16 + 4 * (n))	/* r1..r31; r0, k0, k1 slots unused */
#define TF_LO		(16 + 4 * 32)
#define TF_HI		(TF_LO + 4)
#define TF_EPC		(TF_LO + 8)
#define TF_STATUS	(TF_LO + 12)
#define TF_CAUSE	(TF_LO + 16)
#define TF_BADVADDR	(TF_LO + 20)
#define TF_SIZE		(TF_LO + 24)	/* 168: a multiple of 8 keeps sp aligned */

#ifndef __ASSEMBLER__
struct trapframe {
	u32 argsave[4];		/* o32: the callee's home for a0..a3 */
	u32 regs[32];		/* regs[n] = $n */
	u32 lo, hi;
	u32 epc;
	u32 status;
	u32 cause;
	u32 badvaddr;
};
/* register numbers (o32) */
enum { R_AT = 1, R_V0 = 2, R_V1 = 3, R_A0 = 4, R_A1, R_A2, R_A3, R_T0 = 8, R_S0 = 16,
       R_T8 = 24, R_T9, R_K0, R_K1, R_GP, R_SP, R_FP, R_RA };
#endif

/* per-CPU data at PDA_VA: the first words are read by entry.S with only k0/k1 */
#define PDA_PGDIR	0	/* window address of the current process's page directory */
#define PDA_KSTACK	4	/* top of the current process's kernel stack */
#define PDA_ONFAULT	8	/* resume address for a bus error in peek32, or 0 */

#endif
