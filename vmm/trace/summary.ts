// `disco trace tlb --summary`: aggregate figures over the kept misses, computed as events stream
// past (nothing but counters and per-page / per-PC maps is held): misses per 1,000 instructions by
// kind, access and mode; the pages and PCs that miss most; the distribution of the miss cost
// (cycles until the faulting context resumed); and the monitor's figures (outcomes, the L2TLB hit
// rate, per-VM miss rates), n/a on the bare machine.

import { ACCESS_NAMES, KIND_NAMES, KIND_REFILL, MODE_NAMES, OUTCOME_L2TLB, OUTCOME_NAMES, hex8, type TlbEvent } from './event.ts';
import type { Symbolizer } from './formats.ts';

/** Costs below this are counted exactly (for exact percentiles); above, in power-of-two buckets. */
const EXACT_COST = 1 << 16;
const TOP = 10;

export interface SummaryTotals {
  instructions: number;
  cycles: number;
  /** Under the monitor: every VM, with the instructions its VCPUs executed. */
  vms?: ReadonlyArray<{ vm: number; name: string; instructions: number }>;
}

/** Per-VM figures of the summary (under the monitor). */
export interface VmSummaryJson {
  vm: number;
  name: string;
  instructions: number;
  misses: number;
  /** Misses per 1,000 instructions of this VM. */
  perKiloInstructions: number;
  /** Count by outcome. */
  outcomes: Record<string, number>;
  /** Refills satisfied from this VM's L2TLBs over its refills; null with no refills. */
  l2tlbHitRate: number | null;
  /** Mean cost of its resolved misses (cycles); null with none. */
  meanCost: number | null;
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
  topPages: Array<{ vm: number | null; asid: number; va: string; misses: number; share: number; page: number | null; sym: string | null }>;
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
  /** Fraction of the refills (kind refill) under the monitor satisfied from the L2TLB; null on the bare machine. */
  l2tlbHitRate: number | null;
  /** Per-VM figures under the monitor; null on the bare machine. */
  vms: VmSummaryJson[] | null;
}

export class TlbSummary {
  private n = 0;
  /** counts[kind*3 + mode], counts by access in accCounts[access*3 + mode]. */
  private readonly kindCounts = new Float64Array(9);
  private readonly accCounts = new Float64Array(9);
  private readonly outcomes = new Float64Array(OUTCOME_NAMES.length);
  /** Key (vm + 1) * 2^28 + asid * 2^20 + virtual page number (vm -1 on the bare machine). */
  private readonly pages = new Map<number, { misses: number; page: number | null }>();
  private readonly pcs = new Map<number, { misses: number; word: number | null; pa: number }>();
  private readonly exact = new Float64Array(EXACT_COST);
  private readonly log2 = new Float64Array(64);
  private resolved = 0;
  private costSum = 0;
  private costMax = 0;
  /** Per VM: misses, by outcome, refills, cost of the resolved ones. */
  private readonly perVm = new Map<number, { misses: number; outcomes: Float64Array; refills: number; resolved: number; costSum: number }>();
  private refills = 0;
  private l2hits = 0;

