// The differential harness: builds images, runs them on QEMU and on disco, compares, and shrinks
// failing programs to a few instructions. Used by fuzz.ts (CLI) and test/qemu-diff.test.ts.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REG_NAMES } from './asm.ts';
import { buildBatch, generateProgram, programListing, modeOf, type GenOptions, type Program } from './gen.ts';
import { runQemu, withImageFile, type RunResult } from './qemu.ts';
import { runDisco } from './disco.ts';
import { compareOutputs, expectedExit, sections, diffSection, type Difference } from './compare.ts';

/** The result of running one image on both emulators. */
export interface DualRun {
  elf: Uint8Array;
  qemu: RunResult;
  disco: RunResult;
  /** Per-section differences; empty when the outputs are identical. */
  diffs: Difference[];
  /** Set when the exit codes disagree with what the output implies, or a run timed out. */
  problem?: string;
}

export interface DualOptions {
  qemuTimeoutMs?: number;
  discoTimeoutMs?: number;
}

/** Runs one image on QEMU and on disco (one after the other) and compares the outputs. */
export async function runBoth(elf: Uint8Array, opts: DualOptions = {}): Promise<DualRun> {
  return withImageFile(elf, async (path) => ({ elf, ...(await runBothFile(path, opts)) }));
}

/**
 * Runs the image file at `path` on both emulators. With `trailer` (default), the output must end
 * in DONE or EXC (harness images) and disco's exit code must match it; other images (such as
 * guests/tests/*.elf) are compared on output alone, since QEMU ignores the halt register.
 */
export async function runBothFile(path: string, opts: DualOptions & { trailer?: boolean } = {}): Promise<Omit<DualRun, 'elf'>> {
  const qemu = await runQemu(path, { timeoutMs: opts.qemuTimeoutMs ?? 60_000 });
  const disco = await runDisco(path, { timeoutMs: opts.discoTimeoutMs ?? 300_000 });
  const diffs = compareOutputs(qemu.output, disco.output);
  let problem: string | undefined;
  if (qemu.timedOut) problem = 'QEMU timed out';
  else if (disco.timedOut) problem = 'disco timed out';
  else if (opts.trailer ?? true) {
    const want = expectedExit(qemu.output);
    if (want === null) problem = 'QEMU output has no DONE/EXC trailer';
    else if (disco.code !== want) problem = `disco exit code ${disco.code}, expected ${want}`;
  }
  return { qemu, disco, diffs, problem };
}

/** Runs `jobs` in parallel, at most `limit` at a time, preserving result order. */
export async function pool<T, R>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await job(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Seeds of a fuzz run: base, base+1, ... so that `--seed X --programs 1` reruns program X. */
export function seedsFrom(base: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (base + i) >>> 0);
}

/** Splits `xs` into chunks of at most `size`. */
export function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

// --- Minimisation ----------------------------------------------------------------------------------

export interface MinimiseResult {
  program: Program;
  /** Units replaced by NOPs; the kept ones reproduce the mismatch. */
  disabled: Set<number>;
  /** The difference shown by the minimised program. */
  summary: string;
  /** Emulator runs (images) used. */
  rounds: number;
  qemu: string;
  disco: string;
}

/**
 * Shrinks a failing program by replacing units with NOPs (addresses stay put, so branches keep
 * their targets), in the style of delta debugging: try removing chunks of the kept units, halve
 * the chunk size when no removal keeps the mismatch. Every round is one image holding all its
 * candidate variants, so a round costs one QEMU boot and one disco start.
 */
export async function minimise(p: Program, opts: DualOptions & { maxRounds?: number; log?: (s: string) => void } = {}): Promise<MinimiseResult> {
  let kept = p.units.map((_, i) => i);
  let rounds = 0;
  const all = new Set(kept);
  const disabledFor = (keep: readonly number[]): Set<number> => {
    const s = new Set(all);
    for (const k of keep) s.delete(k);
    return s;
  };
  /** Runs variants; returns the index of the first that still mismatches, or -1. */
  const firstFailing = async (variants: number[][]): Promise<{ index: number; run: DualRun }> => {
    rounds++;
    const img = buildBatch(variants.map(() => p), { disabled: new Map(variants.map((v, i) => [i, disabledFor(v)])) });
    const run = await runBoth(img.elf, opts);
    const qs = sections(run.qemu.output);
    const ds = sections(run.disco.output);
    for (let i = 0; i < variants.length; i++) {
      if (diffSection(qs[i], ds[i]) !== null) return { index: i, run };
    }
    return { index: -1, run };
  };
  let chunk = Math.ceil(kept.length / 2);
  const maxRounds = opts.maxRounds ?? 200;
  while (chunk >= 1 && rounds < maxRounds) {
    const variants: number[][] = [];
    for (let s = 0; s < kept.length; s += chunk) variants.push([...kept.slice(0, s), ...kept.slice(s + chunk)]);
    if (variants.length === 0) break;
    const { index } = await firstFailing(variants);
    if (index >= 0) {
      kept = variants[index]!;
      opts.log?.(`  minimise: ${kept.length} units left`);
      chunk = Math.min(chunk, Math.ceil(kept.length / 2));
    } else {
      if (chunk === 1) break;
      chunk = Math.ceil(chunk / 2);
    }
  }
  const disabled = disabledFor(kept);
  const final = await runBoth(buildBatch([p], { disabled: new Map([[0, disabled]]) }).elf, opts);
  rounds++;
  const summary = final.diffs[0]?.summary ?? final.problem ?? '(no longer fails)';
  return { program: p, disabled, summary, rounds, qemu: final.qemu.output, disco: final.disco.output };
}

