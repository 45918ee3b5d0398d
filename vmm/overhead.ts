// Virtualization overhead, measured as Disco measured it (SOSP '97 section 5.3, Table 2 and
// Figure 5): the same guest kernel image runs each workload on the bare machine and in one VM
// on the same machine; the difference in simulated time is the overhead, broken down by what
// the monitor was doing. Boot is excluded: every figure is (workload run) - (a run of `echo`),
// both with the same memory, so kernel boot and the monitor's zeroing of boot memory cancel.
//
//   disco overhead [--size test|experiment] [--workloads "pmake 12 8;eng 2 512 4"] [--csv|--json]
//   node bin/run-ts.js vmm/overhead.ts [same options]
//
// The VM's time is also split as Figure 5 splits it: guest user, guest kernel and idle (sampled
// at every interleaving round, i.e. every --quantum cycles, from the physical CPU's mode) and
// monitor time by category (exact, from the cost table's charges).

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { Machine } from '../cpu/machine.ts';
import { DEFAULT_CONFIG, parseSizeText, type TimingConfig } from '../cpu/config.ts';
import { Monitor, type VmStats } from './monitor.ts';

const root = resolve(import.meta.dirname, '..');

export interface OverheadRow {
  workload: string;
  bareCycles: number;
  vmCycles: number;
  /** (vm - bare) / bare. */
  overhead: number;
  /** Monitor cycles by category, as a fraction of the bare cycles. */
  breakdown: Record<string, number>;
  l2tlbHitRate: number;
  traps: number;
  /** The VM's run split as Figure 5 (fractions of the bare cycles): guest user, guest kernel,
   * idle (sampled once per round) and monitor (exact); they add up to vmCycles / bareCycles. */
  vmSplit: { user: number; kernel: number; idle: number; monitor: number };
  bareHostSeconds: number;
  vmHostSeconds: number;
}

export interface OverheadOptions {
  kernel: Uint8Array;
  disk: Uint8Array;
  memBytes: number;
  timing?: TimingConfig;
}

interface One {
  cycles: number;
  host: number;
  stats: VmStats | null;
  out: string;
  /** Guest cycles by the physical CPU's mode at each round end (VM runs only). */
  modes: { user: number; kernel: number; idle: number };
}

/** The workloads at the guest kernel's test sizes and at its experiment sizes (docs/kernel.md). */
export const WORKLOAD_SETS: Readonly<Record<string, readonly string[]>> = {
  test: ['pmake 12 8', 'eng 2 512 4', 'rt 48 32 16 2', 'db 512 8192 8000'],
  experiment: ['pmake 64 16', 'eng 4 8192 8', 'rt 160 120 48 4', 'db 16384 524288 200000'],
};

function bare(o: OverheadOptions, cmdline: string): One {
  let out = '';
  const m = new Machine({ memBytes: o.memBytes, out: (b) => { out += String.fromCharCode(b); }, disk: o.disk.slice(), timing: o.timing });
  m.load(o.kernel, 'kernel.elf', cmdline);
  const t0 = performance.now();
  const r = m.run({ maxInstructions: 5e9 });
  if (r.reason !== 'halt' || r.exitCode !== 0) throw new RangeError(`"${cmdline}" on the bare machine: ${r.reason === 'halt' ? `exit code ${r.exitCode}` : r.detail}; its console ended: ${tail(out)}`);
  return { cycles: r.cycles, host: (performance.now() - t0) / 1000, stats: null, out, modes: { user: 0, kernel: 0, idle: 0 } };
}

