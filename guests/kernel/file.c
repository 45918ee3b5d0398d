/* Open files: the system-wide file table, shared by file descriptors after fork/dup. */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "proc.h"
#include "fs.h"
#include "file.h"
#include "stat.h"
#include "fcntl.h"
#include "defs.h"

static struct {
	struct spinlock lock;
	struct file file[NFILE];
} ftable;

void fileinit(void)
{
	initlock(&ftable.lock, "ftable");
}

struct file *filealloc(void)
{
	acquire(&ftable.lock);
	for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
		if (f->ref == 0) {
			f->ref = 1;
			f->type = FD_NONE;
			f->off = 0;
			f->append = 0;
			f->ip = 0;
			release(&ftable.lock);
			return f;
		}
	}
	release(&ftable.lock);
	return 0;
}

struct file *filedup(struct file *f)
{
	acquire(&ftable.lock);
	if (f->ref < 1)
		panic("filedup");
	f->ref++;
	release(&ftable.lock);
	return f;
}

void fileclose(struct file *f)
{
	acquire(&ftable.lock);
	if (f->ref < 1)
		panic("fileclose");
	if (--f->ref > 0) {
		release(&ftable.lock);
		return;
	}
	struct file ff = *f;
	f->type = FD_NONE;
	release(&ftable.lock);
	if (ff.type == FD_INODE)
		iput(ff.ip);
}

/* Copy the file's metadata to user address addr. */
int filestat(struct file *f, u32 addr)
{
	struct stat st;
	if (f->type == FD_INODE) {
		ilock(f->ip);
		stati(f->ip, &st);
		iunlock(f->ip);
	} else {
		memset(&st, 0, sizeof st);
		st.type = T_DEV;
	}
	return copyout(myproc(), addr, &st, sizeof st);
}

int fileread(struct file *f, u32 addr, int n)
{
	if (!f->readable || n < 0)
		return -1;
	if (f->type == FD_CONSOLE)
		return consoleread(1, addr, n);
	if (f->type != FD_INODE)
		panic("fileread");
	ilock(f->ip);
	int r = readi(f->ip, 1, addr, f->off, n);
	if (r > 0)
		f->off += r;
	iunlock(f->ip);
	return r;
}

int filewrite(struct file *f, u32 addr, int n)
{
	if (!f->writable || n < 0)
		return -1;
	if (f->type == FD_CONSOLE)
		return consolewrite(1, addr, n);
	if (f->type != FD_INODE)
		panic("filewrite");
	ilock(f->ip);
	if (f->append)
		f->off = f->ip->size;
	int r = writei(f->ip, 1, addr, f->off, n);
	if (r > 0)
		f->off += r;
	iunlock(f->ip);
	return r;
}

/* lseek: the new offset, or -1. Offsets past the end are allowed (a later write leaves a hole). */
int fileseek(struct file *f, int off, int whence)
{
	if (f->type != FD_INODE)
		return -1;
	ilock(f->ip);
	int base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int)f->off : whence == SEEK_END ? (int)f->ip->size : -1;
	iunlock(f->ip);
	if (base < 0 || base + off < 0)
		return -1;
	f->off = base + off;
	return (int)f->off;
}
