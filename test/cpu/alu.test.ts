// Integer arithmetic and logic (MIPS32 Vol. II: ADD, ADDU, ADDI, ADDIU, SUB, SUBU, AND, ANDI, OR,
// ORI, XOR, XORI, NOR, LUI, SLT, SLTI, SLTU, SLTIU). Each case runs one instruction with t1, t2
// preset and checks t0; overflow traps are in exceptions.test.ts.

import { describe, expect, it } from 'vitest';
import { R, Rig } from './helpers.ts';

/** Run `line` with t1 = a, t2 = b (t0 = 0x5a5a5a5a beforehand); return t0 unsigned. */
function t0After(line: string, a: number, b = 0): number {
  const rig = new Rig().exec(line, { [R.t0]: 0x5a5a5a5a, [R.t1]: a, [R.t2]: b });
  expect(rig.where()).toBe('end');
  return rig.ureg(R.t0);
}

describe('add / addu / sub / subu (register)', () => {
  const cases: Array<[string, number, number, number]> = [
    // [instruction, t1, t2, expected t0]
    ['addu t0, t1, t2', 2, 3, 5],
    ['addu t0, t1, t2', 0x7fffffff, 1, 0x80000000], // addu never traps: wraps modulo 2^32
    ['addu t0, t1, t2', 0xffffffff, 1, 0],
    ['addu t0, t1, t2', 0x80000000, 0x80000000, 0],
    ['add t0, t1, t2', 5, 0xfffffffd, 2], // 5 + (-3)
    ['add t0, t1, t2', 0x7ffffffe, 1, 0x7fffffff], // largest sum that does not overflow
    ['add t0, t1, t2', 0x80000001, 0xffffffff, 0x80000000], // most negative without overflow
    ['subu t0, t1, t2', 0, 1, 0xffffffff],
    ['subu t0, t1, t2', 0x80000000, 1, 0x7fffffff], // wraps, no trap
    ['sub t0, t1, t2', 10, 3, 7],
    ['sub t0, t1, t2', 3, 10, 0xfffffff9], // -7
    ['sub t0, t1, t2', 0xffffffff, 0x7fffffff, 0x80000000], // -1 - max = min: no overflow
  ];
  for (const [line, a, b, want] of cases) {
    it(`${line} with ${a.toString(16)}, ${b.toString(16)} = ${want.toString(16)}`, () => {
      expect(t0After(line, a, b)).toBe(want);
    });
  }
});

describe('addi / addiu: the immediate is sign-extended', () => {
  const cases: Array<[string, number, number]> = [
    ['addiu t0, t1, -1', 0, 0xffffffff],
    ['addiu t0, t1, 0x7fff', 0x7fff, 0xfffe],
    ['addiu t0, t1, -32768', 0, 0xffff8000],
    ['addiu t0, t1, 1', 0x7fffffff, 0x80000000], // addiu never traps
    ['addi t0, t1, -32768', 0x8000, 0],
    ['addi t0, t1, 100', 0xffffff9c, 0], // -100 + 100
    ['addi t0, t1, -1', 0x80000000 + 1, 0x80000000],
  ];
  for (const [line, a, want] of cases) {
    it(`${line} with t1=${a.toString(16)} = ${want.toString(16)}`, () => {
      expect(t0After(line, a)).toBe(want);
    });
  }
});

describe('logic', () => {
  const A = 0xf0f0f0f0, B = 0xff00ff00;
  it('and / or / xor / nor', () => {
    expect(t0After('and t0, t1, t2', A, B)).toBe(0xf000f000);
    expect(t0After('or t0, t1, t2', A, B)).toBe(0xfff0fff0);
    expect(t0After('xor t0, t1, t2', A, B)).toBe(0x0ff00ff0);
    expect(t0After('nor t0, t1, t2', A, B)).toBe(0x000f000f);
    expect(t0After('nor t0, t1, t2', 0, 0)).toBe(0xffffffff);
  });
  it('andi / ori / xori zero-extend the immediate', () => {
    expect(t0After('andi t0, t1, 0xffff', 0xffffffff)).toBe(0x0000ffff);
    expect(t0After('andi t0, t1, 0x8000', 0xffffffff)).toBe(0x00008000);
    expect(t0After('ori t0, t1, 0x8000', 0x12340000)).toBe(0x12348000);
    expect(t0After('xori t0, t1, 0xffff', 0xffffffff)).toBe(0xffff0000);
    expect(t0After('xori t0, t1, 0x00ff', 0x0000f0f0)).toBe(0x0000f00f);
  });
  it('lui puts the immediate in the upper half and zeroes the lower', () => {
    expect(t0After('lui t0, 0x8000', 0)).toBe(0x80000000);
    expect(t0After('lui t0, 0x1234', 0)).toBe(0x12340000);
    expect(t0After('lui t0, 0xffff', 0)).toBe(0xffff0000);
  });
});

