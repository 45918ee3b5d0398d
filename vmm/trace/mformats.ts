// Output formats of `disco trace monitor` (text, CSV, JSON lines, Perfetto) and its summary. The
// same four formats as `disco trace tlb` (formats.ts), over the fields of mevent.ts; the schema of
// each is in docs/trace.md.

import { Chalk, type ChalkInstance } from 'chalk';
import { hex8 } from './event.ts';
import { MEVENT_NAMES, MEV_TRAP, MFIELDS, MOUTCOME_NAMES, excLabel, type MonitorEvent } from './mevent.ts';
import { perfettoHead, type FormatContext, type FormatName, type Symbolizer } from './formats.ts';
import type { TraceOutput } from './output.ts';

/** A MonitorEvent as named values in MFIELDS order (null where absent). */
function values(e: MonitorEvent, sy: Symbolizer): Array<string | number | null> {
  return [
    e.seq, e.cycle, e.cpu, e.vm, e.vcpu, MEVENT_NAMES[e.event],
    e.exc === null ? null : excLabel(e.exc),
    e.pc === null ? null : hex8(e.pc),
    e.va === null ? null : hex8(e.va),
    e.outcome === null ? null : MOUTCOME_NAMES[e.outcome],
    e.gpn, e.fromMp, e.toMp, e.fromNode, e.toNode, e.cost,
    e.pc === null ? null : sy.symAt(e.pc, e.pcPa),
  ];
}

export interface MonitorFormat {
  begin(): void;
  event(e: MonitorEvent): void;
  end(): void;
}

export function makeMonitorFormat(name: FormatName, out: TraceOutput, sy: Symbolizer, ctx: FormatContext): MonitorFormat {
  switch (name) {
    case 'text': return new TextFormat(out, sy, ctx.colour);
    case 'csv': return new CsvFormat(out, sy);
    case 'jsonl': return new JsonlFormat(out, sy);
    case 'perfetto': return new PerfettoFormat(out, sy, ctx);
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const page = (p: number | null): string => (p === null || p < 0 ? '-' : '0x' + p.toString(16).padStart(5, '0'));

/**
 * text: a header, then one aligned line per event: cycle, cpu, vm, vcpu, event, cost, then for a
 * trap its ExcCode, pc, (TLB) va and outcome and <symbol>; for a page event the guest page and
 * the machine pages and nodes before and after.
 */
class TextFormat implements MonitorFormat {
  private readonly c: ChalkInstance;
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer, colour: boolean) {
    this.c = new Chalk({ level: colour ? 1 : 0 });
  }

  begin(): void {
    const h = `${lpad('cycle', 12)} ${lpad('cpu', 3)} ${lpad('vm', 3)} ${lpad('vcpu', 4)} ${pad('event', 10)}${lpad('cost', 7)}  detail`;
    this.out.write(this.c.bold(h) + '\n');
  }

  event(e: MonitorEvent): void {
    const c = this.c;
    let line = `${lpad(String(e.cycle), 12)} ${lpad(String(e.cpu), 3)} ${lpad(String(e.vm), 3)} ${lpad(e.vcpu === null ? '-' : String(e.vcpu), 4)} `;
    if (e.event === MEV_TRAP) {
      line += `${pad('trap', 10)}${lpad(String(e.cost), 7)}  ${pad(excLabel(e.exc!), 7)}pc ${hex8(e.pc!)}`;
      if (e.va !== null) line += `  va ${c.bold(hex8(e.va))} ${e.outcome === null ? '-' : MOUTCOME_NAMES[e.outcome]}`;
      const sym = this.sy.symAt(e.pc!, e.pcPa);
      if (sym !== null) line += c.dim(` <${sym}>`);
    } else {
      line += `${c.yellow(pad(MEVENT_NAMES[e.event], 10))}${lpad(String(e.cost), 7)}  guest page 0x${e.gpn!.toString(16).padStart(5, '0')}: ` +
        `${page(e.fromMp)} (node ${e.fromNode! < 0 ? '-' : e.fromNode}) -> ${page(e.toMp)} (node ${e.toNode! < 0 ? '-' : e.toNode})`;
    }
    this.out.write(line + '\n');
  }

  end(): void {}
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** csv: a header with the field names, then one row per event; null is an empty field. */
class CsvFormat implements MonitorFormat {
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer) {}
  begin(): void {
    this.out.write(MFIELDS.join(',') + '\n');
  }
  event(e: MonitorEvent): void {
    this.out.write(values(e, this.sy).map((v) => (v === null ? '' : typeof v === 'string' ? csvField(v) : String(v))).join(',') + '\n');
  }
  end(): void {}
}

/** jsonl: one JSON object per line, keys in MFIELDS order. */
class JsonlFormat implements MonitorFormat {
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer) {}
  begin(): void {}
  event(e: MonitorEvent): void {
    const v = values(e, this.sy);
    let s = '{';
    for (let i = 0; i < MFIELDS.length; i++) s += `${i > 0 ? ',' : ''}"${MFIELDS[i]}":${JSON.stringify(v[i])}`;
    this.out.write(s + '}\n');
  }
  end(): void {}
}

