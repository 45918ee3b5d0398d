// The JTLB (MIPS32 PRA chapter 4 and 9.x; Vol. II TLBP, TLBR, TLBWI, TLBWR): dual entries
// (EntryHi.VPN2 names an even/odd page pair, EntryLo0 the even page, EntryLo1 the odd one),
// PageMask page sizes, ASID matching unless G, the V and D bits, the registers loaded on a TLB
// exception, and the host translation cache's coherence with all of it.
//
// EntryLo layout (PRA 9.6): PFN 29:6, C 5:3, D 2, V 1, G 0. EntryHi (PRA 9.11): VPN2 31:13,
// ASID 7:0. Context (PRA 9.7): PTEBase 31:23, BadVPN2 22:4 = VA 31:13.

import { describe, expect, it } from 'vitest';
import { asid, CODE, EXC, lo, R, Rig, ST, tlbw, V } from './helpers.ts';

const VA = 0x00400000;

describe('translation through a 4 KiB entry pair', () => {
  it('even page -> EntryLo0, odd page -> EntryLo1, offset kept', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0xaaaa0000);
    rig.write32(0x10ffc, 0xaaaa0ffc);
    rig.write32(0x11000, 0xbbbb0000);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)
      lw t1, 0xffc(a0)
      lw t2, 0x1000(a0)
      li t3, 0x12345678
      sw t3, 0x1004(a0)
    `);
    expect(rig.where()).toBe('end');
    expect(rig.ureg(R.t0)).toBe(0xaaaa0000);
    expect(rig.ureg(R.t1)).toBe(0xaaaa0ffc);
    expect(rig.ureg(R.t2)).toBe(0xbbbb0000);
    expect(rig.read32(0x11004) >>> 0).toBe(0x12345678);
  });
  it('an address just past the pair misses (refill)', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA + 0x2000}
      lw t0, 0(a0)
    `);
    expect(rig.where()).toBe('refill');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.badVAddr).toBe(VA + 0x2000);
  });
});

