// `disco trace tlb`: run an image on the bare machine (or, with --vms, under the monitor) and
// record one event per TLB miss; `disco trace monitor` (the default): record the monitor's own
// events, traps and page moves (docs/trace.md). The machine options and exit status are those of
// `disco run`; cli.ts hands over its option parsers and helpers (CliKit) so that the commands
// behave the same, and the VMs are set up by the code `disco run --vms` uses (vmm/run.ts).

import { Command, InvalidArgumentError, Option } from 'commander';
import type { Machine, RunResult } from '../../cpu/machine.ts';
import { parseElf, type ElfSegment, type SymbolTable } from '../../cpu/elf.ts';
import type { BootPlan, MachineCliOptions, VmCliOptions } from '../cli.ts';
import type { VmsSetup } from '../run.ts';
import type { Vm } from '../vm.ts';
import {
  FilterError, parseCpus, parseKinds, parseModes, parseRange, parseVms, describeFilter, ALL, type Clock, type TlbFilter,
} from './filter.ts';
import { FORMAT_NAMES, Symbolizer, makeFormat, type FormatName } from './formats.ts';
import { TraceOutput } from './output.ts';
import { TlbSummary } from './summary.ts';
import { TlbTracer } from './tlb.ts';
import { traceMonitorCommand } from './monitor-command.ts';
import { ConsoleSink } from '../console.ts';

/** What the trace command borrows from cli.ts, so that it parses and reports exactly like `run`. */
export interface CliKit {
  /** Add `run`'s machine options (memory, topology, TLB size, limits, command line, progress). */
  addMachineOptions(cmd: Command): Command;
  /** The machine those options describe, its consoles writing to `out`. */
  makeMachine(opts: MachineCliOptions, out: (byte: number) => void): Machine;
  parseCount(text: string): number;
  /** The image's bytes, or a CliError naming the problem. */
  readImage(path: string): Uint8Array;
  /** What `run` would boot for this image argument and --linux/--initrd (adjusts the Linux defaults in opts). */
  planBoot(image: string | undefined, opts: MachineCliOptions & { linux?: boolean; initrd?: string }): BootPlan;
  /** Throw the error that main() prints as one "disco: ..." line. */
  fail(message: string): never;
  /** The progress line (starts with \r): instructions, simulated time, MIPS, then `extra`. */
  progressLine(instructions: number, cycles: number, seconds: number, extra?: string): string;
  /** The exit status for a finished run, with its one-line message on stderr (as `run`). */
  stopStatus(res: RunResult, maxInstructions?: number): number;
  /** Add `run`'s options for VMs (--vms, --vcpus, --vm-mem, --console-dir, --slice). */
  addVmOptions(cmd: Command): Command;
  /** The monitor and VMs `run --vms` would make (consoles to stderr). */
  setupVms(image: string, bytes: Uint8Array, opts: MachineCliOptions & VmCliOptions): VmsSetup;
  /** The exit status of `run --vms` for VMs that ended (vmm/run.ts). */
  vmsStatus(vms: readonly Vm[]): number;
}

export interface TraceTlbOptions extends MachineCliOptions, VmCliOptions {
  linux?: boolean;
  initrd?: string;
  format: FormatName;
  output?: string;
  summary?: boolean;
  summaryJson?: boolean;
  cpu?: Set<number>;
  vm?: Set<number>;
  mode?: number;
  kind?: { kindMask: number; accessMask: number };
  range?: [number, number];
  pc?: string;
  after?: number;
  before?: number;
  clock: Clock;
  limit?: number;
}

/** Instructions per Machine.run call: between calls the trace checks --limit and progress. */
const CHUNK = 1_000_000;
/** Under the monitor: interleaving rounds between looks at the wall clock (progress, flushing). */
const ROUNDS = 64;

/** How a run under the monitor ended for a trace. */
export interface MonitorRunEnd {
  /** Why the trace ended the run early ('' if it ran to its end). */
  early: string;
  instructions: number;
  cycles: number;
}

/**
 * Run the monitor of `setup` to its end, checking between rounds whether the trace is over
 * (`stopReason` returns a reason, or every CPU is past `before` on `clock`), flushing `out` and
 * showing the progress line. A trace that is over stops every VM still running, quietly.
 */
