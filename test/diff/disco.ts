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

/**
 * Runs the image on disco configured like QEMU's Malta 24Kc: 16 TLB entry pairs (disco defaults
 * to 64), 64 MiB. A run that does not halt is stopped after 2 G instructions (exit code 124).
 */
export function runDisco(path: string, opts: RunOptions = {}): Promise<RunResult> {
  const args = [DISCO_BIN, 'run', '--tlb-entries', '16', '--no-progress', '-n', '2G', '--mem', `${opts.memMiB ?? 64}M`, path];
  return runProcess(process.execPath, args, opts.timeoutMs ?? 120_000);
}
