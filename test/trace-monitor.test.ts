// Traces under the monitor: `disco trace tlb --vms N` (each miss attributed to its VM and virtual
// CPU with the monitor's outcome) checked against the guest's own counts (guests/trace/pages.elf)
// and the monitor's counters; `disco trace monitor` (traps, page events) checked against the
// monitor's per-VM trap counts and, for page events no producer emits yet, synthetic observer
// calls; every format; determinism (same run, same bytes).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXC_MOD, EXC_NAMES, EXC_TLBL, EXC_TLBS } from '../cpu/cp0.ts';
import { Monitor } from '../vmm/monitor.ts';
import type { PageEvent } from '../vmm/events.ts';
import {
  KIND_INVALID, KIND_MODIFIED, KIND_REFILL, MODE_KERNEL, MODE_USER, OUTCOME_L2TLB, OUTCOME_NAMES, OUTCOME_PMAP,
  OUTCOME_REFLECTED, OUTCOME_WINDOW, type TlbEvent,
} from '../vmm/trace/event.ts';
import { ALL } from '../vmm/trace/filter.ts';
import { Symbolizer } from '../vmm/trace/formats.ts';
import { MFIELDS, MONITOR_ALL, MonitorTracer, type MonitorEvent } from '../vmm/trace/mevent.ts';
import { MonitorSummary, makeMonitorFormat } from '../vmm/trace/mformats.ts';
import { TraceOutput } from '../vmm/trace/output.ts';
import { TlbSummary } from '../vmm/trace/summary.ts';
import { TlbTracer } from '../vmm/trace/tlb.ts';

const root = resolve(import.meta.dirname, '..');
const PAGES = join(root, 'guests/trace/pages.elf');

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'disco-trace-mon-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

