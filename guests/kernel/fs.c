/*
 * The file system (format in fs.h, written by guests/mkfs.ts): blocks and the free bitmap,
 * inodes (a cache of in-memory copies, each with a sleeplock), file contents through direct,
 * indirect and double-indirect blocks, directories, and path names.
 *
 * Updates are written through the buffer cache at once and in an order that never leaves a
 * block referenced before it is initialised; there is no log, so a crash in the middle of an
 * operation can leak blocks (disco's disks are discarded at exit anyway).
 *
 * Locking: itable.lock protects inode identity and ref counts; ip->lock (sleeplock) the rest
 * of the inode and its contents.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "proc.h"
#include "fs.h"
#include "buf.h"
#include "file.h"
#include "stat.h"
#include "defs.h"

static struct superblock sb;

static struct {
	struct spinlock lock;
	struct inode inode[NINODE];
} itable;

static struct sleeplock balloc_lock;	/* the bitmap scan sleeps on the disk */

void fsinit(u32 dev)
{
	initlock(&itable.lock, "itable");
	initsleeplock(&balloc_lock, "balloc");
	for (int i = 0; i < NINODE; i++)
		initsleeplock(&itable.inode[i].lock, "inode");
	struct buf *b = bread(dev, 0);
	memmove(&sb, b->data, sizeof sb);
	brelse(b);
	if (sb.magic != FS_MAGIC)
		panic("fsinit: no file system on the disk (magic 0x%x)", sb.magic);
	printf("fs: %u blocks, %u inodes, data from block %u\n", sb.size, sb.ninodes, sb.datastart);
}

/* Count free data blocks (statistics). */
void fsstats(u32 *nfree)
{
	u32 n = 0;
	for (u32 b = 0; b < sb.size; b += BPB) {
		struct buf *bp = bread(ROOTDEV, BBLOCK(b, sb));
		for (u32 bi = 0; bi < BPB && b + bi < sb.size; bi++)
			if (!(bp->data[bi / 8] & (1 << (bi % 8))))
				n++;
		brelse(bp);
	}
	*nfree = n;
}

/* A zeroed free block, marked in use; 0 if the disk is full. */
static u32 balloc(u32 dev)
{
	static u32 rotor;	/* where the last search ended: skip the full prefix next time */
	acquiresleep(&balloc_lock);	/* one allocator at a time */
	for (u32 n = 0; n < sb.size; ) {
		u32 b = (rotor + n) % sb.size;
		struct buf *bp = bread(dev, BBLOCK(b, sb));
		u32 first = b % BPB;
		for (u32 bi = first; bi < BPB && b - first + bi < sb.size; bi++, n++) {
			u8 m = 1 << (bi % 8);
			if (bp->data[bi / 8] & m)
				continue;
			u32 blockno = b - first + bi;
			rotor = blockno;
			/* zero the block before it becomes reachable (its old contents are not read) */
			struct buf *zb = bzeroed(dev, blockno);
			bwrite(zb);
			brelse(zb);
			bp->data[bi / 8] |= m;
			bwrite(bp);
			brelse(bp);
			releasesleep(&balloc_lock);
			return blockno;
		}
		brelse(bp);
	}
	releasesleep(&balloc_lock);
	printf("balloc: out of blocks\n");
	return 0;
}

static void bfree(u32 dev, u32 b)
{
	acquiresleep(&balloc_lock);
	struct buf *bp = bread(dev, BBLOCK(b, sb));
	u8 m = 1 << ((b % BPB) % 8);
	if (!(bp->data[(b % BPB) / 8] & m))
		panic("bfree: block %u is free", b);
	bp->data[(b % BPB) / 8] &= ~m;
	bwrite(bp);
	brelse(bp);
	releasesleep(&balloc_lock);
}

/* The cached inode for (dev, inum), referenced; not locked, maybe not read yet. */
static struct inode *iget(u32 dev, u32 inum)
{
	struct inode *empty = 0;
	acquire(&itable.lock);
	for (struct inode *ip = itable.inode; ip < &itable.inode[NINODE]; ip++) {
		if (ip->ref > 0 && ip->dev == dev && ip->inum == inum) {
			ip->ref++;
			release(&itable.lock);
			return ip;
		}
		if (!empty && ip->ref == 0)
			empty = ip;
	}
	if (!empty)
		panic("iget: no free inodes in the cache");
	empty->dev = dev;
	empty->inum = inum;
	empty->ref = 1;
	empty->valid = 0;
	release(&itable.lock);
	return empty;
}

