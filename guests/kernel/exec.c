/*
 * exec: replace the calling process's image with an ELF32 little-endian MIPS executable.
 * Segments are read into fresh pages (writable segments get PTE_W|D, the rest are read-only
 * and shared after fork); their zero-filled tails (.bss) are demand-zero; the heap starts at the page after the highest segment and the stack
 * at USTACK_TOP, both demand-zero. argv strings and the argv array go at the top of the stack;
 * the program starts with a0 = argc, a1 = argv.
 */
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "trap.h"
#include "proc.h"
#include "fs.h"
#include "file.h"
#include "elf.h"
#include "defs.h"

/* Map one page at va in pgdir (if absent; zeroed if zero); returns its window address, or 0. */
static u8 *map_page(struct vmspace *vm, u32 va, int writable, u32 *npages, int zero)
{
	u32 *pte = walk(vm, va, 1);
	if (!pte)
		return 0;
	if (!*pte) {
		void *page = zero ? kzalloc() : kalloc();
		if (!page)
			return 0;
		*pte = PA2PTE(V2P(page)) | PTE_C_CACHED | PTE_V;
		(*npages)++;
	}
	if (writable)
		*pte |= PTE_D | PTE_W;
	return P2V(PTE_PA(*pte));
}

static int load_segment(struct vmspace *vm, struct inode *ip, struct proghdr *ph, u32 *npages)
{
	int w = (ph->flags & ELF_PROG_FLAG_WRITE) != 0;
	/* pages past the file's data (.bss) are left to demand-zero faults */
	for (u32 va = PGROUNDDOWN(ph->vaddr); va < ph->vaddr + ph->filesz; va += PGSIZE) {
		/* the part of this page that comes from the file */
		u32 lo = va > ph->vaddr ? va : ph->vaddr;
		u32 hi = va + PGSIZE < ph->vaddr + ph->filesz ? va + PGSIZE : ph->vaddr + ph->filesz;
		/*
		 * A page that is one whole block of the file is read straight into the page (bio.c
		 * bread_page): under the monitor the monitor maps its buffer-cache page there, so
		 * VMs running the same program share its text and unwritten data.
		 */
		int whole = lo == va && hi == va + PGSIZE;
		u8 *page = map_page(vm, va, w, npages, !whole);
		if (!page)
			return -1;
		if (whole) {
			if (readi_page(ip, ph->off + (lo - ph->vaddr), page) == 0)
				continue;
			zeropage(page);
		}
		if (lo < hi && readi(ip, 0, (u32)page + (lo - va), ph->off + (lo - ph->vaddr), hi - lo) != (int)(hi - lo))
			return -1;
	}
	return 0;
}

int exec(const char *path, char **argv)
{
	struct proc *p = myproc();
	struct elfhdr eh;
	struct vmspace vm = { 0 };
	u32 npages = 0, brk = USER_TEXT;
	struct inode *ip = namei(path);
	if (!ip)
		return -1;
	ilock(ip);
	if (readi(ip, 0, (u32)&eh, 0, sizeof eh) != sizeof eh || eh.magic != ELF_MAGIC ||
	    eh.elf[0] != 1 || eh.elf[1] != 1 || eh.machine != EM_MIPS || eh.type != 2 ||
	    eh.phentsize != sizeof(struct proghdr))
		goto bad;
	if (vm_alloc(&vm) < 0)
		goto bad;
	for (u32 i = 0; i < eh.phnum; i++) {
		struct proghdr ph;
		if (readi(ip, 0, (u32)&ph, eh.phoff + i * sizeof ph, sizeof ph) != sizeof ph)
			goto bad;
		if (ph.type != ELF_PROG_LOAD || ph.memsz == 0)
			continue;
		u32 end = ph.vaddr + ph.memsz;
		if (ph.memsz < ph.filesz || end < ph.vaddr || ph.vaddr < USER_TEXT || end > USTACK_TOP - USTACK_MAX)
			goto bad;
		if (load_segment(&vm, ip, &ph, &npages) < 0)
			goto bad;
		if (PGROUNDUP(end) > brk)
			brk = PGROUNDUP(end);
	}
	if (eh.entry < USER_TEXT || eh.entry >= brk)
		goto bad;
	iunlockput(ip);
	ip = 0;

	/* the stack's top page: argv strings, then the argv array */
	u8 *top = map_page(&vm, USTACK_TOP - PGSIZE, 1, &npages, 1);
	if (!top)
		goto bad;
	u32 sp = USTACK_TOP, uargv[MAXARG + 1];
	int argc;
	for (argc = 0; argv[argc]; argc++) {
		u32 len = strlen(argv[argc]) + 1;
		if (argc >= MAXARG || sp - len < USTACK_TOP - PGSIZE / 2)
			goto bad;
		sp -= len;
		memmove(top + (sp - (USTACK_TOP - PGSIZE)), argv[argc], len);
		uargv[argc] = sp;
	}
	uargv[argc] = 0;
	sp = (sp - (argc + 1) * 4) & ~7u;
	memmove(top + (sp - (USTACK_TOP - PGSIZE)), uargv, (argc + 1) * 4);
	u32 argvp = sp;
	sp -= 16;	/* o32: home for main's a0..a3 */

	/* commit */
	const char *last = path, *s;
	for (s = path; *s; s++)
		if (*s == '/')
			last = s + 1;
	safestrcpy(p->name, last, sizeof p->name);
	struct vmspace old = p->vm;
	p->vm = vm;
	p->brk = p->heap_base = brk;
	p->npages = npages;
	struct trapframe *tf = p->tf;
	for (int r = 1; r < 32; r++)
		tf->regs[r] = 0;
	tf->lo = tf->hi = 0;
	tf->epc = eh.entry;
	tf->regs[R_SP] = sp;
	tf->regs[R_A0] = argc;
	tf->regs[R_A1] = argvp;
	tlb_new_asid(p);	/* also points this CPU at the new page directory */
	vm_free(&old);
	return 0;

bad:
	if (vm.pgdir)
		vm_free(&vm);
	if (ip)
		iunlockput(ip);
	return -1;
}
