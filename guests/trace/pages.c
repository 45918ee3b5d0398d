/*
 * pages: a program that touches P distinct pages through the TLB, so that
 * `disco trace tlb` can be checked against counts worked out by hand.
 *
 * The kernel part (this file) maps its own code for user and supervisor mode
 * with one wired global entry (VA 0..32M -> PA 0..32M, 16M pages, index 0),
 * installs the handlers in pages.S, and runs the user program `touch`, which
 * makes one access per page: page i is at DATA_VA + i*stride, for `passes`
 * passes. TLB misses are served by the refill handler in pages.S: PA follows
 * from VA, so no page table is needed, and the replacement is round robin over
 * the entries [wired, N-1] (or tlbwr), so every count is predictable:
 *   - each pair (8 KiB) needs one entry; with stride 8K, P pages take P pairs;
 *   - while the pairs touched fit in the N - wired replaceable entries, only
 *     the first pass misses; beyond that, FIFO replacement of a cyclic sweep
 *     misses on every access of every pass;
 *   - clean=1: pages are mapped clean, so the first store to each page after
 *     its refill takes a TLB modified exception;
 *   - lazy=1: a refill validates only the faulting page of its pair; the first
 *     touch of the other page takes a TLB invalid exception.
 *
 * Parameters come in argv[1] (disco --cmdline), space-separated key=value:
 *   pages=P (16)  passes=K (1)  stride=BYTES (4096, a multiple of 4096)
 *   op=load|store|fetch (load)  mode=user|super|kernel (user)
 *   clean=0|1 (0)  lazy=0|1 (0)  wired=W (1)  asid=A (1)  repl=rr|random (rr)
 * At the end it prints what the handlers counted:
 *   pages: refills R invalid I modified M
 * and exits 0 (2 for bad parameters; 97-99 from a handler that met something
 * it cannot handle).
 */
#include "guest.h"
#include "test.h"
#include "pages.h"

struct kdata kd;

struct params {
	u32 pages, passes, stride, op, mode, clean, lazy, wired, asid, random;
};

static int streq(const char *a, u32 alen, const char *b)
{
	return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

/* decimal or 0x hex; returns 0 on a malformed number */
static int parse_num(const char *s, u32 n, u32 *out)
{
	u32 v = 0, base = 10, i = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		char c = s[i];
		u32 d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return 0;
		v = v * base + d;
	}
	*out = v;
	return 1;
}

static int parse_one(struct params *p, const char *k, u32 klen, const char *v, u32 vlen)
{
	if (streq(k, klen, "op")) {
		if (streq(v, vlen, "load")) p->op = OP_LOAD;
		else if (streq(v, vlen, "store")) p->op = OP_STORE;
		else if (streq(v, vlen, "fetch")) p->op = OP_FETCH;
		else return 0;
		return 1;
	}
	if (streq(k, klen, "mode")) {
		if (streq(v, vlen, "user")) p->mode = ST_KSU_USER;
		else if (streq(v, vlen, "super")) p->mode = ST_KSU_SUPER;
		else if (streq(v, vlen, "kernel")) p->mode = ST_KSU_KERNEL;
		else return 0;
		return 1;
	}
	if (streq(k, klen, "repl")) {
		if (streq(v, vlen, "rr")) p->random = 0;
		else if (streq(v, vlen, "random")) p->random = 1;
		else return 0;
		return 1;
	}
	u32 *dst = streq(k, klen, "pages") ? &p->pages
		: streq(k, klen, "passes") ? &p->passes
		: streq(k, klen, "stride") ? &p->stride
		: streq(k, klen, "clean") ? &p->clean
		: streq(k, klen, "lazy") ? &p->lazy
		: streq(k, klen, "wired") ? &p->wired
		: streq(k, klen, "asid") ? &p->asid
		: NULL;
	return dst != NULL && parse_num(v, vlen, dst);
}

static int parse(struct params *p, const char *s)
{
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		const char *k = s, *eq = NULL;
		while (*s && *s != ' ') {
			if (*s == '=' && !eq)
				eq = s;
			s++;
		}
		if (!eq || !parse_one(p, k, eq - k, eq + 1, s - eq - 1)) {
			uart_write("pages: bad parameter \"");
			for (; k < s; k++)
				putchar(*k);
			uart_write("\"\n");
			return 0;
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct params p = { 16, 1, 4096, OP_LOAD, ST_KSU_USER, 0, 0, 1, 1, 0 };
	if (!parse(&p, argc > 1 ? argv[1] : ""))
		return 2;
	u32 n = tlb_size();
	if (p.pages == 0 || p.pages > DATA_PAGES || p.passes == 0 || p.stride == 0 ||
	    p.stride % 4096 != 0 || p.stride > DATA_PAGES * 4096 ||
	    (p.pages - 1) * (p.stride / 4096) >= DATA_PAGES ||
	    p.wired < 1 || p.wired >= n || p.asid > 255) {
		printf("pages: parameters out of range (pages*stride <= 16M, 1 <= wired < %u)\n", n);
		return 2;
	}

	/* vectors at EBase (set while BEV=1), then BEV=0, ERL=0, EXL=0, kernel, IE=0 */
	mtc0(15, 1, KSEG0(PHYS(vectors)));
	mtc0(12, 0, 0);
	tlb_init();
	tlb_write(0, 0, LO_PFN(0) | LO_C_CACHED | LO_D | LO_V | LO_G,
		  LO_PFN(0x01000000) | LO_C_CACHED | LO_D | LO_V | LO_G, PM_16M);
	mtc0(6, 0, p.wired);
	set_asid(p.asid);

	if (p.op == OP_FETCH) {
		/* each touched page starts with "jr ra; nop" */
		for (u32 i = 0; i < p.pages; i++) {
			u32 *w = (u32 *)KSEG0(DATA_PA + i * p.stride);
			w[0] = 0x03e00008;
			w[1] = 0;
			cache_sync((u32)w, 8);
		}
	}

	kd.lo_flags = LO_C_CACHED | LO_V | (p.clean ? 0 : LO_D);
	kd.lazy = p.lazy;
	kd.rr_first = kd.rr_next = p.wired;
	kd.random = p.random;

	/* user and supervisor run the code through its kuseg alias */
	u32 entry = p.mode == ST_KSU_KERNEL ? (u32)touch : PHYS(touch);
	run_program(entry, p.mode, DATA_VA, p.pages, p.stride, p.op, p.passes);

	printf("pages: refills %u invalid %u modified %u\n", kd.refills, kd.invalids, kd.mods);
	return 0;
}
