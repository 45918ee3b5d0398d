// `disco trace tlb`: event counts against programs whose TLB behaviour is worked out by hand
// (guests/trace/pages.elf: a user program touching P pages with a round-robin refill handler, see
// guests/trace/pages.c), the fields of each event, the filters, and every output format.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import { parseElf } from '../cpu/elf.ts';
import { ACC_FETCH, ACC_LOAD, ACC_STORE } from '../cpu/cpu.ts';
import { EXC_MOD, EXC_TLBL, EXC_TLBS } from '../cpu/cp0.ts';
import {
  FIELDS, KIND_INVALID, KIND_MODIFIED, KIND_REFILL, MODE_KERNEL, MODE_SUPERVISOR, MODE_USER, OUTCOME_HANDLER,
  OUTCOME_PMAP, OUTCOME_UNRESOLVED, type TlbEvent,
} from '../vmm/trace/event.ts';
import { ALL, FilterError, parseKinds, parseModes, parseRange, type TlbFilter } from '../vmm/trace/filter.ts';
import { TlbTracer } from '../vmm/trace/tlb.ts';

const root = resolve(import.meta.dirname, '..');
const PAGES = join(root, 'guests/trace/pages.elf');
const DATA_VA = 0x40000000;
const DATA_PA = 0x02000000;
const symbols = parseElf(readFileSync(PAGES)).symbols;
/** Where the user program's accesses sit: the kuseg alias of the image's kseg0 code. */
const alias = (name: string): number => symbols.byName(name)!.value & 0x1fffffff;

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'disco-trace-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** Run pages.elf in process with a tracer; events in completion order. */
function traceRun(cmdline: string, tlbEntries: number, filter: Partial<TlbFilter> = {}) {
  const bytes: number[] = [];
  const m = new Machine({ memBytes: 64 * 1024 * 1024, tlbEntries, out: (b) => bytes.push(b) });
  m.load(readFileSync(PAGES), 'pages.elf', cmdline);
  const events: TlbEvent[] = [];
  const tracer = new TlbTracer({ filter: { ...ALL, ...filter }, emit: (e) => events.push(e), wantWord: true });
  tracer.attach(m.cpu, 0);
  const res = m.run({ maxInstructions: 50_000_000 });
  tracer.flush();
  const console = Buffer.from(bytes).toString();
  const g = /pages: refills (\d+) invalid (\d+) modified (\d+)/.exec(console);
  return {
    events, res, console, tracer, stats: m.stats(),
    guest: g ? { refill: Number(g[1]), invalid: Number(g[2]), modified: Number(g[3]) } : null,
  };
}

function count(events: TlbEvent[], kind: number): number {
  return events.filter((e) => e.kind === kind).length;
}

/**
 * What pages.elf must take, worked out from its handlers: a pair (8 KiB) needs one entry; the
 * handler replaces round robin over the T - wired free entries, so while the pairs touched fit
 * only the first pass misses, and beyond that (a cyclic sweep under FIFO) every pass misses on
 * every pair. lazy: the second page of a pair takes a TLB invalid after the pair's refill.
 * clean stores: every page takes a TLB modified after each (re)mapping.
 */
function expected(p: { pages: number; passes: number; stride: number; tlb: number; wired?: number; lazy?: boolean; cleanStore?: boolean }) {
  const pairs = p.stride >= 8192 ? p.pages : Math.ceil(p.pages / 2);
  const secondPages = p.stride >= 8192 ? 0 : Math.floor(p.pages / 2);
  const free = p.tlb - (p.wired ?? 1);
  const sweeps = pairs > free ? p.passes : 1;
  return {
    refill: pairs * sweeps,
    invalid: p.lazy ? secondPages * sweeps : 0,
    modified: p.cleanStore ? p.pages * sweeps : 0,
  };
}

