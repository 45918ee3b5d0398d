// `disco numa`: the Disco paper's NUMA experiment (SOSP '97 section 5.5, Figure 8, Table 3).
// One SMP workload (guests/numa/numa.elf) runs in one VM with a VCPU pinned on every physical
// CPU of a ccNUMA machine in timing mode, once per policy:
//
//   round-robin        NUMA-unaware placement, nothing moves (the baseline, = 100)
//   first-touch        pages on the node of the CPU that touched them first, nothing moves
//   migrate            round-robin placement, then hot pages used by one node migrate
//   replicate          round-robin placement, then read-shared hot pages are replicated
//   migrate+replicate  both (Disco's policy)
//   ideal              round-robin placement on a uniform machine: every miss at local latency
//
// and prints simulated time relative to the baseline, the share of misses satisfied locally,
// and the moves with their cost (count, per simulated second, simulated microseconds each).
// Runs are deterministic: the same options give the same table, bit for bit.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_TIMING, parseSizeText, type TimingConfig } from '../cpu/config.ts';
import { Monitor } from './monitor.ts';
import { NUMA_DEFAULTS, type NumaOptions } from './numa-policy.ts';
import type { PageEvent } from './events.ts';

export const NUMA_POLICIES = ['round-robin', 'first-touch', 'migrate', 'replicate', 'migrate+replicate', 'ideal'] as const;
export type NumaPolicy = (typeof NUMA_POLICIES)[number];
export const NUMA_WORKLOADS = ['raytrace', 'engineering', 'pmake', 'database'] as const;
export type NumaWorkload = (typeof NUMA_WORKLOADS)[number];

/** Guest command lines per workload and size (guests/numa/numa.c documents the arguments). */
export const WORKLOAD_ARGS: Readonly<Record<NumaWorkload, Readonly<Record<'tiny' | 'small' | 'full', string>>>> = {
  raytrace: { tiny: 'raytrace 256 16 1500', small: 'raytrace 1024 32 6000', full: 'raytrace 1024 64 48000' },
  engineering: { tiny: 'eng 64 128 2 1500', small: 'eng 512 512 3 6000', full: 'eng 512 512 3 48000' },
  // SRC_KB JOB_KB JOBS STEPS: shared code + headers, a scratch slot per job, jobs, steps per job.
  pmake: { tiny: 'pmake 128 16 24 400', small: 'pmake 1024 64 96 2000', full: 'pmake 1024 64 384 6000' },
  // POOL_KB LOCK_KB WORK_KB QUERIES: the shared buffer pool, lock/log lines, private work area, queries per CPU.
  database: { tiny: 'database 256 8 16 150', small: 'database 1024 16 64 2000', full: 'database 2048 16 64 8000' },
};

/**
 * The guest image of a workload: pmake and database are in numa2.elf (numa.c built with them),
 * so that numa.elf, and with it the published raytrace/engineering figures, stay exactly as
 * they were (the figures depend on where the image's code and data lie).
 */
export function workloadImage(w: NumaWorkload): string {
  return resolve(import.meta.dirname, '..', 'guests', 'numa', w === 'pmake' || w === 'database' ? 'numa2.elf' : 'numa.elf');
}

export interface NumaExperiment {
  workload: NumaWorkload;
  /** Guest arguments (default: WORKLOAD_ARGS[workload][size]); the image is workloadImage(workload). */
  args?: string;
  size?: 'tiny' | 'small' | 'full';
  nodes: number;
  cpusPerNode: number;
  policies: NumaPolicy[];
  /** Timing parameters. */
  l2Bytes: number;
  localNs: number;
  remoteNs: number;
  clockMHz: number;
  /** Per-page miss count (per node) that makes a page hot. */
  hotThreshold: number;
  sharingThreshold: number;
  resetInterval: number;
  maxMoves: number;
  freezeCycles: number;
  /** Memory per node (bytes) and of the VM. */
  memPerNode: number;
  vmMem: number;
  image?: Uint8Array;
  /** Told before each run (the progress line). */
  onRun?: (policy: NumaPolicy, index: number, total: number) => void;
  /** Check the monitor's invariants every this many rounds (tests; 0 = never). */
  checkEvery?: number;
  /** Told of every page move, replication and collapse (tests: which pages were replicated). */
  onPage?: (e: PageEvent) => void;
}

