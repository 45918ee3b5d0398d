// `node bin/run-ts.js perf/trace-bench.ts [--passes N] [--tlb-entries T] [--formats jsonl,csv] [--repeat R]`
//
// Throughput of `disco trace tlb` writing to a file: a TLB-thrashing image (guests/trace/pages.elf
// sweeping 4096 pages, 2048 pairs, through a 16-entry TLB, so every access misses) is traced with
// `-o FILE` in each format through the same entry point users run (`node bin/disco.js`), and the
// events written per minute of wall time (process start included) are printed. For reference the
// same image runs untraced (`disco run`): the difference is what tracing costs per miss.
//
// The machine may be shared: runs of one repeat follow each other closely and the best of the
// repeats is reported with the load average, so compare figures from one invocation only.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const image = join(root, 'guests/trace/pages.elf');
const args = process.argv.slice(2);

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

const passes = Number(valueOf('--passes') ?? '500');
const tlbEntries = valueOf('--tlb-entries') ?? '16';
const formats = (valueOf('--formats') ?? 'jsonl,csv').split(',');
const repeat = Number(valueOf('--repeat') ?? '3');
const cmdline = `pages=4096 passes=${passes}`;

/** Run the CLI; returns wall seconds. */
function disco(cliArgs: string[]): number {
  const t0 = process.hrtime.bigint();
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), ...cliArgs], { encoding: 'utf8', maxBuffer: 16 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.status !== 0) throw new Error(`disco ${cliArgs.join(' ')}: exit ${p.status}: ${p.stderr.trim()}`);
  return secs;
}

/** Events in a trace file: lines, less the CSV header or the Perfetto wrapper and metadata. */
function countEvents(file: string, format: string): number {
  const text = readFileSync(file, 'utf8');
  if (format === 'perfetto') return (JSON.parse(text) as { traceEvents: Array<{ ph: string }> }).traceEvents.filter((e) => e.ph === 'X').length;
  const lines = text.length === 0 ? 0 : text.trimEnd().split('\n').length;
  return format === 'jsonl' ? lines : lines - 1;
}

const dir = mkdtempSync(join(tmpdir(), 'disco-trace-bench-'));
try {
  const best = new Map<string, { secs: number; events: number; bytes: number }>();
  const keep = (name: string, secs: number, events: number, bytes: number): void => {
    const b = best.get(name);
    if (b === undefined || secs < b.secs) best.set(name, { secs, events, bytes });
  };
  const machine = ['--no-progress', '--tlb-entries', tlbEntries, '--cmdline', cmdline, image];
  for (let r = 0; r < repeat; r++) {
    keep('untraced (disco run)', disco(['run', ...machine]), 4096 * passes / 2, 0);
    for (const f of formats) {
      const file = join(dir, `trace.${f}`);
      const secs = disco(['trace', 'tlb', '--format', f, '-o', file, ...machine]);
      keep(f, secs, countEvents(file, f), statSync(file).size);
    }
  }
  const expectEvents = 4096 * passes / 2; // one refill per pair per pass
  console.log(`disco trace tlb throughput: ${image.slice(root.length + 1)} --cmdline "${cmdline}" --tlb-entries ${tlbEntries}`);
  console.log(`best of ${repeat}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('');
  console.log(`${'output'.padEnd(22)}${'events'.padStart(12)}${'wall s'.padStart(9)}${'MiB'.padStart(8)}${'events/minute'.padStart(16)}`);
  for (const [name, b] of best) {
    if (name !== 'untraced (disco run)' && b.events !== expectEvents) throw new Error(`${name}: ${b.events} events, expected ${expectEvents}`);
    const perMin = (b.events / b.secs) * 60;
    console.log(`${name.padEnd(22)}${b.events.toLocaleString('en-US').padStart(12)}${b.secs.toFixed(2).padStart(9)}` +
      `${(b.bytes / 2 ** 20).toFixed(1).padStart(8)}${(perMin / 1e6).toFixed(1).padStart(14)} M`);
  }
  console.log('');
  console.log('(untraced: TLB misses per minute of the same run without tracing, for comparison)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