  add(e: TlbEvent): void {
    this.n++;
    this.kindCounts[e.kind * 3 + e.mode]++;
    this.accCounts[e.access * 3 + e.mode]++;
    this.outcomes[e.outcome]++;
    const key = ((e.vm ?? -1) + 1) * 0x10000000 + e.asid * 0x100000 + Math.floor(e.va / 4096);
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
    if (e.vm !== null) {
      let s = this.perVm.get(e.vm);
      if (s === undefined) {
        s = { misses: 0, outcomes: new Float64Array(OUTCOME_NAMES.length), refills: 0, resolved: 0, costSum: 0 };
        this.perVm.set(e.vm, s);
      }
      s.misses++;
      s.outcomes[e.outcome]++;
      if (e.cost !== null) { s.resolved++; s.costSum += e.cost; }
      // The monitor looks in the L2TLB on refills only (mmu.ts tlbFault).
      if (e.kind === KIND_REFILL) {
        s.refills++;
        this.refills++;
        if (e.outcome === OUTCOME_L2TLB) this.l2hits++;
      }
    }
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
        const vm = Math.floor(key / 0x10000000) - 1;
        return { vm: vm < 0 ? null : vm, asid: Math.floor(key / 0x100000) % 256, va: hex8(va), misses: v.misses, share: share(v.misses), page: v.page, sym: sy.sym(va) };
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
    const outcomeRecord = (arr: Float64Array): Record<string, number> => {
      const r: Record<string, number> = {};
      OUTCOME_NAMES.forEach((name, i) => { if (arr[i] > 0) r[name] = arr[i]; });
      return r;
    };
    const vms: VmSummaryJson[] | null = t.vms === undefined ? null : t.vms.map((info) => {
      const s = this.perVm.get(info.vm);
      const misses = s?.misses ?? 0;
      return {
        vm: info.vm,
        name: info.name,
        instructions: info.instructions,
        misses,
        perKiloInstructions: info.instructions > 0 ? round3((misses * 1000) / info.instructions) : 0,
        outcomes: s === undefined ? {} : outcomeRecord(s.outcomes),
        l2tlbHitRate: s !== undefined && s.refills > 0 ? round3(s.outcomes[OUTCOME_L2TLB] / s.refills) : null,
        meanCost: s !== undefined && s.resolved > 0 ? round3(s.costSum / s.resolved) : null,
      };
    });
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
      l2tlbHitRate: this.refills > 0 ? round3(this.l2hits / this.refills) : null,
      vms,
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
    const vmCol = j.vms !== null;
    L.push(`  ${vmCol ? 'vm'.padEnd(4) : ''}${'asid'.padEnd(6)}${'page'.padEnd(12)}${'misses'.padStart(12)}${'share'.padStart(8)}  ${'machine'.padEnd(9)}symbol`);
    for (const p of j.topPages) {
      L.push(`  ${vmCol ? String(p.vm ?? '-').padEnd(4) : ''}${p.asid.toString(16).padStart(2, '0').padEnd(6)}${p.va.padEnd(12)}${num(p.misses).padStart(12)}${pct(p.share).padStart(8)}  ` +
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
      L.push('miss cost: no resolved misses');
    } else {
      const what = j.vms === null ? 'handler cycles, miss to eret' : 'cycles from the miss until the guest resumed';
      L.push(`miss cost (${what}): mean ${c.mean}, p50 ${c.p50}, p90 ${c.p90}, p99 ${c.p99}, max ${c.max}` +
        ` (${num(c.resolved)} resolved, ${num(j.misses - c.resolved)} unresolved)`);
      const peak = Math.max(...c.histogram.map((h) => h.count));
      for (const h of c.histogram) {
        const bar = '#'.repeat(Math.max(1, Math.round((h.count / peak) * 40)));
        L.push(`  ${`${h.from}-${h.to}`.padStart(13)}  ${num(h.count).padStart(12)}  ${bar}`);
      }
    }
    L.push('');
    if (j.vms === null) {
      L.push('L2TLB hit rate: n/a (bare machine: no monitor)');
      L.push('per VM: n/a (bare machine)');
    } else {
      L.push(`outcomes: ${OUTCOME_NAMES.filter((n) => j.outcomes[n] !== undefined).map((n) => `${n} ${num(j.outcomes[n])}`).join(', ') || 'none'}`);
      L.push(`L2TLB hit rate: ${j.l2tlbHitRate === null ? 'n/a (no refills)' : `${pct(j.l2tlbHitRate)} of refills`}`);
      L.push('');
      L.push('per VM');
      const shown = OUTCOME_NAMES.filter((n) => n !== 'handler');
      L.push(`  ${'vm'.padEnd(8)}${'instructions'.padStart(14)}${'misses'.padStart(11)}${'per 1k'.padStart(9)}${shown.map((n) => n.padStart(11)).join('')}${'L2TLB hit'.padStart(11)}${'mean cost'.padStart(11)}`);
      for (const v of j.vms) {
        L.push(`  ${v.name.slice(0, 7).padEnd(8)}${num(v.instructions).padStart(14)}${num(v.misses).padStart(11)}${v.perKiloInstructions.toFixed(3).padStart(9)}` +
          `${shown.map((n) => num(v.outcomes[n] ?? 0).padStart(11)).join('')}${(v.l2tlbHitRate === null ? '-' : pct(v.l2tlbHitRate)).padStart(11)}` +
          `${(v.meanCost === null ? '-' : String(Math.round(v.meanCost))).padStart(11)}`);
      }
    }
    return L.map((l) => l.trimEnd()).join('\n') + '\n';
  }
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
