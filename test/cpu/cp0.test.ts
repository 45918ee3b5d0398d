// CP0 register behaviour (MIPS32 PRA chapter 9): reset state, which bits software can write,
// identification (PRId, Config, Config1.MMUSize, EBase.CPUNum). Registers are written with mtc0
// and read back with mfc0 by a program, as software would.

import { describe, expect, it } from 'vitest';
import { EXC, R, Rig, ST } from './helpers.ts';

/** Write `value` to CP0 (rd, sel) and read it back; returns the value read (unsigned). */
function writeRead(rd: number, sel: number, value: number, opts: ConstructorParameters<typeof Rig>[0] = {}): number {
  const rig = new Rig(opts).exec(`
    li t0, ${value >>> 0}
    mtc0 t0, $${rd}, ${sel}
    ehb
    mfc0 t1, $${rd}, ${sel}
    mtc0 zero, $12         # back to a plain kernel Status (the Status test sets odd bits)
    ehb
  `);
  expect(rig.where()).toBe('end');
  return rig.ureg(R.t1);
}

/** Read CP0 (rd, sel) without writing it. */
function read(rd: number, sel: number, opts: ConstructorParameters<typeof Rig>[0] = {}): number {
  return new Rig(opts).exec(`mfc0 t1, $${rd}, ${sel}`).ureg(R.t1);
}

describe('reset state (PRA 6.2.x Reset exception, 9.x reset columns)', () => {
  // Run straight out of reset: the reset vector 0xBFC00000 is in the rig's boot ROM.
  function fromReset(opts: ConstructorParameters<typeof Rig>[0] = {}): Rig {
    const rig = new Rig(opts);
    rig.cpu.reset();
    rig.place(`
      mfc0 s0, $12         # Status
      mfc0 s1, $1          # Random
      mfc0 s2, $6          # Wired
      mfc0 s3, $16, 0      # Config
      mfc0 s4, $16, 1      # Config1
      mfc0 s5, $15, 1      # EBase
      mfc0 s6, $15         # PRId
    done:
      b done
      nop
    `, 0xbfc00000);
    expect(rig.cpu.pc >>> 0).toBe(0xbfc00000);
    rig.cpu.step(100, () => false);
    expect(rig.cpu.pc === rig.labels['done'] || rig.cpu.pc === rig.labels['done']! + 4).toBe(true);
    return rig;
  }
  it('starts at 0xBFC00000 with Status.BEV = 1, ERL = 1, TS = SR = NMI = 0, interrupts off', () => {
    const st = fromReset().ureg(R.s0);
    expect(st & (ST.BEV | ST.ERL)).toBe(ST.BEV | ST.ERL);
    expect(st & (ST.TS | ST.SR | ST.NMI)).toBe(0);
    expect(st & ST.IE).toBe(0);
  });
  it('Wired = 0 and Random is at its upper bound (entries - 1)', () => {
    const rig = fromReset({ tlbEntries: 16 });
    expect(rig.reg(R.s2)).toBe(0);
    // Random decrements per instruction; one instruction ran before mfc0 Random.
    expect(rig.reg(R.s1)).toBeGreaterThanOrEqual(13);
    expect(rig.reg(R.s1)).toBeLessThanOrEqual(15);
  });
  it('Config: M = 1, little-endian (BE = 0), MIPS32 (AT = 0), Release 2 (AR = 1), standard TLB (MT = 1)', () => {
    const c = fromReset().ureg(R.s3);
    expect(c >>> 31).toBe(1);
    expect((c >>> 15) & 1).toBe(0);
    expect((c >>> 13) & 3).toBe(0);
    expect((c >>> 10) & 7).toBe(1);
    expect((c >>> 7) & 7).toBe(1);
  });
  it('EBase resets to 0x80000000 with the CPU number in CPUNum', () => {
    expect(fromReset().ureg(R.s5)).toBe(0x80000000);
    expect(fromReset({ cpuNum: 3 }).ureg(R.s5)).toBe(0x80000003);
  });
  it('reset clears a pending exception state: Status.EXL = 0, kernel mode', () => {
    const st = fromReset().ureg(R.s0);
    expect(st & (ST.EXL | ST.KSU_USER | ST.KSU_SUPER)).toBe(0);
  });
});

