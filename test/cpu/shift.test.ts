// Shifts (MIPS32 Vol. II: SLL, SRL, SRA, SLLV, SRLV, SRAV). The variable forms use only the low
// five bits of rs. Rotates (Release 2) are in r2.test.ts.

import { describe, expect, it } from 'vitest';
import { R, Rig } from './helpers.ts';

function t0After(line: string, t1: number, t2 = 0): number {
  const rig = new Rig().exec(line, { [R.t1]: t1, [R.t2]: t2 });
  expect(rig.where()).toBe('end');
  return rig.ureg(R.t0);
}

describe('shift by immediate', () => {
  const cases: Array<[string, number, number]> = [
    ['sll t0, t1, 0', 0x12345678, 0x12345678],
    ['sll t0, t1, 4', 0x12345678, 0x23456780],
    ['sll t0, t1, 31', 0x00000003, 0x80000000],
    ['srl t0, t1, 4', 0xf0000000, 0x0f000000], // logical: zeros enter
    ['srl t0, t1, 31', 0x80000000, 0x00000001],
    ['srl t0, t1, 0', 0xdeadbeef, 0xdeadbeef],
    ['sra t0, t1, 4', 0xf0000000, 0xff000000], // arithmetic: copies of bit 31 enter
    ['sra t0, t1, 4', 0x70000000, 0x07000000],
    ['sra t0, t1, 31', 0x80000000, 0xffffffff],
    ['sra t0, t1, 31', 0x7fffffff, 0x00000000],
  ];
  for (const [line, a, want] of cases) {
    it(`${line} of ${a.toString(16)} = ${want.toString(16)}`, () => {
      expect(t0After(line, a)).toBe(want);
    });
  }
});

describe('shift by register: amount = rs[4:0]', () => {
  const cases: Array<[string, number, number, number]> = [
    // [instruction, t1 (value), t2 (amount), expected]
    ['sllv t0, t1, t2', 0x00000001, 31, 0x80000000],
    ['sllv t0, t1, t2', 0x00000001, 33, 0x00000002], // 33 & 31 = 1
    ['sllv t0, t1, t2', 0x12345678, 32, 0x12345678], // 32 & 31 = 0
    ['srlv t0, t1, t2', 0x80000000, 0xffffffe4, 0x08000000], // 0xe4 & 31 = 4
    ['srlv t0, t1, t2', 0xffffffff, 31, 0x00000001],
    ['srav t0, t1, t2', 0x80000000, 0xffffffe4, 0xf8000000],
    ['srav t0, t1, t2', 0x40000000, 30, 0x00000001],
    ['srav t0, t1, t2', 0xfffffff0, 36, 0xffffffff], // 36 & 31 = 4
  ];
  for (const [line, a, s, want] of cases) {
    it(`${line} of ${a.toString(16)} by ${s} = ${want.toString(16)}`, () => {
      expect(t0After(line, a, s)).toBe(want);
    });
  }
  it('the amount register may be the destination (read before write)', () => {
    const rig = new Rig().exec('sllv t2, t1, t2', { [R.t1]: 3, [R.t2]: 2 });
    expect(rig.reg(R.t2)).toBe(12);
  });
});

describe('nop / ssnop / ehb are sll $0 forms and change nothing', () => {
  it('sll $0, $0, 0 / 1 / 3', () => {
    const rig = new Rig().exec(`
      nop
      .word 0x00000040   # ssnop = sll $0,$0,1
      ehb                # sll $0,$0,3
      addiu t0, zero, 7
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(0)).toBe(0);
    expect(rig.reg(R.t0)).toBe(7);
  });
});
