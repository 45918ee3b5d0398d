// TLB-miss tracing on the bare machine: a CpuObserver that turns every TLB exception into a
// TlbEvent (event.ts) and completes it when the guest's handler returns.
//
// The CPU calls the observer only from its exception and eret slow paths (cpu.ts CpuObserver),
// so a run without a tracer pays nothing, and a traced run pays only per exception.
//
// Completing an event: a miss is "pending" from the exception until an eret returns to the
// faulting context, i.e. to the address that EPC received (the faulting instruction, or the branch
// when it sits in a delay slot, PRA 6.2.1; for a miss taken with EXL already set, the EPC of the
// exception being handled) with the miss's ASID in EntryHi. That eret gives the handler's cost in
// cycles, and the TLB then holds the translation the handler wrote, which gives the machine page.
// Interrupts and syscalls taken meanwhile eret elsewhere and do not complete it. A miss whose
// handler never comes back (the run ends, or it resumes somewhere else) is written as
// "unresolved"; at most MAX_PENDING misses per CPU wait, the oldest goes first.
//
// Under the monitor (vmm/, option `monitor`), the tracer is also the monitor's observer
// (events.ts): onException still records the miss (the CPU calls it before the monitor's trap
// handler), attributed to the VM and virtual CPU running on that CPU, in that VCPU's virtual mode;
// the monitor then reports the outcome through tlbMiss. A miss satisfied from the L2TLB, the pmap
// or the window completes there (the monitor resumes the guest itself); a reflected one completes
// when the guest's handler returns, through the eret the monitor emulates (eret). Misses waiting
// for their eret are kept per VCPU, not per physical CPU: a VCPU may be descheduled inside its
// handler, and another VM running the same image would eret to the same addresses.

import { ACC_FETCH, type Cpu, type CpuObserver } from '../../cpu/cpu.ts';
import { EXC_MOD, EXC_TLBL, EXC_TLBS, ST_ERL, ST_EXL } from '../../cpu/cp0.ts';
import { TLB_MISS, type Tlb } from '../../cpu/tlb.ts';
import {
  KIND_INVALID, KIND_MODIFIED, KIND_REFILL, MODE_KERNEL, MODE_SUPERVISOR, MODE_USER, OUTCOME_EMULATED,
  OUTCOME_HANDLER, OUTCOME_L2TLB, OUTCOME_PMAP, OUTCOME_REFLECTED, OUTCOME_UNRESOLVED, OUTCOME_WINDOW,
  type TlbEvent,
} from './event.ts';
import { ALL, type TlbFilter } from './filter.ts';
import type { MissOutcome, MonitorObserver } from '../events.ts';
import type { Monitor } from '../monitor.ts';
import type { VCpu } from '../vcpu.ts';
import { readGuestWord } from '../mmu.ts';
import { WINDOW_BASE } from '../vm.ts';

/** OUTCOME_* of each monitor outcome. */
const MONITOR_OUTCOME: Readonly<Record<MissOutcome, number>> = {
  l2tlb: OUTCOME_L2TLB, pmap: OUTCOME_PMAP, window: OUTCOME_WINDOW, reflected: OUTCOME_REFLECTED, emulated: OUTCOME_EMULATED,
};

/** Misses per CPU that may wait for their eret before the oldest is written as unresolved. */
export const MAX_PENDING = 64;

export interface TlbTracerOptions {
  filter?: TlbFilter;
  /** Receives each kept event once it is complete (in completion order per CPU). */
  emit: (e: TlbEvent) => void;
  /** Read the instruction word at the faulting PC into `word` (for disassembly). */
  wantWord?: boolean;
  /** NUMA node of a machine physical address, negative if none (default: 0, one node). */
  nodeOf?: (pa: number) => number;
  /** Trace the guests of this monitor (attach with attachMonitor()). */
  monitor?: Monitor;
}

/** Misses waiting for their eret, and where each resumes (per CPU, or per VCPU under the monitor). */
interface Queue {
  readonly pending: TlbEvent[];
  readonly resume: number[];
}

/** Per-CPU bookkeeping. */
interface CpuState extends Queue {
  readonly num: number;
  /** The event of the exception being taken now, if it is a kept TLB miss (for monitorMiss). */
  last: TlbEvent | null;
  /** The queue that event waits in. */
  lastQ: Queue | null;
}

/** Physical address `va` maps to under `asid` through valid TLB entries, or -1. No side effects. */
export function tlbTranslate(tlb: Tlb, va: number, asid: number): number {
  const i = tlb.lookup(va | 0, asid);
  if (i === TLB_MISS) return -1;
  const pageBytes = tlb.pageBytes(i);
  const lo = (va & pageBytes) !== 0 ? tlb.lo1[i] : tlb.lo0[i];
  if ((lo & 2) === 0) return -1; // V clear
  const base = ((lo >>> 6) & 0xffffff) * 4096;
  return base - (base % pageBytes) + ((va >>> 0) % pageBytes);
}

