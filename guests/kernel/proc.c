/*
 * Processes and the scheduler.
 *
 * Locking: ptable.lock protects every process's state, chan, parent, killed and xstate, and
 * is held across swtch into and out of the scheduler (sleep/wakeup rely on that). A CPU runs
 * a process's kernel code only while the process is RUNNING on it. One run queue (the table,
 * scanned round-robin); a process pinned to a CPU runs only there.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "fs.h"
#include "file.h"
#include "defs.h"

struct cpu cpus[NCPU] __attribute__((aligned(PGSIZE)));
int ncpu = 1;
struct proc proc[NPROC];
/* page aligned: under the monitor a free slot's stack pages go back to it (freeproc) */
static u8 kstacks[NPROC][KSTACKSIZE] __attribute__((aligned(PGSIZE)));

static struct spinlock ptable_lock;
static struct proc *initproc;
static int nextpid = 1;
static char *init_argv[MAXARG + 1];

struct spinlock tickslock;
u32 ticks;

/* forkret's first call in the first process mounts the file system (it sleeps on the disk) */
static int first = 1;

static void forkret(void);

void procinit(void)
{
	initlock(&ptable_lock, "ptable");
	initlock(&tickslock, "ticks");
	for (int i = 0; i < NPROC; i++)
		proc[i].kstack = kstacks[i];
}

struct proc *myproc(void)
{
	push_off();
	struct proc *p = mycpu()->proc;
	pop_off();
	return p;
}

/*
 * Take an UNUSED slot: pid, page directory, kernel stack with a trap frame at its top and a
 * context that starts in forkret. Returns with ptable.lock held, or 0.
 */
static struct proc *allocproc(void)
{
	struct proc *p;
	acquire(&ptable_lock);
	for (p = proc; p < &proc[NPROC]; p++)
		if (p->state == UNUSED)
			goto found;
	release(&ptable_lock);
	return 0;
found:
	p->pid = nextpid++;
	p->state = USED;
	if (vm_alloc(&p->vm) < 0) {
		p->state = UNUSED;
		release(&ptable_lock);
		return 0;
	}
	p->killed = 0;
	p->xstate = 0;
	p->pin = -1;
	p->chan = 0;
	p->parent = 0;
	p->brk = p->heap_base = USER_TEXT;
	p->npages = 0;
	for (int i = 0; i < NCPU; i++)
		p->asid_gen[i] = 0;
	p->tf = (struct trapframe *)(p->kstack + KSTACKSIZE - TF_SIZE);
	memset(&p->context, 0, sizeof p->context);
	p->context.ra = (u32)forkret;
	p->context.sp = (u32)p->tf;
	return p;
}

/*
 * Free a slot (ptable.lock held): address space and identity. The slot's process no longer
 * runs on its kernel stack (a zombie switched away holding ptable.lock), so under the
 * monitor the stack's pages go back to it: a dead process's stack would otherwise cost a
 * machine page per page it once touched, for as long as the slot stays unused.
 */
static void freeproc(struct proc *p)
{
	if (p->vm.pgdir)
		vm_free(&p->vm);
	if (machine_monitor)
		for (u32 off = 0; off < KSTACKSIZE; off += PGSIZE)
			machine_give_back(V2P(p->kstack + off));
	p->pid = 0;
	p->parent = 0;
	p->name[0] = 0;
	p->chan = 0;
	p->killed = 0;
	p->xstate = 0;
	p->state = UNUSED;
}

/* The first process: it will exec /init with argv (in forkret, once the disk is up). */
void userinit(char **argv)
{
	int i;
	for (i = 0; argv[i] && i < MAXARG; i++)
		init_argv[i] = argv[i];
	init_argv[i] = 0;
	struct proc *p = allocproc();
	if (!p)
		panic("userinit");
	initproc = p;
	safestrcpy(p->name, "init", sizeof p->name);
	/* user mode, interrupts on, at exception level until trapret's eret */
	p->tf->status = ST_IM_KERNEL | ST_KSU_USER | ST_EXL | ST_IE;
	p->state = RUNNABLE;
	release(&ptable_lock);
}

