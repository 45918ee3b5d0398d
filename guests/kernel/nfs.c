/*
 * A small network file protocol over the virtual subnet (net.c; docs/network.md), after the
 * NFS configuration of Disco SOSP '97 4.2.6: one VM exports its file system read-only, the
 * others mount directories of it and read files through it.
 *
 * Server: a process calls nfsd(N) (the user program nfsd) and serves requests in the kernel
 * until N clients have said goodbye (0: forever), like the nfssvc() of old Unix NFS servers.
 * LOOKUP resolves an absolute path to a handle (a slot of the handle table, with a generation
 * number). READ sends one file block: the buffer-cache page itself is the data part, a whole
 * page-aligned page, so the monitor remaps it into the client instead of copying it, and the
 * server's cached block and every client's copy of it are one machine page until someone
 * writes theirs.
 *
 * Client: nfsmount(host, path) makes `path` (and everything below it) remote: open() of such
 * a path looks the file up on the server and gives a read-only FD_NFS file; read() goes
 * through a page cache of received pages keyed by (host, handle, generation, block). Pages are
 * kept until evicted (LRU): there is no coherence with writes the server itself makes later.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "proc.h"
#include "fs.h"
#include "file.h"
#include "buf.h"
#include "stat.h"
#include "fcntl.h"
#include "syscall.h"
#include "net.h"
#include "defs.h"

#define NMOUNT		8	/* client: mount points */
#define NCACHE		512	/* client: cached pages (2 MiB) */

#define NFS_TIMEOUT	(HZ / 2)	/* ticks without a reply before a request is sent again, */
#define NFS_TIMEOUT_MAX	(8 * HZ)	/* doubling up to this */
#define NPENDING	NPROC		/* calls waiting for a reply at once (one per process) */

static struct {
	u32 lookups, reads, hits, served, retries;
} nst;

/* ---------------------------------------------------------------------------------------
 * Server. */

/*
 * A file handle is the file's inode number (handle) and HANDLE_GEN (gen): the server keeps no
 * state per handle and holds no inode between requests (NFS's stateless server), so any
 * number of clients and files can be served with the fixed inode cache. There are no
 * generation numbers on disk: a handle naming a removed file gets an error, but a file
 * removed and re-created under the same inode number is not noticed (the export is
 * read-only, and nothing should write the tree while it is served).
 */
#define HANDLE_GEN	1
static struct sleeplock serverlock;	/* one request at a time, whatever the nfsd count */

/* Block number of file block bn (0: a hole); read-only, as fs.c's bmap without allocation. */
static u32 nfs_bmap(struct inode *ip, u32 bn)
{
	if (bn < NDIRECT)
		return ip->addrs[bn];
	bn -= NDIRECT;
	u32 idx[2], levels, top;
	if (bn < NINDIRECT) {
		top = ip->addrs[NDIRECT];
		idx[0] = bn;
		levels = 1;
	} else {
		bn -= NINDIRECT;
		if (bn >= NINDIRECT * NINDIRECT)
			return 0;
		top = ip->addrs[NDIRECT + 1];
		idx[0] = bn / NINDIRECT;
		idx[1] = bn % NINDIRECT;
		levels = 2;
	}
	u32 blk = top;
	for (u32 l = 0; l < levels && blk; l++) {
		struct buf *b = bread(ip->dev, blk);
		blk = ((u32 *)b->data)[idx[l]];
		brelse(b);
	}
	return blk;
}

static int is_request(struct netmsg *m, void *arg)
{
	(void)arg;
	return m->hlen == sizeof(struct nfsmsg) && !(((struct nfsmsg *)m->hdr)->op & NFS_REPLY);
}

static void serve_lookup(struct nfsmsg *q, struct nfsmsg *r)
{
	q->path[sizeof q->path - 1] = 0;
	if (q->path[0] != '/')
		return;
	struct inode *ip = namei(q->path);
	if (!ip)
		return;
	ilock(ip);
	r->size = ip->size;
	r->type = ip->type;
	r->handle = ip->inum;
	r->gen = HANDLE_GEN;
	r->status = 0;
	iunlockput(ip);
}

