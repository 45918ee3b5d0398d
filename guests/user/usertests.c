/*
 * usertests: the kernel's self-test table, in the spirit of xv6's usertests. Each test runs
 * in its own child process so that a failure (or a crash) is reported and the next test
 * still runs. Quick tests run by default; -s adds the slow ones; names select tests.
 *
 *   usertests [-s] [-v] [name...] prints "NAME: ok" or "NAME: FAILED ...", then a summary;
 *                                 exits 0 only if every selected test passed; -v adds the
 *                                 simulated cycles each test took
 */
#include "user.h"

static const char *cur;

#define CHECK(cond) do { if (!(cond)) { \
	printf("%s: FAILED at line %d: %s\n", cur, __LINE__, #cond); exit(1); } } while (0)

/* Run f in a child; the child's exit status, -1 if it was killed. */
static int child(void (*f)(void))
{
	int pid = fork();
	if (pid == 0) {
		f();
		exit(0);
	}
	int st = -2;
	CHECK(pid > 0);
	CHECK(wait(&st) == pid);
	return st;
}

static void expect_killed(void (*f)(void))
{
	CHECK(child(f) == -1);
}

/* --- processes ------------------------------------------------------------------------- */

static void t_fork(void)
{
	enum { N = 40 };
	int pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		CHECK(pids[i] >= 0);
		if (pids[i] == 0)
			exit(i);
	}
	int seen = 0;
	for (int i = 0; i < N; i++) {
		int st;
		int pid = wait(&st);
		int k;
		for (k = 0; k < N && pids[k] != pid; k++)
			;
		CHECK(k < N);
		CHECK(st == k);
		seen++;
	}
	CHECK(seen == N);
	CHECK(wait(0) == -1);	/* no children left */
}

static void t_getpid(void)
{
	int me = getpid();
	CHECK(me > 1);
	int pid = fork();
	if (pid == 0)
		exit(getpid() == me ? 1 : 0);
	int st;
	CHECK(wait(&st) == pid && st == 0);
}

static void t_manyprocs(void)
{
	/* fork until the table is full: fork must fail cleanly, then everything is reaped */
	int n = 0;
	for (;;) {
		int pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			sleep(20);
			exit(0);
		}
		n++;
		CHECK(n < 1000);
	}
	CHECK(n > 10);
	while (n > 0) {
		CHECK(wait(0) > 0);
		n--;
	}
}

static void spin_forever(void)
{
	for (volatile int i = 0;; i++)
		;
}

/* CPU-bound children must not starve the parent: the timer preempts them. */
static void t_preempt(void)
{
	int a = fork();
	if (a == 0)
		spin_forever();
	int b = fork();
	if (b == 0)
		spin_forever();
	CHECK(a > 0 && b > 0);
	int t0 = clock();
	sleep(3);
	CHECK(clock() - t0 >= 3);
	CHECK(kill(a) == 0 && kill(b) == 0);
	int st;
	CHECK(wait(&st) > 0 && st == -1);
	CHECK(wait(&st) > 0 && st == -1);
}

static void t_killsleeper(void)
{
	int pid = fork();
	if (pid == 0) {
		sleep(1000000);
		exit(0);
	}
	sleep(1);
	CHECK(kill(pid) == 0);
	int st;
	CHECK(wait(&st) == pid && st == -1);
	CHECK(kill(pid) == -1);
}

static void t_sleep(void)
{
	int t0 = clock();
	CHECK(sleep(10) == 0);
	int dt = clock() - t0;
	CHECK(dt >= 10 && dt < 20);
}

static void t_exec(void)
{
	int pid = fork();
	if (pid == 0) {
		char *argv[] = { "echo", "exec", "works", 0 };
		exec("/bin/echo", argv);
		exit(99);
	}
	int st;
	CHECK(wait(&st) == pid && st == 0);
	char *argv[] = { "nope", 0 };
	CHECK(exec("/no/such/program", argv) == -1);
	CHECK(exec("/bin", argv) == -1);	/* a directory is not an ELF */
}