int fork(void)
{
	struct proc *p = myproc();
	struct proc *np = allocproc();
	if (!np)
		return -1;
	release(&ptable_lock);
	if (uvm_copy(p, np) < 0) {
		acquire(&ptable_lock);
		freeproc(np);
		release(&ptable_lock);
		return -1;
	}
	np->brk = p->brk;
	np->heap_base = p->heap_base;
	*np->tf = *p->tf;
	np->tf->regs[R_V0] = 0;	/* the child's fork returns 0 */
	for (int i = 0; i < NOFILE; i++)
		if (p->ofile[i])
			np->ofile[i] = filedup(p->ofile[i]);
	np->cwd = idup(p->cwd);
	np->pin = p->pin;
	safestrcpy(np->name, p->name, sizeof np->name);
	int pid = np->pid;
	acquire(&ptable_lock);
	np->parent = p;
	np->state = RUNNABLE;
	kick_idle(np);
	release(&ptable_lock);
	return pid;
}

/* Give p's children to init (ptable.lock held). */
static void reparent(struct proc *p)
{
	for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
		if (pp->parent == p) {
			pp->parent = initproc;
			if (pp->state == ZOMBIE)
				wakeup(initproc);
		}
	}
}

/*
 * Exit: close files, become a zombie for the parent's wait. When init exits, the run is
 * over: the machine halts with init's status (the workload's status, see user/init.c).
 */
void exit(int status)
{
	struct proc *p = myproc();
	for (int fd = 0; fd < NOFILE; fd++) {
		if (p->ofile[fd]) {
			fileclose(p->ofile[fd]);
			p->ofile[fd] = 0;
		}
	}
	if (p->cwd) {
		iput(p->cwd);
		p->cwd = 0;
	}
	if (p == initproc) {
		printf("kernel: init exited with status %d; halting\n", status);
		machine_halt(status);
	}
	acquire(&ptable_lock);
	reparent(p);
	wakeup(p->parent);
	p->xstate = status;
	p->state = ZOMBIE;
	sched();
	panic("zombie exit");
}

/* Wait for a child to exit; store its status at user address addr (if not 0). */
int wait(u32 addr)
{
	struct proc *p = myproc();
	acquire(&ptable_lock);
	for (;;) {
		int kids = 0;
		for (struct proc *pp = proc; pp < &proc[NPROC]; pp++) {
			if (pp->parent != p)
				continue;
			kids = 1;
			if (pp->state == ZOMBIE) {
				int pid = pp->pid;
				int xs = pp->xstate;
				freeproc(pp);
				release(&ptable_lock);
				if (addr && copyout(p, addr, &xs, sizeof xs) < 0) {
					setkilled(p, "bad status pointer in wait", addr);
					return -1;
				}
				return pid;
			}
		}
		if (!kids || p->killed) {
			release(&ptable_lock);
			return -1;
		}
		sleep(p, &ptable_lock);
	}
}

/*
 * Per-CPU scheduler loop: run RUNNABLE processes round-robin; with nothing to run, sleep in
 * `wait` until an interrupt (the CPU then skips simulated time to the next timer tick).
 */
void scheduler(void)
{
	struct cpu *c = mycpu();
	c->proc = 0;
	for (;;) {
		intr_on();	/* take pending device interrupts before deciding */
		int found = 0;
		acquire(&ptable_lock);
		for (struct proc *p = proc; p < &proc[NPROC]; p++) {
			if (p->state != RUNNABLE || (p->pin >= 0 && p->pin != c->id))
				continue;
			p->state = RUNNING;
			c->proc = p;
			switch_uvm(p);
			c->ctxsw++;
			swtch(&c->context, &p->context);
			c->proc = 0;
			c->pgdir = 0;
			mtc0(10, 0, 0);
			found = 1;
		}
		if (!found)
			c->idle = 1;	/* under ptable.lock: kick_idle sees it before we sleep */
		release(&ptable_lock);
		if (!found) {
			u32 t0 = read_count();
			intr_on();
			__asm__ __volatile__("wait" ::: "memory");
			c->idle_cycles += 2ull * (u32)(read_count() - t0);
			c->idle = 0;
		}
	}
}

/* Switch to the scheduler. Hold only ptable.lock; p->state already changed. */
void sched(void)
{
	struct proc *p = myproc();
	struct cpu *c = mycpu();
	if (!holding(&ptable_lock))
		panic("sched: ptable.lock not held");
	if (c->noff != 1)
		panic("sched: locks held (noff %d)", c->noff);
	if (p->state == RUNNING)
		panic("sched: running");
	if (intr_get())
		panic("sched: interrupts on");
	int intena = c->intena;
	swtch(&p->context, &c->context);
	mycpu()->intena = intena;
}

void yield(void)
{
	struct proc *p = myproc();
	acquire(&ptable_lock);
	p->state = RUNNABLE;
	kick_idle(p);	/* another CPU may run it (or must: pin) */
	sched();
	release(&ptable_lock);
}

