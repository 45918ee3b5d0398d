/*
 * The disk through monitor calls (under the disco monitor; docs/disks.md, docs/hypercalls.md).
 * Every block is one whole 4 KiB block read into a page-aligned buffer (bio.c's b->data), so
 * the monitor can map its buffer-cache page into our memory instead of copying it (Disco
 * section 4.2.5): several VMs reading the same block then share one machine page, and our
 * first store to the buffer makes it private again (the monitor's copy-on-write). The calls
 * are synchronous: when one returns, the transfer is done, so no interrupt and no queue.
 * On the bare machine bio.c uses the virtio driver instead.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "fs.h"
#include "buf.h"
#include "syscall.h"
#include "defs.h"

#define HC_DISK_INFO	9
#define HC_DISK_READ	10
#define HC_DISK_WRITE	11
#define HC_DISK_FLUSH	12

static u32 hcdisk_sectors;

static inline int hcall3(u32 fn, u32 a0, u32 a1, u32 a2, u32 *v1out)
{
	register u32 v0 __asm__("$2") = HCALL_BASE + fn;
	register u32 v1 __asm__("$3") = 0;
	register u32 r4 __asm__("$4") = a0, r5 __asm__("$5") = a1, r6 __asm__("$6") = a2;
	__asm__ __volatile__("syscall" : "+r"(v0), "+r"(v1) : "r"(r4), "r"(r5), "r"(r6) : "memory");
	if (v1out)
		*v1out = v1;
	return (int)v0;
}

void hcdisk_init(void)
{
	u32 sector;
	int n = hcall3(HC_DISK_INFO, 0, 0, 0, &sector);
	if (n < 0)
		panic("no disk (monitor call disk_info: %d; run with --disk)", n);
	if (sector != 512)
		panic("hcdisk: sector size %u", sector);
	hcdisk_sectors = (u32)n;
	printf("monitor disk: %u KiB\n", hcdisk_sectors / 2);
}

/* Read (write = 0) or write block blockno through page (page aligned); returns when done. */
static void hcdisk_block(u32 blockno, void *page, int write)
{
	u32 spb = BSIZE / 512;
	if ((V2P(page) & (PGSIZE - 1)) != 0)
		panic("hcdisk: buffer %p not page aligned", page);
	int r = hcall3(write ? HC_DISK_WRITE : HC_DISK_READ, blockno * spb, spb, V2P(page), 0);
	if (r < 0)
		panic("hcdisk: %s of block %u failed (%d)", write ? "write" : "read", blockno, r);
}

/* Read (write = 0) or write block b->blockno through b->data. */
void hcdisk_rw(struct buf *b, int write)
{
	hcdisk_block(b->blockno, b->data, write);
}

/* Read block blockno into page (bio.c bread_page). */
void hcdisk_read_page(u32 blockno, void *page)
{
	hcdisk_block(blockno, page, 0);
}

/*
 * Make every write so far durable (a persistent disk's fsync). Called on the way down
 * (machine_halt), so it must not panic: returns the monitor's answer (0, or an error).
 */
int hcdisk_flush(void)
{
	return hcall3(HC_DISK_FLUSH, 0, 0, 0, 0);
}
