/*
 * User address spaces: page directories and page tables (memlayout.h explains the format),
 * demand-zero and copy-on-write faults, and copying between kernel and user memory.
 *
 * The kernel reaches user memory only through the window, after walking the page table in
 * software (uva2ka); it never dereferences kuseg addresses, so it takes no TLB faults itself.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "defs.h"

/* EntryLo of the shared all-zero page table: what pgdir holds for ranges without pages. */
u32 zero_pt_lo;

void vminit(void)
{
	void *zpt = kzalloc();
	if (!zpt)
		panic("vminit: no memory");
	zero_pt_lo = PA2PTE(V2P(zpt)) | PTE_C_CACHED | PTE_V;
}

/* A new, empty address space: every range maps the zero page table. -1 if out of memory. */
int vm_alloc(struct vmspace *vm)
{
	u32 *pd = kalloc();
	if (!pd)
		return -1;
	for (int i = 0; i < NPDENTRIES; i++)
		pd[i] = zero_pt_lo;
	vm->pgdir = pd;
	memset(vm->ptmap, 0, sizeof vm->ptmap);
	return 0;
}

/*
 * Address of the PTE for va (its even/odd word in the pair's 16-byte slot). With alloc,
 * installs a page-table page where the zero table was; otherwise returns 0 there.
 */
u32 *walk(struct vmspace *vm, u32 va, int alloc)
{
	u32 *pde = &vm->pgdir[PDX(va)];
	if (*pde == zero_pt_lo) {
		if (!alloc)
			return 0;
		u32 *pt = kzalloc();
		if (!pt)
			return 0;
		*pde = PA2PTE(V2P(pt)) | PTE_C_CACHED | PTE_V;
		vm->ptmap[PDX(va) / 32] |= 1u << (PDX(va) % 32);
	}
	u32 *pt = P2V(PTE_PA(*pde));
	return &pt[PTX(va) * 4 + ((va >> PGSHIFT) & 1)];
}

/* The page directory entries of vm that have page tables, in order (i = -1 starts). */
static int next_pt(struct vmspace *vm, int i)
{
	for (i++; i < NPDENTRIES; i = (i | 31) + 1) {
		u32 m = vm->ptmap[i / 32] >> (i % 32);
		if (m)
			return i + __builtin_ctz(m);
	}
	return NPDENTRIES;
}

/* Free every page and page table of vm, then its page directory. */
void vm_free(struct vmspace *vm)
{
	u32 *pgdir = vm->pgdir;
	for (int i = next_pt(vm, -1); i < NPDENTRIES; i = next_pt(vm, i)) {
		u32 *pt = P2V(PTE_PA(pgdir[i]));
		for (int j = 0; j < PGSIZE / 4; j += 4) {
			if (pt[j])
				kfree(P2V(PTE_PA(pt[j])));
			if (pt[j + 1])
				kfree(P2V(PTE_PA(pt[j + 1])));
		}
		kfree(pt);
	}
	kfree(pgdir);
	vm->pgdir = 0;
}

/* Unmap and free the user pages in [start, end) of p (sbrk shrinking). */
void uvm_unmap(struct proc *p, u32 start, u32 end)
{
	for (u32 va = PGROUNDUP(start); va < end; va += PGSIZE) {
		u32 *pte = walk(&p->vm, va, 0);
		if (!pte || !*pte)
			continue;
		kfree(P2V(PTE_PA(*pte)));
		*pte = 0;
		p->npages--;
	}
	tlb_new_asid(p);
}

/*
 * fork: give child the same pages as parent. Writable pages become copy-on-write in both
 * (D cleared, PTE_COW set); read-only pages are simply shared. The parent's TLB entries
 * still allow writes, so it gets a new ASID. Returns -1 if out of memory.
 */
int uvm_copy(struct proc *parent, struct proc *child)
{
	u32 *pd = parent->vm.pgdir;
	for (int i = next_pt(&parent->vm, -1); i < NPDENTRIES; i = next_pt(&parent->vm, i)) {
		u32 *pt = P2V(PTE_PA(pd[i]));
		for (u32 j = 0; j < PGSIZE / 4; j += (j & 1) ? 3 : 1) {	/* words 0, 1 of each slot */
			if (!pt[j])
				continue;
			u32 va = ((u32)i << 21) | ((j >> 2) << 13) | ((j & 1) << 12);
			if (pt[j] & PTE_W)
				pt[j] = (pt[j] & ~PTE_D) | PTE_COW;
			u32 *cpte = walk(&child->vm, va, 1);
			if (!cpte)
				return -1;
			*cpte = pt[j];
			kref(P2V(PTE_PA(pt[j])));
			child->npages++;
		}
	}
	tlb_new_asid(parent);
	return 0;
}