/* pin() moves a process to a CPU and keeps it there; every CPU runs processes. */
static void t_pin(void)
{
	struct sysinfo si;
	sysinfo(&si);
	CHECK(pin(si.ncpu) == -1 && pin(-2) == -1);
	for (u32 k = 0; k < si.ncpu; k++) {
		int pid = fork();
		if (pid == 0) {
			if (pin(k) != 0 || cpuid() != (int)k)
				exit(1);
			for (volatile int i = 0; i < 200000; i++)	/* across timer ticks */
				if ((i & 1023) == 0 && cpuid() != (int)k)
					exit(2);
			exit(0);
		}
		int st;
		CHECK(wait(&st) == pid && st == 0);
	}
	CHECK(pin(-1) == 0);
}

/* --- memory ---------------------------------------------------------------------------- */

static void t_sbrk(void)
{
	char *a = sbrk(0);
	char *b = sbrk(1 << 20);
	CHECK(a == b);
	CHECK(sbrk(0) == a + (1 << 20));
	for (int i = 0; i < (1 << 20); i += 4096) {
		CHECK(b[i] == 0);	/* demand-zero */
		b[i] = (char)i;
	}
	for (int i = 0; i < (1 << 20); i += 4096)
		CHECK(b[i] == (char)i);
	CHECK(sbrk(-(1 << 20)) == a + (1 << 20));
	CHECK(sbrk(0) == a);
	b = sbrk(8192);
	CHECK(b[0] == 0 && b[4096] == 0);	/* fresh pages after shrinking */
	CHECK(sbrk(-0x7fff0000) == (char *)-1);	/* below the image */
	CHECK(sbrk(0x7fff0000) == (char *)-1);	/* into the stack */
}

/*
 * A big heap costs only the pages touched. (Free-page counts are global: with several CPUs
 * the parent's own copy-on-write faults can overlap, hence the slack.)
 */
static void t_demandzero(void)
{
	struct sysinfo s0, s1, s2;
	sysinfo(&s0);
	char *p = sbrk(16 << 20);
	CHECK(p != (char *)-1);
	sysinfo(&s1);
	int d = (int)s0.freepages - (int)s1.freepages;
	CHECK(d > -4 && d < 4);
	for (int i = 0; i < 10; i++)
		p[i * (1 << 20)] = 1;
	sysinfo(&s2);
	int used = (int)s1.freepages - (int)s2.freepages;
	CHECK(used >= 8 && used <= 24);	/* ten pages, some page tables */
}

static int deep(int n)
{
	volatile char pad[1000];
	pad[0] = (char)n;
	pad[999] = (char)n;
	return n == 0 ? 0 : deep(n - 1) + pad[0] - pad[999] + 1;
}

static void t_stack(void)
{
	CHECK(deep(1000) == 1000);	/* about 1 MiB of stack, faulted in on demand */
}

static void t_cow(void)
{
	enum { N = 64 * 1024 };
	static int a[N];
	for (int i = 0; i < N; i++)
		a[i] = i;
	int pid = fork();
	if (pid == 0) {
		for (int i = 0; i < N; i++)
			if (a[i] != i)
				exit(2);
		for (int i = 0; i < N; i++)
			a[i] = -i;
		for (int i = 0; i < N; i++)
			if (a[i] != -i)
				exit(3);
		exit(0);
	}
	int st;
	CHECK(wait(&st) == pid && st == 0);
	for (int i = 0; i < N; i++)
		CHECK(a[i] == i);
	/* now both sides write: the parent's pages were COW too */
	pid = fork();
	if (pid == 0) {
		a[7] = 7777;
		exit(a[7] == 7777 ? 0 : 1);
	}
	a[7] = 42;
	CHECK(wait(&st) == pid && st == 0);
	CHECK(a[7] == 42);
}

