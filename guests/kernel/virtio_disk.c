/*
 * Driver for the virtio-mmio block device (bare machine: physical 0x1E400000, IP3). One
 * request is three descriptors: the 16-byte header, the block's buffer, the status byte.
 * The caller sleeps until the used-buffer interrupt hands the buffer back.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "fs.h"
#include "buf.h"
#include "virtio.h"
#include "defs.h"

#define R(off) ((volatile u32 *)KSEG1(VIRTIO0 + (off)))

static struct {
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	char free[VIRTIO_NUM];
	u16 used_idx;	/* next used-ring entry to look at */
	struct {
		struct buf *b;
		u8 status;
	} info[VIRTIO_NUM];
	struct virtio_blk_req ops[VIRTIO_NUM];
	struct spinlock lock;
	u32 reads, writes;
} disk;

void virtio_disk_init(void)
{
	initlock(&disk.lock, "virtio_disk");
	u32 magic;
	if (peek32((u32)R(VIRTIO_MMIO_MAGIC_VALUE), &magic) < 0 || magic != 0x74726976 || *R(VIRTIO_MMIO_VERSION) != 2 ||
	    *R(VIRTIO_MMIO_DEVICE_ID) != 2)
		panic("no virtio-mmio block device at 0x%x (boot with --disk)", VIRTIO0);

	/* device initialisation, spec 3.1.1 */
	u32 status = 0;
	*R(VIRTIO_MMIO_STATUS) = status;
	status |= VIRTIO_STATUS_ACKNOWLEDGE;
	*R(VIRTIO_MMIO_STATUS) = status;
	status |= VIRTIO_STATUS_DRIVER;
	*R(VIRTIO_MMIO_STATUS) = status;
	*R(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = 1;
	if (!(*R(VIRTIO_MMIO_DEVICE_FEATURES) & VIRTIO_F_VERSION_1_HI))
		panic("virtio disk: no VIRTIO_F_VERSION_1");
	*R(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 0;
	*R(VIRTIO_MMIO_DRIVER_FEATURES) = 0;
	*R(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 1;
	*R(VIRTIO_MMIO_DRIVER_FEATURES) = VIRTIO_F_VERSION_1_HI;
	status |= VIRTIO_STATUS_FEATURES_OK;
	*R(VIRTIO_MMIO_STATUS) = status;
	if (!(*R(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		panic("virtio disk: features not accepted");

	*R(VIRTIO_MMIO_QUEUE_SEL) = 0;
	if (*R(VIRTIO_MMIO_QUEUE_READY))
		panic("virtio disk: queue 0 already in use");
	if (*R(VIRTIO_MMIO_QUEUE_NUM_MAX) < VIRTIO_NUM)
		panic("virtio disk: queue too short");
	disk.desc = kzalloc();
	disk.avail = kzalloc();
	disk.used = kzalloc();
	if (!disk.desc || !disk.avail || !disk.used)
		panic("virtio disk: no memory");
	*R(VIRTIO_MMIO_QUEUE_NUM) = VIRTIO_NUM;
	*R(VIRTIO_MMIO_QUEUE_DESC_LOW) = V2P(disk.desc);
	*R(VIRTIO_MMIO_QUEUE_DESC_HIGH) = 0;
	*R(VIRTIO_MMIO_QUEUE_DRIVER_LOW) = V2P(disk.avail);
	*R(VIRTIO_MMIO_QUEUE_DRIVER_HIGH) = 0;
	*R(VIRTIO_MMIO_QUEUE_DEVICE_LOW) = V2P(disk.used);
	*R(VIRTIO_MMIO_QUEUE_DEVICE_HIGH) = 0;
	*R(VIRTIO_MMIO_QUEUE_READY) = 1;
	for (int i = 0; i < VIRTIO_NUM; i++)
		disk.free[i] = 1;
	status |= VIRTIO_STATUS_DRIVER_OK;
	*R(VIRTIO_MMIO_STATUS) = status;
	u32 cap = *R(VIRTIO_MMIO_CONFIG);
	printf("virtio disk: %u KiB at 0x%x, irq %d\n", cap / 2, VIRTIO0, VIRTIO0_IRQ);
}

/* Three free descriptors into idx[], or -1 (disk.lock held). */
static int alloc3(int *idx)
{
	int n = 0;
	for (int i = 0; i < VIRTIO_NUM && n < 3; i++)
		if (disk.free[i])
			idx[n++] = i;
	if (n < 3)
		return -1;
	for (int i = 0; i < 3; i++)
		disk.free[idx[i]] = 0;
	return 0;
}

/* Read (write = 0) or write block b->blockno through b->data; returns when done. */
void virtio_disk_rw(struct buf *b, int write)
{
	int idx[3];
	acquire(&disk.lock);
	while (alloc3(idx) < 0)
		sleep(&disk.free[0], &disk.lock);

	struct virtio_blk_req *req = &disk.ops[idx[0]];
	req->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	req->reserved = 0;
	req->sector = (u64)b->blockno * (BSIZE / 512);

	disk.desc[idx[0]] = (struct virtq_desc){ V2P(req), sizeof *req, VIRTQ_DESC_F_NEXT, idx[1] };
	disk.desc[idx[1]] = (struct virtq_desc){ V2P(b->data), BSIZE,
		(write ? 0 : VIRTQ_DESC_F_WRITE) | VIRTQ_DESC_F_NEXT, idx[2] };
	disk.info[idx[0]].status = 0xff;
	disk.desc[idx[2]] = (struct virtq_desc){ V2P(&disk.info[idx[0]].status), 1, VIRTQ_DESC_F_WRITE, 0 };
	disk.info[idx[0]].b = b;
	b->disk = 1;

	disk.avail->ring[disk.avail->idx % VIRTIO_NUM] = idx[0];
	__sync_synchronize();	/* the ring entry before the index (spec 2.6.13) */
	disk.avail->idx++;
	__sync_synchronize();
	*R(VIRTIO_MMIO_QUEUE_NOTIFY) = 0;
	if (write)
		disk.writes++;
	else
		disk.reads++;

	while (b->disk)
		sleep(b, &disk.lock);
	disk.info[idx[0]].b = 0;
	for (int i = 0; i < 3; i++)
		disk.free[idx[i]] = 1;
	wakeup(&disk.free[0]);
	release(&disk.lock);
}

/* The device used some buffers (or needs a reset): hand finished buffers back. */
void virtio_disk_intr(void)
{
	acquire(&disk.lock);
	u32 st = *R(VIRTIO_MMIO_INTERRUPT_STATUS);
	*R(VIRTIO_MMIO_INTERRUPT_ACK) = st & 3;
	if (*R(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET)
		panic("virtio disk: device error (DEVICE_NEEDS_RESET)");
	__sync_synchronize();
	while (disk.used_idx != disk.used->idx) {
		__sync_synchronize();
		u32 id = disk.used->ring[disk.used_idx % VIRTIO_NUM].id;
		if (id >= VIRTIO_NUM || !disk.info[id].b)
			panic("virtio disk: bogus used entry %u", id);
		if (disk.info[id].status != 0)
			panic("virtio disk: request failed (status %u, block %u)", disk.info[id].status,
			      disk.info[id].b->blockno);
		disk.info[id].b->disk = 0;
		wakeup(disk.info[id].b);
		disk.used_idx++;
	}
	release(&disk.lock);
}
