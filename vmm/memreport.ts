// Memory footprint of VMs under the monitor (Disco section 7.4, Figure 6): the virtual
// footprint V (the guest pages the VMs have backed by machine memory, summed over VMs) against
// the machine memory M actually used for them (distinct machine pages), so that sharing of
// disk blocks (the buffer cache), remapped pages and merged pages shows as V - M.
//
// `disco run --vms N ... --report memory` prints one line of it; `disco memory` runs the
// paper's experiment and prints the V/M table, with --csv, --json, --svg. As in the paper, the
// work is fixed and split: eight instances of pmake in all, run by 1, 2, 4 or 8 VMs, each VM
// with an equal share of the machine's CPUs and memory (1 VM: 8 VCPUs and 256 MiB; 8 VMs: one
// VCPU and 32 MiB each). `layout: 'replicate'` instead gives every VM the whole workload (N
// VMs do N times the work). Samples are taken between interleaving rounds every `sampleEvery`
// instructions, so the figures are deterministic; the table gives the peaks.

import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_CONFIG, type MachineConfig } from '../cpu/config.ts';
import { Monitor } from './monitor.ts';
import { BaseImage, OverlayDisk } from './disk.ts';
import { scanAndMerge } from './share.ts';
import { PAGE_BYTES } from './alloc.ts';

export interface MemorySample {
  instructions: number;
  /** Guest pages backed by machine pages, summed over running VMs. */
  virtualPages: number;
  /** Distinct machine pages backing them. */
  machinePages: number;
  /** Buffer-cache pages no VM maps (reclaimable). */
  cacheOnlyPages: number;
}

export interface MemoryReport {
  vms: number;
  /** Peak of V and of M over the run (pages), and M when V peaked. */
  peakVirtualPages: number;
  peakMachinePages: number;
  machineAtPeakVirtual: number;
  /** Peak of buffer-cache pages no VM mapped. */
  peakCacheOnlyPages: number;
  samples: number;
  sharing: Monitor['share']['stats'];
  cache: ReturnType<NonNullable<Monitor['share']['cache']>['stats']> | null;
}

/** Takes samples of V and M; with a scan interval, runs the content scan too. */
export class MemoryMeter {
  private nextSample = 0;
  private nextScan: number;
  peakV = 0;
  peakM = 0;
  mAtPeakV = 0;
  peakC = 0;
  /** Every sample, in order (for plots of V and M over the run). */
  readonly series: MemorySample[] = [];

  constructor(private readonly mon: Monitor, private readonly sampleEvery = 1_000_000, private readonly scanEvery = 0) {
    this.nextScan = scanEvery;
  }

  /** Call between rounds (MonitorRunOptions.onRound). */
  onRound(): void {
    const n = this.mon.machine.instructions();
    if (this.scanEvery > 0 && n >= this.nextScan) {
      scanAndMerge(this.mon);
      this.nextScan = n + this.scanEvery;
    }
    if (n >= this.nextSample) {
      this.take();
      this.nextSample = n + this.sampleEvery;
    }
  }

  /** One sample now. */
  take(): MemorySample {
    const s = sampleMemory(this.mon);
    this.series.push(s);
    if (s.virtualPages > this.peakV) { this.peakV = s.virtualPages; this.mAtPeakV = s.machinePages; }
    if (s.machinePages > this.peakM) this.peakM = s.machinePages;
    if (s.cacheOnlyPages > this.peakC) this.peakC = s.cacheOnlyPages;
    return s;
  }

  report(): MemoryReport {
    return {
      vms: this.mon.vms.length, peakVirtualPages: this.peakV, peakMachinePages: this.peakM, machineAtPeakVirtual: this.mAtPeakV,
      peakCacheOnlyPages: this.peakC, samples: this.series.length, sharing: { ...this.mon.share.stats }, cache: this.mon.share.cache?.stats() ?? null,
    };
  }
}

/** V, M and the cache-only pages of the monitor now. */
export function sampleMemory(mon: Monitor): MemorySample {
  let v = 0;
  for (const vm of mon.vms) if (vm.running) v += vm.account.held;
  const a = mon.alloc;
  // Every page not free and not the monitor's is a VM page or a cache page.
  const used = a.totalPages - a.freeTotal() - a.monitorPages;
  const cacheOnly = mon.share.census().cacheOnlyPages;
  return { instructions: mon.machine.instructions(), virtualPages: v, machinePages: used - cacheOnly, cacheOnlyPages: cacheOnly };
}

const MiB = 1024 * 1024;
function mib(pages: number): number {
  return Math.round((pages * PAGE_BYTES / MiB) * 100) / 100;
}