/* A new process's first scheduling lands here, then returns to user mode. */
static void forkret(void)
{
	release(&ptable_lock);
	struct proc *p = myproc();
	if (first) {
		first = 0;
		/* the file system needs a process context: reading the disk sleeps */
		fsinit(ROOTDEV);
		p->cwd = namei("/");
		struct file *f = filealloc();
		if (!f)
			panic("forkret: no console file");
		f->type = FD_CONSOLE;
		f->readable = f->writable = 1;
		p->ofile[0] = f;
		p->ofile[1] = filedup(f);
		p->ofile[2] = filedup(f);
		if (exec("/init", init_argv) < 0)
			panic("cannot exec /init");
	}
	trapret_to(p->tf);
}

/* Sleep on chan, releasing lk meanwhile; reacquires lk before returning. */
void sleep(void *chan, struct spinlock *lk)
{
	struct proc *p = myproc();
	if (lk != &ptable_lock) {
		acquire(&ptable_lock);
		release(lk);
	}
	p->chan = chan;
	p->state = SLEEPING;
	sched();
	p->chan = 0;
	if (lk != &ptable_lock) {
		release(&ptable_lock);
		acquire(lk);
	}
}

/*
 * p just became runnable (ptable.lock held): if this CPU is busy, interrupt one CPU that
 * sleeps in wait so that it runs p (the one p is pinned to, if any). An idle CPU that woke p
 * (from an interrupt) runs it itself.
 */
void kick_idle(struct proc *p)
{
	struct cpu *c = mycpu();
	if (p->pin >= 0) {
		if (p->pin != c->id && cpus[p->pin].idle) {
			cpus[p->pin].idle = 0;
			machine_ipi(p->pin);
		}
		return;
	}
	if (!c->proc)
		return;
	for (int i = 0; i < ncpu; i++) {
		if (i != c->id && cpus[i].idle) {
			cpus[i].idle = 0;	/* the next kick picks another CPU */
			machine_ipi(i);
			return;
		}
	}
}

/* Wake every process sleeping on chan. Callers may or may not hold ptable.lock. */
void wakeup(void *chan)
{
	int locked = holding(&ptable_lock);
	if (!locked)
		acquire(&ptable_lock);
	for (struct proc *p = proc; p < &proc[NPROC]; p++) {
		if (p->state == SLEEPING && p->chan == chan) {
			p->state = RUNNABLE;
			kick_idle(p);
		}
	}
	if (!locked)
		release(&ptable_lock);
}

/* Mark process pid killed; it exits at its next return to user mode. */
int kill(int pid)
{
	acquire(&ptable_lock);
	for (struct proc *p = proc; p < &proc[NPROC]; p++) {
		if (p->pid == pid && p->state != UNUSED) {
			p->killed = 1;
			if (p->state == SLEEPING)
				p->state = RUNNABLE;
			release(&ptable_lock);
			return 0;
		}
	}
	release(&ptable_lock);
	return -1;
}

int killed(struct proc *p)
{
	acquire(&ptable_lock);
	int k = p->killed;
	release(&ptable_lock);
	return k;
}

/* Kill p for a fault of its own, with one line on the console saying why. */
void setkilled(struct proc *p, const char *why, u32 addr)
{
	printf("pid %d %s: %s 0x%x; killed\n", p->pid, p->name, why, addr);
	acquire(&ptable_lock);
	p->killed = 1;
	release(&ptable_lock);
}

/* sbrk: grow (demand-zero, nothing allocated now) or shrink the heap by n bytes. */
int growproc(int n)
{
	struct proc *p = myproc();
	u32 old = p->brk;
	u32 nb = old + n;
	if (n > 0 && (nb < old || nb > USTACK_TOP - USTACK_MAX))
		return -1;
	if (n < 0) {
		if (nb > old || nb < p->heap_base)
			return -1;
		uvm_unmap(p, nb, old);
	}
	p->brk = nb;
	return 0;
}

/* Pin the calling process to CPU cpu (-1: any CPU) and move there. */
int pin(int cpu)
{
	if (cpu < -1 || cpu >= ncpu)
		return -1;
	struct proc *p = myproc();
	p->pin = cpu;
	if (cpu >= 0 && cpu != mycpu()->id)
		yield();
	return 0;
}

int nproc_used(void)
{
	int n = 0;
	acquire(&ptable_lock);
	for (struct proc *p = proc; p < &proc[NPROC]; p++)
		if (p->state != UNUSED)
			n++;
	release(&ptable_lock);
	return n;
}
