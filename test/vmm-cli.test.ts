// `disco run --vms N` as users see it: prefixed consoles (plain when piped), exit statuses of
// stopped VMs, one line per stopped VM, --stats per-VM figures, --console-dir, option errors;
// and `disco memory`'s table, CSV and option errors.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const vt = (name: string): string => join(root, 'guests/vmtests', `${name}.elf`);
let dir = '';

function disco(...args: string[]): { code: number; out: string; err: string } {
  return command('run', ...args);
}

function command(...args: string[]): { code: number; out: string; err: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'disco-vmcli-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('disco run --vms', () => {
  it('prefixes each VM console line with its name, no colour when piped; exit 0', () => {
    const r = disco('--vms', '2', '--vm-mem', '16M', '--cmdline', 'x', vt('priv'));
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.every((l) => /^\[vm[01]\] /.test(l))).toBe(true);
    expect(r.out).not.toContain('\x1b[');
    const bare = disco('--mem', '16M', '--cmdline', 'x', vt('priv'));
    for (const n of [0, 1]) {
      const mine = lines.filter((l) => l.startsWith(`[vm${n}] `)).map((l) => l.slice(6)).join('\n') + '\n';
      expect(mine).toBe(bare.out);
    }
    expect(r.err).toBe('');
  }, 60_000);

  it('a stopped VM: one line on stderr, its status as the exit code, the other VM finishes', () => {
    for (const [mode, status, text] of [['deadlock', 125, 'executed wait with interrupts disabled'], ['bev', 126, 'Status.BEV'], ['loop', 124, 'instruction limit']] as const) {
      const r = disco('--vms', '1', '--vm-mem', '16M', '-n', '3M', '--cmdline', mode, vt('attack'));
      expect(r.code, r.err).toBe(status);
      const err = r.err.trimEnd().split('\n');
      expect(err.length).toBe(1);
      expect(err[0]).toMatch(/^disco: vm0 stopped after \d+ instructions: /);
      expect(err[0]).toContain(text);
    }
  }, 60_000);

  it('--stats: per-VM traps, TLB misses by who answered, monitor time, memory', () => {
    const f = join(dir, 's.json');
    const r = disco('--vms', '2', '--vm-mem', '16M', '--stats', f, vt('priv'));
    expect(r.code).toBe(0);
    const s = JSON.parse(readFileSync(f, 'utf8'));
    expect(s.vms).toHaveLength(2);
    const v = s.vms[0];
    expect(v.stop).toBe('halt');
    expect(v.exitCode).toBe(0);
    expect(v.traps.CpU).toBeGreaterThan(100);
    expect(v.emulated.tlbwi).toBeGreaterThan(10);
    expect(v.tlbMisses.window).toBeGreaterThan(100);
    expect(v.tlbMisses.reflected.refill).toBeGreaterThan(5);
    expect(v.l2tlbHitRate).toBeGreaterThan(0);
    expect(v.monitorCycles).toBeGreaterThan(0);
    expect(Object.keys(v.overheadBy)).toContain('privileged');
    expect(v.memory.guestBytes).toBe(16 << 20);
    expect(v.memory.peakBytes).toBeGreaterThan(1 << 20);
    expect(s.monitor.pcpus[0].vcpuSwitches).toBeGreaterThan(2);
    expect(s.instructions).toBeGreaterThan(v.instructions);
  }, 60_000);

  it('--console-dir writes each console to its own file', () => {
    const d = join(dir, 'logs');
    const r = disco('--vms', '2', '--vm-mem', '16M', '--console-dir', d, vt('hcall'));
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    for (const n of [0, 1]) expect(readFileSync(join(d, `vm${n}.log`), 'utf8')).toContain('hcall: 0 failure(s)');
  }, 60_000);

  it('option errors are one line', () => {
    for (const args of [['--vm-mem', '16M', vt('priv')], ['--vms', '2', '--vm-mem', '1536K', vt('priv')], ['--vms', '0', vt('priv')], ['--vms', '1', '--vm-mem', '512M', vt('priv')]]) {
      const r = disco(...args);
      expect(r.code).toBe(1);
      expect(r.err.trimEnd().split('\n').filter((l) => !l.startsWith('(run with --help')).length, r.err).toBe(1);
    }
  });
});

describe('disco memory', () => {
  it('split: the table and the CSV for 1 and 2 VMs sharing 2 instances; replicate with --vm-mem', () => {
    const csv = join(dir, 'm.csv');
    const r = command('memory', '--instances', '2', '--vms', '1,2', '--workload', 'pmake -j 1 2 2', '--total-mem', '32M', '--csv', csv);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^2 x "pmake -j 1 2 2" split among the VMs, no content scan$/m);
    expect(r.out).toMatch(/^pmake x1 .* yes$/m);
    expect(r.out).toMatch(/^pmake x2 .* yes$/m);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/^pmake x1,1,[\d.]+,[\d.]+,1,/);
    const rep = command('memory', '--layout', 'replicate', '--vms', '1,2', '--workload', 'pmake 2 2', '--vm-mem', '16M');
    expect(rep.code, rep.err).toBe(0);
    expect(rep.out).toMatch(/^"pmake 2 2" in every VM, no content scan$/m);
  }, 120_000);

  it('option errors are one line, exit 1', () => {
    for (const [args, text] of [
      [['--vms', '1,3'], /the split layout divides the 8 instances evenly, 3 VMs cannot/],
      [['--vm-mem', '16M'], /--vm-mem is for --layout replicate/],
      [['--layout', 'replicate', '--total-mem', '64M'], /--total-mem is for the split layout/],
      [['--layout', 'spread'], /give "split" or "replicate"/],
      [['--workload', 'eng 4 8192 8'], /--workload: the split layout runs instances of pmake/],
      [['--total-mem', '16M'], /--total-mem: 8 VMs would get 2 MiB each; a VM has 4 to 256 MiB/],
    ] as const) {
      const r = command('memory', ...args);
      expect(r.code, r.err).toBe(1);
      const lines = r.err.trimEnd().split('\n').filter((l) => !l.startsWith('(run with --help'));
      expect(lines, r.err).toHaveLength(1);
      expect(lines[0]).toMatch(text);
    }
  });
});
