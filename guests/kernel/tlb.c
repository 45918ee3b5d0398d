/*
 * The TLB and ASIDs (MIPS32 PRA chapter 4).
 *
 * Entries 0 .. wired-1 are fixed: the window pairs written by the boot stub, then this CPU's
 * PDA. The rest are replaced at random by the refill handler (tlbwr). Each CPU hands out
 * ASIDs 1..255 in generations; a process carries (asid, generation) per CPU and gets a fresh
 * ASID when its generation is stale. Running out of ASIDs flushes the non-wired entries and
 * starts a new generation, so a process's stale translations are dropped by changing its
 * ASID, never by searching the TLB. ASID 0 is the kernel's (no user mappings).
 *
 * All functions run with interrupts off (they use EntryHi, which the CPU also writes on TLB
 * exceptions and which holds the running process's ASID).
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "cp0.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "defs.h"

#define ASID_MAX	255

static inline void tlbwi(void) { __asm__ __volatile__("tlbwi\n\tehb" ::: "memory"); }
static inline void tlbp(void) { __asm__ __volatile__("tlbp\n\tehb" ::: "memory"); }

/*
 * The TLB staging registers. Under the disco monitor Index, EntryLo0/1 and PageMask are
 * read-write slots of the privileged-register page and EntryHi a read-only one
 * (docs/monitor.md): a store there is taken by the monitor at the next trap, which is the
 * tlbwi/tlbp that uses it, so only EntryHi writes and the TLB instructions themselves trap
 * (Disco section 4.2.1). On the bare machine these are mtc0/mfc0.
 */
#define PRIV_ENTRYHI	(0x10 / 4)
#define PRIV_ENTRYLO0	(0x14 / 4)
#define PRIV_ENTRYLO1	(0x18 / 4)
#define PRIV_INDEX	(0x1C / 4)
#define PRIV_PAGEMASK	(0x20 / 4)

static inline void set_index(u32 v) { if (machine_monitor) PRIV_PAGE[PRIV_INDEX] = v; else mtc0(0, 0, v); }
static inline void set_lo0(u32 v) { if (machine_monitor) PRIV_PAGE[PRIV_ENTRYLO0] = v; else mtc0(2, 0, v); }
static inline void set_lo1(u32 v) { if (machine_monitor) PRIV_PAGE[PRIV_ENTRYLO1] = v; else mtc0(3, 0, v); }
static inline void set_mask(u32 v) { if (machine_monitor) PRIV_PAGE[PRIV_PAGEMASK] = v; else mtc0(5, 0, v); }
static inline u32 get_index(void) { return machine_monitor ? PRIV_PAGE[PRIV_INDEX] : mfc0(0, 0); }
static inline u32 get_entryhi(void) { return machine_monitor ? PRIV_PAGE[PRIV_ENTRYHI] : mfc0(10, 0); }

/* Write entry i; EntryHi's ASID is restored by the callers that care. */
static void tlb_write(u32 i, u32 hi, u32 lo0, u32 lo1, u32 mask)
{
	set_index(i);
	mtc0(10, 0, hi);
	set_lo0(lo0);
	set_lo1(lo1);
	set_mask(mask);
	tlbwi();
	set_mask(0);
}

/* An entry that can never match: a distinct VPN2 in (unmapped) kseg0 per index. */
static void tlb_invalidate(u32 i)
{
	tlb_write(i, 0x80000000u + (i << 13), 0, 0, 0);
}

/*
 * Per-CPU setup after the boot stub: map this CPU's PDA at PDA_VA with a wired global entry
 * after the window entries, point Context at the VPT, let user code read the cycle counter
 * (rdhwr CC, CCRes, CPUNum), start ASID generation 1.
 */