function virtual(o: OverheadOptions, cmdline: string): One {
  let out = '';
  // The machine has the VM's memory plus room for the monitor's pages.
  const mon = new Monitor({ memBytes: o.memBytes + 0x100000, timing: o.timing, console: (_vm, b) => { out += String.fromCharCode(b); } });
  const vm = mon.createVm({ memBytes: o.memBytes, image: o.kernel, imageName: 'kernel.elf', cmdline, disk: o.disk.slice(), maxInstructions: 5e9 });
  const t0 = performance.now();
  // Figure 5's user/kernel/idle split: each round's cycles go to the mode the CPU is in at
  // the round's end (physical user mode = virtual user mode; idle = the monitor's idle loop).
  const modes = { user: 0, kernel: 0, idle: 0 };
  const cpu = mon.machine.cpus[0], p = mon.pcpus[0];
  let last = cpu.cycles;
  const r = mon.run({
    onRound: () => {
      const d = cpu.cycles - last;
      last = cpu.cycles;
      if (p.current === null) modes.idle += d;
      else if ((cpu.cp0.status & 0x18) === 0x10) modes.user += d;
      else modes.kernel += d;
    },
  });
  if (vm.stopKind !== 'halt' || vm.exitCode !== 0) throw new RangeError(`"${cmdline}" in a VM: ${vm.stopMessage}; its console ended: ${tail(out)}`);
  return { cycles: r.cycles, host: (performance.now() - t0) / 1000, stats: mon.vmStats(vm), out, modes };
}

/**
 * Measure each workload command; `base` is the command whose run is subtracted. `progress`
 * hears what is being run (for a progress line).
 */
export function measure(o: OverheadOptions, workloads: string[], base = 'echo', progress?: (what: string) => void): OverheadRow[] {
  const tell = progress ?? ((): void => {});
  tell(`${base} (boot baseline), bare`);
  const b0 = bare(o, base);
  tell(`${base} (boot baseline), in a VM`);
  const v0 = virtual(o, base);
  const rows: OverheadRow[] = [];
  for (const [i, w] of workloads.entries()) {
    tell(`${w} (${i + 1}/${workloads.length}), bare`);
    const b = bare(o, w);
    tell(`${w} (${i + 1}/${workloads.length}), in a VM`);
    const v = virtual(o, w);
    if (strip(b.out, w) !== strip(v.out, w)) throw new RangeError(`"${w}": the VM's output differs from the bare machine's`);
    const db = b.cycles - b0.cycles, dv = v.cycles - v0.cycles;
    const cats = new Set([...Object.keys(v.stats!.overheadBy), ...Object.keys(v0.stats!.overheadBy)]);
    const breakdown: Record<string, number> = {};
    for (const c of [...cats].sort()) breakdown[c] = ((v.stats!.overheadBy[c] ?? 0) - (v0.stats!.overheadBy[c] ?? 0)) / db;
    const trapsOf = (s: VmStats): number => Object.values(s.traps).reduce((a, x) => a + x, 0);
    const l2 = v.stats!.vcpuList[0].l2tlb, l20 = v0.stats!.vcpuList[0].l2tlb;
    const h = l2.hits - l20.hits, m = l2.misses - l20.misses;
    rows.push({
      workload: w, bareCycles: db, vmCycles: dv, overhead: (dv - db) / db, breakdown,
      l2tlbHitRate: h + m === 0 ? 0 : h / (h + m), traps: trapsOf(v.stats!) - trapsOf(v0.stats!),
      vmSplit: split(v, v0, db),
      bareHostSeconds: b.host, vmHostSeconds: v.host,
    });
  }
  return rows;
}

/** The last lines of a console, as one line (for error messages). */
function tail(out: string): string {
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean).slice(-3);
  return lines.length === 0 ? '(nothing)' : lines.map((l) => JSON.stringify(l)).join(' / ');
}

/** Output lines that name the machine or report timings differ between bare and VM runs. */
function strip(out: string, _w: string): string {
  return out.split('\n').filter((l) => !/monitor|bare machine|wired|^virtio disk:| ms\)|ms of simulated time|\d+ ms\b/.test(l)).join('\n');
}

