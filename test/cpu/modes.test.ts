// Operating modes and segments (MIPS32 PRA chapters 3 and 4.5): kernel mode when Status.EXL or
// ERL is set or KSU = 00; supervisor with KSU = 01; user with KSU = 10.
//   user:       only kuseg (0x00000000-0x7FFFFFFF, mapped)
//   supervisor: suseg (= kuseg) and sseg (0xC0000000-0xDFFFFFFF, mapped)
//   kernel:     everything; kseg0/kseg1 unmapped; kuseg unmapped while ERL = 1
// Anything else is an address error. CP0 instructions outside kernel mode need Status.CU0, else
// Coprocessor Unusable with CE = 0.

import { describe, expect, it } from 'vitest';
import { CODE, DATA, EXC, lo, R, Rig, ST, tlbw, V } from './helpers.ts';

const UCODE = 0x00400000; // even page: user code (physical 0x40000)
const UDATA = 0x00401000; // odd page: user data (physical 0x41000)

/**
 * A rig whose kernel program maps the user pages (global, writable), then erets to UCODE in the
 * mode given by `status` (KSU bits, plus anything else to keep). The user program ends at `uend`.
 */
function userRig(userSrc: string, status: number, regs: Readonly<Record<number, number>> = {}, kernelExtra = '', setup?: (rig: Rig) => void): Rig {
  const rig = new Rig();
  setup?.(rig);
  rig.asm(`
    ${tlbw(0, UCODE, 0, lo(0x40, { g: true }), lo(0x41, { g: true }))}
    ${kernelExtra}
    li t8, ${UCODE}
    mtc0 t8, $14         # EPC
    li t8, ${status | ST.EXL}
    mtc0 t8, $12
    ehb
    eret
  `);
  rig.place(`${userSrc}\nuend: b uend\nnop\n`, UCODE, 0x80040000);
  rig.run({ regs, budget: 3000 });
  return rig;
}
const atUend = (rig: Rig): boolean => rig.cpu.pc === rig.labels['uend'] || rig.cpu.pc === rig.labels['uend']! + 4;

