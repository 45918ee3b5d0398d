// The memmap (Disco section 4.2.2): for each machine page, who owns it (VM and guest physical
// page) and every cached virtual translation that points to it, so that a change of mapping
// can find and remove them all. Cached translations live in the VCPUs' L2TLBs and, as a subset,
// in the machine TLBs (l2tlb.ts states the invariant); a reference is (VCPU, L2TLB slot).
//
// shootdown() is THE function every mapping change calls (zero-page calls and VM teardown
// now; migration, replication and copy-on-write later): after it returns, no TLB, L2TLB or
// translation cache anywhere holds a translation to the page, so the caller may change the
// pmap and reuse or copy the page.

import { L2_SIZE } from './l2tlb.ts';

/** What the memmap needs from a VCPU. */
export interface TranslationHolder {
  readonly gid: number;
  /** Remove L2TLB slot `slot` and its machine TLB copy; calls Memmap.removeRef itself. */
  dropL2(slot: number): void;
  /** Physical CPU whose machine TLB may hold this VCPU's entries, or -1. */
  tlbCpu(): number;
}

/** One owner of a machine page: a VM's guest physical page. */
export interface PageOwner {
  vm: number;
  gpn: number;
}

export interface ShootdownResult {
  /** Cached translations removed. */
  entries: number;
  /** Physical CPUs, other than the initiator, whose machine TLB had to be reached (IPIs). */
  remoteCpus: number;
}

class MemmapEntry {
  owners: PageOwner[] = [];
  /** Packed references: gid * L2_SIZE + slot. */
  refs: number[] = [];
}

export class Memmap {
  private readonly entries: Array<MemmapEntry | undefined>;
  /** Shootdowns performed and translations they removed (statistics). */
  shootdowns = 0;
  entriesShot = 0;

  constructor(totalPages: number, private readonly holder: (gid: number) => TranslationHolder, private readonly onFlushPage: ((mp: number) => void) | null) {
    this.entries = new Array<MemmapEntry | undefined>(totalPages);
  }

  private entry(mp: number): MemmapEntry {
    let e = this.entries[mp];
    if (e === undefined) { e = new MemmapEntry(); this.entries[mp] = e; }
    return e;
  }

  /** Record that guest page `gpn` of VM `vm` is backed by machine page `mp`. */
  addOwner(mp: number, vm: number, gpn: number): void {
    this.entry(mp).owners.push({ vm, gpn });
  }

  removeOwner(mp: number, vm: number, gpn: number): void {
    const e = this.entries[mp];
    if (e === undefined) return;
    e.owners = e.owners.filter((o) => o.vm !== vm || o.gpn !== gpn);
    if (e.owners.length === 0 && e.refs.length === 0) this.entries[mp] = undefined;
  }

  owners(mp: number): readonly PageOwner[] {
    return this.entries[mp]?.owners ?? [];
  }

  addRef(mp: number, gid: number, slot: number): void {
    this.entry(mp).refs.push(gid * L2_SIZE + slot);
  }

  removeRef(mp: number, gid: number, slot: number): void {
    const e = this.entries[mp];
    if (e === undefined) return;
    const r = gid * L2_SIZE + slot;
    const i = e.refs.indexOf(r);
    if (i >= 0) {
      e.refs[i] = e.refs[e.refs.length - 1];
      e.refs.pop();
    }
    if (e.owners.length === 0 && e.refs.length === 0) this.entries[mp] = undefined;
  }

  /** Cached translations pointing at `mp` (tests and statistics). */
  refCount(mp: number): number {
    return this.entries[mp]?.refs.length ?? 0;
  }

  /** The (VCPU gid, L2TLB slot) pairs that map `mp`. */
  refs(mp: number): Array<{ gid: number; slot: number }> {
    return (this.entries[mp]?.refs ?? []).map((r) => ({ gid: Math.floor(r / L2_SIZE), slot: r % L2_SIZE }));
  }

  /**
   * Remove every cached translation of machine page `mp` from every L2TLB, machine TLB and
   * translation cache, and tell the monitor (`onFlushPage`: LL links into the page break, its
   * lines leave the caches in the timing mode). `initiator` is the
   * physical CPU doing it (for the IPI count), or -1.
   */
  shootdown(mp: number, initiator: number): ShootdownResult {
    this.shootdowns++;
    const e = this.entries[mp];
    const remote = new Set<number>();
    let n = 0;
    if (e !== undefined && e.refs.length > 0) {
      for (const r of e.refs.slice()) {
        const h = this.holder(Math.floor(r / L2_SIZE));
        const c = h.tlbCpu();
        if (c >= 0 && c !== initiator) remote.add(c);
        h.dropL2(r % L2_SIZE);
        n++;
      }
    }
    if (this.onFlushPage !== null) this.onFlushPage(mp);
    this.entriesShot += n;
    return { entries: n, remoteCpus: remote.size };
  }
}
