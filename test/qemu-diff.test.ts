// Differential test: disco against QEMU (qemu-system-mipsel -M malta -cpu 24Kc) on
// - random programs (test/diff/gen.ts): 200 x 2000 instructions by default, in batches of 50 per
//   image, two images at a time;
// - the directed exception/CP0/TLB programs (test/diff/directed.ts);
// - the self-checking guests/tests/*.elf, compared on their console output.
// Outputs must be identical. DISCO_DIFF_SEED and DISCO_DIFF_PROGRAMS change the random part;
// `npm run fuzz` runs larger campaigns and shrinks failures.

import { describe, it, expect } from 'vitest';
import { readdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { qemuAvailable } from './diff/qemu.ts';
import { discoAvailable } from './diff/disco.ts';
import { fuzz, runBoth, runBothFile, pool } from './diff/harness.ts';
import { buildDirected } from './diff/directed.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const haveQemu = qemuAvailable();
const haveDisco = discoAvailable();
if (!haveQemu) console.warn('skipped: qemu-system-mipsel not installed');
else if (!haveDisco) console.warn('skipped: disco CLI (vmm/cli.ts) not present');

const SEED = Number(process.env.DISCO_DIFF_SEED ?? 0x5eed0000) >>> 0;
const PROGRAMS = Number(process.env.DISCO_DIFF_PROGRAMS ?? 200);
const reproduce = (seed: number): string => `npm run fuzz -- --programs 1 --seed ${seed}`;

describe.skipIf(!haveQemu || !haveDisco)('disco agrees with QEMU', () => {
  it(`${PROGRAMS} random programs x 2000 instructions (seeds from 0x${SEED.toString(16)})`, async () => {
    const report = await fuzz({ seed: SEED, programs: PROGRAMS, length: 2000, batch: 50, jobs: Math.min(2, availableParallelism()) });
    const lines = report.failures.slice(0, 5).map((f) =>
      f.seed === undefined ? f.summary : `seed ${f.seed}: ${f.summary}\n  reproduce and shrink: ${reproduce(f.seed)}`);
    expect(lines, `${report.failures.length} mismatching programs`).toEqual([]);
  }, 180_000);

  it('directed exception, CP0 and TLB programs', async () => {
    const img = buildDirected();
    const run = await runBoth(img.elf);
    const lines = run.diffs.map((d) => `${d.header}: ${d.summary}`);
    if (run.problem) lines.push(run.problem);
    expect(lines).toEqual([]);
    expect(run.qemu.output).toContain('DONE');
  }, 60_000);

  const testsDir = join(ROOT, 'guests', 'tests');
  const elfs = existsSync(testsDir) ? readdirSync(testsDir).filter((f) => f.endsWith('.elf')).sort() : [];
  it.skipIf(elfs.length === 0)(`guests/tests/*.elf (${elfs.length} images) print the same on both`, async () => {
    const results = await pool(elfs, 2, async (f) => ({ f, run: await runBothFile(join(testsDir, f), { trailer: false }) }));
    const lines = results.flatMap(({ f, run }) => [
      ...run.diffs.slice(0, 3).map((d) => `${f}: ${d.summary}`),
      ...(run.problem ? [`${f}: ${run.problem}`] : []),
    ]);
    expect(lines).toEqual([]);
  }, 120_000);
});
