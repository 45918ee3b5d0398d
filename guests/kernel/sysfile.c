/* File system calls: argument checking, then file.c and fs.c. */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "fs.h"
#include "file.h"
#include "stat.h"
#include "fcntl.h"
#include "defs.h"

/* The open file of descriptor argument n, or 0. */
static struct file *argfd(int n, int *pfd)
{
	int fd = argint(n);
	if (fd < 0 || fd >= NOFILE)
		return 0;
	struct file *f = myproc()->ofile[fd];
	if (f && pfd)
		*pfd = fd;
	return f;
}

static int fdalloc(struct file *f)
{
	struct proc *p = myproc();
	for (int fd = 0; fd < NOFILE; fd++) {
		if (!p->ofile[fd]) {
			p->ofile[fd] = f;
			return fd;
		}
	}
	return -1;
}

int sys_dup(void)
{
	struct file *f = argfd(0, 0);
	if (!f)
		return -1;
	int fd = fdalloc(f);
	if (fd < 0)
		return -1;
	filedup(f);
	return fd;
}

int sys_read(void)
{
	struct file *f = argfd(0, 0);
	if (!f)
		return -1;
	if (uvm_check(myproc(), argaddr(1), argint(2)) < 0) {
		setkilled(myproc(), "bad buffer in read", argaddr(1));
		return -1;
	}
	if (f->type == FD_NFS)
		return nfs_read(f, argaddr(1), argint(2));
	return fileread(f, argaddr(1), argint(2));
}

int sys_write(void)
{
	struct file *f = argfd(0, 0);
	if (!f)
		return -1;
	if (uvm_check(myproc(), argaddr(1), argint(2)) < 0) {
		setkilled(myproc(), "bad buffer in write", argaddr(1));
		return -1;
	}
	return filewrite(f, argaddr(1), argint(2));
}

int sys_close(void)
{
	int fd;
	struct file *f = argfd(0, &fd);
	if (!f)
		return -1;
	myproc()->ofile[fd] = 0;
	fileclose(f);
	return 0;
}

int sys_fstat(void)
{
	struct file *f = argfd(0, 0);
	if (!f)
		return -1;
	if ((f->type == FD_NFS ? nfs_stat(f, argaddr(1)) : filestat(f, argaddr(1))) < 0) {
		setkilled(myproc(), "bad stat pointer", argaddr(1));
		return -1;
	}
	return 0;
}

int sys_lseek(void)
{
	struct file *f = argfd(0, 0);
	if (!f)
		return -1;
	return fileseek(f, argint(1), argint(2));
}

/* Is directory dp (locked) empty except for "." and ".."? */
static int isdirempty(struct inode *dp)
{
	struct dirent de;
	for (u32 off = 0; off < dp->size; off += sizeof de) {
		if (readi(dp, 0, (u32)&de, off, sizeof de) != sizeof de)
			panic("isdirempty: read");
		if (de.inum != 0 && namecmp(de.name, ".") != 0 && namecmp(de.name, "..") != 0)
			return 0;
	}
	return 1;
}

int sys_unlink(void)
{
	char path[MAXPATH], name[DIRSIZ];
	if (argstr(0, path, sizeof path) < 0)
		return -1;
	struct inode *dp = nameiparent(path, name);
	if (!dp)
		return -1;
	ilock(dp);
	u32 off;
	struct inode *ip;
	if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0 || !(ip = dirlookup(dp, name, &off))) {
		iunlockput(dp);
		return -1;
	}
	ilock(ip);
	if (ip->nlink < 1)
		panic("unlink: nlink < 1");
	if (ip->type == T_DIR && !isdirempty(ip)) {
		iunlockput(ip);
		iunlockput(dp);
		return -1;
	}
	struct dirent de;
	memset(&de, 0, sizeof de);
	if (writei(dp, 0, (u32)&de, off, sizeof de) != sizeof de)
		panic("unlink: writei");
	if (ip->type == T_DIR) {
		dp->nlink--;	/* the child's ".." */
		iupdate(dp);
	}
	iunlockput(dp);
	/* an empty directory goes away with its entry and its own "." */
	ip->nlink = ip->type == T_DIR ? 0 : ip->nlink - 1;
	iupdate(ip);
	iunlockput(ip);
	return 0;
}