describe('set on less than', () => {
  const cases: Array<[string, number, number, number]> = [
    ['slt t0, t1, t2', 0xffffffff, 1, 1], // -1 < 1 signed
    ['slt t0, t1, t2', 1, 0xffffffff, 0],
    ['slt t0, t1, t2', 0x80000000, 0x7fffffff, 1],
    ['slt t0, t1, t2', 7, 7, 0],
    ['sltu t0, t1, t2', 0xffffffff, 1, 0], // 4294967295 < 1 unsigned: no
    ['sltu t0, t1, t2', 1, 0xffffffff, 1],
    ['sltu t0, t1, t2', 0x7fffffff, 0x80000000, 1],
    ['sltu t0, t1, t2', 0, 0, 0],
  ];
  for (const [line, a, b, want] of cases) {
    it(`${line} with ${a.toString(16)}, ${b.toString(16)} = ${want}`, () => {
      expect(t0After(line, a, b)).toBe(want);
    });
  }
  it('slti compares signed against the sign-extended immediate', () => {
    expect(t0After('slti t0, t1, -4', 0xfffffffb)).toBe(1); // -5 < -4
    expect(t0After('slti t0, t1, -4', 0xfffffffc)).toBe(0); // -4 < -4: no
    expect(t0After('slti t0, t1, 0', 0x80000000)).toBe(1);
    expect(t0After('slti t0, t1, 0x7fff', 0x8000)).toBe(0);
  });
  it('sltiu sign-extends the immediate, then compares unsigned', () => {
    // -1 becomes 0xffffffff: everything but 0xffffffff is below it.
    expect(t0After('sltiu t0, t1, -1', 5)).toBe(1);
    expect(t0After('sltiu t0, t1, -1', 0xfffffffe)).toBe(1);
    expect(t0After('sltiu t0, t1, -1', 0xffffffff)).toBe(0);
    // -32768 becomes 0xffff8000.
    expect(t0After('sltiu t0, t1, -32768', 0xffff7fff)).toBe(1);
    expect(t0After('sltiu t0, t1, -32768', 0xffff8000)).toBe(0);
    expect(t0After('sltiu t0, t1, 1', 0)).toBe(1);
    expect(t0After('sltiu t0, t1, 1', 0x80000000)).toBe(0);
  });
});

describe('register $zero', () => {
  it('ignores writes and always reads 0', () => {
    const rig = new Rig().exec(`
      addiu zero, zero, 5
      lui zero, 0x1234
      addu t0, zero, zero
      ori t1, zero, 0
    `, { [R.t0]: 9, [R.t1]: 9 });
    expect(rig.where()).toBe('end');
    expect(rig.reg(0)).toBe(0);
    expect(rig.reg(R.t0)).toBe(0);
    expect(rig.reg(R.t1)).toBe(0);
  });
});

describe('sequences', () => {
  it('li builds a 32-bit constant with lui + ori', () => {
    const rig = new Rig().exec('li t0, 0xdeadbeef');
    expect(rig.ureg(R.t0)).toBe(0xdeadbeef);
  });
  it('a dependent chain sees each result immediately (no interlock visible)', () => {
    const rig = new Rig().exec(`
      addiu t0, zero, 1
      addu t0, t0, t0
      addu t0, t0, t0
      sll t0, t0, 4
      subu t0, t0, t0
      addiu t0, t0, 3
    `);
    expect(rig.reg(R.t0)).toBe(3);
  });
});
