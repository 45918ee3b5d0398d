// The second-level software TLB (Disco section 4.2.2): per virtual CPU, a set-associative
// cache of machine TLB entries the monitor has built (virtual page pair -> machine EntryLo
// pair). The machine TLB is flushed whenever a physical CPU switches to another VCPU; the
// refills that follow are answered from here without walking the pmap or reflecting the miss
// to the guest.
//
// Invariant (kept by VCpu): every entry the monitor puts in a machine TLB is also in the
// L2TLB of the VCPU that owns that TLB, and leaves the machine TLB when it leaves the L2TLB.
// The memmap records, per machine page, the L2TLB slots that point to it, so a shootdown finds
// every cached translation through the slots.
//
// Entries always describe 4 KiB page pairs (machine pages are not contiguous, so a guest's
// large page is split into pairs on demand).

export const L2_SETS = 256;
export const L2_WAYS = 4;
export const L2_SIZE = L2_SETS * L2_WAYS;
/** Stored in `asid` for global entries (they match any ASID). */
export const L2_GLOBAL = 0x100;
/** Stored in `asid` for empty slots. */
export const L2_EMPTY = -1;

export class L2Tlb {
  /** Virtual address of the page pair (bits 31:13). */
  readonly hi = new Int32Array(L2_SIZE);
  /** ASID 0..255, L2_GLOBAL, or L2_EMPTY. */
  readonly asid = new Int16Array(L2_SIZE).fill(L2_EMPTY);
  /** Machine EntryLo0/EntryLo1 (machine PFN, C, D, V; G kept in `asid`). */
  readonly lo0 = new Int32Array(L2_SIZE);
  readonly lo1 = new Int32Array(L2_SIZE);
  /** Machine pages of the two halves, or -1. */
  readonly mp0 = new Int32Array(L2_SIZE).fill(-1);
  readonly mp1 = new Int32Array(L2_SIZE).fill(-1);
  /** Round-robin replacement pointer per set. */
  private readonly next = new Uint8Array(L2_SETS);
  /** Refills answered from here, and refills that missed here. */
  hits = 0;
  misses = 0;
  /** Valid entries dropped to make room. */
  evictions = 0;
  count = 0;

  /** Set index of the pair containing `va`. */
  static set(va: number): number {
    const vpn2 = va >>> 13;
    return (vpn2 ^ (vpn2 >>> 8) ^ (vpn2 >>> 16)) & (L2_SETS - 1);
  }

  /** Slot of the entry that matches `va` under `asid` (its own ASID or global), or -1. */
  lookup(va: number, asid: number): number {
    const pair = va & ~0x1fff;
    const base = L2Tlb.set(va) * L2_WAYS;
    for (let w = 0; w < L2_WAYS; w++) {
      const s = base + w;
      const a = this.asid[s];
      if (a !== L2_EMPTY && this.hi[s] === pair && (a === L2_GLOBAL || a === asid)) return s;
    }
    return -1;
  }

  /**
   * Slot of an entry with exactly this key (pair, ASID or global), or -1. Used before an
   * insertion so that a key is never cached twice.
   */
  find(va: number, asid: number, global: boolean): number {
    const pair = va & ~0x1fff;
    const key = global ? L2_GLOBAL : asid;
    const base = L2Tlb.set(va) * L2_WAYS;
    for (let w = 0; w < L2_WAYS; w++) {
      const s = base + w;
      const a = this.asid[s];
      if (a !== L2_EMPTY && this.hi[s] === pair && (a === key || a === L2_GLOBAL || key === L2_GLOBAL)) return s;
    }
    return -1;
  }

  /** The slot a new entry for `va` goes to: an empty way, else round-robin. May be valid. */
  victim(va: number): number {
    const set = L2Tlb.set(va);
    const base = set * L2_WAYS;
    for (let w = 0; w < L2_WAYS; w++) if (this.asid[base + w] === L2_EMPTY) return base + w;
    const w = this.next[set];
    this.next[set] = (w + 1) % L2_WAYS;
    return base + w;
  }

  set(slot: number, va: number, asid: number, global: boolean, lo0: number, lo1: number, mp0: number, mp1: number): void {
    if (this.asid[slot] === L2_EMPTY) this.count++;
    this.hi[slot] = va & ~0x1fff;
    this.asid[slot] = global ? L2_GLOBAL : asid & 0xff;
    this.lo0[slot] = lo0;
    this.lo1[slot] = lo1;
    this.mp0[slot] = mp0;
    this.mp1[slot] = mp1;
  }

  clear(slot: number): void {
    if (this.asid[slot] !== L2_EMPTY) this.count--;
    this.asid[slot] = L2_EMPTY;
    this.mp0[slot] = -1;
    this.mp1[slot] = -1;
  }

  valid(slot: number): boolean {
    return this.asid[slot] !== L2_EMPTY;
  }

  global(slot: number): boolean {
    return this.asid[slot] === L2_GLOBAL;
  }

  /**
   * Slots whose pair lies in virtual [va, va + bytes) and that an entry with this ASID/global
   * bit could have produced (same ASID, or global on either side). Small ranges probe their
   * sets; large ones scan everything.
   */
  slotsInRange(va: number, bytes: number, asid: number, global: boolean): number[] {
    const out: number[] = [];
    const lo = va >>> 0, hi = lo + bytes;
    const match = (s: number): boolean => {
      const a = this.asid[s];
      if (a === L2_EMPTY) return false;
      const h = this.hi[s] >>> 0;
      return h >= lo && h < hi && (global || a === L2_GLOBAL || a === asid);
    };
    if (bytes / 0x2000 <= L2_SETS / 4) {
      for (let p = lo; p < hi; p += 0x2000) {
        const base = L2Tlb.set(p | 0) * L2_WAYS;
        for (let w = 0; w < L2_WAYS; w++) if (match(base + w)) out.push(base + w);
      }
    } else {
      for (let s = 0; s < L2_SIZE; s++) if (match(s)) out.push(s);
    }
    return out;
  }

  /** Every valid slot. */
  slots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < L2_SIZE; s++) if (this.asid[s] !== L2_EMPTY) out.push(s);
    return out;
  }

  /** Hit rate of refills, 0..1 (0 when there were none). */
  hitRate(): number {
    const n = this.hits + this.misses;
    return n === 0 ? 0 : this.hits / n;
  }
}
