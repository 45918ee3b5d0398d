/*
 * Physical page allocator: a free list of 4 KiB pages (window addresses) and a reference
 * count per physical page, so that copy-on-write pages can be shared by several page tables.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "defs.h"

struct run {
	struct run *next;
};

static struct {
	struct spinlock lock;
	struct run *freelist;
	u32 nfree;
	u16 *ref;	/* ref[pa >> PGSHIFT] */
	u32 base;	/* first allocatable physical address */
	u32 end;	/* end of RAM */
	u32 fresh;	/* pages in [fresh, end) were never handed out (see kinit) */
} kmem;

/* Hand the pages in [start_pa, end_pa) to the allocator (after the reference counts). */
void kinit(u32 start_pa, u32 end_pa)
{
	initlock(&kmem.lock, "kmem");
	u32 npages = end_pa >> PGSHIFT;
	kmem.ref = P2V(start_pa);
	start_pa = PGROUNDUP(start_pa + npages * sizeof(u16));
	memset(kmem.ref, 0, npages * sizeof(u16));
	kmem.base = start_pa;
	kmem.end = PGROUNDDOWN(end_pa);
	/*
	 * Pages never handed out stay untouched (no free-list link written into them) and are
	 * taken in ascending order after the free list is empty: the same order as a list
	 * pushed from the top down, but under the monitor an unused guest page then costs no
	 * machine page (docs/disks.md, memory footprint).
	 */
	kmem.fresh = start_pa < kmem.end ? start_pa : kmem.end;
	kmem.nfree = (kmem.end - kmem.fresh) >> PGSHIFT;
}

/* One page, reference count 1, contents undefined; 0 when memory is exhausted. */
void *kalloc(void)
{
	acquire(&kmem.lock);
	struct run *r = kmem.freelist;
	if (r) {
		kmem.freelist = r->next;
	} else if (kmem.fresh < kmem.end) {
		r = P2V(kmem.fresh);
		kmem.fresh += PGSIZE;
	}
	if (r) {
		kmem.nfree--;
		kmem.ref[V2P(r) >> PGSHIFT] = 1;
	}
	release(&kmem.lock);
	return r;
}

void *kzalloc(void)
{
	void *p = kalloc();
	if (p)
		zeropage(p);
	return p;
}

/* Drop one reference; the page is free when none remain. */
void kfree(void *va)
{
	u32 pa = V2P(va);
	if ((pa & (PGSIZE - 1)) || pa < kmem.base || pa >= kmem.end)
		panic("kfree: bad page %p", va);
	acquire(&kmem.lock);
	u16 *rc = &kmem.ref[pa >> PGSHIFT];
	if (*rc == 0)
		panic("kfree: page %p is already free", va);
	if (--*rc == 0) {
		if (machine_monitor)
			machine_give_back(pa);	/* the machine page goes back to the monitor (machine.c) */
		struct run *r = va;
		r->next = kmem.freelist;
		kmem.freelist = r;
		kmem.nfree++;
	}
	release(&kmem.lock);
}

/* Add a reference (a page-table entry now shares the page). */
void kref(void *va)
{
	acquire(&kmem.lock);
	kmem.ref[V2P(va) >> PGSHIFT]++;
	release(&kmem.lock);
}

u32 krefcount(u32 pa)
{
	return kmem.ref[pa >> PGSHIFT];
}

u32 kfreepages(void)
{
	return kmem.nfree;
}
