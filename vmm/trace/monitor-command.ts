// `disco trace monitor` (also plain `disco trace`): run VMs under the monitor and record its own
// events, traps and page moves (mevent.ts), in the formats of `disco trace tlb` (docs/trace.md).

import { Command, InvalidArgumentError } from 'commander';
import { EXC_NAMES } from '../../cpu/cp0.ts';
import type { MachineCliOptions, VmCliOptions } from '../cli.ts';
import { addOutputOptions, checkVmOptions, driveMonitor, imageSymbols, type CliKit } from './command.ts';
import { FilterError, parseCpus, parseVms } from './filter.ts';
import { Symbolizer, type FormatName } from './formats.ts';
import { MEVENT_NAMES, MONITOR_ALL, MonitorTracer, type MonitorFilter } from './mevent.ts';
import { MonitorSummary, makeMonitorFormat } from './mformats.ts';
import { TraceOutput } from './output.ts';

export interface TraceMonitorOptions extends MachineCliOptions, VmCliOptions {
  format: FormatName;
  output?: string;
  summary?: boolean;
  summaryJson?: boolean;
  cpu?: Set<number>;
  vm?: Set<number>;
  event?: number;
  exc?: number;
  after?: number;
  before?: number;
  limit?: number;
}

/** --event trap,migrate,...; "page" stands for every page event. */
export function parseEvents(text: string): number {
  let mask = 0;
  for (const raw of text.split(',')) {
    const w = raw.trim().toLowerCase();
    if (w === 'page') { mask |= ((1 << MEVENT_NAMES.length) - 1) & ~1; continue; }
    const i = MEVENT_NAMES.indexOf(w as (typeof MEVENT_NAMES)[number]);
    if (i < 0) throw new FilterError(`--event: "${raw}" is not one of ${MEVENT_NAMES.join(', ')}, page`);
    mask |= 1 << i;
  }
  return mask;
}