/** The VM run minus the baseline, split into guest user/kernel/idle and monitor time. */
function split(v: One, v0: One, bareCycles: number): OverheadRow['vmSplit'] {
  const mon = v.stats!.monitorCycles - v0.stats!.monitorCycles;
  const sampled = { user: v.modes.user - v0.modes.user, kernel: v.modes.kernel - v0.modes.kernel, idle: v.modes.idle - v0.modes.idle };
  // The samples include the monitor's stalls; take the monitor's exact share off the guest
  // modes in proportion, so the four parts add up to the VM's cycles.
  const guest = sampled.user + sampled.kernel + sampled.idle;
  const total = v.cycles - v0.cycles;
  const scale = guest === 0 ? 0 : (total - mon) / guest;
  return { user: sampled.user * scale / bareCycles, kernel: sampled.kernel * scale / bareCycles, idle: sampled.idle * scale / bareCycles, monitor: mon / bareCycles };
}

/** Overhead categories in the order of the paper's Figure 5 (then ours). */
export const CATEGORIES = ['kernelTlbFaults', 'tlbWrites', 'privileged', 'monitorCalls', 'devices', 'userTlbMisses', 'reflected', 'interrupts', 'pageZeroing'] as const;

/** The rows as CSV (one line per workload; fractions of the bare cycles). */
export function csv(rows: OverheadRow[]): string {
  const head = ['workload', 'bare_cycles', 'vm_cycles', 'ratio', 'overhead', ...CATEGORIES, 'guest_residual', 'vm_user', 'vm_kernel', 'vm_idle', 'vm_monitor', 'traps', 'l2tlb_hit_rate', 'bare_host_s', 'vm_host_s'];
  const f = (x: number): string => x.toFixed(6);
  const lines = [head.join(',')];
  for (const r of rows) {
    lines.push([
      JSON.stringify(r.workload), r.bareCycles, r.vmCycles, f(r.vmCycles / r.bareCycles), f(r.overhead),
      ...CATEGORIES.map((c) => f(r.breakdown[c] ?? 0)), f(residual(r)),
      f(r.vmSplit.user), f(r.vmSplit.kernel), f(r.vmSplit.idle), f(r.vmSplit.monitor),
      r.traps, f(r.l2tlbHitRate), r.bareHostSeconds.toFixed(3), r.vmHostSeconds.toFixed(3),
    ].join(','));
  }
  return lines.join('\n');
}

/** Overhead not spent in the monitor: the guest's own extra work (paravirtual paths, timing). */
function residual(r: OverheadRow): number {
  return r.overhead - CATEGORIES.reduce((a, c) => a + (r.breakdown[c] ?? 0), 0);
}