export function driveMonitor(kit: CliKit, setup: VmsSetup, o: {
  out: TraceOutput | null;
  progress?: boolean;
  before: number;
  clock: Clock;
  stopReason: () => string;
  events: () => number;
}): MonitorRunEnd {
  const mon = setup.mon;
  const cpus = mon.machine.cpus;
  const showProgress = o.progress ?? (process.stderr.isTTY === true);
  const t0 = process.hrtime.bigint();
  let lastProgress = -Infinity;
  let lastFlush = 0;
  let rounds = 0;
  let early = '';
  const end = (why: string): void => {
    early = why;
    setup.quiet = true;
    for (const vm of mon.vms) if (vm.running) mon.stopVm(vm, 'limit', `stopped by the trace (${why})`);
  };
  const res = mon.run({
    onRound: () => {
      const why = o.stopReason();
      if (why !== '') { end(why); return; }
      if (o.before !== Infinity && cpus.every((c) => (o.clock === 'cycles' ? c.cycles : c.instret) >= o.before)) {
        end(`past --before ${o.before} (${o.clock})`);
        return;
      }
      if (o.out !== null && o.out.broken) { end('output closed'); return; }
      if (++rounds % ROUNDS !== 0) return;
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (o.out !== null && secs - lastFlush >= 0.25) {
        lastFlush = secs;
        setup.consoles.flush();
        o.out.flush();
      }
      if (showProgress && secs - lastProgress >= 0.5) {
        setup.consoles.flush();
        lastProgress = secs;
        const insns = mon.machine.instructions();
        const cycles = Math.max(...cpus.map((c) => c.cycles));
        process.stderr.write(kit.progressLine(insns, cycles, secs, `${mon.vms.length} VMs, ${o.events().toLocaleString('en-US')} events`));
      }
    },
  });
  setup.consoles.close();
  if (showProgress) process.stderr.write('\r\x1b[K');
  return { early, instructions: res.instructions, cycles: res.cycles };
}

/** Symbols and segments of an ELF image (for names in traces under the monitor), or none. */
export function imageSymbols(bytes: Uint8Array, image: string): { symbols: SymbolTable | null; segments: readonly ElfSegment[] } {
  const img = parseElf(bytes, image);
  return { symbols: img.symbols.size > 0 ? img.symbols : null, segments: img.segments };
}

/** Options that only make sense with --vms. */
export function checkVmOptions(kit: CliKit, opts: VmCliOptions & { vm?: Set<number> }): void {
  if (opts.vms === undefined && (opts.vmMem !== undefined || opts.consoleDir !== undefined || opts.slice !== undefined || opts.vcpus !== undefined || opts.vm !== undefined)) {
    kit.fail('--vm, --vcpus, --vm-mem, --console-dir and --slice need --vms');
  }
  if (opts.vms !== undefined && opts.vm !== undefined) {
    for (const v of opts.vm) if (v >= opts.vms) kit.fail(`--vm ${v}: there are only ${opts.vms} VMs (numbered from 0)`);
  }
}


/** Commander parser adapter: FilterError becomes commander's "invalid argument" message. */
function wrap<T>(f: (text: string) => T): (text: string) => T {
  return (text: string): T => {
    try {
      return f(text);
    } catch (e) {
      if (e instanceof FilterError) throw new InvalidArgumentError(e.message.replace(/^--[a-z]+: /, ''));
      throw e;
    }
  };
}