describe('user mode (KSU = 10)', () => {
  it('runs mapped kuseg code and reaches its data page', () => {
    const rig = userRig(`
      li a0, ${UDATA}
      li t0, 1234
      sw t0, 0(a0)
      lw t1, 0(a0)
    `, ST.KSU_USER);
    expect(atUend(rig)).toBe(true);
    expect(rig.reg(R.t1)).toBe(1234);
    expect(rig.read32(0x80041000)).toBe(1234);
    expect(rig.status & (ST.KSU_USER | ST.EXL)).toBe(ST.KSU_USER);
  });
  const denied: Array<[string, number, number]> = [
    ['lw t0, 0(a0)', 0x80000000, EXC.AdEL], // kseg0
    ['lw t0, 0(a0)', 0xa0000000, EXC.AdEL], // kseg1
    ['lw t0, 0(a0)', 0xc0000000, EXC.AdEL], // sseg
    ['lw t0, 0(a0)', 0xe0000000, EXC.AdEL], // kseg3
    ['sw t0, 0(a0)', 0xfffffff0, EXC.AdES],
    ['sb t0, 0(a0)', 0x80008000, EXC.AdES],
  ];
  for (const [line, va, code] of denied) {
    it(`${line} at 0x${va.toString(16)}: address error`, () => {
      const rig = userRig(`li a0, ${va}\n${line}`, ST.KSU_USER);
      expect(rig.where()).toBe('general');
      expect(rig.exc).toBe(code);
      expect(rig.badVAddr).toBe(va | 0);
      expect(rig.epc).toBe(UCODE + 8);
      // The exception puts the CPU in kernel mode through EXL; KSU still says user.
      expect(rig.status & (ST.EXL | ST.KSU_USER)).toBe(ST.EXL | ST.KSU_USER);
    });
  }
  it('kuseg ends at 0x7FFFFFFF: the last byte is mapped (refill), the next is an address error', () => {
    const last = userRig('li a0, 0x7fffffff\nlb t0, 0(a0)', ST.KSU_USER);
    expect(last.where()).toBe('refill');
    expect(last.badVAddr).toBe(0x7fffffff);
    const next = userRig('li a0, 0x7fffffff\nlb t0, 1(a0)', ST.KSU_USER);
    expect(next.where()).toBe('general');
    expect(next.exc).toBe(EXC.AdEL);
    expect(next.badVAddr).toBe(0x80000000 | 0);
  });
  it('fetching from kseg0: AdEL with EPC = BadVAddr = the target', () => {
    const rig = userRig(`li a0, ${CODE}\njr a0\nnop`, ST.KSU_USER);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.AdEL);
    expect(rig.epc).toBe(CODE);
    expect(rig.badVAddr).toBe(CODE);
  });
  it('a kseg0 page the kernel just used is not reachable from user mode (translation cache)', () => {
    const rig = userRig(`li a0, ${DATA}\nlw t0, 0(a0)`, ST.KSU_USER, {}, `
      li a0, ${DATA}
      lw t0, 0(a0)
      lw t0, 0(a0)
      sw t0, 0(a0)
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.AdEL);
    expect(rig.badVAddr).toBe(DATA);
  });
});

describe('CP0 instructions outside kernel mode', () => {
  const privileged: Array<[string, string]> = [
    ['mfc0 t0, $12', 'mfc0'],
    ['mtc0 zero, $12', 'mtc0'],
    ['tlbwi', 'tlbwi'],
    ['tlbp', 'tlbp'],
    ['tlbr', 'tlbr'],
    ['tlbwr', 'tlbwr'],
    ['eret', 'eret'],
    ['wait', 'wait'],
    ['di t0', 'di'],
    ['ei t0', 'ei'],
    ['cache 0x14, 0(a0)', 'cache'],
  ];
  for (const [line, what] of privileged) {
    it(`${what} in user mode: CpU with CE = 0`, () => {
      const rig = userRig(`nop\n${line}`, ST.KSU_USER, { [R.t0]: 0x5a5a, [R.a0]: UDATA });
      expect(rig.where()).toBe('general');
      expect(rig.exc).toBe(EXC.CpU);
      expect((rig.cause >>> 28) & 3).toBe(0);
      expect(rig.epc).toBe(UCODE + 4);
      expect(rig.reg(R.t0)).toBe(0x5a5a);
    });
  }
  it('mfc0 in supervisor mode is CpU too', () => {
    const rig = userRig('mfc0 t0, $12', ST.KSU_SUPER);
    expect(rig.exc).toBe(EXC.CpU);
  });
  it('Status.CU0 = 1 lets user mode use CP0', () => {
    const rig = userRig('mfc0 t0, $12\nmfc0 t1, $15', ST.KSU_USER | ST.CU0);
    expect(atUend(rig)).toBe(true);
    expect(rig.ureg(R.t0)).toBe((ST.KSU_USER | ST.CU0) >>> 0);
    expect((rig.ureg(R.t1) >>> 16) & 0xff).toBe(1); // PRId.CompanyID: MIPS Technologies
  });
  it('rdhwr in user mode: RI unless the HWREna bit is set', () => {
    const denied = userRig('rdhwr t0, $29', ST.KSU_USER);
    expect(denied.exc).toBe(EXC.RI);
    const allowed = userRig('rdhwr t0, $29', ST.KSU_USER, {}, `
      li t8, 0x20000000    # HWREna: UL (bit 29)
      mtc0 t8, $7
      li t8, 0xabcd
      mtc0 t8, $4, 2       # UserLocal
    `);
    expect(atUend(allowed)).toBe(true);
    expect(allowed.reg(R.t0)).toBe(0xabcd);
    // Enabling only UL does not enable CC ($2).
    const cc = userRig('rdhwr t0, $2', ST.KSU_USER, {}, 'li t8, 0x20000000\nmtc0 t8, $7');
    expect(cc.exc).toBe(EXC.RI);
  });
  it('syscall and break are fine in user mode', () => {
    const rig = userRig('syscall', ST.KSU_USER);
    expect(rig.exc).toBe(EXC.Sys);
    expect(rig.epc).toBe(UCODE);
  });
});

describe('supervisor mode (KSU = 01)', () => {
  it('sseg is mapped and allowed: a miss there is a TLB refill', () => {
    const rig = userRig('li a0, 0xc0000000\nlw t0, 0(a0)', ST.KSU_SUPER);
    expect(rig.where()).toBe('refill');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.badVAddr).toBe(0xc0000000 | 0);
  });
  it('sseg through a TLB entry works', () => {
    const rig = userRig('li a0, 0xc0000000\nlw t0, 4(a0)', ST.KSU_SUPER, {},
      tlbw(1, 0xc0000000, 0, lo(0x41, { g: true }), lo(0x41, { g: true })),
      (r) => r.write32(0x80041004, 0x5e5));
    expect(atUend(rig)).toBe(true);
    expect(rig.reg(R.t0)).toBe(0x5e5);
  });
  for (const va of [0x80000000, 0xa0000000, 0xe0000000]) {
    it(`0x${va.toString(16)} is an address error`, () => {
      const rig = userRig(`li a0, ${va}\nlw t0, 0(a0)`, ST.KSU_SUPER);
      expect(rig.where()).toBe('general');
      expect(rig.exc).toBe(EXC.AdEL);
      expect(rig.badVAddr).toBe(va | 0);
    });
  }
  it('kuseg (suseg) works', () => {
    const rig = userRig(`li a0, ${UDATA}\nsw a0, 0(a0)\nlw t0, 0(a0)`, ST.KSU_SUPER);
    expect(atUend(rig)).toBe(true);
    expect(rig.reg(R.t0)).toBe(UDATA);
  });
});

describe('kernel mode', () => {
  it('sseg and kseg3 are mapped: misses are TLB refills', () => {
    for (const va of [0xc0000000, 0xe0000000]) {
      const rig = new Rig().exec('lw t0, 0(a0)', { [R.a0]: va });
      expect(rig.where()).toBe('refill');
      expect(rig.badVAddr).toBe(va | 0);
    }
  });
  it('kseg0 and kseg1 reach the same physical memory unmapped', () => {
    const rig = new Rig().exec(`
      li a0, 0x80008000
      li a1, 0xa0008000
      li t0, 0x77
      sw t0, 0(a0)
      lw t1, 0(a1)
    `);
    expect(rig.reg(R.t1)).toBe(0x77);
  });
  it('KSU = user with EXL = 1 is still kernel mode', () => {
    const rig = new Rig({ status: ST.KSU_USER | ST.EXL }).exec('lw t0, 0(a0)\nmfc0 t1, $12', { [R.a0]: DATA });
    expect(rig.where()).toBe('end');
    expect(rig.ureg(R.t1)).toBe(ST.KSU_USER | ST.EXL);
  });
  it('KSU = user with ERL = 1 is still kernel mode', () => {
    const rig = new Rig({ status: ST.KSU_USER | ST.ERL }).exec('lw t0, 0(a0)', { [R.a0]: DATA });
    expect(rig.where()).toBe('end');
  });
});

describe('Status.ERL', () => {
  it('makes kuseg unmapped: VA = PA, no TLB', () => {
    const rig = new Rig({ status: ST.ERL });
    rig.write32(0x8000, 0x1e1);
    rig.exec(`
      li a0, 0x8000
      lw t0, 0(a0)
      li t1, 0x2e2
      sw t1, 4(a0)
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(0x1e1);
    expect(rig.read32(0x80008004)).toBe(0x2e2);
  });
  it('clearing ERL with mtc0 makes kuseg mapped again, even for a page just used', () => {
    const rig = new Rig({ status: ST.ERL }).exec(`
      li a0, 0x8000
      lw t0, 0(a0)
      lw t0, 0(a0)
      mtc0 zero, $12
      ehb
      lw t1, 0(a0)
    `);
    expect(rig.where()).toBe('refill');
    expect(rig.badVAddr).toBe(0x8000);
  });
  it('eret from ERL makes kuseg mapped again', () => {
    const rig = new Rig({ status: ST.ERL });
    rig.asm(`
      li a0, 0x8000
      lw t0, 0(a0)
      lw t0, 0(a0)
      la t8, after
      mtc0 t8, $30         # ErrorEPC
      ehb
      eret
      nop
    after:
      lw t1, 0(a0)
    `);
    rig.run();
    expect(rig.where()).toBe('refill');
    expect(rig.epc).toBe(rig.labels['after']!);
  });
});