/* Is va inside one of p's regions (image and heap, or stack)? */
static int uvm_valid(struct proc *p, u32 va)
{
	if (va >= USER_TEXT && va < p->brk)
		return 1;
	return va >= USTACK_TOP - USTACK_MAX && va < USTACK_TOP;
}

/* Is [va, va+n) inside p's regions? (n <= 0 is always fine; nothing is touched) */
int uvm_check(struct proc *p, u32 va, int n)
{
	if (n <= 0)
		return 0;
	u32 end = va + (u32)n;
	if (end < va)
		return -1;
	if (va >= USER_TEXT && end <= p->brk)
		return 0;
	return va >= USTACK_TOP - USTACK_MAX && end <= USTACK_TOP ? 0 : -1;
}

/*
 * Resolve a fault at user address va (write: a store). Demand-zero for untouched pages of
 * the heap and stack, copy-on-write for shared pages. Returns 0 when the access can be
 * retried, -1 when it is an error (outside the regions, a write to a read-only page), -2
 * when memory ran out.
 */
int uvm_fault(struct proc *p, u32 va, int write)
{
	if (va >= USER_TOP)
		return -1;
	u32 *pte = walk(&p->vm, va, 0);
	if (!pte || !*pte) {
		if (!uvm_valid(p, va))
			return -1;
		pte = walk(&p->vm, va, 1);
		void *page = pte ? kzalloc() : 0;
		if (!page)
			return -2;
		*pte = PA2PTE(V2P(page)) | PTE_C_CACHED | PTE_V | PTE_D | PTE_W;
		p->npages++;
	} else if (write) {
		if (*pte & PTE_COW) {
			u32 pa = PTE_PA(*pte);
			if (krefcount(pa) == 1) {
				*pte = (*pte & ~PTE_COW) | PTE_D;	/* the other sharers are gone */
			} else {
				void *copy = kalloc();
				if (!copy)
					return -2;
				copypage(copy, P2V(pa));
				*pte = PA2PTE(V2P(copy)) | PTE_C_CACHED | PTE_V | PTE_D | PTE_W;
				kfree(P2V(pa));
			}
		} else if (!(*pte & PTE_W)) {
			return -1;
		} else {
			*pte |= PTE_D;
		}
	}
	tlb_refresh(p, va);
	return 0;
}

/* Window address of user address va in p, faulting the page in as a user access would. */
void *uva2ka(struct proc *p, u32 va, int write)
{
	if (va >= USER_TOP)
		return 0;
	u32 *pte = walk(&p->vm, va, 0);
	if (!pte || !*pte || (write && !(*pte & PTE_D))) {
		if (uvm_fault(p, va, write) < 0)
			return 0;
		pte = walk(&p->vm, va, 0);
	}
	return (u8 *)P2V(PTE_PA(*pte)) + (va & (PGSIZE - 1));
}

int copyout(struct proc *p, u32 dst, const void *src, u32 len)
{
	const u8 *s = src;
	while (len > 0) {
		u8 *d = uva2ka(p, dst, 1);
		if (!d)
			return -1;
		u32 n = PGSIZE - (dst & (PGSIZE - 1));
		if (n > len)
			n = len;
		memcpy(d, s, n);
		len -= n;
		s += n;
		dst += n;
	}
	return 0;
}

int copyin(struct proc *p, void *dst, u32 src, u32 len)
{
	u8 *d = dst;
	while (len > 0) {
		const u8 *s = uva2ka(p, src, 0);
		if (!s)
			return -1;
		u32 n = PGSIZE - (src & (PGSIZE - 1));
		if (n > len)
			n = len;
		memcpy(d, s, n);
		len -= n;
		d += n;
		src += n;
	}
	return 0;
}

/* Copy a NUL-terminated string of at most max bytes (with the NUL); -1 if bad or too long. */
int copyinstr(struct proc *p, char *dst, u32 src, u32 max)
{
	while (max > 0) {
		const char *s = uva2ka(p, src, 0);
		if (!s)
			return -1;
		u32 n = PGSIZE - (src & (PGSIZE - 1));
		for (; n > 0 && max > 0; n--, max--, src++) {
			if ((*dst++ = *s++) == 0)
				return 0;
		}
	}
	return -1;
}

/* Copy to a user address (user = 1, in the current process) or a kernel address. */
int either_copyout(int user, u32 dst, const void *src, u32 len)
{
	if (user)
		return copyout(myproc(), dst, src, len);
	memmove((void *)dst, src, len);
	return 0;
}

int either_copyin(void *dst, int user, u32 src, u32 len)
{
	if (user)
		return copyin(myproc(), dst, src, len);
	memmove(dst, (void *)src, len);
	return 0;
}
