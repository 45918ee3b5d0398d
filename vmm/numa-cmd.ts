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
import { DEFAULT_TIMING, type TimingConfig } from '../cpu/config.ts';
import { Monitor } from './monitor.ts';
import { NUMA_DEFAULTS, type NumaOptions } from './numa-policy.ts';

export const NUMA_POLICIES = ['round-robin', 'first-touch', 'migrate', 'replicate', 'migrate+replicate', 'ideal'] as const;
export type NumaPolicy = (typeof NUMA_POLICIES)[number];
export const NUMA_WORKLOADS = ['raytrace', 'engineering'] as const;
export type NumaWorkload = (typeof NUMA_WORKLOADS)[number];

/** Guest command lines per workload and size (guests/numa/numa.c documents the arguments). */
export const WORKLOAD_ARGS: Readonly<Record<NumaWorkload, Readonly<Record<'tiny' | 'small' | 'full', string>>>> = {
  raytrace: { tiny: 'raytrace 256 16 1500', small: 'raytrace 1024 32 6000', full: 'raytrace 1024 64 48000' },
  engineering: { tiny: 'eng 64 128 2 1500', small: 'eng 512 512 3 6000', full: 'eng 512 512 3 48000' },
};

export interface NumaExperiment {
  workload: NumaWorkload;
  /** Guest arguments (default: WORKLOAD_ARGS[workload][size]). */
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
  const image = e.image ?? readFileSync(resolve(import.meta.dirname, '..', 'guests', 'numa', 'numa.elf'));
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
  const bad: string[] = [];
  let rounds = 0;
  const every = e.checkEvery ?? 0;
  const t0 = performance.now();
  const r = mon.run(every > 0 ? { onRound: () => { if (++rounds % every === 0) bad.push(...mon.checkInvariants()); } } : {});
  const host = (performance.now() - t0) / 1000;
  if (every > 0) bad.push(...mon.checkInvariants());
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
  const barW = 34, gap = 8, groupGap = 40, top = 50, h = 260, left = 50;
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