describe('tlbp / tlbr / tlbwr', () => {
  it('tlbp finds the entry (Index.P = 0) or sets Index.P on a miss', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      li t8, ${VA | 5}
      mtc0 t8, $10
      ehb
      tlbp
      ehb
      mfc0 s0, $0
      li t8, ${VA | 6}     # other ASID, entry not global
      mtc0 t8, $10
      ehb
      tlbp
      ehb
      mfc0 s1, $0
      li t8, ${(VA + 0x2000) | 5}
      mtc0 t8, $10
      ehb
      tlbp
      ehb
      mfc0 s2, $0
      li t8, ${(VA + 0x1000) | 5}  # bit 12 is not part of EntryHi (reads as 0)
      mtc0 t8, $10
      ehb
      tlbp
      ehb
      mfc0 s3, $0
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s0)).toBe(3);
    expect(rig.ureg(R.s1) >>> 31).toBe(1);
    expect(rig.ureg(R.s2) >>> 31).toBe(1);
    expect(rig.reg(R.s3)).toBe(3);
  });
  it('tlbp matches regardless of V, and a global entry under any ASID', () => {
    const rig = new Rig().exec(`
      ${tlbw(5, VA | 1, 0, lo(0x10, { v: false }), lo(0x11, { v: false }))}
      ${tlbw(6, 0x00800000 | 1, 0, lo(0x20, { g: true }), lo(0x21, { g: true }))}
      li t8, ${VA | 1}
      mtc0 t8, $10
      ehb
      tlbp
      ehb
      mfc0 s0, $0
      li t8, ${0x00800000 | 0x77}
      mtc0 t8, $10
      ehb
      tlbp
      ehb
      mfc0 s1, $0
    `);
    expect(rig.reg(R.s0)).toBe(5);
    expect(rig.reg(R.s1)).toBe(6);
  });
  it('tlbr reads back EntryHi, PageMask and both EntryLo with the entry G in each', () => {
    const rig = new Rig().exec(`
      ${tlbw(7, VA | 0x42, 0x6000, lo(0x40), lo(0x44, { d: false }))}
      ${tlbw(8, 0x00800000 | 0x42, 0, lo(0x50, { g: true }), lo(0x51, { g: true }))}
      ${tlbw(9, 0x00a00000 | 0x42, 0, lo(0x60, { g: true }), lo(0x61))}
      li t8, 7
      mtc0 t8, $0
      mtc0 zero, $10
      mtc0 zero, $5
      mtc0 zero, $2
      mtc0 zero, $3
      ehb
      tlbr
      ehb
      mfc0 s0, $10
      mfc0 s1, $5
      mfc0 s2, $2
      mfc0 s3, $3
      li t8, 8
      mtc0 t8, $0
      ehb
      tlbr
      ehb
      mfc0 s4, $2
      mfc0 s5, $3
      li t8, 9
      mtc0 t8, $0
      ehb
      tlbr
      ehb
      mfc0 s6, $2
      mfc0 s7, $3
    `);
    expect(rig.where()).toBe('end');
    expect(rig.ureg(R.s0)).toBe(VA | 0x42);
    expect(rig.ureg(R.s1)).toBe(0x6000);
    expect(rig.ureg(R.s2)).toBe(lo(0x40));
    expect(rig.ureg(R.s3)).toBe(lo(0x44, { d: false }));
    // Global entry: G reads back as 1 in both halves.
    expect(rig.ureg(R.s4)).toBe(lo(0x50, { g: true }));
    expect(rig.ureg(R.s5)).toBe(lo(0x51, { g: true }));
    // G set in only one half: the entry is not global (G = G0 and G1), both read 0.
    expect(rig.ureg(R.s6)).toBe(lo(0x60));
    expect(rig.ureg(R.s7)).toBe(lo(0x61));
  });
  it('tlbwr writes at Random, which stays within [Wired, entries-1]; wired entries survive', () => {
    const rig = new Rig({ tlbEntries: 16 });
    const lines: string[] = [];
    // Wired entries 0..3 (written with tlbwi), then Wired = 4.
    for (let i = 0; i < 4; i++) lines.push(tlbw(i, (0x00800000 + i * 0x2000) | 1, 0, lo(0x80 + i), lo(0x90 + i)));
    lines.push('li t8, 4', 'mtc0 t8, $6       # Wired', 'ehb');
    // 40 tlbwr of distinct pairs; after each, tlbp on the same EntryHi says where it went.
    for (let i = 0; i < 40; i++) {
      lines.push(tlbw(0, (VA + i * 0x2000) | 1, 0, lo(0x10), lo(0x11), 'tlbwr'));
      lines.push('tlbp', 'ehb', 'mfc0 t9, $0', `sw t9, ${4 * i}(s0)`, 'mfc0 t9, $1', `sw t9, ${0x100 + 4 * i}(s0)`);
      // Random counts instructions (PRA 9.5): vary the loop length so slots differ.
      lines.push(...Array<string>(i % 5).fill('nop'));
    }
    // The wired entries are all still there, at their own index.
    for (let i = 0; i < 4; i++) {
      lines.push(`li t8, ${(0x00800000 + i * 0x2000) | 1}`, 'mtc0 t8, $10', 'ehb', 'tlbp', 'ehb', 'mfc0 t9, $0', `sw t9, ${0x200 + 4 * i}(s0)`);
    }
    rig.exec(lines.join('\n'), { [R.s0]: 0x80008000 }, 20000);
    expect(rig.where()).toBe('end');
    const used = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const index = rig.read32(0x80008000 + 4 * i);
      const random = rig.read32(0x80008100 + 4 * i);
      expect(index).toBeGreaterThanOrEqual(4);
      expect(index).toBeLessThanOrEqual(15);
      expect(random).toBeGreaterThanOrEqual(4);
      expect(random).toBeLessThanOrEqual(15);
      used.add(index);
    }
    expect(used.size).toBeGreaterThan(1); // it is not stuck on one slot
    for (let i = 0; i < 4; i++) expect(rig.read32(0x80008200 + 4 * i)).toBe(i);
  });
});

