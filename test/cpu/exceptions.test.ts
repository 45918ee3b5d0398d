// Exceptions (MIPS32 PRA chapter 6; Vol. II for which instruction raises what). Checked for each:
// the vector reached, Cause.ExcCode, EPC, Cause.BD, BadVAddr where the PRA says it is written,
// and that the faulting instruction had no effect.
//
// PRA 6.2.1 (general exception processing), in short: if Status.EXL = 0, EPC = the faulting
// instruction (or the branch, with Cause.BD = 1, when it sits in a delay slot); if EXL = 1, EPC
// and BD are left alone. Then EXL = 1 and the CPU jumps to base + offset, base = 0xBFC00200 when
// Status.BEV = 1, else EBase; offset = 0x000 for a TLB refill with EXL = 0, 0x200 for an
// interrupt with Cause.IV = 1, else 0x180.

import { describe, expect, it } from 'vitest';
import { CAUSE, CODE, DATA, EXC, lo, R, Rig, ST, tlbw, V } from './helpers.ts';

const SENTINEL = 0x5a5a5a5a;

function expectException(rig: Rig, where: string, code: number, epc: number, bd = false): void {
  expect(rig.where()).toBe(where);
  expect(rig.exc).toBe(code);
  expect(rig.epc).toBe(epc | 0);
  expect((rig.cause & CAUSE.BD) !== 0).toBe(bd);
  expect(rig.status & ST.EXL).toBe(ST.EXL);
}

describe('integer overflow (Ov, ExcCode 12): the destination is not written', () => {
  const cases: Array<[string, number, number]> = [
    ['add t0, t1, t2', 0x7fffffff, 1],
    ['add t0, t1, t2', 0x80000000, 0x80000000],
    ['sub t0, t1, t2', 0x80000000, 1],
    ['sub t0, t1, t2', 0x7fffffff, 0xffffffff], // max - (-1)
    ['addi t0, t1, 1', 0x7fffffff, 0],
    ['addi t0, t1, -1', 0x80000000, 0],
  ];
  for (const [line, a, b] of cases) {
    it(`${line} with ${a.toString(16)}, ${b.toString(16)}`, () => {
      const rig = new Rig().exec(line, { [R.t0]: SENTINEL, [R.t1]: a, [R.t2]: b });
      expectException(rig, 'general', EXC.Ov, CODE);
      expect(rig.ureg(R.t0)).toBe(SENTINEL);
    });
  }
});

describe('traps (Tr, ExcCode 13)', () => {
  // [instruction, a0, a1, traps?]; immediates are sign-extended, the u forms compare unsigned.
  const cases: Array<[string, number, number, boolean]> = [
    ['teq a0, a1', 5, 5, true],
    ['teq a0, a1', 5, 6, false],
    ['tne a0, a1', 5, 6, true],
    ['tne a0, a1', 5, 5, false],
    ['tge a0, a1', 0xffffffff, 1, false], // -1 >= 1: no
    ['tge a0, a1', 1, 0xffffffff, true],
    ['tge a0, a1', 3, 3, true],
    ['tgeu a0, a1', 0xffffffff, 1, true],
    ['tgeu a0, a1', 1, 0xffffffff, false],
    ['tlt a0, a1', 0xffffffff, 1, true],
    ['tlt a0, a1', 1, 0xffffffff, false],
    ['tlt a0, a1', 3, 3, false],
    ['tltu a0, a1', 1, 0xffffffff, true],
    ['tltu a0, a1', 0xffffffff, 1, false],
    ['teqi a0, -1', 0xffffffff, 0, true],
    ['teqi a0, -1', 0x0000ffff, 0, false],
    ['tnei a0, 5', 4, 0, true],
    ['tnei a0, 5', 5, 0, false],
    ['tgei a0, -4', 0xfffffffb, 0, false], // -5 >= -4: no
    ['tgei a0, -4', 0xfffffffc, 0, true],
    ['tgeiu a0, -1', 0xffffffff, 0, true], // imm = 0xffffffff unsigned
    ['tgeiu a0, -1', 0xfffffffe, 0, false],
    ['tlti a0, -4', 0xfffffffb, 0, true],
    ['tlti a0, -4', 0, 0, false],
    ['tltiu a0, -1', 5, 0, true], // 5 < 0xffffffff
    ['tltiu a0, -32768', 0xffff8000, 0, false], // equal
    ['tltiu a0, -32768', 0xffff7fff, 0, true],
  ];
  for (const [line, a0, a1, traps] of cases) {
    it(`${line} with a0=${a0.toString(16)} a1=${a1.toString(16)}: ${traps ? 'traps' : 'no trap'}`, () => {
      const rig = new Rig().exec(line, { [R.a0]: a0, [R.a1]: a1 });
      if (traps) expectException(rig, 'general', EXC.Tr, CODE);
      else expect(rig.where()).toBe('end');
    });
  }
});