/** Run the trace; returns the exit status. */
export function traceTlb(kit: CliKit, imageArg: string | undefined, opts: TraceTlbOptions): number {
  checkVmOptions(kit, opts);
  const monitored = opts.vms !== undefined;
  if (monitored && (opts.linux === true || opts.initrd !== undefined)) kit.fail('--vms cannot be combined with --linux');
  const plan = kit.planBoot(imageArg, opts);
  const { image, bytes } = plan;
  // Guest console to stderr: stdout carries the trace.
  const guestConsole = monitored ? null : new ConsoleSink(process.stderr, 1 << 14);
  let m: Machine | null = null;
  let setup: VmsSetup | null = null;
  let symbols: SymbolTable | null;
  let segments: readonly ElfSegment[];
  if (monitored) {
    setup = kit.setupVms(image, bytes, opts);
    ({ symbols, segments } = imageSymbols(bytes, image));
  } else {
    m = kit.makeMachine(opts, guestConsole!.put);
    plan.boot(m);
    symbols = m.image !== null && m.image.symbols.size > 0 ? m.image.symbols : null;
    segments = m.image?.segments ?? [];
  }
  const machine = setup !== null ? setup.mon.machine : m!;

  let pcRange: [number, number] = [0, 2 ** 32];
  if (opts.pc !== undefined) {
    try {
      pcRange = parseRange(opts.pc, '--pc', { single: true, symbols });
    } catch (e) {
      if (e instanceof FilterError) kit.fail(e.message);
      throw e;
    }
  }
  const filter: TlbFilter = {
    ...ALL,
    cpus: opts.cpu ?? null,
    vms: opts.vm ?? null,
    modeMask: opts.mode ?? 7,
    kindMask: opts.kind?.kindMask ?? 7,
    accessMask: opts.kind?.accessMask ?? 7,
    vaLo: opts.range?.[0] ?? 0,
    vaHi: opts.range?.[1] ?? 2 ** 32,
    pcLo: pcRange[0],
    pcHi: pcRange[1],
    clock: opts.clock,
    after: opts.after ?? 0,
    before: opts.before ?? Infinity,
    limit: opts.limit ?? Infinity,
  };

  // With --summary and no -o, the summary replaces the event listing on stdout.
  const summaryJson = opts.summaryJson === true;
  const wantSummary = opts.summary === true || summaryJson;
  const events = !wantSummary || opts.output !== undefined;
  let out: TraceOutput | null = null;
  if (events) {
    try {
      out = new TraceOutput(opts.output ?? null);
    } catch (e) {
      kit.fail(`-o ${opts.output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  const colour = opts.output === undefined && process.stdout.isTTY === true;
  const cpus = machine.cpus.map((c) => c.id);
  const vmNames = setup !== null ? setup.mon.vms.map((vm) => vm.name) : null;
  const fmt = out !== null ? makeFormat(opts.format, out, { image, symbols, segments, colour, cpus, vms: vmNames }) : null;
  const summary = wantSummary ? new TlbSummary() : null;
  // NUMA node of a machine page: nodes own consecutive RAM ranges of memPerNode bytes (cpu/machine.ts).
  const nodeOf = (pa: number): number => {
    const off = machine.bus.ramOffset(pa);
    return off < 0 ? -1 : Math.floor(off / machine.memPerNode);
  };
  const tracer = new TlbTracer({
    filter,
    nodeOf,
    monitor: setup?.mon,
    wantWord: opts.format === 'text' || summary !== null,
    emit: fmt !== null && summary !== null ? (e) => { fmt.event(e); summary.add(e); }
      : fmt !== null ? (e) => fmt.event(e)
      : (e) => summary!.add(e),
  });
  fmt?.begin();
  let early = '';
  let status = 0;
  let instructions: number;
  if (setup !== null) {
    tracer.attachMonitor();
    const r = driveMonitor(kit, setup, {
      out, progress: opts.progress, before: filter.before, clock: filter.clock,
      stopReason: () => tracer.stopReason, events: () => tracer.recorded,
    });
    tracer.detachMonitor();
    early = r.early;
    if (early !== '' && early !== 'output closed' && !tracer.stopped) { tracer.stopped = true; tracer.stopReason = early; }
    instructions = r.instructions;
    if (early === '') status = kit.vmsStatus(setup.mon.vms);
  } else {
    const mm = m!;
    for (const c of mm.cpus) tracer.attach(c, c.id);
    const showProgress = opts.progress ?? (process.stderr.isTTY === true);
    const t0 = process.hrtime.bigint();
    // -Infinity: the first chunk boundary always shows the line, then at most twice a second.
    let lastProgress = -Infinity;
    let lastFlush = 0;
    const max = opts.maxInstructions !== undefined && opts.maxInstructions > 0 ? opts.maxInstructions : Infinity;
    let res: RunResult;
    for (;;) {
      const done = mm.instructions();
      res = mm.run({ maxInstructions: Math.min(max, done + CHUNK) });
      if (res.reason !== 'limit' || res.instructions >= max) break;
      if (tracer.stopped) { early = tracer.stopReason; break; }
      // Past --before on every running CPU's clock: nothing more can be recorded.
      if (filter.before !== Infinity && mm.cpus.every((c) => !c.running || (filter.clock === 'cycles' ? c.cycles : c.instret) >= filter.before)) {
        tracer.stopped = true;
        tracer.stopReason = `past --before ${filter.before} (${filter.clock})`;
        early = tracer.stopReason;
        break;
      }
      if (out !== null && out.broken) { early = 'output closed'; break; }
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      // Readers (a terminal, tail -f, a pipe) see events within a quarter second, not per 1 MiB.
      if (out !== null && secs - lastFlush >= 0.25) {
        lastFlush = secs;
        guestConsole!.flush();
        out.flush();
      }
      if (showProgress && secs - lastProgress >= 0.5) {
        guestConsole!.flush();
        lastProgress = secs;
        process.stderr.write(kit.progressLine(res.instructions, res.cycles, secs, `${tracer.recorded.toLocaleString('en-US')} events`));
      }
    }
    guestConsole!.flush();
    if (showProgress) process.stderr.write('\r\x1b[K');
    tracer.flush();
    for (const c of mm.cpus) tracer.detach(c);
    instructions = res.instructions;
    if (early === '') status = kit.stopStatus(res, opts.maxInstructions);
  }
  fmt?.end();
  out?.close();
  if (summary !== null) {
    const totals = {
      instructions: machine.instructions(),
      cycles: Math.max(...machine.cpus.map((c) => c.cycles)),
      vms: setup?.mon.vms.map((vm) => ({ vm: vm.id, name: vm.name, instructions: vm.instructions() })),
    };
    const sy = new Symbolizer(symbols, segments);
    const what = setup !== null ? `${image}, ${setup.mon.vms.length} VM${setup.mon.vms.length > 1 ? 's' : ''}` : image;
    const text = summaryJson
      ? JSON.stringify(summary.toJson(totals, sy), null, 2) + '\n'
      : summary.toText(totals, sy, `TLB miss summary: ${what}${describeFilter(filter) ? ` (${describeFilter(filter)})` : ''}`);
    process.stdout.write(text);
  }
  if (tracer.stopped) {
    const cut = early !== '' ? `; the run stopped there, after ${instructions} instructions` : '';
    process.stderr.write(`disco: recording stopped: ${tracer.stopReason}${cut}\n`);
  }
  // A run the trace cut short is a successful trace.
  return status;
}

/** The options every trace command has: the format, the output file and the summaries. */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMAT_NAMES).default('text'))
    .option('-o, --output <file>', 'write the events to file (streamed) instead of stdout')
    .option('--summary', 'print a summary on stdout (instead of the events, unless -o)')
    .option('--summary-json', 'the summary as JSON (docs/trace.md)');
}

export function traceCommand(kit: CliKit): Command {
  const trace = new Command('trace').description('record events of a run as text, CSV, JSON lines or Perfetto JSON: TLB misses (trace tlb), the monitor\'s traps and page moves (trace monitor, the default)');
  addOutputOptions(kit.addVmOptions(kit.addMachineOptions(trace
    .command('tlb')
    .description('run an image on the bare machine (or --vms N under the monitor, or --linux) and record one event per TLB miss (refill, invalid, modified)')
    .argument('[image]', 'ELF32 little-endian MIPS image (with --linux: default .cache/linux/vmlinuz)'))))
    .option('--cpu <list>', 'only these CPUs (0,1,...)', wrap(parseCpus))
    .option('--vm <list>', 'with --vms: only these VMs (0,1,...)', wrap(parseVms))
    .option('--linux', 'boot a Linux kernel on the full Malta board as `run --linux` does (same defaults)')
    .option('--initrd <file>', 'initial RAM disk for --linux (implies --linux)')
    .option('--mode <list>', 'only misses in these modes: user, supervisor (super), kernel', wrap(parseModes))
    .option('--kind <list>', 'only these kinds (refill, invalid, modified) and/or accesses (load, store, fetch)', wrap(parseKinds))
    .option('--range <start-end>', 'only virtual addresses in [start, end) (or start+length)', wrap((t) => parseRange(t, '--range')))
    .option('--pc <pc>', 'only faulting instructions at an address, in a range, or in a symbol (function name)')
    .option('--after <time>', 'only misses at or after this time (see --clock)', kit.parseCount)
    .option('--before <time>', 'only misses before this time; the run stops once every CPU is past it (see --clock)', kit.parseCount)
    .addOption(new Option('--clock <clock>', 'what --after/--before count').choices(['cycles', 'instructions']).default('cycles'))
    .option('--limit <n>', 'stop after recording n events', kit.parseCount)
    .addHelpText('after', `
Events go to stdout (or -o FILE); the guest's console goes to stderr. Time is simulated: cycles
(one per instruction, plus time asleep in WAIT, plus monitor time under --vms) and instructions.
Under --vms each miss names its VM and virtual CPU and how the monitor dealt with it (l2tlb,
pmap, window, reflected, emulated). The formats and every field are described in docs/trace.md.

Exit status: as \`disco run\`; 0 when the trace stops early (--limit, --before, output closed).

Examples:
  disco trace tlb --tlb-entries 16 --cmdline "pages=64 passes=2" guests/trace/pages.elf
  disco trace tlb --format jsonl -o misses.jsonl --kind refill --mode user my-kernel.elf
  disco trace tlb --format perfetto -o trace.json my-kernel.elf    # open in ui.perfetto.dev
  disco trace tlb --summary -n 500M my-kernel.elf
  disco trace tlb --vms 2 --summary --disk guests/user/fs.img guests/kernel/kernel.elf
  disco trace tlb --linux -n 200M --summary          # after scripts/fetch-linux.sh`)
    .action((image: string | undefined, opts: TraceTlbOptions) => {
      process.exitCode = traceTlb(kit, image, opts);
    });
  trace.addCommand(traceMonitorCommand(kit), { isDefault: true });
  return trace;
}
