// Branches and jumps (MIPS32 Vol. II: B*, B*L, B*AL, B*ALL, J, JAL, JR, JALR; Vol. I 5.1 delay
// slots). The instruction after a branch or jump (its delay slot) executes before the target,
// whether or not a plain branch is taken; a branch-likely that is not taken nullifies its slot.
// Link forms write PC + 8 (the address after the delay slot) even when not taken.

import { describe, expect, it } from 'vitest';
import { CODE, R, Rig } from './helpers.ts';

/**
 * Run `br` (a branch to `taken`) with a0, a1 preset. t1 marks the delay slot, t2 the
 * fall-through path, t3 the target; ra is cleared first so link writes show.
 */
function outcome(br: string, a0: number, a1 = 0): { slot: number; fall: number; target: number; rig: Rig } {
  const rig = new Rig().exec(`
    ${br}
    addiu t1, t1, 1      # delay slot
    addiu t2, t2, 1      # fall-through
    b end
    nop
  taken:
    addiu t3, t3, 1
  `, { [R.a0]: a0, [R.a1]: a1, [R.ra]: 0 });
  expect(rig.where()).toBe('end');
  return { slot: rig.reg(R.t1), fall: rig.reg(R.t2), target: rig.reg(R.t3), rig };
}

// Conditions, by hand from Vol. II: [mnemonic template, a0, a1, taken?]
const CONDITIONS: Array<[string, number, number, boolean]> = [
  ['beq a0, a1, taken', 5, 5, true],
  ['beq a0, a1, taken', 5, 6, false],
  ['bne a0, a1, taken', 5, 6, true],
  ['bne a0, a1, taken', 0xffffffff, 0xffffffff, false],
  ['bltz a0, taken', 0xffffffff, 0, true],
  ['bltz a0, taken', 0x80000000, 0, true],
  ['bltz a0, taken', 0, 0, false],
  ['bltz a0, taken', 1, 0, false],
  ['bgez a0, taken', 0xffffffff, 0, false],
  ['bgez a0, taken', 0, 0, true],
  ['bgez a0, taken', 0x7fffffff, 0, true],
  ['blez a0, taken', 0xffffffff, 0, true],
  ['blez a0, taken', 0, 0, true],
  ['blez a0, taken', 1, 0, false],
  ['bgtz a0, taken', 0x80000000, 0, false],
  ['bgtz a0, taken', 0, 0, false],
  ['bgtz a0, taken', 1, 0, true],
];

describe('conditional branches: the delay slot always executes', () => {
  for (const [br, a0, a1, taken] of CONDITIONS) {
    it(`${br} with a0=${a0.toString(16)} a1=${a1.toString(16)}: ${taken ? 'taken' : 'not taken'}`, () => {
      const o = outcome(br, a0, a1);
      expect(o.slot).toBe(1);
      expect(o.target).toBe(taken ? 1 : 0);
      expect(o.fall).toBe(taken ? 0 : 1);
    });
  }
});

describe('branch-likely: the delay slot executes only when taken', () => {
  for (const [br, a0, a1, taken] of CONDITIONS) {
    const likely = br.replace(/^(\w+)/, '$1l');
    it(`${likely} with a0=${a0.toString(16)} a1=${a1.toString(16)}: ${taken ? 'taken' : 'not taken, slot nullified'}`, () => {
      const o = outcome(likely, a0, a1);
      expect(o.slot).toBe(taken ? 1 : 0);
      expect(o.target).toBe(taken ? 1 : 0);
      expect(o.fall).toBe(taken ? 0 : 1);
    });
  }
  it('a nullified store in the slot does not reach memory', () => {
    const rig = new Rig();
    rig.write32(0x80008000, 0x11111111);
    rig.exec(`
      li a0, 0x80008000
      addiu t0, zero, 7
      beql t0, zero, end
      sw t0, 0(a0)         # nullified: t0 != 0
      bnel t0, zero, end
      sw t0, 4(a0)         # executed: taken
    `);
    expect(rig.where()).toBe('end');
    expect(rig.read32(0x80008000)).toBe(0x11111111);
    expect(rig.read32(0x80008004)).toBe(7);
  });
});