/* A new inode of the given type on dev, referenced, not locked; 0 if none is free. */
struct inode *ialloc(u32 dev, u16 type)
{
	for (u32 base = 0; base < sb.ninodes; base += IPB) {
		struct buf *bp = bread(dev, IBLOCK(base, sb));
		struct dinode *dip = (struct dinode *)bp->data;
		for (u32 inum = base ? base : 1; inum < base + IPB && inum < sb.ninodes; inum++) {
			if (dip[inum % IPB].type == 0) {
				memset(&dip[inum % IPB], 0, sizeof *dip);
				dip[inum % IPB].type = type;
				bwrite(bp);
				brelse(bp);
				return iget(dev, inum);
			}
		}
		brelse(bp);
	}
	printf("ialloc: no inodes\n");
	return 0;
}

/* Write the in-memory inode back to disk (ip locked). */
void iupdate(struct inode *ip)
{
	struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
	struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
	dip->type = ip->type;
	dip->nlink = ip->nlink;
	dip->major = ip->major;
	dip->minor = ip->minor;
	dip->size = ip->size;
	memmove(dip->addrs, ip->addrs, sizeof ip->addrs);
	bwrite(bp);
	brelse(bp);
}

struct inode *idup(struct inode *ip)
{
	acquire(&itable.lock);
	ip->ref++;
	release(&itable.lock);
	return ip;
}

/* Lock ip, reading it from disk the first time. */
/* Lock ip, reading it from the disk if needed; -1 (unlocked, not valid) if it is a free inode. */
static int ilock_inuse(struct inode *ip)
{
	acquiresleep(&ip->lock);
	if (!ip->valid) {
		struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
		struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
		ip->type = dip->type;
		ip->nlink = dip->nlink;
		ip->major = dip->major;
		ip->minor = dip->minor;
		ip->size = dip->size;
		memmove(ip->addrs, dip->addrs, sizeof ip->addrs);
		brelse(bp);
		ip->valid = 1;
	}
	if (ip->type == 0) {
		ip->valid = 0;	/* so that iput leaves the free inode alone */
		releasesleep(&ip->lock);
		return -1;
	}
	return 0;
}

/*
 * Inode inum of dev, referenced and locked, if it is in use; 0 if inum is out of range or a
 * free inode. For a file handle from the network (nfs.c), which may name a removed file: the
 * server answers with an error, it does not panic.
 */
struct inode *iget_inuse(u32 dev, u32 inum)
{
	if (inum == 0 || inum >= sb.ninodes)
		return 0;
	struct inode *ip = iget(dev, inum);
	if (ilock_inuse(ip) < 0) {
		iput(ip);
		return 0;
	}
	return ip;
}

void ilock(struct inode *ip)
{
	if (!ip || ip->ref < 1)
		panic("ilock");
	if (ilock_inuse(ip) < 0)
		panic("ilock: inode %u has no type", ip->inum);
}

void iunlock(struct inode *ip)
{
	if (!ip || !holdingsleep(&ip->lock) || ip->ref < 1)
		panic("iunlock");
	releasesleep(&ip->lock);
}

/* Drop a reference; the last reference to an unlinked inode frees it and its blocks. */
void iput(struct inode *ip)
{
	acquire(&itable.lock);
	if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
		/* no other reference: nobody can lock it meanwhile */
		acquiresleep(&ip->lock);
		release(&itable.lock);
		itrunc(ip);
		ip->type = 0;
		iupdate(ip);
		ip->valid = 0;
		releasesleep(&ip->lock);
		acquire(&itable.lock);
	}
	ip->ref--;
	release(&itable.lock);
}

void iunlockput(struct inode *ip)
{
	iunlock(ip);
	iput(ip);
}

/* Entry i of the indirect block blk, allocating a block there if alloc; 0 for a hole. */
static u32 indirect(u32 dev, u32 blk, u32 i, int alloc)
{
	struct buf *bp = bread(dev, blk);
	u32 *a = (u32 *)bp->data;
	u32 r = a[i];
	if (!r && alloc) {
		r = balloc(dev);
		if (r) {
			a[i] = r;
			bwrite(bp);
		}
	}
	brelse(bp);
	return r;
}

