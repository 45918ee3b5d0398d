// The host translation cache: the software fast path in front of the TLB (TinyEMU style).
//
// Three direct-mapped tables (load, store, fetch), indexed by virtual page number. An entry
// holds the 4 KiB-aligned virtual address as its tag and the int32 addend that turns a virtual
// address into a RAM byte offset: offset = (va + add) | 0. The tag compare folds in alignment:
// a load of size S compares tag against va & (0xFFFFF000 | (S-1)), so a misaligned address never
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

export class TranslationCache {
  readonly rtag = new Int32Array(TC_SIZE);
  readonly radd = new Int32Array(TC_SIZE);
  readonly wtag = new Int32Array(TC_SIZE);
  readonly wadd = new Int32Array(TC_SIZE);
  readonly xtag = new Int32Array(TC_SIZE);
  readonly xadd = new Int32Array(TC_SIZE);
  /** Number of whole flushes (statistics). */
  flushes = 0;

  constructor() {
    this.flush();
  }

  flush(): void {
    this.rtag.fill(TC_INVALID);
    this.wtag.fill(TC_INVALID);
    this.xtag.fill(TC_INVALID);
    this.flushes++;
  }

  /** Drop every cached page in virtual [va, va+bytes). Large ranges flush everything. */
  flushRange(va: number, bytes: number): void {
    const pages = bytes >>> 12;
    if (pages >= TC_SIZE) { this.flush(); return; }
    for (let p = 0; p < pages; p++) {
      const v = (va + (p << 12)) | 0;
      const i = (v >>> 12) & TC_MASK;
      const t = v & ~0xfff;
      if (this.rtag[i] === t) this.rtag[i] = TC_INVALID;
      if (this.wtag[i] === t) this.wtag[i] = TC_INVALID;
      if (this.xtag[i] === t) this.xtag[i] = TC_INVALID;
    }
  }

  /** Drop every store translation that points into the RAM page containing offset `off`. */
  dropWritesToRamPage(off: number): void {
    const page = off - (off % 4096);
    for (let i = 0; i < TC_SIZE; i++) {
      const t = this.wtag[i];
      if (t !== TC_INVALID && ((t + this.wadd[i]) | 0) === page) this.wtag[i] = TC_INVALID;
    }
  }

  /** Enter a RAM page: virtual page `va` maps RAM offset `pa` (a typed-array byte index). */
  fillRead(va: number, pa: number): void {
    const i = (va >>> 12) & TC_MASK;
    this.rtag[i] = va & ~0xfff;
    this.radd[i] = ((pa & ~0xfff) - (va & ~0xfff)) | 0;
  }
  fillWrite(va: number, pa: number): void {
    const i = (va >>> 12) & TC_MASK;
    this.wtag[i] = va & ~0xfff;
    this.wadd[i] = ((pa & ~0xfff) - (va & ~0xfff)) | 0;
  }
  fillFetch(va: number, pa: number): void {
    const i = (va >>> 12) & TC_MASK;
    this.xtag[i] = va & ~0xfff;
    this.xadd[i] = ((pa & ~0xfff) - (va & ~0xfff)) | 0;
  }
}
