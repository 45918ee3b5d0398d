// Checks derived from the opcode table itself (Spike-style overlap test): patterns are
// consistent, no word matches two entries, decode() is exactly a linear scan, and encode() is
// the inverse of field extraction.

import { describe, expect, it } from 'vitest';
import {
  accessSize,
  BRANCH_OPS,
  COP_FORMS,
  decode,
  decodeCopForm,
  F_ADDR,
  F_BRANCH,
  F_COP1,
  F_COP2,
  F_DIVIDE,
  F_JUMP,
  F_LIKELY,
  F_LINK,
  F_LOAD,
  F_MAY_TRAP,
  F_PRIV,
  F_SAFE,
  F_STORE,
  F_UNSAFE,
  fieldValue,
  JUMP_OPS,
  lookup,
  LOAD_OPS,
  opById,
  opByName,
  OPS,
  opsWith,
  SAFE_OPS,
  STORE_OPS,
  TRAP_OPS,
  type OpInfo,
} from '../cpu/isa.ts';
import {
  branchOffset,
  encBranch,
  encI,
  encJump,
  encMem,
  encode,
  EncodeError,
  encodeOp,
  encR,
  encShift,
  jumpIndex,
  randomFields,
  seededRng,
} from '../cpu/encode.ts';

const ALL = [...OPS, ...COP_FORMS];

/** The reference decoder: scan the whole table, apply `check`. */
function linearDecode(table: readonly OpInfo[], word: number): OpInfo | null {
  const hits = table.filter((op) => (word & op.mask) === op.match);
  if (hits.length > 1) throw new Error(`0x${(word >>> 0).toString(16)} matches ${hits.map((h) => h.name).join(', ')}`);
  const op = hits[0] ?? null;
  return op && (!op.check || op.check(word)) ? op : null;
}

/** Two patterns overlap iff they agree on every bit both fix. */
function overlaps(a: OpInfo, b: OpInfo): boolean {
  return ((a.match ^ b.match) & a.mask & b.mask) === 0;
}

