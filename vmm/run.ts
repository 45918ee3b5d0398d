// `disco run --vms N IMAGE`: N virtual machines of one image under the monitor, with their
// consoles, their fates and (with --stats) the monitor's figures. vmm/cli.ts parses the options
// and calls runVms().

import chalk from 'chalk';
import { mkdirSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineConfig } from '../cpu/config.ts';
import { Monitor, type VmStats } from './monitor.ts';
import type { Vm } from './vm.ts';
import type { NumaOptions } from './numa-policy.ts';
import { BaseImage, OverlayDisk, PersistentDisk, type VmDisk } from './disk.ts';
import { MemoryMeter, memoryLine } from './memreport.ts';
import { homesFor, type VmSpec } from './config-file.ts';

/** Exit statuses of a VM the monitor stopped (the same as `disco run` uses for the machine). */
const STOP_STATUS: Readonly<Record<string, number>> = { limit: 124, deadlock: 125, fault: 126, memory: 126 };

export interface VmsRunOptions {
  /** VMs of the one image (ignored by the spec-list functions, which get their list). */
  vms: number;
  /** Virtual CPUs per VM (default 1). */
  vcpus?: number;
  /** Guest memory per VM (bytes); default: machine memory less 1 MiB, shared out, at most 256 MiB. */
  vmMem?: number;
  /** Write each VM's console to DIR/<name>.log instead of stdout. */
  consoleDir?: string;
  /** Cycles per time slice. */
  slice?: number;
  /** Instruction limit per VM. */
  maxInstructions?: number;
  cmdline: string;
  stats?: string | boolean;
  progress?: boolean;
  /** The virtual subnet copies page-aligned pages instead of remapping them (net.ts). */
  netCopy?: boolean;
  /** NUMA placement and policy of every VM (docs/numa.md). */
  numa?: NumaOptions;
  /** Bytes of the global disk buffer cache (0: none; default Monitor's 64 MiB). */
  bufferCache?: number;
  /** Run the content-based sharing scan every this many instructions (0: off). */
  shareScan?: number;
  /** Print the V/M memory line at the end (`--report memory`). */
  reportMemory?: boolean;
  /** Console input for one VM (by name): the bytes its console_getc calls return, in order. */
  consoleInput?: { vm: string; bytes: Uint8Array };
  /** --config: keep each VM's copy-on-write overlay in DIR/<name>.cow. */
  diskOverlay?: string;
}

/**
 * The disk the VMs boot from (docs/disks.md): one base image shared by all, each VM's writes
 * in its own overlay (in memory, or DIR/vmN.cow), or a persistent disk (one VM at a time).
 */
export interface DiskSpec {
  path: string;
  persistent?: boolean;
  overlayDir?: string;
}

/** Open the VMs' disks (throws DiskError with one line for unusable images). */
function openDisks(spec: DiskSpec, names: string[]): Array<VmDisk | undefined> {
  if (spec.persistent) {
    const out: VmDisk[] = [];
    try {
      for (let i = 0; i < names.length; i++) out.push(new PersistentDisk(spec.path));
    } catch (e) {
      for (const d of out) d.close(); // the first VM's lock goes too
      throw e;
    }
    return out;
  }
  return overlayDisks(names.map(() => spec.path), names, spec.overlayDir);
}

/** Per-VM console: line-buffered, each line prefixed with the VM's name (coloured on a TTY). */
class VmConsoles {
  private readonly lines: string[] = [];
  private readonly fds: number[] = [];
  /** Finished lines not yet written (stdout is written in chunks). */
  private pending: string[] = [];
  private pendingBytes = 0;
  /** stdout went away (a closed pipe): stop writing, keep running. */
  private broken = false;
  private static readonly COLOURS = [chalk.cyan, chalk.magenta, chalk.yellow, chalk.green, chalk.blue, chalk.red];