describe('event counts (guests/trace/pages.elf)', { timeout: 120_000 }, () => {
  const cases: Array<{ cmdline: string; tlb: number; exp: Parameters<typeof expected>[0] }> = [
    { cmdline: 'pages=10 stride=8192 passes=3', tlb: 16, exp: { pages: 10, passes: 3, stride: 8192, tlb: 16 } },
    { cmdline: 'pages=15 stride=8192 passes=3', tlb: 16, exp: { pages: 15, passes: 3, stride: 8192, tlb: 16 } },
    { cmdline: 'pages=16 stride=8192 passes=3', tlb: 16, exp: { pages: 16, passes: 3, stride: 8192, tlb: 16 } },
    { cmdline: 'pages=20 passes=2', tlb: 8, exp: { pages: 20, passes: 2, stride: 4096, tlb: 8 } },
    { cmdline: 'pages=12 passes=4 wired=3', tlb: 8, exp: { pages: 12, passes: 4, stride: 4096, tlb: 8, wired: 3 } },
    { cmdline: 'pages=200 passes=2', tlb: 64, exp: { pages: 200, passes: 2, stride: 4096, tlb: 64 } },
    { cmdline: 'pages=8 op=store clean=1 passes=2', tlb: 16, exp: { pages: 8, passes: 2, stride: 4096, tlb: 16, cleanStore: true } },
    { cmdline: 'pages=40 op=store clean=1 passes=2', tlb: 16, exp: { pages: 40, passes: 2, stride: 4096, tlb: 16, cleanStore: true } },
    { cmdline: 'pages=40 lazy=1 passes=3', tlb: 16, exp: { pages: 40, passes: 3, stride: 4096, tlb: 16, lazy: true } },
    { cmdline: 'pages=7 lazy=1 op=store clean=1', tlb: 4, exp: { pages: 7, passes: 1, stride: 4096, tlb: 4, lazy: true, cleanStore: true } },
  ];
  for (const c of cases) {
    it(`${c.cmdline} with ${c.tlb} TLB entries`, () => {
      const r = traceRun(c.cmdline, c.tlb);
      expect(r.res.reason).toBe('halt');
      expect(r.res.exitCode).toBe(0);
      const exp = expected(c.exp);
      const got = { refill: count(r.events, KIND_REFILL), invalid: count(r.events, KIND_INVALID), modified: count(r.events, KIND_MODIFIED) };
      expect(got).toEqual(exp);
      // The guest's handlers counted the same, and the CPU took exactly these TLB exceptions.
      expect(r.guest).toEqual(exp);
      const ex = r.stats.exceptions;
      expect(r.events.length).toBe((ex.TLBL ?? 0) + (ex.TLBS ?? 0) + (ex.Mod ?? 0));
      expect(got.refill).toBe(r.stats.tlbRefills);
    });
  }

  it('fills every field of a load refill', () => {
    const r = traceRun('pages=10 stride=8192', 16);
    expect(r.events).toHaveLength(10);
    r.events.forEach((e, i) => {
      expect(e.seq).toBe(i);
      expect(e.kind).toBe(KIND_REFILL);
      expect(e.access).toBe(ACC_LOAD);
      expect(e.exc).toBe(EXC_TLBL);
      expect(e.mode).toBe(MODE_USER);
      expect(e.cpu).toBe(0);
      expect(e.vm).toBeNull();
      expect(e.vcpu).toBeNull();
      expect(e.asid).toBe(1);
      expect(e.ds).toBe(false);
      expect(e.pc).toBe(alias('touch_load'));
      expect(e.va).toBe(DATA_VA + i * 8192);
      expect(e.outcome).toBe(OUTCOME_HANDLER);
      // Machine page after the refill: the handler maps DATA_VA + x to DATA_PA + x.
      expect(e.page).toBe((DATA_PA + i * 8192) / 4096);
      expect(e.node).toBe(0);
      expect(e.word).toBe(0x8d0a0000 | 0); // lw t2,0(t0)
      // The refill handler (pages.S, round robin without wrapping) is 44 instructions to its eret.
      expect(e.cost).toBe(44);
      expect(e.insn).toBe(e.cycle); // no WAIT: one cycle per instruction
      if (i > 0) expect(e.cycle).toBeGreaterThan(r.events[i - 1].cycle + 44);
    });
  });

  it('reports stores, fetches, supervisor and kernel mode, and the ASID', () => {
    const st = traceRun('pages=4 op=store clean=1 asid=0x2a', 16);
    expect(st.events.map((e) => [e.kind, e.access, e.exc])).toEqual([
      [KIND_REFILL, ACC_STORE, EXC_TLBS], [KIND_MODIFIED, ACC_STORE, EXC_MOD], [KIND_MODIFIED, ACC_STORE, EXC_MOD],
      [KIND_REFILL, ACC_STORE, EXC_TLBS], [KIND_MODIFIED, ACC_STORE, EXC_MOD], [KIND_MODIFIED, ACC_STORE, EXC_MOD],
    ]);
    expect(new Set(st.events.map((e) => e.asid))).toEqual(new Set([0x2a]));
    expect(new Set(st.events.map((e) => e.pc))).toEqual(new Set([alias('touch_store')]));

    const f = traceRun('pages=6 op=fetch lazy=1', 16);
    expect(f.events.map((e) => [e.kind, e.access])).toEqual([
      [KIND_REFILL, ACC_FETCH], [KIND_INVALID, ACC_FETCH], [KIND_REFILL, ACC_FETCH],
      [KIND_INVALID, ACC_FETCH], [KIND_REFILL, ACC_FETCH], [KIND_INVALID, ACC_FETCH],
    ]);
    for (const e of f.events) {
      expect(e.pc).toBe(e.va); // a fetch miss faults at the address fetched
      expect(e.word).toBe(0x03e00008); // jr ra, read once the handler mapped the page
    }

    expect(new Set(traceRun('pages=4 mode=super', 16).events.map((e) => e.mode))).toEqual(new Set([MODE_SUPERVISOR]));
    const k = traceRun('pages=4 mode=kernel', 16);
    expect(new Set(k.events.map((e) => e.mode))).toEqual(new Set([MODE_KERNEL]));
    expect(k.events[0].pc).toBe(symbols.byName('touch_load')!.value); // kernel runs the kseg0 copy
  });

  it('tlbwr: the first pass takes one refill per pair whatever Random picks', () => {
    const r = traceRun('pages=30 repl=random', 16);
    expect(count(r.events, KIND_REFILL)).toBe(15);
    expect(r.guest?.refill).toBe(15);
  });

  it('counts every TLB exception of the tlbfault test program (nested, unresolved)', () => {
    const bytes: number[] = [];
    const m = new Machine({ memBytes: 64 * 1024 * 1024, out: (b) => bytes.push(b) });
    m.load(readFileSync(join(root, 'guests/tests/tlbfault.elf')), 'tlbfault.elf');
    const events: TlbEvent[] = [];
    const tracer = new TlbTracer({ emit: (e) => events.push(e) });
    tracer.attach(m.cpu, 0);
    expect(m.run({ maxInstructions: 10_000_000 }).reason).toBe('halt');
    tracer.flush();
    const ex = m.stats().exceptions;
    expect(events.length).toBe((ex.TLBL ?? 0) + (ex.TLBS ?? 0) + (ex.Mod ?? 0));
    expect(events.length).toBeGreaterThan(5);
    // Its handler skips or redirects some faults: those never return to the faulting context.
    expect(events.some((e) => e.outcome === OUTCOME_UNRESOLVED)).toBe(true);
    expect(events.some((e) => e.outcome === OUTCOME_HANDLER)).toBe(true);
    // Written in the order they resolved; seq still numbers them in the order they happened.
    expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
  });
});