describe('syscall and break', () => {
  it('syscall: Sys (8), EPC = the syscall, BD = 0', () => {
    const rig = new Rig().exec('nop\nsyscall 0x1234');
    expectException(rig, 'general', EXC.Sys, CODE + 4);
  });
  it('break: Bp (9)', () => {
    const rig = new Rig().exec('nop\nnop\nbreak');
    expectException(rig, 'general', EXC.Bp, CODE + 8);
  });
});

describe('reserved instruction (RI, ExcCode 10)', () => {
  const words: Array<[number, string]> = [
    [0xfc000000, 'opcode 0x3f (64-bit SD)'],
    [0xdc000000, 'opcode 0x37 (64-bit LD)'],
    [0x00000005, 'SPECIAL funct 0x05'],
    [0x0000002c, 'SPECIAL funct 0x2c (64-bit DADD)'],
    [0x70000003, 'SPECIAL2 funct 0x03'],
    [0x7c000001, 'SPECIAL3 funct 0x01'],
    [0x40200000, 'COP0 rs = 1 (64-bit DMFC0)'],
    [0x04050000, 'REGIMM rt = 0x05'],
  ];
  for (const [w, what] of words) {
    it(`${what}: .word 0x${w.toString(16)}`, () => {
      const rig = new Rig().exec(`.word 0x${w.toString(16)}`);
      expectException(rig, 'general', EXC.RI, CODE);
    });
  }
});

describe('coprocessor unusable (CpU, ExcCode 11) reports the unit in Cause.CE', () => {
  const cases: Array<[string, number]> = [
    ['.word 0xc4800000      # lwc1 $f0, 0(a0)', 1],
    ['.word 0x44000000      # mfc1 zero, $f0', 1],
    ['.word 0x4c000000      # COP1X', 1],
    ['.word 0x00000001      # movf zero, zero, $fcc0', 1],
    ['.word 0xe4800000      # swc1 $f0, 0(a0)', 1],
    ['.word 0x48000000      # COP2', 2],
    ['.word 0xc8800000      # lwc2 $0, 0(a0)', 2],
  ];
  for (const [line, ce] of cases) {
    it(`${line} -> CE = ${ce}`, () => {
      const rig = new Rig().exec(line, { [R.a0]: DATA });
      expectException(rig, 'general', EXC.CpU, CODE);
      expect((rig.cause >>> 28) & 3).toBe(ce);
    });
  }
  it('CE is rewritten by the next CpU exception', () => {
    const rig = new Rig();
    // First a COP2 (CE = 2); the handler skips it and returns into a COP1 (CE = 1).
    rig.place(`
      bne k1, zero, second
      nop
      addiu k1, zero, 1
      mfc0 s0, $13
      mfc0 k0, $14
      addiu k0, k0, 4
      mtc0 k0, $14
      ehb
      eret
    second:
      b second
      nop
    `, V.general);
    rig.exec('.word 0x48000000\n.word 0x44000000', { [R.k1]: 0 });
    expect((rig.reg(R.s0) >>> 28) & 3).toBe(2);
    expect(rig.exc).toBe(EXC.CpU);
    expect((rig.cause >>> 28) & 3).toBe(1);
    expect(rig.epc).toBe(CODE + 4);
  });
});

