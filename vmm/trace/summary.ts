// `disco trace tlb --summary`: aggregate figures over the kept misses, computed as events stream
// past (nothing but counters and per-page / per-PC maps is held): misses per 1,000 instructions by
// kind, access and mode; the pages and PCs that miss most; the distribution of the miss cost
// (handler cycles); and the monitor's figures (L2TLB hit rate, per VM), n/a on the bare machine.

import {
  ACCESS_NAMES, KIND_NAMES, MODE_NAMES, OUTCOME_L2TLB, OUTCOME_NAMES, OUTCOME_PMAP, OUTCOME_REFLECTED,
  hex8, type TlbEvent,
} from './event.ts';
import type { Symbolizer } from './formats.ts';

/** Costs below this are counted exactly (for exact percentiles); above, in power-of-two buckets. */
const EXACT_COST = 1 << 16;
const TOP = 10;

export interface SummaryTotals {
  instructions: number;
  cycles: number;
}

/** JSON form of the summary (docs/trace.md). */
export interface SummaryJson {
  instructions: number;
  cycles: number;
  misses: number;
  perKiloInstructions: number;
  /** [kind or access name][mode name or "all"] = misses per 1,000 instructions. */
  rates: Record<string, Record<string, number>>;
  counts: Record<string, Record<string, number>>;
  outcomes: Record<string, number>;
  topPages: Array<{ asid: number; va: string; misses: number; share: number; page: number | null; sym: string | null }>;
  topPCs: Array<{ pc: string; misses: number; share: number; sym: string | null; insn: string | null }>;
  cost: {
    resolved: number;
    mean: number | null;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    max: number | null;
    histogram: Array<{ from: number; to: number; count: number }>;
  };
  /** Fraction of misses satisfied from the L2TLB; null on the bare machine. */
  l2tlbHitRate: number | null;
  /** Per-VM figures under the monitor; null on the bare machine. */
  vms: Array<{ vm: number; misses: number; perKiloInstructions: number }> | null;
}

export class TlbSummary {
  private n = 0;
  /** counts[kind*3 + mode], counts by access in accCounts[access*3 + mode]. */
  private readonly kindCounts = new Float64Array(9);
  private readonly accCounts = new Float64Array(9);
  private readonly outcomes = new Float64Array(OUTCOME_NAMES.length);
  /** Key asid * 2^20 + virtual page number. */
  private readonly pages = new Map<number, { misses: number; page: number | null }>();
  private readonly pcs = new Map<number, { misses: number; word: number | null; pa: number }>();
  private readonly exact = new Float64Array(EXACT_COST);
  private readonly log2 = new Float64Array(64);
  private resolved = 0;
  private costSum = 0;
  private costMax = 0;
  private readonly vmMisses = new Map<number, number>();

  add(e: TlbEvent): void {
    this.n++;
    this.kindCounts[e.kind * 3 + e.mode]++;
    this.accCounts[e.access * 3 + e.mode]++;
    this.outcomes[e.outcome]++;
    const key = e.asid * 0x100000 + Math.floor(e.va / 4096);
    const pg = this.pages.get(key);
    if (pg === undefined) this.pages.set(key, { misses: 1, page: e.page });
    else { pg.misses++; if (e.page !== null) pg.page = e.page; }
    const pc = this.pcs.get(e.pc);
    if (pc === undefined) this.pcs.set(e.pc, { misses: 1, word: e.word, pa: e.pcPa });
    else { pc.misses++; if (pc.word === null) { pc.word = e.word; pc.pa = e.pcPa; } }
    if (e.cost !== null) {
      this.resolved++;
      this.costSum += e.cost;
      if (e.cost > this.costMax) this.costMax = e.cost;
      if (e.cost < EXACT_COST) this.exact[e.cost]++;
      this.log2[e.cost <= 0 ? 0 : 32 - Math.clz32(e.cost)]++;
    }
    if (e.vm !== null) this.vmMisses.set(e.vm, (this.vmMisses.get(e.vm) ?? 0) + 1);
  }