/** Physical address of virtual `va` as the CPU would translate it now, or -1 (no side effects). */
export function peekPhys(cpu: Cpu, va: number, asid: number): number {
  const u = va >>> 0;
  if (u >= 0x80000000 && u < 0xc0000000) return u & 0x1fffffff; // kseg0/kseg1 (PRA 4.5)
  if (u < 0x80000000 && (cpu.cp0.status & ST_ERL) !== 0) return u; // kuseg unmapped under ERL
  return tlbTranslate(cpu.tlb, u, asid);
}

/** The instruction word at physical `pa` if it is RAM, else null. */
function ramWord(cpu: Cpu, pa: number): number | null {
  if (pa < 0 || (pa & 3) !== 0 || !cpu.bus.isRam(pa)) return null;
  return cpu.bus.read(pa, 4) | 0;
}

/** MODE_* of a virtual CPU's mode (cp0.mode(): 0 kernel, 1 supervisor, else user). */
function vmode(v: VCpu): number {
  const m = v.mode();
  return m === 0 ? MODE_KERNEL : m === 1 ? MODE_SUPERVISOR : MODE_USER;
}

/** Guest physical address of `va` for v now (window, kseg0/kseg1, guest TLB), or -1. */
export function guestPhys(v: VCpu, va: number): number {
  const u = va >>> 0;
  if (u >= 0x80000000 && u < 0xc0000000) return u & 0x1fffffff;
  if (((u - WINDOW_BASE) >>> 0) < v.vm.memBytes) return (u - WINDOW_BASE) >>> 0;
  return tlbTranslate(v.tlb, u, v.cp0.entryHi & 0xff);
}

export class TlbTracer implements CpuObserver, MonitorObserver {
  /** TLB misses seen on all CPUs, kept or not. */
  misses = 0;
  /** Events kept so far (some may still be pending). */
  recorded = 0;
  /** Set once nothing more can be recorded (--limit reached; the run loop also sets it for --before). */
  stopped = false;
  stopReason = '';
  private readonly filter: TlbFilter;
  private readonly emit: (e: TlbEvent) => void;
  private readonly wantWord: boolean;
  private readonly nodeOf: (pa: number) => number;
  private readonly states = new Map<Cpu, CpuState>();
  private readonly mon: Monitor | null;
  /** Under the monitor: the queue of each VCPU, by gid. */
  private readonly vqueues: Queue[] = [];
  // The last CPU looked up: with one CPU (or long runs on one) this skips the map.
  private lastCpu: Cpu | null = null;
  private lastState: CpuState | null = null;

  constructor(opts: TlbTracerOptions) {
    this.filter = opts.filter ?? ALL;
    this.emit = opts.emit;
    this.wantWord = opts.wantWord ?? false;
    this.nodeOf = opts.nodeOf ?? ((): number => 0);
    this.mon = opts.monitor ?? null;
  }

  /** Observe every physical CPU of the monitor and become its observer. */
  attachMonitor(): void {
    const mon = this.mon;
    if (mon === null) throw new Error('this tracer was made without a monitor');
    if (mon.observer !== null && mon.observer !== this) throw new Error('the monitor already has an observer');
    for (const c of mon.machine.cpus) this.attach(c, c.id);
    mon.observer = this;
  }

  /** Stop observing the monitor and its CPUs (pending misses are written as unresolved). */
  detachMonitor(): void {
    const mon = this.mon;
    if (mon === null) return;
    for (const c of mon.machine.cpus) this.detach(c);
    if (mon.observer === this) mon.observer = null;
    this.flush();
  }

  private vqueue(v: VCpu): Queue {
    let q = this.vqueues[v.gid];
    if (q === undefined) {
      q = { pending: [], resume: [] };
      this.vqueues[v.gid] = q;
    }
    return q;
  }

  /** Observe `cpu`, reported as CPU number `num`. */
  attach(cpu: Cpu, num: number): void {
    if (cpu.observer !== null && cpu.observer !== this) throw new Error(`CPU ${num} already has an observer`);
    cpu.observer = this;
    this.states.set(cpu, { num, pending: [], resume: [], last: null, lastQ: null });
    this.lastCpu = null;
  }

  private state(cpu: Cpu): CpuState | undefined {
    if (cpu === this.lastCpu) return this.lastState!;
    const st = this.states.get(cpu);
    if (st !== undefined) { this.lastCpu = cpu; this.lastState = st; }
    return st;
  }