/* Disk block holding file block bn of ip (ip locked); alloc fills holes; 0 = hole/none. */
static u32 bmap(struct inode *ip, u32 bn, int alloc)
{
	u32 *slot;
	if (bn < NDIRECT) {
		slot = &ip->addrs[bn];
		if (!*slot && alloc && (*slot = balloc(ip->dev)) != 0)
			iupdate(ip);
		return *slot;
	}
	bn -= NDIRECT;
	if (bn < NINDIRECT) {
		slot = &ip->addrs[NDIRECT];
		if (!*slot) {
			if (!alloc || (*slot = balloc(ip->dev)) == 0)
				return 0;
			iupdate(ip);
		}
		return indirect(ip->dev, *slot, bn, alloc);
	}
	bn -= NINDIRECT;
	if (bn >= NINDIRECT * NINDIRECT)
		return 0;
	slot = &ip->addrs[NDIRECT + 1];
	if (!*slot) {
		if (!alloc || (*slot = balloc(ip->dev)) == 0)
			return 0;
		iupdate(ip);
	}
	u32 mid = indirect(ip->dev, *slot, bn / NINDIRECT, alloc);
	if (!mid)
		return 0;
	return indirect(ip->dev, mid, bn % NINDIRECT, alloc);
}

/* Free every block of an indirect block at depth (1: data pointers, 2: pointer blocks). */
static void freeind(u32 dev, u32 blk, int depth)
{
	struct buf *bp = bread(dev, blk);	/* held while we walk it (no 4 KiB copies on the stack) */
	u32 *a = (u32 *)bp->data;
	for (u32 i = 0; i < NINDIRECT; i++) {
		if (!a[i])
			continue;
		if (depth > 1)
			freeind(dev, a[i], depth - 1);
		else
			bfree(dev, a[i]);
	}
	brelse(bp);
	bfree(dev, blk);
}

/* Discard the contents of ip (ip locked). */
void itrunc(struct inode *ip)
{
	u32 old[NDIRECT + 2];
	memmove(old, ip->addrs, sizeof old);
	memset(ip->addrs, 0, sizeof ip->addrs);
	ip->size = 0;
	iupdate(ip);	/* unreachable first, then free */
	for (int i = 0; i < NDIRECT; i++)
		if (old[i])
			bfree(ip->dev, old[i]);
	if (old[NDIRECT])
		freeind(ip->dev, old[NDIRECT], 1);
	if (old[NDIRECT + 1])
		freeind(ip->dev, old[NDIRECT + 1], 2);
}

void stati(struct inode *ip, struct stat *st)
{
	st->dev = ip->dev;
	st->ino = ip->inum;
	st->type = ip->type;
	st->nlink = ip->nlink;
	st->size = ip->size;
}

/* Read n bytes at off into dst (a user address if user); returns bytes read or -1. */
/*
 * The whole block at byte off (a multiple of BSIZE, ip locked) into page; -1 if the file
 * ends inside it or it is a hole (the caller then copies with readi).
 */
int readi_page(struct inode *ip, u32 off, void *page)
{
	if ((off & (BSIZE - 1)) != 0 || off > ip->size || ip->size - off < BSIZE)
		return -1;
	u32 blk = bmap(ip, off / BSIZE, 0);
	if (!blk)
		return -1;
	bread_page(ip->dev, blk, page);
	return 0;
}

int readi(struct inode *ip, int user, u32 dst, u32 off, u32 n)
{
	if (off > ip->size || off + n < off)
		return 0;
	if (off + n > ip->size)
		n = ip->size - off;
	u32 tot, m;
	for (tot = 0; tot < n; tot += m, off += m, dst += m) {
		m = BSIZE - off % BSIZE;
		if (m > n - tot)
			m = n - tot;
		u32 blk = bmap(ip, off / BSIZE, 0);
		if (!blk) {
			static const u8 zeros[512];
			for (u32 k = 0; k < m; k += sizeof zeros) {
				u32 c = m - k < sizeof zeros ? m - k : sizeof zeros;
				if (either_copyout(user, dst + k, zeros, c) < 0)
					return -1;
			}
			continue;
		}
		struct buf *bp = bread(ip->dev, blk);
		int r = either_copyout(user, dst, bp->data + off % BSIZE, m);
		brelse(bp);
		if (r < 0)
			return -1;
	}
	return (int)n;
}

/*
 * Write n bytes from src at off, growing the file; returns bytes written or -1. Writing past
 * the end leaves a hole that reads as zeros (unallocated blocks, or zeroed new blocks).
 */