describe('monitor hooks (TlbTracer.monitorMiss)', () => {
  it('a trap handler that refills from a "pmap" completes the miss with its VM, VCPU, outcome and cost', () => {
    const m = new Machine({ memBytes: 64 * 1024 * 1024, tlbEntries: 16, out: () => {} });
    m.load(readFileSync(PAGES), 'pages.elf', 'pages=6 stride=8192');
    const events: TlbEvent[] = [];
    const tracer = new TlbTracer({ emit: (e) => events.push(e) });
    tracer.attach(m.cpu, 0);
    let next = 8;
    // A stand-in for the monitor: data-region refills are answered by writing the machine TLB
    // and resuming the faulting load (no guest handler, no eret), as a pmap refill would.
    m.cpu.trapHandler = {
      onException(cpu, code, epcPC, ds, refill) {
        const va = cpu.cp0.badVAddr >>> 0;
        if (code !== EXC_TLBL || !refill || ds || va < DATA_VA || va >= DATA_VA + 0x1000000) return false;
        const pa = DATA_PA + ((va - DATA_VA) & ~0x1fff);
        const old = cpu.tlb.span(next);
        cpu.tc.flushRange(old.va, old.bytes);
        cpu.tlb.write(next, (va & ~0x1fff) | (cpu.cp0.entryHi & 0xff), 0, ((pa >>> 12) << 6) | 0x1e, (((pa + 4096) >>> 12) << 6) | 0x1e);
        next = next === 15 ? 8 : next + 1;
        tracer.monitorMiss(cpu, 3, 1, OUTCOME_PMAP, 25);
        cpu.setPC(epcPC);
        return true;
      },
    };
    expect(m.run({ maxInstructions: 10_000_000 }).reason).toBe('halt');
    tracer.flush();
    expect(events).toHaveLength(6);
    events.forEach((e, i) => {
      expect(e).toMatchObject({ vm: 3, vcpu: 1, outcome: OUTCOME_PMAP, cost: 25, kind: KIND_REFILL, va: DATA_VA + i * 8192 });
      expect(e.page).toBe((DATA_PA + i * 8192) / 4096);
    });
  });
});

