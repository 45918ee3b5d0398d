// Loads and stores (MIPS32 Vol. II: LB, LBU, LH, LHU, LW, SB, SH, SW, LWL, LWR, SWL, SWR, LL,
// SC), little-endian. Each load runs twice in a row so that both the translation-cache miss
// (slow path) and the hit (fast path) are checked.

import { describe, expect, it } from 'vitest';
import { CODE, DATA, EXC, R, Rig, V } from './helpers.ts';

const BYTES = [0x80, 0x7f, 0xff, 0x01, 0x34, 0x92, 0x00, 0xc5];

function loaded(line: string, init: readonly number[] = BYTES, base = DATA): [number, number] {
  const rig = new Rig();
  rig.writeBytes(DATA, init);
  rig.exec(`${line.replace('RT', 't0')}\n${line.replace('RT', 't1')}`, { [R.a0]: base, [R.t0]: 0x5a5a5a5a, [R.t1]: 0x5a5a5a5a });
  expect(rig.where()).toBe('end');
  return [rig.ureg(R.t0), rig.ureg(R.t1)];
}

describe('loads: width and extension', () => {
  // Memory at DATA: 80 7f ff 01 34 92 00 c5 (address order).
  const cases: Array<[string, number, string]> = [
    ['lb RT, 0(a0)', 0xffffff80, 'byte 0x80 sign-extends'],
    ['lb RT, 1(a0)', 0x0000007f, 'byte 0x7f stays positive'],
    ['lbu RT, 0(a0)', 0x00000080, 'lbu zero-extends'],
    ['lbu RT, 2(a0)', 0x000000ff, ''],
    ['lh RT, 0(a0)', 0x00007f80, 'halfword 0x7f80 (little-endian: low byte first)'],
    ['lh RT, 4(a0)', 0xffff9234, 'halfword 0x9234 sign-extends'],
    ['lhu RT, 4(a0)', 0x00009234, 'lhu zero-extends'],
    ['lh RT, 6(a0)', 0xffffc500, 'halfword 0xc500'],
    ['lw RT, 0(a0)', 0x01ff7f80, 'word'],
    ['lw RT, 4(a0)', 0xc5009234, 'word with bit 31 set'],
    ['lw RT, -4(a0)', 0x01ff7f80, 'negative offset (a0 = DATA + 4)'],
  ];
  for (const [line, want, what] of cases) {
    it(`${line}: ${what}`, () => {
      const base = line.includes('-4') ? DATA + 4 : DATA;
      expect(loaded(line, BYTES, base)).toEqual([want, want]);
    });
  }
  it('kseg1 (uncached) sees the same physical memory as kseg0', () => {
    expect(loaded('lw RT, 0(a0)', BYTES, (DATA + 0x20000000) | 0)).toEqual([0x01ff7f80, 0x01ff7f80]);
  });
  it('MIPS32 has no load delay slot: the next instruction sees the loaded value', () => {
    const rig = new Rig();
    rig.write32(DATA, 21);
    rig.exec('lw t0, 0(a0)\naddu t1, t0, t0', { [R.a0]: DATA });
    expect(rig.reg(R.t1)).toBe(42);
  });
  it('a load into $zero is discarded', () => {
    const rig = new Rig();
    rig.write32(DATA, 0x1234);
    rig.exec('lw zero, 0(a0)\nmove t0, zero', { [R.a0]: DATA, [R.t0]: 9 });
    expect(rig.reg(R.t0)).toBe(0);
  });
});

describe('stores: width', () => {
  const V0 = 0x12345678;
  const cases: Array<[string, number[]]> = [
    // memory at DATA afterwards, starting from aa bb cc dd ee ff 00 11
    ['sb t0, 1(a0)', [0xaa, 0x78, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11]],
    ['sh t0, 2(a0)', [0xaa, 0xbb, 0x78, 0x56, 0xee, 0xff, 0x00, 0x11]],
    ['sw t0, 4(a0)', [0xaa, 0xbb, 0xcc, 0xdd, 0x78, 0x56, 0x34, 0x12]],
    ['sw t0, -4(a1)', [0xaa, 0xbb, 0xcc, 0xdd, 0x78, 0x56, 0x34, 0x12]],
  ];
  for (const [line, want] of cases) {
    it(line, () => {
      const rig = new Rig();
      rig.writeBytes(DATA, [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11]);
      rig.exec(`${line}\n${line}`, { [R.a0]: DATA, [R.a1]: DATA + 8, [R.t0]: V0 });
      expect(rig.readBytes(DATA, 8)).toEqual(want);
    });
  }
  it('a store is visible to a following load at every width', () => {
    const rig = new Rig().exec(`
      sw t0, 0(a0)
      lbu t1, 3(a0)
      lh t2, 2(a0)
      sb zero, 3(a0)
      lw t3, 0(a0)
    `, { [R.a0]: DATA, [R.t0]: 0x87654321 });
    expect(rig.ureg(R.t1)).toBe(0x87);
    expect(rig.ureg(R.t2)).toBe(0xffff8765);
    expect(rig.ureg(R.t3)).toBe(0x00654321);
  });
});