/**
 * perfetto: Chrome trace-event JSON. VM N is process N + 1, each physical CPU a thread track in
 * it. A trap is a complete event ("ph":"X") named by its ExcCode, lasting the cycles the monitor
 * charged; a page event is an instant event ("ph":"i") named by its kind. Time: cycles at a
 * nominal 1 GHz (ts in microseconds = cycles / 1000), as in `trace tlb`.
 */
class PerfettoFormat implements MonitorFormat {
  private first = true;
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer, private readonly ctx: FormatContext) {}

  private item(s: string): void {
    this.out.write(this.first ? s : ',\n' + s);
    this.first = false;
  }

  begin(): void {
    const { head, items } = perfettoHead(this.ctx);
    this.out.write(head);
    for (const it of items) this.item(it);
  }

  event(e: MonitorEvent): void {
    const v = values(e, this.sy);
    let args = '';
    for (let i = 0; i < MFIELDS.length; i++) {
      const k = MFIELDS[i];
      if (k === 'cycle' || k === 'cpu' || k === 'vm' || v[i] === null) continue;
      args += `${args === '' ? '' : ','}"${k}":${JSON.stringify(v[i])}`;
    }
    const us = (c: number): string => (c / 1000).toFixed(3).replace(/\.?0+$/, '');
    const head = `"pid":${e.vm + 1},"tid":${e.cpu},"ts":${us(e.cycle)}`;
    if (e.event === MEV_TRAP) {
      const cat = e.outcome !== null ? 'trap,tlb' : 'trap';
      this.item(`{"ph":"X",${head},"dur":${us(e.cost)},"name":${JSON.stringify(excLabel(e.exc!))},"cat":"${cat}","args":{${args}}}`);
    } else {
      this.item(`{"ph":"i","s":"t",${head},"name":"${MEVENT_NAMES[e.event]}","cat":"page","args":{${args}}}`);
    }
  }

  end(): void {
    this.out.write('\n]}\n');
  }
}

/** JSON form of the monitor summary (docs/trace.md). */
export interface MonitorSummaryJson {
  instructions: number;
  cycles: number;
  events: number;
  /** By event kind. */
  counts: Record<string, number>;
  /** Traps by ExcCode: count, cycles charged in all, mean. */
  traps: Array<{ exc: string; count: number; cycles: number; mean: number }>;
  /** TLB traps by outcome. */
  outcomes: Record<string, number>;
  /** Refills of TLB traps satisfied from the L2TLB over the L2TLB lookups (refills); null with none. */
  l2tlbHitRate: number | null;
  /** Page events by kind: count, cycles charged, moves between nodes (from -> to). */
  pages: Array<{ kind: string; count: number; cycles: number; moves: Record<string, number> }>;
  vms: Array<{ vm: number; name: string; instructions: number; traps: number; trapsPerKiloInstructions: number; monitorCycles: number; pageEvents: Record<string, number> }>;
}

export interface MonitorTotals {
  instructions: number;
  cycles: number;
  vms: ReadonlyArray<{ vm: number; name: string; instructions: number }>;
}

/** Aggregates over the kept events, as they stream past. */
export class MonitorSummary {
  private n = 0;
  private readonly kinds = new Float64Array(MEVENT_NAMES.length);
  private readonly trapCount = new Float64Array(32);
  private readonly trapCycles = new Float64Array(32);
  private readonly outcomes = new Float64Array(MOUTCOME_NAMES.length);
  private refills = 0;
  private l2hits = 0;
  private readonly pageCycles = new Float64Array(MEVENT_NAMES.length);
  private readonly moves = new Map<string, number>();
  private readonly perVm = new Map<number, { traps: number; cycles: number; pages: Float64Array }>();

  add(e: MonitorEvent): void {
    this.n++;
    this.kinds[e.event]++;
    let s = this.perVm.get(e.vm);
    if (s === undefined) { s = { traps: 0, cycles: 0, pages: new Float64Array(MEVENT_NAMES.length) }; this.perVm.set(e.vm, s); }
    if (e.event === MEV_TRAP) {
      this.trapCount[e.exc!]++;
      this.trapCycles[e.exc!] += e.cost;
      s.traps++;
      s.cycles += e.cost;
      if (e.outcome !== null) {
        this.outcomes[e.outcome]++;
      }
    } else {
      this.pageCycles[e.event] += e.cost;
      s.pages[e.event]++;
      const key = `${e.event}:${e.fromNode}->${e.toNode}`;
      this.moves.set(key, (this.moves.get(key) ?? 0) + 1);
    }
  }

  /** L2TLB hits and lookups (the monitor's own counts, for the hit rate: it looks on refills only). */
  setL2(hits: number, lookups: number): void {
    this.l2hits = hits;
    this.refills = lookups;
  }

