// The `disco` command line. Every user mistake ends in one line on stderr and a non-zero exit
// code, never a stack trace (set DISCO_DEBUG=1 to see one for internal errors).

import { Command, InvalidArgumentError } from 'commander';
import chalk from 'chalk';
import { readFileSync, writeFileSync } from 'node:fs';
import { Machine, type RunResult } from '../cpu/machine.ts';
import { LoadError } from '../cpu/elf.ts';
import { BusConfigError } from '../cpu/bus.ts';
import { ConfigError, DEFAULT_CONFIG, parseMachineFile, parseSizeText, validateConfig, type MachineConfig } from '../cpu/config.ts';
import { traceCommand } from './trace/command.ts';
import { numaCommand } from './numa-cmd.ts';
import type { NumaOptions } from './numa-policy.ts';
import { ConsoleSink } from './console.ts';
import { exitStatus, runVms, runVmSpecs, setupVms } from './run.ts';
import { DiskError } from './disk.ts';
import { REPLICATE_WORKLOAD, SPLIT_WORKLOAD, memoryExperiment, memoryWorkload, rowsTable, seriesCsv, splitCommand, writeRows, type MemoryLayout, type MemorySeries } from './memreport.ts';
import { runNfsConfig } from './nfsconfig.ts';
import { overheadCommand } from './overhead.ts';
import { readVmsFile, VmConfigError } from './config-file.ts';
import { bootLinux } from '../cpu/linux.ts';
import { resolve } from 'node:path';

/** Exit codes of `disco run` that are not the guest's own. */
export const EXIT_ERROR = 1;
export const EXIT_LIMIT = 124;
export const EXIT_DEADLOCK = 125;
export const EXIT_FAULT = 126;

class CliError extends Error {}

/** Parse a memory size: 64M, 64MiB, 65536K, 1G, 0x4000000 or plain bytes. */
export function parseSize(text: string): number {
  const n = parseSizeText(text);
  if (n === null) throw new InvalidArgumentError(`"${text}" is not a size (examples: 64M, 128MiB, 0x4000000)`);
  return n;
}

function parseCount(text: string): number {
  const t = text.replace(/_/g, '');
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/i.exec(t);
  if (!m) throw new InvalidArgumentError(`"${text}" is not a count (examples: 1000000, 500M, 2G)`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const v = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(v)) throw new InvalidArgumentError(`"${text}" is too large`);
  return v;
}

/** --vm-mem: a size in whole MiB from 1 MiB to 256 MiB (the window). */
function parseVmMem(text: string): number {
  const n = parseSize(text);
  if (n % 0x100000 !== 0 || n < 0x100000 || n > 0x10000000) throw new InvalidArgumentError(`"${text}" must be whole MiB from 1M to 256M`);
  return n;
}

function parseIntOpt(name: string, lo: number, hi: number) {
  return (text: string): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidArgumentError(`${name} must be an integer from ${lo} to ${hi}`);
    return v;
  };
}


/** The machine options `run` and `trace` share (addMachineOptions). */
export interface MachineCliOptions {
  mem?: number;
  machine?: string;
  nodes?: number;
  cpusPerNode?: number;
  memPerNode?: number;
  quantum?: number;
  maxInstructions?: number;
  tlbEntries?: number;
  cmdline: string;
  progress?: boolean;
  disk?: string;
  timing?: boolean;
  clockMhz?: number;
  localNs?: number;
  remoteNs?: number;
  uniform?: boolean;
}

/** Under the monitor (vmm/run.ts): VMs, VCPUs and guest memory each, console files, time slice (addVmOptions). */
export interface VmCliOptions {
  vms?: number;
  vcpus?: number;
  vmMem?: number;
  consoleDir?: string;
  slice?: number;
}

interface RunCliOptions extends MachineCliOptions, VmCliOptions {
  stats?: string | boolean;
  /** The virtual subnet copies page-aligned pages instead of remapping them (vmm/net.ts). */
  netCopy?: boolean;
  linux?: boolean;
  initrd?: string;
  /** NUMA (docs/numa.md): placement, dynamic policy, hot-page threshold. */
  numaPlacement?: string;
  numa?: string;
  hotPages?: number;
  /** Disks and memory sharing under the monitor (docs/disks.md). */
  persistent?: boolean;
  diskOverlay?: string;
  bufferCache?: number;
  shareScan?: boolean;
  scanEvery?: number;
  report?: string;
  /** Heterogeneous VMs from a JSON file (vmm/config-file.ts), and whose console gets stdin. */
  config?: string;
  consoleInput?: string;
}