/** One line for `disco run --report memory`. */
export function memoryLine(r: MemoryReport): string {
  const s = r.sharing;
  return `disco: memory: ${r.vms} VM${r.vms === 1 ? '' : 's'}, virtual footprint ${mib(r.peakVirtualPages)} MiB, machine memory ${mib(r.peakMachinePages)} MiB` +
    ` (${mib(r.machineAtPeakVirtual)} MiB at the virtual peak), buffer cache alone ${mib(r.peakCacheOnlyPages)} MiB;` +
    ` blocks remapped ${s.blocksRemapped}, copied ${s.blocksCopied}, copy-on-write copies ${s.cowCopies}` +
    (s.scans > 0 ? `, content scans ${s.scans} merged ${s.merged} pages` : '');
}

// ---------------------------------------------------------------------------------------
// The experiment: N VMs of one workload from one shared base image.

/** How the workload is divided among the VMs of a configuration. */
export type MemoryLayout = 'split' | 'replicate';

export interface MemoryExperimentOptions {
  kernel: string;
  disk: string;
  /**
   * Guest command line: with layout 'split' a pmake command line for one instance (default
   * "pmake -j 2 12 8"; each VM runs `pmake -n K ...` for its K instances); with 'replicate'
   * any command line (default "pmake 12 8").
   */
  workload?: string;
  counts?: number[];
  /**
   * 'split' (default; Disco 7.4): `instances` instances of the workload in all, divided
   * evenly among the VMs, each VM with instances/N VCPUs and totalMem/N of memory, on a
   * machine with one CPU per instance. 'replicate': every VM runs the workload once, with one
   * VCPU and vmMem of memory, on the machine given (default one CPU).
   */
  layout?: MemoryLayout;
  /** 'split': instances of the workload in all (default 8); every VM count must divide it. */
  instances?: number;
  /** 'split': guest memory of all VMs together (default instances x 32 MiB). */
  totalMem?: number;
  /** 'replicate': guest memory per VM (default 32 MiB). */
  vmMem?: number;
  bufferCacheBytes?: number;
  /** Content scan interval in instructions (0: off). */
  scanEvery?: number;
  machine?: MachineConfig;
  maxInstructions?: number;
  /** Told before each configuration runs. */
  progress?: (line: string) => void;
  /**
   * The paper's NFS configuration (one server VM exporting its file system, `nfsClients`
   * client VMs running pmake on it; Figure 6's last bars): run by the virtual subnet's code,
   * appended as the last row. Absent: no NFS row.
   */
  nfs?: NfsConfigRunner;
  nfsClients?: number;
  /** Told every configuration's samples (V, M and cache-only pages over the run), in order. */
  onSeries?: (config: string, vms: number, samples: readonly MemorySample[]) => void;
}

export interface MemoryRow {
  config: string;
  vms: number;
  virtualMiB: number;
  machineMiB: number;
  /** M over the M of the 1-VM row. */
  machineRatio: number;
  /** V / M. */
  sharingRatio: number;
  cacheOnlyMiB: number;
  blocksRemapped: number;
  cowCopies: number;
  merged: number;
  /** Every VM printed what the 1-VM run printed and halted with exit code 0. */
  sameOutput: boolean;
  instructions: number;
}

export const SPLIT_WORKLOAD = 'pmake -j 2 12 8';
export const REPLICATE_WORKLOAD = 'pmake 12 8';

/** The workload's command line for the layout (its default when not given). */
export function memoryWorkload(o: Pick<MemoryExperimentOptions, 'workload' | 'layout'>): string {
  return o.workload ?? ((o.layout ?? 'split') === 'split' ? SPLIT_WORKLOAD : REPLICATE_WORKLOAD);
}

/** A VM's guest command line with layout 'split': `pmake -n K ...` for its K instances. */
export function splitCommand(workload: string, perVm: number): string {
  const w = workload.trim().split(/\s+/);
  if (w[0] !== 'pmake' || w.includes('-n')) throw new RangeError(`the split layout runs instances of pmake: give "pmake [-j J] [NFILES] [KIB]", not "${workload}"`);
  return ['pmake', '-n', String(perVm), ...w.slice(1)].join(' ');
}

/**
 * The machine of the experiment: the one given, or for the split layout the paper's (one CPU
 * per instance, 8; one node), for 'replicate' the default machine (one CPU).
 */
export function experimentMachine(o: Pick<MemoryExperimentOptions, 'machine' | 'layout' | 'instances'>): MachineConfig {
  if (o.machine !== undefined) return o.machine;
  const cpus = (o.layout ?? 'split') === 'split' ? o.instances ?? 8 : DEFAULT_CONFIG.cpusPerNode;
  return { ...DEFAULT_CONFIG, cpusPerNode: cpus, timing: { ...DEFAULT_CONFIG.timing } };
}

