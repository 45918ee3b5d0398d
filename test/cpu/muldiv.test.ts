// Multiply and divide (MIPS32 Vol. II: MULT, MULTU, DIV, DIVU, MFHI, MFLO, MTHI, MTLO, MUL,
// MADD, MADDU, MSUB, MSUBU). HI:LO is a 64-bit pair; every expected product below was worked
// out by hand as a 64-bit number and split into HI (upper word) and LO (lower word).

import { describe, expect, it } from 'vitest';
import { R, Rig } from './helpers.ts';

/** Run `line` with a0, a1 and HI:LO preset; read HI and LO back with mfhi/mflo. */
function hilo(line: string, a: number, b: number, hi = 0, lo = 0): [number, number] {
  const rig = new Rig().exec(`
    mthi a2
    mtlo a3
    ${line}
    mfhi v0
    mflo v1
  `, { [R.a0]: a, [R.a1]: b, [R.a2]: hi, [R.a3]: lo });
  expect(rig.where()).toBe('end');
  return [rig.ureg(R.v0), rig.ureg(R.v1)];
}

describe('mult (signed 32 x 32 -> 64)', () => {
  const cases: Array<[number, number, number, number, string]> = [
    [3, 4, 0, 12, '3 * 4'],
    [0xffffffff, 0xffffffff, 0, 1, '-1 * -1 = 1'],
    [0xfffffffe, 3, 0xffffffff, 0xfffffffa, '-2 * 3 = -6'],
    [0x7fffffff, 0x7fffffff, 0x3fffffff, 0x00000001, '(2^31-1)^2 = 2^62 - 2^32 + 1'],
    [0x80000000, 0x80000000, 0x40000000, 0x00000000, '(-2^31)^2 = 2^62'],
    [0x80000000, 1, 0xffffffff, 0x80000000, '-2^31 * 1'],
    [0x12345678, 0x9abcdef0, 0xf8cc93d6, 0x242d2080, '0x12345678 * -0x65432110'],
  ];
  for (const [a, b, hi, lo, what] of cases) {
    it(what, () => expect(hilo('mult a0, a1', a, b)).toEqual([hi, lo]));
  }
});

describe('multu (unsigned 32 x 32 -> 64)', () => {
  const cases: Array<[number, number, number, number, string]> = [
    [0xffffffff, 0xffffffff, 0xfffffffe, 0x00000001, '(2^32-1)^2 = 2^64 - 2^33 + 1'],
    [0xffffffff, 2, 0x00000001, 0xfffffffe, '(2^32-1) * 2'],
    [0x80000000, 0x80000000, 0x40000000, 0x00000000, '2^31 * 2^31'],
    [0x12345678, 0x9abcdef0, 0x0b00ea4e, 0x242d2080, '0x12345678 * 0x9abcdef0'],
    [0x10000, 0x10000, 1, 0, '2^16 * 2^16'],
  ];
  for (const [a, b, hi, lo, what] of cases) {
    it(what, () => expect(hilo('multu a0, a1', a, b)).toEqual([hi, lo]));
  }
});

describe('div (signed): LO = quotient truncated toward zero, HI = remainder with the sign of the dividend', () => {
  const cases: Array<[number, number, number, number, string]> = [
    // [rs, rt, HI, LO]
    [7, 2, 1, 3, '7 / 2'],
    [0xfffffff9, 2, 0xffffffff, 0xfffffffd, '-7 / 2 = -3 rem -1'],
    [7, 0xfffffffe, 1, 0xfffffffd, '7 / -2 = -3 rem 1'],
    [0xfffffff9, 0xfffffffe, 0xffffffff, 3, '-7 / -2 = 3 rem -1'],
    [100, 10, 0, 10, '100 / 10'],
    [0x80000000, 0xffffffff, 0, 0x80000000, '-2^31 / -1: quotient 2^31 truncated to 32 bits'],
  ];
  for (const [a, b, hi, lo, what] of cases) {
    it(what, () => expect(hilo('div a0, a1', a, b)).toEqual([hi, lo]));
  }
});