describe('lwl / lwr: every byte offset (little-endian, Vol. II LWL/LWR)', () => {
  // Memory at DATA: 11 22 33 44 55 66 77 88; rt starts as 0xaabbccdd.
  // LWL at byte k of a word fills rt's high k+1 bytes with memory bytes k..0 (MSB first);
  // LWR at byte k fills rt's low 4-k bytes with memory bytes 3..k.
  const MEM = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
  const cases: Array<[string, number]> = [
    ['lwl t0, 0(a0)', 0x11bbccdd],
    ['lwl t0, 1(a0)', 0x2211ccdd],
    ['lwl t0, 2(a0)', 0x332211dd],
    ['lwl t0, 3(a0)', 0x44332211],
    ['lwr t0, 0(a0)', 0x44332211],
    ['lwr t0, 1(a0)', 0xaa443322],
    ['lwr t0, 2(a0)', 0xaabb4433],
    ['lwr t0, 3(a0)', 0xaabbcc44],
    ['lwl t0, 5(a0)', 0x6655ccdd],
    ['lwr t0, 6(a0)', 0xaabb8877],
  ];
  for (const [line, want] of cases) {
    it(line, () => {
      const rig = new Rig();
      rig.writeBytes(DATA, MEM);
      rig.exec(line, { [R.a0]: DATA, [R.t0]: 0xaabbccdd });
      expect(rig.where()).toBe('end');
      expect(rig.ureg(R.t0)).toBe(want);
    });
  }
  it('lwr k(base) + lwl k+3(base) load an unaligned word for every k', () => {
    const want = [0x44332211, 0x55443322, 0x66554433, 0x77665544];
    for (let k = 0; k < 4; k++) {
      const rig = new Rig();
      rig.writeBytes(DATA, MEM);
      rig.exec(`lwr t0, ${k}(a0)\nlwl t0, ${k + 3}(a0)`, { [R.a0]: DATA, [R.t0]: 0xaabbccdd });
      expect(rig.ureg(R.t0)).toBe(want[k]);
    }
  });
});

describe('swl / swr: every byte offset (little-endian, Vol. II SWL/SWR)', () => {
  // Memory at DATA: 11 22 33 44 55 66 77 88; rt = 0xaabbccdd (bytes, LSB first: dd cc bb aa).
  // SWL at byte k stores rt's high k+1 bytes into bytes k..0; SWR at byte k stores rt's low
  // 4-k bytes into bytes k..3.
  const MEM = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
  const cases: Array<[string, number[]]> = [
    ['swl t0, 0(a0)', [0xaa, 0x22, 0x33, 0x44]],
    ['swl t0, 1(a0)', [0xbb, 0xaa, 0x33, 0x44]],
    ['swl t0, 2(a0)', [0xcc, 0xbb, 0xaa, 0x44]],
    ['swl t0, 3(a0)', [0xdd, 0xcc, 0xbb, 0xaa]],
    ['swr t0, 0(a0)', [0xdd, 0xcc, 0xbb, 0xaa]],
    ['swr t0, 1(a0)', [0x11, 0xdd, 0xcc, 0xbb]],
    ['swr t0, 2(a0)', [0x11, 0x22, 0xdd, 0xcc]],
    ['swr t0, 3(a0)', [0x11, 0x22, 0x33, 0xdd]],
  ];
  for (const [line, want] of cases) {
    it(line, () => {
      const rig = new Rig();
      rig.writeBytes(DATA, MEM);
      rig.exec(line, { [R.a0]: DATA, [R.t0]: 0xaabbccdd });
      expect(rig.where()).toBe('end');
      // The neighbouring word is untouched.
      expect(rig.readBytes(DATA, 8)).toEqual([...want, 0x55, 0x66, 0x77, 0x88]);
    });
  }
  it('swr k(base) + swl k+3(base) store an unaligned word for every k', () => {
    for (let k = 0; k < 4; k++) {
      const rig = new Rig();
      rig.writeBytes(DATA, MEM);
      rig.exec(`swr t0, ${k}(a0)\nswl t0, ${k + 3}(a0)`, { [R.a0]: DATA, [R.t0]: 0xaabbccdd });
      const want = MEM.slice();
      [0xdd, 0xcc, 0xbb, 0xaa].forEach((b, i) => { want[k + i] = b; });
      expect(rig.readBytes(DATA, 8)).toEqual(want);
    }
  });
});