describe('identification', () => {
  it('PRId: CompanyID 1 (MIPS Technologies); read-only', () => {
    const before = read(15, 0);
    expect((before >>> 16) & 0xff).toBe(1);
    expect(writeRead(15, 0, 0)).toBe(before);
  });
  it('Config1.MMUSize = entries - 1 (16-entry and 64-entry TLB)', () => {
    expect((read(16, 1, { tlbEntries: 16 }) >>> 25) & 63).toBe(15);
    expect((read(16, 1, { tlbEntries: 64 }) >>> 25) & 63).toBe(63);
    expect((read(16, 1, { tlbEntries: 1 }) >>> 25) & 63).toBe(0);
  });
  it('Config1: M = 1 (Config2 follows) and FP = 0 (no FPU, matching CpU 1 on COP1)', () => {
    const c1 = read(16, 1);
    expect(c1 >>> 31).toBe(1);
    expect(c1 & 1).toBe(0);
  });
  it('Config1..Config3 are read-only', () => {
    for (const sel of [1, 2, 3]) expect(writeRead(16, sel, 0)).toBe(read(16, sel));
  });
  it('IntCtl.IPTI = 7: the timer interrupt is on IP7', () => {
    expect(read(12, 1) >>> 29).toBe(7);
  });
});

describe('write masks', () => {
  it('Index: P (bit 31) is read-only, the index field is as wide as the TLB needs', () => {
    expect(writeRead(0, 0, 0xffffffff, { tlbEntries: 16 })).toBe(0x0f);
    expect(writeRead(0, 0, 0xffffffff, { tlbEntries: 64 })).toBe(0x3f);
    expect(writeRead(0, 0, 5, { tlbEntries: 16 })).toBe(5);
  });
  it('Random is read-only and stays within [Wired, entries - 1]', () => {
    const rig = new Rig({ tlbEntries: 16 }).exec(`
      li t0, 6
      mtc0 t0, $6          # Wired = 6: Random restarts at 15 (PRA 9.5)
      mfc0 s0, $1
      mtc0 zero, $1        # ignored
      mfc0 s1, $1
      mfc0 s2, $6
    `);
    expect(rig.reg(R.s0)).toBeGreaterThanOrEqual(14);
    expect(rig.reg(R.s0)).toBeLessThanOrEqual(15);
    expect(rig.reg(R.s1)).toBeGreaterThanOrEqual(6);
    expect(rig.reg(R.s1)).toBeLessThanOrEqual(15);
    expect(rig.reg(R.s2)).toBe(6);
  });
  it('EntryLo0/1: bits 31:30 (Fill) read as zero', () => {
    expect(writeRead(2, 0, 0xffffffff)).toBe(0x3fffffff);
    expect(writeRead(3, 0, 0xffffffff)).toBe(0x3fffffff);
    expect(writeRead(2, 0, 0x00012345)).toBe(0x00012345);
  });
  it('Context: only PTEBase (31:23) is writable; BadVPN2 belongs to the hardware', () => {
    expect(writeRead(4, 0, 0xffffffff)).toBe(0xff800000);
  });
  it('UserLocal (4, 2) holds any value', () => {
    expect(writeRead(4, 2, 0xdeadbeef)).toBe(0xdeadbeef);
  });
  it('PageMask: only Mask bits 28:13 of a supported page size stick', () => {
    const valid = [0, 0x6000, 0x1e000, 0x7e000, 0x1fe000, 0x7fe000, 0x1ffe000, 0x7ffe000, 0x1fffe000];
    const all = writeRead(5, 0, 0xffffffff);
    expect(valid).toContain(all);
    expect(all).not.toBe(0); // pages larger than 4 KiB are supported (tlb.test.ts)
    expect(writeRead(5, 0, 0x6000)).toBe(0x6000);
    expect(writeRead(5, 0, 0x1fff)).toBe(0);
  });
  it('Wired reads back what was written', () => {
    expect(writeRead(6, 0, 5, { tlbEntries: 16 })).toBe(5);
  });
  it('HWREna: bits of implemented hardware registers only (0..3, and 29 with Config3.ULRI)', () => {
    expect(writeRead(7, 0, 0xffffffff)).toBe(0x2000000f);
  });
  it('BadVAddr is read-only', () => {
    expect(writeRead(8, 0, 0x12345678)).toBe(0);
  });
  it('EntryHi: VPN2 (31:13) and ASID (7:0); bits 12:8 read as zero', () => {
    expect(writeRead(10, 0, 0xffffffff)).toBe(0xffffe0ff);
  });
  it('Compare, EPC and ErrorEPC hold any value', () => {
    expect(writeRead(11, 0, 0xfedcba98)).toBe(0xfedcba98);
    expect(writeRead(14, 0, 0x80001235)).toBe(0x80001235);
    expect(writeRead(30, 0, 0xbfc00001)).toBe(0xbfc00001);
  });
  it('Status: CU0, BEV, IM, KSU, ERL, EXL, IE are writable; SR, NMI cannot be set; KX/SX/UX read 0', () => {
    const v = writeRead(12, 0, 0xffffffff);
    const rw = ST.CU0 | ST.BEV | 0xff00 | ST.KSU_USER | ST.KSU_SUPER | ST.ERL | ST.EXL | ST.IE;
    expect((v & rw) >>> 0).toBe(rw >>> 0);
    expect(v & (ST.SR | ST.NMI)).toBe(0);
    expect(v & 0xe0).toBe(0); // 64-bit KX, SX, UX: zero in MIPS32
    expect(v & 0x40000).toBe(0); // bit 18: reserved, 0
    expect(writeRead(12, 0, ST.IM7 | ST.IE)).toBe(ST.IM7 | ST.IE);
  });
  it('Status.TS, once set by a machine check, can be cleared by writing 0', () => {
    const rig = new Rig();
    rig.cpu.cp0.status |= ST.TS; // as after a machine check (tlb.test.ts raises one for real)
    rig.exec('mtc0 zero, $12\nehb\nmfc0 t0, $12');
    expect(rig.reg(R.t0) & ST.TS).toBe(0);
  });
  it('Cause: IP1..IP0 and IV are writable; ExcCode, BD, CE, TI, IP7..IP2 are not', () => {
    const v = writeRead(13, 0, 0xffffffff & ~0x08000000); // leave DC (tested below) alone
    expect(v & 0x300).toBe(0x300);
    expect(v & 0x00800000).toBe(0x00800000);
    expect(v & 0x7c).toBe(0); // ExcCode still 0 from reset
    expect(v & 0xfc00).toBe(0); // hardware interrupt lines
    expect(v & 0xf0000000).toBe(0); // BD, TI, CE
  });
  it('Cause.DC (Release 2, required): writable, and stops Count while set', () => {
    const rig = new Rig().exec(`
      li t0, 0x08000000
      mtc0 t0, $13         # DC = 1
      ehb
      mfc0 s0, $13
      mfc0 s1, $9
      nop
      nop
      nop
      nop
      nop
      nop
      mfc0 s2, $9
      mtc0 zero, $13       # DC = 0: Count runs again
      ehb
      nop
      nop
      nop
      nop
      mfc0 s3, $9
    `);
    expect(rig.ureg(R.s0) & 0x08000000).toBe(0x08000000);
    expect(rig.reg(R.s2)).toBe(rig.reg(R.s1));
    expect(rig.reg(R.s3)).toBeGreaterThan(rig.reg(R.s2));
  });
  it('EBase: bits 31:30 fixed at 10, ExceptionBase 29:12 writable, CPUNum read-only', () => {
    expect(writeRead(15, 1, 0xffffffff)).toBe(0xbffff000);
    expect(writeRead(15, 1, 0x00040000)).toBe(0x80040000);
    expect(writeRead(15, 1, 0xffffffff, { cpuNum: 5 })).toBe(0xbffff005);
  });
  it('Config: only K0 (2:0) is writable', () => {
    const before = read(16, 0);
    const after = writeRead(16, 0, ~before & ~7 | 3);
    expect(after & 7).toBe(3);
    expect((after & ~7) >>> 0).toBe((before & ~7) >>> 0);
  });
});

describe('unusual CP0 encodings', () => {
  it('mfc0 with nonzero bits 10:3 is RI', () => {
    const rig = new Rig().exec('.word 0x40086008    # mfc0 t0, $12 with bit 13 of the low field set');
    expect(rig.exc).toBe(EXC.RI);
  });
});