  /** The cost below which a fraction `q` of resolved misses fall (exact unless beyond 65535). */
  private percentile(q: number): number | null {
    if (this.resolved === 0) return null;
    const target = Math.ceil(q * this.resolved);
    let acc = 0;
    for (let c = 0; c < EXACT_COST; c++) {
      acc += this.exact[c];
      if (acc >= target) return c;
    }
    return this.costMax;
  }

  toJson(t: SummaryTotals, sy: Symbolizer): SummaryJson {
    const perK = (count: number): number => (t.instructions > 0 ? round3((count * 1000) / t.instructions) : 0);
    const rates: Record<string, Record<string, number>> = {};
    const counts: Record<string, Record<string, number>> = {};
    const fill = (names: readonly string[], arr: Float64Array): void => {
      names.forEach((name, k) => {
        const r: Record<string, number> = {};
        const c: Record<string, number> = {};
        let all = 0;
        MODE_NAMES.forEach((mode, m) => { c[mode] = arr[k * 3 + m]; r[mode] = perK(arr[k * 3 + m]); all += arr[k * 3 + m]; });
        c.all = all;
        r.all = perK(all);
        rates[name] = r;
        counts[name] = c;
      });
    };
    fill(KIND_NAMES, this.kindCounts);
    fill(ACCESS_NAMES, this.accCounts);
    const allRow: Record<string, number> = {};
    const allCount: Record<string, number> = {};
    MODE_NAMES.forEach((mode, m) => {
      const c = this.kindCounts[m] + this.kindCounts[3 + m] + this.kindCounts[6 + m];
      allCount[mode] = c;
      allRow[mode] = perK(c);
    });
    allCount.all = this.n;
    allRow.all = perK(this.n);
    rates.all = allRow;
    counts.all = allCount;

    const share = (m: number): number => (this.n > 0 ? round3(m / this.n) : 0);
    const topPages = [...this.pages.entries()]
      .sort((a, b) => b[1].misses - a[1].misses || a[0] - b[0]).slice(0, TOP)
      .map(([key, v]) => {
        const va = (key % 0x100000) * 4096;
        return { asid: Math.floor(key / 0x100000), va: hex8(va), misses: v.misses, share: share(v.misses), page: v.page, sym: sy.sym(va) };
      });
    const topPCs = [...this.pcs.entries()]
      .sort((a, b) => b[1].misses - a[1].misses || a[0] - b[0]).slice(0, TOP)
      .map(([pc, v]) => ({ pc: hex8(pc), misses: v.misses, share: share(v.misses), sym: sy.symAt(pc, v.pa), insn: v.word === null ? null : sy.disasm(v.word, pc) }));

    // Four buckets per power of two (single values below 8); beyond EXACT_COST, one per power.
    const histogram: Array<{ from: number; to: number; count: number }> = [];
    for (let from = 0; from < EXACT_COST;) {
      const width = from < 8 ? 1 : 2 ** (31 - Math.clz32(from) - 2);
      let count = 0;
      for (let c = from; c < from + width; c++) count += this.exact[c];
      if (count > 0) histogram.push({ from, to: from + width - 1, count });
      from += width;
    }
    for (let b = 17; b < 64; b++) {
      if (this.log2[b] > 0) histogram.push({ from: 2 ** (b - 1), to: 2 ** b - 1, count: this.log2[b] });
    }
    const outcomes: Record<string, number> = {};
    OUTCOME_NAMES.forEach((name, i) => { if (this.outcomes[i] > 0) outcomes[name] = this.outcomes[i]; });
    const monitored = this.outcomes[OUTCOME_L2TLB] + this.outcomes[OUTCOME_PMAP] + this.outcomes[OUTCOME_REFLECTED];
    return {
      instructions: t.instructions,
      cycles: t.cycles,
      misses: this.n,
      perKiloInstructions: perK(this.n),
      rates,
      counts,
      outcomes,
      topPages,
      topPCs,
      cost: {
        resolved: this.resolved,
        mean: this.resolved > 0 ? round3(this.costSum / this.resolved) : null,
        p50: this.percentile(0.5),
        p90: this.percentile(0.9),
        p99: this.percentile(0.99),
        max: this.resolved > 0 ? this.costMax : null,
        histogram,
      },
      l2tlbHitRate: monitored > 0 ? round3(this.outcomes[OUTCOME_L2TLB] / monitored) : null,
      vms: this.vmMisses.size > 0
        ? [...this.vmMisses.entries()].sort((a, b) => a[0] - b[0]).map(([vm, m]) => ({ vm, misses: m, perKiloInstructions: perK(m) }))
        : null,
    };
  }