/** --exc TLBL,TLBS,Mod: trap causes by their names (cp0.ts EXC_NAMES, any case) or numbers. */
export function parseExcs(text: string): number {
  let mask = 0;
  for (const raw of text.split(',')) {
    const w = raw.trim();
    let code = EXC_NAMES.findIndex((n) => n.toLowerCase() === w.toLowerCase());
    if (code < 0 && /^\d+$/.test(w) && Number(w) < 32) code = Number(w);
    if (code < 0) throw new FilterError(`--exc: "${raw}" is not an exception name (Int, Mod, TLBL, TLBS, AdEL, AdES, IBE, DBE, Sys, Bp, RI, CpU, Ov, Tr, MCheck) or number`);
    mask |= 1 << code;
  }
  return mask;
}

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
export function traceMonitor(kit: CliKit, image: string, opts: TraceMonitorOptions): number {
  if (opts.vms === undefined) opts.vms = 1;
  checkVmOptions(kit, opts);
  const bytes = kit.readImage(image);
  const setup = kit.setupVms(image, bytes, opts);
  const mon = setup.mon;
  const { symbols, segments } = imageSymbols(bytes, image);
  const filter: MonitorFilter = {
    ...MONITOR_ALL,
    vms: opts.vm ?? null,
    cpus: opts.cpu ?? null,
    eventMask: opts.event ?? MONITOR_ALL.eventMask,
    excMask: opts.exc ?? MONITOR_ALL.excMask,
    after: opts.after ?? 0,
    before: opts.before ?? Infinity,
    limit: opts.limit ?? Infinity,
  };
  const summaryJson = opts.summaryJson === true;
  const wantSummary = opts.summary === true || summaryJson;
  let out: TraceOutput | null = null;
  if (!wantSummary || opts.output !== undefined) {
    try {
      out = new TraceOutput(opts.output ?? null);
    } catch (e) {
      kit.fail(`-o ${opts.output}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }
  const sy = new Symbolizer(symbols, segments);
  const colour = opts.output === undefined && process.stdout.isTTY === true;
  const fmt = out !== null ? makeMonitorFormat(opts.format, out, sy, {
    image, symbols, segments, colour, cpus: mon.machine.cpus.map((c) => c.id), vms: mon.vms.map((vm) => vm.name),
  }) : null;
  const summary = wantSummary ? new MonitorSummary() : null;
  const tracer = new MonitorTracer(mon, filter, fmt !== null && summary !== null ? (e) => { fmt.event(e); summary.add(e); }
    : fmt !== null ? (e) => fmt.event(e) : (e) => summary!.add(e), fmt !== null && symbols !== null);
  fmt?.begin();
  tracer.attach();
  const r = driveMonitor(kit, setup, {
    out, progress: opts.progress, before: filter.before, clock: 'cycles',
    stopReason: () => tracer.stopReason, events: () => tracer.recorded,
  });
  tracer.detach();
  fmt?.end();
  out?.close();
  if (summary !== null) {
    const kept = mon.vms.filter((vm) => filter.vms === null || filter.vms.has(vm.id));
    let hits = 0, lookups = 0;
    for (const vm of kept) for (const v of vm.vcpus) { hits += v.l2.hits; lookups += v.l2.hits + v.l2.misses; }
    summary.setL2(hits, lookups);
    const totals = {
      instructions: mon.machine.instructions(),
      cycles: Math.max(...mon.machine.cpus.map((c) => c.cycles)),
      vms: kept.map((vm) => ({ vm: vm.id, name: vm.name, instructions: vm.instructions() })),
    };
    process.stdout.write(summaryJson ? JSON.stringify(summary.toJson(totals), null, 2) + '\n'
      : summary.toText(totals, `monitor event summary: ${image}, ${mon.vms.length} VM${mon.vms.length > 1 ? 's' : ''}`));
  }
  if (r.early !== '' && r.early !== 'output closed') {
    process.stderr.write(`disco: recording stopped: ${r.early}; the run stopped there, after ${r.instructions} instructions\n`);
  }
  return r.early !== '' ? 0 : kit.vmsStatus(mon.vms);
}

export function traceMonitorCommand(kit: CliKit): Command {
  const cmd = new Command('monitor');
  return addOutputOptions(kit.addVmOptions(kit.addMachineOptions(cmd
    .description('run VMs under the monitor (default --vms 1) and record its events: traps (with TLB miss outcomes) and page moves (migrate, replicate, collapse, cow-break, share, zero)')
    .argument('<image>', 'ELF32 little-endian MIPS image'))))
    .option('--vm <list>', 'only these VMs (0,1,...)', wrap(parseVms))
    .option('--cpu <list>', 'only these physical CPUs (0,1,...)', wrap(parseCpus))
    .option('--event <list>', `only these events: ${MEVENT_NAMES.join(', ')}, or page (every page event)`, wrap(parseEvents))
    .option('--exc <list>', 'only traps with these causes: TLBL, TLBS, Mod, CpU, Sys, Int, AdEL, ... (page events are kept)', wrap(parseExcs))
    .option('--after <cycles>', 'only events at or after this simulated cycle', kit.parseCount)
    .option('--before <cycles>', 'only events before this cycle; the run stops once every CPU is past it', kit.parseCount)
    .option('--limit <n>', 'stop after recording n events', kit.parseCount)
    .addHelpText('after', `
Events go to stdout (or -o FILE); the VMs' consoles go to stderr. Each trap is recorded when the
monitor has handled it, with the cycles it charged; TLB traps carry the address and the outcome.
The formats and every field are described in docs/trace.md.

Exit status: as \`disco run --vms\`; 0 when the trace stops early (--limit, --before, output closed).

Examples:
  disco trace --vms 2 guests/vmtests/work.elf --cmdline "tlb 2 1" --summary
  disco trace monitor --vms 2 --event trap --exc TLBL,TLBS -f jsonl -o traps.jsonl guests/vmtests/work.elf
  disco trace monitor --vms 4 --nodes 2 --event page -f perfetto -o pages.json kernel.elf`)
    .action((image: string, opts: TraceMonitorOptions) => {
      process.exitCode = traceMonitor(kit, image, opts);
    });
}
