// Runs an ELF image on QEMU's Malta board and captures the console (PIIX4 COM1 = serial0).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The QEMU binary; DISCO_QEMU overrides it (e.g. to check the skip path). */
export const QEMU = process.env.DISCO_QEMU ?? 'qemu-system-mipsel';

/** The outcome of one emulator run. */
export interface RunResult {
  /** Console output with CR LF normalised to LF. */
  output: string;
  /** Process exit code, or null when killed. */
  code: number | null;
  timedOut: boolean;
  /** Wall-clock milliseconds. */
  ms: number;
}

let available: boolean | undefined;

/** Whether qemu-system-mipsel can be started. */
export function qemuAvailable(): boolean {
  if (available === undefined) {
    const r = spawnSync(QEMU, ['--version'], { stdio: 'ignore' });
    available = r.status === 0;
  }
  return available;
}

export interface RunOptions {
  /** Kill the run after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  /** RAM in MiB (default 64). */
  memMiB?: number;
}

/**
 * Runs a child process to completion with a time limit, collecting stdout (stderr appended).
 * Shared by the QEMU and disco runners.
 */
export function runProcess(cmd: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      let output = Buffer.concat(out).toString('latin1').replace(/\r\n/g, '\n');
      const e = Buffer.concat(err).toString('latin1');
      if (e) output += (output.endsWith('\n') || !output ? '' : '\n') + `[stderr] ${e}`;
      resolve({ output, code, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** Writes `elf` to a temporary file, calls `f` with its path, then removes it. */
export async function withImageFile<T>(elf: Uint8Array, f: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'disco-diff-'));
  const path = join(dir, 'image.elf');
  writeFileSync(path, elf);
  try {
    return await f(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the image file at `path` on `qemu-system-mipsel -M malta -cpu 24Kc`. QEMU exits when the
 * guest writes 0x42 to SOFTRES (-no-reboot turns the reset into an exit); the halt register is
 * disco's alone, so QEMU's exit code is always 0 for a guest that finished.
 */
export function runQemu(path: string, opts: RunOptions = {}): Promise<RunResult> {
  const args = [
    '-M', 'malta', '-cpu', '24Kc', '-m', String(opts.memMiB ?? 64),
    '-nographic', '-no-reboot', '-kernel', path,
  ];
  return runProcess(QEMU, args, opts.timeoutMs ?? 30_000);
}