/** The lines a VM's workload printed for its result (its first word and a colon). */
function resultLines(output: string, workload: string): string[] {
  const tag = `${workload.trim().split(/\s+/)[0]}:`;
  return output.split('\n').filter((l) => l.startsWith(tag));
}

/** Run the configurations and give the V/M rows (deterministic). */
export function memoryExperiment(o: MemoryExperimentOptions): MemoryRow[] {
  const layout = o.layout ?? 'split';
  const workload = memoryWorkload(o);
  const instances = o.instances ?? 8;
  const counts = o.counts ?? [1, 2, 4, 8];
  if (layout === 'split') {
    if (!Number.isInteger(instances) || instances < 1 || instances > 32) throw new RangeError(`instances: give 1 to 32, got ${instances}`);
    const bad = counts.filter((n) => instances % n !== 0);
    if (bad.length > 0) throw new RangeError(`the split layout divides ${instances} instances evenly among the VMs: ${bad.join(', ')} VMs cannot`);
    splitCommand(workload, 1); // a workload other than pmake fails here, before any run
  }
  const kernel = readFileSync(o.kernel);
  const base = BaseImage.open(o.disk);
  const rows: MemoryRow[] = [];
  let reference: string | null = null;
  let m1 = 0;
  for (const n of counts) {
    o.progress?.(layout === 'split'
      ? `${n} VM${n === 1 ? '' : 's'} running ${instances} instances of "${workload}"`
      : `${n} VM${n === 1 ? '' : 's'} of "${workload}"`);
    const r = runConfig(kernel, base, n, o, layout, workload, instances);
    o.onSeries?.(`pmake x${n}`, n, r.series);
    let same: boolean;
    if (layout === 'split') {
      // Every instance printed the same result line, in whichever VM it ran (8 separate runs
      // of one pmake print it eight times); the checksum depends only on the sizes.
      const lines = r.outputs.flatMap((t) => resultLines(t, workload));
      same = r.exitOk && lines.length === instances && lines.every((l) => l === lines[0]) && (reference === null || lines[0] === reference);
      if (same && reference === null) reference = lines[0];
    } else {
      if (reference === null) reference = r.outputs[0];
      same = r.outputs.every((t) => t === reference) && r.exitOk;
    }
    const rep = r.report;
    if (rows.length === 0) m1 = rep.peakMachinePages;
    rows.push({
      config: `pmake x${n}`, vms: n, virtualMiB: mib(rep.peakVirtualPages), machineMiB: mib(rep.peakMachinePages),
      machineRatio: round2(rep.peakMachinePages / m1), sharingRatio: round2(rep.peakVirtualPages / Math.max(1, rep.peakMachinePages)),
      cacheOnlyMiB: mib(rep.peakCacheOnlyPages), blocksRemapped: rep.sharing.blocksRemapped, cowCopies: rep.sharing.cowCopies,
      merged: rep.sharing.merged, sameOutput: same, instructions: r.instructions,
    });
  }
  if (o.nfs !== undefined) {
    o.progress?.('the NFS configuration');
    const row = o.nfs(o, o.nfsClients ?? 7);
    rows.push({ ...row, machineRatio: round2(row.machineMiB / mib(m1)) });
  }
  return rows;
}

/**
 * Runs the NFS configuration and measures it like runConfig (a MemoryMeter on its monitor);
 * machineRatio is filled in by memoryExperiment.
 */
export type NfsConfigRunner = (o: MemoryExperimentOptions, clients: number) => MemoryRow;

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function runConfig(kernel: Uint8Array, base: BaseImage, n: number, o: MemoryExperimentOptions, layout: MemoryLayout, workload: string, instances: number): { report: MemoryReport; series: readonly MemorySample[]; outputs: string[]; exitOk: boolean; instructions: number } {
  const split = layout === 'split';
  const cfg = experimentMachine(o);
  const perVm = instances / n;
  const memBytes = split ? Math.floor((o.totalMem ?? instances * 32 * MiB) / n / MiB) * MiB : o.vmMem ?? 32 * MiB;
  const outs: string[] = Array.from({ length: n }, () => '');
  const mon = new Monitor({ ...cfg, console: (vm, b) => { outs[vm.id] += String.fromCharCode(b); }, bufferCacheBytes: o.bufferCacheBytes });
  for (let i = 0; i < n; i++) {
    mon.createVm({
      name: `vm${i}`, memBytes, vcpus: split ? perVm : 1, image: kernel, imageName: 'kernel.elf',
      cmdline: split ? splitCommand(workload, perVm) : workload,
      disk: new OverlayDisk(base), maxInstructions: (o.maxInstructions ?? 4e9) * (split ? perVm : 1),
    });
  }
  const meter = new MemoryMeter(mon, 1_000_000, o.scanEvery ?? 0);
  const res = mon.run({ onRound: () => meter.onRound() });
  meter.take();
  return {
    report: meter.report(),
    series: meter.series,
    outputs: outs.map((t) => t.replace(/\r/g, '')),
    exitOk: mon.vms.every((vm) => vm.stopKind === 'halt' && vm.exitCode === 0),
    instructions: res.instructions,
  };
}

