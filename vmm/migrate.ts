// The mechanisms of the monitor's NUMA memory management (Disco section 4.2.3): moving a guest
// page to another node, replicating it read-only on several nodes, and collapsing the replicas
// when someone writes. numa-policy.ts decides when; this file does it safely:
//
// - Every change of mapping goes through Memmap.shootdown() first, so no TLB, L2TLB,
//   translation cache or cache line anywhere still points at the old page (the caller may copy
//   or free it at once).
// - A replicated page is PMAP_READONLY in the pmap and every copy is mapped read-only, so a
//   write anywhere traps to Monitor.writeFault, which collapses the copies to one writable page
//   before the write is done: at any moment a page has one writer or many readers, never both
//   (IVY, Li and Hudak). Replication state lives here, not in the pmap flags, because
//   copy-on-write disk sharing uses PMAP_READONLY too: a read-only page without replicas is not
//   ours and writeFault leaves it to the copy-on-write code.
// - Moves happen between interleaving rounds (NumaManager.service), never in the middle of an
//   instruction, and break every LL/SC link (an sc may always fail, MIPS32 PRA: SC).
//
// The pmap entry of a replicated page names the master copy; the others are extra owners in
// the memmap. Replica pages are counted apart from the VM's pages (replicaPages) so that a VM
// never runs out of its own memory limit because the monitor chose to replicate.

import { PAGE_BYTES } from './alloc.ts';
import { PMAP_NONE, PMAP_READONLY } from './pmap.ts';
import type { PageEventKind } from './events.ts';
import type { Monitor } from './monitor.ts';
import type { PCpu } from './sched.ts';
import type { Vm } from './vm.ts';

/** NUMA state of one guest page that has moved or been replicated. */
export interface PageState {
  /** Per node: the machine page of that node's copy, or -1; null when not replicated. */
  replicas: Int32Array | null;
  /** Migrations and first replications (the page becoming replicated) so far: the move cap
   * counts these, the bounces between placements. Adding a replica to a replicated page is not
   * a bounce (a page read by 16 nodes needs 15 replicas). */
  moves: number;
  /** No replication before this simulated cycle (set by a collapse: the page is written). */
  frozenUntil: number;
}

/** What one move cost and did (numa-policy.ts accumulates these). */
export interface MoveResult {
  kind: PageEventKind;
  /** Cycles charged for it. */
  cycles: number;
  fromNode: number;
  toNode: number;
}

export class PageMover {
  /** Per VM id: gpn -> state. */
  private readonly pages = new Map<number, Map<number, PageState>>();
  /** Replica pages now held (not counting the master copies), and the most at once. */
  replicaPages = 0;
  replicaPeak = 0;
  readonly replicaByNode: Int32Array;

  constructor(private readonly m: Monitor, private readonly freezeCycles: number) {
    this.replicaByNode = new Int32Array(m.alloc.nodes);
  }

  state(vm: Vm, gpn: number): PageState {
    let t = this.pages.get(vm.id);
    if (t === undefined) { t = new Map(); this.pages.set(vm.id, t); }
    let s = t.get(gpn);
    if (s === undefined) { s = { replicas: null, moves: 0, frozenUntil: 0 }; t.set(gpn, s); }
    return s;
  }

  peek(vm: Vm, gpn: number): PageState | undefined {
    return this.pages.get(vm.id)?.get(gpn);
  }

  isReplicated(vm: Vm, gpn: number): boolean {
    return this.peek(vm, gpn)?.replicas != null;
  }

  /** Every machine page that holds a copy of (vm, gpn): the master and the replicas. */
  copies(vm: Vm, gpn: number): number[] {
    const r = this.peek(vm, gpn)?.replicas;
    if (r == null) { const mp = vm.pmap.get(gpn); return mp === PMAP_NONE ? [] : [mp]; }
    return Array.from(r).filter((mp) => mp >= 0);
  }

  /** The copy node `node` should map: its replica if it has one, else the master. */
  localCopy(vm: Vm, gpn: number, node: number, master: number): number {
    const r = this.peek(vm, gpn)?.replicas;
    if (r == null) return master;
    const mp = r[node];
    return mp >= 0 ? mp : master;
  }

