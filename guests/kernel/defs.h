/* Kernel-wide declarations, by file. */
#ifndef KERNEL_DEFS_H
#define KERNEL_DEFS_H

struct buf;
struct context;
struct cpu;
struct file;
struct inode;
struct proc;
struct spinlock;
struct sleeplock;
struct stat;
struct superblock;
struct trapframe;

/* bio.c */
void binit(void);
struct buf *bread(u32 dev, u32 blockno);
void bread_page(u32 dev, u32 blockno, void *page);
struct buf *bzeroed(u32 dev, u32 blockno);
void bwrite(struct buf *b);
void brelse(struct buf *b);

/* console.c */
void consputc(int c);
int consolewrite(int user, u32 src, int n);
int consoleread(int user, u32 dst, int n);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
extern volatile int panicked;

/* entry.S */
void swtch(struct context *old, struct context *new);
void trapret_to(struct trapframe *tf) __attribute__((noreturn));
int peek32(u32 addr, u32 *val);

/* exec.c */
int exec(const char *path, char **argv);

/* file.c */
void fileinit(void);
struct file *filealloc(void);
struct file *filedup(struct file *f);
void fileclose(struct file *f);
int filestat(struct file *f, u32 addr);
int fileread(struct file *f, u32 addr, int n);
int filewrite(struct file *f, u32 addr, int n);
int fileseek(struct file *f, int off, int whence);

/* fs.c */
void fsinit(u32 dev);
struct inode *ialloc(u32 dev, u16 type);
struct inode *idup(struct inode *ip);
void ilock(struct inode *ip);
void iunlock(struct inode *ip);
void iput(struct inode *ip);
void iunlockput(struct inode *ip);
void iupdate(struct inode *ip);
void itrunc(struct inode *ip);
void stati(struct inode *ip, struct stat *st);
int readi(struct inode *ip, int user, u32 dst, u32 off, u32 n);
int readi_page(struct inode *ip, u32 off, void *page);
struct inode *iget_inuse(u32 dev, u32 inum);
int writei(struct inode *ip, int user, u32 src, u32 off, u32 n);
int namecmp(const char *s, const char *t);
struct inode *dirlookup(struct inode *dp, const char *name, u32 *poff);
int dirlink(struct inode *dp, const char *name, u32 inum);
struct inode *namei(const char *path);
struct inode *nameiparent(const char *path, char *name);
void fsstats(u32 *nfree);

/* kalloc.c */
void kinit(u32 start_pa, u32 end_pa);
void *kalloc(void);
void *kzalloc(void);
void kfree(void *va);
void kref(void *va);
u32 krefcount(u32 pa);
u32 kfreepages(void);

/* machine.c */
extern int machine_monitor;
extern u32 memsize;
void machine_probe(void);
int machine_ncpu(void);
int machine_node(void);
void machine_start_cpu(int id, u32 pc, u32 sp, u32 arg);
void machine_ipi(int cpu);
void machine_ipi_ack(void);
void machine_halt(int code) __attribute__((noreturn));
int bootargs(u32 argc, u32 argv, char **words, int max);

/* net.c */
struct netmsg;
void net_init(void);
void net_intr(void);
int net_present(void);
u32 net_addr(void);
u32 net_hosts(void);
int net_send(u32 dst, const void *hdr, u32 hlen, const void *data, u32 dlen);
struct netmsg *net_wait(int (*match)(struct netmsg *, void *), void *arg);
struct netmsg *net_wait_until(int (*match)(struct netmsg *, void *), void *arg, u32 deadline);
int net_drop(int (*match)(struct netmsg *, void *), void *arg);
void net_tick(u32 now);
void net_done(struct netmsg *m);
void net_free_page(void *page);
int net_info(int sel);

/* nfs.c */
void nfs_init(void);
int nfs_mounted(const char *path);
int nfs_open(struct file *f, const char *path, int omode);
int nfs_read(struct file *f, u32 addr, int n);
int nfs_stat(struct file *f, u32 addr);
int nfs_syscall(u32 num);

/* proc.c */
void procinit(void);
void userinit(char **argv);
struct proc *myproc(void);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(u32 addr);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
void sleep(void *chan, struct spinlock *lk);
void wakeup(void *chan);
int kill(int pid);
int killed(struct proc *p);
void setkilled(struct proc *p, const char *why, u32 addr);
int growproc(int n);
int pin(int cpu);
int nproc_used(void);
void kick_idle(struct proc *p);
extern struct spinlock tickslock;
extern u32 ticks;

/* sleeplock.c */
void initsleeplock(struct sleeplock *lk, const char *name);
void acquiresleep(struct sleeplock *lk);
void releasesleep(struct sleeplock *lk);
int holdingsleep(struct sleeplock *lk);

/* spinlock.c */
void initlock(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
int holding(struct spinlock *lk);
void push_off(void);
void pop_off(void);

/* string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
char *safestrcpy(char *d, const char *s, int n);
void copypage(void *d, const void *s);
void zeropage(void *d);

/* syscall.c */
void syscall(struct trapframe *tf);
int argint(int n);
u32 argaddr(int n);
int argstr(int n, char *buf, int max);
int fetchaddr(u32 addr, u32 *ip);
int fetchstr(u32 addr, char *buf, int max);

/* tlb.c */
void tlb_init_cpu(struct cpu *c);
void switch_uvm(struct proc *p);
void tlb_refresh(struct proc *p, u32 va);
void tlb_new_asid(struct proc *p);

/* trap.c */
void trap(struct trapframe *tf);
void trap_vm_vectors(void);
void timer_init(void);

void machine_give_back(u32 pa);

/* hcdisk.c: the disk through monitor calls (under the monitor) */
void hcdisk_init(void);
void hcdisk_rw(struct buf *b, int write);
void hcdisk_read_page(u32 blockno, void *page);
int hcdisk_flush(void);

/* virtio_disk.c */
void virtio_disk_init(void);
void virtio_disk_rw(struct buf *b, int write);
void virtio_disk_intr(void);

/* vm.c */
void vminit(void);
struct vmspace;
int vm_alloc(struct vmspace *vm);
void vm_free(struct vmspace *vm);
u32 *walk(struct vmspace *vm, u32 va, int alloc);
int uvm_copy(struct proc *parent, struct proc *child);
int uvm_fault(struct proc *p, u32 va, int write);
int uvm_check(struct proc *p, u32 va, int n);
void uvm_unmap(struct proc *p, u32 start, u32 end);
void *uva2ka(struct proc *p, u32 va, int write);
int copyout(struct proc *p, u32 dst, const void *src, u32 len);
int copyin(struct proc *p, void *dst, u32 src, u32 len);
int copyinstr(struct proc *p, char *dst, u32 src, u32 max);
int either_copyout(int user, u32 dst, const void *src, u32 len);
int either_copyin(void *dst, int user, u32 src, u32 len);
extern u32 zero_pt_lo;

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

#endif