describe('opcode table', () => {
  it('has consistent patterns', () => {
    for (const op of ALL) {
      expect(op.match & ~op.mask, op.name).toBe(0);
      expect(Number.isInteger(op.match) && op.match === (op.match | 0), op.name).toBe(true);
      // Fixed bits and operand fields partition the word.
      let covered = op.mask;
      for (const o of op.operands) {
        const m = (((1 << o.width) - 1) << o.shift) | 0;
        expect(covered & m, `${op.name}.${o.name}`).toBe(0);
        covered |= m;
      }
      expect(covered, op.name).toBe(-1);
    }
  });

  it('has unique ids and names', () => {
    expect(new Set(ALL.map((o) => o.id)).size).toBe(ALL.length);
    expect(new Set(ALL.map((o) => o.name)).size).toBe(ALL.length);
    for (const op of ALL) {
      expect(opById(op.id)).toBe(op);
      expect(opByName(op.name)).toBe(op);
    }
    for (const op of OPS) expect(op.id).toBeLessThan(1000);
    for (const op of COP_FORMS) expect(op.id).toBeGreaterThanOrEqual(1000);
  });

  it('has no two OPS entries matching one word', () => {
    for (let i = 0; i < OPS.length; i++) {
      for (let j = i + 1; j < OPS.length; j++) {
        expect(overlaps(OPS[i]!, OPS[j]!), `${OPS[i]!.name} / ${OPS[j]!.name}`).toBe(false);
      }
    }
  });

  it('has non-overlapping COP_FORMS, each inside its coarse parent', () => {
    for (let i = 0; i < COP_FORMS.length; i++) {
      for (let j = i + 1; j < COP_FORMS.length; j++) {
        expect(overlaps(COP_FORMS[i]!, COP_FORMS[j]!), `${COP_FORMS[i]!.name} / ${COP_FORMS[j]!.name}`).toBe(false);
      }
      const form = COP_FORMS[i]!;
      const parent = opById(form.parent!)!;
      expect(OPS).toContain(parent);
      expect(parent.flags & (F_COP1 | F_COP2), form.name).not.toBe(0);
      expect(form.mask & parent.mask, form.name).toBe(parent.mask);
      expect(form.match & parent.mask, form.name).toBe(parent.match);
      expect(form.flags & (F_COP1 | F_COP2), form.name).toBe(parent.flags & (F_COP1 | F_COP2));
    }
  });

  it('decode() agrees with a linear scan on random words', () => {
    const rng = seededRng(1);
    for (let i = 0; i < 100_000; i++) {
      const w = rng() | 0;
      expect(decode(w)).toBe(linearDecode(OPS, w));
      if (i % 4 === 0) expect(decodeCopForm(w)).toBe(linearDecode(COP_FORMS, w));
    }
  });

  it('decode() agrees with a linear scan near every entry (random encodings and bit flips)', () => {
    const rng = seededRng(2);
    for (const op of ALL) {
      const table = op.parent === undefined ? OPS : COP_FORMS;
      const find = op.parent === undefined ? decode : decodeCopForm;
      for (let k = 0; k < 8; k++) {
        const w = encodeOp(op, randomFields(op, rng));
        expect(find(w)).toBe(op);
        for (let b = 0; b < 32; b++) {
          const x = w ^ (1 << b);
          expect(find(x)).toBe(linearDecode(table, x));
        }
      }
    }
  });

  it('decodes both 32-bit views of a word the same way', () => {
    const w = encode('sw', { rt: 31, base: 29, offset: -4 });
    expect(w).toBeGreaterThan(0x7fffffff);
    expect(decode(w)?.name).toBe('sw');
    expect(decode(w | 0)?.name).toBe('sw');
  });

  it('leaves the opcodes MIPS32r2 reserves as Reserved Instruction', () => {
    // 64-bit (daddi.., ldl/ldr, lwu, sdl/sdr, lld, ld, scd, sd), JALX, opcode 011110, MSA.
    for (const opc of [0x18, 0x19, 0x1a, 0x1b, 0x1d, 0x1e, 0x1a, 0x27, 0x2c, 0x2d, 0x34, 0x37, 0x3b, 0x3c, 0x3f]) {
      const rng = seededRng(opc);
      for (let i = 0; i < 200; i++) expect(decode((opc << 26) | (rng() & 0x3ffffff))).toBeNull();
    }
    const ri = [
      0x00000005, // SPECIAL function 5
      0x00000014, // dsllv
      0x0000002c, // dadd
      0x00010008, // jr with rt != 0
      0x00000048, // jr with hint 1
      0x00200010, // mfhi with rs != 0 (DSP accumulator form)
      0x00850818, // mult with rd != 0 (DSP accumulator form)
      0x7000003f, // sdbbp (no EJTAG)
      0x4200001f, // deret (no EJTAG)
      0x42000040, // COP0 CO function 0x40... no such function
      0x40000008, // mfc0 with nonzero bits 10:3
      0x41600000, // MFMC0 with rd != 12
      0x7c000010, // SPECIAL3 DSP (addu.qb)
      0x7c04003f, // SPECIAL3 function 0x3f
      0x7c0400e0, // BSHFL op 3
    ];
    for (const w of ri) expect(decode(w), `0x${w.toString(16)}`).toBeNull();
  });

  it('treats ext/ins with out-of-range bit fields as RI but still looks them up', () => {
    for (let pos = 0; pos < 32; pos++) {
      for (let f = 0; f < 32; f++) {
        const ext = (0x7c000000 | (f << 11) | (pos << 6)) >>> 0; // msbd = f
        const ins = (ext | 4) >>> 0; // msb = f
        expect(decode(ext)?.name ?? null).toBe(pos + f <= 31 ? 'ext' : null);
        expect(decode(ins)?.name ?? null).toBe(f >= pos ? 'ins' : null);
        expect(lookup(ext)?.name).toBe('ext');
        expect(lookup(ins)?.name).toBe('ins');
      }
    }
  });

  it('decodes well-known words', () => {
    const cases: [number, string][] = [
      [0x00000000, 'sll'],
      [0x000000c0, 'sll'], // ehb
      [0x03e00008, 'jr'],
      [0x03e00408, 'jr.hb'],
      [0x0320f809, 'jalr'],
      [0x27bdffe0, 'addiu'],
      [0x8fbf001c, 'lw'],
      [0xafbf001c, 'sw'],
      [0x3c1c0001, 'lui'],
      [0x40806000, 'mtc0'],
      [0x40026000, 'mfc0'],
      [0x41606000, 'di'],
      [0x41606020, 'ei'],
      [0x42000018, 'eret'],
      [0x42000020, 'wait'],
      [0x7c03e83b, 'rdhwr'],
      [0x7c0418c0, 'ext'],
      [0x7c0520a0, 'wsbh'],
      [0x70851020, 'clz'],
      [0x0000000c, 'syscall'],
      [0x0000000d, 'break'],
      [0x0000000f, 'sync'],
      [0xc0830000, 'll'],
      [0xe0830000, 'sc'],
      [0x04110001, 'bgezal'],
      [0x46000000, 'cop1'],
      [0x4c000000, 'cop1x'],
      [0x48000000, 'cop2'],
      [0x00000001, 'movci'],
      [0xc4000000, 'lwc1'],
      [0xd4000000, 'ldc1'],
      [0xbc810000, 'cache'],
      [0xcc810000, 'pref'],
      [0x049f0000, 'synci'],
    ];
    for (const [w, name] of cases) expect(decode(w)?.name, `0x${w.toString(16)}`).toBe(name);
  });
});

