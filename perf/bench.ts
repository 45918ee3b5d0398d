// `npm run bench [-- --vs-qemu] [--no-timing] [--images a,b] [--repeat N]`
// `npm run bench -- --linux [--repeat N]`: Debian's Linux boot, disco vs QEMU (perf/linux.ts)
// `npm run bench -- --smp [--repeat N]`: the guest kernel running eight pmake instances
//   (`pmake -n 8 -j 2 12 8`) on 1, 2, 4 and 8 CPUs of the bare machine: MIPS per CPU count and
//   the ratio to one CPU (the multiprocessor paths: ll/sc, IPIs, interleaving)
//
// Runs the CPU-bound bare-metal images in perf/images/ through the same entry point users run
// (`node bin/disco.js run --stats FILE IMAGE`, what `npx disco run` executes) and prints guest
// instructions per second. Two figures per image: "MIPS" over the interpreter loop (the CLI's
// own measurement, excluding process start) and "wall MIPS" over the whole process. With
// --vs-qemu each image also runs on qemu-system-mipsel -M malta in the same session and the
// wall-time ratio disco/qemu is printed. Each image also runs in the timing mode (--timing:
// caches, directory, simulated time) and its MIPS and the ratio to the functional mode are
// printed (skip with --no-timing). Peak RSS of the disco process comes from its stats.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, basename, resolve } from 'node:path';
import { benchLinux } from './linux.ts';

interface Stats {
  instructions: number;
  hostSeconds: number;
  mips: number;
  exitCode: number | null;
  peakRssMiB: number;
}

interface Row {
  image: string;
  instructions: number;
  mips: number;
  wallMips: number;
  wall: number;
  rss: number;
  qemuWall?: number;
  timingMips?: number;
  output: string;
  qemuOutput?: string;
}

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const vsQemu = args.includes('--vs-qemu');
const withTiming = !args.includes('--no-timing');
const repeat = Number(valueOf('--repeat') ?? '1');
const only = valueOf('--images')?.split(',');