describe('ASID and G', () => {
  it('a non-global entry matches only its own ASID', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0x1111);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)
      ${asid(6)}
      lw t1, 0(a0)
    `, { [R.t1]: 0x5a5a });
    expect(rig.reg(R.t0)).toBe(0x1111);
    expect(rig.where()).toBe('refill');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.reg(R.t1)).toBe(0x5a5a);
    // EntryHi keeps the current ASID (6) and takes the faulting VPN2.
    expect(rig.cpu.cp0.entryHi >>> 0).toBe(VA | 6);
  });
  it('a global entry matches every ASID', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0x1111);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10, { g: true }), lo(0x11, { g: true }))}
      ${asid(0xff)}
      li a0, ${VA}
      lw t0, 0(a0)
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(0x1111);
  });
  it('two processes map the same VA to different frames under different ASIDs', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0xa5);
    rig.write32(0x20000, 0xb6);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${tlbw(4, VA | 6, 0, lo(0x20), lo(0x21))}
      li a0, ${VA}
      ${asid(5)}
      lw t0, 0(a0)
      ${asid(6)}
      lw t1, 0(a0)
      ${asid(5)}
      lw t2, 0(a0)
    `);
    expect(rig.where()).toBe('end');
    expect([rig.reg(R.t0), rig.reg(R.t1), rig.reg(R.t2)]).toEqual([0xa5, 0xb6, 0xa5]);
  });
});

describe('page sizes via PageMask', () => {
  // [PageMask, page bytes]; each entry maps an even/odd pair of that size.
  const sizes: Array<[number, number]> = [
    [0x00006000, 16 << 10],
    [0x0001e000, 64 << 10],
    [0x0007e000, 256 << 10],
    [0x001fe000, 1 << 20],
    [0x007fe000, 4 << 20],
    [0x01ffe000, 16 << 20],
  ];
  for (const [mask, size] of sizes) {
    it(`PageMask 0x${mask.toString(16)}: ${size >> 10} KiB pages`, () => {
      const rig = new Rig({ ramBytes: 3 * size });
      const base = 0x10000000; // aligned for every size
      // Even page -> physical `size`, odd page -> physical `2 * size` (PFN = address / 4096;
      // both are aligned to the page size as the PRA requires).
      rig.write32(size, 0xe0000000);
      rig.write32(2 * size - 4, 0xe0000004);
      rig.write32(2 * size, 0x0dd00000);
      rig.write32(3 * size - 4, 0x0dd00004);
      rig.exec(`
        ${tlbw(2, base | 1, mask, lo(size / 4096, { g: true }), lo(2 * size / 4096, { g: true }))}
        li a0, ${base}
        lw t0, 0(a0)
        li a1, ${base + size - 4}
        lw t1, 0(a1)
        li a2, ${base + size}
        lw t2, 0(a2)
        li a3, ${base + 2 * size - 4}
        lw t3, 0(a3)
        li t8, ${base + 2 * size}
        lw t4, 0(t8)         # first byte past the pair: refill
      `);
      expect(rig.ureg(R.t0)).toBe(0xe0000000);
      expect(rig.ureg(R.t1)).toBe(0xe0000004);
      expect(rig.ureg(R.t2)).toBe(0x0dd00000);
      expect(rig.ureg(R.t3)).toBe(0x0dd00004);
      expect(rig.where()).toBe('refill');
      expect(rig.badVAddr).toBe(base + 2 * size);
    });
  }
});