void tlb_init_cpu(struct cpu *c)
{
	u32 w = mfc0(6, 0);	/* the window pairs the stub wired (0 under a monitor) */
	c->self = c;
	c->tlbsize = ((mfc0(16, 1) >> 25) & 0x3f) + 1;
	tlb_write(w, PDA_VA, PA2PTE(V2P(c)) | PTE_C_CACHED | PTE_D | PTE_V | PTE_G, PTE_G, 0);
	c->wired = w + 1;
	mtc0(6, 0, c->wired);
	mtc0(4, 0, VPT_BASE);	/* Context.PTEBase */
	mtc0(7, 0, (1u << 0) | (1u << 2) | (1u << 3));
	mtc0(10, 0, 0);
	c->asid_gen = 1;
	c->asid_next = 1;
}

/* Invalidate every non-wired entry (ASID wrap). */
static void tlb_flush_user(struct cpu *c)
{
	u32 hi = get_entryhi();
	for (u32 i = c->wired; i < c->tlbsize; i++)
		tlb_invalidate(i);
	mtc0(10, 0, hi);
	c->tlbflush++;
}

/* Make p's address space current on this CPU: ASID, page directory, kernel stack. */
void switch_uvm(struct proc *p)
{
	struct cpu *c = mycpu();
	int id = c->id;
	if (p->asid_gen[id] != c->asid_gen) {
		if (c->asid_next > ASID_MAX) {
			tlb_flush_user(c);
			c->asid_gen++;
			c->asid_next = 1;
		}
		p->asid[id] = c->asid_next++;
		p->asid_gen[id] = c->asid_gen;
	}
	c->pgdir = (u32)p->vm.pgdir;
	c->kstack = (u32)p->kstack + KSTACKSIZE;
	mtc0(10, 0, p->asid[id]);
}

/*
 * p's translations changed wholesale (fork made pages copy-on-write, exec or sbrk replaced
 * or removed pages): forget its ASIDs everywhere; if it runs here, give it a fresh one now.
 */
void tlb_new_asid(struct proc *p)
{
	push_off();
	for (int i = 0; i < NCPU; i++)
		p->asid_gen[i] = 0;
	if (mycpu()->proc == p)
		switch_uvm(p);
	pop_off();
}

/* If entry pair `hi` (VPN2 | ASID) is in this TLB, rewrite its EntryLo pair. */
static void tlb_rewrite(u32 hi, u32 lo0, u32 lo1)
{
	u32 old = get_entryhi();
	mtc0(10, 0, hi);
	tlbp();
	u32 idx = get_index();
	if (!(idx & INDEX_P)) {
		set_lo0(lo0 & PTE_HW);
		set_lo1(lo1 & PTE_HW);
		set_mask(0);
		tlbwi();
	}
	/* Only EntryHi's ASID matters afterwards (the VPN2 comes from the next TLB exception):
	   under the monitor, where the restore traps, it is skipped when the ASID is the same. */
	if (!machine_monitor || ((old ^ hi) & 0xff))
		mtc0(10, 0, old);
}

/*
 * The PTE for user address va of p changed (or the page-table page covering it was just
 * installed): bring this CPU's TLB up to date, and make other CPUs' copies stale.
 */
void tlb_refresh(struct proc *p, u32 va)
{
	push_off();
	struct cpu *c = mycpu();
	for (int i = 0; i < NCPU; i++)
		if (i != c->id)
			p->asid_gen[i] = 0;
	if (c->proc == p && p->asid_gen[c->id] == c->asid_gen) {
		u32 asid = p->asid[c->id];
		/* the user page pair */
		u32 *pte = walk(&p->vm, va & ~0x1fffu, 0);
		if (pte)
			tlb_rewrite((va & ~0x1fffu) | asid, pte[0], pte[1]);
		/* the VPT page pair that maps its page table (pgdir entries 2k, 2k+1) */
		u32 k = PDX(va) & ~1u;
		tlb_rewrite((VPT_BASE + (k << 12)) | asid, p->vm.pgdir[k], p->vm.pgdir[k + 1]);
	}
	pop_off();
}
