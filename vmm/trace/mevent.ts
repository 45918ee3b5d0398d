// `disco trace monitor`: the monitor's own events as one record each, the schema every output
// format writes (docs/trace.md): the traps it handled (with, for TLB traps, the address and how
// the miss was satisfied) and the changes it made to where guest pages live (migration,
// replication, collapse of replicas, copy-on-write breaks, sharing, zeroing). The tracer is a
// MonitorObserver (vmm/events.ts): the monitor calls it only when it is attached.

import { EXC_MOD, EXC_NAMES, EXC_TLBL, EXC_TLBS } from '../../cpu/cp0.ts';
import type { MissOutcome, MonitorObserver, PageEvent, PageEventKind } from '../events.ts';
import type { Monitor } from '../monitor.ts';
import { guestPhys } from './tlb.ts';

/** The event kinds: a trap, or a page event of events.ts. */
export const MEVENT_NAMES = ['trap', 'migrate', 'replicate', 'collapse', 'cow-break', 'share', 'zero'] as const;
export type MEventName = (typeof MEVENT_NAMES)[number];
export const MEV_TRAP = 0;
const PAGE_KIND_INDEX: Readonly<Record<PageEventKind, number>> = {
  migrate: 1, replicate: 2, collapse: 3, 'cow-break': 4, share: 5, zero: 6,
};

/** TLB miss outcomes as events.ts names them. */
export const MOUTCOME_NAMES: readonly MissOutcome[] = ['l2tlb', 'pmap', 'window', 'reflected', 'emulated'];

/** One monitor event. Addresses are unsigned 32-bit numbers; absent fields are null. */
export interface MonitorEvent {
  /** Event number in the order the monitor reported them, counting events the filters dropped. */
  seq: number;
  /** Simulated cycle of the physical CPU when the trap was taken / the page event happened. */
  cycle: number;
  cpu: number;
  vm: number;
  /** The virtual CPU that trapped; null for page events (a page belongs to the VM). */
  vcpu: number | null;
  /** Index into MEVENT_NAMES. */
  event: number;
  /** Trap: ExcCode and the faulting instruction. */
  exc: number | null;
  pc: number | null;
  /** TLB traps: the address that missed and how the monitor dealt with it (index into MOUTCOME_NAMES). */
  va: number | null;
  outcome: number | null;
  /** Page events: guest physical page, machine pages and nodes before and after (-1: none). */
  gpn: number | null;
  fromMp: number | null;
  toMp: number | null;
  fromNode: number | null;
  toNode: number | null;
  /** Simulated cycles the monitor charged (the whole trap; the page move). */
  cost: number;
  /** Not written: the guest physical address of pc (for symbols of code run through an alias), else -1. */
  pcPa: number;
}

/** Field order of the CSV columns and JSON keys (docs/trace.md). */
export const MFIELDS = [
  'seq', 'cycle', 'cpu', 'vm', 'vcpu', 'event', 'exc', 'pc', 'va', 'outcome', 'gpn', 'fromPage', 'toPage',
  'fromNode', 'toNode', 'cost', 'sym',
] as const;

/** What `disco trace monitor` keeps (--vm, --cpu, --event, --exc, --after/--before, --limit). */
export interface MonitorFilter {
  vms: ReadonlySet<number> | null;
  cpus: ReadonlySet<number> | null;
  /** One bit per MEVENT_NAMES index. */
  eventMask: number;
  /** Trap ExcCodes to keep, one bit per code (page events are not affected). */
  excMask: number;
  /** Keep events at cycle t with after <= t < before. */
  after: number;
  before: number;
  limit: number;
}

export const MONITOR_ALL: MonitorFilter = {
  vms: null, cpus: null, eventMask: (1 << MEVENT_NAMES.length) - 1, excMask: -1, after: 0, before: Infinity, limit: Infinity,
};

