// The monitor's dynamic NUMA policy (Disco section 4.2.3, after Verghese, Devine, Gupta and
// Rosenblum, "Operating system support for improving data locality on CC-NUMA compute
// servers", ASPLOS '96). The machine counts cache misses per 4 KiB page and per node
// (cpu/numa.ts, FLASH's MAGIC counters) and tells the monitor when a page's count for a node
// reaches the hot threshold. The monitor then decides, between interleaving rounds:
//
//   - the requesting node already has a copy                      -> nothing
//   - the page's move cap is reached                              -> nothing
//   - no other node has >= sharingThreshold misses on the page    -> migrate it there
//     (it is used mostly by one node)
//   - other nodes use it too, and it is not being written         -> replicate it there
//     (read-shared; "written" = a dirty line of it in some cache, or a collapse within
//     freezeCycles)
//   - otherwise (write-shared)                                    -> it stays, and its
//     counters restart, so the next notice sees only the nodes that use it from now on
//
// Every counter is reset every resetInterval cycles (and a page's when it moves), so the policy
// follows changes in who uses what. Placement at first touch is placement.ts. docs/numa.md
// documents every parameter; `disco numa` prints them with the results.

import type { HotPageListener } from '../cpu/numa.ts';
import { PAGE_BYTES } from './alloc.ts';
import { PageMover, type MoveResult } from './migrate.ts';
import { Placer, parsePlacement, placementName, type Placement } from './placement.ts';
import { PMAP_NONE, PMAP_READONLY } from './pmap.ts';
import type { Monitor } from './monitor.ts';
import type { PCpu } from './sched.ts';
import type { VCpu } from './vcpu.ts';
import type { Vm } from './vm.ts';

/** A VM's NUMA configuration (VmConfig.numa). */
export interface NumaOptions {
  /** Placement at first touch (default 'first-touch'). */
  placement?: string;
  /** Move pages used mostly by one node to that node. */
  migrate?: boolean;
  /** Replicate read-shared pages on the nodes that read them. */
  replicate?: boolean;
  /** Misses of another node that make a page shared (default 4). */
  sharingThreshold?: number;
  /** Cycles between resets of every miss counter (default 2,000,000 = 10 ms at 200 MHz). */
  resetInterval?: number;
  /** Migrations + first replications of one page at most (default 8; migrate.ts PageState). */
  maxMoves?: number;
  /** After a write collapses a page's replicas, no replication for this many cycles (default 4,000,000). */
  freezeCycles?: number;
}

export interface NumaParams {
  placement: Placement;
  migrate: boolean;
  replicate: boolean;
  sharingThreshold: number;
  resetInterval: number;
  maxMoves: number;
  freezeCycles: number;
}

export const NUMA_DEFAULTS = {
  sharingThreshold: 4,
  resetInterval: 2_000_000,
  maxMoves: 8,
  freezeCycles: 4_000_000,
} as const;

/** Validate options (one-line RangeErrors) and fill in the defaults. */
export function numaParams(o: NumaOptions, nodes: number): NumaParams {
  const int = (v: number | undefined, name: string, lo: number, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < lo) throw new RangeError(`NUMA ${name}: expected an integer >= ${lo}, got ${v}`);
    return v;
  };
  return {
    placement: parsePlacement(o.placement ?? 'first-touch', nodes),
    migrate: o.migrate ?? false,
    replicate: o.replicate ?? false,
    sharingThreshold: int(o.sharingThreshold, 'sharing threshold', 1, NUMA_DEFAULTS.sharingThreshold),
    resetInterval: int(o.resetInterval, 'reset interval', 1000, NUMA_DEFAULTS.resetInterval),
    maxMoves: int(o.maxMoves, 'move cap', 0, NUMA_DEFAULTS.maxMoves),
    freezeCycles: int(o.freezeCycles, 'freeze cycles', 0, NUMA_DEFAULTS.freezeCycles),
  };
}

/** Per-VM counts of what the policy did. */
export interface NumaCounts {
  hotNotices: number;
  migrations: number;
  replications: number;
  collapses: number;
  /** Cycles charged for each kind of move. */
  migrateCycles: number;
  replicateCycles: number;
  collapseCycles: number;
  /** Hot notices that led to no move, by reason. */
  local: number;
  capped: number;
  writeShared: number;
  noMemory: number;
  notOurs: number;
}