/** Two VMs of pages.elf (data at guest physical 32 MiB: 48 MiB each), 16-entry TLBs. */
function monitorOf(cmdline: string, vms = 2): { mon: Monitor; out: string[] } {
  const out = Array.from({ length: vms }, () => '');
  const mon = new Monitor({ memBytes: 128 << 20, tlbEntries: 16, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  for (let i = 0; i < vms; i++) mon.createVm({ memBytes: 48 << 20, image: readFileSync(PAGES), imageName: 'pages.elf', cmdline });
  return { mon, out };
}

function guestCounts(console: string): { refill: number; invalid: number; modified: number } {
  const g = /pages: refills (\d+) invalid (\d+) modified (\d+)/.exec(console);
  expect(g).not.toBeNull();
  return { refill: Number(g![1]), invalid: Number(g![2]), modified: Number(g![3]) };
}

describe('trace tlb under the monitor (in process)', { timeout: 120_000 }, () => {
  for (const cmdline of ['pages=64 passes=2', 'pages=8 op=store clean=1 passes=2', 'pages=12 lazy=1 passes=2']) {
    it(`${cmdline}: one event per machine TLB exception, attributed and resolved as the monitor and the guest counted`, () => {
      const { mon, out } = monitorOf(cmdline);
      const events: TlbEvent[] = [];
      const tracer = new TlbTracer({ monitor: mon, emit: (e) => events.push(e), wantWord: true });
      tracer.attachMonitor();
      const summary = new TlbSummary();
      mon.run();
      tracer.detachMonitor();
      for (const e of events) summary.add(e);
      expect(mon.observer).toBeNull();
      // Nothing lost: every TLB exception the physical CPUs took is one event.
      const ex = mon.machine.stats().exceptions;
      expect(events.length).toBe((ex.TLBL ?? 0) + (ex.TLBS ?? 0) + (ex.Mod ?? 0));
      const json = summary.toJson({ instructions: mon.machine.instructions(), cycles: 1, vms: mon.vms.map((vm) => ({ vm: vm.id, name: vm.name, instructions: vm.instructions() })) }, new Symbolizer(null));
      for (const vm of mon.vms) {
        expect(vm.stopKind).toBe('halt');
        const mine = events.filter((e) => e.vm === vm.id);
        for (const e of mine) {
          expect(e.vcpu).toBe(0);
          expect(e.cost).not.toBeNull(); // every miss resumed: no unresolved ones
          expect(e.cost!).toBeGreaterThan(0);
        }
        const by = (o: number, k?: number): number => mine.filter((e) => e.outcome === o && (k === undefined || e.kind === k)).length;
        // The guest's own handlers counted exactly the misses the monitor reflected.
        const g = guestCounts(out[vm.id]);
        expect(by(OUTCOME_REFLECTED, KIND_REFILL)).toBe(g.refill);
        expect(by(OUTCOME_REFLECTED, KIND_INVALID)).toBe(g.invalid);
        expect(by(OUTCOME_REFLECTED, KIND_MODIFIED)).toBe(g.modified);
        for (const e of mine.filter((x) => x.outcome === OUTCOME_REFLECTED)) expect(e.mode).toBe(MODE_USER);
        for (const e of mine.filter((x) => x.outcome === OUTCOME_WINDOW)) expect(e.mode).toBe(MODE_KERNEL);
        // ... and the monitor's counters agree outcome by outcome.
        const s = mon.vmStats(vm);
        expect(by(OUTCOME_L2TLB)).toBe(s.tlbMisses.l2tlb);
        expect(by(OUTCOME_WINDOW)).toBe(s.tlbMisses.window + s.tlbMisses.privPage);
        expect(by(OUTCOME_PMAP)).toBe(s.tlbMisses.guestTlb);
        expect(by(OUTCOME_REFLECTED)).toBe(s.tlbMisses.reflected.refill + s.tlbMisses.reflected.invalid + s.tlbMisses.reflected.modified);
        const v = json.vms!.find((x) => x.vm === vm.id)!;
        expect(v.misses).toBe(mine.length);
        expect(v.l2tlbHitRate).toBe(s.l2tlbHitRate);
      }
      expect(json.l2tlbHitRate).not.toBeNull();
    });
  }

  it('a reflected miss costs the monitor\'s reflection, the guest handler and its emulated tlbwr and eret; it maps the page its handler chose', () => {
    const { mon } = monitorOf('pages=4 stride=8192', 1);
    const events: TlbEvent[] = [];
    const tracer = new TlbTracer({ monitor: mon, emit: (e) => events.push(e) });
    tracer.attachMonitor();
    mon.run();
    tracer.detachMonitor();
    const refl = events.filter((e) => e.outcome === OUTCOME_REFLECTED);
    expect(refl.map((e) => e.va)).toEqual([0x40000000, 0x40002000, 0x40004000, 0x40006000]);
    const c = mon.costs;
    for (const e of refl) {
      expect(e.cost!).toBeGreaterThan(c.trap + c.reflect + 2 * c.trap + c.tlbw + c.eret);
      expect(e.page).not.toBeNull();
      expect(e.node).toBe(0);
    }
    // Filters: by VM and kind; nothing of a VM that is not there.
    const none: TlbEvent[] = [];
    const { mon: m2 } = monitorOf('pages=4', 1);
    const t2 = new TlbTracer({ monitor: m2, filter: { ...ALL, vms: new Set([1]) }, emit: (e) => none.push(e) });
    t2.attachMonitor();
    m2.run();
    t2.detachMonitor();
    expect(none).toHaveLength(0);
    expect(t2.misses).toBeGreaterThan(0);
  });
});

describe('trace monitor (in process)', { timeout: 120_000 }, () => {
  it('one trap event per trap the monitor counted, by cause; TLB traps carry their outcome', () => {
    const { mon } = monitorOf('pages=16 op=store clean=1 passes=2');
    const events: MonitorEvent[] = [];
    const tracer = new MonitorTracer(mon, MONITOR_ALL, (e) => events.push(e));
    tracer.attach();
    mon.run();
    tracer.detach();
    for (const vm of mon.vms) {
      const s = mon.vmStats(vm);
      const mine = events.filter((e) => e.vm === vm.id);
      const byExc: Record<string, number> = {};
      for (const e of mine) byExc[EXC_NAMES[e.exc!]] = (byExc[EXC_NAMES[e.exc!]] ?? 0) + 1;
      expect(byExc).toEqual(s.traps);
      const tlb = mine.filter((e) => e.exc === EXC_TLBL || e.exc === EXC_TLBS || e.exc === EXC_MOD);
      for (const e of tlb) { expect(e.outcome).not.toBeNull(); expect(e.va).not.toBeNull(); }
      for (const e of mine.filter((x) => !tlb.includes(x))) expect(e.outcome).toBeNull();
      // The cycles the trace saw charged are the monitor's total for the VM, but for VCPU
      // switches out of the idle loop (charged to the VM, but no trap of it).
      const charged = mine.reduce((a, e) => a + e.cost, 0);
      expect(charged).toBeLessThanOrEqual(s.monitorCycles);
      expect(charged).toBeGreaterThanOrEqual(s.monitorCycles - s.vcpuSwitches * mon.costs.vcpuSwitch);
    }
    // Reported in order: seq increases, and per CPU time never goes back.
    expect(events.every((e, i) => i === 0 || e.seq > events[i - 1].seq)).toBe(true);
    const last = new Map<number, number>();
    for (const e of events) {
      expect(e.cycle).toBeGreaterThanOrEqual(last.get(e.cpu) ?? 0);
      last.set(e.cpu, e.cycle + e.cost);
    }
  });

  it('renders page events (synthetic observer calls) in every format, and sums them in the summary', () => {
    const { mon } = monitorOf('pages=4', 2);
    const events: MonitorEvent[] = [];
    const summary = new MonitorSummary();
    const tracer = new MonitorTracer(mon, { ...MONITOR_ALL, vms: new Set([1]) }, (e) => { events.push(e); summary.add(e); });
    tracer.attach();
    const kinds: PageEvent['kind'][] = ['migrate', 'replicate', 'collapse', 'cow-break', 'share', 'zero'];
    kinds.forEach((kind, i) => {
      mon.observer!.page!({ kind, vm: 1, gpn: 0x40 + i, fromMp: 100 + i, toMp: kind === 'collapse' ? -1 : 200 + i, fromNode: 0, toNode: kind === 'collapse' ? -1 : 1, cost: 1000 + i, cpu: 0, now: 5000 + i });
    });
    mon.observer!.page!({ kind: 'migrate', vm: 0, gpn: 1, fromMp: 1, toMp: 2, fromNode: 0, toNode: 1, cost: 1, cpu: 0, now: 1 }); // filtered out (--vm 1)
    tracer.detach();
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(tracer.seen).toBe(7);
    const ctx = { image: 'pages.elf', symbols: null, segments: [], colour: false, cpus: [0], vms: ['vm0', 'vm1'] };
    const render = (f: 'text' | 'csv' | 'jsonl' | 'perfetto'): string => {
      const file = join(dir, `pages.${f}`);
      const out = new TraceOutput(file);
      const fmt = makeMonitorFormat(f, out, new Symbolizer(null), ctx);
      fmt.begin();
      for (const e of events) fmt.event(e);
      fmt.end();
      out.close();
      return readFileSync(file, 'utf8');
    };
    const jsonl = render('jsonl').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(jsonl).toHaveLength(6);
    for (const o of jsonl) expect(Object.keys(o)).toEqual([...MFIELDS]);
    expect(jsonl.map((o) => o.event)).toEqual(kinds);
    expect(jsonl[0]).toMatchObject({ seq: 0, cycle: 5000, cpu: 0, vm: 1, vcpu: null, exc: null, pc: null, gpn: 0x40, fromPage: 100, toPage: 200, fromNode: 0, toNode: 1, cost: 1000, sym: null });
    const csv = render('csv').trimEnd().split('\n');
    expect(csv[0]).toBe(MFIELDS.join(','));
    expect(csv[4].split(',')).toEqual(['3', '5003', '0', '1', '', 'cow-break', '', '', '', '', '67', '103', '203', '0', '1', '1003', '']);
    const doc = JSON.parse(render('perfetto')) as { traceEvents: Array<Record<string, unknown>> };
    const inst = doc.traceEvents.filter((e) => e.ph === 'i');
    expect(inst.map((e) => e.name)).toEqual(kinds);
    for (const e of inst) expect(e).toMatchObject({ pid: 2, tid: 0, cat: 'page' });
    expect(doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => (e.args as { name: string }).name)).toEqual(['vm0', 'vm1']);
    const text = render('text');
    expect(text).toMatch(/5002\s+0\s+1\s+-\s+collapse\s+1002\s+guest page 0x00042: 0x00066 \(node 0\) -> - \(node -\)/);
    expect(text).toMatch(/5000\s+0\s+1\s+-\s+migrate\s+1000\s+guest page 0x00040: 0x00064 \(node 0\) -> 0x000c8 \(node 1\)/);
    const j = summary.toJson({ instructions: 0, cycles: 0, vms: [{ vm: 1, name: 'vm1', instructions: 0 }] });
    expect(j.counts).toMatchObject({ trap: 0, migrate: 1, replicate: 1, collapse: 1, 'cow-break': 1, share: 1, zero: 1 });
    expect(j.pages.find((p) => p.kind === 'migrate')).toEqual({ kind: 'migrate', count: 1, cycles: 1000, moves: { '0->1': 1 } });
    expect(j.vms[0].pageEvents).toMatchObject({ migrate: 1, zero: 1 });
  });
});

function disco(...args: string[]): { code: number; out: string; err: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

describe('disco trace tlb --vms / disco trace monitor (command line)', { timeout: 120_000 }, () => {
  const vmArgs = ['--vms', '2', '--mem', '128M', '--tlb-entries', '16', '--cmdline', 'pages=64 passes=2', PAGES];

  it('trace tlb --vms: jsonl events of both VMs with their outcomes; the same run gives the same bytes', () => {
    const a = disco('trace', 'tlb', '-f', 'jsonl', ...vmArgs);
    expect(a.code).toBe(0);
    expect(a.err).toContain('[vm0] pages: refills 64 invalid 0 modified 0');
    const objs = a.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const vm of [0, 1]) {
      const mine = objs.filter((o) => o.vm === vm);
      expect(mine.filter((o) => o.outcome === 'reflected' && o.kind === 'refill' && o.mode === 'user')).toHaveLength(64);
      expect(mine.every((o) => o.vcpu === 0 && o.outcome !== 'unresolved' && o.outcome !== 'handler')).toBe(true);
      expect(mine.some((o) => o.outcome === 'window' && o.mode === 'kernel')).toBe(true);
    }
    const b = disco('trace', 'tlb', '-f', 'jsonl', ...vmArgs);
    expect(b.out).toBe(a.out);
    const one = disco('trace', 'tlb', '-f', 'csv', '--vm', '1', '--kind', 'refill', '--mode', 'user', ...vmArgs);
    const rows = one.out.trimEnd().split('\n').slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(64);
    expect(rows.every((r) => r.split(',')[4] === '1')).toBe(true);
  });

  it('trace tlb --vms --summary: per-VM miss rates, outcomes and L2TLB hit rates', () => {
    const s = disco('trace', 'tlb', '--summary-json', ...vmArgs);
    expect(s.code).toBe(0);
    const j = JSON.parse(s.out) as { misses: number; l2tlbHitRate: number; outcomes: Record<string, number>; vms: Array<{ vm: number; name: string; misses: number; instructions: number; perKiloInstructions: number; outcomes: Record<string, number>; l2tlbHitRate: number }> };
    expect(j.vms.map((v) => v.name)).toEqual(['vm0', 'vm1']);
    for (const v of j.vms) {
      expect(v.outcomes.reflected).toBe(64);
      expect(v.perKiloInstructions).toBeCloseTo((v.misses * 1000) / v.instructions, 3);
      expect(v.l2tlbHitRate).toBeGreaterThan(0);
      expect(v.l2tlbHitRate).toBeLessThan(1);
    }
    expect(j.misses).toBe(j.vms[0].misses + j.vms[1].misses);
    const t = disco('trace', 'tlb', '--summary', ...vmArgs);
    expect(t.out).toMatch(/L2TLB hit rate: [\d.]+% of refills/);
    expect(t.out).toMatch(/vm1\s+[\d,]+\s+\d+\s+[\d.]+/);
    const bad = disco('trace', 'tlb', '--vm', '1', '--tlb-entries', '16', PAGES);
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toContain('need --vms');
    const bad2 = disco('trace', 'tlb', '--vm', '2', ...vmArgs);
    expect(bad2.code).toBe(1);
    expect(bad2.err).toContain('only 2 VMs');
  });

  it('trace (monitor): perfetto with one process per VM, identical bytes run after run; filters; --limit', () => {
    const f1 = join(dir, 'm1.json'), f2 = join(dir, 'm2.json');
    expect(disco('trace', '-f', 'perfetto', '-o', f1, ...vmArgs).code).toBe(0);
    expect(disco('trace', 'monitor', '-f', 'perfetto', '-o', f2, ...vmArgs).code).toBe(0);
    const a = readFileSync(f1, 'utf8');
    expect(readFileSync(f2, 'utf8')).toBe(a);
    const doc = JSON.parse(a) as { traceEvents: Array<Record<string, unknown>> };
    const xs = doc.traceEvents.filter((e) => e.ph === 'X');
    expect(new Set(xs.map((e) => e.pid))).toEqual(new Set([1, 2]));
    expect(xs.some((e) => e.name === 'TLBL' && e.cat === 'trap,tlb')).toBe(true);
    expect(xs.some((e) => e.name === 'CpU' && e.cat === 'trap')).toBe(true);
    const tlbOnly = disco('trace', 'monitor', '--exc', 'TLBL,TLBS', '--vm', '0', '-f', 'csv', ...vmArgs);
    const rows = tlbOnly.out.trimEnd().split('\n').slice(1).map((r) => r.split(','));
    expect(rows.length).toBeGreaterThan(64);
    for (const r of rows) { expect(['TLBL', 'TLBS']).toContain(r[6]); expect(r[3]).toBe('0'); expect(OUTCOME_NAMES).toContain(r[9]); }
    const lim = disco('trace', '--limit', '5', '-f', 'jsonl', ...vmArgs);
    expect(lim.code).toBe(0);
    expect(lim.out.trimEnd().split('\n')).toHaveLength(5);
    expect(lim.err).toMatch(/recording stopped: --limit 5 reached; the run stopped there/);
    expect(lim.err).not.toContain('stopped after'); // the trace's own stop is not reported as a VM failure
    const sum = disco('trace', '--summary', ...vmArgs);
    expect(sum.code).toBe(0);
    expect(sum.out).toMatch(/traps by cause/);
    expect(sum.out).toMatch(/TLBL\s+[\d,]+\s+[\d,]+/);
    expect(sum.out).toMatch(/TLB traps by outcome: l2tlb \d+, pmap \d+, window \d+, reflected 128/);
    const bad = disco('trace', '--event', 'flood', ...vmArgs);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('"flood" is not one of');
  });

  it('the progress line under the monitor on request (VMs, events), never when stderr is not a terminal', () => {
    const on = disco('trace', 'tlb', '--progress', '-f', 'csv', '-o', join(dir, 'p.csv'), ...vmArgs);
    expect(on.code).toBe(0);
    expect(on.err).toMatch(/\rdisco: [\d.]+ ?M? instructions, [\d.]+ ?M? cycles, \d+ MIPS, 2 VMs, [\d,]+ events/);
    const off = disco('trace', 'tlb', '-f', 'csv', '-o', join(dir, 'p.csv'), ...vmArgs);
    expect(off.err).not.toContain('\r');
  });

  it('bare trace tlb: the same run gives the same bytes', () => {
    const args = ['trace', 'tlb', '-f', 'csv', '--tlb-entries', '16', '--cmdline', 'pages=40 lazy=1 passes=3', PAGES];
    const a = disco(...args), b = disco(...args);
    expect(a.code).toBe(0);
    expect(a.out.split('\n').length).toBeGreaterThan(40);
    expect(b.out).toBe(a.out);
  });
});