/** ExcCode names for --exc and the formats (cp0.ts EXC_NAMES; unnamed codes as excN). */
export function excLabel(code: number): string {
  return EXC_NAMES[code] ?? `exc${code}`;
}

function isTlb(code: number): boolean {
  return code === EXC_TLBL || code === EXC_TLBS || code === EXC_MOD;
}

export class MonitorTracer implements MonitorObserver {
  /** Events reported by the monitor, kept or not. */
  seen = 0;
  /** Events kept. */
  recorded = 0;
  stopped = false;
  stopReason = '';
  /** Per physical CPU: the outcome of the TLB miss of the trap being handled (-1: none). */
  private readonly missOutcome: Int8Array;
  private readonly missVa: Float64Array;

  /** `wantPa`: find the guest physical address of each trap's pc (for symbols). */
  constructor(private readonly mon: Monitor, private readonly filter: MonitorFilter, private readonly emit: (e: MonitorEvent) => void,
    private readonly wantPa = false) {
    const n = mon.machine.cpus.length;
    this.missOutcome = new Int8Array(n).fill(-1);
    this.missVa = new Float64Array(n);
  }

  attach(): void {
    if (this.mon.observer !== null && this.mon.observer !== this) throw new Error('the monitor already has an observer');
    this.mon.observer = this;
  }

  detach(): void {
    if (this.mon.observer === this) this.mon.observer = null;
  }

  tlbMiss(cpu: number, _vm: number, _vcpu: number, va: number, outcome: MissOutcome): void {
    this.missOutcome[cpu] = MOUTCOME_NAMES.indexOf(outcome);
    this.missVa[cpu] = va >>> 0;
  }

  trap(cpu: number, vm: number, vcpu: number, code: number, pc: number, now: number, cost: number): void {
    const o = this.missOutcome[cpu];
    this.missOutcome[cpu] = -1;
    const tlb = isTlb(code);
    if (!this.keep(MEV_TRAP, cpu, vm, now) || ((this.filter.excMask >>> code) & 1) === 0) return;
    const v = this.wantPa ? this.mon.vms[vm]?.vcpus[vcpu] : undefined;
    this.push({
      seq: this.seen - 1, cycle: now, cpu, vm, vcpu, event: MEV_TRAP, exc: code, pc: pc >>> 0,
      va: tlb ? (o >= 0 ? this.missVa[cpu] : this.mon.machine.cpus[cpu].cp0.badVAddr >>> 0) : null,
      outcome: tlb && o >= 0 ? o : null,
      gpn: null, fromMp: null, toMp: null, fromNode: null, toNode: null, cost,
      pcPa: v !== undefined ? guestPhys(v, pc) : -1,
    });
  }

  page(e: PageEvent): void {
    const kind = PAGE_KIND_INDEX[e.kind];
    if (kind === undefined || !this.keep(kind, e.cpu, e.vm, e.now)) return;
    this.push({
      seq: this.seen - 1, cycle: e.now, cpu: e.cpu, vm: e.vm, vcpu: null, event: kind, exc: null, pc: null, va: null, outcome: null,
      gpn: e.gpn, fromMp: e.fromMp, toMp: e.toMp, fromNode: e.fromNode, toNode: e.toNode, cost: e.cost, pcPa: -1,
    });
  }

  /** Count the event; true if the filters keep it. */
  private keep(kind: number, cpu: number, vm: number, now: number): boolean {
    this.seen++;
    if (this.stopped) return false;
    const f = this.filter;
    if (((f.eventMask >>> kind) & 1) === 0) return false;
    if (f.vms !== null && !f.vms.has(vm)) return false;
    if (f.cpus !== null && !f.cpus.has(cpu)) return false;
    return now >= f.after && now < f.before;
  }

  private push(e: MonitorEvent): void {
    this.emit(e);
    if (++this.recorded >= this.filter.limit) {
      this.stopped = true;
      this.stopReason = `--limit ${this.filter.limit} reached`;
    }
  }
}