describe('and-link branches write ra = branch + 8, taken or not', () => {
  // The branch is the first instruction of the program, at CODE.
  const LINK = (CODE + 8) | 0;
  const cases: Array<[string, number, boolean]> = [
    ['bltzal a0, taken', 0xffffffff, true],
    ['bltzal a0, taken', 0, false],
    ['bgezal a0, taken', 0, true],
    ['bgezal a0, taken', 0xffffffff, false],
    ['bltzall a0, taken', 0x80000000, true],
    ['bltzall a0, taken', 1, false],
    ['bgezall a0, taken', 1, true],
    ['bgezall a0, taken', 0xfffffffe, false],
  ];
  for (const [br, a0, taken] of cases) {
    it(`${br} with a0=${a0.toString(16)}`, () => {
      const o = outcome(br, a0);
      expect(o.rig.reg(R.ra)).toBe(LINK);
      expect(o.target).toBe(taken ? 1 : 0);
      // Likely forms nullify the slot when not taken.
      expect(o.slot).toBe(br.includes('all') && !taken ? 0 : 1);
    });
  }
  it('bal (bgezal zero) is an unconditional call; ra is visible in its delay slot', () => {
    const rig = new Rig().exec(`
      bal sub
      move t0, ra          # slot: ra already written
      b end
      nop
    sub:
      move t1, ra
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe((CODE + 8) | 0);
    expect(rig.reg(R.t1)).toBe((CODE + 8) | 0);
  });
});

describe('jumps', () => {
  it('j goes to the target after its slot', () => {
    const rig = new Rig().exec(`
      j there
      addiu t1, zero, 1
      addiu t2, zero, 1
    there:
      addiu t3, zero, 1
    `);
    expect([rig.reg(R.t1), rig.reg(R.t2), rig.reg(R.t3)]).toEqual([1, 0, 1]);
  });
  it('jal links PC + 8 and jr ra returns past the slot', () => {
    const rig = new Rig().exec(`
      jal sub              # at CODE
      addiu t0, zero, 1    # slot
      addiu t1, zero, 1    # return point: CODE + 8
      b end
      nop
    sub:
      jr ra
      addiu t2, zero, 1    # slot of jr
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.ra)).toBe((CODE + 8) | 0);
    expect([rig.reg(R.t0), rig.reg(R.t1), rig.reg(R.t2)]).toEqual([1, 1, 1]);
  });
  it('j keeps the upper four bits of the delay slot address (kseg0 stays kseg0)', () => {
    const rig = new Rig();
    rig.park(0x80002000);
    rig.exec('j 0x80002000\nnop');
    expect(rig.where()).toMatch(/^0x8000200[04]$/);
  });
  it('jalr writes rd = PC + 8 and jumps to rs', () => {
    const rig = new Rig().exec(`
      la t9, sub
      jalr s0, t9          # at CODE + 8 (after the two-word la)
      nop
      b end
      nop
    sub:
      addiu t3, zero, 1
      jr s0
      nop
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s0)).toBe((CODE + 16) | 0);
    expect(rig.reg(R.t3)).toBe(1);
  });
  it('jalr with one operand links through ra', () => {
    const rig = new Rig().exec(`
      la t9, sub
      jalr t9
      nop
      b end
      nop
    sub:
      move t0, ra
      jr ra
      nop
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe((CODE + 16) | 0);
  });
  it('jr.hb behaves as jr', () => {
    const rig = new Rig().exec(`
      la t0, there
      jr.hb t0
      addiu t1, zero, 1
      addiu t2, zero, 1
    there:
      addiu t3, zero, 1
    `);
    expect([rig.reg(R.t1), rig.reg(R.t2), rig.reg(R.t3)]).toEqual([1, 0, 1]);
  });
});

describe('delay slot data flow', () => {
  it('the branch compares values from before its delay slot', () => {
    const rig = new Rig().exec(`
      beq t0, t1, taken    # t0 = t1 = 0: equal
      addiu t0, t0, 1      # slot makes them differ, too late
      addiu t2, zero, 1
      b end
      nop
    taken:
      addiu t3, zero, 1
    `);
    expect(rig.where()).toBe('end');
    expect([rig.reg(R.t0), rig.reg(R.t2), rig.reg(R.t3)]).toEqual([1, 0, 1]);
  });
  it('jr uses rs as it was before the slot rewrote it', () => {
    const rig = new Rig().exec(`
      la t0, there
      jr t0
      addiu t0, t0, 8      # too late to change the target
      addiu t2, zero, 1
    there:
      addiu t3, zero, 1
      nop
      addiu t4, zero, 1
    `);
    expect(rig.where()).toBe('end');
    expect([rig.reg(R.t2), rig.reg(R.t3), rig.reg(R.t4)]).toEqual([0, 1, 1]);
  });
});

describe('loops and batch boundaries', () => {
  it('a backward bne loop sums 1..10', () => {
    const rig = new Rig().exec(`
      addiu t0, zero, 10
      move v0, zero
    loop:
      addu v0, v0, t0
      addiu t0, t0, -1
      bne t0, zero, loop
      nop
    `);
    expect(rig.reg(R.v0)).toBe(55);
  });
  it('single-stepping with run(1) splits branch and slot across calls without changing the result', () => {
    const rig = new Rig();
    rig.asm(`
      addiu t0, zero, 10
      move v0, zero
    loop:
      addiu t0, t0, -1
      bne t0, zero, loop
      addu v0, v0, t0      # slot: runs every iteration, taken or not
    `);
    rig.cpu.setPC(CODE);
    // 2 + 10 iterations x 3 = 32 instructions reach the idle loop.
    for (let i = 0; i < 32; i++) expect(rig.cpu.run(1)).toBe(1);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.v0)).toBe(45); // 9 + 8 + ... + 0
  });
});