  /** Stop observing `cpu` (its pending misses are written as unresolved). */
  detach(cpu: Cpu): void {
    const st = this.states.get(cpu);
    if (st === undefined) return;
    this.flushState(st);
    if (cpu.observer === this) cpu.observer = null;
    this.states.delete(cpu);
    this.lastCpu = null;
  }

  onException(cpu: Cpu, code: number, epcPC: number, ds: boolean, refill: boolean): void {
    const st = this.state(cpu);
    if (st === undefined) return;
    st.last = null;
    if (code !== EXC_TLBL && code !== EXC_TLBS && code !== EXC_MOD) return;
    // Under the monitor: the VCPU this CPU runs (the idle loop takes no TLB misses).
    const v = this.mon !== null ? this.mon.pcpus[cpu.id].current : null;
    if (this.mon !== null && v === null) return;
    const seq = this.misses++;
    if (this.stopped) return;
    const f = this.filter;
    const cp0 = cpu.cp0;
    const status = cp0.status; // still the status of the faulting context: called before vectoring
    const mode = v !== null ? vmode(v)
      : (status & (ST_EXL | ST_ERL)) !== 0 ? MODE_KERNEL
      : ((status >>> 3) & 3) === 0 ? MODE_KERNEL : ((status >>> 3) & 3) === 1 ? MODE_SUPERVISOR : MODE_USER;
    const kind = code === EXC_MOD ? KIND_MODIFIED : refill ? KIND_REFILL : KIND_INVALID;
    const access = cpu.faultAccess;
    if (((f.modeMask >> mode) & (f.kindMask >> kind) & (f.accessMask >> access) & 1) === 0) return;
    if (f.cpus !== null && !f.cpus.has(st.num)) return;
    if (f.vms !== null && (v === null || !f.vms.has(v.vm.id))) return;
    const va = cp0.badVAddr >>> 0;
    const pc = epcPC >>> 0;
    if (va < f.vaLo || va >= f.vaHi || pc < f.pcLo || pc >= f.pcHi) return;
    const cycle = cpu.now();
    const insn = cpu.instret + (cpu.batchN - cpu.left); // exact inside the interpreter's slow paths
    const t = f.clock === 'cycles' ? cycle : insn;
    // Past --before on this CPU's clock; the run loop stops once every CPU is past it.
    if (t < f.after || t >= f.before) return;
    const asid = cp0.entryHi & 0xff;
    // A fetch miss has no translation for pc yet: its word and address are found after the eret.
    let pcPa = -1;
    let word: number | null = null;
    if (v !== null) {
      // The guest's view: its physical address (where the image was loaded) and its memory.
      pcPa = guestPhys(v, pc);
      if (this.wantWord && access !== ACC_FETCH) word = readGuestWord(this.mon!, v, pc);
    } else {
      pcPa = access === ACC_FETCH ? -1 : peekPhys(cpu, pc, asid);
      if (this.wantWord) word = ramWord(cpu, pcPa);
    }
    const e: TlbEvent = {
      seq, cycle, insn, cpu: st.num, vm: v !== null ? v.vm.id : null, vcpu: v !== null ? v.index : null,
      kind, access, mode, exc: code, pc, ds, va, asid,
      outcome: OUTCOME_UNRESOLVED, cost: null, page: null, node: null, word, pcPa,
    };
    // Where the eret that ends this miss's handling will go (see the header); under the monitor
    // the virtual EXL decides, and a reflected miss takes the EPC the monitor delivered.
    const exl = v !== null ? (v.cp0.status & ST_EXL) !== 0 : (status & ST_EXL) !== 0;
    const resume = exl ? (v !== null ? v.cp0.epc : cp0.epc) : ds ? (pc - 4) | 0 : pc | 0;
    const q: Queue = v !== null ? this.vqueue(v) : st;
    if (q.pending.length >= MAX_PENDING) {
      this.emit(q.pending.shift()!);
      q.resume.shift();
    }
    q.pending.push(e);
    q.resume.push(resume | 0);
    st.last = e;
    st.lastQ = q;
    if (++this.recorded >= f.limit) this.stop(`--limit ${f.limit} reached`);
  }

  onEret(cpu: Cpu, to: number): void {
    const st = this.state(cpu);
    if (st === undefined || st.pending.length === 0 || this.mon !== null) return;
    this.resumed(cpu, st, to, cpu.cp0.entryHi & 0xff, cpu.now());
  }