int writei(struct inode *ip, int user, u32 src, u32 off, u32 n)
{
	if (off + n < off || (u64)off + n > (u64)MAXFILE * BSIZE)
		return -1;
	u32 tot, m;
	for (tot = 0; tot < n; tot += m, off += m, src += m) {
		u32 blk = bmap(ip, off / BSIZE, 1);
		if (!blk)
			break;
		m = BSIZE - off % BSIZE;
		if (m > n - tot)
			m = n - tot;
		struct buf *bp = bread(ip->dev, blk);
		if (either_copyin(bp->data + off % BSIZE, user, src, m) < 0) {
			brelse(bp);
			break;
		}
		bwrite(bp);
		brelse(bp);
	}
	if (off > ip->size) {
		ip->size = off;
		iupdate(ip);
	}
	return tot == n ? (int)n : (tot ? (int)tot : -1);
}

int namecmp(const char *s, const char *t)
{
	return strncmp(s, t, DIRSIZ);
}

/*
 * Scan directory dp (locked) block by block for an entry named name (or, with name 0, a free
 * slot). Returns the entry's offset, or dp->size if none.
 */
static u32 dirscan(struct inode *dp, const char *name, u32 *pinum)
{
	for (u32 off = 0; off < dp->size; off += BSIZE) {
		u32 blk = bmap(dp, off / BSIZE, 0);
		if (!blk)
			continue;	/* a hole holds no entries */
		struct buf *bp = bread(dp->dev, blk);
		struct dirent *de = (struct dirent *)bp->data;
		u32 n = dp->size - off < BSIZE ? (dp->size - off) / sizeof *de : BSIZE / sizeof *de;
		for (u32 i = 0; i < n; i++) {
			if (name ? de[i].inum != 0 && namecmp(name, de[i].name) == 0 : de[i].inum == 0) {
				if (pinum)
					*pinum = de[i].inum;
				brelse(bp);
				return off + i * sizeof *de;
			}
		}
		brelse(bp);
	}
	return dp->size;
}

/* Find name in directory dp (locked); returns its inode (unlocked) and entry offset. */
struct inode *dirlookup(struct inode *dp, const char *name, u32 *poff)
{
	if (dp->type != T_DIR)
		panic("dirlookup: not a directory");
	u32 inum;
	u32 off = dirscan(dp, name, &inum);
	if (off >= dp->size)
		return 0;
	if (poff)
		*poff = off;
	return iget(dp->dev, inum);
}

/* Add (name, inum) to directory dp (locked); -1 if name exists or no space. */
int dirlink(struct inode *dp, const char *name, u32 inum)
{
	if (dirscan(dp, name, 0) < dp->size)
		return -1;
	u32 off = dirscan(dp, 0, 0);	/* first free slot, or the end */
	struct dirent de;
	memset(&de, 0, sizeof de);
	de.inum = inum;
	for (int i = 0; i < DIRSIZ && name[i]; i++)
		de.name[i] = name[i];
	if (writei(dp, 0, (u32)&de, off, sizeof de) != sizeof de)
		return -1;
	return 0;
}

/* Copy the next path element into name; returns the rest of the path, or 0 at the end. */
static const char *skipelem(const char *path, char *name)
{
	while (*path == '/')
		path++;
	if (*path == 0)
		return 0;
	const char *s = path;
	while (*path != '/' && *path != 0)
		path++;
	int len = path - s;
	if (len >= DIRSIZ)
		len = DIRSIZ;
	memmove(name, s, len);
	if (len < DIRSIZ)
		name[len] = 0;
	while (*path == '/')
		path++;
	return path;
}

/* Resolve path to an inode (or its parent, leaving the last element in name). */
static struct inode *namex(const char *path, int parent, char *name)
{
	struct inode *ip = *path == '/' ? iget(ROOTDEV, ROOTINO) : idup(myproc()->cwd);
	while ((path = skipelem(path, name)) != 0) {
		ilock(ip);
		if (ip->type != T_DIR) {
			iunlockput(ip);
			return 0;
		}
		if (parent && *path == 0) {
			iunlock(ip);
			return ip;
		}
		struct inode *next = dirlookup(ip, name, 0);
		iunlockput(ip);
		if (!next)
			return 0;
		ip = next;
	}
	if (parent) {
		iput(ip);
		return 0;
	}
	return ip;
}

struct inode *namei(const char *path)
{
	char name[DIRSIZ];
	return namex(path, 0, name);
}

struct inode *nameiparent(const char *path, char *name)
{
	return namex(path, 1, name);
}
