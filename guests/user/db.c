/*
 * db: the "database" workload: one process with a large buffer pool over a table file,
 * doing random lookups and updates, like the Disco paper's database workload (a big,
 * memory-intensive buffer cache in one address space).
 *
 * The table /db/table holds NREC 64-byte records, 64 to a 4 KiB page. The buffer pool is
 * POOL KiB of page frames (allocated once, faulted in as used) with a hash table from page
 * number to frame and clock replacement; dirty pages are written back when evicted and at
 * the end. Operations: 60% point lookups, 30% updates, 10% short range scans.
 *
 *   db [POOL_KIB] [NREC] [NOPS]    default 1024 KiB pool, 32768 records (2 MiB), 20000 ops
 *
 * Output: "db: ... hits H misses M, checksum XXXXXXXX": the checksum covers every value
 * the operations read and the whole table after the final flush.
 */
#include "user.h"

#define PAGE 4096
#define RECS_PER_PAGE (PAGE / sizeof(struct rec))

struct rec {
	u32 key;
	u32 version;
	u32 balance;
	u32 check;	/* key ^ version ^ balance: torn or misplaced records show */
	u8 payload[48];
};

struct frame {
	int page;	/* -1: free */
	int dirty;
	int ref;	/* clock bit */
};

static int fd;
static int nframes;
static u8 *pool;
static struct frame *frames;
static int *hash;	/* page -> frame + 1, open addressing */
static int hsize;
static int hand;
static u32 hits, misses, writebacks;

static int hslot(int page)
{
	u32 i = (u32)page * 2654435761u & (hsize - 1);
	while (hash[i] && frames[hash[i] - 1].page != page)
		i = (i + 1) & (hsize - 1);
	return i;
}

static void hremove(int page)
{
	/* backward-shift deletion keeps probe chains intact */
	u32 i = hslot(page);
	hash[i] = 0;
	for (u32 j = (i + 1) & (hsize - 1); hash[j]; j = (j + 1) & (hsize - 1)) {
		int f = hash[j] - 1;
		hash[j] = 0;
		hash[hslot(frames[f].page)] = f + 1;
	}
}

static void io(int page, u8 *buf, int wr)
{
	if (lseek(fd, page * PAGE, SEEK_SET) < 0 || (wr ? write(fd, buf, PAGE) : read(fd, buf, PAGE)) != PAGE) {
		printf("db: I/O error on page %d\n", page);
		exit(1);
	}
}

/* The frame holding page, reading it in (and evicting by clock) on a miss. */
static u8 *getpage(int page, int dirty)
{
	int s = hslot(page);
	int f;
	if (hash[s]) {
		f = hash[s] - 1;
		hits++;
	} else {
		misses++;
		for (;;) {
			f = hand;
			hand = (hand + 1) % nframes;
			if (frames[f].page < 0 || !frames[f].ref)
				break;
			frames[f].ref = 0;
		}
		if (frames[f].page >= 0) {
			if (frames[f].dirty) {
				io(frames[f].page, pool + f * PAGE, 1);
				writebacks++;
			}
			hremove(frames[f].page);
		}
		frames[f].page = page;
		frames[f].dirty = 0;
		io(page, pool + f * PAGE, 0);
		hash[hslot(page)] = f + 1;
	}
	frames[f].ref = 1;
	frames[f].dirty |= dirty;
	return pool + f * PAGE;
}

static struct rec *getrec(u32 key, int dirty)
{
	u8 *p = getpage(key / RECS_PER_PAGE, dirty);
	struct rec *r = (struct rec *)p + key % RECS_PER_PAGE;
	if (r->key != key || r->check != (r->key ^ r->version ^ r->balance)) {
		printf("db: record %u is corrupt\n", key);
		exit(1);
	}
	return r;
}

int main(int argc, char **argv)
{
	int poolkib = argc > 1 ? atoi(argv[1]) : 1024;
	int nrec = argc > 2 ? atoi(argv[2]) : 32768;
	int nops = argc > 3 ? atoi(argv[3]) : 20000;
	if (poolkib < 16 || nrec < (int)RECS_PER_PAGE || nops < 0) {
		printf("usage: db [POOL_KIB] [NREC] [NOPS]\n");
		return 2;
	}
	int npages = (nrec + RECS_PER_PAGE - 1) / RECS_PER_PAGE;

	/* load the table */
	mkdir("/db");
	fd = open("/db/table", O_CREATE | O_RDWR | O_TRUNC);
	if (fd < 0) {
		printf("db: cannot create /db/table\n");
		return 1;
	}
	static u8 buf[PAGE];
	u32 r = 777;
	for (int pg = 0; pg < npages; pg++) {
		struct rec *rp = (struct rec *)buf;
		for (u32 i = 0; i < RECS_PER_PAGE; i++) {
			rp[i].key = pg * RECS_PER_PAGE + i;
			rp[i].version = 0;
			rp[i].balance = rand_next(&r) % 100000;
			rp[i].check = rp[i].key ^ rp[i].version ^ rp[i].balance;
			for (int k = 0; k < 48; k++)
				rp[i].payload[k] = (u8)(rp[i].key + k);
		}
		if (write(fd, buf, PAGE) != PAGE) {
			printf("db: disk full loading the table\n");
			return 1;
		}
	}

	/* the buffer pool */
	nframes = poolkib / 4;
	pool = malloc(nframes * PAGE);
	frames = malloc(nframes * sizeof *frames);
	for (hsize = 1; hsize < 2 * nframes; hsize <<= 1)
		;
	hash = malloc(hsize * sizeof *hash);
	if (!pool || !frames || !hash) {
		printf("db: no memory for a %d KiB pool\n", poolkib);
		return 1;
	}
	memset(hash, 0, hsize * sizeof *hash);
	for (int f = 0; f < nframes; f++)
		frames[f].page = -1, frames[f].dirty = frames[f].ref = 0;

	u32 sum = FNV_INIT;
	u32 rng = 4242;
	for (int op = 0; op < nops; op++) {
		u32 x = rand_next(&rng);
		u32 key = rand_next(&rng) % nrec;
		if (x % 10 < 6) {			/* lookup */
			sum = fnv32(sum, getrec(key, 0)->balance);
		} else if (x % 10 < 9) {		/* update */
			struct rec *rp = getrec(key, 1);
			rp->balance = (rp->balance + (x >> 8) % 1000) % 1000000;
			rp->version++;
			rp->check = rp->key ^ rp->version ^ rp->balance;
			sum = fnv32(sum, rp->version);
		} else {				/* range scan */
			u32 total = 0;
			for (u32 k = key; k < key + 16 && k < (u32)nrec; k++)
				total += getrec(k, 0)->balance;
			sum = fnv32(sum, total);
		}
	}
	/* flush, then read the table back sequentially */
	for (int f = 0; f < nframes; f++)
		if (frames[f].page >= 0 && frames[f].dirty)
			io(frames[f].page, pool + f * PAGE, 1), writebacks++;
	for (int pg = 0; pg < npages; pg++) {
		io(pg, buf, 0);
		sum = fnv(sum, buf, PAGE);
	}
	close(fd);
	printf("db: %d KiB pool, %d records, %d ops, hits %u misses %u writebacks %u, checksum %x\n",
	       poolkib, nrec, nops, hits, misses, writebacks, sum);
	return 0;
}