/* READ: reply with the block as the data part (sent from the buffer cache page). */
static void serve_read(u32 src, struct nfsmsg *q, struct nfsmsg *r)
{
	struct inode *ip = q->gen == HANDLE_GEN && q->offset % BSIZE == 0 ? iget_inuse(ROOTDEV, q->handle) : 0;
	if (!ip) {
		net_send(src, r, sizeof *r, 0, 0);	/* status -1: a bad or stale handle */
		return;
	}
	r->status = 0;
	r->size = q->offset < ip->size ? ip->size - q->offset : 0;
	if (r->size > BSIZE)
		r->size = BSIZE;
	u32 blk = r->size ? nfs_bmap(ip, q->offset / BSIZE) : 0;
	if (blk) {
		struct buf *b = bread(ip->dev, blk);
		net_send(src, r, sizeof *r, b->data, BSIZE);
		brelse(b);
	} else {
		net_send(src, r, sizeof *r, 0, 0);	/* a hole or the end: zeros */
	}
	iunlockput(ip);
}

/* nfsd(nclients): serve until nclients BYEs (0: until killed); the number of requests served. */
static int nfs_serve(int nclients)
{
	if (!net_present())
		return -1;
	int byes = 0, served = 0;
	static u32 said_bye[256 / 32];	/* a client's BYE counts once (it may be sent again) */
	memset(said_bye, 0, sizeof said_bye);
	while (nclients <= 0 || byes < nclients) {
		struct netmsg *m = net_wait(is_request, 0);
		if (!m)
			break;
		struct nfsmsg q = *(struct nfsmsg *)m->hdr;
		u32 src = m->src;
		net_done(m);
		struct nfsmsg r;
		memset(&r, 0, sizeof r);
		r.op = q.op | NFS_REPLY;
		r.xid = q.xid;
		r.status = -1;
		acquiresleep(&serverlock);
		switch (q.op) {
		case NFS_LOOKUP:
			serve_lookup(&q, &r);
			net_send(src, &r, sizeof r, 0, 0);
			break;
		case NFS_READ:
			serve_read(src, &q, &r);
			break;
		case NFS_BYE:
			if (src >= 256 || !(said_bye[src / 32] & (1u << (src % 32)))) {
				if (src < 256)
					said_bye[src / 32] |= 1u << (src % 32);
				byes++;
			}
			r.status = 0;
			net_send(src, &r, sizeof r, 0, 0);
			break;
		default:
			net_send(src, &r, sizeof r, 0, 0);
		}
		releasesleep(&serverlock);
		served++;
		nst.served++;
	}
	return served;
}

/* ---------------------------------------------------------------------------------------
 * Client. */

static struct spinlock nfslock;
static struct {
	char path[MAXPATH];
	u32 len;
	u32 host;
} mounts[NMOUNT];
static u32 nextxid;

/* Open remote files: the struct file, and what the server said at open. */
static struct nfsfile {
	struct file *f;
	u32 host, handle, gen, size;
} nfiles[NFILE];

static struct cpage {
	void *page;		/* 0: empty slot */
	u32 host, handle, gen, block;
	u32 used;		/* LRU clock */
} cache[NCACHE];
static u32 lruclock;

void nfs_init(void)
{
	initlock(&nfslock, "nfs");
	initsleeplock(&serverlock, "nfsd");
}

/* The mount whose point is a prefix (at a path element boundary) of path, or -1. */
static int mountof(const char *path)
{
	int best = -1;
	for (int i = 0; i < NMOUNT; i++) {
		u32 n = mounts[i].len;
		if (n && strncmp(path, mounts[i].path, n) == 0 && (path[n] == 0 || path[n] == '/') && (best < 0 || n > mounts[best].len))
			best = i;
	}
	return best;
}

int nfs_mounted(const char *path)
{
	acquire(&nfslock);
	int m = mountof(path);
	release(&nfslock);
	return m >= 0;
}

static int nfs_mount(u32 host, const char *path)
{
	u32 n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (path[0] != '/' || n < 2 || host >= net_hosts() || !net_present())
		return -1;
	acquire(&nfslock);
	int free = -1;
	for (int i = 0; i < NMOUNT; i++) {
		if (mounts[i].len == n && strncmp(mounts[i].path, path, n) == 0) {
			mounts[i].host = host;	/* mounted again: maybe from another host */
			release(&nfslock);
			return 0;
		}
		if (!mounts[i].len && free < 0)
			free = i;
	}
	if (free >= 0) {
		memmove(mounts[free].path, path, n);
		mounts[free].path[n] = 0;
		mounts[free].len = n;
		mounts[free].host = host;
	}
	release(&nfslock);
	return free >= 0 ? 0 : -1;
}

static int is_reply(struct netmsg *m, void *arg)
{
	struct nfsmsg *q = arg, *r = (struct nfsmsg *)m->hdr;
	return m->hlen == sizeof(struct nfsmsg) && r->op == (q->op | NFS_REPLY) && r->xid == q->xid;
}