/* COW pages stay shared until written: forking a big heap copies nothing. */
static void t_cowshare(void)
{
	char *p = sbrk(4 << 20);
	for (int i = 0; i < (4 << 20); i += 4096)
		p[i] = 1;
	struct sysinfo s0, s1;
	sysinfo(&s0);
	int pid = fork();
	if (pid == 0) {
		struct sysinfo c;
		sysinfo(&c);
		/* the child has its page tables and a few stack/data copies, not 1024 pages */
		exit((int)s0.freepages - (int)c.freepages < 64 ? 0 : 1);
	}
	int st;
	CHECK(wait(&st) == pid && st == 0);
	sysinfo(&s1);
	CHECK((int)s1.freepages + 8 >= (int)s0.freepages);	/* the child's memory came back */
}

/* More pages than the TLB holds, over and over: refills, VPT misses, replacement. */
static void t_tlbstress(void)
{
	enum { PAGES = 1024 };
	u32 *p = (u32 *)sbrk(PAGES * 4096);
	for (int round = 0; round < 4; round++)
		for (int i = 0; i < PAGES; i++)
			p[i * 1024 + (i & 1023)] += i + round;
	for (int i = 0; i < PAGES; i++)
		CHECK(p[i * 1024 + (i & 1023)] == (u32)(4 * i + 6));
}

/* Hundreds of short processes: ASIDs wrap; stale translations must never be used. */
static void t_asidwrap(void)
{
	static volatile int mark[4096];
	for (int i = 0; i < 300; i++) {
		mark[i] = i;
		int pid = fork();
		if (pid == 0) {
			mark[i] = -1;	/* private copy */
			exit(mark[i] == -1 ? 0 : 1);
		}
		int st;
		CHECK(wait(&st) == pid && st == 0);
		CHECK(mark[i] == i);
	}
	for (int i = 0; i < 300; i++)
		CHECK(mark[i] == i);
}

static void t_malloc(void)
{
	void *blocks[200];
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 200; i++) {
			blocks[i] = malloc(1 + i * 37 % 5000);
			CHECK(blocks[i] != 0);
			memset(blocks[i], i, 1 + i * 37 % 5000);
		}
		for (int i = 0; i < 200; i++) {
			u8 *b = blocks[i];
			CHECK(b[0] == (u8)i && b[i * 37 % 5000] == (u8)i);
		}
		for (int i = 0; i < 200; i += 2)
			free(blocks[i]);
		for (int i = 1; i < 200; i += 2)
			free(blocks[i]);
	}
	void *big = malloc(3 << 20);
	CHECK(big != 0);
	free(big);
}

/* --- faults kill the process, never the kernel ------------------------------------------ */

static void f_null(void) { volatile int *p = 0; (void)*p; }
static void f_kseg0(void) { volatile int *p = (int *)0x80001000; (void)*p; }
static void f_kernel(void) { volatile int *p = (int *)0xC0100000; (void)*p; }
static void f_vpt(void) { volatile int *p = (int *)0xDF800000; (void)*p; }
static void f_gap(void) { volatile int *p = (int *)0x40000000; *p = 1; }
static void f_text(void) { volatile int *p = (int *)0x00400100; *p = 1; }
static void f_unaligned(void) { int v; __asm__ __volatile__("lw %0, 2(%1)" : "=r"(v) : "r"(0x00400100)); }
static void f_jump(void) { ((void (*)(void))0x12345678)(); }
static void f_break(void) { __asm__ __volatile__("break"); }
static void f_cp0(void) { __asm__ __volatile__("mtc0 $zero, $12"); }
static void f_fpu(void) { __asm__ __volatile__(".set push; .set hardfloat; mtc1 $zero, $f0; .set pop"); }
static void f_ri(void) { __asm__ __volatile__(".word 0x7c00003b | (8 << 11) | (5 << 16)"); /* rdhwr $5,$8 */ }
static void f_overflow(void) { int x = 0x7fffffff, y; __asm__ __volatile__("add %0, %1, %1" : "=r"(y) : "r"(x)); }
static void f_badsyscall(void) { __asm__ __volatile__("li $v0, 999; syscall" ::: "v0"); }
static void f_badwrite(void) { write(1, (void *)0x70000000, 10); }
static void f_badread(void) { int fd = open("/bin/echo", O_RDONLY); read(fd, (void *)0xC0000000, 100); }
static void f_badexec(void) { exec((char *)0x60000000, 0); }
static void f_badargv(void) { exec("/bin/echo", (char **)0x1000); }
static void f_badopen(void) { open((char *)0x90000000, O_RDONLY); }
static void f_stackover(void) { deep(100000); /* 100 MB: past the 8 MiB stack region */ }

