// Compiled blocks (cpu/jit.ts) must be invisible: the same image run with blocks compiled
// almost at once (threshold 1) and with the interpreter alone ends in the same state, bit for
// bit: registers, PC, HI/LO, CP0, retired instructions, cycles, data accesses, exception
// counts, TLB refills and console output. The guest kernel exercises TLB refills, syscalls,
// timer interrupts and user/kernel switches; a two-CPU run adds LL/SC and shared code.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../cpu/machine.ts';
import { DATA, R, Rig } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

interface CpuSnapshot {
  exc: number[];
  [field: string]: unknown;
}

interface Snapshot {
  out: string;
  reason: string;
  cpus: CpuSnapshot[];
}

function runImage(threshold: number, image: string, opts: { instructions: number; cpus?: number; disk?: string; cmdline?: string }): Snapshot {
  let out = '';
  const m = new Machine({
    memBytes: 64 << 20, tlbEntries: 16, cpusPerNode: opts.cpus ?? 1, out: (b) => { out += String.fromCharCode(b); },
    ...(opts.disk === undefined ? {} : { disk: new Uint8Array(readFileSync(resolve(ROOT, opts.disk))) }),
  });
  for (const c of m.cpus) c.jitThreshold = threshold;
  m.load(readFileSync(resolve(ROOT, image)), image, opts.cmdline ?? '');
  const res = m.run({ maxInstructions: opts.instructions });
  return {
    out,
    reason: res.reason,
    cpus: m.cpus.map((c) => ({
      pc: c.pc, npc: c.npc, nds: c.nds, r: Array.from(c.r), hi: c.hi, lo: c.lo,
      instret: c.instret, cycles: c.cycles, dataAccesses: c.dataAccesses, exc: Array.from(c.excCount),
      tlbRefills: c.tlbRefills, status: c.cp0.status, cause: c.cp0.cause, epc: c.cp0.epc,
      badVAddr: c.cp0.badVAddr, entryHi: c.cp0.entryHi, compare: c.cp0.compare, llbit: c.llbit,
    })),
  };
}

describe('compiled blocks give the interpreter\'s results', () => {
  it('bare-metal benchmark images (perf/images)', () => {
    for (const img of ['crc32', 'interp', 'memcpy', 'sieve']) {
      const a = runImage(0, `perf/images/${img}.elf`, { instructions: 3_000_000 });
      const b = runImage(1, `perf/images/${img}.elf`, { instructions: 3_000_000 });
      expect(b, img).toEqual(a);
    }
  });

  it('the guest kernel with its file system: refills, syscalls, interrupts, user mode', () => {
    const opts = { instructions: 6_000_000, disk: 'guests/user/fs.img' };
    const a = runImage(0, 'guests/kernel/kernel.elf', opts);
    const b = runImage(1, 'guests/kernel/kernel.elf', opts);
    // The run went through syscalls (8) and TLB refills (2, 3) from user programs.
    const exc = a.cpus[0]!.exc;
    expect(exc[8]).toBeGreaterThan(0);
    expect(exc[2]! + exc[3]!).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('two CPUs sharing the code', () => {
    const opts = { instructions: 4_000_000, cpus: 2, disk: 'guests/user/fs.img' };
    const a = runImage(0, 'guests/kernel/kernel.elf', opts);
    const b = runImage(1, 'guests/kernel/kernel.elf', opts);
    expect(b).toEqual(a);
  });
});

describe('compiled blocks and changed code', () => {
  it('code rewritten after it was compiled runs in its new form', () => {
    // A subroutine at DATA (addiu v0, v0, 1; jr ra; nop) is called 50 times, so it is
    // compiled; then its immediate is rewritten to 2 and it is called 50 times more.
    const rig = new Rig();
    rig.cpu.jitThreshold = 1;
    rig.load(DATA, [0x24420001, 0x03e00008, 0]);
    rig.exec(`
      li s0, 50
    first:
      jalr s1
      nop
      addiu s0, s0, -1
      bne s0, zero, first
      nop
      li t0, 0x24420002
      sw t0, 0(s1)
      li s0, 50
    second:
      jalr s1
      nop
      addiu s0, s0, -1
      bne s0, zero, second
      nop
    `, { [R.s1]: DATA, [R.v0]: 0 }, 5000);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.v0)).toBe(50 + 100);
    expect(rig.cpu.blocks.dropped).toBeGreaterThan(0);
  });

  it('a loop block stops at the batch end like the interpreter', () => {
    // A self-looping block with a budget that ends mid-loop: both modes stop at the same PC.
    const src = `
      li s0, 1000
    loop:
      addiu s1, s1, 3
      addiu s0, s0, -1
      bne s0, zero, loop
      nop
    `;
    const runWith = (thr: number): [number, number, number] => {
      const rig = new Rig();
      rig.cpu.jitThreshold = thr;
      rig.exec(src, {}, 1237);
      return [rig.cpu.pc, rig.reg(R.s0), rig.reg(R.s1)];
    };
    expect(runWith(1)).toEqual(runWith(0));
  });
});
