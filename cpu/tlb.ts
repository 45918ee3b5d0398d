// The architectural JTLB: R4000-style dual entries (MIPS32 PRA chapter 4).
//
// Each entry maps an even/odd pair of pages: EntryHi.VPN2 names the pair, PageMask sets the page
// size (4 KiB to 16 MiB), EntryLo0/EntryLo1 give PFN, C, D, V for the even and odd page, and the
// entry is global when G is set in both EntryLo halves. This is what the guest sees; the host
// translation cache (tcache.ts) sits in front of it and is kept coherent by the CPU.

export const PAGEMASK_VALID = [0x0, 0x6000, 0x1e000, 0x7e000, 0x1fe000, 0x7fe000, 0x1ffe000] as const;

/** Result of a lookup: a match found nothing (refill), or an entry index. */
export const TLB_MISS = -1;

export class Tlb {
  readonly size: number;
  /** VPN2 (virtual address bits 31:13, masked by ~PageMask), stored as an address. */
  readonly hi: Int32Array;
  readonly asid: Uint8Array;
  readonly global: Uint8Array;
  /** PageMask bits 28:13. */
  readonly mask: Int32Array;
  /** EntryLo0/EntryLo1 as written (PFN 29:6, C 5:3, D 2, V 1, G 0). */
  readonly lo0: Int32Array;
  readonly lo1: Int32Array;
  /**
   * 1 once software has written the entry. Power-on contents are undefined on real parts; ours
   * match nothing (lookup, tlbp and the duplicate check skip them) until written, so any
   * initialisation pattern, e.g. Linux's flush with 16 KiB pages, works.
   */
  readonly written: Uint8Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || size > 64) {
      throw new RangeError(`TLB size must be 1..64 entry pairs (Config1.MMUSize is 6 bits), got ${size}`);
    }
    this.size = size;
    this.hi = new Int32Array(size);
    this.asid = new Uint8Array(size);
    this.global = new Uint8Array(size);
    this.mask = new Int32Array(size);
    this.lo0 = new Int32Array(size);
    this.lo1 = new Int32Array(size);
    this.written = new Uint8Array(size);
    this.reset();
  }

  /**
   * Power-on contents: invalid entries with distinct VPN2s in kseg0 (what tlbr reads back), not
   * yet written, so they can never match or collide with a new entry.
   */
  reset(): void {
    this.written.fill(0);
    for (let i = 0; i < this.size; i++) {
      this.hi[i] = (0x80000000 + i * 0x2000) | 0;
      this.asid[i] = 0;
      this.global[i] = 0;
      this.mask[i] = 0;
      this.lo0[i] = 0;
      this.lo1[i] = 0;
    }
  }

  /** Index of the entry matching virtual address `va` under `asid`, or TLB_MISS. Lowest index wins. */
  lookup(va: number, asid: number): number {
    const hi = this.hi, mask = this.mask, g = this.global, as = this.asid, wr = this.written;
    for (let i = 0; i < this.size; i++) {
      const m = ~(mask[i] | 0x1fff);
      if (((va ^ hi[i]) & m) === 0 && (g[i] !== 0 || as[i] === asid) && wr[i] !== 0) return i;
    }
    return TLB_MISS;
  }

  /**
   * Index of an entry, other than `except`, that would match the same addresses as an entry
   * with the given fields (used for the duplicate-entry machine check), or TLB_MISS.
   */
  findOverlap(entryHi: number, pageMask: number, g: boolean, except: number): number {
    for (let i = 0; i < this.size; i++) {
      if (i === except || this.written[i] === 0) continue;
      const m = ~(this.mask[i] | pageMask | 0x1fff);
      if (((entryHi ^ this.hi[i]) & m) !== 0) continue;
      if (g || this.global[i] !== 0 || this.asid[i] === (entryHi & 0xff)) return i;
    }
    return TLB_MISS;
  }

  /** tlbwi/tlbwr: write entry `i` from the CP0 staging registers. */
  write(i: number, entryHi: number, pageMask: number, entryLo0: number, entryLo1: number): void {
    const m = pageMask & 0x1ffe000;
    this.written[i] = 1;
    this.mask[i] = m;
    this.hi[i] = entryHi & ~(m | 0x1fff);
    this.asid[i] = entryHi & 0xff;
    this.global[i] = entryLo0 & entryLo1 & 1;
    // G is stored once for the pair; EntryLo reads back the entry's G in both halves (PRA 4.9).
    this.lo0[i] = entryLo0 & 0x3ffffffe;
    this.lo1[i] = entryLo1 & 0x3ffffffe;
  }

  /** First virtual address and byte length covered by entry `i` (both pages). */
  span(i: number): { va: number; bytes: number } {
    return { va: this.hi[i], bytes: (this.mask[i] + 0x2000) };
  }

  /** Page size in bytes of entry `i` (one half of the pair). */
  pageBytes(i: number): number {
    return (this.mask[i] + 0x2000) >>> 1;
  }
}
