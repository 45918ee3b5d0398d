// Differential fuzzing CLI: random programs on QEMU and on disco, outputs compared exactly.
//
//   node bin/run-ts.js test/diff/fuzz.ts --programs N [--seed S] [--length L] [--jobs J]
//        [--batch B] [--out DIR] [--no-minimise] [--directed]
//
// Program i of a run uses seed S+i, so `--seed X --programs 1` reruns one program. On a mismatch
// the failing program's image and both outputs go to DIR/seed-XXXXXXXX/ (default fuzz-failures/),
// and the program is shrunk to the few instructions that still show the difference.

import { Command, InvalidArgumentError } from 'commander';
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { qemuAvailable } from './qemu.ts';
import { discoAvailable } from './disco.ts';
import { fuzz, minimise, describeRepro, recordFailure, runBoth } from './harness.ts';
import { generateProgram } from './gen.ts';
import { buildDirected } from './directed.ts';

const int = (name: string, lo: number, hi: number) => (text: string): number => {
  const v = Number(text);
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidArgumentError(`${name} must be an integer from ${lo} to ${hi}`);
  return v;
};

const cli = new Command('fuzz')
  .description('differential fuzzing of disco against qemu-system-mipsel (Malta, 24Kc)')
  .option('--programs <n>', 'number of random programs', int('--programs', 0, 1e7), 200)
  .option('--seed <s>', 'first seed (decimal or 0x hex); default: from the clock', (t) => {
    const v = Number(t);
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError('--seed must be a 32-bit unsigned integer');
    return v;
  })
  .option('--length <l>', 'instructions per program', int('--length', 1, 100_000), 2000)
  .option('--jobs <j>', 'images run in parallel', int('--jobs', 1, 64), availableParallelism())
  .option('--batch <b>', 'programs per image', int('--batch', 1, 1000), 50)
  .option('--out <dir>', 'where failing programs are written', 'fuzz-failures')
  .option('--no-minimise', 'do not shrink failing programs')
  .option('--max-reports <n>', 'failing programs to record and shrink', int('--max-reports', 0, 1000), 5)
  .option('--directed', 'also run the directed exception/TLB programs')
  .parse();

interface Opts {
  programs: number; seed?: number; length: number; jobs: number; batch: number; out: string;
  minimise: boolean; maxReports: number; directed?: boolean;
}
const o = cli.opts<Opts>();

if (!qemuAvailable()) {
  console.error('fuzz: qemu-system-mipsel not installed (apt-get install qemu-system-mips)');
  process.exit(2);
}
if (!discoAvailable()) {
  console.error('fuzz: disco CLI (vmm/cli.ts) not found');
  process.exit(2);
}

const seed = o.seed ?? (Date.now() >>> 0);
const out = resolve(o.out);
console.log(`fuzz: ${o.programs} programs x ${o.length} instructions, seeds 0x${seed.toString(16)}.., ${o.batch} per image, ${o.jobs} jobs`);

let failed = 0;
if (o.directed) {
  const img = buildDirected();
  const run = await runBoth(img.elf);
  if (run.diffs.length || run.problem) {
    failed++;
    const dir = join(out, 'directed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'image.elf'), img.elf);
    writeFileSync(join(dir, 'qemu.txt'), run.qemu.output);
    writeFileSync(join(dir, 'disco.txt'), run.disco.output);
    console.log(`directed: MISMATCH (written to ${dir})`);
    for (const d of run.diffs) console.log(`  ${d.header}: ${d.summary}`);
    if (run.problem) console.log(`  ${run.problem}`);
  } else {
    console.log(`directed: ${img.tests} tests agree`);
  }
}

const tty = process.stdout.isTTY;
const report = await fuzz({
  seed, programs: o.programs, length: o.length, jobs: o.jobs, batch: o.batch,
  progress: (done, total, failures) => {
    const line = `  ${done}/${total} programs, ${failures} mismatches`;
    if (tty) process.stdout.write(`\r${line}`);
    else console.log(line);
  },
});
if (tty) process.stdout.write('\n');

const bySeed = report.failures.filter((f) => f.seed !== undefined);
const imageLevel = report.failures.filter((f) => f.seed === undefined);
for (const f of imageLevel) console.log(`image problem: ${f.summary}`);
failed += report.failures.length;

// Keep the first failing batch images whole: a crash or hang shows there even when the single
// program does not fail on its own.
const runs = [...new Set(report.failures.map((f) => f.run))];
runs.slice(0, o.maxReports).forEach((run, i) => {
  const dir = join(out, `batch-${i}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'image.elf'), run.elf);
  writeFileSync(join(dir, 'qemu.txt'), run.qemu.output);
  writeFileSync(join(dir, 'disco.txt'), run.disco.output);
  const err = run.disco.output.split('\n').filter((l) => l.startsWith('[stderr]')).slice(0, 5);
  console.log(`failing image ${i}: ${run.problem ?? `${run.diffs.length} sections differ`} (disco exit ${run.disco.code}${run.disco.timedOut ? ', timed out' : ''}); written to ${dir}`);
  for (const l of err) console.log(`  ${l}`);
});

for (const f of bySeed.slice(0, o.maxReports)) {
  const s = f.seed!;
  console.log(`\nMISMATCH seed 0x${s.toString(16)} (${s}): ${f.summary}`);
  const { path, run } = await recordFailure(out, s, { length: o.length });
  console.log(`  image and outputs: ${path}`);
  if (run.diffs.length === 0 && !run.problem) {
    console.log('  does not fail on its own: see the batch image above (crash, hang, or a change in disco since)');
    continue;
  }
  console.log(`  reproduce: npm run fuzz -- --programs 1 --seed ${s} --length ${o.length}`);
  if (o.minimise) {
    const m = await minimise(generateProgram(s, { length: o.length }));
    const text = describeRepro(m);
    writeFileSync(join(path, 'minimal.txt'), text + '\n');
    console.log(`  minimised in ${m.rounds} runs to ${m.program.units.length - m.disabled.size} units:`);
    console.log(text.split('\n').map((l) => `    ${l}`).join('\n'));
  }
}
if (bySeed.length > o.maxReports) console.log(`\n(${bySeed.length - o.maxReports} more mismatching programs not recorded)`);

const secs = (report.ms / 1000).toFixed(1);
console.log(`\nfuzz: ${report.programs - bySeed.length} of ${report.programs} programs agree, ${bySeed.length} differ (${secs} s, generation ${(report.genMs / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
