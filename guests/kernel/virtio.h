/*
 * virtio-mmio block device interface (OASIS VIRTIO 1.1: 4.2.2 registers, 2.6 split
 * virtqueues, 5.2 block device); the bare machine's device is cpu/virtio_blk.ts.
 */
#ifndef KERNEL_VIRTIO_H
#define KERNEL_VIRTIO_H

#define VIRTIO_MMIO_MAGIC_VALUE		0x000	/* 0x74726976 "virt" */
#define VIRTIO_MMIO_VERSION		0x004	/* 2: no legacy interface */
#define VIRTIO_MMIO_DEVICE_ID		0x008	/* 2: block device */
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG		0x100	/* block: le64 capacity in sectors */

#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64

#define VIRTIO_F_VERSION_1_HI		(1u << 0)	/* feature bit 32 */

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

#define VIRTIO_NUM	8	/* queue size: up to two 3-descriptor requests in flight */

struct virtq_avail {
	u16 flags;
	u16 idx;
	u16 ring[VIRTIO_NUM];
};

struct virtq_used_elem {
	u32 id;
	u32 len;
};

struct virtq_used {
	u16 flags;
	u16 idx;
	struct virtq_used_elem ring[VIRTIO_NUM];
};

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1

struct virtio_blk_req {
	u32 type;
	u32 reserved;
	u64 sector;
};

#endif