const newCounts = (): NumaCounts => ({
  hotNotices: 0, migrations: 0, replications: 0, collapses: 0, migrateCycles: 0, replicateCycles: 0,
  collapseCycles: 0, local: 0, capped: 0, writeShared: 0, noMemory: 0, notOurs: 0,
});

interface VmNuma { params: NumaParams; placer: Placer; counts: NumaCounts }

/** The NUMA part of Monitor.vmStats (--stats). */
export interface NumaStats extends NumaCounts {
  placement: string;
  migrate: boolean;
  replicate: boolean;
  /** Replica memory of all VMs now and at most (bytes). */
  replicaBytes: number;
  replicaPeakBytes: number;
}

/** Queue bound: hot notices beyond it wait for the next counter reset to come back. */
const MAX_PENDING = 4096;

export class NumaManager {
  readonly mover: PageMover;
  private readonly perVm = new Map<number, VmNuma>();
  /** Hot notices: RAM page, node, physical CPU whose miss raised it. */
  private readonly pending: number[] = [];
  private nextReset: number;
  private readonly resetInterval: number;
  resets = 0;

  constructor(private readonly m: Monitor, resetInterval: number, freezeCycles: number) {
    this.mover = new PageMover(m, freezeCycles);
    this.resetInterval = resetInterval;
    this.nextReset = resetInterval;
    const mem = m.machine.mem;
    if (mem !== null) {
      const listener: HotPageListener = (page, node) => {
        if (this.pending.length < 3 * MAX_PENDING) this.pending.push(page, node, m.machine.bus.currentCpu);
      };
      mem.hotPageListener = listener;
    }
  }

  /** Attach the monitor's NUMA manager (once) and configure `vm`. */
  static configure(m: Monitor, vm: Vm, o: NumaOptions): NumaManager {
    const params = numaParams(o, m.alloc.nodes);
    if ((params.migrate || params.replicate) && (m.machine.mem === null || m.machine.mem.cfg.hotPageThreshold <= 0)) {
      throw new RangeError('NUMA migration and replication need the timing mode with a hot-page threshold (the per-page miss counters)');
    }
    let n = m.numa;
    if (n === null) { n = new NumaManager(m, params.resetInterval, params.freezeCycles); m.numa = n; }
    n.perVm.set(vm.id, { params, placer: new Placer(params.placement, m.alloc.nodes), counts: newCounts() });
    return n;
  }

  params(vm: Vm): NumaParams | null {
    return this.perVm.get(vm.id)?.params ?? null;
  }

  counts(vm: Vm): NumaCounts {
    return this.perVm.get(vm.id)?.counts ?? newCounts();
  }

  stats(vm: Vm): NumaStats {
    const s = this.perVm.get(vm.id);
    return {
      placement: this.placementOf(vm), migrate: s?.params.migrate ?? false, replicate: s?.params.replicate ?? false,
      ...this.counts(vm), replicaBytes: this.mover.replicaPages * PAGE_BYTES, replicaPeakBytes: this.mover.replicaPeak * PAGE_BYTES,
    };
  }

  placementOf(vm: Vm): string {
    const s = this.perVm.get(vm.id);
    return s === undefined ? 'first-touch' : placementName(s.params.placement);
  }

  // ---------------------------------------------------------------------------------------
  // Hooks the monitor calls.

  /** Node for a new page of vm (Monitor.allocGuestPage); `node` is the caller's choice. */
  place(vm: Vm, node: number): number {
    const s = this.perVm.get(vm.id);
    if (s === undefined) return node;
    const cur = this.m.pcpus[this.m.machine.bus.currentCpu].current;
    const home = cur !== null && cur.vm === vm ? this.m.pcpus[cur.home].node : -1;
    return s.placer.place(node, home);
  }

  /** The machine page a VCPU on `node` maps for guest page gpn (its replica if any). */
  mapFor(vm: Vm, gpn: number, node: number): number {
    return this.mover.localCopy(vm, gpn, node, vm.page(gpn, node));
  }

  /** A guest store hit a read-only page: ours if it is replicated (collapse), else false. */
  writeFault(p: PCpu, v: VCpu, gpn: number): boolean {
    const vm = v.vm;
    if (!this.mover.isReplicated(vm, gpn)) return false;
    const r = this.mover.collapse(vm, gpn, p.node, p);
    if (r !== null) this.count(vm, r);
    return true;
  }