describe('divu (unsigned)', () => {
  const cases: Array<[number, number, number, number, string]> = [
    [0xffffffff, 2, 1, 0x7fffffff, '(2^32-1) / 2'],
    [0x80000000, 3, 2, 0x2aaaaaaa, '2^31 / 3 = 715827882 rem 2'],
    [0xfffffff9, 0xfffffffe, 0xfffffff9, 0, 'smaller / larger'],
    [10, 0xffffffff, 10, 0, '10 / (2^32-1)'],
  ];
  for (const [a, b, hi, lo, what] of cases) {
    it(what, () => expect(hilo('divu a0, a1', a, b)).toEqual([hi, lo]));
  }
  it('division by zero raises no exception (Vol. II DIV: "no arithmetic exception occurs")', () => {
    for (const line of ['div a0, a1', 'divu a0, a1']) {
      const rig = new Rig().exec(`${line}\naddiu t0, zero, 1`, { [R.a0]: 5, [R.a1]: 0 });
      expect(rig.where()).toBe('end');
      expect(rig.reg(R.t0)).toBe(1);
    }
  });
});

describe('madd / maddu / msub / msubu: 64-bit accumulate into HI:LO', () => {
  it('madd carries from LO into HI', () => {
    // 0x00000000_ffffffff + 1 * 1 = 0x00000001_00000000
    expect(hilo('madd a0, a1', 1, 1, 0, 0xffffffff)).toEqual([1, 0]);
  });
  it('madd of a negative product borrows through HI', () => {
    // 0 + (-1 * 1) = 0xffffffff_ffffffff
    expect(hilo('madd a0, a1', 0xffffffff, 1, 0, 0)).toEqual([0xffffffff, 0xffffffff]);
    // 0x00000001_00000000 + (-1) = 0x00000000_ffffffff
    expect(hilo('madd a0, a1', 0xffffffff, 1, 1, 0)).toEqual([0, 0xffffffff]);
  });
  it('maddu treats the operands as unsigned', () => {
    // 0xfffffffe_00000001 + 0x00000000_ffffffff = 0xffffffff_00000000
    expect(hilo('maddu a0, a1', 0xffffffff, 0xffffffff, 0, 0xffffffff)).toEqual([0xffffffff, 0]);
    // the same operands signed are -1 * -1 = 1: 0x00000000_ffffffff + 1 = 0x00000001_00000000
    expect(hilo('madd a0, a1', 0xffffffff, 0xffffffff, 0, 0xffffffff)).toEqual([1, 0]);
  });
  it('msub subtracts the signed product', () => {
    // 0 - 2 * 3 = -6
    expect(hilo('msub a0, a1', 2, 3, 0, 0)).toEqual([0xffffffff, 0xfffffffa]);
    // 5 - (-2 * 3) = 11
    expect(hilo('msub a0, a1', 0xfffffffe, 3, 0, 5)).toEqual([0, 11]);
  });
  it('msubu subtracts the unsigned product', () => {
    // 0x00000001_00000000 - 0xffffffff * 1 = 1
    expect(hilo('msubu a0, a1', 0xffffffff, 1, 1, 0)).toEqual([0, 1]);
    // 0 - 0xffffffff * 0xffffffff = -(0xfffffffe_00000001) = 0x00000001_ffffffff
    expect(hilo('msubu a0, a1', 0xffffffff, 0xffffffff, 0, 0)).toEqual([1, 0xffffffff]);
  });
});

describe('mul: low 32 bits of the signed product into rd', () => {
  const cases: Array<[number, number, number, string]> = [
    [0x10000, 0x10000, 0, '2^16 * 2^16'],
    [0xfffffffd, 7, 0xffffffeb, '-3 * 7 = -21'],
    [0x7fffffff, 2, 0xfffffffe, 'overflow wraps, no trap'],
    [0x12345678, 0x9abcdef0, 0x242d2080, 'low word of the product'],
  ];
  for (const [a, b, want, what] of cases) {
    it(what, () => {
      const rig = new Rig().exec('mul t0, a0, a1', { [R.a0]: a, [R.a1]: b });
      expect(rig.ureg(R.t0)).toBe(want);
    });
  }
});

describe('HI/LO moves', () => {
  it('mthi/mtlo then mfhi/mflo round-trip, independently', () => {
    expect(hilo('nop', 0, 0, 0xdeadbeef, 0x12345678)).toEqual([0xdeadbeef, 0x12345678]);
  });
  it('mult results are visible to mfhi/mflo immediately', () => {
    const rig = new Rig().exec(`
      multu a0, a1
      mflo t0
      mfhi t1
      mult a0, a1
      mfhi t2
    `, { [R.a0]: 0xffffffff, [R.a1]: 2 });
    expect(rig.ureg(R.t0)).toBe(0xfffffffe);
    expect(rig.ureg(R.t1)).toBe(1);
    expect(rig.ureg(R.t2)).toBe(0xffffffff); // signed: -1 * 2 = -2, HI all ones
  });
});
