/*
 * SMP self-test for disco's multiprocessor machine: every CPU of the machine runs
 * a spinlock built on ll/sc, a lock-free atomic add, a sense-reversing barrier and
 * (with two CPUs or more) a single-producer/single-consumer ring. CPU 0 starts the
 * others through the node controller (cpu/nodectl.ts) and prints TAP lines;
 * the image exits with the number of failed checks.
 */
#include "guest.h"

#define NC ((volatile u32 *)0xbf200000u)	/* node controller, kseg1 */
#define NC_CPU_ID	(0x00 / 4)
#define NC_NCPUS	(0x08 / 4)
#define NC_NNODES	(0x0c / 4)
#define NC_START_PC	(0x30 / 4)
#define NC_START_SP	(0x34 / 4)
#define NC_START_ARG	(0x38 / 4)
#define NC_START	(0x3c / 4)

#define MAXCPU 32
#define ITERS 2000
#define ROUNDS 50
#define RING 16
#define ITEMS 3000

static u8 stacks[MAXCPU][4096] __attribute__((aligned(8)));
static volatile u32 lock;
static volatile u32 counter;	/* protected by lock */
static volatile u32 plain;	/* protected by lock, updated non-atomically */
static volatile u32 atomic_sum;
static volatile u32 bar_count, bar_sense;
static volatile u32 slots[MAXCPU];
static volatile u32 bad_rounds;	/* barrier violations seen */
static volatile u32 ring[RING];
static volatile u32 head, tail;	/* ring indices: producer writes head, consumer tail */
static volatile u32 consumed_sum, produced_sum;
static volatile u32 done_count;
static u32 ncpus;

static inline u32 ll(volatile u32 *p)
{
	u32 v;
	__asm__ __volatile__("ll %0, 0(%1)" : "=r"(v) : "r"(p) : "memory");
	return v;
}

static inline u32 sc(volatile u32 *p, u32 v)
{
	__asm__ __volatile__("sc %0, 0(%1)" : "+r"(v) : "r"(p) : "memory");
	return v;
}

static void spin_lock(volatile u32 *l)
{
	for (;;) {
		while (*l != 0)
			;
		if (ll(l) == 0 && sc(l, 1))
			return;
	}
}

static void spin_unlock(volatile u32 *l)
{
	__asm__ __volatile__("sync" ::: "memory");
	*l = 0;
}

static void atomic_add(volatile u32 *p, u32 n)
{
	u32 v;
	do
		v = ll(p);
	while (!sc(p, v + n));
}

/* sense-reversing barrier for ncpus CPUs; `local` is the caller's sense */
static void barrier(u32 *local)
{
	u32 s = !*local;
	*local = s;
	u32 v;
	do
		v = ll(&bar_count);
	while (!sc(&bar_count, v + 1));
	if (v + 1 == ncpus) {
		bar_count = 0;
		bar_sense = s;
	} else {
		while (bar_sense != s)
			;
	}
}

static void work(u32 id)
{
	u32 sense = 0;
	for (u32 i = 0; i < ITERS; i++) {
		spin_lock(&lock);
		counter++;
		u32 t = plain;	/* a race here would lose updates */
		for (volatile int d = 0; d < 3; d++)
			;
		plain = t + 1;
		spin_unlock(&lock);
		atomic_add(&atomic_sum, id + 1);
	}
	for (u32 r = 1; r <= ROUNDS; r++) {
		slots[id] = r;
		barrier(&sense);
		for (u32 c = 0; c < ncpus; c++)
			if (slots[c] != r)
				atomic_add(&bad_rounds, 1);
		barrier(&sense);
	}
	if (ncpus >= 2 && id == 1) {	/* producer */
		u32 sum = 0;
		for (u32 i = 1; i <= ITEMS; i++) {
			while (head - tail == RING)
				;
			ring[head % RING] = i * 2654435761u;
			sum += i * 2654435761u;
			head = head + 1;
		}
		produced_sum = sum;
	}
	if (ncpus >= 2 && id == 0) {	/* consumer */
		u32 sum = 0;
		for (u32 i = 1; i <= ITEMS; i++) {
			while (tail == head)
				;
			sum += ring[tail % RING];
			tail = tail + 1;
		}
		consumed_sum = sum;
	}
	atomic_add(&done_count, 1);
}

void secondary(u32 id)
{
	work(id);
	for (;;)
		__asm__ __volatile__("wait");
}

static int fails, checks;

static void check(int ok, const char *what, u32 got, u32 want)
{
	checks++;
	if (ok) {
		printf("ok %d - %s\n", checks, what);
	} else {
		fails++;
		printf("not ok %d - %s (got %u expected %u)\n", checks, what, got, want);
	}
}

int main(void)
{
	ncpus = NC[NC_NCPUS];
	if (ncpus > MAXCPU)
		ncpus = MAXCPU;
	printf("# smp: %u CPUs on %u nodes\n", ncpus, NC[NC_NNODES]);
	check(NC[NC_CPU_ID] == 0, "boot CPU is CPU 0", NC[NC_CPU_ID], 0);
	for (u32 c = 1; c < ncpus; c++) {
		NC[NC_START_PC] = (u32)secondary;
		NC[NC_START_SP] = (u32)&stacks[c][4096];
		NC[NC_START_ARG] = c;
		NC[NC_START] = c;
	}
	work(0);
	while (done_count != ncpus)
		;
	u32 want_sum = 0;
	for (u32 c = 0; c < ncpus; c++)
		want_sum += (c + 1) * ITERS;
	check(counter == ncpus * ITERS, "spinlock: counter", counter, ncpus * ITERS);
	check(plain == ncpus * ITERS, "spinlock: non-atomic update under the lock", plain, ncpus * ITERS);
	check(atomic_sum == want_sum, "ll/sc atomic add", atomic_sum, want_sum);
	check(bad_rounds == 0, "barrier: every CPU saw every slot of its round", bad_rounds, 0);
	if (ncpus >= 2)
		check(consumed_sum == produced_sum && head == ITEMS, "ring: consumer saw every item in order", consumed_sum, produced_sum);
	printf("1..%d\n", checks);
	exit(fails);
}