  /**
   * Move guest page `gpn` of `vm` to node `to`: allocate there, shoot down every translation
   * of the old page, copy, repoint the pmap and memmap, free the old page. Returns null when
   * the target node has no free page.
   */
  migrate(vm: Vm, gpn: number, to: number, p: PCpu | null): MoveResult | null {
    const m = this.m;
    const old = vm.pmap.mpage[gpn];
    if (old === PMAP_NONE) return null;
    const nmp = m.alloc.alloc(to, false, true);
    if (nmp < 0) return null;
    const from = m.alloc.nodeOf(old);
    let cycles = this.chargeKey(p, 'numaFault') + this.chargeKey(p, 'pageAlloc');
    cycles += this.shoot(old, p);
    this.copy(old, nmp);
    cycles += this.chargeKey(p, 'pageCopy');
    vm.pmap.set(gpn, nmp, vm.pmap.flags[gpn]);
    m.memmap.removeOwner(old, vm.id, gpn);
    m.memmap.addOwner(nmp, vm.id, gpn);
    m.alloc.release(old);
    vm.account.byNode[from]--;
    vm.account.byNode[to]++;
    // The counters move with the page: who shared it is history the policy needs (a page
    // read by several nodes must not ping-pong between them; the next one replicates it).
    const mem = m.machine.mem;
    if (mem !== null) {
      const n = m.alloc.nodes;
      mem.pageMisses.copyWithin(nmp * n, old * n, (old + 1) * n);
      mem.pageMisses[nmp * n + to] = 0;
      mem.resetMisses(old);
    }
    this.afterMove([]);
    this.state(vm, gpn).moves++;
    this.event('migrate', vm, gpn, old, nmp, from, to, cycles, p);
    return { kind: 'migrate', cycles, fromNode: from, toNode: to };
  }

  /**
   * Give node `to` a read-only copy of guest page `gpn`. The first replication turns the
   * page read-only everywhere (its writable translations are shot down). Returns null when
   * the node already has a copy or no free page.
   */
  replicate(vm: Vm, gpn: number, to: number, p: PCpu | null): MoveResult | null {
    const m = this.m;
    const master = vm.pmap.mpage[gpn];
    if (master === PMAP_NONE) return null;
    const st = this.state(vm, gpn);
    if (st.replicas !== null && st.replicas[to] >= 0) return null;
    const nmp = m.alloc.alloc(to, false, true);
    if (nmp < 0) return null;
    let cycles = this.chargeKey(p, 'numaFault') + this.chargeKey(p, 'pageAlloc');
    const src = st.replicas === null ? master : this.nearestCopy(st.replicas, to, master);
    if (st.replicas === null) {
      st.moves++;
      // From now on nobody may write: remove the writable mappings of the master.
      st.replicas = new Int32Array(m.alloc.nodes).fill(-1);
      st.replicas[m.alloc.nodeOf(master)] = master;
      cycles += this.shoot(master, p);
      vm.pmap.flags[gpn] |= PMAP_READONLY;
    } else {
      // The node's VCPUs map the master now; they must refill to pick up their replica.
      cycles += this.shoot(master, p);
    }
    this.copy(src, nmp);
    cycles += this.chargeKey(p, 'pageCopy');
    st.replicas[to] = nmp;
    m.memmap.addOwner(nmp, vm.id, gpn);
    this.replicaPages++;
    this.replicaByNode[to]++;
    if (this.replicaPages > this.replicaPeak) this.replicaPeak = this.replicaPages;
    m.machine.mem?.resetMisses(nmp);
    this.event('replicate', vm, gpn, src, nmp, m.alloc.nodeOf(src), to, cycles, p);
    return { kind: 'replicate', cycles, fromNode: m.alloc.nodeOf(src), toNode: to };
  }

