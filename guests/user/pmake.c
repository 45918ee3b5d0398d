/*
 * pmake: a parallel make in the spirit of the Disco paper's pmake workload (many short
 * processes, heavy system calls and file I/O). It writes a deterministic source tree, then
 * runs one /bin/cc job per source file, J at a time (default 2 per CPU), and finally hashes
 * every object file in order.
 *
 *   pmake [-j J] [NFILES] [KIB]    NFILES sources of about KIB KiB each (default 16 x 8)
 *
 * Output: "pmake: N jobs, J parallel, checksum XXXXXXXX". The checksum depends only on
 * NFILES and KIB, never on scheduling.
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

/* About `size` bytes of C-like text: functions over random identifiers and constants. */
static int gen_source(char *buf, int size, u32 seed, int nincludes)
{
	char *p = buf;
	u32 r = seed * 2654435761u + 1;
	for (int i = 0; i < nincludes; i++) {
		p = put(p, "#include \"/pm/inc/h");
		p = putnum(p, (seed + 3 * i) % NHEADERS);
		p = put(p, ".h\"\n");
	}
	int fn = 0;
	while (p - buf < size - 200) {
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

int main(int argc, char **argv)
{
	struct sysinfo si;
	sysinfo(&si);
	int jobs = 2 * si.ncpu, nfiles = 16, kib = 8, ai = 1;
	if (argc > 2 && strcmp(argv[1], "-j") == 0) {
		jobs = atoi(argv[2]);
		ai = 3;
	}
	if (argc > ai)
		nfiles = atoi(argv[ai]);
	if (argc > ai + 1)
		kib = atoi(argv[ai + 1]);
	if (jobs < 1 || nfiles < 1 || kib < 1 || kib > 256) {
		printf("usage: pmake [-j J] [NFILES] [KIB]\n");
		return 2;
	}

	/* the source tree */
	mkdir("/pm");
	mkdir("/pm/inc");
	mkdir("/pm/src");
	mkdir("/pm/obj");
	/* large enough for a source file and for a header (4 KiB, whatever KIB says) */
	char *buf = malloc((kib < 4 ? 4 : kib) * 1024 + 256);
	char path[32];
	for (int h = 0; h < NHEADERS; h++) {
		int n = gen_source(buf, 4096, 1000 + h, 0);
		snprintf(path, sizeof path, "/pm/inc/h%d.h", h);
		writefile(path, buf, n);
	}
	for (int k = 0; k < nfiles; k++) {
		int n = gen_source(buf, kib * 1024, k, 3);
		snprintf(path, sizeof path, "/pm/src/f%d.c", k);
		writefile(path, buf, n);
	}

	/* make -j, then link: hash the objects in order */
	u32 h;
	if (make_compile("pmake", nfiles, jobs) || make_link("pmake", nfiles, buf, kib * 1024, &h))
		return 1;
	printf("pmake: %d jobs, %d parallel, checksum %x\n", nfiles, jobs, h);
	return 0;
}