/** Default interval of the content scan (`--scan-every`; instructions of all VMs together). */
const SHARE_SCAN_DEFAULT = 1_000_000;

/** What `disco run --linux` boots without arguments: scripts/fetch-linux.sh's cache (docs/linux.md). */
const LINUX_CACHE = resolve(import.meta.dirname, '..', '.cache', 'linux');
const LINUX_DEFAULT_CMDLINE = 'console=ttyS0 rdinit=/init';

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  return `${n}`;
}

/** The progress line for stderr (rewritten in place): instructions, simulated time, MIPS, `extra`. */
function progressLine(insns: number, cycles: number, secs: number, extra = ''): string {
  const text = `disco: ${fmtCount(insns)} instructions, ${fmtCount(cycles)} cycles, ${(insns / secs / 1e6).toFixed(0)} MIPS${extra ? `, ${extra}` : ''}`;
  return `\r${chalk.dim(text)}\x1b[K`;
}

/** The bytes of an image file, or a one-line CliError. */
function readImage(image: string): Uint8Array {
  try {
    return readFileSync(image);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${image}: no such file`);
    if (code === 'EISDIR') throw new CliError(`${image}: is a directory, not an ELF image`);
    throw new CliError(`${image}: cannot read (${code ?? String(e)})`);
  }
}

/** A disk image file, copied into memory: the guest's writes are never written back. */
function readDisk(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`--disk ${file}: no such file`);
    throw new CliError(`--disk ${file}: cannot read (${code ?? String(e)})`);
  }
}

/** Defaults, then the machine file, then command-line options. */
function machineConfig(opts: RunCliOptions): MachineConfig {
  let cfg: MachineConfig = DEFAULT_CONFIG;
  if (opts.machine !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.machine, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`--machine ${opts.machine}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`}`);
    }
    cfg = parseMachineFile(text, opts.machine);
  }
  cfg = { ...cfg, timing: { ...cfg.timing } };
  if (opts.nodes !== undefined) cfg.nodes = opts.nodes;
  if (opts.cpusPerNode !== undefined) cfg.cpusPerNode = opts.cpusPerNode;
  if (opts.memPerNode !== undefined) cfg.memPerNode = opts.memPerNode;
  if (opts.mem !== undefined) {
    if (opts.memPerNode !== undefined) throw new CliError('give either --mem (total) or --mem-per-node, not both');
    if (opts.mem % (4096 * cfg.nodes) !== 0) throw new CliError(`--mem ${opts.mem}: must split into whole 4 KiB pages over ${cfg.nodes} node(s)`);
    cfg.memPerNode = opts.mem / cfg.nodes;
  } else if (opts.memPerNode === undefined && opts.machine === undefined && cfg.nodes > 1) {
    cfg.memPerNode = DEFAULT_CONFIG.memPerNode; // 64M per node unless told otherwise
  }
  if (opts.quantum !== undefined) cfg.quantum = opts.quantum;
  if (opts.timing !== undefined) cfg.timing.enabled = opts.timing;
  if (opts.clockMhz !== undefined) cfg.timing.clockMHz = opts.clockMhz;
  if (opts.localNs !== undefined) cfg.timing.localNs = opts.localNs;
  if (opts.remoteNs !== undefined) cfg.timing.remoteNs = opts.remoteNs;
  if (opts.uniform !== undefined) cfg.timing.uniform = opts.uniform;
  if (!cfg.timing.enabled && (opts.clockMhz !== undefined || opts.localNs !== undefined || opts.remoteNs !== undefined || opts.uniform)) {
    throw new CliError('--clock-mhz, --local-ns, --remote-ns and --uniform need the timing mode (--timing)');
  }
  if (opts.tlbEntries !== undefined) cfg.tlbEntries = opts.tlbEntries;
  if (opts.hotPages !== undefined) {
    if (!cfg.timing.enabled) throw new CliError('--hot-pages needs the timing mode (--timing)');
    cfg.timing.hotPageThreshold = opts.hotPages;
  }
  try {
    validateConfig(cfg);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message.replace(/^memPerNode/, '--mem/--mem-per-node').replace(/^cpusPerNode/, '--cpus-per-node'));
    throw e;
  }
  return cfg;
}

