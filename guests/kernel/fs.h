/*
 * On-disk file system format; guests/mkfs.ts writes the same layout (see its header).
 *
 *   block 0  superblock | inode table | free bitmap | data blocks
 */
#ifndef KERNEL_FS_H
#define KERNEL_FS_H

#define BSIZE		4096	/* block size: 8 sectors */
#define FS_MAGIC	0x31465344u	/* "DSF1" */
#define ROOTINO		1
#define NDIRECT		11
#define NINDIRECT	(BSIZE / 4)
#define MAXFILE		(NDIRECT + NINDIRECT + NINDIRECT * NINDIRECT)	/* blocks */
#define DIRSIZ		28

struct superblock {
	u32 magic;
	u32 size;	/* blocks in the image */
	u32 ninodes;
	u32 inodestart;	/* first inode block */
	u32 bmapstart;	/* first bitmap block */
	u32 datastart;	/* first data block */
};

struct dinode {
	u16 type;	/* T_DIR, T_FILE, T_DEV; 0 = free */
	u16 nlink;
	u16 major;
	u16 minor;
	u32 size;
	u32 addrs[NDIRECT + 2];	/* direct, single-indirect, double-indirect */
};

#define IPB		(BSIZE / sizeof(struct dinode))
#define IBLOCK(i, sb)	((i) / IPB + (sb).inodestart)
#define BPB		(BSIZE * 8)
#define BBLOCK(b, sb)	((b) / BPB + (sb).bmapstart)

struct dirent {
	u32 inum;
	char name[DIRSIZ];
};

#endif