export const EXPERIMENT_DEFAULTS = {
  l2Bytes: 256 * 1024,
  localNs: 300,
  remoteNs: 900,
  clockMHz: 200,
  hotThreshold: 40,
  sharingThreshold: 10,
  resetInterval: 10_000_000,
  maxMoves: NUMA_DEFAULTS.maxMoves,
  freezeCycles: NUMA_DEFAULTS.freezeCycles,
  memPerNode: 16 * 1024 * 1024,
  vmMem: 48 * 1024 * 1024,
} as const;

export interface NumaRow {
  policy: NumaPolicy;
  cycles: number;
  /** Simulated time relative to the baseline (round-robin = 100). */
  relative: number;
  /** Simulated time split: CPU busy (instructions), memory stall, monitor (cycles, summed over CPUs). */
  busyCycles: number;
  stallCycles: number;
  monitorCycles: number;
  instructions: number;
  localMisses: number;
  remoteMisses: number;
  localFraction: number;
  migrations: number;
  replications: number;
  collapses: number;
  migrationsPerSec: number;
  replicationsPerSec: number;
  usPerMigration: number;
  usPerReplication: number;
  /** Most replica memory held at once (bytes). */
  replicaBytes: number;
  capped: number;
  writeShared: number;
  checksum: string;
  hostSeconds: number;
}

export interface NumaReport {
  workload: NumaWorkload;
  args: string;
  nodes: number;
  cpusPerNode: number;
  params: Record<string, number | string>;
  rows: NumaRow[];
}

function timingFor(e: NumaExperiment, uniform: boolean): TimingConfig {
  return {
    ...DEFAULT_TIMING, enabled: true, clockMHz: e.clockMHz, localNs: e.localNs, remoteNs: e.remoteNs,
    l2: { size: e.l2Bytes, assoc: 2 }, hotPageThreshold: e.hotThreshold, uniform,
  };
}

function numaFor(e: NumaExperiment, policy: NumaPolicy): NumaOptions {
  const base = { sharingThreshold: e.sharingThreshold, resetInterval: e.resetInterval, maxMoves: e.maxMoves, freezeCycles: e.freezeCycles };
  switch (policy) {
    case 'first-touch': return { ...base, placement: 'first-touch' };
    case 'migrate': return { ...base, placement: 'round-robin', migrate: true };
    case 'replicate': return { ...base, placement: 'round-robin', replicate: true };
    case 'migrate+replicate': return { ...base, placement: 'round-robin', migrate: true, replicate: true };
    default: return { ...base, placement: 'round-robin' };
  }
}

export interface OneRun { row: Omit<NumaRow, 'relative'>; console: string; invariantErrors: string[] }

