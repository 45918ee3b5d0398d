// `disco run --vms N IMAGE`: N virtual machines of one image under the monitor, with their
// consoles, their fates and (with --stats) the monitor's figures. vmm/cli.ts parses the options
// and calls runVms().

import chalk from 'chalk';
import { mkdirSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineConfig } from '../cpu/config.ts';
import { Monitor, type VmStats } from './monitor.ts';
import type { Vm } from './vm.ts';
import { homesFor, type VmSpec } from './config-file.ts';

/** Exit statuses of a VM the monitor stopped (the same as `disco run` uses for the machine). */
const STOP_STATUS: Readonly<Record<string, number>> = { limit: 124, deadlock: 125, fault: 126, memory: 126 };

export interface VmsRunOptions {
  /** VMs of the one image (ignored by runVmSpecs, which gets its list). */
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
  /** Console input for one VM (by name): the bytes its console_getc calls return, in order. */
  consoleInput?: { vm: string; bytes: Uint8Array };
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

  constructor(private readonly names: string[], private readonly dir: string | undefined, private readonly tty: boolean) {
    process.stdout.on('error', () => { this.broken = true; });
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
    if (this.pending.length > 0 && !this.broken) process.stdout.write(this.pending.join(''));
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

/** Run the VMs; returns the process exit status. Throws RangeError/LoadError for bad input. */
export function runVms(image: string, bytes: Uint8Array, cfg: MachineConfig, disk: Uint8Array | undefined, opts: VmsRunOptions): number {
  const specs: VmSpec[] = Array.from({ length: opts.vms }, (_, i) => ({
    name: `vm${i}`, imagePath: image, image: bytes, cmdline: opts.cmdline, memBytes: opts.vmMem, vcpus: opts.vcpus ?? 1,
    disk, pinned: false, maxInstructions: opts.maxInstructions,
  }));
  return runVmSpecs(specs, cfg, opts, `--vms ${opts.vms}`);
}

/**
 * Run VMs described one by one (`--config`, vmm/config-file.ts; or N copies from runVms).
 * VMs without a memory size share what the machine has left (less 1 MiB for the monitor),
 * at most 256 MiB each. `what` names the source in messages.
 */
export function runVmSpecs(specs: VmSpec[], cfg: MachineConfig, opts: VmsRunOptions, what = '--config'): number {
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
  const consoles = new VmConsoles(names, opts.consoleDir, process.stdout.isTTY === true);
  const stops: string[] = [];
  const mon = new Monitor({
    ...cfg,
    sliceCycles: opts.slice,
    console: (vm, b) => consoles.put(vm.id, b),
    onVmStop: (vm) => {
      if (vm.stopKind !== 'halt') {
        const line = `disco: ${vm.name} stopped after ${vm.instructions()} instructions: ${vm.stopMessage}`;
        stops.push(line);
        process.stderr.write(`${process.stderr.isTTY ? chalk.red(line) : line}\n`);
      }
    },
  });
  const nextOnNode = new Array<number>(cfg.nodes).fill(0);
  for (const s of specs) {
    const vm = mon.createVm({
      name: s.name, memBytes: s.memBytes ?? share, vcpus: s.vcpus, image: s.image, imageName: s.imagePath, cmdline: s.cmdline,
      disk: s.disk === undefined ? undefined : s.disk.slice(), maxInstructions: s.maxInstructions,
      homes: homesFor(s, cfg, nextOnNode), pinned: s.pinned,
    });
    if (opts.consoleInput !== undefined && opts.consoleInput.vm === s.name) mon.setConsoleInput(vm, opts.consoleInput.bytes);
  }
  const showProgress = opts.progress ?? (process.stderr.isTTY === true);
  const t0 = process.hrtime.bigint();
  const res = mon.run({
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
    freePagesByNode: Array.from({ length: mon.alloc.nodes }, (_, n) => mon.alloc.freePages(n)),
  };
}

export type { VmStats };