describe('filters', { timeout: 120_000 }, () => {
  it('parses modes, kinds and ranges', () => {
    expect(parseModes('user,super')).toBe((1 << MODE_USER) | (1 << MODE_SUPERVISOR));
    expect(parseKinds('refill,store')).toEqual({ kindMask: 1 << KIND_REFILL, accessMask: 1 << ACC_STORE });
    expect(parseKinds('fetch')).toEqual({ kindMask: 7, accessMask: 1 << ACC_FETCH });
    expect(parseRange('0x40000000-0x40002000', '--range')).toEqual([0x40000000, 0x40002000]);
    expect(parseRange('0x40000000+0x1000', '--range')).toEqual([0x40000000, 0x40001000]);
    expect(parseRange('0xffff0000-0xffffffff', '--range')).toEqual([0xffff0000, 0xffffffff]);
    expect(parseRange('0x100', '--pc', { single: true })).toEqual([0x100, 0x101]);
    const touch = symbols.byName('touch')!;
    expect(parseRange('touch', '--pc', { single: true, symbols })).toEqual([touch.value, touch.value + touch.size]);
    expect(() => parseModes('root')).toThrow(FilterError);
    expect(() => parseKinds('tlbl')).toThrow(FilterError);
    expect(() => parseRange('0x2000-0x1000', '--range')).toThrow(/empty/);
    expect(() => parseRange('nosuchsymbol', '--pc', { single: true, symbols })).toThrow(FilterError);
  });

  it('keeps only the misses asked for', () => {
    const c = 'pages=8 op=store clean=1 passes=2';
    expect(traceRun(c, 16, { kindMask: 1 << KIND_MODIFIED }).events.map((e) => e.kind)).toEqual(Array(8).fill(KIND_MODIFIED));
    expect(traceRun(c, 16, { modeMask: 1 << MODE_KERNEL }).events).toHaveLength(0);
    expect(traceRun(c, 16, { cpus: new Set([1]) }).events).toHaveLength(0);
    const inRange = traceRun(c, 16, { vaLo: DATA_VA + 0x2000, vaHi: DATA_VA + 0x4000 }).events;
    expect(inRange.map((e) => e.va)).toEqual([DATA_VA + 0x2000, DATA_VA + 0x2000, DATA_VA + 0x3000]);
    expect(traceRun(c, 16, { pcLo: alias('touch_load'), pcHi: alias('touch_load') + 4 }).events).toHaveLength(0);
    expect(traceRun(c, 16, { pcLo: alias('touch_store'), pcHi: alias('touch_store') + 4 }).events).toHaveLength(12);
  });

  it('--after/--before on either clock, and --limit stops recording', () => {
    const all = traceRun('pages=20 stride=8192', 16).events;
    const t = all[5].cycle;
    const mid = traceRun('pages=20 stride=8192', 16, { after: t, before: all[9].cycle }).events;
    expect(mid.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
    const byInsn = traceRun('pages=20 stride=8192', 16, { clock: 'instructions', after: all[5].insn, before: all[9].insn }).events;
    expect(byInsn.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
    const lim = traceRun('pages=20 stride=8192', 16, { limit: 3 });
    expect(lim.events.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(lim.tracer.stopped).toBe(true);
    expect(lim.tracer.stopReason).toMatch(/--limit 3/);
  });
});

function disco(...args: string[]): { code: number; out: string; err: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

describe('disco trace tlb (formats)', { timeout: 120_000 }, () => {
  const args = ['--tlb-entries', '16', '--cmdline', 'pages=8 op=store clean=1 passes=2', PAGES];
  const N = 12; // 4 refills + 8 modified

  it('jsonl: one JSON object per line with the documented keys', () => {
    const r = disco('trace', 'tlb', '--format', 'jsonl', ...args);
    expect(r.code).toBe(0);
    expect(r.err).toContain('pages: refills 4 invalid 0 modified 8'); // the guest console goes to stderr
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(N);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objs) expect(Object.keys(o)).toEqual([...FIELDS]);
    expect(objs[0]).toMatchObject({
      seq: 0, cpu: 0, vm: null, vcpu: null, mode: 'user', kind: 'refill', access: 'store', exc: 'TLBS', asid: 1,
      va: '0x40000000', ds: false, outcome: 'handler', page: DATA_PA / 4096, node: 0, sym: 'touch_store',
    });
    expect(objs.filter((o) => o.kind === 'modified')).toHaveLength(8);
  });

  it('csv: the header, then one row per miss with every column', () => {
    const r = disco('trace', 'tlb', '-f', 'csv', ...args);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe(FIELDS.join(','));
    expect(lines).toHaveLength(N + 1);
    for (const l of lines.slice(1)) expect(l.split(',')).toHaveLength(FIELDS.length);
    const row = Object.fromEntries(lines[0].split(',').map((k, i) => [k, lines[1].split(',')[i]]));
    expect(row).toMatchObject({ seq: '0', vm: '', kind: 'refill', access: 'store', exc: 'TLBS', va: '0x40000000', outcome: 'handler', node: '0' });
  });

  it('perfetto: valid trace-event JSON, one complete event per miss on the CPU track', () => {
    const file = join(dir, 'trace.json');
    const r = disco('trace', 'tlb', '-f', 'perfetto', '-o', file, ...args);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: Array<Record<string, unknown>> };
    const xs = doc.traceEvents.filter((e) => e.ph === 'X');
    expect(xs).toHaveLength(N);
    for (const e of xs) {
      expect(e).toMatchObject({ pid: 0, tid: 0 });
      expect(typeof e.ts).toBe('number');
      expect(e.dur as number).toBeGreaterThan(0);
    }
    expect(xs[0].name).toBe('refill store');
    expect(doc.traceEvents.some((e) => e.ph === 'M' && e.name === 'thread_name')).toBe(true);
  });

  it('text: aligned columns with the disassembly and symbol; no colour when not a terminal', () => {
    const r = disco('trace', 'tlb', ...args);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0]).toMatch(/^\s+cycle\s+insn\s+cpu\s+vm\s+mode\s+kind/);
    expect(lines[1]).toMatch(/user\s+refill\s+store\s+01\s+0x[0-9a-f]{8}\s+0x40000000\s+0x02000\s+0\s+44 handler\s+sw t0,0\(t0\)\s+<touch_store>/);
    expect(r.out).not.toContain('\x1b[');
    const widths = new Set(lines.slice(1).map((l) => l.indexOf('handler')));
    expect(widths.size).toBe(1);
  });

  it('--summary: rates by kind and mode, top pages and PCs, the cost histogram, n/a for the monitor', () => {
    const r = disco('trace', 'tlb', '--summary', ...args);
    expect(r.code).toBe(0);
    expect(r.out).toContain('12 TLB misses in');
    expect(r.out).toMatch(/refill\s+0\.000 \(0\)\s+0\.000 \(0\)\s+[\d.]+ \(4\)\s+[\d.]+ \(4\)/);
    expect(r.out).toMatch(/0x00100a[0-9a-f]{2}\s+12\s+100\.0%\s+sw t0,0\(t0\)\s+touch_store/);
    expect(r.out).toContain('L2TLB hit rate: n/a');
    expect(r.out).toContain('per VM: n/a');
    const j = disco('trace', 'tlb', '--summary-json', ...args);
    const s = JSON.parse(j.out) as { misses: number; counts: Record<string, Record<string, number>>; cost: { resolved: number }; l2tlbHitRate: null; vms: null };
    expect(s.misses).toBe(N);
    expect(s.counts.modified.user).toBe(8);
    expect(s.counts.refill.all).toBe(4);
    expect(s.cost.resolved).toBe(N);
    expect(s.l2tlbHitRate).toBeNull();
    expect(s.vms).toBeNull();
  });

  it('--summary with -o: events to the file, the summary to stdout', () => {
    const file = join(dir, 'e.jsonl');
    const r = disco('trace', 'tlb', '--summary', '-f', 'jsonl', '-o', file, ...args);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(N);
    expect(r.out).toContain('TLB miss summary');
  });

  it('filters and --limit from the command line; exit status as disco run', () => {
    const k = disco('trace', 'tlb', '-f', 'jsonl', '--kind', 'modified', '--range', '0x40000000-0x40002000', ...args);
    expect(k.out.trimEnd().split('\n')).toHaveLength(2);
    const pc = disco('trace', 'tlb', '-f', 'jsonl', '--pc', `0x${alias('touch_store').toString(16)}`, '--mode', 'user', ...args);
    expect(pc.out.trimEnd().split('\n')).toHaveLength(N);
    const lim = disco('trace', 'tlb', '-f', 'csv', '--limit', '5', ...args);
    expect(lim.code).toBe(0);
    expect(lim.out.trimEnd().split('\n')).toHaveLength(6);
    expect(lim.err).toContain('--limit 5 reached');
    const cut = disco('trace', 'tlb', '-n', '5000', ...args);
    expect(cut.code).toBe(124);
    const bad = disco('trace', 'tlb', '--kind', 'tlbl', ...args);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('"tlbl" is not one of');
    const badPc = disco('trace', 'tlb', '--pc', 'nosuchsymbol', ...args);
    expect(badPc.code).toBe(1);
    expect(badPc.err.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('disco trace tlb (long runs)', { timeout: 120_000 }, () => {
  it('shows the progress line on request (instructions, simulated time, MIPS, events), never otherwise', () => {
    const run = ['--tlb-entries', '16', '--cmdline', 'pages=4096 passes=150', '-f', 'csv', '-o', join(dir, 'p.csv'), PAGES];
    const on = disco('trace', 'tlb', '--progress', ...run);
    expect(on.code).toBe(0);
    expect(on.err).toMatch(/\rdisco: [\d.]+ M instructions, [\d.]+ M cycles, \d+ MIPS, [\d,]+ events/);
    const off = disco('trace', 'tlb', ...run); // stderr is a pipe here: off by default
    expect(off.err).not.toContain('\r');
    expect(readFileSync(join(dir, 'p.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(4096 / 2 * 150 + 1);
  });

  it('--limit ends a long run early with exit status 0', () => {
    const r = disco('trace', 'tlb', '--limit', '10', '-f', 'jsonl', '--tlb-entries', '16', '--cmdline', 'pages=4096 passes=100000', PAGES);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n')).toHaveLength(10);
    expect(r.err).toMatch(/recording stopped: --limit 10 reached; the run stopped there/);
  });

  it('--before ends the run once every CPU is past it, misses or not', () => {
    const r = disco('trace', 'tlb', '--before', '3M', '-f', 'csv', '--tlb-entries', '16', '--cmdline', 'pages=2 passes=100000000', PAGES);
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n')).toHaveLength(2); // header and the one refill
    expect(r.err).toMatch(/recording stopped: past --before 3000000 \(cycles\); the run stopped there, after 3000000 instructions/);
  });
});

describe('pages.elf on QEMU', { timeout: 120_000 }, () => {
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-mipsel']).status === 0;
  if (!qemu) console.warn('skipped: qemu-system-mipsel not installed (pages.elf counts are not compared with QEMU)');
  it.skipIf(!qemu)('takes the same TLB exceptions on QEMU (24Kc, 16 entries) as disco with --tlb-entries 16', () => {
    for (const c of ['pages=40 lazy=1 passes=3', 'pages=20 op=store clean=1 passes=2 stride=8192', 'pages=12 op=fetch passes=2 mode=super']) {
      const q = spawnSync('qemu-system-mipsel', ['-M', 'malta', '-cpu', '24Kc', '-m', '64', '-nographic', '-no-reboot', '-kernel', PAGES, '-append', c], {
        encoding: 'utf8', timeout: 60_000, input: '',
      });
      const d = traceRun(c, 16);
      expect(q.stdout.trim().split('\n').pop()).toBe(d.console.trim());
    }
  });
});