describe('eret (Vol. II ERET)', () => {
  const prog = `
      la t8, from_epc
      mtc0 t8, $14
      la t8, from_errorepc
      mtc0 t8, $30
      ehb
      eret
      addiu t2, zero, 1    # eret has no delay slot: never runs
    from_epc:
      addiu t0, zero, 1
      b end
      nop
    from_errorepc:
      addiu t1, zero, 1
  `;
  it('with ERL = 1: returns to ErrorEPC and clears only ERL', () => {
    const rig = new Rig({ status: ST.ERL | ST.EXL }).exec(prog);
    expect(rig.where()).toBe('end');
    expect([rig.reg(R.t0), rig.reg(R.t1), rig.reg(R.t2)]).toEqual([0, 1, 0]);
    expect(rig.status & (ST.ERL | ST.EXL)).toBe(ST.EXL);
  });
  it('with ERL = 0, EXL = 1: returns to EPC and clears EXL', () => {
    const rig = new Rig({ status: ST.EXL }).exec(prog);
    expect(rig.where()).toBe('end');
    expect([rig.reg(R.t0), rig.reg(R.t1), rig.reg(R.t2)]).toEqual([1, 0, 0]);
    expect(rig.status & (ST.ERL | ST.EXL)).toBe(0);
  });
  it('returning to user mode and trapping back: a full round trip through the general vector', () => {
    const rig = new Rig();
    rig.asm(`
      ${tlbw(0, UCODE, 0, lo(0x40, { g: true }), lo(0x41, { g: true }))}
      li t8, ${UCODE}
      mtc0 t8, $14
      li t8, ${ST.KSU_USER | ST.EXL}
      mtc0 t8, $12
      ehb
      eret
    `);
    // Handler: count syscalls, skip them, return.
    rig.place(`
      addiu s0, s0, 1
      mfc0 k0, $14
      addiu k0, k0, 4
      mtc0 k0, $14
      ehb
      eret
    `, V.general);
    rig.place(`
      syscall
      syscall
      addiu t0, zero, 3
    uend:
      b uend
      nop
    `, UCODE, 0x80040000);
    rig.run();
    expect(atUend(rig)).toBe(true);
    expect(rig.reg(R.s0)).toBe(2);
    expect(rig.reg(R.t0)).toBe(3);
    expect(rig.status & (ST.KSU_USER | ST.EXL)).toBe(ST.KSU_USER);
  });
});
