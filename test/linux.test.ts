// Whole-system boot: Debian's own Linux 6.1 kernel for the Malta (linux-image-4kc-malta) with a
// busybox initramfs, on disco's full Malta board (`disco run --linux`), compared line for line
// with QEMU's console for the same kernel and initramfs (docs/linux.md). /init prints a marker,
// runs `uname -a`, `cat /proc/cpuinfo`, a 100,000-step shell loop, `md5sum` of a file, and
// `poweroff -f`, which must end disco's run with exit code 0.
//
// The kernel and busybox come from Debian's archive through scripts/fetch-linux.sh (cached in
// .cache/linux); where they cannot be fetched the test prints `skipped: ...` and passes.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER, compareConsoles, fetchLinux, runDiscoLinux, runQemuLinux } from '../perf/linux.ts';

/** What the /init loop prints: s = (s * 31 + i) mod 1000003 over i < 100000. */
function loopChecksum(): number {
  let s = 0;
  for (let i = 0; i < 100000; i++) s = (s * 31 + i) % 1000003;
  return s;
}

/** md5 of /etc/disco-test.txt as scripts/fetch-linux.sh writes it. */
function testFileMd5(): string {
  let text = '';
  for (let i = 0; i < 64; i++) text += `disco test line ${i}: the quick brown fox jumps over the lazy dog\n`;
  return createHash('md5').update(text).digest('hex');
}

describe('Linux on the full Malta board', () => {
  it('boots to /init, runs the commands, powers off with exit code 0, and matches QEMU\'s console', async () => {
    const why = fetchLinux();
    if (why !== null) {
      console.warn(`skipped: Debian's kernel and busybox could not be fetched (${why})`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'disco-linux-'));
    try {
      const statsFile = join(dir, 'stats.json');
      const [disco, qemu] = await Promise.all([runDiscoLinux(statsFile), runQemuLinux()]);
      expect(disco.stderr).toBe('');
      expect(disco.status).toBe(0);
      const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { stop: string; detail: string; instructions: number };
      expect(stats.stop).toBe('halt');
      expect(stats.detail).toBe('power off');
      const lines = disco.output.split('\n');
      expect(lines).toContain(MARKER);
      expect(lines.some((l) => /^Linux \(none\) 6\.1\.\d+-\d+-4kc-malta #1 SMP Debian .* mips GNU\/Linux$/.test(l))).toBe(true);
      expect(lines).toContain('cpu model\t\t: MIPS 24Kc V0.0');
      expect(lines).toContain(`loop checksum: ${loopChecksum()}`);
      expect(lines).toContain(`${testFileMd5()}  /etc/disco-test.txt`);
      expect(lines.some((l) => /^\[ *\d+\.\d+\] reboot: Power down$/.test(l))).toBe(true);
      if (qemu === null) {
        console.warn('skipped: qemu-system-mipsel not installed (the console is not compared with QEMU)');
        return;
      }
      expect(qemu.output).toContain(MARKER);
      expect(compareConsoles(qemu.output, disco.output)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 3_600_000);
});

describe('comparing Linux consoles', () => {
  it('a delay-loop line whose BogoMIPS continuation came on a line of its own compares equal', () => {
    const joined = '[    0.010000] Calibrating delay loop... 3624.96 BogoMIPS (lpj=7249920)\n[    0.020000] pid_max: default: 32768 minimum: 301\n';
    const split = '[    0.010000] Calibrating delay loop... \n3624.96 BogoMIPS (lpj=7249920)\n[    0.020000] pid_max: default: 32768 minimum: 301\n';
    const disco = '[    0.011000] Calibrating delay loop... 199.68 BogoMIPS (lpj=399360)\n[    0.021000] pid_max: default: 32768 minimum: 301\n';
    expect(compareConsoles(split, disco)).toEqual([]);
    expect(compareConsoles(joined, disco)).toEqual([]);
    // other lines still count
    expect(compareConsoles(split, disco.replace('32768', '4096'))).toHaveLength(1);
  });
});