/*
 * Transaction ids of the calls waiting for a reply (0: free), so that a late reply to a call
 * that was sent again and already answered can be recognised and thrown away.
 */
static u32 pending[NPENDING];
static int resent;	/* a request was ever sent again: late duplicate replies may exist */

static int is_stale_reply(struct netmsg *m, void *arg)
{
	(void)arg;
	struct nfsmsg *r = (struct nfsmsg *)m->hdr;
	if (m->hlen != sizeof(struct nfsmsg) || !(r->op & NFS_REPLY))
		return 0;
	for (int i = 0; i < NPENDING; i++)
		if (pending[i] == r->xid)
			return 0;
	return 1;
}

/*
 * Send request q to host and wait for its reply; the reply message, or 0. Without a reply
 * within the timeout (NFS_TIMEOUT ticks, doubling up to NFS_TIMEOUT_MAX) the request is sent
 * again, like an NFS hard mount: a slow server, or one whose nfsd has not started yet, is
 * waited for; a server VM that stopped makes the next send fail (the subnet's EHOSTUNREACH),
 * so its clients get errors instead of waiting forever for replies to requests it took with
 * it. Requests are idempotent (LOOKUP, READ; the server counts a client's BYE once), so
 * answering one twice does no harm.
 */
static struct netmsg *nfs_call(u32 host, struct nfsmsg *q)
{
	q->xid = __sync_add_and_fetch(&nextxid, 1);
	int slot = -1;
	acquire(&nfslock);
	for (int i = 0; i < NPENDING && slot < 0; i++)
		if (!pending[i])
			slot = i;
	if (slot >= 0)
		pending[slot] = q->xid;
	release(&nfslock);
	struct netmsg *m = 0;
	for (u32 t = 0, timeout = NFS_TIMEOUT; !m; t++) {
		if (t > 0) {
			__sync_fetch_and_add(&nst.retries, 1);
			resent = 1;
			if (timeout < NFS_TIMEOUT_MAX)
				timeout *= 2;
		}
		if (net_send(host, q, sizeof *q, 0, 0) < 0)
			break;
		u32 deadline = ticks + timeout;
		if (!deadline)
			deadline = 1;
		while ((m = net_wait_until(is_reply, q, deadline)) != 0 && m->src != host)
			net_done(m);	/* same xid from another host: not ours */
		if (!m && killed(myproc()))
			break;
	}
	acquire(&nfslock);
	if (slot >= 0)
		pending[slot] = 0;
	release(&nfslock);
	if (resent)
		net_drop(is_stale_reply, 0);
	return m;
}

/* open() of a path under a mount point: look it up on the server. 0, or -1. */
int nfs_open(struct file *f, const char *path, int omode)
{
	if (omode & (O_WRONLY | O_RDWR | O_CREATE | O_TRUNC | O_APPEND))
		return -1;	/* the export is read-only */
	acquire(&nfslock);
	int mi = mountof(path);
	u32 host = mi >= 0 ? mounts[mi].host : 0;
	release(&nfslock);
	if (mi < 0)
		return -1;
	struct nfsmsg q;
	memset(&q, 0, sizeof q);
	q.op = NFS_LOOKUP;
	safestrcpy(q.path, path, sizeof q.path);
	__sync_fetch_and_add(&nst.lookups, 1);
	struct netmsg *m = nfs_call(host, &q);
	if (!m)
		return -1;
	struct nfsmsg r = *(struct nfsmsg *)m->hdr;
	net_done(m);
	if (r.status != 0)
		return -1;
	acquire(&nfslock);
	struct nfsfile *e = 0;
	for (int i = 0; i < NFILE && !e; i++)
		if (!nfiles[i].f || nfiles[i].f == f || nfiles[i].f->type != FD_NFS)
			e = &nfiles[i];
	e->f = f;
	e->host = host;
	e->handle = r.handle;
	e->gen = r.gen;
	e->size = r.type == T_FILE ? r.size : 0;
	f->type = FD_NFS;
	f->off = 0;
	f->readable = 1;
	f->writable = 0;
	f->append = 0;
	release(&nfslock);
	return 0;
}

static struct nfsfile *nfsfile(struct file *f)
{
	for (int i = 0; i < NFILE; i++)
		if (nfiles[i].f == f)
			return &nfiles[i];
	return 0;
}

