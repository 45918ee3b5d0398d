/*
 * Physical page allocator: a stack of free 4 KiB pages and a reference count per physical
 * page, so that copy-on-write pages can be shared by several page tables. The free stack
 * holds page numbers in its own array (after the reference counts), not links inside the
 * free pages: under the monitor a freed page is given back and must not be written again,
 * or every free page would cost the VM a machine page holding nothing but a pointer.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "defs.h"

static struct {
	struct spinlock lock;
	u16 *stack;	/* free page numbers (pa >> PGSHIFT), LIFO */
	u32 nstack;
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
	kmem.stack = kmem.ref + npages;	/* written only as pages are freed */
	kmem.nstack = 0;
	start_pa = PGROUNDUP(start_pa + 2 * npages * sizeof(u16));
	memset(kmem.ref, 0, npages * sizeof(u16));
	kmem.base = start_pa;
	kmem.end = PGROUNDDOWN(end_pa);
	/*
	 * Pages never handed out stay untouched and are taken in ascending order after the
	 * free stack is empty: the same order as a stack pushed from the top down, but under
	 * the monitor an unused guest page then costs no machine page (docs/disks.md).
	 */
	kmem.fresh = start_pa < kmem.end ? start_pa : kmem.end;
	kmem.nfree = (kmem.end - kmem.fresh) >> PGSHIFT;
}

/* One page, reference count 1, contents undefined; 0 when memory is exhausted. */
void *kalloc(void)
{
	acquire(&kmem.lock);
	void *r = 0;
	if (kmem.nstack > 0) {
		r = P2V((u32)kmem.stack[--kmem.nstack] << PGSHIFT);
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
		kmem.stack[kmem.nstack++] = pa >> PGSHIFT;
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
