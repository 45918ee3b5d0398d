/* The virtual subnet driver (net.c) and the network file protocol (nfs.c). */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#define NET_IRQ		4	/* Cause.IP4 of CPU 0: messages wait (level) */
#define NET_HDR_MAX	256

/* A received message, owned by its consumer between net_wait and net_done. */
struct netmsg {
	int busy;		/* 0 free, 1 waiting for its consumer, 2 taken */
	u32 seq;		/* arrival order */
	u32 src;		/* sender's address */
	u32 hlen, dlen;
	int remapped;		/* the data page is a page the monitor remapped (shared, read-only) */
	void *page;		/* data part (a kalloc'd page, window address), or 0 */
	u8 hdr[NET_HDR_MAX] __attribute__((aligned(4)));
};

/*
 * The network file protocol: every request and reply is one header (struct nfsmsg); a READ
 * reply carries the file's block as the data part, a whole page-aligned buffer-cache page, so
 * the monitor remaps it into the client. Handles are slots of the server's handle table;
 * the export is read-only.
 */
#define NFS_LOOKUP	1	/* path -> handle, size, type */
#define NFS_READ	2	/* handle, page-aligned offset -> one block (page) */
#define NFS_BYE		3	/* a client is done (nfsd counts them) */
#define NFS_REPLY	0x80

struct nfsmsg {
	u32 op;
	u32 xid;		/* the client's transaction id, echoed */
	int status;		/* reply: 0, or -1 (no such file, bad handle) */
	u32 handle;
	u32 gen;		/* handle generation: a stale handle is refused */
	u32 offset;
	u32 size;		/* LOOKUP reply: file size; READ reply: bytes of the block in the file */
	u32 type;		/* LOOKUP reply: T_FILE, T_DIR */
	char path[128];
};

#endif
