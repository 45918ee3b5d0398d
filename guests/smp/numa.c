/*
 * NUMA access-pattern probe for the timing mode (test/numa.test.ts). The command line
 * (argv[1], YAMON style) selects a pattern and a size:
 *   "local N"     CPU 0 reads one word in each of N lines of its own node's memory
 *   "remote N"    CPU 0 reads one word in each of N lines of node 1's memory
 *   "pingpong N"  CPU 0 (node 0) and CPU 1 (node 1) take N turns each incrementing a
 *                 counter that shares one cache line with the turn flag
 * The access pattern is the only thing that differs between patterns, so the difference of
 * two runs' statistics is exactly the pattern's cost.
 */
#include "guest.h"

#define NC ((volatile u32 *)0xbf200000u)
#define NC_MEM_PER_NODE	(0x14 / 4)
#define NC_START_PC	(0x30 / 4)
#define NC_START_SP	(0x34 / 4)
#define NC_START_ARG	(0x38 / 4)
#define NC_START	(0x3c / 4)

#define LINE_WORDS 32	/* 128-byte lines */
#define BUF_OFFSET 0x400000u	/* 4 MiB into a node's memory */

static volatile u32 shared_line[LINE_WORDS] __attribute__((aligned(128)));	/* [0] turn, [1] counter */
static u8 stack1[4096] __attribute__((aligned(8)));
static u32 turns;

static u32 parse(const char *s, const char **rest)
{
	u32 n = 0;
	while (*s == ' ')
		s++;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (u32)(*s++ - '0');
	*rest = s;
	return n;
}

static int starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static u32 stream(volatile u32 *buf, u32 lines)
{
	u32 sum = 0;
	for (u32 i = 0; i < lines; i++)
		sum += buf[i * LINE_WORDS];
	return sum;
}

void player(u32 me)
{
	for (u32 k = 0; k < turns; k++) {
		while (shared_line[0] != me)
			;
		shared_line[1] = shared_line[1] + 1;
		shared_line[0] = !me;
	}
	for (;;)
		__asm__ __volatile__("wait");
}

int main(void)
{
	const char *cmd = ((const char **)0x80002000u)[1];
	const char *rest;
	u32 sum = 0;
	if (starts(cmd, "local")) {
		sum = stream((volatile u32 *)(0x80000000u + BUF_OFFSET), parse(cmd + 5, &rest));
	} else if (starts(cmd, "remote")) {
		u32 node1 = NC[NC_MEM_PER_NODE];
		sum = stream((volatile u32 *)(0x80000000u + node1 + BUF_OFFSET), parse(cmd + 6, &rest));
	} else if (starts(cmd, "pingpong")) {
		turns = parse(cmd + 8, &rest);
		NC[NC_START_PC] = (u32)player;
		NC[NC_START_SP] = (u32)&stack1[4096];
		NC[NC_START_ARG] = 1;
		NC[NC_START] = 1;
		for (u32 k = 0; k < turns; k++) {
			while (shared_line[0] != 0)
				;
			shared_line[1] = shared_line[1] + 1;
			shared_line[0] = 1;
		}
		while (shared_line[0] != 0)
			;
		sum = shared_line[1];
	} else {
		printf("numa: unknown pattern '%s'\n", cmd);
		exit(2);
	}
	printf("numa: %s -> %u\n", cmd, sum);
	exit(0);
}