  /** An eret to `to` with `asid` in EntryHi at cycle `now`: complete the misses of `q` it ends. */
  private resumed(cpu: Cpu, q: Queue, to: number, asid: number, now: number): void {
    const { pending, resume } = q;
    if (pending.length === 1) { // the common case: one miss, its handler returns
      if (resume[0] === (to | 0) && pending[0].asid === asid) {
        const e = pending.pop()!;
        resume.pop();
        this.complete(cpu, e, now);
      }
      return;
    }
    let kept = 0;
    for (let i = 0; i < pending.length; i++) {
      const e = pending[i];
      if (resume[i] === (to | 0) && e.asid === asid) {
        this.complete(cpu, e, now);
      } else {
        pending[kept] = e;
        resume[kept] = resume[i];
        kept++;
      }
    }
    pending.length = kept;
    resume.length = kept;
  }

  // MonitorObserver (events.ts): the monitor's side of a miss.

  tlbMiss(cpu: number, _vm: number, _vcpu: number, _va: number, outcome: MissOutcome, cost: number): void {
    const mon = this.mon;
    if (mon === null) return;
    const c = mon.machine.cpus[cpu];
    const v = mon.pcpus[cpu].current;
    // A reflected miss resumes where the delivered exception's eret goes: the virtual EPC.
    this.monitorMiss(c, _vm, _vcpu, MONITOR_OUTCOME[outcome], cost, outcome === 'reflected' && v !== null ? v.cp0.epc : undefined);
  }

  eret(cpu: number, vm: number, vcpu: number, to: number, now: number): void {
    const mon = this.mon;
    if (mon === null) return;
    const v = mon.vms[vm]?.vcpus[vcpu];
    if (v === undefined) return;
    const q = this.vqueues[v.gid];
    if (q === undefined || q.pending.length === 0) return;
    this.resumed(mon.machine.cpus[cpu], q, to, v.cp0.entryHi & 0xff, now);
  }

  /**
   * For the monitor's trap handler, right after the CPU reported a TLB exception: the miss belongs
   * to virtual CPU `vcpu` of VM `vm`, and `outcome` (OUTCOME_L2TLB, _PMAP, _WINDOW, _EMULATED or
   * _REFLECTED) says how the monitor dealt with it. All but reflected misses complete now, `cost`
   * being the cycles the monitor charged; a reflected one completes when the guest's handler
   * returns to `resumeAt` (default: as computed at the miss). Does nothing if the exception was
   * not a kept TLB miss.
   */
  monitorMiss(cpu: Cpu, vm: number, vcpu: number, outcome: number, cost = 0, resumeAt?: number): void {
    const st = this.state(cpu);
    const e = st?.last ?? null;
    if (st === undefined || e === null) return;
    const q = st.lastQ ?? st;
    st.last = null;
    st.lastQ = null;
    e.vm = vm;
    e.vcpu = vcpu;
    e.outcome = outcome;
    const i = q.pending.lastIndexOf(e);
    if (outcome === OUTCOME_REFLECTED) {
      if (i >= 0 && resumeAt !== undefined) q.resume[i] = resumeAt | 0;
      return;
    }
    if (i >= 0) { q.pending.splice(i, 1); q.resume.splice(i, 1); }
    this.complete(cpu, e, e.cycle + cost);
  }

  /** The handler of `e` returned at cycle `now`: cost, and the page it mapped. */
  private complete(cpu: Cpu, e: TlbEvent, now: number): void {
    if (e.outcome === OUTCOME_UNRESOLVED) e.outcome = OUTCOME_HANDLER; // else the monitor's outcome
    e.cost = now - e.cycle;
    const pa = tlbTranslate(cpu.tlb, e.va, e.asid);
    if (pa >= 0) {
      e.page = Math.floor(pa / 4096);
      const node = this.nodeOf(pa);
      e.node = node < 0 ? null : node;
      if (e.access === ACC_FETCH) {
        const v = this.mon !== null && e.vm !== null && e.vcpu !== null ? this.mon.vms[e.vm].vcpus[e.vcpu] : null;
        if (v !== null) {
          e.pcPa = guestPhys(v, e.pc);
          if (this.wantWord) e.word = readGuestWord(this.mon!, v, e.pc);
        } else {
          e.pcPa = pa;
          if (this.wantWord) e.word = ramWord(cpu, pa);
        }
      }
    }
    this.emit(e);
  }

  /** End of the run: write every miss still waiting, as unresolved. */
  flush(): void {
    for (const st of this.states.values()) this.flushState(st);
    for (const q of this.vqueues) if (q !== undefined) this.flushState(q);
  }

  private flushState(st: Queue): void {
    for (const e of st.pending) this.emit(e);
    st.pending.length = 0;
    st.resume.length = 0;
  }

  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopReason = reason;
  }
}
