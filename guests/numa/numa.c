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
 *   "pmake SRC_KB JOB_KB JOBS STEPS"  (numa2.elf only, see below)
 *       a parallel make: CPU 0 writes SRC_KB of shared "compiler code and header files"
 *       (read-mostly, read by every job: replication); JOBS compile jobs are taken from a shared
 *       queue by whichever CPU is free, and each takes a JOB_KB scratch slot from a shared pool
 *       of 2 x CPUs slots, fills it from the headers, works STEPS steps on it and gives it back
 *       (private data created, used and discarded; a slot's pages are used by different CPUs in
 *       turn, as freed pages are by IRIX). The queue head and the slot flags are write-shared.
 *   "database POOL_KB LOCK_KB WORK_KB QUERIES"  (numa2.elf only)
 *       decision support: CPU 0 loads a POOL_KB buffer pool (64-byte rows) that every CPU reads
 *       (read-shared: replication); LOCK_KB of lock and log counters, one per cache line, that
 *       every query updates with ll/sc (write-shared: must stay put); and a WORK_KB private work
 *       area per CPU (hash aggregation: migration). Every CPU runs QUERIES queries, each a
 *       series of index probes and a short scan of the pool. Prints the guest physical pages
 *       of the pool and of the lock area, so tests can see which were replicated.
 *   "ivy PAGES ROUNDS READS"
 *       coherence check (test/numa-policy.test.ts): in every round all CPUs read PAGES pages
 *       READS times (so they become hot and read-shared: the monitor replicates them), then
 *       one CPU (round mod CPUs) rewrites them while the others keep reading the old values,
 *       then everyone checks it sees the new values. A stale replica anywhere is an error.
 *
 * Each CPU's checksum and the final total are printed: they are the same on the bare machine,
 * under every placement and migration policy, and on the uniform machine, which is how tests
 * prove that moving and replicating pages never loses a write.
 *
 * pmake and database are compiled only with NUMA_MORE defined (guests/numa/numa2.c ->
 * numa2.elf): numa.elf stays byte-for-byte what it was, so the published raytrace and
 * engineering figures (docs/numa.md), which depend on where code and data lie, stay exact.
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

#ifdef NUMA_MORE
/* pmake: the job queue head and the scratch slot flags (write-shared, as a run queue and a free
 * page list are); database: the lock/log area. */
static volatile u32 next_job __attribute__((aligned(LINE)));
static volatile u32 slot_busy[2 * MAXCPU] __attribute__((aligned(LINE)));
static u32 *slot[2 * MAXCPU], nslots, slot_words;
static u32 *locks, nlocks;

/* Atomic *p += v (ll/sc, MIPS32 vol. II); returns the old value. */
static u32 fetch_add(volatile u32 *p, u32 v)
{
	u32 old, t;
	__asm__ __volatile__("1: ll %0, 0(%3)\n\taddu %1, %0, %2\n\tsc %1, 0(%3)\n\tbeqz %1, 1b\n\tnop"
			     : "=&r"(old), "=&r"(t) : "r"(v), "r"(p) : "memory");
	return old;
}

/* Set *p from 0 to 1; false if it was not 0. */
static u32 try_claim(volatile u32 *p)
{
	u32 t;
	__asm__ __volatile__("1: ll %0, 0(%1)\n\tbnez %0, 2f\n\tli %0, 1\n\tsc %0, 0(%1)\n\tbeqz %0, 1b\n\tb 3f\n2: move %0, $0\n3:"
			     : "=&r"(t) : "r"(p) : "memory");
	return t;
}

/*
 * One compile job: its result depends only on the job number and the shared sources, never on
 * which CPU ran it or which slot it had, so the total is the same under every timing.
 */
static u32 pmake_job(u32 j, u32 *s)
{
	u32 steps = a4, hmask = scene_words - 1, cmask = code_words - 1, wmask = slot_words - 1;
	u32 x = mix(j * 0x9e3779b9u + 1);
	for (u32 i = 0; i < slot_words; i++)		/* create: preprocess the headers */
		s[i] = scene[(x + i * 13) & hmask] ^ (j + i);
	for (u32 st = 0; st < steps; st++) {		/* use: compile */
		x = mix(x + st);
		u32 op = code[x & cmask];
		u32 h = scene[(x >> 9) & hmask];
		u32 i = (x >> 5) & wmask;
		s[i] = s[i] * 5 + (op ^ h);
	}
	u32 v = j;
	for (u32 i = 0; i < slot_words; i += 4)	/* emit the object; then the slot is discarded */
		v += s[i] * (i | 1);
	return v;
}

static u32 pmake(u32 me)
{
	u32 jobs = a3, sum = 0, first = me;
	for (;;) {
		u32 j = fetch_add(&next_job, 1);
		if (j >= jobs)
			break;
		u32 k = (j + first) % nslots;
		while (!try_claim(&slot_busy[k]))
			k = (k + 1) % nslots;
		sum += pmake_job(j, slot[k]);
		slot_busy[k] = 0;
	}
	return sum;
}