function valueOf(flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function runDisco(image: string, dir: string, extra: string[] = []): { stats: Stats; wall: number; output: string } {
  const statsFile = join(dir, `${basename(image)}.json`);
  const t0 = process.hrtime.bigint();
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', '--no-progress', ...extra, '--stats', statsFile, image], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.status !== 0) throw new Error(`${image}: disco exited with ${p.status}: ${p.stderr.trim()}`);
  return { stats: JSON.parse(readFileSync(statsFile, 'utf8')) as Stats, wall, output: p.stdout };
}

function runQemu(image: string): { wall: number; output: string } | null {
  const t0 = process.hrtime.bigint();
  const p = spawnSync('qemu-system-mipsel', ['-M', 'malta', '-cpu', '24Kc', '-m', '64', '-nographic', '-no-reboot', '-kernel', image], {
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 << 20,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.error) {
    if ((p.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw p.error;
  }
  return { wall, output: p.stdout.replace(/\r\n/g, '\n') };
}

type DiscoRun = ReturnType<typeof runDisco>;

/** The fastest (least wall time) of `repeat` runs. */
function bestOf(run: () => DiscoRun): DiscoRun {
  let best: DiscoRun | null = null;
  for (let i = 0; i < repeat; i++) {
    const r = run();
    if (best === null || r.wall < best.wall) best = r;
  }
  return best!;
}

/** Rows of cells as aligned columns: the first left-aligned, the others right-aligned. */
function printTable(lines: string[][]): void {
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  for (const l of lines) console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

/** --smp: the same guest work on 1, 2, 4, 8 CPUs; MIPS and host time against one CPU. */
function benchSmp(): void {
  const tmp = mkdtempSync(join(tmpdir(), 'disco-bench-'));
  const kernel = join(root, 'guests/kernel/kernel.elf');
  const cmdline = 'pmake -n 8 -j 2 12 8';
  const lines: string[][] = [['CPUs', 'instructions', 'MIPS', 'wall s', 'wall / 1 CPU', 'checksums']];
  let one = 0;
  for (const n of [1, 2, 4, 8]) {
    const b = bestOf(() => runDisco(kernel, tmp, ['--disk', join(root, 'guests/user/fs.img'), '--cpus-per-node', String(n), '--mem', '256M', '--cmdline', cmdline]));
    if (n === 1) one = b.wall;
    const sums = [...new Set([...b.output.matchAll(/checksum ([0-9a-f]+)/g)].map((m) => m[1]))];
    lines.push([String(n), String(b.stats.instructions), b.stats.mips.toFixed(1), b.wall.toFixed(2), (b.wall / one).toFixed(2), sums.join(' ')]);
    process.stderr.write(`bench: ${n} CPU${n === 1 ? '' : 's'} done\n`);
  }
  rmSync(tmp, { recursive: true, force: true });
  console.log(`disco bench --smp — node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}: guest kernel, ${cmdline}`);
  printTable(lines);
}

function main(): void {
  if (args.includes('--smp')) {
    benchSmp();
    return;
  }
  if (args.includes('--linux')) {
    const dir = mkdtempSync(join(tmpdir(), 'disco-bench-'));
    benchLinux(repeat, dir).finally(() => rmSync(dir, { recursive: true, force: true })).catch((e: Error) => {
      console.error(e.message);
      process.exitCode = 1;
    });
    return;
  }
  const dir = join(root, 'perf/images');
  let images = readdirSync(dir).filter((f) => f.endsWith('.elf')).sort();
  if (only) images = images.filter((f) => only.includes(basename(f, '.elf')));
  if (images.length === 0) {
    console.error('bench: no images in perf/images (build them with scripts/build-guests.sh)');
    process.exit(1);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'disco-bench-'));
  const rows: Row[] = [];
  let qemuMissing = false;
  for (const f of images) {
    const image = join(dir, f);
    const b = bestOf(() => runDisco(image, tmp));
    const row: Row = {
      image: basename(f, '.elf'),
      instructions: b.stats.instructions,
      mips: b.stats.mips,
      wallMips: b.stats.instructions / b.wall / 1e6,
      wall: b.wall,
      rss: b.stats.peakRssMiB,
      output: b.output,
    };
    if (withTiming) {
      let bestT = 0;
      for (let i = 0; i < repeat; i++) bestT = Math.max(bestT, runDisco(image, tmp, ['--timing']).stats.mips);
      row.timingMips = bestT;
    }
    if (vsQemu) {
      const q = runQemu(image);
      if (q === null) qemuMissing = true;
      else { row.qemuWall = q.wall; row.qemuOutput = q.output; }
    }
    rows.push(row);
    process.stderr.write(`bench: ${row.image} done\n`);
  }
  rmSync(tmp, { recursive: true, force: true });

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`disco bench — node ${process.version}, ${cpu}, ${cpus().length} cores`);
  const head = ['image', 'instructions', 'MIPS', 'wall MIPS', 'wall s', 'peak RSS MiB'];
  if (withTiming) head.push('timing MIPS', 'timing/functional');
  if (vsQemu && !qemuMissing) head.push('qemu wall s', 'disco/qemu', 'same output');
  const lines: string[][] = [head];
  for (const r of rows) {
    const l = [r.image, String(r.instructions), r.mips.toFixed(1), r.wallMips.toFixed(1), r.wall.toFixed(2), String(r.rss)];
    if (withTiming) l.push((r.timingMips ?? 0).toFixed(1), ((r.timingMips ?? 0) / r.mips).toFixed(2));
    if (vsQemu && !qemuMissing && r.qemuWall !== undefined) {
      l.push(r.qemuWall.toFixed(2), (r.wall / r.qemuWall).toFixed(2), r.qemuOutput === r.output ? 'yes' : 'NO');
    }
    lines.push(l);
  }
  printTable(lines);
  if (qemuMissing) console.log('skipped: qemu-system-mipsel not installed (no --vs-qemu ratios)');
}

main();
