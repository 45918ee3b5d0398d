/*
 * The buffer cache: nbuf block-sized buffers, most recently used first, nbuf in proportion to
 * memory (param.h: 32 MiB gets 128, 256 MiB 1024) as a real kernel sizes its cache; a VM
 * given 1/8 of the machine gets 1/8 of the cache a VM with all of it gets (Disco 7.4). A buffer is locked
 * (sleeplock) by one user at a time; bread returns it locked and valid, brelse unlocks it.
 * Writes go straight to the disk (bwrite): no log, no delayed writes.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "fs.h"
#include "buf.h"
#include "defs.h"

static struct {
	struct spinlock lock;
	struct buf buf[NBUF_MAX];
	struct buf head;	/* head.next is the most recently used */
} bcache;

/* The disk driver: monitor calls under the monitor (hcdisk.c), virtio on the bare machine. */
static void disk_rw(struct buf *b, int write)
{
	if (machine_monitor)
		hcdisk_rw(b, write);
	else
		virtio_disk_rw(b, write);
}

void binit(void)
{
	u32 nbuf = memsize / PGSIZE / BUF_PAGES;
	if (nbuf < NBUF_MIN)
		nbuf = NBUF_MIN;
	if (nbuf > NBUF_MAX)
		nbuf = NBUF_MAX;
	initlock(&bcache.lock, "bcache");
	bcache.head.prev = bcache.head.next = &bcache.head;
	for (struct buf *b = bcache.buf; b < bcache.buf + nbuf; b++) {
		b->data = kalloc();
		if (!b->data)
			panic("binit: no memory for buffers");
		initsleeplock(&b->lock, "buffer");
		b->next = bcache.head.next;
		b->prev = &bcache.head;
		bcache.head.next->prev = b;
		bcache.head.next = b;
	}
}

/* The buffer for (dev, blockno), locked; recycles the least recently used free one. */
static struct buf *bget(u32 dev, u32 blockno)
{
	struct buf *b;
	acquire(&bcache.lock);
	for (b = bcache.head.next; b != &bcache.head; b = b->next) {
		if (b->dev == dev && b->blockno == blockno) {
			b->refcnt++;
			release(&bcache.lock);
			acquiresleep(&b->lock);
			return b;
		}
	}
	for (b = bcache.head.prev; b != &bcache.head; b = b->prev) {
		if (b->refcnt == 0) {
			b->dev = dev;
			b->blockno = blockno;
			b->valid = 0;
			b->refcnt = 1;
			release(&bcache.lock);
			acquiresleep(&b->lock);
			return b;
		}
	}
	panic("bget: no free buffers");
}

struct buf *bread(u32 dev, u32 blockno)
{
	struct buf *b = bget(dev, blockno);
	if (!b->valid) {
		disk_rw(b, 0);
		b->valid = 1;
	}
	return b;
}

/*
 * The buffer for (dev, blockno), locked, holding zeros, without reading the block (balloc's
 * new blocks: their old contents do not matter). Under the monitor the buffer's page is given
 * back, which makes it read as zeros and costs no machine page until it is written; reading
 * the block first would have mapped a cached disk block only to copy it on the first store.
 */
struct buf *bzeroed(u32 dev, u32 blockno)
{
	struct buf *b = bget(dev, blockno);
	if (machine_monitor)
		machine_give_back(V2P(b->data));
	else
		memset(b->data, 0, BSIZE);
	b->valid = 1;
	return b;
}

/*
 * Block blockno into a whole page of its own (exec's program pages). Under the monitor the
 * block is read from the disk straight into the page, so the monitor maps its buffer-cache
 * page there (shared with every VM that reads the same block, Disco section 4.2.5: program
 * text is shared between VMs) instead of our copying it out of a buffer. The block's buffer
 * is held meanwhile: every change to a buffer is written (bwrite) before it is released, so
 * the disk has the latest contents.
 */
void bread_page(u32 dev, u32 blockno, void *page)
{
	struct buf *b = bread(dev, blockno);
	if (machine_monitor)
		hcdisk_read_page(blockno, page);
	else
		memmove(page, b->data, BSIZE);
	brelse(b);
}

void bwrite(struct buf *b)
{
	if (!holdingsleep(&b->lock))
		panic("bwrite: buffer not locked");
	disk_rw(b, 1);
}

void brelse(struct buf *b)
{
	if (!holdingsleep(&b->lock))
		panic("brelse: buffer not locked");
	releasesleep(&b->lock);
	acquire(&bcache.lock);
	if (--b->refcnt == 0) {
		/* most recently used: move to the front */
		b->next->prev = b->prev;
		b->prev->next = b->next;
		b->next = bcache.head.next;
		b->prev = &bcache.head;
		bcache.head.next->prev = b;
		bcache.head.next = b;
	}
	release(&bcache.lock);
}
