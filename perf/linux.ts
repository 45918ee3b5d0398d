// Booting Debian's Malta kernel on disco and on QEMU, for `npm run bench -- --linux` and
// test/linux.test.ts (docs/linux.md): the reference command, a runner that times the /init
// marker and the power-off, and the comparison of the two consoles.
//
// The reference is QEMU's Malta with the same CPU and devices as disco's full board:
//   qemu-system-mipsel -M malta -cpu 24Kc -m 256 -vga none -nic none -kernel vmlinuz
//     -initrd initramfs.cpio.gz -append 'console=ttyS0 rdinit=/init' -nographic -no-reboot
// (-cpu 24Kc: no FPU, as disco; -vga none -nic none: disco has no Cirrus VGA and no PCnet.)

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const LINUX_DIR = resolve(ROOT, '.cache', 'linux');
export const KERNEL = resolve(LINUX_DIR, 'vmlinuz');
export const INITRD = resolve(LINUX_DIR, 'initramfs.cpio.gz');
export const CMDLINE = 'console=ttyS0 rdinit=/init';
/** The line /init prints first (scripts/fetch-linux.sh). */
export const MARKER = 'DISCO-LINUX-INIT';

export const QEMU_ARGS = ['-M', 'malta', '-cpu', '24Kc', '-m', '256', '-vga', 'none', '-nic', 'none',
  '-kernel', KERNEL, '-initrd', INITRD, '-append', CMDLINE, '-nographic', '-no-reboot'];

/**
 * Make sure the kernel and initramfs are cached (runs scripts/fetch-linux.sh, which does
 * nothing when they are). Returns null on success, or the reason they cannot be had.
 */
export function fetchLinux(): string | null {
  const p = spawnSync('bash', [resolve(ROOT, 'scripts', 'fetch-linux.sh')], { encoding: 'utf8', timeout: 600_000 });
  if (p.status === 0 && existsSync(KERNEL) && existsSync(INITRD)) return null;
  const why = `${p.stderr ?? ''}${p.error ? String(p.error) : ''}`.trim().split('\n').pop();
  return why || `fetch-linux.sh exited with ${p.status}`;
}

export interface TimedRun {
  /** Console output, "\r\n" folded to "\n". */
  output: string;
  /** Seconds from spawn to the marker line (null if it never came). */
  marker: number | null;
  /** Seconds from spawn to exit. */
  total: number;
  status: number | null;
  stderr: string;
}

/** Run a command, timing the first stdout line containing `marker` and the exit. */
export function runTimed(cmd: string, args: string[], timeoutMs: number): Promise<TimedRun> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const secs = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let marker: number | null = null;
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.stdout.setEncoding('latin1');
    p.stdout.on('data', (d: string) => {
      out += d;
      if (marker === null && out.includes(MARKER)) marker = secs();
    });
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => { err += d; });
    p.on('error', (e) => { clearTimeout(timer); fail(e); });
    p.on('close', (status) => {
      clearTimeout(timer);
      done({ output: out.replace(/\r\n/g, '\n'), marker, total: secs(), status, stderr: err });
    });
  });
}

/** disco's side: `node bin/disco.js run --linux` (the fetched kernel and initramfs). */
export function runDiscoLinux(statsFile: string, timeoutMs = 3_600_000): Promise<TimedRun> {
  return runTimed(process.execPath, [resolve(ROOT, 'bin', 'disco.js'), 'run', '--linux', '--no-progress', '--stats', statsFile], timeoutMs);
}

/** QEMU's side, or null when qemu-system-mipsel is not installed. */
export async function runQemuLinux(timeoutMs = 600_000): Promise<TimedRun | null> {
  if (spawnSync('qemu-system-mipsel', ['--version']).error) return null;
  return runTimed('qemu-system-mipsel', QEMU_ARGS, timeoutMs);
}

/**
 * Lines whose content depends on timing, on the wall clock, or on how disco's CP0 describes the
 * 24Kc (cache geometry, watch registers, MIPS16, EJTAG, UserLocal; see docs/linux.md). Each rule
 * rewrites both consoles' line to the same placeholder, so only the kind of line must match.
 */
const MASKS: ReadonlyArray<readonly [RegExp, string]> = [
  // Timing: clock calibration against the RTC, the delay loop, derived clocksource figures.
  [/^CPU frequency .* MHz$/, 'CPU frequency <timing>'],
  [/^clocksource: MIPS: mask: 0xffffffff max_cycles: 0xffffffff, max_idle_ns: \d+ ns$/, 'clocksource: MIPS <timing>'],
  [/^sched_clock: 32 bits at \d+MHz, resolution \d+ns, wraps every \d+ns$/, 'sched_clock <timing>'],
  [/^Calibrating delay loop\.\.\. [\d.]+ BogoMIPS \(lpj=\d+\)$/, 'Calibrating delay loop <timing>'],
  [/^BogoMIPS\t\t: [\d.]+$/, 'BogoMIPS <timing>'],
  // Wall-clock time: QEMU's RTC starts at the host's time, disco's at 2000-01-01.
  [/^audit: type=2000 audit\(\d+\.\d+:1\): (.*)$/, 'audit: type=2000 audit(<time>): $1'],
  [/^rtc_cmos 70\.rtc: setting system clock to \S+ UTC \(\d+\)$/, 'rtc_cmos 70.rtc: setting system clock to <time>'],
  // CPU configuration registers.
  [/^Primary instruction cache .*$/, 'Primary instruction cache <config>'],
  [/^Primary data cache .*$/, 'Primary data cache <config>'],
  [/^PCI: CLS 0 bytes, default \d+$/, 'PCI: CLS 0 bytes, default <cache line>'],
  [/^hardware watchpoint\t: .*$/, 'hardware watchpoint <config>'],
  [/^ASEs implemented\t:.*$/, 'ASEs implemented <config>'],
  [/^Options implemented\t: .*$/, 'Options implemented <config>'],
];