/** A readable reproduction: the kept instructions and the initial values of the registers they use. */
export function describeRepro(m: MinimiseResult): string {
  const listing = programListing(m.program, m.disabled);
  const used = new Set<number>();
  for (const line of listing.split('\n')) {
    const ops = line.split('\t').slice(1).join(' ');
    REG_NAMES.forEach((n, r) => { if (new RegExp(`\\b${n}\\b`).test(ops)) used.add(r); });
  }
  const init = [...used].sort((a, b) => a - b).filter((r) => r !== 0 && r !== 28 && r !== 29)
    .map((r) => `${REG_NAMES[r]}=0x${m.program.regs[r]!.toString(16).padStart(8, '0')}`);
  const hilo = `hi=0x${m.program.hi.toString(16).padStart(8, '0')} lo=0x${m.program.lo.toString(16).padStart(8, '0')}`;
  const tlb = m.program.tlb
    ? [`tlb mode: ASID ${m.program.tlb.asid}, Context 0x${m.program.tlb.context.toString(16)}; entries (index page-size asid lo0-flags lo1-flags, slot VA = index * 32 MiB, frames = the buffer's block):`,
      ...m.program.tlb.entries.map((e) => `  ${e.index} ${2 ** (e.pageBits - 10)}K asid ${e.asid} ${e.flags0.toString(2).padStart(6, '0')} ${e.flags1.toString(2).padStart(6, '0')}`)]
    : [];
  return [
    `seed 0x${m.program.seed.toString(16)} (${m.program.seed}), ${m.program.mode} mode`,
    ...tlb,
    `initial: ${init.join(' ')} ${hilo} (gp = buffer, sp = gp + 256)`,
    listing,
    `difference: ${m.summary}`,
  ].join('\n');
}

// --- Fuzz driver -----------------------------------------------------------------------------------

export interface FuzzOptions extends GenOptions, DualOptions {
  /** First seed; program i uses seed + i. */
  seed: number;
  programs: number;
  /** Programs per image (default 50). */
  batch?: number;
  /** Parallel image runs (default 2). */
  jobs?: number;
  /** Called after each image with counts so far. */
  progress?: (done: number, total: number, failures: number) => void;
}

/** One failing program (or image-level problem) found by fuzz(). */
export interface Failure {
  seed?: number;
  summary: string;
  /** The whole batch image and outputs, for the record. */
  run: DualRun;
}

export interface FuzzReport {
  programs: number;
  failures: Failure[];
  ms: number;
  /** Time spent generating images. */
  genMs: number;
}

/** Generates and runs `programs` random programs in batches on both emulators. */
export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const t0 = performance.now();
  // A batch image holds programs of one mode: seeds are grouped by modeOf (see gen.ts).
  const seeds = seedsFrom(o.seed, o.programs);
  const batches = (['plain', 'exceptions', 'tlb'] as const).flatMap((m) => chunks(seeds.filter((s) => modeOf(s) === m), o.batch ?? 50));
  let done = 0;
  let genMs = 0;
  const failures: Failure[] = [];
  await pool(batches, o.jobs ?? 2, async (seeds) => {
    const g0 = performance.now();
    const img = buildBatch(seeds.map((s) => generateProgram(s, o)));
    genMs += performance.now() - g0;
    const run = await runBoth(img.elf, o);
    for (const d of run.diffs) failures.push({ seed: d.seed, summary: d.summary, run });
    if (run.problem && run.diffs.length === 0) failures.push({ summary: run.problem, run });
    done += seeds.length;
    o.progress?.(done, o.programs, failures.length);
  });
  return { programs: o.programs, failures, ms: performance.now() - t0, genMs };
}

/** Writes a failing program's image, outputs and listing to `dir`/seed-XXXXXXXX/. */
export async function recordFailure(dir: string, seed: number, gen: GenOptions, opts: DualOptions = {}): Promise<{ path: string; run: DualRun }> {
  const p = generateProgram(seed, gen);
  const img = buildBatch([p]);
  const run = await runBoth(img.elf, opts);
  const path = join(dir, `seed-${seed.toString(16).padStart(8, '0')}`);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'image.elf'), img.elf);
  writeFileSync(join(path, 'qemu.txt'), run.qemu.output);
  writeFileSync(join(path, 'disco.txt'), run.disco.output);
  writeFileSync(join(path, 'listing.txt'), img.asm.listing() + '\n');
  return { path, run };
}