  constructor(private readonly names: string[], private readonly dir: string | undefined, private readonly tty: boolean,
    private readonly stream: NodeJS.WriteStream = process.stdout) {
    stream.on('error', () => { this.broken = true; });
    if (dir !== undefined) {
      mkdirSync(dir, { recursive: true });
      for (const n of names) this.fds.push(openSync(join(dir, `${n}.log`), 'w'));
    }
  }

  put(vm: number, byte: number): void {
    if (this.dir !== undefined) {
      writeSync(this.fds[vm], Buffer.of(byte));
      return;
    }
    if (byte === 13) return;
    if (byte === 10) { this.emit(vm); return; }
    this.lines[vm] = (this.lines[vm] ?? '') + String.fromCharCode(byte);
  }

  private emit(vm: number): void {
    const prefix = `[${this.names[vm]}] `;
    const p = this.tty ? VmConsoles.COLOURS[vm % VmConsoles.COLOURS.length](prefix) : prefix;
    const line = `${p}${this.lines[vm] ?? ''}\n`;
    this.lines[vm] = '';
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.tty || this.pendingBytes >= 1 << 16) this.flush();
  }

  /** Write the finished lines. */
  flush(): void {
    if (this.pending.length > 0 && !this.broken) this.stream.write(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Flush partial lines (a VM that stopped mid-line). */
  close(): void {
    for (let i = 0; i < this.names.length; i++) if ((this.lines[i] ?? '') !== '') this.emit(i);
    this.flush();
    for (const fd of this.fds) closeSync(fd);
  }
}

/** A monitor with its VMs created and loaded, ready to run (`disco run --vms`, `disco trace --vms`). */
export interface VmsSetup {
  readonly mon: Monitor;
  /** Guest memory of each VM (bytes). */
  readonly vmMem: number;
  /** The VMs' consoles: write out finished lines; at the end, everything. */
  readonly consoles: { flush(): void; close(): void };
  /** The VMs' disks (close them at the end: persistent disks hold a lock). */
  readonly disks: readonly VmDisk[];
  /** Set to stop reporting VM stops on stderr (a trace that ends the run itself). */
  quiet: boolean;
}

/** The VMs of `--vms N`: N copies of one image (named vm0, vm1, ...). */
function specsOf(image: string, bytes: Uint8Array, opts: VmsRunOptions): VmSpec[] {
  return Array.from({ length: opts.vms }, (_, i) => ({
    name: `vm${i}`, imagePath: image, image: bytes, cmdline: opts.cmdline, memBytes: opts.vmMem, vcpus: opts.vcpus ?? 1,
    pinned: false, maxInstructions: opts.maxInstructions,
  }));
}

/**
 * Create the monitor and the VMs of `disco run --vms` (one boot setup for `run` and `trace`).
 * Consoles go to `consoleStream` (stdout for run, stderr for traces), or to --console-dir files.
 */
export function setupVms(image: string, bytes: Uint8Array, cfg: MachineConfig, disk: DiskSpec | undefined, opts: VmsRunOptions,
  consoleStream: NodeJS.WriteStream = process.stdout): VmsSetup {
  return setupVmSpecs(specsOf(image, bytes, opts), cfg, opts, `--vms ${opts.vms}`, disk, consoleStream);
}

/**
 * A copy-on-write overlay per VM on the base image its path names (none where the path is
 * undefined); VMs naming the same file share one base. Overlays live in memory, or in
 * DIR/<name>.cow with `overlayDir`.
 */
function overlayDisks(paths: ReadonlyArray<string | undefined>, names: readonly string[], overlayDir: string | undefined): Array<VmDisk | undefined> {
  const bases = new Map<string, BaseImage>();
  if (overlayDir !== undefined) mkdirSync(overlayDir, { recursive: true });
  return paths.map((path, i) => {
    if (path === undefined) return undefined;
    let base = bases.get(path);
    if (base === undefined) { base = BaseImage.open(path); bases.set(path, base); }
    return new OverlayDisk(base, overlayDir === undefined ? null : join(overlayDir, `${names[i]}.cow`));
  });
}

/**
 * Create the monitor and VMs described one by one (`--config`, vmm/config-file.ts; or N copies
 * of one image). VMs without a memory size share what the machine has left (less 1 MiB for the
 * monitor), at most 256 MiB each. `disk` (--vms --disk) gives every VM the same disk; otherwise
 * each spec's own. `what` names the source in messages.
 */
export function setupVmSpecs(specs: VmSpec[], cfg: MachineConfig, opts: VmsRunOptions, what: string, disk?: DiskSpec,
  consoleStream: NodeJS.WriteStream = process.stdout): VmsSetup {
  const totalMem = cfg.memPerNode * cfg.nodes;
  const fixed = specs.reduce((a, s) => a + (s.memBytes ?? 0), 0);
  const shares = specs.filter((s) => s.memBytes === undefined).length;
  const share = shares === 0 ? 0 : Math.min(256, Math.floor((totalMem - 0x100000 - fixed) / shares / 0x100000)) * 0x100000;
  if (shares > 0 && share < 0x100000) {
    throw new RangeError(`${what}: the machine's ${totalMem >> 20} MiB leave less than 1 MiB for each VM without a memory size (give --mem${what.startsWith('--vms') ? ' or --vm-mem' : ', or "memory" per VM'})`);
  }
  const vmMem = specs[0]?.memBytes ?? share;
  const names = specs.map((s) => s.name);
  if (opts.consoleInput !== undefined && !names.includes(opts.consoleInput.vm)) {
    throw new RangeError(`--console-input ${opts.consoleInput.vm}: no such VM (${names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ')})`);
  }
  const disks: Array<VmDisk | undefined> = disk !== undefined ? openDisks(disk, names) : overlayDisks(specs.map((s) => s.diskPath), names, opts.diskOverlay);
  const consoles = new VmConsoles(names, opts.consoleDir, consoleStream.isTTY === true, consoleStream);
  const setup = { quiet: false };
  const mon = new Monitor({
    ...cfg,
    sliceCycles: opts.slice,
    bufferCacheBytes: opts.bufferCache,
    console: (vm, b) => consoles.put(vm.id, b),
    onVmStop: (vm) => {
      if (vm.stopKind !== 'halt' && !setup.quiet) {
        const line = `disco: ${vm.name} stopped after ${vm.instructions()} instructions: ${vm.stopMessage}`;
        process.stderr.write(`${process.stderr.isTTY ? chalk.red(line) : line}\n`);
      }
    },
  });
  if (opts.netCopy === true) mon.net.remap = false;
  const nextOnNode = new Array<number>(cfg.nodes).fill(0);
  specs.forEach((s, i) => {
    const vm = mon.createVm({
      name: s.name, memBytes: s.memBytes ?? share, vcpus: s.vcpus, image: s.image, imageName: s.imagePath, cmdline: s.cmdline,
      disk: disks[i], maxInstructions: s.maxInstructions, numa: opts.numa,
      homes: homesFor(s, cfg, nextOnNode), pinned: s.pinned,
    });
    if (opts.consoleInput !== undefined && opts.consoleInput.vm === s.name) mon.setConsoleInput(vm, opts.consoleInput.bytes);
  });
  const open = disks.filter((d): d is VmDisk => d !== undefined);
  return {
    mon, vmMem, consoles, disks: open,
    get quiet() { return setup.quiet; },
    set quiet(q: boolean) { setup.quiet = q; },
  };
}

/** Run the VMs; returns the process exit status. Throws RangeError/LoadError for bad input. */
export function runVms(image: string, bytes: Uint8Array, cfg: MachineConfig, disk: DiskSpec | undefined, opts: VmsRunOptions): number {
  return runVmSpecs(specsOf(image, bytes, opts), cfg, opts, `--vms ${opts.vms}`, disk);
}

/** Run VMs described one by one (`--config`); returns the process exit status. */
export function runVmSpecs(specs: VmSpec[], cfg: MachineConfig, opts: VmsRunOptions, what = '--config', disk?: DiskSpec): number {
  const { mon, vmMem, consoles, disks } = setupVmSpecs(specs, cfg, opts, what, disk);
  const meter = opts.reportMemory || (opts.shareScan ?? 0) > 0 ? new MemoryMeter(mon, 1_000_000, opts.shareScan ?? 0) : null;
  const showProgress = opts.progress ?? (process.stderr.isTTY === true);
  const t0 = process.hrtime.bigint();
  const res = mon.run({
    onRound: meter === null ? undefined : () => meter.onRound(),
    progressEvery: 100_000_000,
    onProgress: (insns, cycles) => {
      consoles.flush();
      if (showProgress) {
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        process.stderr.write(`\r${chalk.dim(`disco: ${specs.length} VMs, ${(insns / 1e6).toFixed(1)} M instructions, ${(cycles / 1e6).toFixed(1)} M cycles, ${(insns / secs / 1e6).toFixed(0)} MIPS`)}\x1b[K`);
      }
    },
  });
  consoles.close();
  for (const d of disks) d.close();
  const memory = meter?.report() ?? null;
  if (opts.reportMemory && memory !== null) process.stderr.write(`${memoryLine(memory)}\n`);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (showProgress) process.stderr.write('\r\x1b[K');
  if (opts.stats !== undefined && opts.stats !== false) {
    const s = mon.machine.stats();
    const json = JSON.stringify({
      image: specs[0].imagePath,
      mode: s.mode,
      stop: res.reason,
      instructions: s.instructions,
      cycles: s.cycles,
      simulatedNs: s.simulatedNs,
      hostSeconds: Number(secs.toFixed(3)),
      mips: Number((s.instructions / secs / 1e6).toFixed(1)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      vmMemBytes: vmMem,
      sliceCycles: mon.slice,
      vms: mon.vms.map((vm) => mon.vmStats(vm)),
      monitor: monitorStats(mon),
      memory,
      net: netStats(mon),
      cpus: s.cpus,
      nodes: s.nodes,
    }, null, 2);
    if (typeof opts.stats === 'string') writeFileSync(opts.stats, json + '\n');
    else process.stderr.write(json + '\n');
  }
  return exitStatus(mon.vms);
}

/** The first VM (in order) that did not end well decides; 0 when all halted with 0. */
export function exitStatus(vms: readonly Vm[]): number {
  for (const vm of vms) {
    if (vm.stopKind === 'halt') { if ((vm.exitCode & 0xff) !== 0) return vm.exitCode & 0xff; }
    else if (vm.stopKind !== null) return STOP_STATUS[vm.stopKind] ?? 126;
  }
  return 0;
}

/** Monitor-wide figures: physical CPUs (VCPU switches, idle entries), shootdowns, memory. */
function monitorStats(mon: Monitor): Record<string, unknown> {
  return {
    pcpus: mon.pcpus.map((p) => ({ cpu: p.id, node: p.node, vcpuSwitches: p.switches, tlbFlushes: p.tlbFlushes, idleEntries: p.idleEntries })),
    shootdowns: mon.memmap.shootdowns,
    translationsShotDown: mon.memmap.entriesShot,
    monitorPages: mon.alloc.monitorPages,
    sharing: { ...mon.share.stats },
    bufferCache: mon.share.cache?.stats() ?? null,
    freePagesByNode: Array.from({ length: mon.alloc.nodes }, (_, n) => mon.alloc.freePages(n)),
  };
}

/** The virtual subnet (net.ts): per VM interface counters, private copies of shared pages. */
function netStats(mon: Monitor): Record<string, unknown> {
  return { vms: mon.vms.map((vm) => ({ name: vm.name, ...mon.net.stats(vm) })), cowCopies: mon.share.stats.cowCopies, inflightPages: mon.net.inflightPages() };
}

export type { VmStats };