/** Run the workload once under `policy`. */
export function runPolicy(e: NumaExperiment, policy: NumaPolicy): OneRun {
  const image = e.image ?? readFileSync(workloadImage(e.workload));
  const args = e.args ?? WORKLOAD_ARGS[e.workload][e.size ?? 'full'];
  const ncpu = e.nodes * e.cpusPerNode;
  let out = '';
  const mon = new Monitor({
    nodes: e.nodes, cpusPerNode: e.cpusPerNode, memPerNode: e.memPerNode, timing: timingFor(e, policy === 'ideal'),
    console: (_vm, b) => { out += String.fromCharCode(b); },
  });
  const vm = mon.createVm({
    memBytes: e.vmMem, vcpus: ncpu, image, imageName: 'numa.elf', cmdline: args,
    homes: Array.from({ length: ncpu }, (_, i) => i), pinned: true, numa: numaFor(e, policy), maxInstructions: 4e9,
  });
  if (e.onPage !== undefined) mon.observer = { page: e.onPage };
  const bad: string[] = [];
  let rounds = 0;
  const every = e.checkEvery ?? 0;
  const t0 = performance.now();
  const r = mon.run(every > 0 ? { onRound: () => { if (++rounds % every === 0) bad.push(...mon.checkInvariants()); } } : {});
  const host = (performance.now() - t0) / 1000;
  if (every > 0) bad.push(...mon.checkInvariants());
  // Exit code 2 with a "numa: usage"/"numa: bad sizes" line: the guest rejected its arguments.
  const rejected = vm.stopKind === 'halt' && vm.exitCode === 2 ? /numa: (usage|bad sizes)[^\n]*/.exec(out) : null;
  if (rejected !== null) throw new RangeError(`${e.workload}: guest arguments '${args}' rejected: ${rejected[0]}`);
  if (vm.stopKind !== 'halt' || vm.exitCode !== 0) throw new Error(`numa ${e.workload} ${policy}: ${vm.stopMessage}\n${out.slice(-300)}`);
  const mem = mon.machine.mem!;
  let local = 0, remote = 0, stall = 0;
  for (const c of mem.counters) { local += c.localMisses; remote += c.remoteMisses; stall += c.stallCycles; }
  const k = mon.numa!.counts(vm);
  const secs = r.cycles / (e.clockMHz * 1e6);
  const us = (cycles: number, n: number): number => (n === 0 ? 0 : cycles / n / e.clockMHz);
  const sum = /checksum ([0-9a-f]+)/.exec(out)?.[1] ?? '?';
  const monitorCycles = vm.counters.monitorCycles;
  return {
    row: {
      policy, cycles: r.cycles, busyCycles: r.instructions, stallCycles: stall, monitorCycles, instructions: r.instructions,
      localMisses: local, remoteMisses: remote, localFraction: local + remote === 0 ? 0 : local / (local + remote),
      migrations: k.migrations, replications: k.replications, collapses: k.collapses,
      migrationsPerSec: k.migrations / secs, replicationsPerSec: k.replications / secs,
      usPerMigration: us(k.migrateCycles, k.migrations), usPerReplication: us(k.replicateCycles, k.replications),
      replicaBytes: mon.numa!.mover.replicaPeak * 4096, capped: k.capped, writeShared: k.writeShared,
      checksum: sum, hostSeconds: host,
    },
    console: out,
    invariantErrors: bad,
  };
}

/** Run every policy (the baseline first, even if not asked for) and build the report. */
export function runExperiment(e: NumaExperiment): NumaReport {
  const policies: NumaPolicy[] = e.policies.includes('round-robin') ? [...e.policies] : ['round-robin', ...e.policies];
  policies.sort((a, b) => NUMA_POLICIES.indexOf(a) - NUMA_POLICIES.indexOf(b));
  const rows: Array<Omit<NumaRow, 'relative'>> = [];
  policies.forEach((p, i) => {
    e.onRun?.(p, i, policies.length);
    rows.push(runPolicy(e, p).row);
  });
  const base = rows.find((r) => r.policy === 'round-robin')!.cycles;
  return {
    workload: e.workload,
    args: e.args ?? WORKLOAD_ARGS[e.workload][e.size ?? 'full'],
    nodes: e.nodes,
    cpusPerNode: e.cpusPerNode,
    params: {
      clockMHz: e.clockMHz, localNs: e.localNs, remoteNs: e.remoteNs, l2: `${e.l2Bytes / 1024}K`, lineBytes: DEFAULT_TIMING.lineBytes,
      hotThreshold: e.hotThreshold, sharingThreshold: e.sharingThreshold, resetInterval: e.resetInterval,
      maxMoves: e.maxMoves, freezeCycles: e.freezeCycles, missSampling: DEFAULT_TIMING.missSampling,
    },
    rows: rows.map((r) => ({ ...r, relative: (100 * r.cycles) / base })),
  };
}

// ---------------------------------------------------------------------------------------------
// Output.

const f1 = (x: number): string => x.toFixed(1);
const f0 = (x: number): string => Math.round(x).toString();

