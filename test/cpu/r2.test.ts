// Release 2 bit manipulation and conditional moves (MIPS32 Vol. II: EXT, INS, SEB, SEH, WSBH,
// ROTR, ROTRV, CLZ, CLO, MOVN, MOVZ, RDHWR).

import { describe, expect, it } from 'vitest';
import { EXC, R, Rig } from './helpers.ts';

function t0After(line: string, t0: number, t1: number, t2 = 0): number {
  const rig = new Rig().exec(line, { [R.t0]: t0, [R.t1]: t1, [R.t2]: t2 });
  expect(rig.where()).toBe('end');
  return rig.ureg(R.t0);
}

describe('ext rt, rs, pos, size: rt = zero-extended rs[pos+size-1 .. pos]', () => {
  const cases: Array<[string, number, number]> = [
    ['ext t0, t1, 4, 8', 0x12345678, 0x67],
    ['ext t0, t1, 0, 32', 0x87654321, 0x87654321],
    ['ext t0, t1, 31, 1', 0x80000000, 1],
    ['ext t0, t1, 28, 4', 0xf0000000, 0xf], // zero-extended, not sign-extended
    ['ext t0, t1, 0, 1', 0xfffffffe, 0],
    ['ext t0, t1, 8, 16', 0xdeadbeef, 0xadbe],
    ['ext t0, t1, 1, 31', 0xffffffff, 0x7fffffff],
  ];
  for (const [line, rs, want] of cases) {
    it(`${line} of ${rs.toString(16)} = ${want.toString(16)}`, () => {
      expect(t0After(line, 0x5a5a5a5a, rs)).toBe(want);
    });
  }
});

describe('ins rt, rs, pos, size: rt[pos+size-1 .. pos] = rs[size-1 .. 0], other bits kept', () => {
  const cases: Array<[string, number, number, number]> = [
    // [instruction, rt before, rs, rt after]
    ['ins t0, t1, 8, 8', 0xffffffff, 0x12345678, 0xffff78ff],
    ['ins t0, t1, 0, 32', 0xffffffff, 0x12345678, 0x12345678],
    ['ins t0, t1, 31, 1', 0x00000000, 0x00000001, 0x80000000],
    ['ins t0, t1, 4, 12', 0xaaaaaaaa, 0x00000bcd, 0xaaaabcda],
    ['ins t0, t1, 0, 1', 0xffffffff, 0xfffffffe, 0xfffffffe],
    ['ins t0, t1, 16, 16', 0x0000beef, 0xffffdead, 0xdeadbeef],
  ];
  for (const [line, rt, rs, want] of cases) {
    it(`${line}: ${rt.toString(16)} <- ${rs.toString(16)} = ${want.toString(16)}`, () => {
      expect(t0After(line, rt, rs)).toBe(want);
    });
  }
});

describe('seb / seh / wsbh', () => {
  it('seb sign-extends the low byte of rt', () => {
    expect(t0After('seb t0, t1', 0, 0x00000080)).toBe(0xffffff80);
    expect(t0After('seb t0, t1', 0, 0x1234567f)).toBe(0x0000007f);
    expect(t0After('seb t0, t1', 0, 0xffffff00)).toBe(0);
  });
  it('seh sign-extends the low halfword of rt', () => {
    expect(t0After('seh t0, t1', 0, 0x00008000)).toBe(0xffff8000);
    expect(t0After('seh t0, t1', 0, 0x12347fff)).toBe(0x00007fff);
  });
  it('wsbh swaps the bytes within each halfword', () => {
    expect(t0After('wsbh t0, t1', 0, 0x11223344)).toBe(0x22114433);
    expect(t0After('wsbh t0, t1', 0, 0xff00ff00)).toBe(0x00ff00ff);
  });
  it('wsbh + rotr 16 is a full byte swap', () => {
    expect(t0After('wsbh t0, t1\nrotr t0, t0, 16', 0, 0x11223344)).toBe(0x44332211);
  });
});

describe('rotr / rotrv', () => {
  const cases: Array<[string, number, number, number]> = [
    ['rotr t0, t1, 4', 0x12345678, 0, 0x81234567],
    ['rotr t0, t1, 0', 0x12345678, 0, 0x12345678],
    ['rotr t0, t1, 31', 0x12345678, 0, 0x2468acf0], // right by 31 = left by 1
    ['rotr t0, t1, 1', 0x80000001, 0, 0xc0000000],
    ['rotrv t0, t1, t2', 0x12345678, 36, 0x81234567], // amount = 36 & 31 = 4
    ['rotrv t0, t1, t2', 0x12345678, 32, 0x12345678],
    ['rotrv t0, t1, t2', 0x00000001, 1, 0x80000000],
  ];
  for (const [line, rt, s, want] of cases) {
    it(`${line} of ${rt.toString(16)} (t2=${s}) = ${want.toString(16)}`, () => {
      expect(t0After(line, 0, rt, s)).toBe(want);
    });
  }
});

