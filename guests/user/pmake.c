/*
 * pmake: a parallel make in the spirit of the Disco paper's pmake workload (many short
 * processes, heavy system calls and file I/O). It writes a deterministic source tree, then
 * runs one /bin/cc job per source file, J at a time (default 2 per CPU), and finally hashes
 * every object file in order.
 *
 *   pmake [-n K] [-j J] [NFILES] [KIB]    NFILES sources of about KIB KiB each (default 16 x 8)
 *
 * -n K runs K independent instances at once, instance I in its own tree /pmI (one tree /pm
 * without -n): the Disco paper's memory experiment (section 7.4) splits eight instances of
 * pmake across 1, 2, 4 or 8 VMs. Each instance prints
 * "pmake: N jobs, J parallel, checksum XXXXXXXX"; the checksum depends only on NFILES and
 * KIB, never on scheduling. The exit status is the number of instances that failed.
 */
#include "user.h"
#include "make.h"

#define NHEADERS 8

static const char *words[] = {
	"alpha", "beta", "gamma", "delta", "count", "index", "buffer", "length", "value",
	"node", "next", "prev", "table", "entry", "lookup", "insert", "remove", "flags",
	"state", "queue", "lock", "page", "frame", "vector", "matrix", "result", "offset",
	"pointer", "limit", "cache", "block", "inode", "file", "proc", "cpu", "tlb", "asid",
};
#define NWORDS (int)(sizeof words / sizeof words[0])

static char *put(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *putnum(char *p, u32 v)
{
	char t[12];
	int n = 0;
	do {
		t[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

/* The length of `#include "/pm/inc/hN.h"` and its newline. */
#define INCLUDE_LINE ((int)sizeof "#include \"/pm/inc/h0.h\"\n" - 1)

/*
 * About `size` bytes of C-like text: functions over random identifiers and constants,
 * after `nincludes` includes of DIR/inc/hN.h. The functions' length is budgeted as if DIR
 * were /pm, so that every instance's tree (/pm, /pm0, /pm1, ...) compiles the same code.
 */
static int gen_source(char *buf, int size, u32 seed, const char *dir, int nincludes)
{
	char *p = buf;
	u32 r = seed * 2654435761u + 1;
	for (int i = 0; i < nincludes; i++) {
		p = put(p, "#include \"");
		p = put(p, dir);
		p = put(p, "/inc/h");
		p = putnum(p, (seed + 3 * i) % NHEADERS);
		p = put(p, ".h\"\n");
	}
	char *body = p;
	int fn = 0;
	while (nincludes * INCLUDE_LINE + (p - body) < size - 200) {
		p = put(p, "int ");
		p = put(p, words[rand_next(&r) % NWORDS]);
		p = put(p, "_");
		p = putnum(p, fn++);
		p = put(p, "(int a, int b)\n{\n");
		int stmts = 3 + rand_next(&r) % 6;
		for (int s = 0; s < stmts; s++) {
			p = put(p, "\tint ");
			p = put(p, words[rand_next(&r) % NWORDS]);
			p = put(p, " = ");
			p = put(p, words[rand_next(&r) % NWORDS]);
			p = put(p, rand_next(&r) & 1 ? " * " : " + ");
			p = putnum(p, rand_next(&r) % 1000);
			p = put(p, rand_next(&r) & 1 ? " - a;\n" : " ^ b;\n");
		}
		p = put(p, "\treturn a + b;\n}\n\n");
	}
	return p - buf;
}

static void writefile(const char *path, const char *data, int n)
{
	int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, data, n) != n) {
		printf("pmake: cannot write %s\n", path);
		exit(1);
	}
	close(fd);
}

/* One instance in the tree `dir`: write the sources, make -j, link; 0 or 1. */
static int pmake(const char *dir, int nfiles, int kib, int jobs)
{
	char path[48];
	static const char *sub[] = { "", "/inc", "/src", "/obj" };
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s%s", dir, sub[i]);
		mkdir(path);
	}
	/* large enough for a source file and for a header (4 KiB, whatever KIB says) */
	char *buf = malloc((kib < 4 ? 4 : kib) * 1024 + 256);
	for (int h = 0; h < NHEADERS; h++) {
		int n = gen_source(buf, 4096, 1000 + h, dir, 0);
		snprintf(path, sizeof path, "%s/inc/h%d.h", dir, h);
		writefile(path, buf, n);
	}
	for (int k = 0; k < nfiles; k++) {
		int n = gen_source(buf, kib * 1024, k, dir, 3);
		snprintf(path, sizeof path, "%s/src/f%d.c", dir, k);
		writefile(path, buf, n);
	}

	/* make -j, then link: hash the objects in order */
	u32 h;
	if (make_compile("pmake", dir, nfiles, jobs) || make_link("pmake", dir, nfiles, buf, kib * 1024, &h))
		return 1;
	printf("pmake: %d jobs, %d parallel, checksum %x\n", nfiles, jobs, h);
	return 0;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	sysinfo(&si);
	int jobs = 2 * si.ncpu, nfiles = 16, kib = 8, instances = 0, ai = 1;
	while (argc > ai + 1 && (strcmp(argv[ai], "-j") == 0 || strcmp(argv[ai], "-n") == 0)) {
		if (argv[ai][1] == 'j')
			jobs = atoi(argv[ai + 1]);
		else
			instances = atoi(argv[ai + 1]);
		ai += 2;
	}
	if (argc > ai)
		nfiles = atoi(argv[ai]);
	if (argc > ai + 1)
		kib = atoi(argv[ai + 1]);
	if (jobs < 1 || nfiles < 1 || kib < 1 || kib > 256 || instances < 0 || instances > 16 || argc > ai + 2) {
		printf("usage: pmake [-n K] [-j J] [NFILES] [KIB]\n");
		return 2;
	}
	if (instances == 0)
		return pmake("/pm", nfiles, kib, jobs);

	/* -n K: K instances at once, each in its own process and tree */
	for (int i = 0; i < instances; i++) {
		int pid = fork();
		if (pid < 0) {
			printf("pmake: fork failed\n");
			return instances;
		}
		if (pid == 0) {
			char dir[16];
			snprintf(dir, sizeof dir, "/pm%d", i);
			exit(pmake(dir, nfiles, kib, jobs));
		}
	}
	int failed = 0, st;
	for (int i = 0; i < instances; i++)
		if (wait(&st) < 0 || st != 0)
			failed++;
	return failed;
}