describe('V and D bits', () => {
  it('V = 0 on a load: TLBL through the general vector (not a refill)', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10, { v: false }), lo(0x11))}
      ${asid(5)}
      li a0, ${VA + 0x10}
      lw t0, 0(a0)
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.badVAddr).toBe(VA + 0x10);
  });
  it('V = 0 on a store: TLBS', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11, { v: false }))}
      ${asid(5)}
      li a0, ${VA + 0x1000}
      sw t0, 8(a0)
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.TLBS);
    expect(rig.badVAddr).toBe(VA + 0x1008);
  });
  it('D = 0: loads work, a store raises Mod and does not write', () => {
    const rig = new Rig();
    rig.write32(0x11000, 77);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11, { d: false }))}
      ${asid(5)}
      li a0, ${VA + 0x1000}
      lw t0, 0(a0)
      li t1, 99
      sw t1, 0(a0)
    `);
    expect(rig.reg(R.t0)).toBe(77);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Mod);
    expect(rig.badVAddr).toBe(VA + 0x1000);
    expect(rig.read32(0x11000)).toBe(77);
  });
  it('V = 0 on an instruction fetch: TLBL with EPC = the target', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10, { v: false }), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      jr a0
      nop
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.epc).toBe(VA);
  });
});

describe('registers loaded on a TLB exception: BadVAddr, Context.BadVPN2, EntryHi.VPN2', () => {
  // VA 0x00403abc: VPN2 = VA >> 13 = 0x201; Context = PTEBase | 0x201 << 4 = 0xc0002010;
  // EntryHi = 0x00402000 | the current ASID.
  const checks = (rig: Rig, code: number): void => {
    expect(rig.exc).toBe(code);
    expect(rig.badVAddr).toBe(0x00403abc);
    expect(rig.cpu.cp0.context >>> 0).toBe(0xc0002010);
    expect(rig.cpu.cp0.entryHi >>> 0).toBe(0x00402000 | 0x2a);
  };
  const prologue = `
      li t8, 0xc0000000
      mtc0 t8, $4          # Context.PTEBase
      li a0, 0x00403abc
  `;
  it('on a refill (TLBL)', () => {
    const rig = new Rig().exec(`${prologue}\n${asid(0x2a)}\nlw t0, 0(a0)`);
    expect(rig.where()).toBe('refill');
    checks(rig, EXC.TLBL);
  });
  it('on a refill (TLBS)', () => {
    const rig = new Rig().exec(`${prologue}\n${asid(0x2a)}\nsb t0, 0(a0)`);
    expect(rig.where()).toBe('refill');
    checks(rig, EXC.TLBS);
  });
  it('on TLB invalid', () => {
    const rig = new Rig().exec(`${prologue}\n${tlbw(3, 0x00402000 | 0x2a, 0, lo(0x10), lo(0x11, { v: false }))}\nlw t0, 0(a0)`);
    expect(rig.where()).toBe('general');
    checks(rig, EXC.TLBL);
  });
  it('on TLB modified', () => {
    const rig = new Rig().exec(`${prologue}\n${tlbw(3, 0x00402000 | 0x2a, 0, lo(0x10), lo(0x11, { d: false }))}\nsh t0, 0(a0)`);
    expect(rig.where()).toBe('general');
    checks(rig, EXC.Mod);
  });
  it('the refill handler idiom: Context indexes a PTE table, tlbwr loads it, eret retries', () => {
    // A linear page table at PTEBase = 0x80000000 (kseg0; PTEBase is bits 31:23): the PTE pair
    // for VPN2 v lives at PTEBase + v * 16 (Context = PTEBase | BadVPN2 << 4); each pair is
    // EntryLo0, EntryLo1 (+ 8 unused bytes). VPN2 0x201 puts it at 0x80002010.
    const rig = new Rig();
    const pteBase = 0x80000000;
    const vpn2 = 0x00403abc >>> 13;
    rig.write32(pteBase + vpn2 * 16, lo(0x30));
    rig.write32(pteBase + vpn2 * 16 + 4, lo(0x31));
    rig.write32(0x31abc, 0x600d);
    rig.asm(`
      li t8, ${pteBase}
      mtc0 t8, $4
      ${asid(1)}
      li a0, 0x00403abc
      lw t0, 0(a0)
    `);
    rig.place(`
      mfc0 k0, $4          # Context: PTEBase | BadVPN2 << 4
      lw k1, 0(k0)
      mtc0 k1, $2
      lw k1, 4(k0)
      mtc0 k1, $3
      mtc0 zero, $5
      ehb
      tlbwr
      eret
    `, V.refill);
    rig.run();
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(0x600d);
  });
});

describe('translation cache coherence', () => {
  it('tlbwi that changes a cached page frame: loads and stores use the new frame', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0x01d);
    rig.write32(0x20000, 0x2e3);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)         # fills the read cache
      sw t0, 4(a0)         # fills the write cache
      lw t0, 0(a0)
      ${tlbw(3, VA | 5, 0, lo(0x20), lo(0x21))}
      lw t1, 0(a0)
      li t2, 0x777
      sw t2, 8(a0)
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(0x01d);
    expect(rig.reg(R.t1)).toBe(0x2e3);
    expect(rig.read32(0x20008)).toBe(0x777);
    expect(rig.read32(0x10008)).toBe(0);
  });
  it('tlbwi that moves the entry to another VPN2: the old address misses', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)
      lw t0, 0(a0)
      ${tlbw(3, 0x00800000 | 5, 0, lo(0x10), lo(0x11))}
      lw t1, 0(a0)
    `);
    expect(rig.where()).toBe('refill');
    expect(rig.badVAddr).toBe(VA);
  });
  it('tlbwi that clears V on a cached page: the next load takes TLBL', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)
      lw t0, 0(a0)
      ${tlbw(3, VA | 5, 0, lo(0x10, { v: false }), lo(0x11))}
      lw t1, 0(a0)
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.TLBL);
  });
  it('tlbwi that clears D on a cached writable page: the next store takes Mod', () => {
    const rig = new Rig().exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      sw zero, 0(a0)
      sw zero, 0(a0)
      ${tlbw(3, VA | 5, 0, lo(0x10, { d: false }), lo(0x11))}
      sw zero, 0(a0)
    `);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Mod);
  });
  it('an ASID change by mtc0 EntryHi drops cached translations of the old ASID', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0xa5);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)
      lw t0, 0(a0)
      sw t0, 4(a0)
      ${asid(6)}
      sw zero, 4(a0)       # must miss: no entry for ASID 6
    `);
    expect(rig.reg(R.t0)).toBe(0xa5);
    expect(rig.where()).toBe('refill');
    expect(rig.exc).toBe(EXC.TLBS);
    expect(rig.read32(0x10004)).toBe(0xa5);
  });
  it('an ASID change by tlbr drops cached translations of the old ASID', () => {
    const rig = new Rig();
    rig.write32(0x10000, 0xa5);
    rig.write32(0x20000, 0xb6);
    rig.exec(`
      ${tlbw(3, VA | 5, 0, lo(0x10), lo(0x11))}
      ${tlbw(4, VA | 6, 0, lo(0x20), lo(0x21))}
      ${asid(5)}
      li a0, ${VA}
      lw t0, 0(a0)
      lw t0, 0(a0)
      li t8, 4
      mtc0 t8, $0
      ehb
      tlbr                 # EntryHi.ASID becomes 6
      ehb
      lw t1, 0(a0)
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.t0)).toBe(0xa5);
    expect(rig.reg(R.t1)).toBe(0xb6);
  });
  it('remapping the page the CPU executes from: code after jr.hb comes from the new frame', () => {
    const rig = new Rig();
    // Kernel program: map VA (even page) -> frame 0x20, then jump there with the new EntryLo0
    // (frame 0x30) staged, so the mapped code only has to run tlbwi.
    rig.asm(`
      ${tlbw(1, VA, 0, lo(0x20, { g: true }), lo(0x21, { g: true }))}
      li t8, ${lo(0x30, { g: true })}
      mtc0 t8, $2
      ehb
      li a0, ${VA}
      jr a0
      nop
    `);
    const mapped = (v: number): string => `
      tlbwi
      la t0, next
      jr.hb t0
      nop
    next:
      addiu v0, zero, ${v}
      la t1, end
      jr t1
      nop
    `;
    rig.place(mapped(1), VA, 0x80020000);
    rig.place(mapped(2), VA, 0x80030000);
    rig.run();
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.v0)).toBe(2);
  });
  it('a code page cached for fetch is dropped when its entry is invalidated', () => {
    const rig = new Rig();
    rig.asm(`
      ${tlbw(1, VA, 0, lo(0x20, { g: true }), lo(0x21, { g: true }))}
      li a0, ${VA}
      jalr a0              # run the mapped routine once (fills the fetch cache)
      nop
      ${tlbw(1, VA, 0, lo(0x20, { g: true, v: false }), lo(0x21, { g: true }))}
      jalr a0              # now the fetch must fault
      nop
    `);
    rig.place('addiu v0, v0, 1\njr ra\nnop', VA, 0x80020000);
    rig.run();
    expect(rig.reg(R.v0)).toBe(1);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.TLBL);
    expect(rig.epc).toBe(VA);
  });
});

describe('machine check on a duplicate entry (PRA 4.7, Status.TS)', () => {
  it('tlbwi of a second entry matching the same VPN2 and ASID: MCheck, TS = 1, entry not written', () => {
    const rig = new Rig();
    rig.asm(`
      ${tlbw(1, VA | 5, 0, lo(0x10), lo(0x11))}
      ${tlbw(2, VA | 5, 0, lo(0x20), lo(0x21))}
    `);
    // The handler reads entry 2 back.
    rig.place(`
      li t8, 2
      mtc0 t8, $0
      ehb
      tlbr
      ehb
      mfc0 s0, $10
      mfc0 s1, $2
    self:
      b self
      nop
    `, V.general);
    rig.run();
    expect(rig.exc).toBe(EXC.MCheck);
    expect(rig.status & ST.TS).toBe(ST.TS);
    expect(rig.read32(rig.epc) >>> 0).toBe(0x42000002); // EPC is the tlbwi
    expect(rig.ureg(R.s0)).not.toBe(VA | 5);
    expect(rig.ureg(R.s1)).not.toBe(lo(0x20));
  });
  it('a global entry duplicates any ASID', () => {
    const rig = new Rig().exec(`
      ${tlbw(1, VA | 5, 0, lo(0x10), lo(0x11))}
      ${tlbw(2, VA | 6, 0, lo(0x20, { g: true }), lo(0x21, { g: true }))}
    `);
    expect(rig.exc).toBe(EXC.MCheck);
  });
  it('a larger page overlapping a smaller one is a duplicate', () => {
    const rig = new Rig().exec(`
      ${tlbw(1, (VA + 0x4000) | 5, 0, lo(0x10), lo(0x11))}
      ${tlbw(2, VA | 5, 0x6000, lo(0x20), lo(0x24))}
    `);
    expect(rig.exc).toBe(EXC.MCheck);
  });
  it('the same VPN2 under different ASIDs (not global) is fine, as is rewriting the same index', () => {
    const rig = new Rig().exec(`
      ${tlbw(1, VA | 5, 0, lo(0x10), lo(0x11))}
      ${tlbw(2, VA | 6, 0, lo(0x20), lo(0x21))}
      ${tlbw(1, VA | 5, 0, lo(0x12), lo(0x13))}
    `);
    expect(rig.where()).toBe('end');
    expect(rig.status & ST.TS).toBe(0);
  });
});

describe('TLB initialisation from the reset state', () => {
  // Linux's local_flush_tlb_all (arch/mips/mm/tlb-r4k.c) writes every index with an invalid
  // entry at UNIQUE_ENTRYHI(idx) = 0x80000000 + (idx << (PAGE_SHIFT + 1)) under the kernel's
  // PageMask. tlb.ts promises its reset contents "can never match or collide with a new entry".
  const flushAll = (entries: number, pageShift: number, pageMask: number): string => {
    const lines = ['mtc0 zero, $2', 'mtc0 zero, $3', `li t8, ${pageMask}`, 'mtc0 t8, $5', 'mtc0 zero, $6'];
    for (let i = 0; i < entries; i++) {
      lines.push(`li t8, ${(0x80000000 + i * 2 ** (pageShift + 1)) >>> 0}`, 'mtc0 t8, $10', `li t8, ${i}`, 'mtc0 t8, $0', 'ehb', 'tlbwi');
    }
    return lines.join('\n');
  };
  it('4 KiB pages: no machine check', () => {
    const rig = new Rig({ tlbEntries: 16 }).exec(flushAll(16, 12, 0));
    expect(rig.where()).toBe('end');
  });
  // Reset entries are never-written and match nothing, so Linux's first write with 16 KiB pages
  // (index 0, VPN2 0x80000000, PageMask 0x6000) cannot collide with reset entries 1..3.
  it('16 KiB pages (PageMask 0x6000): no machine check', () => {
    const rig = new Rig({ tlbEntries: 16 }).exec(flushAll(16, 14, 0x6000));
    expect(rig.where()).toBe('end');
  });
});

describe('CODE sanity', () => {
  it('kseg0 code never goes through the TLB (empty TLB, program runs)', () => {
    const rig = new Rig().exec('addiu t0, zero, 1');
    expect(rig.where()).toBe('end');
    expect(rig.cpu.pc >>> 0).toBeGreaterThanOrEqual(CODE >>> 0);
  });
});