  /** The human form: aligned tables and a histogram. */
  toText(t: SummaryTotals, sy: Symbolizer, header: string): string {
    const j = this.toJson(t, sy);
    const L: string[] = [];
    const num = (v: number): string => v.toLocaleString('en-US');
    L.push(header);
    L.push(`${num(j.misses)} TLB misses in ${num(j.instructions)} instructions, ${num(j.cycles)} cycles: ` +
      `${j.perKiloInstructions.toFixed(3)} per 1,000 instructions`);
    L.push('');
    L.push(`misses per 1,000 instructions (count)`);
    const cols = [...MODE_NAMES, 'all'];
    L.push(`  ${''.padEnd(10)}${cols.map((c) => c.padStart(22)).join('')}`);
    for (const row of [...KIND_NAMES, ...ACCESS_NAMES, 'all']) {
      if (row === 'load' || row === 'all') L.push('');
      L.push(`  ${row.padEnd(10)}${cols.map((c) => `${j.rates[row][c].toFixed(3)} (${num(j.counts[row][c])})`.padStart(22)).join('')}`);
    }
    L.push('');
    L.push(`top pages (virtual)`);
    L.push(`  ${'asid'.padEnd(6)}${'page'.padEnd(12)}${'misses'.padStart(12)}${'share'.padStart(8)}  ${'machine'.padEnd(9)}symbol`);
    for (const p of j.topPages) {
      L.push(`  ${p.asid.toString(16).padStart(2, '0').padEnd(6)}${p.va.padEnd(12)}${num(p.misses).padStart(12)}${pct(p.share).padStart(8)}  ` +
        `${(p.page === null ? '-' : '0x' + p.page.toString(16).padStart(5, '0')).padEnd(9)}${p.sym ?? ''}`);
    }
    L.push('');
    L.push(`top PCs`);
    L.push(`  ${'pc'.padEnd(12)}${'misses'.padStart(12)}${'share'.padStart(8)}  ${'instruction'.padEnd(28)}symbol`);
    for (const p of j.topPCs) {
      L.push(`  ${p.pc.padEnd(12)}${num(p.misses).padStart(12)}${pct(p.share).padStart(8)}  ${(p.insn ?? '?').padEnd(28)}${p.sym ?? ''}`);
    }
    L.push('');
    const c = j.cost;
    if (c.resolved === 0) {
      L.push('miss cost (handler cycles): no resolved misses');
    } else {
      L.push(`miss cost (handler cycles, miss to eret): mean ${c.mean}, p50 ${c.p50}, p90 ${c.p90}, p99 ${c.p99}, max ${c.max}` +
        ` (${num(c.resolved)} resolved, ${num(j.misses - c.resolved)} unresolved)`);
      const peak = Math.max(...c.histogram.map((h) => h.count));
      for (const h of c.histogram) {
        const bar = '#'.repeat(Math.max(1, Math.round((h.count / peak) * 40)));
        L.push(`  ${`${h.from}-${h.to}`.padStart(13)}  ${num(h.count).padStart(12)}  ${bar}`);
      }
    }
    L.push('');
    L.push(`L2TLB hit rate: ${j.l2tlbHitRate === null ? 'n/a (bare machine: no monitor)' : pct(j.l2tlbHitRate)}`);
    if (j.vms === null) L.push('per VM: n/a (bare machine)');
    else for (const v of j.vms) L.push(`vm ${v.vm}: ${num(v.misses)} misses, ${v.perKiloInstructions.toFixed(3)} per 1,000 instructions`);
    return L.map((l) => l.trimEnd()).join('\n') + '\n';
  }
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
