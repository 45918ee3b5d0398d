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
// Under the monitor (vmm/), the monitor's trap handler runs right after onException and reports
// through monitorMiss: which VM and virtual CPU the miss belongs to, and whether it was satisfied
// from the L2TLB or the pmap (the monitor resumes the guest itself: the event completes there) or
// reflected to the guest kernel (it completes when the guest's handler returns; the monitor calls
// onEret when it emulates that eret).

import { ACC_FETCH, type Cpu, type CpuObserver } from '../../cpu/cpu.ts';
import { EXC_MOD, EXC_TLBL, EXC_TLBS, ST_ERL, ST_EXL } from '../../cpu/cp0.ts';
import { TLB_MISS, type Tlb } from '../../cpu/tlb.ts';
import {
  KIND_INVALID, KIND_MODIFIED, KIND_REFILL, MODE_KERNEL, MODE_SUPERVISOR, MODE_USER, OUTCOME_HANDLER,
  OUTCOME_L2TLB, OUTCOME_PMAP, OUTCOME_UNRESOLVED, type TlbEvent,
} from './event.ts';
import { ALL, type TlbFilter } from './filter.ts';

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
}

/** Per-CPU bookkeeping: the misses waiting for their eret, and where each resumes. */
interface CpuState {
  readonly num: number;
  readonly pending: TlbEvent[];
  readonly resume: number[];
  /** The event of the exception being taken now, if it is a kept TLB miss (for monitorMiss). */
  last: TlbEvent | null;
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

export class TlbTracer implements CpuObserver {
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
  // The last CPU looked up: with one CPU (or long runs on one) this skips the map.
  private lastCpu: Cpu | null = null;
  private lastState: CpuState | null = null;

  constructor(opts: TlbTracerOptions) {
    this.filter = opts.filter ?? ALL;
    this.emit = opts.emit;
    this.wantWord = opts.wantWord ?? false;
    this.nodeOf = opts.nodeOf ?? ((): number => 0);
  }

  /** Observe `cpu`, reported as CPU number `num`. */
  attach(cpu: Cpu, num: number): void {
    if (cpu.observer !== null && cpu.observer !== this) throw new Error(`CPU ${num} already has an observer`);
    cpu.observer = this;
    this.states.set(cpu, { num, pending: [], resume: [], last: null });
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
    const seq = this.misses++;
    if (this.stopped) return;
    const f = this.filter;
    const cp0 = cpu.cp0;
    const status = cp0.status; // still the status of the faulting context: called before vectoring
    const mode = (status & (ST_EXL | ST_ERL)) !== 0 ? MODE_KERNEL
      : ((status >>> 3) & 3) === 0 ? MODE_KERNEL : ((status >>> 3) & 3) === 1 ? MODE_SUPERVISOR : MODE_USER;
    const kind = code === EXC_MOD ? KIND_MODIFIED : refill ? KIND_REFILL : KIND_INVALID;
    const access = cpu.faultAccess;
    if (((f.modeMask >> mode) & (f.kindMask >> kind) & (f.accessMask >> access) & 1) === 0) return;
    if (f.cpus !== null && !f.cpus.has(st.num)) return;
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
    const pcPa = access === ACC_FETCH ? -1 : peekPhys(cpu, pc, asid);
    const e: TlbEvent = {
      seq, cycle, insn, cpu: st.num, vm: null, vcpu: null, kind, access, mode, exc: code, pc, ds, va, asid,
      outcome: OUTCOME_UNRESOLVED, cost: null, page: null, node: null,
      word: this.wantWord ? ramWord(cpu, pcPa) : null, pcPa,
    };
    // Where the eret that ends this miss's handling will go (see the header).
    const resume = (status & ST_EXL) !== 0 ? cp0.epc : ds ? (pc - 4) | 0 : pc | 0;
    if (st.pending.length >= MAX_PENDING) {
      this.emit(st.pending.shift()!);
      st.resume.shift();
    }
    st.pending.push(e);
    st.resume.push(resume | 0);
    st.last = e;
    if (++this.recorded >= f.limit) this.stop(`--limit ${f.limit} reached`);
  }

  onEret(cpu: Cpu, to: number): void {
    const st = this.state(cpu);
    if (st === undefined || st.pending.length === 0) return;
    const asid = cpu.cp0.entryHi & 0xff;
    const now = cpu.now();
    const { pending, resume } = st;
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

  /**
   * For the monitor's trap handler, right after the CPU reported a TLB exception: the miss belongs
   * to virtual CPU `vcpu` of VM `vm`, and `outcome` (OUTCOME_L2TLB, OUTCOME_PMAP or
   * OUTCOME_REFLECTED) says how the monitor dealt with it. L2TLB and pmap refills complete now,
   * `cost` being the cycles the monitor charged; a reflected miss completes when the guest's
   * handler returns. Does nothing if the exception was not a kept TLB miss.
   */
  monitorMiss(cpu: Cpu, vm: number, vcpu: number, outcome: number, cost = 0): void {
    const st = this.state(cpu);
    const e = st?.last ?? null;
    if (st === undefined || e === null) return;
    st.last = null;
    e.vm = vm;
    e.vcpu = vcpu;
    e.outcome = outcome;
    if (outcome !== OUTCOME_L2TLB && outcome !== OUTCOME_PMAP) return;
    const i = st.pending.lastIndexOf(e);
    if (i >= 0) { st.pending.splice(i, 1); st.resume.splice(i, 1); }
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
        e.pcPa = pa;
        if (this.wantWord) e.word = ramWord(cpu, pa);
      }
    }
    this.emit(e);
  }

  /** End of the run: write every miss still waiting, as unresolved. */
  flush(): void {
    for (const st of this.states.values()) this.flushState(st);
  }

  private flushState(st: CpuState): void {
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