describe('address errors: AdEL (4) / AdES (5) with BadVAddr', () => {
  const cases: Array<[string, number, number]> = [
    ['lw t0, 1(a0)', EXC.AdEL, 1],
    ['lw t0, 2(a0)', EXC.AdEL, 2],
    ['lh t0, 1(a0)', EXC.AdEL, 1],
    ['lhu t0, 3(a0)', EXC.AdEL, 3],
    ['sw t0, 2(a0)', EXC.AdES, 2],
    ['sh t0, 1(a0)', EXC.AdES, 1],
  ];
  for (const [line, code, off] of cases) {
    it(`${line}`, () => {
      const rig = new Rig();
      rig.write32(DATA, 0x11111111);
      rig.exec(line, { [R.a0]: DATA, [R.t0]: SENTINEL });
      expectException(rig, 'general', code, CODE);
      expect(rig.badVAddr).toBe((DATA + off) | 0);
      expect(rig.ureg(R.t0)).toBe(SENTINEL); // a faulting load writes nothing
      expect(rig.read32(DATA)).toBe(0x11111111); // a faulting store writes nothing
    });
  }
  for (const [good, bad, code] of [
    ['lw t0, 0(a0)', 'lw t0, 2(a0)', EXC.AdEL],
    ['lh t0, 0(a0)', 'lh t0, 1(a0)', EXC.AdEL],
    ['sw t0, 0(a0)', 'sw t0, 1(a0)', EXC.AdES],
    ['sh t0, 0(a0)', 'sh t0, 3(a0)', EXC.AdES],
  ] as const) {
    it(`${bad} faults even after ${good} put the page in the translation cache`, () => {
      const rig = new Rig().exec(`${good}\n${good}\n${bad}`, { [R.a0]: DATA });
      expectException(rig, 'general', code, CODE + 8);
      expect(rig.badVAddr).toBe((DATA + Number(/(\d)\(/.exec(bad)![1])) | 0);
    });
  }
  it('lb/lbu/sb and lwl/lwr/swl/swr never take an alignment error', () => {
    const rig = new Rig().exec(`
      lb t0, 3(a0)
      lbu t0, 1(a0)
      sb t0, 3(a0)
      lwl t0, 1(a0)
      lwr t0, 2(a0)
      swl t0, 3(a0)
      swr t0, 1(a0)
    `, { [R.a0]: DATA });
    expect(rig.where()).toBe('end');
  });
  it('jumping to a misaligned address: AdEL on the fetch, EPC = BadVAddr = the target', () => {
    const target = (CODE + 0x102) | 0;
    const rig = new Rig().exec('jr a0\nnop', { [R.a0]: target });
    expectException(rig, 'general', EXC.AdEL, target);
    expect(rig.badVAddr).toBe(target);
  });
  it('the address error outranks the TLB refill (PRA 6.2 priorities)', () => {
    const rig = new Rig().exec('lw t0, 1(a0)', { [R.a0]: 0x00400000 });
    expectException(rig, 'general', EXC.AdEL, CODE);
    expect(rig.badVAddr).toBe(0x00400001);
  });
});

describe('exceptions in branch delay slots: Cause.BD = 1, EPC = the branch', () => {
  const cases: Array<[string, string]> = [
    ['taken beq', 'beq zero, zero, end'],
    ['not-taken bne', 'bne zero, zero, end'],
    ['taken beql', 'beql zero, zero, end'],
    ['jr', 'jr a1'],
    ['jal', 'jal end'],
    ['bltzal (not taken)', 'bltzal a1, end'],
  ];
  for (const [what, br] of cases) {
    it(`syscall in the slot of a ${what}`, () => {
      const rig = new Rig();
      const end = rig.asm('nop\nnop\nnop').labels['end']!;
      rig.exec(`nop\n${br}\nsyscall`, { [R.a1]: end });
      expectException(rig, 'general', EXC.Sys, CODE + 4, true);
    });
  }
  it('a load fault in a slot: the handler fixes the base and erets to the branch, which re-executes', () => {
    const rig = new Rig();
    rig.write32(DATA, 0xcafe);
    rig.place(`
      addiu a0, a0, -1     # fix the misaligned base
      addiu s1, s1, 1      # count handler entries
      eret
    `, V.general);
    rig.exec(`
      addiu s0, s0, 1      # never re-run: EPC is the branch, not before it
    br:
      beq zero, zero, tgt
      lw t0, 0(a0)
      b end
      nop
    tgt:
      addiu t3, zero, 1
    `, { [R.a0]: DATA + 1 });
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(0xcafe);
    expect(rig.reg(R.t3)).toBe(1);
    expect(rig.reg(R.s0)).toBe(1);
    expect(rig.reg(R.s1)).toBe(1);
    expect(rig.status & ST.EXL).toBe(0);
  });
  it('overflow in a slot', () => {
    const rig = new Rig().exec('b end\nadd t0, t1, t1', { [R.t1]: 0x40000000, [R.t0]: SENTINEL });
    expectException(rig, 'general', EXC.Ov, CODE, true);
    expect(rig.ureg(R.t0)).toBe(SENTINEL);
  });
  it('BD is cleared again by a later exception outside a slot', () => {
    const rig = new Rig();
    rig.asm(`
      b resume
      syscall              # first: in a slot
    resume:
      break                # second: not in a slot
    `);
    rig.place(`
      bne k1, zero, second
      nop
      addiu k1, zero, 1
      mfc0 s0, $13         # Cause of the first exception
      la k0, resume
      mtc0 k0, $14
      ehb
      eret
    second:
      b second
      nop
    `, V.general);
    rig.run();
    expect(rig.reg(R.s0) & CAUSE.BD).toBe(CAUSE.BD);
    expect(rig.exc).toBe(EXC.Bp);
    expect(rig.cause & CAUSE.BD).toBe(0);
    expect(rig.epc).toBe(rig.labels['resume']!);
  });
});

describe('exceptions with Status.EXL already set', () => {
  it('keep EPC and go to offset 0x180', () => {
    const rig = new Rig().exec(`
      li t0, 0x12345678
      mtc0 t0, $14         # EPC
      mtc0 zero, $13
      ori t1, zero, 2      # EXL
      mtc0 t1, $12
      ehb
      syscall
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Sys);
    expect(rig.epc >>> 0).toBe(0x12345678);
  });
  it('keep Cause.BD from the first exception (nested exception in the handler)', () => {
    const rig = new Rig();
    rig.place(`
      bne k1, zero, second
      nop
      addiu k1, zero, 1
      break                # EXL = 1 here
    second:
      b second
      nop
    `, V.general);
    rig.exec(`
      nop
      b end
      syscall
    `);
    expect(rig.exc).toBe(EXC.Bp);
    expect(rig.cause & CAUSE.BD).toBe(CAUSE.BD); // untouched
    expect(rig.epc).toBe(CODE + 4); // the branch of the first exception
  });
  it('a TLB refill with EXL set goes to 0x180, not 0x000', () => {
    const rig = new Rig({ status: ST.EXL }).exec('lw t0, 0(a0)', { [R.a0]: 0x00400000 });
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.badVAddr).toBe(0x00400000);
  });
});

describe('vector selection: BEV, EBase, refill offset, Cause.IV', () => {
  it('refill with EXL = 0 uses offset 0x000: TLBL for a load', () => {
    const rig = new Rig().exec('lw t0, 0(a0)', { [R.a0]: 0x00400000 });
    expectException(rig, 'refill', EXC.TLBL, CODE);
  });
  it('refill for a store is TLBS', () => {
    const rig = new Rig().exec('nop\nsw t0, 4(a0)', { [R.a0]: 0x00400000 });
    expectException(rig, 'refill', EXC.TLBS, CODE + 4);
    expect(rig.badVAddr).toBe(0x00400004);
  });
  it('refill on an instruction fetch: TLBL with EPC = BadVAddr = the target', () => {
    const rig = new Rig().exec('jr a0\nnop', { [R.a0]: 0x00400000 });
    expectException(rig, 'refill', EXC.TLBL, 0x00400000);
    expect(rig.badVAddr).toBe(0x00400000);
  });
  it('BEV = 1: general exceptions at 0xBFC00380', () => {
    const rig = new Rig({ status: ST.BEV }).exec('syscall');
    expectException(rig, 'bevGeneral', EXC.Sys, CODE);
  });
  it('BEV = 1: refill at 0xBFC00200', () => {
    const rig = new Rig({ status: ST.BEV }).exec('lw t0, 0(a0)', { [R.a0]: 0x00400000 });
    expectException(rig, 'bevRefill', EXC.TLBL, CODE);
  });
  it('BEV = 0: vectors move with EBase', () => {
    const rig = new Rig();
    rig.park(0x80040000);
    rig.park(0x80040180);
    rig.exec(`
      li t0, 0x80040000
      mtc0 t0, $15, 1      # EBase
      ehb
      syscall
    `);
    expect(rig.where()).toBe('0x80040180');
    expect(rig.exc).toBe(EXC.Sys);
    const rig2 = new Rig();
    rig2.park(0x80040000);
    rig2.exec(`
      li t0, 0x80040000
      mtc0 t0, $15, 1
      ehb
      lw t1, 0(a0)
    `, { [R.a0]: 0x00400000 });
    expect(rig2.where()).toBe('0x80040000');
    expect(rig2.exc).toBe(EXC.TLBL);
  });
  it('BEV = 1 ignores EBase', () => {
    const rig = new Rig({ status: ST.BEV });
    rig.park(0x80040180);
    rig.exec(`
      li t0, 0x80040000
      mtc0 t0, $15, 1
      ehb
      syscall
    `);
    expect(rig.where()).toBe('bevGeneral');
  });
  const softIrq = (iv: boolean): string => `
      li t0, ${iv ? CAUSE.IV | CAUSE.IP0 : CAUSE.IP0}
      mtc0 t0, $13         # Cause: IP0 (and IV)
      ehb
      nop
  `;
  it('Cause.IV = 0: interrupts use 0x180', () => {
    const rig = new Rig({ status: ST.IE | ST.IM0 }).exec(softIrq(false));
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Int);
  });
  it('Cause.IV = 1: interrupts use the special vector 0x200', () => {
    const rig = new Rig({ status: ST.IE | ST.IM0 }).exec(softIrq(true));
    expect(rig.where()).toBe('interrupt');
    expect(rig.exc).toBe(EXC.Int);
  });
  it('Cause.IV = 1 with BEV = 1: interrupts at 0xBFC00400', () => {
    const rig = new Rig({ status: ST.BEV | ST.IE | ST.IM0 }).exec(softIrq(true));
    expect(rig.where()).toBe('bevInterrupt');
  });
  it('Cause.IV = 1 does not move other exceptions off 0x180', () => {
    const rig = new Rig().exec(`
      li t0, ${CAUSE.IV}
      mtc0 t0, $13
      ehb
      syscall
    `);
    expect(rig.where()).toBe('general');
    expect(rig.cause & CAUSE.IV).toBe(CAUSE.IV);
  });
});

describe('bus errors (IBE 6, DBE 7): nothing decodes the physical address', () => {
  // Physical 0x10000000 is above RAM and outside every device window of the rig.
  it('a load: DBE, EPC = the load; BadVAddr is not an address-error register here', () => {
    const rig = new Rig().exec('lw t0, 0(a0)', { [R.a0]: 0xb0000000, [R.t0]: SENTINEL });
    expectException(rig, 'general', EXC.DBE, CODE);
    expect(rig.ureg(R.t0)).toBe(SENTINEL);
  });
  it('a store: DBE', () => {
    const rig = new Rig().exec('nop\nsw t0, 0(a0)', { [R.a0]: 0xb0000000 });
    expectException(rig, 'general', EXC.DBE, CODE + 4);
  });
  it('an instruction fetch: IBE, EPC = the fetch address', () => {
    const rig = new Rig().exec('jr a0\nnop', { [R.a0]: 0xb0000000 });
    expectException(rig, 'general', EXC.IBE, 0xb0000000);
  });
});

describe('synci and pref (Vol. II SYNCI, PREF)', () => {
  // Vol. II SYNCI lists TLB Refill/Invalid (TLBL) and Address Error; isa.ts says the same.
  // (QEMU treats synci as a no-op; random differential programs do not use it.)
  it('synci translates its address: an unmapped one takes a TLB refill (TLBL)', () => {
    const rig = new Rig().exec('nop\nsynci 0(a0)', { [R.a0]: 0x00400000 });
    expectException(rig, 'refill', EXC.TLBL, CODE + 4);
    expect(rig.badVAddr).toBe(0x00400000);
  });
  it('synci to kseg0 from user mode is an address error', () => {
    // User mode runs from a mapped page (see modes.test.ts for the pattern).
    const rig = new Rig();
    rig.asm(`
      ${tlbw(0, 0x00400000, 0, lo(0x40, { g: true }), lo(0x41, { g: true }))}
      li t8, 0x00400000
      mtc0 t8, $14
      li t8, ${ST.KSU_USER | ST.EXL}
      mtc0 t8, $12
      ehb
      eret
    `);
    rig.place('li a0, 0x80008000\nsynci 0(a0)\nuend: b uend\nnop', 0x00400000, 0x80040000);
    rig.run();
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.AdEL);
    expect(rig.badVAddr).toBe(0x80008000 | 0);
  });
  it('synci on a mapped kseg0 address is harmless', () => {
    const rig = new Rig().exec('synci 0(a0)\naddiu t0, zero, 1', { [R.a0]: DATA });
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(1);
  });
  it('pref never raises an exception, even for an unmapped address', () => {
    const rig = new Rig().exec('.word 0xcc800000   # pref 0, 0(a0)\naddiu t0, zero, 1', { [R.a0]: 0x00400000 });
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(1);
  });
});

describe('exceptions and nullified or page-crossing delay slots', () => {
  it('a syscall in the nullified slot of a not-taken branch-likely never happens', () => {
    const rig = new Rig().exec('beql zero, t0, end\nsyscall\naddiu t1, zero, 1', { [R.t0]: 1 });
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t1)).toBe(1);
  });
  it('a fault fetching a delay slot on the next page: EPC = the branch, BD = 1, BadVAddr = the slot', () => {
    const rig = new Rig();
    const va = 0x00400000;
    // Even page valid (frame 0x20), odd page invalid: the branch is the even page's last word.
    rig.asm(`
      ${tlbw(1, va, 0, lo(0x20, { g: true }), lo(0x21, { g: true, v: false }))}
      li a0, ${va + 0xff8}
      jr a0
      nop
    `);
    rig.place('nop\nb 0x00400000', va + 0xff8, 0x80020ff8);
    rig.run();
    expectException(rig, 'general', EXC.TLBL, va + 0xffc, true);
    expect(rig.badVAddr).toBe(va + 0x1000);
  });
});
