// Virtualization overhead, measured as Disco measured it (SOSP '97 section 5.3, Table 2 and
// Figure 5): the same guest kernel image runs each workload on the bare machine and in one VM
// on the same machine; the difference in simulated time is the overhead, broken down by what
// the monitor was doing. Boot is excluded: every figure is (workload run) - (a run of `echo`),
// both with the same memory, so kernel boot and the monitor's zeroing of boot memory cancel.
//
//   node bin/run-ts.js vmm/overhead.ts [--kernel ELF] [--disk IMG] [--mem 64M] [--timing]
//                                      [--workloads "pmake 12 8;eng 2 512 4;..."] [--json]

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import { DEFAULT_CONFIG, type TimingConfig } from '../cpu/config.ts';
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
  bareHostSeconds: number;
  vmHostSeconds: number;
}

export interface OverheadOptions {
  kernel: Uint8Array;
  disk: Uint8Array;
  memBytes: number;
  timing?: TimingConfig;
}

interface One { cycles: number; host: number; stats: VmStats | null; out: string }

function bare(o: OverheadOptions, cmdline: string): One {
  let out = '';
  const m = new Machine({ memBytes: o.memBytes, out: (b) => { out += String.fromCharCode(b); }, disk: o.disk.slice(), timing: o.timing });
  m.load(o.kernel, 'kernel.elf', cmdline);
  const t0 = performance.now();
  const r = m.run({ maxInstructions: 5e9 });
  if (r.reason !== 'halt' || r.exitCode !== 0) throw new Error(`bare ${cmdline}: ${r.reason} ${r.detail} (exit ${r.exitCode})\n${out.slice(-400)}`);
  return { cycles: r.cycles, host: (performance.now() - t0) / 1000, stats: null, out };
}

function virtual(o: OverheadOptions, cmdline: string): One {
  let out = '';
  // The machine has the VM's memory plus room for the monitor's pages.
  const mon = new Monitor({ memBytes: o.memBytes + 0x100000, timing: o.timing, console: (_vm, b) => { out += String.fromCharCode(b); } });
  const vm = mon.createVm({ memBytes: o.memBytes, image: o.kernel, imageName: 'kernel.elf', cmdline, disk: o.disk.slice(), maxInstructions: 5e9 });
  const t0 = performance.now();
  const r = mon.run();
  if (vm.stopKind !== 'halt' || vm.exitCode !== 0) throw new Error(`vm ${cmdline}: ${vm.stopMessage}\n${out.slice(-400)}`);
  return { cycles: r.cycles, host: (performance.now() - t0) / 1000, stats: mon.vmStats(vm), out };
}

/** Measure each workload command; `base` is the command whose run is subtracted. */
export function measure(o: OverheadOptions, workloads: string[], base = 'echo'): OverheadRow[] {
  const b0 = bare(o, base), v0 = virtual(o, base);
  const rows: OverheadRow[] = [];
  for (const w of workloads) {
    const b = bare(o, w), v = virtual(o, w);
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
      bareHostSeconds: b.host, vmHostSeconds: v.host,
    });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function table(rows: OverheadRow[]): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const cats = ['kernelTlbFaults', 'tlbWrites', 'privileged', 'userTlbMisses', 'devices', 'monitorCalls', 'interrupts', 'reflected', 'pageZeroing'];
  const head = ['workload', 'bare Mcycles', 'VM Mcycles', 'overhead', ...cats, 'traps', 'L2TLB hits', 'host s bare/VM (whole run)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const r of rows) {
    lines.push(`| ${[
      r.workload, (r.bareCycles / 1e6).toFixed(1), (r.vmCycles / 1e6).toFixed(1), pct(r.overhead),
      ...cats.map((c) => pct(r.breakdown[c] ?? 0)), String(r.traps), pct(r.l2tlbHitRate),
      `${r.bareHostSeconds.toFixed(2)}/${r.vmHostSeconds.toFixed(2)}`,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

function main(argv: string[]): void {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const kernel = readFileSync(arg('--kernel') ?? resolve(root, 'guests/kernel/kernel.elf'));
  const disk = new Uint8Array(readFileSync(arg('--disk') ?? resolve(root, 'guests/user/fs.img')));
  const mem = (Number(/^(\d+)M$/i.exec(arg('--mem') ?? '64M')?.[1] ?? 64)) * 0x100000;
  const workloads = (arg('--workloads') ?? 'pmake 12 8;eng 2 512 4;rt 48 32 16 2;db 512 8192 8000').split(';').map((s) => s.trim()).filter(Boolean);
  const timing = argv.includes('--timing') ? { ...DEFAULT_CONFIG.timing, enabled: true } : undefined;
  const rows = measure({ kernel, disk, memBytes: mem, timing }, workloads);
  process.stdout.write(argv.includes('--json') ? JSON.stringify(rows, null, 2) + '\n' : table(rows) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('vmm/overhead.ts')) main(process.argv.slice(2));
