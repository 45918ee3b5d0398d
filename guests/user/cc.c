/*
 * cc: the "compiler" pmake runs: a short process that reads a source file and the headers
 * it includes, tokenises them, keeps a symbol table, runs a few passes over the token
 * stream, and writes an object file. It does the kinds of work a compiler does (reading,
 * scanning, hashing, table lookups) without being one.
 *
 *   cc SRC OBJ
 */
#include "user.h"

#define MAXTOK (64 * 1024)
#define SYMS 4096	/* symbol table slots (power of 2) */

enum { T_IDENT = 1, T_NUM, T_PUNCT };

struct tok {
	u32 kind;
	u32 val;	/* identifier hash, number value, or punctuation character */
};

struct sym {
	u32 hash;	/* 0 = empty */
	u32 count;
	u32 first;	/* index of the first token naming it */
};

static struct tok toks[MAXTOK];
static int ntok;
static struct sym syms[SYMS];
static int nsyms;

static char *readall(const char *path, int *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	char *buf = malloc(st.size + 1);
	int n = read(fd, buf, st.size);
	close(fd);
	if (n != (int)st.size)
		return 0;
	buf[n] = 0;
	*len = n;
	return buf;
}

static void addtok(u32 kind, u32 val)
{
	if (ntok < MAXTOK) {
		toks[ntok].kind = kind;
		toks[ntok].val = val;
		ntok++;
	}
}

static int isalpha_(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int isdigit_(int c) { return c >= '0' && c <= '9'; }

static void scan(const char *path, int depth);

/* Tokenise text; "#include" lines pull in their file (once, depth-limited). */
static void lex(const char *s, int n, int depth)
{
	const char *end = s + n;
	while (s < end) {
		int c = *s;
		if (c == '#' && strncmp(s, "#include \"", 10) == 0) {
			const char *q = s + 10;
			char name[64];
			int k = 0;
			while (q < end && *q != '"' && k < 63)
				name[k++] = *q++;
			name[k] = 0;
			if (depth < 4)
				scan(name, depth + 1);
			while (s < end && *s != '\n')
				s++;
		} else if (isalpha_(c)) {
			u32 h = FNV_INIT;
			while (s < end && (isalpha_(*s) || isdigit_(*s)))
				h = (h ^ (u8)*s++) * 16777619u;
			addtok(T_IDENT, h | 1);
		} else if (isdigit_(c)) {
			u32 v = 0;
			while (s < end && isdigit_(*s))
				v = v * 10 + (*s++ - '0');
			addtok(T_NUM, v);
		} else if (c == ' ' || c == '\t' || c == '\n') {
			s++;
		} else {
			addtok(T_PUNCT, (u32)c);
			s++;
		}
	}
}

static void scan(const char *path, int depth)
{
	int n;
	char *text = readall(path, &n);
	if (!text) {
		printf("cc: cannot read %s\n", path);
		exit(1);
	}
	lex(text, n, depth);
	free(text);
}

static struct sym *lookup(u32 h, int idx)
{
	u32 i = h & (SYMS - 1);
	for (;;) {
		if (syms[i].hash == h) {
			syms[i].count++;
			return &syms[i];
		}
		if (syms[i].hash == 0) {
			if (nsyms >= SYMS - 1) {
				printf("cc: symbol table full\n");
				exit(1);
			}
			nsyms++;
			syms[i].hash = h;
			syms[i].count = 1;
			syms[i].first = idx;
			return &syms[i];
		}
		i = (i + 1) & (SYMS - 1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		printf("usage: cc SRC OBJ\n");
		return 2;
	}
	scan(argv[1], 0);

	/* pass 1: symbols */
	for (int i = 0; i < ntok; i++)
		if (toks[i].kind == T_IDENT)
			lookup(toks[i].val, i);

	/* pass 2: "constant folding": fold each number into the identifier before it */
	u32 folded = 0;
	for (int i = 1; i < ntok; i++)
		if (toks[i].kind == T_NUM && toks[i - 1].kind == T_PUNCT)
			folded = folded * 31 + toks[i].val * toks[i - 1].val;

	/* pass 3: "register allocation": within each function body, pairwise interference
	   of the identifiers it uses (a bounded quadratic pass) */
	u32 interf = 0;
	int start = 0;
	for (int i = 0; i < ntok; i++) {
		if (toks[i].kind == T_PUNCT && toks[i].val == '}') {
			for (int a = start; a < i; a++) {
				if (toks[a].kind != T_IDENT)
					continue;
				for (int b = a + 1; b < i && b < a + 48; b++)
					if (toks[b].kind == T_IDENT && toks[b].val != toks[a].val)
						interf += (toks[a].val ^ toks[b].val) & 0xff;
			}
			start = i + 1;
		}
	}

	/* the object: header, then the symbol table in slot order */
	int fd = open(argv[2], O_CREATE | O_WRONLY | O_TRUNC);
	if (fd < 0) {
		printf("cc: cannot create %s\n", argv[2]);
		return 1;
	}
	u32 hdr[4] = { 0x4f435344, (u32)ntok, folded, interf };
	write(fd, hdr, sizeof hdr);
	static u32 out[3 * SYMS];
	int n = 0;
	for (int i = 0; i < SYMS; i++) {
		if (syms[i].hash) {
			out[n++] = syms[i].hash;
			out[n++] = syms[i].count;
			out[n++] = syms[i].first;
		}
	}
	if (write(fd, out, n * 4) != n * 4) {
		printf("cc: write failed\n");
		return 1;
	}
	close(fd);
	return 0;
}