/* Create path as type, or open it if it is an existing file and type is T_FILE. Locked. */
static struct inode *create(const char *path, short type)
{
	char name[DIRSIZ];
	struct inode *dp = nameiparent(path, name);
	if (!dp)
		return 0;
	ilock(dp);
	struct inode *ip = dirlookup(dp, name, 0);
	if (ip) {
		iunlockput(dp);
		ilock(ip);
		if (type == T_FILE && ip->type == T_FILE)
			return ip;
		iunlockput(ip);
		return 0;
	}
	ip = ialloc(dp->dev, type);
	if (!ip) {
		iunlockput(dp);
		return 0;
	}
	ilock(ip);
	ip->nlink = type == T_DIR ? 2 : 1;	/* a directory also counts its "." (as mkfs does) */
	iupdate(ip);
	if (type == T_DIR) {
		if (dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
			goto fail;
	}
	if (dirlink(dp, name, ip->inum) < 0)
		goto fail;
	if (type == T_DIR) {
		dp->nlink++;	/* the child's ".." */
		iupdate(dp);
	}
	iunlockput(dp);
	return ip;
fail:
	ip->nlink = 0;
	iupdate(ip);
	iunlockput(ip);
	iunlockput(dp);
	return 0;
}

int sys_open(void)
{
	char path[MAXPATH];
	if (argstr(0, path, sizeof path) < 0)
		return -1;
	int omode = argint(1);
	if (nfs_mounted(path)) {	/* a remote file (nfs.c) */
		struct file *f = filealloc();
		int fd = f ? fdalloc(f) : -1;
		if (fd >= 0 && nfs_open(f, path, omode) == 0)
			return fd;
		if (fd >= 0)
			myproc()->ofile[fd] = 0;
		if (f)
			fileclose(f);
		return -1;
	}
	struct inode *ip;
	if (omode & O_CREATE) {
		ip = create(path, T_FILE);
		if (!ip)
			return -1;
	} else {
		ip = namei(path);
		if (!ip)
			return -1;
		ilock(ip);
		if (ip->type == T_DIR && omode != O_RDONLY) {
			iunlockput(ip);
			return -1;
		}
	}
	struct file *f = filealloc();
	int fd = f ? fdalloc(f) : -1;
	if (fd < 0) {
		if (f)
			fileclose(f);
		iunlockput(ip);
		return -1;
	}
	f->type = FD_INODE;
	f->ip = ip;
	f->off = 0;
	f->readable = !(omode & O_WRONLY);
	f->writable = (omode & O_WRONLY) || (omode & O_RDWR);
	f->append = (omode & O_APPEND) != 0;
	if ((omode & O_TRUNC) && ip->type == T_FILE)
		itrunc(ip);
	iunlock(ip);
	return fd;
}

int sys_mkdir(void)
{
	char path[MAXPATH];
	if (argstr(0, path, sizeof path) < 0)
		return -1;
	struct inode *ip = create(path, T_DIR);
	if (!ip)
		return -1;
	iunlockput(ip);
	return 0;
}

int sys_chdir(void)
{
	char path[MAXPATH];
	struct proc *p = myproc();
	if (argstr(0, path, sizeof path) < 0)
		return -1;
	struct inode *ip = namei(path);
	if (!ip)
		return -1;
	ilock(ip);
	if (ip->type != T_DIR) {
		iunlockput(ip);
		return -1;
	}
	iunlock(ip);
	iput(p->cwd);
	p->cwd = ip;
	return 0;
}

/* exec(path, argv): argv is a user array of user strings ending in 0. */
int sys_exec(void)
{
	char path[MAXPATH];
	char *argv[MAXARG + 1];
	u32 used = 0;
	if (argstr(0, path, sizeof path) < 0)
		return -1;
	/* the argument strings: one page for the call (exec may sleep; freed, so given back) */
	char *buf = kalloc();
	if (!buf)
		return -1;
	u32 uargv = argaddr(1);
	int i, r = -1;
	for (i = 0;; i++) {
		if (i >= MAXARG)
			goto out;
		u32 a;
		if (fetchaddr(uargv + 4 * i, &a) < 0)
			goto out;
		if (a == 0)
			break;
		if (used >= MAXARGLEN || fetchstr(a, buf + used, MAXARGLEN - used) < 0)
			goto out;
		argv[i] = buf + used;
		used += strlen(buf + used) + 1;
	}
	argv[i] = 0;
	r = exec(path, argv);
out:
	kfree(buf);
	return r;
}
