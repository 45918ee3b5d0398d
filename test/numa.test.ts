// The timing mode's memory system: known-answer access patterns (guests/smp/numa.elf) and
// the cache/directory model driven directly. Each pattern is compared with a baseline run of
// the same image whose only difference is the pattern, so the expected figures are exact.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Machine, type MachineStats } from '../cpu/machine.ts';
import { DEFAULT_TIMING, type TimingConfig } from '../cpu/config.ts';
import { MemorySystem, ACCESS_LOAD, ACCESS_STORE } from '../cpu/numa.ts';
import { TranslationCache, TC_INVALID } from '../cpu/tcache.ts';

const root = resolve(import.meta.dirname, '..');
const image = readFileSync(join(root, 'guests/smp/numa.elf'));
const MB = 1 << 20;
const LOCAL = 60; // 300 ns at 200 MHz
const REMOTE = 180; // 900 ns at 200 MHz

function run(cmdline: string, timing: Partial<TimingConfig> = {}, setup?: (m: Machine) => void): { out: string; stats: MachineStats; m: Machine } {
  let out = '';
  const m = new Machine({
    nodes: 2, cpusPerNode: 1, memPerNode: 64 * MB, quantum: 100,
    out: (b) => { out += String.fromCharCode(b); },
    timing: { ...DEFAULT_TIMING, enabled: true, ...timing },
  });
  m.load(image, 'numa.elf', cmdline);
  setup?.(m);
  const r = m.run({ maxInstructions: 50_000_000 });
  expect(r.reason, out).toBe('halt');
  expect(r.exitCode, out).toBe(0);
  return { out, stats: m.stats(), m };
}

const cache = (s: MachineStats, cpu = 0): Record<string, number> => s.cpus[cpu].cache!;

describe('timing mode: access patterns with known answers', () => {
  const N = 2048; // lines: 256 KiB, beyond the L1 and well inside the L2
  const base = run('local 0');

  // The runs differ slightly outside the pattern (command parsing, printing the result), so
  // whole-run differences get a small slack; figures that only the pattern produces are exact.
  const SLACK = 16;
  const near = (got: number, want: number): void => {
    expect(got).toBeGreaterThanOrEqual(want);
    expect(got).toBeLessThanOrEqual(want + SLACK);
  };

  it('a CPU streaming through its own node is all local', () => {
    const r = run(`local ${N}`);
    near(cache(r.stats).localMisses - cache(base.stats).localMisses, N);
    expect(cache(r.stats).remoteMisses).toBe(0);
    near(cache(r.stats).l1dMisses - cache(base.stats).l1dMisses, N);
    near(r.stats.nodes[0].missesServedLocal! - base.stats.nodes[0].missesServedLocal!, N);
  });

  it('streaming through another node costs exactly the remote latency per line', () => {
    const local = run(`local ${N}`);
    const remote = run(`remote ${N}`);
    expect(cache(remote.stats).remoteMisses).toBe(N);
    expect(Math.abs(cache(local.stats).localMisses - cache(remote.stats).localMisses - N)).toBeLessThanOrEqual(SLACK);
    // The same run on the ideal uniform machine differs only in those N misses' latency.
    const ideal = run(`remote ${N}`, { uniform: true });
    expect(ideal.stats.instructions).toBe(remote.stats.instructions);
    expect(remote.stats.cpus[0].cycles - ideal.stats.cpus[0].cycles).toBe(N * (REMOTE - LOCAL));
    expect(remote.stats.nodes[1].missesServedRemote).toBe(N);
    expect(remote.stats.nodes[1].memInUseBytes).toBe(N * 128);
  });

  it('the per-page, per-node miss counters match (32 lines per 4 KiB page)', () => {
    const r = run(`remote ${N}`);
    const mem = r.m.mem!;
    const firstPage = (64 * MB + 0x400000) / 4096;
    for (let p = 0; p < N / 32; p++) {
      expect(mem.misses(firstPage + p, 0)).toBe(32);
      expect(mem.misses(firstPage + p, 1)).toBe(0);
    }
    expect(mem.misses(firstPage + N / 32, 0)).toBe(0);
    mem.resetMisses(firstPage);
    expect(mem.misses(firstPage, 0)).toBe(0);
    expect(mem.misses(firstPage + 1, 0)).toBe(32);
  });

  it('sampling counts one miss in K, and the hot-page threshold notifies once', () => {
    const r = run(`remote ${N}`, { missSampling: 4 });
    const mem = r.m.mem!;
    const firstPage = (64 * MB + 0x400000) / 4096;
    let total = 0;
    for (let p = 0; p < N / 32; p++) total += mem.misses(firstPage + p, 0);
    expect(total).toBe(N / 4);
    const hot: Array<[number, number, number]> = [];
    run(`remote ${N}`, { hotPageThreshold: 20 }, (m) => { m.mem!.hotPageListener = (p, n, c) => hot.push([p, n, c]); });
    const bufferPages = hot.filter(([p]) => p >= firstPage && p < firstPage + N / 32);
    expect(bufferPages).toEqual(Array.from({ length: N / 32 }, (_, i) => [firstPage + i, 0, 20]));
  });

  it('the ideal uniform machine charges every miss at local latency', () => {
    const ideal = run(`remote ${N}`, { uniform: true });
    expect(cache(ideal.stats).remoteMisses).toBe(0);
    near(cache(ideal.stats).localMisses - cache(base.stats).localMisses, N);
  });

  it('a ping-pong of one line between two nodes produces invalidations', () => {
    const T = 500;
    const r = run(`pingpong ${T}`);
    expect(r.out).toContain(`-> ${2 * T}`);
    const inv = cache(r.stats, 0).invalidationsSent + cache(r.stats, 1).invalidationsSent;
    // Every turn moves the line to the writer: at least one invalidation per turn and CPU.
    expect(inv).toBeGreaterThanOrEqual(2 * T - 2);
    expect(inv).toBeLessThanOrEqual(4 * T + 8);
    expect(cache(r.stats, 1).remoteMisses).toBeGreaterThanOrEqual(T);
  });

  it('is deterministic', () => {
    const a = run('pingpong 200').stats;
    const b = run('pingpong 200').stats;
    expect(b).toEqual(a);
  });
});

