// The self-checking assembly programs in guests/tests/ (exceptions, delay slots, TLB refill /
// invalid / modified, ASIDs, modes, interrupts and the timer, LL/SC, EBase/BEV) and the demo
// image: every check must pass on disco, and disco's console output must equal QEMU's Malta
// byte for byte (the directed half of the differential testing). The committed images must
// also be exactly what scripts/build-guests.sh produces from the sources.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const tests = readdirSync(join(root, 'guests/tests')).filter((f) => f.endsWith('.elf')).sort();

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
const qemu = have('qemu-system-mipsel');
const gcc = have('mipsel-linux-gnu-gcc');
if (!qemu) console.warn('skipped: qemu-system-mipsel not installed (guest programs are not compared with QEMU)');
if (!gcc) console.warn('skipped: mipsel-linux-gnu-gcc not installed (guest images are not rebuilt)');

function disco(image: string): { code: number; out: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', '-n', '500M', image], { encoding: 'utf8', timeout: 60_000 });
  return { code: p.status ?? -1, out: p.stdout + p.stderr };
}

function qemuRun(image: string): string {
  const p = spawnSync('qemu-system-mipsel', ['-M', 'malta', '-cpu', '24Kc', '-m', '64', '-nographic', '-no-reboot', '-kernel', image], {
    encoding: 'utf8', timeout: 60_000, input: '',
  });
  return p.stdout;
}

describe('guest test programs (guests/tests)', () => {
  expect(tests.length).toBeGreaterThanOrEqual(9);
  for (const t of tests) {
    const image = join(root, 'guests/tests', t);
    it(`${t}: every check passes on disco${qemu ? ' and the output equals QEMU' : ''}`, () => {
      const d = disco(image);
      const lines = d.out.split('\n').filter((l) => /^(not )?ok \d+/.test(l));
      const plan = /^1\.\.(\d+)$/m.exec(d.out);
      expect(plan, d.out).not.toBeNull();
      expect(lines.length).toBe(Number(plan![1]));
      expect(lines.filter((l) => l.startsWith('not ok')), d.out).toEqual([]);
      expect(d.code).toBe(0);
      if (qemu) expect(d.out).toBe(qemuRun(image));
    }, 60_000);
  }
  it('demo.elf runs and matches QEMU', () => {
    const image = join(root, 'guests/demo/demo.elf');
    const d = disco(image);
    expect(d.code).toBe(0);
    if (qemu) expect(d.out).toBe(qemuRun(image));
  }, 60_000);
});

describe('reproducible guest build', () => {
  it.skipIf(!gcc)('scripts/build-guests.sh --check rebuilds the committed images bit for bit', () => {
    const p = spawnSync('bash', [join(root, 'scripts/build-guests.sh'), '--check'], { encoding: 'utf8', timeout: 240_000 });
    expect(p.status, p.stdout + p.stderr).toBe(0);
  }, 240_000);
});