describe('clz / clo', () => {
  const cases: Array<[string, number, number]> = [
    ['clz t0, t1', 0, 32],
    ['clz t0, t1', 1, 31],
    ['clz t0, t1', 0x80000000, 0],
    ['clz t0, t1', 0x00010000, 15],
    ['clo t0, t1', 0xffffffff, 32],
    ['clo t0, t1', 0, 0],
    ['clo t0, t1', 0xfff00000, 12],
    ['clo t0, t1', 0x7fffffff, 0],
    ['clo t0, t1', 0xfffffffe, 31],
  ];
  for (const [line, v, want] of cases) {
    it(`${line} of ${v.toString(16)} = ${want}`, () => {
      expect(t0After(line, 0x5a5a5a5a, v)).toBe(want);
    });
  }
});

describe('movn / movz', () => {
  it('movz moves when rt == 0, else leaves rd', () => {
    expect(t0After('movz t0, t1, t2', 7, 9, 0)).toBe(9);
    expect(t0After('movz t0, t1, t2', 7, 9, 1)).toBe(7);
  });
  it('movn moves when rt != 0, else leaves rd', () => {
    expect(t0After('movn t0, t1, t2', 7, 9, 0x80000000)).toBe(9);
    expect(t0After('movn t0, t1, t2', 7, 9, 0)).toBe(7);
  });
});

describe('rdhwr in kernel mode (Vol. II RDHWR)', () => {
  it('$0 CPUNum matches EBase.CPUNum, $29 UserLocal reads what mtc0 $4,2 wrote', () => {
    const rig = new Rig().exec(`
      li t0, 0x12345678
      mtc0 t0, $4, 2       # UserLocal
      rdhwr t1, $29
      rdhwr t2, $0
      mfc0 t3, $15, 1      # EBase
      andi t3, t3, 0x3ff
      rdhwr t4, $1         # SYNCI_Step
    `);
    expect(rig.where()).toBe('end');
    expect(rig.ureg(R.t1)).toBe(0x12345678);
    expect(rig.reg(R.t2)).toBe(rig.reg(R.t3));
    // SYNCI_Step is a cache line size: a power of two.
    const step = rig.reg(R.t4);
    expect(step > 0 && (step & (step - 1)) === 0).toBe(true);
  });
  it('an unimplemented hardware register is RI', () => {
    const rig = new Rig().exec('rdhwr t0, $5');
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.RI);
  });
});

describe('freshly written code (Vol. II SYNCI: synci + sync + jr.hb)', () => {
  it('an instruction stored into the code stream runs after synci and jr.hb', () => {
    const rig = new Rig().exec(`
      la a0, patch
      li t0, 0x24020007    # addiu v0, zero, 7
      sw t0, 0(a0)
      synci 0(a0)
      sync
      jr.hb a0
      nop
    patch:
      addiu v0, zero, 1    # replaced before it runs
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.v0)).toBe(7);
  });
});

describe('read-before-write when a register is both source and destination', () => {
  it('movz t0, t1, t0 tests the old t0', () => {
    expect(t0After('movz t0, t1, t0', 0, 9)).toBe(9);
    expect(t0After('movz t0, t1, t0', 3, 9)).toBe(3);
  });
  it('ins t0, t0, 8, 8 copies t0[7:0] into t0[15:8]', () => {
    expect(t0After('ins t0, t0, 8, 8', 0x000000ab, 0)).toBe(0x0000abab);
  });
});

describe('rdpgpr / wrpgpr without shadow register sets (SRSCtl.HSS = 0)', () => {
  it('move between the current set and itself', () => {
    const rig = new Rig().exec(`
      mfc0 s0, $12, 2      # SRSCtl
      li t1, 0x1234
      .word 0x41494000     # rdpgpr t0, t1
      li t3, 0x5678
      .word 0x41cb1000     # wrpgpr v0, t3
    `);
    expect(rig.where()).toBe('end');
    expect((rig.reg(R.s0) >>> 26) & 0xf).toBe(0); // HSS: no shadow sets
    expect(rig.reg(R.t0)).toBe(0x1234);
    expect(rig.reg(R.v0)).toBe(0x5678);
  });
});