export function formatTable(rep: NumaReport): string {
  const head = ['policy', 'time', 'Mcycles', 'local misses', 'remote misses', 'migrations', '/s', 'us each', 'replications', '/s', 'us each', 'collapses', 'replica KiB', 'checksum'];
  const rows = rep.rows.map((r) => [
    r.policy, f1(r.relative), f1(r.cycles / 1e6), `${f1(100 * r.localFraction)}%`, String(r.remoteMisses),
    String(r.migrations), f0(r.migrationsPerSec), f1(r.usPerMigration),
    String(r.replications), f0(r.replicationsPerSec), f1(r.usPerReplication),
    String(r.collapses), String(r.replicaBytes / 1024), r.checksum,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  const p = rep.params;
  return [
    `disco numa: ${rep.workload} ("${rep.args}") on ${rep.nodes} node(s) x ${rep.cpusPerNode} CPU(s), one VM, a VCPU pinned on every CPU`,
    `machine: ${p.clockMHz} MHz, local ${p.localNs} ns, remote ${p.remoteNs} ns, L2 ${p.l2}, ${p.lineBytes}-byte lines; ` +
      `policy: hot ${p.hotThreshold} misses, sharing ${p.sharingThreshold}, reset every ${p.resetInterval} cycles, ` +
      `at most ${p.maxMoves} moves a page, replication frozen ${p.freezeCycles} cycles after a collapse`,
    'time: simulated time, round-robin (NUMA-unaware) = 100',
    line(head),
    ...rows.map(line),
  ].join('\n');
}

export function formatCsv(rep: NumaReport): string {
  const keys: Array<keyof NumaRow> = ['policy', 'relative', 'cycles', 'instructions', 'stallCycles', 'monitorCycles', 'localMisses', 'remoteMisses', 'localFraction',
    'migrations', 'migrationsPerSec', 'usPerMigration', 'replications', 'replicationsPerSec', 'usPerReplication', 'collapses', 'replicaBytes', 'capped', 'writeShared', 'checksum'];
  const out = [['workload', 'nodes', 'cpusPerNode', ...keys].join(',')];
  for (const r of rep.rows) {
    out.push([rep.workload, rep.nodes, rep.cpusPerNode, ...keys.map((k) => {
      const v = r[k];
      return typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v);
    })].join(','));
  }
  return out.join('\n');
}

/** JSON without host times (deterministic). */
export function formatJson(reps: NumaReport[]): string {
  return JSON.stringify(reps.map((rep) => ({ ...rep, rows: rep.rows.map(({ hostSeconds: _h, ...r }) => r) })), null, 2);
}

/**
 * A bar chart like the paper's Figure 8: one group per experiment, one bar per policy, the
 * bar's height the simulated time relative to the baseline, split into the time the CPUs
 * executed instructions, stalled on memory, and ran the monitor (summed over CPUs, scaled to
 * the bar), with the local-miss percentage on top.
 */
export function formatSvg(reps: NumaReport[]): string {
  const barW = 34, gap = 8, groupGap = 40, top = 64, h = 260, left = 50;
  const colors = { busy: '#4c78a8', stall: '#e45756', monitor: '#f2a541' };
  const parts: string[] = [];
  let x = left;
  const maxRel = Math.max(100, ...reps.flatMap((r) => r.rows.map((w) => w.relative)));
  const scale = h / maxRel;
  for (const rep of reps) {
    const gx = x;
    for (const r of rep.rows) {
      const total = r.busyCycles + r.stallCycles + r.monitorCycles;
      const barH = r.relative * scale;
      let y = top + h;
      for (const [k, v] of [['busy', r.busyCycles], ['stall', r.stallCycles], ['monitor', r.monitorCycles]] as const) {
        const seg = total === 0 ? 0 : (barH * v) / total;
        y -= seg;
        parts.push(`<rect x="${x}" y="${y.toFixed(1)}" width="${barW}" height="${seg.toFixed(1)}" fill="${colors[k]}"/>`);
      }
      parts.push(`<text x="${x + barW / 2}" y="${(top + h - barH - 16).toFixed(1)}" font-size="10" text-anchor="middle">${Math.round(r.relative)}</text>`);
      parts.push(`<text x="${x + barW / 2}" y="${(top + h - barH - 5).toFixed(1)}" font-size="9" text-anchor="middle" fill="#555">${Math.round(100 * r.localFraction)}%</text>`);
      parts.push(`<text x="${x + barW / 2}" y="${top + h + 12}" font-size="9" text-anchor="end" transform="rotate(-40 ${x + barW / 2} ${top + h + 12})">${r.policy}</text>`);
      x += barW + gap;
    }
    parts.push(`<text x="${((gx + x - gap) / 2).toFixed(1)}" y="${top + h + 82}" font-size="12" text-anchor="middle" font-weight="bold">${rep.workload}, ${rep.nodes * rep.cpusPerNode} CPUs</text>`);
    x += groupGap;
  }
  const width = x + 10, height = top + h + 130;
  const axis = [0, 25, 50, 75, 100].map((v) => `<line x1="${left - 5}" x2="${width - 10}" y1="${(top + h - v * scale).toFixed(1)}" y2="${(top + h - v * scale).toFixed(1)}" stroke="#ddd"/><text x="${left - 8}" y="${(top + h - v * scale + 3).toFixed(1)}" font-size="10" text-anchor="end">${v}</text>`);
  const legend = (['busy', 'stall', 'monitor'] as const).map((k, i) => `<rect x="${left + i * 150}" y="${height - 22}" width="10" height="10" fill="${colors[k]}"/><text x="${left + i * 150 + 14}" y="${height - 13}" font-size="11">${k === 'busy' ? 'instructions' : k === 'stall' ? 'memory stall' : 'monitor (moves, TLB)'}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<text x="${left}" y="20" font-size="13" font-weight="bold">Simulated time (round-robin placement = 100); local misses % on top</text>`,
    ...axis, ...parts, ...legend, '</svg>', '',
  ].join('\n');
}

export function writeSvg(file: string, reps: NumaReport[]): void {
  writeFileSync(file, formatSvg(reps));
}

// ---------------------------------------------------------------------------------------------
// The command line (vmm/cli.ts registers it).

interface NumaCliOptions {
  workload: string;
  nodes: number;
  cpusPerNode: number;
  policies: string;
  size: string;
  args?: string;
  l2: number;
  localNs: number;
  remoteNs: number;
  hot: number;
  sharing: number;
  resetInterval: number;
  maxMoves: number;
  freeze: number;
  memPerNode: number;
  vmMem: number;
  csv?: boolean;
  json?: boolean;
  svg?: string;
  progress?: boolean;
}

function intArg(name: string, lo: number, hi: number) {
  return (text: string): number => {
    const v = Number(text.replace(/_/g, ''));
    if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidArgumentError(`${name} must be an integer from ${lo} to ${hi}`);
    return v;
  };
}

function sizeArg(name: string) {
  return (text: string): number => {
    const n = parseSizeText(text);
    if (n === null || n <= 0 || n % 4096 !== 0) throw new InvalidArgumentError(`${name}: "${text}" is not a size in whole 4 KiB pages (examples: 256K, 16M)`);
    return n;
  };
}

/** Parse the --policies list; throws a one-line RangeError. */
export function parsePolicies(text: string): NumaPolicy[] {
  const out: NumaPolicy[] = [];
  for (const p of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(NUMA_POLICIES as readonly string[]).includes(p)) throw new RangeError(`unknown policy '${p}' (expected ${NUMA_POLICIES.join(', ')})`);
    if (!out.includes(p as NumaPolicy)) out.push(p as NumaPolicy);
  }
  if (out.length === 0) throw new RangeError('--policies names no policy');
  return out;
}