describe('memory system model', () => {
  const cfg: TimingConfig = { ...DEFAULT_TIMING, enabled: true, l1d: { size: 1024, assoc: 2 }, l1i: { size: 1024, assoc: 2 }, l2: { size: 4096, assoc: 2 } };
  const mk = (): { mem: MemorySystem; tcs: TranslationCache[] } => {
    const tcs = [new TranslationCache(), new TranslationCache()];
    return { mem: new MemorySystem(cfg, 8 * MB, 2, 4 * MB, [0, 1], tcs), tcs };
  };

  it('charges L2 hits, local and remote misses from the table', () => {
    const { mem } = mk();
    expect(mem.access(0, 0x1000, 0x1000, ACCESS_LOAD, true, true)).toBe(LOCAL);
    expect(mem.access(0, 0x1000, 0x1000, ACCESS_LOAD, true, true)).toBe(0); // L1 hit
    expect(mem.access(0, 4 * MB + 0x80, 4 * MB + 0x80, ACCESS_LOAD, true, true)).toBe(REMOTE);
    // Evict 0x1000 from the 2-way L1 with two more lines of its set (8 sets of 128 B).
    mem.access(0, 0x1000 + 1024, 0x1000 + 1024, ACCESS_LOAD, true, true);
    mem.access(0, 0x1000 + 2048, 0x1000 + 2048, ACCESS_LOAD, true, true);
    expect(mem.access(0, 0x1000, 0x1000, ACCESS_LOAD, true, true)).toBe(DEFAULT_TIMING.l2HitCycles);
    expect(mem.access(0, 0x80, 0x80, ACCESS_LOAD, false, true)).toBe(LOCAL); // uncached
  });

  it('keeps one writer or many readers, and the translation cache follows', () => {
    const { mem, tcs } = mk();
    mem.access(0, 0x2000, 0x2000, ACCESS_LOAD, true, true);
    mem.access(1, 0x2000, 0x2000, ACCESS_LOAD, true, true);
    expect(mem.lineState(0, 0x2000)).toBe('S');
    expect(mem.lineState(1, 0x2000)).toBe('S');
    // CPU 1 writes: an upgrade at the home (node 0, remote for CPU 1) invalidating CPU 0.
    expect(mem.access(1, 0x2000, 0x2000, ACCESS_STORE, true, true)).toBe(REMOTE);
    expect(mem.lineState(0, 0x2000)).toBe('I');
    expect(mem.lineState(1, 0x2000)).toBe('M');
    const i = (0x2000 >>> 7) & 511;
    expect(tcs[0].rtag[i]).toBe(TC_INVALID); // CPU 0's fast path no longer hits the line
    expect(tcs[1].wtag[i]).toBe(0x2000);
    expect(mem.counters[1].invalidationsSent).toBe(1);
    expect(mem.counters[1].upgrades).toBe(1);
    // CPU 0 reads it back: the dirty copy is supplied by CPU 1 (on node 1: remote), which keeps
    // it shared without write permission.
    expect(mem.access(0, 0x2000, 0x2000, ACCESS_LOAD, true, true)).toBe(REMOTE);
    expect(mem.lineState(1, 0x2000)).toBe('S');
    expect(tcs[1].wtag[i]).toBe(TC_INVALID);
  });
});
