/* Open files and in-memory inodes. */
#ifndef KERNEL_FILE_H
#define KERNEL_FILE_H

struct file {
	enum { FD_NONE, FD_INODE, FD_CONSOLE, FD_NFS /* nfs.c */ } type;
	int ref;
	char readable;
	char writable;
	char append;
	struct inode *ip;
	u32 off;
};

struct inode {
	u32 dev;
	u32 inum;
	int ref;		/* references (protected by itable.lock) */
	struct sleeplock lock;	/* protects everything below */
	int valid;		/* read from disk? */
	u16 type;
	u16 nlink;
	u16 major;
	u16 minor;
	u32 size;
	u32 addrs[NDIRECT + 2];
};

#endif
