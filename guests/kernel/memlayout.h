/*
 * Memory layout.
 *
 * Physical memory (bare machine, Malta-compatible; see cpu/malta.ts):
 *
 *   0x00000000 +---------------------------+
 *              | exception vectors + boot  |  boot.S: refill 0x000, general 0x180, stub 0x300
 *   0x00002000 | YAMON boot arguments      |  argv/envp written by the loader (read-only to us)
 *   0x00004000 | (free, unused)            |
 *   0x00100000 | kernel text, data, bss    |  kernel.ld: linked at KERNBASE + 0x100000
 *        end   | free pages (kalloc)       |
 *    memsize   +---------------------------+
 *   0x1E400000   virtio-mmio block device (cpu/virtio_blk.ts), interrupt IP3
 *   0x180003F8   PIIX4 COM1 16550 (console)
 *   0x1F000600   halt register; 0x1F000500 SOFTRES
 *   0x1F200000   node controller: CPU count, secondary start, IPIs (interrupt IP6)
 *
 * Virtual addresses:
 *
 *   0x00000000 +---------------------------+  kuseg: the current process (ASID-tagged)
 *              | unmapped guard            |
 *   0x00400000 | text, data, bss, heap     |  USER_TEXT .. p->brk (sbrk grows it)
 *              | ...                       |
 *              | stack (grows down)        |  USTACK_TOP - USTACK_MAX .. USTACK_TOP
 *   0x7FFF0000 | unmapped                  |
 *   0x80000000 +---------------------------+  kseg0: used only by the boot stub and vectors
 *   0xA0000000 +---------------------------+  kseg1: device registers (bare machine drivers)
 *   0xC0000000 +---------------------------+  ksseg: the kernel ("the window")
 *              | physical memory 1:1       |  KERNBASE + pa; wired 16 MiB TLB pages (bare)
 *              | (at most 256 MiB)         |  or filled by the monitor (virtualized)
 *   0xD0000000 | unmapped                  |
 *   0xDF800000 | linear page table (VPT)   |  VPT_BASE = Context.PTEBase, 4 MiB, per ASID
 *   0xDFC00000 | unmapped                  |
 *   0xDFFFE000 | per-CPU data (PDA)        |  one wired 4 KiB page per CPU, like IRIX's PDA
 *   0xE0000000 +---------------------------+  kseg3: unused
 *
 * Page tables. The VPT is the R4000 "linear page table" addressed by Context: for a user
 * address va, Context = VPT_BASE | (va >> 13) << 4, so each even/odd page pair has a 16-byte
 * slot {EntryLo0, EntryLo1, unused, unused} and the refill handler is two loads and a tlbwr.
 * The VPT itself is mapped by TLB entries whose EntryLo come from the process's page
 * directory: pgdir[i] is the EntryLo of page-table page i (covering 2 MiB of kuseg), or of
 * the shared all-zero page table when that range has no pages. The kernel never reads the
 * VPT; it walks page tables through the window.
 *
 * PTEs are EntryLo values (PFN 29:6, C 5:3, D 2, V 1, G 0) plus two software bits in
 * 31:30, which EntryLo ignores on write (MIPS32 PRA 9.6, "Fill" bits): PTE_W (the process
 * may write the page) and PTE_COW (shared after fork; copy on the first write).
 */
#ifndef KERNEL_MEMLAYOUT_H
#define KERNEL_MEMLAYOUT_H

#define PGSIZE		4096
#define PGSHIFT		12
#define PGROUNDUP(a)	(((a) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a)	((a) & ~(PGSIZE - 1))

#define KERNBASE	0xC0000000u	/* the window: physical 0 */
#define KERNLINK	0xC0100000u	/* kernel load address in the window */
#define MAXMEM		0x10000000u	/* the window covers at most 256 MiB */
#define WINDOW_PAIR	0x02000000u	/* one wired entry: two 16 MiB pages */
#define VPT_BASE	0xDF800000u
#define PDA_VA		0xDFFFE000u

#define P2V(pa)		((void *)((u32)(pa) + KERNBASE))
#define V2P(va)		((u32)(va) - KERNBASE)

#define USER_TEXT	0x00400000u
#define USTACK_TOP	0x7FFF0000u
#define USTACK_MAX	(8u << 20)
#define USER_TOP	0x80000000u

/* page directory: 1024 entries, each covering 2 MiB (a page-table page of 256 slots) */
#define PDX(va)		((u32)(va) >> 21)
#define PTX(va)		(((u32)(va) >> 13) & 0xff)
#define NPDENTRIES	1024

/* PTE bits */
#define PTE_G		0x1u
#define PTE_V		0x2u
#define PTE_D		0x4u
#define PTE_C_CACHED	(3u << 3)
#define PTE_C_UNCACHED	(2u << 3)
#define PTE_COW		0x40000000u
#define PTE_W		0x80000000u
#define PTE_HW		0x3fffffffu	/* the part EntryLo keeps */
#define PTE_PA(pte)	((((pte) >> 6) & 0xffffff) << 12)
#define PA2PTE(pa)	(((u32)(pa) >> 12) << 6)

/* bare-machine devices through kseg1 */
#define KSEG1(pa)	((u32)(pa) | 0xA0000000u)
#define VIRTIO0		0x1E400000u
#define VIRTIO0_IRQ	3		/* Cause.IP3 */
#define TIMER_IRQ	7		/* Cause.IP7 (IntCtl.IPTI) */
#define NODECTL		0x1F200000u	/* node controller (cpu/nodectl.ts): CPUs, IPIs */
#define IPI_IRQ		6		/* Cause.IP6 */

#endif