/* The cached page of (e, block), fetched from the server on a miss; 0 on failure. Holds nfslock on return. */
static struct cpage *getpage(struct nfsfile *e, u32 block)
{
	acquire(&nfslock);
	for (int i = 0; i < NCACHE; i++) {
		struct cpage *c = &cache[i];
		if (c->page && c->host == e->host && c->handle == e->handle && c->gen == e->gen && c->block == block) {
			c->used = ++lruclock;
			nst.hits++;
			return c;
		}
	}
	u32 host = e->host, handle = e->handle, gen = e->gen;
	release(&nfslock);
	struct nfsmsg q;
	memset(&q, 0, sizeof q);
	q.op = NFS_READ;
	q.handle = handle;
	q.gen = gen;
	q.offset = block * BSIZE;
	struct netmsg *m = nfs_call(host, &q);
	if (!m)
		return 0;
	struct nfsmsg r = *(struct nfsmsg *)m->hdr;
	void *page = 0;
	if (r.status == 0) {
		page = m->page;	/* the server's page, remapped by the monitor */
		m->page = 0;
		if (!page)
			page = kzalloc();	/* a hole */
	}
	net_done(m);
	if (!page)
		return 0;
	acquire(&nfslock);
	nst.reads++;
	struct cpage *victim = &cache[0];
	for (int i = 0; i < NCACHE; i++) {
		struct cpage *c = &cache[i];
		if (c->page && c->host == host && c->handle == handle && c->gen == gen && c->block == block) {
			net_free_page(page);	/* someone else fetched it meanwhile */
			c->used = ++lruclock;
			return c;
		}
		if (!c->page || (victim->page && c->used < victim->used))
			victim = c;
	}
	if (victim->page)
		net_free_page(victim->page);
	victim->page = page;
	victim->host = host;
	victim->handle = handle;
	victim->gen = gen;
	victim->block = block;
	victim->used = ++lruclock;
	return victim;
}

/* read() of an FD_NFS file: through the page cache. */
int nfs_read(struct file *f, u32 addr, int n)
{
	acquire(&nfslock);
	struct nfsfile *e = nfsfile(f);
	struct nfsfile copy = e ? *e : (struct nfsfile){ 0, 0, 0, 0, 0 };
	release(&nfslock);
	if (!e || n < 0)
		return -1;
	int done = 0;
	while (done < n && f->off < copy.size) {
		u32 off = f->off, in = off % BSIZE;
		u32 m = BSIZE - in;
		if (m > (u32)(n - done))
			m = n - done;
		if (m > copy.size - off)
			m = copy.size - off;
		struct cpage *c = getpage(&copy, off / BSIZE);
		if (!c)
			return done ? done : -1;
		/* a reference keeps the page while copyout (which may fault) runs without nfslock */
		void *pg = c->page;
		kref(pg);
		release(&nfslock);
		int r = copyout(myproc(), addr + done, (u8 *)pg + in, m);
		net_free_page(pg);
		if (r < 0)
			return -1;
		f->off += m;
		done += m;
	}
	return done;
}

int nfs_stat(struct file *f, u32 addr)
{
	acquire(&nfslock);
	struct nfsfile *e = nfsfile(f);
	struct stat st;
	memset(&st, 0, sizeof st);
	st.type = T_FILE;
	st.nlink = 1;
	if (e) {
		st.ino = e->handle;
		st.size = e->size;
	}
	release(&nfslock);
	return copyout(myproc(), addr, &st, sizeof st);
}

/* The network system calls (syscall.h SYS_netinfo..SYS_nfsbye). */
int nfs_syscall(u32 num)
{
	char path[MAXPATH];
	switch (num) {
	case SYS_netinfo: {
		int sel = argint(0);
		switch (sel) {
		case 7: return nst.lookups;
		case 8: return nst.reads;
		case 9: return nst.hits;
		case 10: return nst.served;
		case 11: return nst.retries;
		default: return net_info(sel);
		}
	}
	case SYS_nfsd:
		return nfs_serve(argint(0));
	case SYS_nfsmount:
		if (argstr(1, path, sizeof path) < 0)
			return -1;
		return nfs_mount(argint(0), path);
	case SYS_nfsbye: {
		u32 host = argint(0);
		if (!net_present() || host >= net_hosts())
			return -1;
		struct nfsmsg q;
		memset(&q, 0, sizeof q);
		q.op = NFS_BYE;
		struct netmsg *m = nfs_call(host, &q);
		if (!m)
			return -1;
		net_done(m);
		return 0;
	}
	}
	return -1;
}