/** One configuration's samples, for seriesCsv. */
export interface MemorySeries { config: string; vms: number; samples: readonly MemorySample[] }

/** The samples of every configuration as CSV: one line per sample, pages and MiB. */
export function seriesCsv(list: readonly MemorySeries[]): string {
  const lines = ['config,vms,instructions,virtualPages,machinePages,cacheOnlyPages,virtualMiB,machineMiB'];
  for (const s of list) {
    for (const x of s.samples) {
      lines.push([s.config, s.vms, x.instructions, x.virtualPages, x.machinePages, x.cacheOnlyPages, mib(x.virtualPages), mib(x.machinePages)].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

export function rowsCsv(rows: MemoryRow[]): string {
  const cols: Array<keyof MemoryRow> = ['config', 'vms', 'virtualMiB', 'machineMiB', 'machineRatio', 'sharingRatio', 'cacheOnlyMiB', 'blocksRemapped', 'cowCopies', 'merged', 'sameOutput', 'instructions'];
  return [cols.join(','), ...rows.map((r) => cols.map((c) => String(r[c])).join(','))].join('\n') + '\n';
}

export function rowsTable(rows: MemoryRow[]): string {
  const head = ['config', 'V (MiB)', 'M (MiB)', 'M / M(1 VM)', 'V / M', 'cache only (MiB)', 'remapped', 'COW copies', 'merged', 'same output'];
  const body = rows.map((r) => [r.config, r.virtualMiB.toFixed(2), r.machineMiB.toFixed(2), r.machineRatio.toFixed(2), r.sharingRatio.toFixed(2), r.cacheOnlyMiB.toFixed(2), String(r.blocksRemapped), String(r.cowCopies), String(r.merged), r.sameOutput ? 'yes' : 'NO']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

/** Grouped bars of V and M per configuration (Figure 6 style). */
export function rowsSvg(rows: MemoryRow[], title: string): string {
  const W = 120 + rows.length * 110, H = 340, top = 80, bottom = 280;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.virtualMiB, r.machineMiB)));
  const y = (v: number): number => bottom - (v / max) * (bottom - top);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="60" y1="${bottom}" x2="${W - 20}" y2="${bottom}" stroke="black"/>`,
    `<line x1="60" y1="${top}" x2="60" y2="${bottom}" stroke="black"/>`,
    `<text x="20" y="${top - 10}">MiB</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    parts.push(`<text x="55" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  rows.forEach((r, i) => {
    const x = 80 + i * 110;
    parts.push(`<rect x="${x}" y="${y(r.virtualMiB)}" width="40" height="${bottom - y(r.virtualMiB)}" fill="#9ecae1"><title>V ${r.virtualMiB} MiB</title></rect>`);
    parts.push(`<rect x="${x + 42}" y="${y(r.machineMiB)}" width="40" height="${bottom - y(r.machineMiB)}" fill="#3182bd"><title>M ${r.machineMiB} MiB</title></rect>`);
    parts.push(`<text x="${x + 41}" y="${bottom + 16}" text-anchor="middle">${esc(r.config)}</text>`);
    parts.push(`<text x="${x + 41}" y="${bottom + 32}" text-anchor="middle">${r.virtualMiB.toFixed(1)} / ${r.machineMiB.toFixed(1)}</text>`);
  });
  parts.push(`<rect x="70" y="34" width="12" height="12" fill="#9ecae1"/><text x="88" y="44">V: virtual footprint</text>`);
  parts.push(`<rect x="70" y="52" width="12" height="12" fill="#3182bd"/><text x="88" y="62">M: machine memory</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Write the outputs the options ask for. */
export function writeRows(rows: MemoryRow[], out: { csv?: string; json?: string; svg?: string }, title: string): void {
  if (out.csv !== undefined) writeFileSync(out.csv, rowsCsv(rows));
  if (out.json !== undefined) writeFileSync(out.json, JSON.stringify(rows, null, 2) + '\n');
  if (out.svg !== undefined) writeFileSync(out.svg, rowsSvg(rows, title));
}