/** The rows as a Markdown table. */
export function table(rows: OverheadRow[]): string {
  // (a sampled difference of -0.01% prints as 0.0%, not -0.0%)
  const pct = (x: number): string => `${(Math.abs(x) < 5e-4 ? 0 : x * 100).toFixed(1)}%`;
  const short: Record<string, string> = {
    kernelTlbFaults: 'kernel TLB faults', tlbWrites: 'TLB writes', privileged: 'other privileged', monitorCalls: 'monitor calls',
    devices: 'devices', userTlbMisses: 'user TLB', reflected: 'reflected', interrupts: 'interrupts', pageZeroing: 'page zeroing',
  };
  const head = ['workload', 'bare Mcycles', 'VM Mcycles', 'VM/bare', 'overhead', ...CATEGORIES.map((c) => short[c]), 'guest', 'VM: user / kernel / idle / monitor', 'traps', 'L2TLB hits', 'host s bare/VM'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) {
    const sp = r.vmSplit;
    lines.push(`| ${[
      r.workload, (r.bareCycles / 1e6).toFixed(1), (r.vmCycles / 1e6).toFixed(1), (r.vmCycles / r.bareCycles).toFixed(3), pct(r.overhead),
      ...CATEGORIES.map((c) => pct(r.breakdown[c] ?? 0)), pct(residual(r)),
      `${pct(sp.user)} / ${pct(sp.kernel)} / ${pct(sp.idle)} / ${pct(sp.monitor)}`,
      String(r.traps), pct(r.l2tlbHitRate), `${r.bareHostSeconds.toFixed(2)}/${r.vmHostSeconds.toFixed(2)}`,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

interface OverheadCliOptions {
  kernel: string;
  disk: string;
  mem: string;
  timing?: boolean;
  size: string;
  workloads?: string;
  csv?: boolean;
  json?: boolean;
  output?: string;
  progress?: boolean;
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RangeError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? String(e)})`}`);
  }
}

/** Run the measurement the options describe; returns the report text. */
export function overheadReport(opts: OverheadCliOptions): string {
  const memBytes = parseSizeText(opts.mem);
  if (memBytes === null || memBytes % 0x100000 !== 0 || memBytes < 0x400000 || memBytes > 0x10000000) {
    throw new RangeError(`--mem ${opts.mem}: give whole MiB from 4M to 256M (the guest kernel's memory)`);
  }
  if (opts.csv && opts.json) throw new RangeError('give either --csv or --json, not both');
  const set = WORKLOAD_SETS[opts.size];
  if (set === undefined) throw new RangeError(`--size ${opts.size}: one of ${Object.keys(WORKLOAD_SETS).join(', ')}`);
  const workloads = opts.workloads !== undefined ? opts.workloads.split(';').map((w) => w.trim()).filter(Boolean) : [...set];
  if (workloads.length === 0) throw new RangeError('--workloads: no workload (commands separated by ";", e.g. "pmake 12 8;rt 48 32 16 2")');
  const kernel = readInput(opts.kernel, '--kernel');
  const disk = readInput(opts.disk, '--disk');
  const timing = opts.timing === true ? { ...DEFAULT_CONFIG.timing, enabled: true } : undefined;
  const show = opts.progress ?? (process.stderr.isTTY === true);
  const t0 = performance.now();
  const rows = measure({ kernel, disk, memBytes, timing }, workloads, 'echo', show ? (what) => {
    process.stderr.write(`\r\x1b[2mdisco overhead: ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)\x1b[22m\x1b[K`);
  } : undefined);
  if (show) process.stderr.write('\r\x1b[K');
  if (opts.json) return JSON.stringify(rows, null, 2);
  if (opts.csv) return csv(rows);
  return table(rows);
}

/** `disco overhead`: the table of docs/monitor.md ("Measurements"). */
export function overheadCommand(): Command {
  return new Command('overhead')
    .description('run each workload of the guest kernel bare and in one VM; print the simulated-time overhead with its breakdown (Disco, Figure 5)')
    .option('--kernel <elf>', 'guest kernel image', resolve(root, 'guests/kernel/kernel.elf'))
    .option('--disk <img>', 'its file system image', resolve(root, 'guests/user/fs.img'))
    .option('-m, --mem <size>', 'guest memory (bare machine and VM alike), whole MiB', '64M')
    .option('--timing', 'timing mode (caches, NUMA latencies); default: functional')
    .addOption(new Option('--size <set>', 'workload sizes').choices(Object.keys(WORKLOAD_SETS)).default('test'))
    .option('--workloads <list>', 'commands separated by ";" instead of the set, e.g. "pmake 12 8;rt 48 32 16 2"')
    .option('--csv', 'CSV instead of the Markdown table (fractions of the bare cycles)')
    .option('--json', 'JSON rows instead of the table')
    .option('-o, --output <file>', 'write the report to a file')
    .option('--progress', 'show what runs on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show it')
    .addHelpText('after', `
Every figure is the workload's run minus a run of "echo" (boot cancels out). Columns after
"overhead" are monitor time by category as a share of the bare run; "guest" is the rest of the
difference (the guest's own extra instructions); the VM split is Figure 5's bar.

Examples:
  disco overhead
  disco overhead --size experiment --csv -o overhead.csv
  disco overhead --workloads "rt 160 120 48 4" --json`)
    .action((opts: OverheadCliOptions) => {
      const text = overheadReport(opts) + '\n';
      if (opts.output !== undefined) writeFileSync(opts.output, text);
      else process.stdout.write(text);
    });
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('vmm/overhead.ts')) {
  overheadCommand().exitOverride().parse(process.argv.slice(2), { from: 'user' });
}
