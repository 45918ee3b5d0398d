// The pmap (Disco section 4.2.2): for each guest physical page of one VM, the machine page
// that backs it and flags that restrict how it may be mapped. Pages are allocated on first use
// (demand zero), so an entry may be empty. The NUMA node of a machine page is the allocator's
// business (MachineAllocator.nodeOf); the pmap only names pages.
//
// Every change of an existing entry (migration, replication, copy-on-write, zero-page calls)
// must first remove the cached translations of the old machine page through
// Memmap.shootdown(); Vm.releasePage and Vm.remapPage do that.

/** No machine page yet: the next touch allocates and zeroes one. */
export const PMAP_NONE = -1;

/** Flag: map the page read-only in the machine TLB whatever the guest's D bit says
 * (copy-on-write, replicas); a guest write then reaches Vm.writeFault. */
export const PMAP_READONLY = 1;

export class Pmap {
  /** Guest physical pages. */
  readonly pages: number;
  /** Machine page per guest page, or PMAP_NONE. */
  readonly mpage: Int32Array;
  readonly flags: Uint8Array;

  constructor(pages: number) {
    this.pages = pages;
    this.mpage = new Int32Array(pages).fill(PMAP_NONE);
    this.flags = new Uint8Array(pages);
  }

  /** Machine page of guest page `gpn`, or PMAP_NONE (also for pages outside the VM). */
  get(gpn: number): number {
    return gpn >= 0 && gpn < this.pages ? this.mpage[gpn] : PMAP_NONE;
  }

  set(gpn: number, mp: number, flags = 0): void {
    this.mpage[gpn] = mp;
    this.flags[gpn] = flags;
  }

  clear(gpn: number): void {
    this.mpage[gpn] = PMAP_NONE;
    this.flags[gpn] = 0;
  }

  /** Number of guest pages with a machine page. */
  resident(): number {
    let n = 0;
    for (let i = 0; i < this.pages; i++) if (this.mpage[i] !== PMAP_NONE) n++;
    return n;
  }
}