/**
 * Messages printed by concurrent kernel threads (the asynchronous initramfs unpacking, the audit
 * thread, the serio worker that probes the keyboard), whose place among the other lines depends
 * on scheduling and, on QEMU, on the host's speed: compared as present in both, not by position.
 */
const FLOATING: ReadonlyArray<RegExp> = [
  /^Trying to unpack rootfs image as initramfs\.\.\.$/,
  /^Freeing initrd memory: \d+K$/,
  /^audit: type=2000 /,
  /^Initialise system trusted keyrings$/,
  /^input: AT Raw Set 2 keyboard as \/devices\/platform\/i8042\/serio0\/input\/input0$/,
];

/** A console reduced for comparison: timestamps removed, masked lines rewritten. */
export function normalizeConsole(text: string): { lines: string[]; floating: string[] } {
  const lines: string[] = [];
  const floating: string[] = [];
  const raw = text.replace(/\r/g, '').split('\n').map((l) => l.replace(/^\[ *\d+\.\d+\] /, ''));
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i];
    // printk's pr_cont: when the calibration takes long in real time (QEMU on a loaded host)
    // the console prints "Calibrating delay loop... " before its continuation arrives, and the
    // BogoMIPS figure lands on a line of its own. One line, as when it does not.
    if (/^Calibrating delay loop\.\.\. $/.test(line) && i + 1 < raw.length && /^[\d.]+ BogoMIPS \(lpj=\d+\)$/.test(raw[i + 1])) {
      line += raw[++i];
    }
    for (const [re, to] of MASKS) if (re.test(line)) { line = line.replace(re, to); break; }
    if (FLOATING.some((re) => re.test(line))) floating.push(line);
    else lines.push(line);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { lines, floating: floating.sort() };
}

/**
 * Differences between QEMU's console and disco's after normalisation: one entry per line that
 * differs (with its line number), empty when they match line for line.
 */
export function compareConsoles(qemu: string, disco: string): string[] {
  const a = normalizeConsole(qemu), b = normalizeConsole(disco);
  const diffs: string[] = [];
  const n = Math.max(a.lines.length, b.lines.length);
  for (let i = 0; i < n; i++) {
    if (a.lines[i] !== b.lines[i]) diffs.push(`line ${i + 1}: qemu ${JSON.stringify(a.lines[i] ?? null)} disco ${JSON.stringify(b.lines[i] ?? null)}`);
    if (diffs.length >= 20) break;
  }
  if (a.floating.join('\n') !== b.floating.join('\n')) diffs.push(`floating lines: qemu ${JSON.stringify(a.floating)} disco ${JSON.stringify(b.floating)}`);
  return diffs;
}

interface DiscoStats { instructions: number; mips: number; hostSeconds: number; stop: string; detail: string }

/**
 * `npm run bench -- --linux [--repeat N]`: boot on disco, then on QEMU (one after the other, so
 * they do not compete for the host), and print wall times to the /init marker and to power-off,
 * the ratios disco/QEMU, the guest instruction count and MIPS, and whether the consoles match.
 * With --repeat N, each figure is the best of N runs.
 */
export async function benchLinux(repeat: number, statsDir: string): Promise<void> {
  const why = fetchLinux();
  if (why !== null) throw new Error(`bench --linux: cannot fetch the kernel (${why})`);
  let best: { disco: TimedRun; qemu: TimedRun | null; stats: DiscoStats } | null = null;
  const { readFileSync } = await import('node:fs');
  for (let r = 0; r < repeat; r++) {
    const statsFile = resolve(statsDir, `linux-${r}.json`);
    const disco = await runDiscoLinux(statsFile);
    if (disco.status !== 0) throw new Error(`disco exited with ${disco.status}: ${disco.stderr.trim()}`);
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as DiscoStats;
    const qemu = await runQemuLinux();
    if (best === null) best = { disco, qemu, stats };
    else {
      if ((disco.marker ?? Infinity) < (best.disco.marker ?? Infinity)) best.disco = { ...disco };
      if (disco.total < best.disco.total) best.disco.total = disco.total;
      if (qemu && best.qemu && (qemu.marker ?? Infinity) < (best.qemu.marker ?? Infinity)) best.qemu.marker = qemu.marker;
      if (qemu && best.qemu && qemu.total < best.qemu.total) best.qemu.total = qemu.total;
      if (stats.mips > best.stats.mips) best.stats = stats;
    }
  }
  if (best === null) return;
  const { disco, qemu, stats } = best;
  const f = (s: number | null | undefined): string => (s === null || s === undefined ? '-' : s.toFixed(2));
  const ratio = (a: number | null | undefined, b: number | null | undefined): string => (a && b ? (a / b).toFixed(2) : '-');
  const rows = [
    ['', 'to /init marker (s)', 'to power-off (s)'],
    ['disco', f(disco.marker), f(disco.total)],
    ['QEMU', f(qemu?.marker), f(qemu?.total)],
    ['disco/QEMU', ratio(disco.marker, qemu?.marker), ratio(disco.total, qemu?.total)],
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
  console.log(`disco: ${(stats.instructions / 1e9).toFixed(2)} G guest instructions to power-off, ${stats.mips} MIPS (interpreter loop), stop: ${stats.stop} (${stats.detail})`);
  if (qemu === null) console.log('QEMU: qemu-system-mipsel not installed');
  else {
    const diffs = compareConsoles(qemu.output, disco.output);
    console.log(diffs.length === 0 ? 'consoles: identical after normalisation (docs/linux.md)' : `consoles differ:\n  ${diffs.join('\n  ')}`);
  }
}
