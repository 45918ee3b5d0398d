/* A buffer-cache block. */
#ifndef KERNEL_BUF_H
#define KERNEL_BUF_H

struct buf {
	int valid;		/* data read from disk */
	int disk;		/* owned by the disk driver until it clears this */
	u32 dev;
	u32 blockno;
	struct sleeplock lock;
	u32 refcnt;
	struct buf *prev;	/* LRU list */
	struct buf *next;
	u8 *data;		/* BSIZE bytes, page aligned */
};

#endif
