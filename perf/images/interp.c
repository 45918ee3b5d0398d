/*
 * interp benchmark: a switch-dispatched register bytecode interpreter running a
 * small program (an LCG-driven loop with data-dependent branches and an inner
 * loop). Indirect jumps and unpredictable branches: measures dispatch overhead.
 * About 300 million guest instructions (QEMU -icount estimate).
 * Expected output (QEMU and a host build of this file agree):
 *   interp: 9437085 bytecode steps, acc 0xab200fce
 */
#include "guest.h"

/* one instruction: op | a << 8 | b << 16 | c << 24; IMM/target in the next word */
enum { HALT, LI, ADD, SUB, MUL, AND, XOR, SHRI, ADDI, JMP, JZ, JNZ, JLT };

#define I(op, a, b, c) ((op) | (a) << 8 | (b) << 16 | (c) << 24)

#define OUTER 220000

static const u32 program[] = {
	/*  0 */ I(LI, 0, 0, 0), OUTER,		/* r0 = outer count */
	/*  2 */ I(LI, 1, 0, 0), 0,		/* r1 = acc */
	/*  4 */ I(LI, 2, 0, 0), 20240601,	/* r2 = lcg state */
	/*  6 */ I(LI, 6, 0, 0), 1103515245,	/* r6 = multiplier */
	/*  8 */ I(LI, 7, 0, 0), 7,		/* r7 = mask */
	/* 10 loop: */
	/* 10 */ I(MUL, 2, 2, 6),
	/* 11 */ I(ADDI, 2, 2, 0), 12345,
	/* 13 */ I(SHRI, 3, 2, 16),		/* r3 = r2 >> 16 */
	/* 14 */ I(AND, 4, 3, 7),		/* r4 = r3 & 7 */
	/* 15 */ I(JZ, 4, 0, 0), 21,
	/* 17 */ I(ADD, 1, 1, 3),
	/* 18 */ I(JMP, 0, 0, 0), 22,
	/* 20 */ I(HALT, 0, 0, 0),		/* never reached */
	/* 21 */ I(XOR, 1, 1, 2),
	/* 22 next: r5 = r4 + 2, inner loop r5 times */
	/* 22 */ I(ADDI, 5, 4, 0), 2,
	/* 24 inner: */
	/* 24 */ I(XOR, 1, 1, 5),
	/* 25 */ I(ADDI, 1, 1, 0), 0x9e3779b9,
	/* 27 */ I(SHRI, 8, 1, 3),
	/* 28 */ I(SUB, 1, 1, 8),
	/* 29 */ I(ADDI, 5, 5, 0), 0xffffffff,
	/* 31 */ I(JLT, 9, 5, 0), 24,		/* if r9 (=0) < r5 goto inner */
	/* 33 */ I(ADDI, 0, 0, 0), 0xffffffff,
	/* 35 */ I(JNZ, 0, 0, 0), 10,
	/* 37 */ I(HALT, 0, 0, 0),
};

static u32 steps;

static u32 run(const u32 *code, u32 *r)
{
	u32 pc = 0, n = 0;
	for (;;) {
		u32 ins = code[pc++];
		u32 a = (ins >> 8) & 0xff, b = (ins >> 16) & 0xff, c = ins >> 24;
		n++;
		switch (ins & 0xff) {
		case HALT:
			steps = n;
			return r[1];
		case LI:
			r[a] = code[pc++];
			break;
		case ADD:
			r[a] = r[b] + r[c];
			break;
		case SUB:
			r[a] = r[b] - r[c];
			break;
		case MUL:
			r[a] = r[b] * r[c];
			break;
		case AND:
			r[a] = r[b] & r[c];
			break;
		case XOR:
			r[a] = r[b] ^ r[c];
			break;
		case SHRI:
			r[a] = r[b] >> c;
			break;
		case ADDI:
			r[a] = r[b] + code[pc++];
			break;
		case JMP:
			pc = code[pc];
			break;
		case JZ:
			pc = r[a] == 0 ? code[pc] : pc + 1;
			break;
		case JNZ:
			pc = r[a] != 0 ? code[pc] : pc + 1;
			break;
		case JLT:
			pc = r[a] < r[b] ? code[pc] : pc + 1;
			break;
		default:
			printf("interp: bad opcode %u at %u\n", ins & 0xff, pc - 1);
			return 0;
		}
	}
}

int main(void)
{
	u32 regs[16] = {0};
	u32 acc = run(program, regs);
	printf("interp: %u bytecode steps, acc 0x%08x\n", steps, acc);
	return 0;
}