static void t_faults(void)
{
	void (*fs[])(void) = { f_null, f_kseg0, f_kernel, f_vpt, f_gap, f_text, f_unaligned, f_jump,
			       f_break, f_cp0, f_fpu, f_ri, f_overflow, f_badsyscall, f_badwrite,
			       f_badread, f_badexec, f_badargv, f_badopen, f_stackover };
	for (u32 i = 0; i < sizeof fs / sizeof fs[0]; i++)
		expect_killed(fs[i]);
}

/* --- files ----------------------------------------------------------------------------- */

static void t_files(void)
{
	int fd = open("/tmp-files", O_CREATE | O_RDWR);
	CHECK(fd >= 0);
	CHECK(write(fd, "hello, ", 7) == 7);
	CHECK(write(fd, "world\n", 6) == 6);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.type == T_FILE && st.size == 13 && st.nlink == 1);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	char buf[32];
	CHECK(read(fd, buf, sizeof buf) == 13);
	CHECK(memcmp(buf, "hello, world\n", 13) == 0);
	CHECK(read(fd, buf, sizeof buf) == 0);
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	CHECK(write(fd, "WORLD", 5) == 5);
	CHECK(lseek(fd, -6, SEEK_END) == 7);
	CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "WORLD", 5) == 0);
	CHECK(close(fd) == 0);
	CHECK(close(fd) == -1);

	fd = open("/tmp-files", O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "!", 1) == 1);
	close(fd);
	CHECK(stat("/tmp-files", &st) == 0 && st.size == 14);
	fd = open("/tmp-files", O_RDONLY);
	CHECK(write(fd, "x", 1) == -1);	/* not open for writing */
	close(fd);
	fd = open("/tmp-files", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && read(fd, buf, 1) == -1);
	close(fd);
	CHECK(stat("/tmp-files", &st) == 0 && st.size == 0);
	CHECK(unlink("/tmp-files") == 0);
	CHECK(open("/tmp-files", O_RDONLY) == -1);
	CHECK(unlink("/tmp-files") == -1);
	CHECK(open("/no/such/dir/file", O_CREATE | O_RDWR) == -1);
	CHECK(read(99, buf, 1) == -1 && write(-1, buf, 1) == -1 && close(55) == -1);
}

/* Holes read as zeros; lseek past the end then write. */
static void t_holes(void)
{
	int fd = open("/tmp-holes", O_CREATE | O_RDWR);
	CHECK(fd >= 0);
	CHECK(lseek(fd, 100000, SEEK_SET) == 100000);
	CHECK(write(fd, "end", 3) == 3);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.size == 100003);
	char buf[512];
	CHECK(lseek(fd, 50000, SEEK_SET) == 50000);
	CHECK(read(fd, buf, sizeof buf) == sizeof buf);
	for (u32 i = 0; i < sizeof buf; i++)
		CHECK(buf[i] == 0);
	close(fd);
	CHECK(unlink("/tmp-holes") == 0);
}

