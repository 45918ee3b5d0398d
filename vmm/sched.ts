// Physical CPUs as the monitor sees them, and the scheduling policy.
//
// Each physical CPU (PCpu) runs one VCPU at a time, or the monitor's idle loop. Its machine TLB
// holds translations of one VCPU only (`tlbOwner`): switching to another VCPU flushes it, as
// Disco did, and the VCPU's L2TLB absorbs the refills that follow (l2tlb.ts).
//
// Policy: every VCPU has a home CPU (affinity). A CPU runs its home VCPUs round-robin in time
// slices; a VCPU that is idle (wait, idle monitor call) is not scheduled until an interrupt it
// has unmasked is pending. A CPU with nothing runnable at home takes a runnable VCPU of another
// CPU that is not running and not pinned, nearest CPU first (same node before other nodes);
// with nothing at all it sleeps in the idle loop until its timer or an IPI.

import type { Cpu } from '../cpu/cpu.ts';
import { TLB_MISS } from '../cpu/tlb.ts';
import { L2_GLOBAL } from './l2tlb.ts';
import type { VCpu } from './vcpu.ts';

export class PCpu {
  readonly id: number;
  readonly node: number;
  /** The VCPU running here, or null (idle loop). */
  current: VCpu | null = null;
  /** The VCPU whose translations the machine TLB holds, or null (flushed). */
  tlbOwner: VCpu | null = null;
  /** Home VCPUs, in creation order. */
  readonly queue: VCpu[] = [];
  /** Round-robin position in queue. */
  rr = 0;
  /** Machine cycle at which the current slice ends. */
  sliceEnd = 0;
  /** Next machine TLB index to replace (round-robin). */
  private victim = 0;
  /** Statistics. */
  switches = 0;
  tlbFlushes = 0;
  idleEntries = 0;

  constructor(readonly cpu: Cpu) {
    this.id = cpu.id;
    this.node = cpu.node;
  }

  /**
   * Put a 4 KiB-pair entry in the machine TLB: replaces an entry that would match the same
   * addresses (so the TLB never holds duplicates), else the round-robin victim. `asidKey` is
   * an ASID or L2_GLOBAL. The translation cache loses both the old and the new range.
   */
  insert(va: number, asidKey: number, lo0: number, lo1: number): void {
    const tlb = this.cpu.tlb;
    const g = asidKey === L2_GLOBAL;
    const hi = (va & ~0x1fff) | (g ? 0 : asidKey);
    let i = tlb.findOverlap(hi, 0, g, -1);
    if (i === TLB_MISS) {
      i = this.victim;
      this.victim = (i + 1) % tlb.size;
    }
    if (tlb.written[i] !== 0) {
      const s = tlb.span(i);
      this.cpu.tc.flushRange(s.va, s.bytes);
    }
    const gb = g ? 1 : 0;
    tlb.write(i, hi, 0, lo0 | gb, lo1 | gb);
    this.cpu.tc.flushRange(va & ~0x1fff, 0x2000);
  }

  /** Remove the machine TLB entry for pair `va` with this ASID key, if present. */
  drop(va: number, asidKey: number): void {
    const tlb = this.cpu.tlb;
    const pair = va & ~0x1fff;
    const g = asidKey === L2_GLOBAL;
    for (let i = 0; i < tlb.size; i++) {
      if (tlb.written[i] === 0 || tlb.hi[i] !== pair || tlb.mask[i] !== 0) continue;
      if (g ? tlb.global[i] !== 0 : (tlb.global[i] === 0 && tlb.asid[i] === asidKey)) {
        tlb.written[i] = 0;
        this.cpu.tc.flushRange(pair, 0x2000);
      }
    }
  }

  /** Empty the machine TLB and the translation cache. */
  flushTlb(): void {
    this.cpu.tlb.written.fill(0);
    this.cpu.tc.flush();
    this.tlbOwner = null;
    this.tlbFlushes++;
  }
}

/**
 * The VCPU `p` should run next, or null: its home VCPUs round-robin after the current
 * position, then (unless pinned) a runnable VCPU from the other CPUs that is not running.
 * `ready(v)` says whether v can run now (runnable, or idle with a pending interrupt).
 */
export function pickNext(p: PCpu, all: readonly PCpu[], ready: (v: VCpu) => boolean): VCpu | null {
  const q = p.queue;
  for (let k = 0; k < q.length; k++) {
    const j = (p.rr + k) % q.length;
    const v = q[j];
    if ((v.pcpu === null || v.pcpu === p) && ready(v)) {
      p.rr = (j + 1) % q.length;
      return v;
    }
  }
  // Steal: same node first, then the others, each in CPU order after p.
  const order = all.slice(p.id + 1).concat(all.slice(0, p.id));
  order.sort((a, b) => (a.node === p.node ? 0 : 1) - (b.node === p.node ? 0 : 1));
  for (const o of order) {
    for (const v of o.queue) {
      if (v.pcpu === null && !v.pinned && ready(v)) return v;
    }
  }
  return null;
}
