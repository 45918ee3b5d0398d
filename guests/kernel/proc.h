/* Per-CPU state and processes. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

/* Registers swtch saves: the o32 callee-saved set. */
struct context {
	u32 s[8];	/* s0..s7 */
	u32 fp;		/* s8 */
	u32 sp;
	u32 ra;
};

/*
 * Per-CPU state. Each CPU's struct sits in its own page and is also mapped at PDA_VA by a
 * wired TLB entry on that CPU, so mycpu() is one load and entry.S reaches pgdir/kstack with
 * k0/k1 alone. The first three fields are at fixed offsets (trap.h PDA_*).
 */
struct cpu {
	u32 pgdir;		/* PDA_PGDIR: window address of the running process's pgdir */
	u32 kstack;		/* PDA_KSTACK: top of its kernel stack */
	u32 onfault;		/* PDA_ONFAULT: where a kernel bus error resumes (peek32), or 0 */
	struct cpu *self;	/* this struct's window address */
	int id;
	struct proc *proc;	/* running process, or 0 */
	struct context context;	/* swtch here to enter the scheduler */
	int noff;		/* depth of push_off nesting */
	int intena;		/* were interrupts enabled before push_off? */
	u32 asid_next;		/* next free ASID in this generation (1..255) */
	u32 asid_gen;		/* ASID generation; 0 is never current */
	u32 tlbsize;		/* JTLB entry pairs */
	u32 wired;		/* wired entries: window pairs, then the PDA */
	u64 idle_cycles;	/* cycles spent in wait */
	u32 ticks;		/* timer interrupts taken */
	u32 ctxsw;		/* context switches into processes */
	u32 tlbflush;		/* whole-TLB flushes (ASID wraps) */
	u32 pgfaults;		/* TLB invalid/modified faults handled */
	int node;		/* NUMA node of this CPU */
	volatile int idle;	/* asleep in wait with nothing to run (ptable.lock) */
} __attribute__((aligned(PGSIZE)));	/* one page each: the PDA maps exactly this page */

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

/* An address space: the page directory and a bitmap of its entries that have page tables. */
struct vmspace {
	u32 *pgdir;		/* window address; entries are EntryLo of page-table pages */
	u32 ptmap[NPDENTRIES / 32];
};

struct proc {
	enum procstate state;
	int pid;
	struct proc *parent;
	void *chan;		/* sleeping on chan */
	int killed;
	int xstate;		/* exit status for wait */
	int pin;		/* CPU this process must run on, or -1 */
	char name[16];
	/* address space */
	struct vmspace vm;
	u32 brk;		/* end of text/data/heap */
	u32 heap_base;		/* end of the loaded image (sbrk cannot shrink below) */
	u32 asid[NCPU];		/* ASID on each CPU ... */
	u32 asid_gen[NCPU];	/* ... valid while equal to that CPU's asid_gen */
	u32 npages;		/* resident user pages (statistics) */
	/* kernel side */
	u8 *kstack;		/* bottom of the kernel stack */
	struct trapframe *tf;	/* the user trap frame, at the top of kstack */
	struct context context;
	struct file *ofile[NOFILE];
	struct inode *cwd;
};

extern struct proc proc[NPROC];
extern struct cpu cpus[NCPU];
extern int ncpu;

/* the calling CPU's struct (through the PDA mapping) */
static inline struct cpu *mycpu(void)
{
	return ((struct cpu *)PDA_VA)->self;
}

#endif