  toJson(t: MonitorTotals): MonitorSummaryJson {
    const r3 = (v: number): number => Math.round(v * 1000) / 1000;
    const counts: Record<string, number> = {};
    MEVENT_NAMES.forEach((k, i) => { counts[k] = this.kinds[i]; });
    const traps: MonitorSummaryJson['traps'] = [];
    for (let c = 0; c < 32; c++) {
      if (this.trapCount[c] > 0) traps.push({ exc: excLabel(c), count: this.trapCount[c], cycles: this.trapCycles[c], mean: r3(this.trapCycles[c] / this.trapCount[c]) });
    }
    traps.sort((a, b) => b.count - a.count || a.exc.localeCompare(b.exc));
    const outcomes: Record<string, number> = {};
    MOUTCOME_NAMES.forEach((k, i) => { if (this.outcomes[i] > 0) outcomes[k] = this.outcomes[i]; });
    const pages: MonitorSummaryJson['pages'] = [];
    for (let k = 1; k < MEVENT_NAMES.length; k++) {
      if (this.kinds[k] === 0) continue;
      const moves: Record<string, number> = {};
      for (const [key, n] of [...this.moves].sort()) {
        const [kind, move] = key.split(':');
        if (Number(kind) === k) moves[move] = n;
      }
      pages.push({ kind: MEVENT_NAMES[k], count: this.kinds[k], cycles: this.pageCycles[k], moves });
    }
    return {
      instructions: t.instructions,
      cycles: t.cycles,
      events: this.n,
      counts,
      traps,
      outcomes,
      l2tlbHitRate: this.refills > 0 ? r3(this.l2hits / this.refills) : null,
      pages,
      vms: t.vms.map((v) => {
        const s = this.perVm.get(v.vm);
        const pageEvents: Record<string, number> = {};
        if (s !== undefined) MEVENT_NAMES.forEach((k, i) => { if (i !== MEV_TRAP && s.pages[i] > 0) pageEvents[k] = s.pages[i]; });
        return {
          vm: v.vm, name: v.name, instructions: v.instructions, traps: s?.traps ?? 0,
          trapsPerKiloInstructions: v.instructions > 0 ? r3(((s?.traps ?? 0) * 1000) / v.instructions) : 0,
          monitorCycles: s?.cycles ?? 0, pageEvents,
        };
      }),
    };
  }

  toText(t: MonitorTotals, header: string): string {
    const j = this.toJson(t);
    const num = (v: number): string => v.toLocaleString('en-US');
    const L: string[] = [header];
    L.push(`${num(j.events)} events in ${num(j.instructions)} instructions, ${num(j.cycles)} cycles: ` +
      MEVENT_NAMES.filter((k) => j.counts[k] > 0).map((k) => `${k} ${num(j.counts[k])}`).join(', '));
    L.push('');
    L.push('traps by cause');
    L.push(`  ${'exc'.padEnd(8)}${'count'.padStart(12)}${'cycles'.padStart(16)}${'mean'.padStart(10)}`);
    for (const tr of j.traps) L.push(`  ${tr.exc.padEnd(8)}${num(tr.count).padStart(12)}${num(tr.cycles).padStart(16)}${tr.mean.toFixed(1).padStart(10)}`);
    L.push('');
    L.push(`TLB traps by outcome: ${MOUTCOME_NAMES.filter((k) => j.outcomes[k] !== undefined).map((k) => `${k} ${num(j.outcomes[k])}`).join(', ') || 'none'}`);
    L.push(`L2TLB hit rate: ${j.l2tlbHitRate === null ? 'n/a (no refills)' : `${(j.l2tlbHitRate * 100).toFixed(1)}% of refills`}`);
    L.push('');
    if (j.pages.length === 0) L.push('page events: none');
    else {
      L.push('page events');
      for (const p of j.pages) {
        const moves = Object.entries(p.moves).map(([m, n]) => `${m.replace(/-1/g, '-')} ${num(n)}`).join(', ');
        L.push(`  ${p.kind.padEnd(10)}${num(p.count).padStart(10)}${num(p.cycles).padStart(14)} cycles   nodes ${moves}`);
      }
    }
    L.push('');
    L.push('per VM');
    L.push(`  ${'vm'.padEnd(8)}${'instructions'.padStart(14)}${'traps'.padStart(12)}${'per 1k'.padStart(9)}${'monitor cycles'.padStart(16)}  page events`);
    for (const v of j.vms) {
      const pe = Object.entries(v.pageEvents).map(([k, n]) => `${k} ${num(n)}`).join(', ') || '-';
      L.push(`  ${v.name.slice(0, 7).padEnd(8)}${num(v.instructions).padStart(14)}${num(v.traps).padStart(12)}${v.trapsPerKiloInstructions.toFixed(3).padStart(9)}${num(v.monitorCycles).padStart(16)}  ${pe}`);
    }
    return L.map((l) => l.trimEnd()).join('\n') + '\n';
  }
}