/* A file through the indirect block (and, with size, the double-indirect one). */
static void bigfile(int kib)
{
	static u32 buf[1024];
	int fd = open("/tmp-big", O_CREATE | O_RDWR | O_TRUNC);
	CHECK(fd >= 0);
	for (int b = 0; b < kib / 4; b++) {
		for (int i = 0; i < 1024; i++)
			buf[i] = b * 1024 + i;
		CHECK(write(fd, buf, 4096) == 4096);
	}
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	for (int b = 0; b < kib / 4; b++) {
		CHECK(read(fd, buf, 4096) == 4096);
		CHECK(buf[0] == (u32)b * 1024 && buf[1023] == (u32)b * 1024 + 1023);
	}
	close(fd);
	CHECK(unlink("/tmp-big") == 0);
}

static void t_bigfile(void) { bigfile(600); }
static void t_hugefile(void) { bigfile(5 * 1024); }

static void t_dirs(void)
{
	CHECK(mkdir("/tmp-d") == 0);
	CHECK(mkdir("/tmp-d") == -1);
	CHECK(mkdir("/tmp-d/sub") == 0);
	CHECK(chdir("/tmp-d/sub") == 0);
	int fd = open("f", O_CREATE | O_RDWR);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3);
	close(fd);
	CHECK(open("../sub/f", O_RDONLY) >= 0);
	CHECK(chdir("..") == 0);
	struct stat st;
	CHECK(stat("sub/f", &st) == 0 && st.size == 3);
	CHECK(stat("/tmp-d/sub/../sub/./f", &st) == 0);
	CHECK(stat("/tmp-d", &st) == 0 && st.type == T_DIR && st.nlink == 3);
	CHECK(unlink("/tmp-d/sub") == -1);	/* not empty */
	CHECK(open("/tmp-d", O_RDWR) == -1);	/* directories are read-only */
	CHECK(chdir("/tmp-d/sub/f") == -1);	/* not a directory */
	CHECK(unlink("/tmp-d/sub/f") == 0);
	CHECK(unlink("/tmp-d/sub/.") == -1);
	CHECK(unlink("/tmp-d/sub") == 0);
	CHECK(stat("/tmp-d", &st) == 0 && st.nlink == 2);
	CHECK(chdir("/") == 0);
	CHECK(unlink("/tmp-d") == 0);
	CHECK(stat("/tmp-d", &st) == -1);
}

/* Many files in one directory, then all removed; the blocks come back. */
static void t_manyfiles(void)
{
	char name[32];
	CHECK(mkdir("/tmp-many") == 0);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "/tmp-many/file%d", i);
		int fd = open(name, O_CREATE | O_WRONLY);
		CHECK(fd >= 0);
		CHECK(write(fd, name, strlen(name)) == (int)strlen(name));
		close(fd);
	}
	for (int i = 0; i < 200; i++) {
		char buf[32];
		snprintf(name, sizeof name, "/tmp-many/file%d", i);
		int fd = open(name, O_RDONLY);
		CHECK(fd >= 0 && read(fd, buf, sizeof buf) == (int)strlen(name));
		CHECK(memcmp(buf, name, strlen(name)) == 0);
		close(fd);
		CHECK(unlink(name) == 0);
	}
	CHECK(unlink("/tmp-many") == 0);
}

/* After fork the descriptors share one offset; dup too. */
static void t_fdshare(void)
{
	int fd = open("/tmp-share", O_CREATE | O_RDWR | O_TRUNC);
	CHECK(fd >= 0);
	int pid = fork();
	if (pid == 0) {
		write(fd, "child ", 6);
		exit(0);
	}
	int st;
	wait(&st);
	int fd2 = dup(fd);
	CHECK(fd2 >= 0 && fd2 != fd);
	CHECK(write(fd2, "parent", 6) == 6);
	CHECK(lseek(fd, 0, SEEK_CUR) == 12);
	close(fd);
	close(fd2);
	char buf[16];
	fd = open("/tmp-share", O_RDONLY);
	CHECK(read(fd, buf, 16) == 12 && memcmp(buf, "child parent", 12) == 0);
	close(fd);
	unlink("/tmp-share");
}

