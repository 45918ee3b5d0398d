// Runs an ELF image on disco (`node bin/disco.js run IMAGE`): the guest's UART output on stdout,
// the guest's exit code as the process exit code.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess, type RunOptions, type RunResult } from './qemu.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DISCO_BIN = join(ROOT, 'bin', 'disco.js');

/** Whether the disco CLI is present (vmm/cli.ts exists). */
export function discoAvailable(): boolean {
  return existsSync(join(ROOT, 'vmm', 'cli.ts'));
}

export function runDisco(path: string, opts: RunOptions = {}): Promise<RunResult> {
  const args = [DISCO_BIN, 'run', path];
  if (opts.memMiB !== undefined) args.push('--mem', String(opts.memMiB));
  return runProcess(process.execPath, args, opts.timeoutMs ?? 120_000);
}