/** stdin, whole, for --console-input (read before the run: the run is deterministic). */
function readConsoleInput(vm: string): { vm: string; bytes: Uint8Array } {
  if (process.stdin.isTTY === true) throw new CliError(`--console-input ${vm}: give the input through a pipe or a file (stdin is a terminal)`);
  try {
    return { vm, bytes: new Uint8Array(readFileSync(0)) };
  } catch (e) {
    throw new CliError(`--console-input ${vm}: cannot read stdin (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** `disco run --config vms.json`: the VMs the file describes (docs/monitor.md). */
function runConfig(imageArg: string | undefined, opts: RunCliOptions): number {
  const clash = [
    imageArg !== undefined ? 'the IMAGE argument' : '', opts.vms !== undefined ? '--vms' : '', opts.vcpus !== undefined ? '--vcpus' : '',
    opts.vmMem !== undefined ? '--vm-mem' : '', opts.disk !== undefined ? '--disk' : '', opts.cmdline !== '' ? 'the command line' : '',
    opts.linux === true || opts.initrd !== undefined ? '--linux' : '',
  ].filter((x) => x !== '');
  if (clash.length > 0) throw new CliError(`--config ${opts.config} describes the VMs (images, disks, command lines, memory, VCPUs): drop ${clash.join(', ')}`);
  const cfg = machineConfig(opts);
  let specs;
  try {
    specs = readVmsFile(opts.config!, cfg);
  } catch (e) {
    if (e instanceof VmConfigError) throw new CliError(e.message);
    throw e;
  }
  for (const s of specs) s.maxInstructions ??= opts.maxInstructions;
  if (opts.persistent) throw new CliError(`--config ${opts.config}: --persistent is for one disk given with --disk; the VMs of a config file get copy-on-write overlays`);
  return runVmSpecs(specs, cfg, {
    vms: specs.length, consoleDir: opts.consoleDir, slice: opts.slice, cmdline: '', stats: opts.stats, progress: opts.progress,
    consoleInput: opts.consoleInput === undefined ? undefined : readConsoleInput(opts.consoleInput),
    diskOverlay: opts.diskOverlay, netCopy: opts.netCopy, ...monitorExtras(opts, cfg),
  }, `--config ${opts.config}`);
}

/** The NUMA, disk-sharing and report options of a run under the monitor (--vms or --config). */
function monitorExtras(opts: RunCliOptions, cfg: MachineConfig): { numa?: NumaOptions; bufferCache?: number; reportMemory: boolean; shareScan: number } {
  let numa: NumaOptions | undefined;
  if (opts.numa !== undefined || opts.numaPlacement !== undefined) {
    const pol = opts.numa ?? 'none';
    if (!['none', 'migrate', 'replicate', 'migrate+replicate'].includes(pol)) throw new CliError(`--numa: unknown policy '${pol}' (expected none, migrate, replicate, migrate+replicate)`);
    if (pol !== 'none' && cfg.timing.hotPageThreshold <= 0) throw new CliError('--numa needs the timing mode and a hot-page threshold (--timing --hot-pages N)');
    numa = { placement: opts.numaPlacement ?? 'first-touch', migrate: pol.includes('migrate'), replicate: pol.includes('replicate') };
  }
  if (opts.scanEvery !== undefined && !opts.shareScan) throw new CliError('--scan-every needs --share-scan');
  if (opts.report !== undefined && opts.report !== 'memory') throw new CliError(`--report ${opts.report}: the only report is "memory"`);
  return {
    numa, bufferCache: opts.bufferCache, reportMemory: opts.report === 'memory',
    shareScan: opts.shareScan ? opts.scanEvery ?? SHARE_SCAN_DEFAULT : 0,
  };
}

/** What to boot and how (`run` and `trace tlb`): an ELF image, or with --linux a Linux kernel. */
export interface BootPlan {
  image: string;
  bytes: Uint8Array;
  linux: boolean;
  /** Load the image into a machine made from the (adjusted) options. */
  boot(m: Machine): void;
}

/**
 * --linux (or --initrd): boot a Linux kernel on the full Malta board as QEMU's -kernel does;
 * with no image, the kernel and initramfs that scripts/fetch-linux.sh cached. Sets the Linux
 * defaults (memory, TLB size, command line) in `opts` before the machine is made.
 */
function planBoot(imageArg: string | undefined, opts: MachineCliOptions & { linux?: boolean; initrd?: string }): BootPlan {
  const linux = opts.linux === true || opts.initrd !== undefined;
  if (imageArg === undefined && !linux) throw new CliError("missing required argument 'image' (or --linux to boot the cached Linux kernel)");
  const image = imageArg ?? resolve(LINUX_CACHE, 'vmlinuz');
  if (linux && imageArg === undefined && opts.initrd === undefined) opts.initrd = resolve(LINUX_CACHE, 'initramfs.cpio.gz');
  if (linux) {
    opts.mem ??= 256 * 1024 * 1024;
    opts.tlbEntries ??= 16; // as QEMU's 24Kc
    if (opts.cmdline === '') opts.cmdline = LINUX_DEFAULT_CMDLINE;
  }
  let bytes: Uint8Array;
  try {
    bytes = readImage(image);
  } catch (e) {
    if (linux && imageArg === undefined) throw new CliError(`${image}: no such file; run scripts/fetch-linux.sh first`);
    throw e;
  }
  const initrd = opts.initrd === undefined ? undefined : readImage(opts.initrd);
  const cmdline = opts.cmdline;
  return {
    image, bytes, linux,
    boot: (m) => {
      if (linux) bootLinux(m, { kernel: bytes, kernelName: image, initrd, cmdline });
      else m.load(bytes, image, cmdline);
    },
  };
}

function runCommand(imageArg: string | undefined, opts: RunCliOptions): number {
  if (opts.config !== undefined) return runConfig(imageArg, opts);
  const { image, bytes, linux, boot } = planBoot(imageArg, opts);
  const sink = new ConsoleSink(process.stdout);
  const cfg = machineConfig(opts);
  if (opts.vms === undefined && (opts.vmMem !== undefined || opts.consoleDir !== undefined || opts.slice !== undefined || opts.vcpus !== undefined || opts.consoleInput !== undefined || opts.netCopy !== undefined)) {
    throw new CliError('--vcpus, --vm-mem, --console-dir, --console-input, --slice and --net-copy need --vms (or --config)');
  }
  if (opts.vms === undefined && (opts.numa !== undefined || opts.numaPlacement !== undefined)) throw new CliError('--numa and --numa-placement need --vms');
  if (opts.vms === undefined && (opts.persistent || opts.diskOverlay !== undefined || opts.bufferCache !== undefined || opts.shareScan !== undefined || opts.scanEvery !== undefined || opts.report !== undefined)) {
    throw new CliError('--persistent, --disk-overlay, --buffer-cache, --share-scan, --scan-every and --report need --vms');
  }
  if ((opts.persistent || opts.diskOverlay !== undefined) && opts.disk === undefined) throw new CliError('--persistent and --disk-overlay need --disk');
  if (opts.persistent && opts.diskOverlay !== undefined) throw new CliError('a persistent disk has no overlay: give --persistent or --disk-overlay, not both');
  if (opts.vms !== undefined) {
    if (linux) throw new CliError('--vms cannot be combined with --linux');
    const spec = opts.disk === undefined ? undefined : { path: opts.disk, persistent: opts.persistent, overlayDir: opts.diskOverlay };
    return runVms(image, bytes, cfg, spec, {
      vms: opts.vms, vcpus: opts.vcpus, vmMem: opts.vmMem, consoleDir: opts.consoleDir, slice: opts.slice,
      maxInstructions: opts.maxInstructions, cmdline: opts.cmdline, stats: opts.stats, progress: opts.progress,
      consoleInput: opts.consoleInput === undefined ? undefined : readConsoleInput(opts.consoleInput),
      ...monitorExtras(opts, cfg),
      netCopy: opts.netCopy,
    });
  }
  const disk = opts.disk === undefined ? undefined : readDisk(opts.disk);
  const m = new Machine({ ...cfg, out: sink.put, disk });
  boot(m);
  const showProgress = opts.progress ?? (process.stderr.isTTY === true);
  const t0 = process.hrtime.bigint();
  const res: RunResult = m.run({
    maxInstructions: opts.maxInstructions,
    progressEvery: 100_000_000,
    onProgress: (insns, cycles) => {
      sink.flush();
      if (showProgress) process.stderr.write(progressLine(insns, cycles, Number(process.hrtime.bigint() - t0) / 1e9));
    },
  });
  sink.flush();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (showProgress) process.stderr.write('\r\x1b[K');
  if (opts.stats !== undefined && opts.stats !== false) {
    const s = m.stats();
    const json = JSON.stringify({
      image,
      stop: res.reason,
      detail: res.detail,
      exitCode: res.reason === 'halt' ? res.exitCode : null,
      ...s,
      hostSeconds: Number(secs.toFixed(3)),
      mips: Number((s.instructions / secs / 1e6).toFixed(1)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }, null, 2);
    if (typeof opts.stats === 'string') writeFileSync(opts.stats, json + '\n');
    else process.stderr.write(json + '\n');
  }
  return stopStatus(res, opts.maxInstructions);
}

/** The exit status of a finished run; for stops that are not the guest's, a line on stderr. */
function stopStatus(res: RunResult, maxInstructions?: number): number {
  if (res.reason === 'limit') {
    process.stderr.write(`disco: the guest ran ${res.instructions} instructions without halting (--max-instructions ${maxInstructions})\n`);
    return EXIT_LIMIT;
  }
  if (res.reason === 'deadlock') {
    process.stderr.write(`disco: the guest is asleep in WAIT with interrupts disabled after ${res.instructions} instructions; nothing can wake it\n`);
    return EXIT_DEADLOCK;
  }
  if (res.reason === 'fault') {
    process.stderr.write(`disco: the guest cannot continue after ${res.instructions} instructions: ${res.detail}\n`);
    return EXIT_FAULT;
  }
  return res.exitCode & 0xff;
}

/**
 * The options that describe the machine and the run, shared by `run` and `trace tlb` so that
 * both accept the same ones (MachineCliOptions).
 */
function addMachineOptions(cmd: Command): Command {
  return cmd
    .option('-m, --mem <size>', 'total guest RAM (default 64M; 256M below the I/O hole, the rest at 0x20000000; at most 2G)', parseSize)
    .option('--machine <file>', 'JSON machine file (topology, memory, timing); options below override it')
    .option('--nodes <n>', 'NUMA nodes (default 1)', parseIntOpt('--nodes', 1, 64))
    .option('--cpus-per-node <n>', 'CPUs per node (default 1; at most 32 CPUs in all)', parseIntOpt('--cpus-per-node', 1, 32))
    .option('--mem-per-node <size>', 'memory per node (default 64M; total = nodes x this)', parseSize)
    .option('--quantum <cycles>', 'cycles each CPU runs per interleaving round (default 1000)', parseIntOpt('--quantum', 1, 1 << 30))
    .option('-n, --max-instructions <count>', 'stop a guest that has not halted after this many instructions (exit code 124)', parseCount)
    .option('--tlb-entries <n>', 'JTLB entry pairs, 1-64 (Config1.MMUSize; default 64)', parseIntOpt('--tlb-entries', 1, 64))
    .option('--timing', 'timing mode: caches, directory, local/remote latency, simulated time (default: fast functional mode)')
    .option('--clock-mhz <n>', 'timing mode: CPU clock in MHz (default 200)', parseIntOpt('--clock-mhz', 1, 100000))
    .option('--local-ns <n>', 'timing mode: latency of a miss to the own node (default 300)', parseIntOpt('--local-ns', 0, 1000000))
    .option('--remote-ns <n>', 'timing mode: latency of a miss to another node (default 900)', parseIntOpt('--remote-ns', 0, 1000000))
    .option('--uniform', 'timing mode: ideal uniform memory, every miss at local latency')
    .option('--cmdline <text>', 'kernel command line passed in argv[1] (YAMON style)', '')
    .option('--disk <file>', 'disk image for the virtio-mmio block device at 0x1E400000 (IP3); guest writes stay in memory')
    .option('--progress', 'show a progress line on stderr (default: when stderr is a terminal)')
    .option('--no-progress', 'never show the progress line');
}

/** --scan-every: at least 1000 instructions between scans. */
function parseScanEvery(text: string): number {
  const n = parseCount(text);
  if (n < 1000) throw new InvalidArgumentError(`"${text}": give at least 1000 instructions between scans`);
  return n;
}

/** --layout: split or replicate. */
function parseLayout(text: string): MemoryLayout {
  if (text !== 'split' && text !== 'replicate') throw new InvalidArgumentError('give "split" or "replicate"');
  return text;
}

/** A size, or 0. */
function parseSizeOrZero(text: string): number {
  return text.trim() === '0' ? 0 : parseSize(text);
}

/** `disco memory`: the V/M table of N VMs of pmake from one copy-on-write disk (memreport.ts). */
function memoryCommand(): Command {
  return new Command('memory')
    .description('the memory-sharing experiment (Disco section 7.4, Figure 6): virtual footprint against machine memory when 1, 2, 4, 8 VMs run eight instances of pmake')
    .option('--kernel <file>', 'guest kernel', 'guests/kernel/kernel.elf')
    .option('--disk <file>', 'base disk image', 'guests/user/fs.img')
    .option('--layout <how>', '"split": the instances divided among the VMs, each VM with its share of the CPUs and memory (the paper\'s); "replicate": every VM runs the workload once', parseLayout, 'split')
    .option('--instances <n>', 'split: instances of the workload in all (one CPU each); every VM count must divide it', parseIntOpt('--instances', 1, 32), 8)
    .option('--workload <cmdline>', `one instance's command line (default: split "${SPLIT_WORKLOAD}", each VM running "pmake -n K ..." for its K instances; replicate "${REPLICATE_WORKLOAD}")`)
    .option('--vms <list>', 'VM counts, comma separated', '1,2,4,8')
    .option('--total-mem <size>', 'split: guest memory of all VMs together, divided among them (default 32M per instance)', parseSize)
    .option('--vm-mem <size>', 'replicate: guest memory per VM (default 32M)', parseVmMem)
    .option('--buffer-cache <size>', 'global buffer cache size (default 64M)', parseSizeOrZero)
    .option('--share-scan', 'content-based page sharing (a scan that merges identical pages)')
    .option('--scan-every <instructions>', `with --share-scan: instructions of all VMs between scans (default ${SHARE_SCAN_DEFAULT})`, parseScanEvery)
    .option('--csv <file>', 'write the table as CSV')
    .option('--json <file>', 'write the table as JSON')
    .option('--svg <file>', 'draw the V/M bars as SVG')
    .option('--series <file>', 'write every sample (V, M and cache-only pages over each run, every million instructions) as CSV, for plots')
    .option('--nfs [clients]', 'add the NFS configuration row: one server VM and CLIENTS (default 7) client VMs running the workload on its files (docs/network.md)', parseIntOpt('--nfs', 1, 63))
    .action((o: { kernel: string; disk: string; layout: MemoryLayout; instances: number; workload?: string; vms: string; totalMem?: number; vmMem?: number; bufferCache?: number; shareScan?: boolean; scanEvery?: number; csv?: string; json?: string; svg?: string; series?: string; nfs?: number | boolean }) => {
      const counts = o.vms.split(',').map((t) => Number(t.trim()));
      if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new CliError(`--vms ${o.vms}: give counts from 1 to 64, e.g. 1,2,4,8`);
      const split = o.layout === 'split';
      if (split && o.vmMem !== undefined) throw new CliError('--vm-mem is for --layout replicate; the split layout divides --total-mem among the VMs');
      if (!split && o.totalMem !== undefined) throw new CliError('--total-mem is for the split layout; give --vm-mem with --layout replicate');
      if (split) {
        const bad = counts.filter((n) => o.instances % n !== 0);
        if (bad.length > 0) throw new CliError(`--vms ${o.vms}: the split layout divides the ${o.instances} instances evenly, ${bad.join(', ')} VMs cannot (or use --layout replicate)`);
        if (o.workload !== undefined) {
          try { splitCommand(o.workload, 1); } catch (e) { throw new CliError(`--workload: ${(e as Error).message}`); }
        }
        const total = o.totalMem ?? o.instances * 32 * 1024 * 1024;
        for (const n of counts) {
          const each = Math.floor(total / n / (1024 * 1024));
          if (each < 4 || each > 256) throw new CliError(`--total-mem: ${n} VM${n === 1 ? '' : 's'} would get ${each} MiB each; a VM has 4 to 256 MiB`);
        }
      }
      const scanEvery = o.shareScan ? o.scanEvery ?? SHARE_SCAN_DEFAULT : 0;
      readImage(o.kernel);
      const workload = memoryWorkload(o);
      const series: MemorySeries[] = [];
      const rows = memoryExperiment({
        kernel: o.kernel, disk: o.disk, workload, layout: o.layout, instances: o.instances, totalMem: o.totalMem, counts, vmMem: o.vmMem, bufferCacheBytes: o.bufferCache, scanEvery,
        nfs: o.nfs === undefined ? undefined : runNfsConfig, nfsClients: typeof o.nfs === 'number' ? o.nfs : 7,
        progress: (l) => { if (process.stderr.isTTY) process.stderr.write(`\r${chalk.dim(`disco memory: ${l}`)}\x1b[K`); },
        onSeries: o.series === undefined ? undefined : (config, vms, samples) => { series.push({ config, vms, samples }); },
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      const what = split ? `${o.instances} x "${workload}" split among the VMs` : `"${workload}" in every VM`;
      process.stdout.write(`${what}, ${scanEvery > 0 ? `content scan every ${scanEvery} instructions` : 'no content scan'}\n${rowsTable(rows)}`);
      writeRows(rows, o, `V/M: ${what}${scanEvery > 0 ? ', content scan' : ''}`);
      if (o.series !== undefined) writeFileSync(o.series, seriesCsv(series));
      process.exitCode = rows.every((r) => r.sameOutput) ? 0 : 1;
    });
}

/** The options of a run under the monitor, shared by `run` and `trace` (vmm/run.ts). */
function addVmOptions(cmd: Command): Command {
  return cmd
    .option('--vms <n>', 'run N virtual machines of the image under the monitor (docs/monitor.md); -n is then a limit per VM', parseIntOpt('--vms', 1, 64))
    .option('--vcpus <n>', 'with --vms: virtual CPUs per VM (default 1; the guest starts them through its node controller)', parseIntOpt('--vcpus', 1, 32))
    .option('--vm-mem <size>', 'with --vms: guest memory per VM, 1M-256M in whole MiB (default: the machine memory shared out)', parseVmMem)
    .option('--console-dir <dir>', 'with --vms: write each VM console to DIR/vmN.log instead of stdout')
    .option('--slice <cycles>', 'with --vms: time slice of a VCPU on a physical CPU (default 100000)', parseIntOpt('--slice', 100, 1 << 30));
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('disco')
    .description('A Disco-style virtual machine monitor for a simulated MIPS32 ccNUMA multiprocessor')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(chalk.red(str)) });

  addVmOptions(addMachineOptions(program
    .command('run')
    .description('boot an ELF image on the bare machine (no monitor); guest console output goes to stdout')
    .argument('[image]', 'ELF32 little-endian MIPS image (with --linux: default .cache/linux/vmlinuz)')
    .argument('[args...]', 'guest command line after --, e.g. `-- pmake 64` (argv[1]; instead of --cmdline)'))
    .option('--stats [file]', 'print a JSON summary (instructions, cycles, exceptions by kind, TLB refills) to stderr or to file'))
    .option('--net-copy', 'with --vms: the virtual subnet copies page-aligned pages instead of remapping them (docs/network.md)')
    .option('--config <file>', 'JSON file describing the VMs (image, cmdline/args, memory, vcpus, disk, node/cpus, name, count; docs/monitor.md) instead of IMAGE and --vms')
    .option('--console-input <vm>', 'with --vms or --config: stdin (a pipe or file, read whole before the run) is the console input of VM <vm> (e.g. vm0)')
    .option('--linux', 'boot a Linux kernel on the full Malta board as QEMU -kernel does (defaults: the fetched kernel and initramfs, --mem 256M, --tlb-entries 16, --cmdline "console=ttyS0 rdinit=/init")')
    .option('--initrd <file>', 'initial RAM disk, loaded where QEMU puts it and passed as rd_start/rd_size (implies --linux)')
    .option('--numa-placement <p>', 'with --vms: where new guest pages go: round-robin, first-touch (default), vcpu, node:K (docs/numa.md)')
    .option('--numa <policy>', 'with --vms: dynamic NUMA policy: none, migrate, replicate, migrate+replicate (needs --timing --hot-pages)')
    .option('--hot-pages <n>', 'timing mode: per-page, per-node miss count that makes a page hot for the NUMA policy', parseIntOpt('--hot-pages', 1, 1 << 30))
    .option('--persistent', 'with --vms and --disk: the disk is persistent (writes reach the file; one VM at a time; docs/disks.md)')
    .option('--disk-overlay <dir>', 'with --vms: keep each VM\'s copy-on-write overlay in DIR/vmN.cow (default: in memory, discarded)')
    .option('--buffer-cache <size>', 'with --vms: size of the monitor\'s global disk buffer cache (default 64M; 0: none)', parseSizeOrZero)
    .option('--share-scan', 'with --vms: content-based page sharing, a scan that merges identical pages copy-on-write (off by default)')
    .option('--scan-every <instructions>', `with --share-scan: instructions of all VMs between scans (default ${SHARE_SCAN_DEFAULT})`, parseScanEvery)
    .option('--report <what>', 'with --vms: "memory" prints the virtual footprint against the machine memory used (docs/disks.md)')
    .addHelpText('after', `
Exit status: the guest's exit code (halt register at 0x1F000600, or 0 after SOFTRES),
${EXIT_LIMIT} when --max-instructions is reached, ${EXIT_DEADLOCK} when the guest sleeps forever,
${EXIT_FAULT} when the machine cannot go on (an exception vector outside memory), 1 on bad input.

Examples:
  disco run guests/demo/demo.elf
  disco run --mem 128M --stats stats.json perf/images/crc32.elf
  disco run -n 10M my-kernel.elf
  disco run --linux                      # after scripts/fetch-linux.sh; see docs/linux.md`)
    .action((image: string | undefined, args: string[], opts: RunCliOptions) => {
      if (args.length > 0) {
        if (opts.cmdline) throw new CliError('give the guest command line either after -- or with --cmdline, not both');
        opts.cmdline = args.join(' ');
      }
      process.exitCode = runCommand(image, opts);
    });
  program.addCommand(memoryCommand());
  program.addCommand(overheadCommand());
  program.addCommand(traceCommand({
    addMachineOptions,
    makeMachine: (opts, out) => {
      const disk = opts.disk === undefined ? undefined : readDisk(opts.disk);
      return new Machine({ ...machineConfig(opts), out, disk });
    },
    parseCount,
    readImage,
    planBoot,
    fail: (message) => { throw new CliError(message); },
    progressLine,
    stopStatus,
    addVmOptions,
    setupVms: (image, bytes, opts) => {
      if (opts.vms === undefined) throw new CliError('--vms is needed here');
      const disk = opts.disk === undefined ? undefined : { path: opts.disk };
      return setupVms(image, bytes, machineConfig(opts), disk, {
        vms: opts.vms, vcpus: opts.vcpus, vmMem: opts.vmMem, consoleDir: opts.consoleDir, slice: opts.slice,
        maxInstructions: opts.maxInstructions, cmdline: opts.cmdline,
      }, process.stderr);
    },
    vmsStatus: exitStatus,
  }));
  program.addCommand(numaCommand()); // docs/numa.md
  return program;
}

export function main(argv: string[]): void {
  const program = buildProgram();
  try {
    program.parse(argv);
  } catch (e) {
    const known = e instanceof CliError || e instanceof DiskError || e instanceof LoadError || e instanceof BusConfigError || e instanceof ConfigError || e instanceof RangeError;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${chalk.red('disco:')} ${known ? msg : `internal error: ${msg}`}\n`);
    if (!known || process.env.DISCO_DEBUG) {
      if (process.env.DISCO_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
      else process.stderr.write('(set DISCO_DEBUG=1 for a stack trace)\n');
    }
    process.exitCode = EXIT_ERROR;
  }
}