export function numaCommand(): Command {
  return new Command('numa')
    .description('the NUMA experiment (Disco section 5.5): a workload in one VM with a VCPU on every CPU, once per placement/migration policy')
    .option('--workload <name>', `workload: ${NUMA_WORKLOADS.join(', ')}`, 'raytrace')
    .option('--nodes <n>', 'NUMA nodes (default 8)', intArg('--nodes', 1, 32), 8)
    .option('--cpus-per-node <n>', 'CPUs per node (default 1; at most 32 CPUs in all)', intArg('--cpus-per-node', 1, 32), 1)
    .option('--policies <list>', `comma-separated, from ${NUMA_POLICIES.join(', ')}`, NUMA_POLICIES.join(','))
    .option('--size <s>', 'workload size: tiny, small or full (the published figures)', 'full')
    .option('--args <text>', 'guest arguments instead of --size (guests/numa/numa.c)')
    .option('--l2 <size>', 'L2 cache per CPU (default 256K, as in the paper\'s raytrace)', sizeArg('--l2'), EXPERIMENT_DEFAULTS.l2Bytes)
    .option('--local-ns <n>', 'latency of a local miss (default 300)', intArg('--local-ns', 0, 1_000_000), EXPERIMENT_DEFAULTS.localNs)
    .option('--remote-ns <n>', 'latency of a remote miss (default 900)', intArg('--remote-ns', 0, 1_000_000), EXPERIMENT_DEFAULTS.remoteNs)
    .option('--hot <n>', `misses of one node on one page that make it hot (default ${EXPERIMENT_DEFAULTS.hotThreshold})`, intArg('--hot', 1, 1 << 30), EXPERIMENT_DEFAULTS.hotThreshold)
    .option('--sharing <n>', `misses of another node that make a page shared (default ${EXPERIMENT_DEFAULTS.sharingThreshold})`, intArg('--sharing', 1, 1 << 30), EXPERIMENT_DEFAULTS.sharingThreshold)
    .option('--reset-interval <cycles>', `cycles between counter resets (default ${EXPERIMENT_DEFAULTS.resetInterval})`, intArg('--reset-interval', 1000, 2 ** 40), EXPERIMENT_DEFAULTS.resetInterval)
    .option('--max-moves <n>', `moves of one page at most (default ${EXPERIMENT_DEFAULTS.maxMoves})`, intArg('--max-moves', 0, 1 << 30), EXPERIMENT_DEFAULTS.maxMoves)
    .option('--freeze <cycles>', `no replication of a page this long after a write collapsed it (default ${EXPERIMENT_DEFAULTS.freezeCycles})`, intArg('--freeze', 0, 2 ** 40), EXPERIMENT_DEFAULTS.freezeCycles)
    .option('--mem-per-node <size>', 'machine memory per node (default 16M)', sizeArg('--mem-per-node'), EXPERIMENT_DEFAULTS.memPerNode)
    .option('--vm-mem <size>', 'memory of the VM (default 48M)', sizeArg('--vm-mem'), EXPERIMENT_DEFAULTS.vmMem)
    .option('--csv', 'print CSV instead of the table')
    .option('--json', 'print JSON instead of the table')
    .option('--svg <file>', 'also write a bar chart like the paper\'s Figure 8')
    .option('--progress', 'show a progress line on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show the progress line')
    .addHelpText('after', `
Examples:
  disco numa --workload raytrace --nodes 16
  disco numa --workload engineering --nodes 8 --policies round-robin,migrate+replicate,ideal --svg eng.svg
  disco numa --workload raytrace --size small --csv
  disco numa --workload database --nodes 8 --args 'database 1024 16 64 300'`)
    .action((o: NumaCliOptions) => {
      if (!(NUMA_WORKLOADS as readonly string[]).includes(o.workload)) throw new RangeError(`unknown workload '${o.workload}' (expected ${NUMA_WORKLOADS.join(', ')})`);
      if (o.size !== 'tiny' && o.size !== 'small' && o.size !== 'full') throw new RangeError(`--size must be tiny, small or full, got '${o.size}'`);
      if (o.nodes * o.cpusPerNode > 32) throw new RangeError(`at most 32 CPUs in all, got ${o.nodes} x ${o.cpusPerNode}`);
      if (o.vmMem % 0x100000 !== 0 || o.vmMem > 0x10000000) throw new RangeError('--vm-mem must be whole MiB, at most 256M');
      const policies = parsePolicies(o.policies);
      const tty = o.progress ?? process.stderr.isTTY === true;
      const t0 = performance.now();
      const rep = runExperiment({
        workload: o.workload as NumaWorkload, size: o.size, args: o.args, nodes: o.nodes, cpusPerNode: o.cpusPerNode, policies,
        l2Bytes: o.l2, localNs: o.localNs, remoteNs: o.remoteNs, clockMHz: EXPERIMENT_DEFAULTS.clockMHz, hotThreshold: o.hot,
        sharingThreshold: o.sharing, resetInterval: o.resetInterval, maxMoves: o.maxMoves, freezeCycles: o.freeze,
        memPerNode: o.memPerNode, vmMem: o.vmMem,
        onRun: tty ? (p, i, n) => process.stderr.write(`\r\x1b[Knuma: ${o.workload} on ${o.nodes * o.cpusPerNode} CPUs: ${p} (${i + 1}/${n}, ${((performance.now() - t0) / 1000).toFixed(0)} s)`) : undefined,
      });
      if (tty) process.stderr.write('\r\x1b[K');
      process.stdout.write((o.json ? formatJson([rep]) : o.csv ? formatCsv(rep) : formatTable(rep)) + '\n');
      if (o.svg !== undefined) writeSvg(o.svg, [rep]);
    });
}
