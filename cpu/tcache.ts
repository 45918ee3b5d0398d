// The host translation cache: the software fast path in front of the TLB (TinyEMU style).
//
// Three direct-mapped tables (load, store, fetch), indexed by virtual granule number (the
// granule is a 4 KiB page in the functional mode, a cache line in the timing mode; see
// `shift`). An entry holds the granule-aligned virtual address as its tag and the int32 addend that turns a virtual
// address into a RAM byte offset: offset = (va + add) | 0. The tag compare folds in alignment:
// a load of size S compares tag against va & (granule mask | (S-1)), so a misaligned address never
// hits and falls into the slow path, which raises the address error. Only RAM pages are
// entered; MMIO, unmapped addresses and anything that must trap always miss.
//
// Invariant: the cache only holds translations that are valid in the current privilege mode,
// with the current ASID and ERL, and with the current TLB contents. The CPU flushes it (whole or
// by range) whenever any of those change.

export const TC_BITS = 9;
export const TC_SIZE = 1 << TC_BITS;
export const TC_MASK = TC_SIZE - 1;
/** A tag no access can match (low 12 bits set). */
export const TC_INVALID = 0xfff;
/** Kernel-address fills remembered between privilege drops (beyond this: a whole flush). */
const KLIST_MAX = 1024;
/** Buckets of RAM pages (page number mod WMARK_SIZE) for the store-entry marks. */
const WMARK_SIZE = 4096;
const WMARK_MASK = WMARK_SIZE - 1;

export class TranslationCache {
  readonly rtag = new Int32Array(TC_SIZE);
  readonly radd = new Int32Array(TC_SIZE);
  readonly wtag = new Int32Array(TC_SIZE);
  readonly wadd = new Int32Array(TC_SIZE);
  readonly xtag = new Int32Array(TC_SIZE);
  readonly xadd = new Int32Array(TC_SIZE);
  /**
   * log2 of the granule an entry covers: 12 (a 4 KiB page) in the functional mode; the cache
   * line size in the timing mode, where an entry exists only while the line is in the CPU's L1
   * with the needed permission, so that a hit is an L1 hit and costs nothing extra.
   */
  shift = 12;
  /** Number of whole flushes (statistics). */
  flushes = 0;
  /** Number of privilege drops that only removed kernel-address entries (statistics). */
  kernelDrops = 0;
  /**
   * Entries filled for kernel-segment addresses (va >= 0x80000000) since the last drop, as
   * table * TC_SIZE + index, so that returning to a less privileged mode removes just those.
   */
  private readonly klist = new Int32Array(KLIST_MAX);
  private kcount = 0;
  private kover = false;
  /**
   * Per bucket of RAM pages: 0 when no store entry can point into a page of the bucket. On a
   * multiprocessor every ll drops the other CPUs' store entries to its page; the kernel's
   * spinlocks run ll in a loop, and scanning the whole table for each one made an 8-CPU guest
   * spend two thirds of its host time here. A fill sets the mark, a scan recomputes it.
   */
  private readonly wmark = new Uint8Array(WMARK_SIZE);

  constructor() {
    this.flush();
  }

  flush(): void {
    this.rtag.fill(TC_INVALID);
    this.wtag.fill(TC_INVALID);
    this.wmark.fill(0);
    this.xtag.fill(TC_INVALID);
    this.kcount = 0;
    this.kover = false;
    this.flushes++;
  }

  /**
   * Privilege dropped (eret or a Status write to supervisor/user mode with ERL unchanged):
   * remove the kernel-segment translations, which the less privileged mode must not hit, and
   * keep the kuseg ones, which are valid in every mode under the same ASID.
   */
  dropKernel(): void {
    if (this.kover) { this.flush(); return; }
    const tabs = [this.rtag, this.wtag, this.xtag];
    for (let k = 0; k < this.kcount; k++) {
      const e = this.klist[k];
      const tag = tabs[e >>> TC_BITS];
      const i = e & TC_MASK;
      if (tag[i] < 0) tag[i] = TC_INVALID; // still a kernel address (negative as int32)
    }
    this.kcount = 0;
    this.kernelDrops++;
  }

  private noteKernel(table: number, i: number): void {
    if (this.kcount < KLIST_MAX) this.klist[this.kcount++] = (table << TC_BITS) | i;
    else this.kover = true;
  }

  /** Drop every cached granule in virtual [va, va+bytes). Large ranges flush everything. */
  flushRange(va: number, bytes: number): void {
    const sh = this.shift;
    const n = Math.ceil(bytes / (1 << sh));
    if (n >= TC_SIZE) { this.flush(); return; }
    const gmask = -(1 << sh);
    for (let p = 0; p < n; p++) {
      const v = (va + p * (1 << sh)) | 0;
      const i = (v >>> sh) & TC_MASK;
      const t = v & gmask;
      if (this.rtag[i] === t) this.rtag[i] = TC_INVALID;
      if (this.wtag[i] === t) this.wtag[i] = TC_INVALID;
      if (this.xtag[i] === t) this.xtag[i] = TC_INVALID;
    }
  }

  /** Drop every store translation that points into the RAM page containing offset `off`. */
  dropWritesToRamPage(off: number): void {
    const page = off - (off % 4096);
    const b = (page >>> 12) & WMARK_MASK;
    if (this.wmark[b] === 0) return;
    let other = 0; // another page of the bucket still has a store entry
    for (let i = 0; i < TC_SIZE; i++) {
      const t = this.wtag[i];
      if (t === TC_INVALID) continue;
      const p = ((t + this.wadd[i]) | 0) & ~0xfff;
      if (p === page) this.wtag[i] = TC_INVALID;
      else if (((p >>> 12) & WMARK_MASK) === b) other = 1;
    }
    this.wmark[b] = other;
  }

  /**
   * Enter a granule: virtual `va` maps RAM offset `off` (a typed-array byte index). Returns
   * the entry's index (the timing model records it to drop the entry when the line leaves L1).
   */
  fillRead(va: number, off: number): number {
    const sh = this.shift, g = -(1 << sh);
    const i = (va >>> sh) & TC_MASK;
    this.rtag[i] = va & g;
    this.radd[i] = ((off & g) - (va & g)) | 0;
    if (va < 0) this.noteKernel(0, i);
    return i;
  }
  fillWrite(va: number, off: number): number {
    const sh = this.shift, g = -(1 << sh);
    const i = (va >>> sh) & TC_MASK;
    this.wtag[i] = va & g;
    this.wadd[i] = ((off & g) - (va & g)) | 0;
    this.wmark[(off >>> 12) & WMARK_MASK] = 1;
    if (va < 0) this.noteKernel(1, i);
    return i;
  }
  fillFetch(va: number, off: number): number {
    const sh = this.shift, g = -(1 << sh);
    const i = (va >>> sh) & TC_MASK;
    this.xtag[i] = va & g;
    this.xadd[i] = ((off & g) - (va & g)) | 0;
    if (va < 0) this.noteKernel(2, i);
    return i;
  }

  /** RAM offset entry i of a table currently maps, or -1 if the entry is invalid. */
  static target(tag: Int32Array, add: Int32Array, i: number): number {
    const t = tag[i];
    return t === TC_INVALID ? -1 : ((t + add[i]) | 0);
  }
}
