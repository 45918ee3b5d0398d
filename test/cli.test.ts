// `disco run` as users see it: output, exit codes, statistics, and one clear line for every
// kind of bad input (never a stack trace).

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildElf } from '../cpu/elf.ts';
import { encode } from '../cpu/encode.ts';

const root = resolve(import.meta.dirname, '..');
let dir = '';

function disco(...args: string[]): { code: number; out: string; err: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

/** A kseg0 image from instruction words (entry at 0x80100000). */
function image(name: string, words: number[]): string {
  const data = new Uint8Array(words.length * 4);
  const dv = new DataView(data.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const f = join(dir, name);
  writeFileSync(f, buildElf([{ vaddr: 0x80100000, data, flags: 5 }], 0x80100000));
  return f;
}

const T0 = 8, T1 = 9;
const halt = (code: number): number[] => [
  encode('lui', { rt: T0, imm: 0xbf00 }),
  encode('addiu', { rt: T1, rs: 0, imm: code }),
  encode('sw', { rt: T1, base: T0, offset: 0x600 }),
];

/** Error output must be exactly one line starting with "disco:" (commander's usage errors excepted). */
function oneLine(err: string): string {
  const lines = err.trimEnd().split('\n');
  expect(lines.length, err).toBe(1);
  expect(lines[0]).toMatch(/^(\x1b\[\d+m)?disco:/);
  return lines[0];
}

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'disco-cli-')); });
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

describe('disco run', () => {
  it('prints the guest console and exits with the halt register value', () => {
    const hello = [
      encode('lui', { rt: T0, imm: 0xbf00 }),
      encode('addiu', { rt: T1, rs: 0, imm: 0x48 }), // 'H' to the CBUS UART THR
      encode('sb', { rt: T1, base: T0, offset: 0x900 }),
      encode('addiu', { rt: T1, rs: 0, imm: 0x0a }),
      encode('sb', { rt: T1, base: T0, offset: 0x900 }),
      ...halt(42),
    ];
    const r = disco('run', image('hello.elf', hello));
    expect(r.out).toBe('H\n');
    expect(r.code).toBe(42);
    expect(r.err).toBe('');
  });

  it('writes a JSON summary with --stats FILE', () => {
    const f = join(dir, 'stats.json');
    const prog = [encode('syscall', {}), ...halt(0)];
    // syscall with BEV=1 vectors into the empty boot ROM (reads as 0 = nop) and runs on to
    // nothing useful; the instruction limit stops it, and the stats still count the exception.
    const r = disco('run', '--stats', f, '-n', '1000', image('stats.elf', prog));
    expect(r.code).toBe(124);
    const s = JSON.parse(readFileSync(f, 'utf8'));
    expect(s.instructions).toBe(1000);
    expect(s.exceptions.Sys).toBe(1);
    expect(s.stop).toBe('limit');
    expect(typeof s.mips).toBe('number');
    expect(s.peakRssMiB).toBeGreaterThan(0);
  });

  it('stops a runaway guest at --max-instructions with exit 124', () => {
    const loop = [encode('beq', { rs: 0, rt: 0, offset: -1 }), 0]; // b . ; nop
    const r = disco('run', '--max-instructions', '5M', image('loop.elf', loop));
    expect(r.code).toBe(124);
    expect(oneLine(r.err)).toContain('5000000 instructions without halting');
  });

  it('stops a guest that waits with interrupts off (exit 125)', () => {
    const r = disco('run', image('wait.elf', [encode('wait', {}), 0]));
    expect(r.code).toBe(125);
    expect(oneLine(r.err)).toContain('WAIT');
  });

  it('reports an exception vector that is not in memory', () => {
    // EBase moved to an unmapped kseg0 address, BEV cleared, then a syscall.
    const prog = [
      encode('lui', { rt: T0, imm: 0x8f00 }), // EBase = 0x8F000000 (beyond 64 MiB of RAM)
      encode('mtc0', { rt: T0, rd: 15, sel: 1 }),
      encode('mtc0', { rt: 0, rd: 12, sel: 0 }), // Status = 0: BEV off
      encode('syscall', {}),
    ];
    const r = disco('run', image('vec.elf', prog));
    expect(r.code).toBe(126);
    expect(oneLine(r.err)).toContain('exception vector 0x8f000180 is not in memory');
  });

  const bad: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => join(dir, 'nope.elf'), /nope\.elf: no such file/],
    ['a directory', () => dir, /is a directory/],
    ['a non-ELF file', () => { const f = join(dir, 'text.elf'); writeFileSync(f, 'hello world, not an ELF at all\n'); return f; }, /not an ELF file/],
    ['an empty file', () => { const f = join(dir, 'empty.elf'); writeFileSync(f, ''); return f; }, /not an ELF|too short|empty/i],
    ['a 64-bit ELF', () => {
      const b = Buffer.from(buildElf([{ vaddr: 0x80100000, data: new Uint8Array(4) }], 0x80100000));
      b[4] = 2; // ELFCLASS64
      const f = join(dir, 'e64.elf'); writeFileSync(f, b); return f;
    }, /64-bit ELF/],
    ['a big-endian ELF', () => {
      const b = Buffer.from(buildElf([{ vaddr: 0x80100000, data: new Uint8Array(4) }], 0x80100000));
      b[5] = 2; // ELFDATA2MSB
      const f = join(dir, 'be.elf'); writeFileSync(f, b); return f;
    }, /big-endian/],
    ['a segment outside RAM', () => {
      const f = join(dir, 'far.elf');
      writeFileSync(f, buildElf([{ vaddr: 0x88000000, data: new Uint8Array(16) }], 0x88000000));
      return f;
    }, /outside RAM/],
  ];
  for (const [what, make, msg] of bad) {
    it(`refuses ${what} with one line`, () => {
      const r = disco('run', make());
      expect(r.code).toBe(1);
      expect(oneLine(r.err)).toMatch(msg);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    });
  }

  it('refuses bad option values', () => {
    for (const args of [['--mem', 'lots'], ['--mem', '4G'], ['--mem', '1000'], ['--tlb-entries', '65'], ['-n', 'x']]) {
      const r = disco('run', ...args, join(root, 'guests/demo/demo.elf'));
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.err, args.join(' ')).toMatch(/error|disco:/);
      expect(r.err).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('passes the words after -- to the guest as its command line', () => {
    const r = disco('run', '--disk', join(root, 'guests/user/fs.img'), join(root, 'guests/kernel/kernel.elf'), '--', 'echo', 'hello', 'world');
    expect(r.out).toContain('hello world\n');
    expect(r.code).toBe(0);
    const both = disco('run', '--cmdline', 'echo', join(root, 'guests/demo/demo.elf'), '--', 'echo');
    expect(both.code).toBe(1);
    expect(oneLine(both.err)).toContain('not both');
  });

  it('boots the bundled demo image', () => {
    const r = disco('run', join(root, 'guests/demo/demo.elf'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('disco');
  });
});