static void t_openmany(void)
{
	int fds[32], n = 0;
	for (;;) {
		int fd = open("/bin/echo", O_RDONLY);
		if (fd < 0)
			break;
		fds[n++] = fd;
		CHECK(n < 32);
	}
	CHECK(n >= 10);
	while (n > 0)
		close(fds[--n]);
	CHECK((fds[0] = open("/bin/echo", O_RDONLY)) >= 0);
	close(fds[0]);
}

/* A child that runs out of memory is killed; the kernel and the parent carry on. */
static void t_oom(void)
{
	int pid = fork();
	if (pid == 0) {
		/* a heap as big as the address space allows, then touch it all */
		char *p = sbrk(0);
		int step = 1 << 20;
		while (sbrk(step) != (char *)-1)
			;
		for (char *q = p; q < (char *)sbrk(0); q += 4096)
			*q = 1;
		exit(0);	/* only if memory were larger than the heap limit */
	}
	int st;
	CHECK(wait(&st) == pid && st == -1);
	struct sysinfo si;
	sysinfo(&si);
	CHECK(si.freepages > 1000);
}

struct test {
	const char *name;
	void (*f)(void);
	int slow;
};

static const struct test tests[] = {
	{ "fork", t_fork, 0 },
	{ "getpid", t_getpid, 0 },
	{ "exec", t_exec, 0 },
	{ "sleep", t_sleep, 0 },
	{ "preempt", t_preempt, 0 },
	{ "killsleeper", t_killsleeper, 0 },
	{ "pin", t_pin, 0 },
	{ "sbrk", t_sbrk, 0 },
	{ "demandzero", t_demandzero, 0 },
	{ "stack", t_stack, 0 },
	{ "cow", t_cow, 0 },
	{ "cowshare", t_cowshare, 0 },
	{ "tlbstress", t_tlbstress, 0 },
	{ "asidwrap", t_asidwrap, 0 },
	{ "malloc", t_malloc, 0 },
	{ "faults", t_faults, 0 },
	{ "files", t_files, 0 },
	{ "holes", t_holes, 0 },
	{ "bigfile", t_bigfile, 0 },
	{ "dirs", t_dirs, 0 },
	{ "manyfiles", t_manyfiles, 0 },
	{ "fdshare", t_fdshare, 0 },
	{ "openmany", t_openmany, 0 },
	{ "manyprocs", t_manyprocs, 0 },
	{ "hugefile", t_hugefile, 1 },
	{ "oom", t_oom, 1 },
};

int main(int argc, char **argv)
{
	int slow = 0, named = 0, verbose = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0)
			slow = 1;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else
			named = 1;
	}
	int ran = 0, failed = 0;
	for (u32 t = 0; t < sizeof tests / sizeof tests[0]; t++) {
		const struct test *tp = &tests[t];
		int want = !named && (slow || !tp->slow);
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], tp->name) == 0)
				want = 1;
		if (!want)
			continue;
		cur = tp->name;
		u64 c0 = cycles();
		int st = child(tp->f);
		u32 kc = (u32)((cycles() - c0) / 1000);
		ran++;
		if (st == 0 && verbose) {
			printf("%s: ok (%u kcycles)\n", tp->name, kc);
		} else if (st == 0) {
			printf("%s: ok\n", tp->name);
		} else {
			if (st == -1)
				printf("%s: FAILED (killed)\n", tp->name);
			failed++;
		}
	}
	if (failed)
		printf("usertests: %d of %d FAILED\n", failed, ran);
	else
		printf("usertests: ALL %d TESTS PASSED\n", ran);
	return failed ? 1 : 0;
}