  /**
   * Collapse a replicated page to one writable copy, the one on node `keepNode` if it has one
   * (the writer's), else the master: every copy is shot down, the others freed, the pmap points
   * at the survivor without PMAP_READONLY. `p` null: no charge and no event (VM teardown).
   * After a write-triggered collapse the page is not replicated again for freezeCycles.
   */
  collapse(vm: Vm, gpn: number, keepNode: number, p: PCpu | null, quiet = false): MoveResult | null {
    const m = this.m;
    const st = this.peek(vm, gpn);
    if (st === undefined || st.replicas === null) return null;
    const master = vm.pmap.mpage[gpn];
    const keep = st.replicas[keepNode] >= 0 ? st.replicas[keepNode] : master;
    let cycles = quiet ? 0 : this.chargeKey(p, 'numaFault');
    for (const mp of Array.from(st.replicas)) {
      if (mp < 0) continue;
      cycles += quiet ? (m.memmap.shootdown(mp, p?.id ?? -1), 0) : this.shoot(mp, p);
      if (mp === keep) continue;
      m.memmap.removeOwner(mp, vm.id, gpn);
      m.alloc.release(mp);
      if (mp !== master) { this.replicaPages--; this.replicaByNode[m.alloc.nodeOf(mp)]--; }
    }
    if (keep !== master) {
      // The kept replica becomes the page; the master was freed above.
      this.replicaPages--;
      this.replicaByNode[m.alloc.nodeOf(keep)]--;
      vm.account.byNode[m.alloc.nodeOf(master)]--;
      vm.account.byNode[m.alloc.nodeOf(keep)]++;
    }
    vm.pmap.set(gpn, keep, vm.pmap.flags[gpn] & ~PMAP_READONLY);
    st.replicas = null;
    this.afterMove([keep]);
    const now = p?.cpu.now() ?? 0;
    if (!quiet) {
      st.frozenUntil = now + this.freezeCycles;
      this.event('collapse', vm, gpn, master, keep, m.alloc.nodeOf(master), m.alloc.nodeOf(keep), cycles, p);
    }
    return { kind: 'collapse', cycles, fromNode: m.alloc.nodeOf(master), toNode: m.alloc.nodeOf(keep) };
  }

  /** The VM gives the page back or stops: drop its replicas (the caller frees the master). */
  forget(vm: Vm, gpn: number): void {
    const st = this.peek(vm, gpn);
    if (st === undefined) return;
    if (st.replicas !== null) {
      const master = vm.pmap.mpage[gpn];
      this.collapse(vm, gpn, this.m.alloc.nodeOf(master), null, true);
    }
    this.pages.get(vm.id)?.delete(gpn);
  }

  /** Replica pages and who owns them (Monitor.checkInvariants). */
  *replicaOwners(): Generator<[number, Vm, number]> {
    for (const vm of this.m.vms) {
      const t = this.pages.get(vm.id);
      if (t === undefined) continue;
      for (const [gpn, st] of t) {
        if (st.replicas === null) continue;
        for (const mp of st.replicas) if (mp >= 0 && mp !== vm.pmap.mpage[gpn]) yield [mp, vm, gpn];
      }
    }
  }

  // -----------------------------------------------------------------------------------------

  /** The copy to read from when replicating to `to`: one on that node's nearest neighbour. */
  private nearestCopy(r: Int32Array, to: number, master: number): number {
    const n = r.length;
    for (let k = 1; k < n; k++) {
      const mp = r[(to + k) % n];
      if (mp >= 0) return mp;
    }
    return master;
  }

  private copy(from: number, to: number): void {
    const ram = this.m.machine.bus.ram32;
    ram.copyWithin(to * (PAGE_BYTES >> 2), from * (PAGE_BYTES >> 2), (from + 1) * (PAGE_BYTES >> 2));
  }

  /** Shoot down `mp` and charge the removed entries and IPIs; returns the cycles. */
  private shoot(mp: number, p: PCpu | null): number {
    const r = this.m.memmap.shootdown(mp, p?.id ?? -1);
    return this.chargeKey(p, 'shootdownEntry', r.entries) + this.chargeKey(p, 'ipi', r.remoteCpus);
  }

  /** Counters restart for the moved pages; LL/SC links break (they name physical lines). */
  private afterMove(pages: number[]): void {
    const mem = this.m.machine.mem;
    if (mem !== null) for (const mp of pages) mem.resetMisses(mp);
    for (const c of this.m.machine.cpus) c.llbit = 0;
  }

  /** Charge a cost-table entry to p (its VM's monitor time when a VCPU runs there). */
  private chargeKey(p: PCpu | null, key: 'numaFault' | 'pageAlloc' | 'pageCopy' | 'shootdownEntry' | 'ipi', times = 1): number {
    if (p === null) return 0;
    const c = this.m.costs[key] * times;
    if (c === 0) return 0;
    if (p.current !== null) this.m.charge(p, p.current, key, times);
    else p.cpu.stall += c;
    return c;
  }

  private event(kind: PageEventKind, vm: Vm, gpn: number, fromMp: number, toMp: number, fromNode: number, toNode: number, cost: number, p: PCpu | null): void {
    const o = this.m.observer;
    if (o === null || o.page === undefined) return;
    o.page({ kind, vm: vm.id, gpn, fromMp, toMp, fromNode, toNode, cost, cpu: p?.id ?? -1, now: p?.cpu.now() ?? 0 });
  }
}
