// The multiprocessor machine: topology, the node controller, deterministic interleaving and
// LL/SC across CPUs, checked with guests/smp/smp.elf (spinlock, atomic add, barrier, ring) on
// 1, 2, 4 and 8 CPUs, and with the machine model directly.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import { ConfigError, configFromJson, parseMachineFile } from '../cpu/config.ts';
import { assemble } from './cpu/helpers.ts';

const root = resolve(import.meta.dirname, '..');
const smp = join(root, 'guests/smp/smp.elf');

function disco(...args: string[]): { code: number; out: string; err: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

function tap(out: string): { oks: number; fails: string[]; plan: number } {
  const lines = out.split('\n');
  return {
    oks: lines.filter((l) => /^ok \d+/.test(l)).length,
    fails: lines.filter((l) => /^not ok/.test(l)),
    plan: Number(/^1\.\.(\d+)$/m.exec(out)?.[1] ?? -1),
  };
}

describe('SMP programs', () => {
  for (const [nodes, cpn, quantum] of [[1, 1, 1000], [1, 2, 1000], [2, 2, 1000], [4, 2, 1000], [2, 2, 3], [4, 1, 17]]) {
    it(`smp.elf on ${nodes} node(s) x ${cpn} CPU(s), quantum ${quantum}`, () => {
      const r = disco('--nodes', String(nodes), '--cpus-per-node', String(cpn), '--quantum', String(quantum), '-n', '300M', smp);
      const t = tap(r.out);
      expect(r.out).toContain(`# smp: ${nodes * cpn} CPUs on ${nodes} nodes`);
      expect(t.fails, r.out + r.err).toEqual([]);
      expect(t.oks).toBe(t.plan);
      expect(t.plan).toBe(nodes * cpn >= 2 ? 6 : 5);
      expect(r.code).toBe(0);
    }, 120_000);
  }

  it('is deterministic: same configuration, same statistics and output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'disco-smp-'));
    try {
      const runs = [0, 1].map((i) => {
        const f = join(dir, `s${i}.json`);
        const r = disco('--nodes', '2', '--cpus-per-node', '2', '--quantum', '50', '--stats', f, smp);
        const s = JSON.parse(readFileSync(f, 'utf8'));
        delete s.hostSeconds; delete s.mips; delete s.peakRssMiB;
        return { out: r.out, stats: s };
      });
      expect(runs[1].out).toBe(runs[0].out);
      expect(runs[1].stats).toEqual(runs[0].stats);
      expect(runs[0].stats.cpus).toHaveLength(4);
      expect(runs[0].stats.nodes.map((n: { cpus: number[] }) => n.cpus)).toEqual([[0, 1], [2, 3]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('machine topology', () => {
  it('splits memory into per-node ranges, above the I/O hole beyond 256 MiB', () => {
    const m = new Machine({ nodes: 4, cpusPerNode: 1, memPerNode: 128 << 20, out: () => {} });
    const s = m.stats();
    expect(s.nodes.map((n) => n.physRanges)).toEqual([
      ['0x00000000-0x07ffffff'],
      ['0x08000000-0x0fffffff'],
      ['0x20000000-0x27ffffff'],
      ['0x28000000-0x2fffffff'],
    ]);
    expect(m.bus.ramOffset(0x20000000)).toBe(0x10000000);
    expect(m.bus.ramOffset(0x10000000)).toBe(-1);
    expect(m.cpus.map((c) => c.node)).toEqual([0, 1, 2, 3]);
    expect(m.cpus.map((c) => c.running)).toEqual([true, false, false, false]);
  });

  it('reports bad machine files with the key', () => {
    const bad: Array<[string, RegExp]> = [
      ['{"nodes": 0}', /^m\.json: nodes: expected an integer from 1 to 64/],
      ['{"nodes": 2, "cpusPerNode": 20}', /cpusPerNode: 2 nodes x 20 CPUs exceeds 32/],
      ['{"memPerNode": "lots"}', /memPerNode: expected a size/],
      ['{"timing": {"l1d": {"size": "30K"}}}', /timing\.l1d: .* power-of-two number of sets/],
      ['{"timing": {"localNS": 300}}', /timing\.localNS: unknown key/],
      ['{"nodes": 2,}', /not valid JSON/],
      ['[1]', /expected an object/],
    ];
    for (const [text, msg] of bad) {
      expect(() => parseMachineFile(text, 'm.json'), text).toThrow(ConfigError);
      expect(() => parseMachineFile(text, 'm.json'), text).toThrow(msg);
    }
    const ok = configFromJson({ nodes: 4, cpusPerNode: 2, memPerNode: '32M', timing: { enabled: true, remoteNs: 1200 } });
    expect(ok.memPerNode).toBe(32 << 20);
    expect(ok.timing.remoteNs).toBe(1200);
    expect(ok.timing.localNs).toBe(300);
  });

  it('accepts a machine file on the command line and lets options override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'disco-mf-'));
    try {
      const f = join(dir, 'm.json');
      writeFileSync(f, JSON.stringify({ nodes: 2, cpusPerNode: 1, memPerNode: '16M' }));
      const r = disco('--machine', f, '--cpus-per-node', '2', smp);
      expect(r.out).toContain('# smp: 4 CPUs on 2 nodes');
      expect(r.code).toBe(0);
      writeFileSync(f, '{"nodes": "two"}');
      const e = disco('--machine', f, smp);
      expect(e.code).toBe(1);
      expect(e.err.trim().split('\n')).toHaveLength(1);
      expect(e.err).toContain('nodes: expected an integer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('node controller', () => {
  it('starts a secondary CPU and delivers an inter-processor interrupt on IP6', () => {
    // Vector at EBase + 0x180 = 0x80000180 (BEV = 0 on CPU 1): record Cause, ack, count, eret.
    const handler = assemble(`
      mfc0 k0, $13
      lui k1, 0xbf20
      sw zero, 0x24(k1)      # IPI_ACK
      la k1, 0x80008000
      sw k0, 0(k1)           # Cause seen by the handler
      lw k0, 4(k1)
      addiu k0, k0, 1
      sw k0, 4(k1)           # interrupts taken
      eret
    `, 0x80000180 | 0);
    const main = assemble(`
      lui t0, 0xbf20
      la t1, secondary
      sw t1, 0x30(t0)        # START_PC
      la t1, 0x80007000
      sw t1, 0x34(t0)        # START_SP
      li t1, 1
      sw t1, 0x3c(t0)        # START 1
      lw t2, 0x40(t0)        # RUNNING
      la t3, 0x80008000
      sw t2, 8(t3)
      li t4, 2000
    delay:
      addiu t4, t4, -1
      bne t4, zero, delay
      nop
      li t1, 1
      sw t1, 0x20(t0)        # IPI_SEND 1
    spin:
      lw t5, 4(t3)
      beq t5, zero, spin
      nop
      lui t0, 0xbf00
      sw zero, 0x600(t0)     # halt, exit code 0
    secondary:
      lui t0, 0xbf20
      lw t1, 0(t0)           # CPU_ID
      lw t2, 4(t0)           # NODE_ID
      la t3, 0x80008000
      sw t1, 12(t3)
      sw t2, 16(t3)
      sw a1, 20(t3)
      li t1, 0x4001          # IM6 | IE, BEV = 0
      mtc0 t1, $12
      ehb
    idle:
      wait
      b idle
      nop
    `, 0x80001000 | 0);
    const m = new Machine({ nodes: 2, cpusPerNode: 1, memPerNode: 16 << 20, out: () => {} });
    const put = (p: { words: number[]; origin: number }): void => p.words.forEach((w, i) => { m.bus.ram32[((p.origin & 0x1fffffff) >>> 2) + i] = w; });
    put(handler);
    put(main);
    m.cpu.setPC(0x80001000 | 0);
    m.cpu.cp0.status = 0x00400000;
    const r = m.run({ maxInstructions: 1_000_000 });
    expect(r.reason).toBe('halt');
    const word = (off: number): number => m.bus.ram32[(0x8000 + off) >>> 2];
    expect(word(8)).toBe(1 | 2);        // RUNNING after START: CPUs 0 and 1
    expect(word(12)).toBe(1);           // CPU 1 reads its own id
    expect(word(16)).toBe(1);           // on node 1
    expect(word(20)).toBe(1);           // a1 = its id
    expect(word(4)).toBe(1);            // one interrupt taken
    expect(word(0) & 0x7c).toBe(0);     // ExcCode Int
    expect(word(0) & 0x4000).toBe(0x4000); // IP6 pending at entry
    expect(m.cpus[1].cp0.cause & 0x4000).toBe(0); // acknowledged
  });
});
