/*
 * NUMA workloads for `disco numa` (docs/numa.md): one SMP image that runs on every CPU of the
 * bare machine or every VCPU of one VM, shaped like the two workloads of the Disco paper's
 * NUMA experiment (SOSP '97 section 5.5):
 *
 *   "raytrace SCENE_KB TILE_KB RAYS"
 *       CPU 0 builds a read-only scene (SCENE_KB of pseudo-random words); then every CPU
 *       traces RAYS rays, each a chain of 8 dependent loads through the scene (a BVH walk),
 *       and writes the shade to its own private tile (TILE_KB). Scene pages are read-shared
 *       by all nodes (replication), tiles are private to one node (migration).
 *   "eng DATA_KB CODE_KB PHASES STEPS"
 *       multiprogrammed engineering: one process per CPU with DATA_KB of private data and a
 *       CODE_KB table every process reads (shared code); PHASES phases of STEPS steps, and
 *       between phases every process moves to the next CPU (as IRIX moves processes), so its
 *       private pages must follow it. A barrier word and the result slots are write-shared.
 *   "ivy PAGES ROUNDS READS"
 *       coherence check (test/numa-policy.test.ts): in every round all CPUs read PAGES pages
 *       READS times (so they become hot and read-shared: the monitor replicates them), then
 *       one CPU (round mod CPUs) rewrites them while the others keep reading the old values,
 *       then everyone checks it sees the new values. A stale replica anywhere is an error.
 *
 * Each CPU's checksum and the final total are printed: they are the same on the bare machine,
 * under every placement and migration policy, and on the uniform machine, which is how tests
 * prove that moving and replicating pages never loses a write.
 */
#include "vt.h"

#define NC(off)		(*(volatile u32 *)KSEG1(0x1f200000u + (off)))
#define NC_NCPUS	0x08
#define NC_START_PC	0x30
#define NC_START_SP	0x34
#define NC_START_ARG	0x38
#define NC_START	0x3c

#define MAXCPU		32
#define LINE		128
#define STACK_WORDS	1024

static u32 stacks[MAXCPU][STACK_WORDS] __attribute__((aligned(4096)));

/* Write-shared: the barrier and the per-CPU results (one line each, no false sharing). */
static volatile u32 bar_count __attribute__((aligned(LINE)));
static volatile u32 bar_sense __attribute__((aligned(LINE)));
static volatile u32 result[MAXCPU][LINE / 4] __attribute__((aligned(LINE)));

static u32 ncpu, mode, a1, a2, a3, a4;
static u32 *heap;	/* page-aligned memory after the image */
static u32 *scene, scene_words;
static u32 *code, code_words;
static u32 *data[MAXCPU], data_words;

/* Sense-reversing barrier over all CPUs; the CPU whose increment completes it resets it. */
static void barrier(u32 *local_sense)
{
	u32 s = !*local_sense, t, n;
	*local_sense = s;
	__asm__ __volatile__("1: ll %0, 0(%2)\n\taddiu %0, %0, 1\n\tmove %1, %0\n\tsc %0, 0(%2)\n\tbeqz %0, 1b\n\tnop"
			     : "=&r"(t), "=&r"(n) : "r"(&bar_count) : "memory");
	if (n == ncpu) {
		bar_count = 0;
		bar_sense = s;
	} else {
		while (bar_sense != s)
			;
	}
}

static u32 parse(const char **sp)
{
	const char *s = *sp;
	u32 n = 0;
	while (*s == ' ')
		s++;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (u32)(*s++ - '0');
	*sp = s;
	return n;
}

static inline u32 mix(u32 x)
{
	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	x *= 0x297a2d39u;
	x ^= x >> 15;
	return x;
}

static u32 raytrace(u32 me)
{
	u32 rays = a3, tile_words = a2 * 256, mask = scene_words - 1;
	u32 *tile = data[me];
	u32 sum = 0;
	for (u32 r = 0; r < rays; r++) {
		u32 node = mix(r * MAXCPU + me) & mask;
		u32 shade = r;
		for (u32 d = 0; d < 8; d++) {	/* a walk down the scene's hierarchy */
			u32 v = scene[node];
			shade += v ^ (shade >> 3);
			node = (node * 33 + v) & mask;
		}
		u32 px = (r * 7) & (tile_words - 1);
		tile[px] += shade;
		sum += shade;
	}
	return sum;
}

static u32 ivy(u32 me)
{
	u32 words = a1 * 1024, rounds = a2, reads = a3, sense = 0, errors = 0, sum = 0;
	u32 *area = data[0];
	for (u32 r = 0; r < rounds; r++) {
		for (u32 k = 0; k < reads; k++)
			for (u32 i = 0; i < words; i += 8) {
				u32 v = ((volatile u32 *)area)[i];
				if (v != r * 0x10000u + i)
					errors++;
				sum += v;
			}
		barrier(&sense);
		if (me == r % ncpu)
			for (u32 i = 0; i < words; i++)
				area[i] = (r + 1) * 0x10000u + i;
		else
			for (u32 i = 0; i < words; i += 8)
				sum += ((volatile u32 *)area)[i];	/* racing the writer: either value */
		barrier(&sense);
	}
	for (u32 i = 0; i < words; i++)
		if (area[i] != rounds * 0x10000u + i)
			errors++;
	result[me][2] = errors;
	return sum - errors;
}