describe('ll / sc', () => {
  it('ll then sc succeeds: rt = 1 and memory is written', () => {
    const rig = new Rig();
    rig.write32(DATA, 41);
    rig.exec(`
      ll t0, 0(a0)
      addiu t1, t0, 1
      sc t1, 0(a0)
    `, { [R.a0]: DATA });
    expect(rig.reg(R.t0)).toBe(41);
    expect(rig.reg(R.t1)).toBe(1);
    expect(rig.read32(DATA)).toBe(42);
  });
  it('sc without a preceding ll fails: rt = 0 and memory is unchanged', () => {
    const rig = new Rig();
    rig.write32(DATA, 41);
    rig.exec('sc t1, 0(a0)', { [R.a0]: DATA, [R.t1]: 99 });
    expect(rig.reg(R.t1)).toBe(0);
    expect(rig.read32(DATA)).toBe(41);
  });
  it('eret between ll and sc clears the link (Vol. II ERET: LLbit <- 0)', () => {
    const rig = new Rig();
    rig.write32(DATA, 41);
    rig.exec(`
      ll t0, 0(a0)
      la k0, after
      mtc0 k0, $14         # EPC
      mfc0 k1, $12
      ori k1, k1, 2        # EXL
      mtc0 k1, $12
      ehb
      eret
      nop
    after:
      addiu t1, zero, 99
      sc t1, 0(a0)
    `, { [R.a0]: DATA });
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t1)).toBe(0);
    expect(rig.read32(DATA)).toBe(41);
  });
  it('an exception taken and returned from between ll and sc makes sc fail', () => {
    const rig = new Rig();
    rig.write32(DATA, 41);
    // Handler: skip the syscall (EPC += 4) and return.
    rig.place(`
      mfc0 k0, $14
      addiu k0, k0, 4
      mtc0 k0, $14
      ehb
      eret
    `, V.general);
    rig.exec(`
      ll t0, 0(a0)
      syscall
      addiu t1, zero, 99
      sc t1, 0(a0)
    `, { [R.a0]: DATA });
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t1)).toBe(0);
    expect(rig.read32(DATA)).toBe(41);
  });
  it('a failing sc still takes the address error for a misaligned address', () => {
    const rig = new Rig().exec('sc t1, 2(a0)', { [R.a0]: DATA });
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.AdES);
    expect(rig.badVAddr).toBe((DATA + 2) | 0);
    expect(rig.epc).toBe(CODE);
  });
  it('ll requires word alignment (AdEL)', () => {
    const rig = new Rig().exec('ll t1, 1(a0)', { [R.a0]: DATA });
    expect(rig.exc).toBe(EXC.AdEL);
    expect(rig.badVAddr).toBe((DATA + 1) | 0);
  });
});

describe('lwl / lwr / swl / swr faults report the effective address', () => {
  // Vol. II LWL/LWR/SWL/SWR: vAddr = sign_extend(offset) + GPR[base]; AddressTranslation(vAddr)
  // raises the TLB exception, so BadVAddr (PRA 9.9: "the most recent virtual address that
  // caused" the exception) is vAddr itself, low two bits included.
  const cases: Array<[string, number]> = [
    ['lwl t0, 3(a0)', 3],
    ['lwr t0, 1(a0)', 1],
    ['swl t0, 2(a0)', 2],
    ['swr t0, 1(a0)', 1],
  ];
  for (const [line, off] of cases) {
    // The fault reports the effective address itself, as the manual says (QEMU agrees).
    it(`${line} on an unmapped page: TLB refill with BadVAddr = base + ${off}`, () => {
      const rig = new Rig().exec(line, { [R.a0]: 0x00400000 });
      expect(rig.where()).toBe('refill');
      expect(rig.exc).toBe(line.startsWith('s') ? EXC.TLBS : EXC.TLBL);
      expect(rig.epc).toBe(CODE);
      expect(rig.badVAddr).toBe(0x00400000 + off);
    });
  }
});

describe('base register also the destination', () => {
  it('lw a0, 0(a0) and lwl a0, 3(a0) address with the old base', () => {
    const rig = new Rig();
    rig.write32(DATA, 0x11223344);
    rig.write32(DATA + 4, 0x55667788);
    rig.exec('lw a0, 0(a0)\nlwl a1, 7(a1)', { [R.a0]: DATA, [R.a1]: DATA });
    expect(rig.ureg(R.a0)).toBe(0x11223344);
    expect(rig.ureg(R.a1)).toBe(0x55667788);
  });
  it('sc a0, 0(a0) stores the old a0 at the old a0, then a0 = 1', () => {
    const rig = new Rig().exec('ll t0, 0(a0)\nsc a0, 0(a0)', { [R.a0]: DATA });
    expect(rig.reg(R.a0)).toBe(1);
    expect(rig.read32(DATA)).toBe(DATA);
  });
});
