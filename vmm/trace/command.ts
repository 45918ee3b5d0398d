// `disco trace tlb`: run an image on the bare machine and record one event per TLB miss
// (docs/trace.md). The machine options and exit status are those of `disco run`; cli.ts hands over
// its option parsers and helpers (CliKit) so that both commands behave the same.

import { Command, InvalidArgumentError, Option } from 'commander';
import type { Machine, RunResult } from '../../cpu/machine.ts';
import type { MachineCliOptions } from '../cli.ts';
import { FilterError, parseCpus, parseKinds, parseModes, parseRange, describeFilter, ALL, type Clock, type TlbFilter } from './filter.ts';
import { FORMAT_NAMES, Symbolizer, makeFormat, type FormatName } from './formats.ts';
import { TraceOutput } from './output.ts';
import { TlbSummary } from './summary.ts';
import { TlbTracer } from './tlb.ts';
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
  /** Throw the error that main() prints as one "disco: ..." line. */
  fail(message: string): never;
  /** The progress line (starts with \r): instructions, simulated time, MIPS, then `extra`. */
  progressLine(instructions: number, cycles: number, seconds: number, extra?: string): string;
  /** The exit status for a finished run, with its one-line message on stderr (as `run`). */
  stopStatus(res: RunResult, maxInstructions?: number): number;
}

export interface TraceTlbOptions extends MachineCliOptions {
  format: FormatName;
  output?: string;
  summary?: boolean;
  summaryJson?: boolean;
  cpu?: Set<number>;
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
export function traceTlb(kit: CliKit, image: string, opts: TraceTlbOptions): number {
  const bytes = kit.readImage(image);
  // Guest console to stderr: stdout carries the trace.
  const guestConsole = new ConsoleSink(process.stderr, 1 << 14);
  const m = kit.makeMachine(opts, guestConsole.put);
  m.load(bytes, image, opts.cmdline);
  const symbols = m.image !== null && m.image.symbols.size > 0 ? m.image.symbols : null;
  const segments = m.image?.segments ?? [];

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
  const cpus = m.cpus.map((c) => c.id);
  const fmt = out !== null ? makeFormat(opts.format, out, { image, symbols, segments, colour, cpus }) : null;
  const summary = wantSummary ? new TlbSummary() : null;
  // NUMA node of a machine page: nodes own consecutive RAM ranges of memPerNode bytes (cpu/machine.ts).
  const nodeOf = (pa: number): number => {
    const off = m.bus.ramOffset(pa);
    return off < 0 ? -1 : Math.floor(off / m.memPerNode);
  };
  const tracer = new TlbTracer({
    filter,
    nodeOf,
    wantWord: opts.format === 'text' || summary !== null,
    emit: fmt !== null && summary !== null ? (e) => { fmt.event(e); summary.add(e); }
      : fmt !== null ? (e) => fmt.event(e)
      : (e) => summary!.add(e),
  });
  for (const c of m.cpus) tracer.attach(c, c.id);

  const showProgress = opts.progress ?? (process.stderr.isTTY === true);
  const t0 = process.hrtime.bigint();
  // -Infinity: the first chunk boundary always shows the line, then at most twice a second.
  let lastProgress = -Infinity;
  let lastFlush = 0;
  const max = opts.maxInstructions !== undefined && opts.maxInstructions > 0 ? opts.maxInstructions : Infinity;
  fmt?.begin();
  let res: RunResult;
  let early = '';
  for (;;) {
    const done = m.instructions();
    res = m.run({ maxInstructions: Math.min(max, done + CHUNK) });
    if (res.reason !== 'limit' || res.instructions >= max) break;
    if (tracer.stopped) { early = tracer.stopReason; break; }
    // Past --before on every running CPU's clock: nothing more can be recorded.
    if (filter.before !== Infinity && m.cpus.every((c) => !c.running || (filter.clock === 'cycles' ? c.cycles : c.instret) >= filter.before)) {
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
      guestConsole.flush();
      out.flush();
    }
    if (showProgress && secs - lastProgress >= 0.5) {
      guestConsole.flush();
      lastProgress = secs;
      process.stderr.write(kit.progressLine(res.instructions, res.cycles, secs, `${tracer.recorded.toLocaleString('en-US')} events`));
    }
  }
  guestConsole.flush();
  if (showProgress) process.stderr.write('\r\x1b[K');
  tracer.flush();
  for (const c of m.cpus) tracer.detach(c);
  fmt?.end();
  out?.close();
  if (summary !== null) {
    const totals = { instructions: m.instructions(), cycles: Math.max(...m.cpus.map((c) => c.cycles)) };
    const sy = new Symbolizer(symbols, segments);
    const text = summaryJson
      ? JSON.stringify(summary.toJson(totals, sy), null, 2) + '\n'
      : summary.toText(totals, sy, `TLB miss summary: ${image}${describeFilter(filter) ? ` (${describeFilter(filter)})` : ''}`);
    process.stdout.write(text);
  }
  if (tracer.stopped) {
    const cut = early !== '' ? `; the run stopped there, after ${res.instructions} instructions` : '';
    process.stderr.write(`disco: recording stopped: ${tracer.stopReason}${cut}\n`);
  }
  // A run the trace cut short is a successful trace.
  if (early !== '') return 0;
  return kit.stopStatus(res, opts.maxInstructions);
}

export function traceCommand(kit: CliKit): Command {
  const trace = new Command('trace').description('record events of a run (TLB misses) as text, CSV, JSON lines or Perfetto JSON');
  kit.addMachineOptions(trace
    .command('tlb')
    .description('run an image on the bare machine and record one event per TLB miss (refill, invalid, modified)')
    .argument('<image>', 'ELF32 little-endian MIPS image'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMAT_NAMES).default('text'))
    .option('-o, --output <file>', 'write the events to file (streamed) instead of stdout')
    .option('--summary', 'print a summary on stdout (instead of the events, unless -o)')
    .option('--summary-json', 'the summary as JSON (docs/trace.md)')
    .option('--cpu <list>', 'only these CPUs (0,1,...)', wrap(parseCpus))
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
(one per instruction, plus time asleep in WAIT) and instructions. The formats and every field are
described in docs/trace.md.

Exit status: as \`disco run\`; 0 when the trace stops early (--limit, --before, output closed).

Examples:
  disco trace tlb --tlb-entries 16 --cmdline "pages=64 passes=2" guests/trace/pages.elf
  disco trace tlb --format jsonl -o misses.jsonl --kind refill --mode user my-kernel.elf
  disco trace tlb --format perfetto -o trace.json my-kernel.elf    # open in ui.perfetto.dev
  disco trace tlb --summary -n 500M my-kernel.elf`)
    .action((image: string, opts: TraceTlbOptions) => {
      process.exitCode = traceTlb(kit, image, opts);
    });
  return trace;
}