describe('flags', () => {
  it('marks memory, control and trap classes consistently', () => {
    for (const op of OPS) {
      const f = op.flags;
      if (f & (F_LOAD | F_STORE)) {
        expect(f & F_ADDR, op.name).not.toBe(0);
        expect(accessSize(op), op.name).not.toBe(0);
        expect(op.syntax.endsWith('offset(base)'), op.name).toBe(true);
      } else {
        expect(accessSize(op), op.name).toBe(0);
      }
      if (f & F_BRANCH) expect(op.operands.some((o) => o.kind === 'branch'), op.name).toBe(true);
      if (f & F_LIKELY) expect(f & F_BRANCH, op.name).not.toBe(0);
      if (f & F_LINK) expect(f & (F_BRANCH | F_JUMP), op.name).not.toBe(0);
      if (f & F_SAFE) expect(f & F_UNSAFE, op.name).toBe(0);
    }
    expect(LOAD_OPS.map((o) => o.name).sort()).toEqual(['lb', 'lbu', 'lh', 'lhu', 'll', 'lw', 'lwl', 'lwr']);
    expect(STORE_OPS.map((o) => o.name).sort()).toEqual(['sb', 'sc', 'sh', 'sw', 'swl', 'swr']);
    expect(LOAD_OPS.map((o) => accessSize(o))).toEqual([1, 2, 4, 4, 1, 2, 4, 4]);
    expect(BRANCH_OPS).toHaveLength(16);
    expect(JUMP_OPS.map((o) => o.name).sort()).toEqual(['j', 'jal', 'jalr', 'jalr.hb', 'jr', 'jr.hb']);
    expect(TRAP_OPS.map((o) => o.name).sort()).toEqual(
      ['add', 'addi', 'break', 'sub', 'syscall', 'teq', 'teqi', 'tge', 'tgei', 'tgeiu', 'tgeu', 'tlt', 'tlti', 'tltiu', 'tltu', 'tne', 'tnei'],
    );
    expect(opsWith(F_PRIV).map((o) => o.name).sort()).toEqual(
      ['cache', 'di', 'ei', 'eret', 'mfc0', 'mtc0', 'rdpgpr', 'tlbp', 'tlbr', 'tlbwi', 'tlbwr', 'wait', 'wrpgpr'],
    );
  });

  it('lists the instructions safe for random programs', () => {
    const safe = SAFE_OPS.map((o) => o.name);
    for (const n of ['addu', 'subu', 'sll', 'rotr', 'mul', 'madd', 'clz', 'ext', 'ins', 'seh', 'wsbh', 'movn', 'lui', 'sltiu', 'mfhi', 'mtlo', 'sync']) {
      expect(safe, n).toContain(n);
    }
    expect(opsWith(F_DIVIDE).map((o) => o.name)).toEqual(['div', 'divu']);
    for (const n of ['add', 'addi', 'sub', 'div', 'divu', 'lw', 'beq', 'jr', 'teq', 'syscall', 'rdhwr', 'mfc0', 'pref', 'synci', 'cop1', 'movci']) {
      expect(safe, n).not.toContain(n);
    }
    for (const op of SAFE_OPS) expect(op.flags & F_MAY_TRAP).toBe(0);
  });
});