/* Decision-support queries: probes and scans of the shared pool, aggregation in private memory. */
static u32 database(u32 me)
{
	u32 queries = a4, rows = scene_words / 16, wmask = data_words - 1, sum = 0;
	u32 *w = data[me];
	for (u32 q = 0; q < queries; q++) {
		u32 x = mix(me * 0x10001u + q * 7 + 3), qs = 0;
		for (u32 p = 0; p < 24; p++) {		/* index probes: one row each */
			x = mix(x + p);
			u32 *row = &scene[(x % rows) * 16];
			u32 v = row[0] + row[(x >> 28) | 1];
			w[(v ^ x) & wmask] += v;		/* hash aggregation */
			qs += v;
		}
		u32 *run = &scene[(((x >> 3) % (rows - 4)) * 16) & ~(LINE / 4 - 1)];
		for (u32 i = 0; i < 64; i++)		/* a short range scan */
			qs += run[i];
		u32 l = (x >> 11) & (nlocks - 1);
		fetch_add(&locks[l * (LINE / 4)], 1);	/* the row's lock word: taken and counted */
		fetch_add(&locks[l * (LINE / 4) + 1], qs & 0xffff);
		fetch_add(&locks[0], 1);		/* the log tail (on line 0, with lock 0) */
		sum += qs;
	}
	return sum;
}

#endif

static volatile u32 ready;

static void work(u32 me)
{
#ifdef NUMA_MORE
	if (mode >= 3) {
		result[me][0] = mode == 3 ? pmake(me) : database(me);
		result[me][1] = 1;
		return;
	}
#endif
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

#ifdef NUMA_MORE
/* Set-up, start and checksum of pmake (mode 3) and database (mode 4); heap is set. */
static int more_main(void)
{
	u32 need = mode == 3 ? a1 + a2 * 2 * ncpu : a1 + a2 + a3 * ncpu;
	if (a1 < 4 || a2 == 0 || a3 == 0 || a4 == 0 || (mode == 4 && a2 < 4) || W2P(heap) + need * 1024 > vt_memsize) {
		printf("numa: bad sizes or not enough memory (%u KiB needed)\n", need);
		return 2;
	}
	u32 *p = heap;
	if (mode == 3) {
		/* The first quarter of the sources is the compiler's code, the rest the headers. */
		code = p;
		code_words = pow2_floor(a1 * 64);
		scene = p + a1 * 64;
		scene_words = pow2_floor(a1 * 192);
		p += a1 * 256;
		nslots = 2 * ncpu;
		slot_words = pow2_floor(a2 * 256);
		for (u32 k = 0; k < nslots; k++) {
			slot[k] = p;
			p += a2 * 256;
		}
		/* CPU 0 writes the sources, as a checkout would. */
		for (u32 i = 0; i < a1 * 256; i++)
			code[i] = mix(i + 0x7f4a);
	} else {
		scene = p;
		scene_words = pow2_floor(a1 * 256);
		p += a1 * 256;
		locks = p;
		nlocks = pow2_floor(a2 * 1024 / LINE);
		p += a2 * 256;
		data_words = pow2_floor(a3 * 256);
		for (u32 c = 0; c < ncpu; c++) {
			data[c] = p;
			p += a3 * 256;
		}
		/* CPU 0 loads the database and sets up everything, as a sequential start-up would. */
		for (u32 i = 0; i < scene_words; i++)
			scene[i] = mix(i + 1);
		for (u32 i = 0; i < nlocks * (LINE / 4); i++)
			locks[i] = 0;
		for (u32 c = 0; c < ncpu; c++)
			for (u32 i = 0; i < data_words; i += LINE / 4)
				data[c][i] = c + i;
	}
	printf("numa: %s on %u CPUs\n", mode == 3 ? "pmake" : "database", ncpu);
	if (mode == 4)
		printf("numa: database pool pages %x-%x locks pages %x-%x\n", W2P(scene) >> 12, (W2P(scene + scene_words) - 1) >> 12,
		       W2P(locks) >> 12, (W2P(locks + nlocks * (LINE / 4)) - 1) >> 12);
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
	/* Sums of per-job or per-query values and of commutative atomic adds: the same whichever
	 * CPU ran which job and in whatever order the locks were taken. */
	u32 total = 0;
	for (u32 c = 0; c < ncpu; c++) {
		total += result[c][0];
		for (u32 i = 0; mode == 4 && i < data_words; i++)
			total += data[c][i] * (i | 1);
	}
	for (u32 i = 0; mode == 4 && i < nlocks * (LINE / 4); i++)
		total += locks[i] * (i | 1);
	printf("numa: checksum %08x\n", total);
	return 0;
}
#endif

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
#ifdef NUMA_MORE
	else if (cmd[0] == 'p')
		mode = 3;
	else if (cmd[0] == 'd')
		mode = 4;
	else {
		printf("numa: usage: raytrace SCENE_KB TILE_KB RAYS | eng DATA_KB CODE_KB PHASES STEPS | ivy PAGES ROUNDS READS"
		       " | pmake SRC_KB JOB_KB JOBS STEPS | database POOL_KB LOCK_KB WORK_KB QUERIES\n");
		return 2;
	}
#else
	else {
		printf("numa: usage: raytrace SCENE_KB TILE_KB RAYS | eng DATA_KB CODE_KB PHASES STEPS | ivy PAGES ROUNDS READS\n");
		return 2;
	}
#endif
	while (*cmd && *cmd != ' ')
		cmd++;
	a1 = parse(&cmd);
	a2 = parse(&cmd);
	a3 = parse(&cmd);
	a4 = parse(&cmd);
	heap = (u32 *)(((u32)__image_end + 4095) & ~4095u);
#ifdef NUMA_MORE
	if (mode >= 3)
		return more_main();
#endif
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