  /** The monitor itself is about to write guest page gpn (DMA, loading): collapse first. */
  beforeMonitorWrite(vm: Vm, gpn: number): void {
    if (!this.mover.isReplicated(vm, gpn)) return;
    const p = this.m.pcpus[this.m.machine.bus.currentCpu];
    const r = this.mover.collapse(vm, gpn, p.node, p);
    if (r !== null) this.count(vm, r);
  }

  /** The page is being freed: drop its replicas first. */
  forget(vm: Vm, gpn: number): void {
    this.mover.forget(vm, gpn);
  }

  /** Between rounds: handle hot-page notices, reset the counters when due. */
  service(): void {
    const mem = this.m.machine.mem;
    if (mem === null) return;
    if (this.pending.length > 0) {
      const q = this.pending.splice(0, this.pending.length);
      for (let i = 0; i < q.length; i += 3) this.hot(q[i], q[i + 1], this.m.pcpus[q[i + 2]]);
    }
    const now = this.m.machine.cpus[0].cycles;
    if (now >= this.nextReset) {
      mem.resetMisses();
      this.resets++;
      this.nextReset = now + this.resetInterval;
    }
  }

  // ---------------------------------------------------------------------------------------
  // The policy.

  /** Counter of RAM page `mp` for `node` reached the threshold; p's miss raised it. */
  private hot(mp: number, node: number, p: PCpu): void {
    const m = this.m, mem = m.machine.mem!;
    const owners = m.memmap.owners(mp);
    if (owners.length !== 1) return; // a monitor page, a freed page, or one shared between VMs
    if (owners[0].vm < 0) return; // held by the monitor (a network page in flight, net.ts)
    const vm = m.vms[owners[0].vm], gpn = owners[0].gpn;
    const s = this.perVm.get(vm.id);
    if (s === undefined || !vm.running) return;
    const c = s.counts, prm = s.params;
    c.hotNotices++;
    if (!prm.migrate && !prm.replicate) return;
    const st = this.mover.peek(vm, gpn);
    const replicated = st?.replicas != null;
    const master = vm.pmap.mpage[gpn];
    if (master === PMAP_NONE) return;
    if (!replicated && (vm.pmap.flags[gpn] & PMAP_READONLY) !== 0) { c.notOurs++; return; } // copy-on-write
    const copies = this.mover.copies(vm, gpn);
    if (copies.some((cp) => m.alloc.nodeOf(cp) === node)) { c.local++; return; }
    if ((st?.moves ?? 0) >= prm.maxMoves && !replicated) { c.capped++; return; }
    // Misses per node over every copy of the page.
    const nodes = m.alloc.nodes;
    let sharers = 0;
    for (let k = 0; k < nodes; k++) {
      if (k === node) continue;
      let n = 0;
      for (const cp of copies) n += mem.misses(cp, k);
      if (n >= prm.sharingThreshold) sharers++;
    }
    let r: MoveResult | null = null;
    if (replicated) {
      if (!prm.replicate) return;
      r = this.mover.replicate(vm, gpn, node, p);
    } else if (sharers === 0) {
      if (!prm.migrate) return;
      r = this.mover.migrate(vm, gpn, node, p);
    } else if (!prm.replicate || (st?.frozenUntil ?? 0) > p.cpu.now() || this.dirty(master)) {
      // Shared and written (or no replication): it stays. Its counters restart so that the
      // next notice judges who uses it from now on: a process that moved away stops counting.
      c.writeShared++;
      for (const cp of copies) mem.resetMisses(cp);
      return;
    } else {
      r = this.mover.replicate(vm, gpn, node, p);
    }
    if (r === null) { c.noMemory++; return; }
    this.count(vm, r);
  }

  /** True if some cache holds a line of machine page mp modified (the page is being written). */
  private dirty(mp: number): boolean {
    const mem = this.m.machine.mem!;
    const line = mem.cfg.lineBytes, ncpu = this.m.machine.cpus.length;
    for (let off = mp * PAGE_BYTES; off < (mp + 1) * PAGE_BYTES; off += line) {
      for (let c = 0; c < ncpu; c++) if (mem.lineState(c, off) === 'M') return true;
    }
    return false;
  }

  private count(vm: Vm, r: MoveResult): void {
    const c = this.counts(vm);
    if (r.kind === 'migrate') { c.migrations++; c.migrateCycles += r.cycles; }
    else if (r.kind === 'replicate') { c.replications++; c.replicateCycles += r.cycles; }
    else { c.collapses++; c.collapseCycles += r.cycles; }
  }
}