describe('encode', () => {
  it('is the inverse of field extraction', () => {
    const rng = seededRng(3);
    for (const op of ALL) {
      for (let k = 0; k < 20; k++) {
        const f = randomFields(op, rng);
        const w = encodeOp(op, f);
        expect((w & op.mask) === op.match, op.name).toBe(true);
        for (const o of op.operands) {
          let v = fieldValue(w, o);
          if (o.kind === 'extsize') v += 1;
          if (o.kind === 'inssize') v = v - (f['pos'] ?? 0) + 1;
          const want = f[o.name] ?? (o.name === 'rt' ? f['rd'] : undefined);
          expect(v, `${op.name}.${o.name}`).toBe(want);
        }
      }
    }
  });

  it('builds known words', () => {
    expect(encR('addu', 2, 4, 5)).toBe(0x00851021);
    expect(encR('jr', 0, 31, 0)).toBe(0x03e00008);
    expect(encR('mult', 0, 4, 5)).toBe(0x00850018);
    expect(encShift('sll', 0, 0, 3)).toBe(0x000000c0);
    expect(encI('addiu', 29, 29, -32)).toBe(0x27bdffe0);
    expect(encI('lui', 28, 0, 1)).toBe(0x3c1c0001);
    expect(encI('teqi', 0, 4, -3)).toBe(0x048cfffd);
    expect(encMem('lw', 31, 29, 28)).toBe(0x8fbf001c);
    expect(encMem('cache', 1, 4, -8)).toBe(0xbc81fff8);
    expect(encMem('lwc1', 0, 0, 0)).toBe(0xc4000000);
    expect(encBranch('beq', 4, 5, -1)).toBe(0x1085ffff);
    expect(encBranch('bgezal', 0, 0, 5)).toBe(0x04110005);
    expect(encJump('jal', 0x100)).toBe(0x0c000100);
    expect(encode('clz', { rd: 2, rs: 4 })).toBe(0x70821020);
    expect(encode('ext', { rt: 4, rs: 0, pos: 3, size: 4 })).toBe(0x7c0418c0);
    expect(encode('ins', { rt: 4, rs: 0, pos: 3, size: 1 })).toBe(0x7c0418c4);
    expect(encode('mfc0', { rt: 4, rd: 15, sel: 1 })).toBe(0x40047801);
    expect(encode('tlbwr')).toBe(0x42000006);
    expect(encode('add.d', { fd: 0, fs: 2, ft: 0 })).toBe(0x46201000);
  });

  it('rejects bad fields', () => {
    expect(() => encode('nosuch')).toThrow(EncodeError);
    expect(() => encode('addu', { imm: 1 })).toThrow(EncodeError);
    expect(() => encode('addu', { rd: 32 })).toThrow(EncodeError);
    expect(() => encode('addiu', { imm: 0x8000 })).toThrow(EncodeError);
    expect(() => encode('andi', { imm: -1 })).toThrow(EncodeError);
    expect(() => encode('ext', { pos: 30, size: 3 })).toThrow(EncodeError);
    expect(() => encode('ins', { pos: 0, size: 0 })).toThrow(EncodeError);
    expect(() => encR('mult', 1, 4, 5)).toThrow(EncodeError);
  });

  it('computes branch and jump fields', () => {
    expect(branchOffset(0x80001000, 0x80001004)).toBe(0);
    expect(branchOffset(0x80001000, 0x80001000)).toBe(-1);
    expect(branchOffset(0x80000000, 0x7ffe0004)).toBe(-0x8000);
    expect(() => branchOffset(0x80000000, 0x7ffe0000)).toThrow(EncodeError);
    expect(() => branchOffset(0, 6)).toThrow(EncodeError);
    expect(jumpIndex(0x80001000, 0x80400000)).toBe(0x100000);
    expect(jumpIndex(0x8ffffffc, 0x90000000)).toBe(0); // region of the delay slot
    expect(() => jumpIndex(0x80001000, 0x90000000)).toThrow(EncodeError);
  });
});