static u32 eng(u32 me)
{
	u32 phases = a3, steps = a4, sum = 0, sense = 0;
	u32 cmask = code_words - 1, dmask = data_words - 1;
	for (u32 ph = 0; ph < phases; ph++) {
		u32 proc = (me + ph) % ncpu;	/* the process this CPU runs in this phase */
		u32 *d = data[proc];
		u32 x = mix(proc * 7919 + ph);
		for (u32 s = 0; s < steps; s++) {
			x = mix(x + s);
			u32 op = code[x & cmask];		/* "instruction fetch" in shared code */
			u32 i = (x >> 7) & dmask;
			d[i] = d[i] * 3 + op;			/* private data */
			sum += d[(i + 37) & dmask] ^ op;
		}
		barrier(&sense);
	}
	return sum;
}

static volatile u32 ready;

static void work(u32 me)
{
	u32 sum = mode == 0 ? raytrace(me) : mode == 1 ? eng(me) : ivy(me);
	result[me][0] = sum;
	result[me][1] = 1;
}

void secondary(u32 arg, u32 cpu)
{
	(void)cpu;
	while (!ready)
		;
	work(arg);
}

static u32 pow2_floor(u32 n)
{
	u32 p = 1;
	while (p * 2 <= n)
		p *= 2;
	return p;
}

int main(u32 argc, u32 argv)
{
	const char *cmd = argc >= 2 ? (const char *)((u32 *)argv)[1] : "";
	ncpu = NC(NC_NCPUS);
	if (ncpu > MAXCPU)
		ncpu = MAXCPU;
	if (cmd[0] == 'r')
		mode = 0;
	else if (cmd[0] == 'e')
		mode = 1;
	else if (cmd[0] == 'i')
		mode = 2;
	else {
		printf("numa: usage: raytrace SCENE_KB TILE_KB RAYS | eng DATA_KB CODE_KB PHASES STEPS | ivy PAGES ROUNDS READS\n");
		return 2;
	}
	while (*cmd && *cmd != ' ')
		cmd++;
	a1 = parse(&cmd);
	a2 = parse(&cmd);
	a3 = parse(&cmd);
	a4 = parse(&cmd);
	heap = (u32 *)(((u32)__image_end + 4095) & ~4095u);
	u32 need = mode == 0 ? a1 + a2 * ncpu : mode == 1 ? a2 + a1 * ncpu : a1 * 4;
	if (a1 == 0 || a2 == 0 || a3 == 0 || (mode == 1 && a4 == 0) ||
	    W2P(heap) + need * 1024 > vt_memsize) {
		printf("numa: bad sizes or not enough memory (%u KiB needed)\n", need);
		return 2;
	}
	u32 *p = heap;
	if (mode == 2) {
		data[0] = p;
		data_words = a1 * 1024;
		for (u32 i = 0; i < data_words; i++)
			p[i] = i;
	} else if (mode == 0) {
		scene_words = pow2_floor(a1 * 256);
		scene = p;
		p += a1 * 256;
		a2 = pow2_floor(a2);
		data_words = a2 * 256;
	} else {
		data_words = pow2_floor(a1 * 256);
		code_words = pow2_floor(a2 * 256);
		code = p;
		p += a2 * 256;
	}
	for (u32 c = 0; c < ncpu && mode != 2; c++) {
		data[c] = p;
		p += mode == 0 ? a2 * 256 : a1 * 256;
	}
	/* CPU 0 builds everything, as a sequential start-up would. */
	if (mode == 0)
		for (u32 i = 0; i < scene_words; i++)
			scene[i] = mix(i + 1);
	else
		for (u32 i = 0; i < code_words; i++)
			code[i] = mix(i + 0x9e37);
	for (u32 c = 0; c < ncpu && mode != 2; c++)
		for (u32 i = 0; i < data_words; i += LINE / 4)
			data[c][i] = mode == 0 ? 0 : c + i;
	printf("numa: %s on %u CPUs\n", mode == 0 ? "raytrace" : mode == 1 ? "eng" : "ivy", ncpu);
	for (u32 c = 1; c < ncpu; c++) {
		NC(NC_START_PC) = (u32)_secondary;
		NC(NC_START_SP) = (u32)&stacks[c][STACK_WORDS];
		NC(NC_START_ARG) = c;
		NC(NC_START) = c;
	}
	ready = 1;
	work(0);
	for (u32 c = 0; c < ncpu; c++)
		while (result[c][1] == 0)
			;
	u32 total = 0, errors = 0;
	for (u32 c = 0; c < ncpu; c++) {
		total += result[c][0];
		errors += result[c][2];
		for (u32 i = 0; i < data_words && (mode != 2 || c == 0); i++)
			total += data[c][i] * (i | 1);
	}
	if (mode == 2)
		printf("numa: ivy %u stale reads\n", errors);
	printf("numa: checksum %08x\n", total);
	return 0;
}
