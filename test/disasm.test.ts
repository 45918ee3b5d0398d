// The disassembler against GNU objdump: every table form with random field values, every
// coarse coprocessor entry with random bits, bit flips around every form and random words.
// One objdump run covers all of them. Where objdump knows an ASE or optional instruction that
// MIPS32r2 without ASEs reserves (DSP, MT, MSA, MIPS-3D, VZ, EVA, MIPS16 jalx, EJTAG sdbbp...),
// disasm prints the word as objdump would print an unknown word; those are the only differences.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disasm } from '../cpu/disasm.ts';
import { encode, encodeOp, randomFields, seededRng } from '../cpu/encode.ts';
import { COP_FORMS, decode, OPS, type OpInfo } from '../cpu/isa.ts';

const OBJDUMP = 'mipsel-linux-gnu-objdump';
const HAVE_OBJDUMP = spawnSync(OBJDUMP, ['--version']).status === 0;
if (!HAVE_OBJDUMP) console.warn(`skipped: ${OBJDUMP} not installed`);

/** Load address: the words straddle 0x90000000 so j/jal see both 256 MiB regions. */
const VMA = 0x8fff0000;

/** Disassemble `words` (placed at VMA) with objdump; one line of text per word. */
function objdump(words: readonly number[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'disco-disasm-'));
  try {
    const file = join(dir, 'words.bin');
    const buf = Buffer.alloc(words.length * 4);
    words.forEach((w, i) => buf.writeUInt32LE(w >>> 0, i * 4));
    writeFileSync(file, buf);
    const out = execFileSync(
      OBJDUMP,
      ['-D', '-z', '-b', 'binary', '-m', 'mips:isa32r2', '-EL', `--adjust-vma=0x${VMA.toString(16)}`, file],
      { maxBuffer: 1 << 28 },
    ).toString();
    // "addr:<TAB>word <TAB>mnemonic<TAB>operands"
    return out
      .split('\n')
      .filter((l) => /^\s*[0-9a-f]+:\t/.test(l))
      .map((l) => norm(l.split('\t').slice(2).join(' ')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const hex8 = (w: number): string => (w >>> 0).toString(16).padStart(8, '0');
const isCoarse = (op: OpInfo): boolean => op.operands[0]?.kind === 'raw';

interface Case {
  word: number;
  what: string;
  kind: 'form' | 'coarse' | 'near' | 'random';
}

function buildCases(): Case[] {
  const rng = seededRng(0xd15c0);
  const cases: Case[] = [];
  for (const op of [...OPS, ...COP_FORMS]) {
    if (isCoarse(op)) {
      for (let k = 0; k < 300; k++) cases.push({ word: (op.match | (rng() & ~op.mask)) >>> 0, what: op.name, kind: 'coarse' });
      continue;
    }
    const zero = encodeOp(op, randomFields(op, () => 0));
    cases.push({ word: zero, what: op.name, kind: 'form' });
    for (let k = 0; k < 12; k++) cases.push({ word: encodeOp(op, randomFields(op, rng)), what: op.name, kind: 'form' });
    for (let k = 0; k < 2; k++) {
      const w = encodeOp(op, randomFields(op, rng));
      for (let b = 0; b < 32; b++) cases.push({ word: (w ^ (1 << b)) >>> 0, what: `${op.name}^bit${b}`, kind: 'near' });
    }
  }
  for (const word of aliasWords(rng)) cases.push({ word, what: decode(word)?.name ?? '?', kind: 'form' });
  for (let k = 0; k < 30_000; k++) cases.push({ word: rng(), what: 'random', kind: 'random' });
  return cases;
}

/** Encodings that exercise every printing rule (aliases, named registers, optional operands). */
function aliasWords(rng: () => number): number[] {
  const r = (): number => 1 + (rng() % 31);
  const w: number[] = [];
  for (let sa = 0; sa < 8; sa++) w.push(encode('sll', { sa }));
  for (let stype = 0; stype < 32; stype++) w.push(encode('sync', { stype }));
  for (const n of ['beq', 'bne', 'beql', 'bnel']) w.push(encode(n, { rs: r(), offset: 3 }), encode(n, { rt: r(), offset: -3 }), encode(n, { offset: 1 }));
  for (const n of ['bgez', 'bgezal', 'bltzal', 'bgezl', 'bgezall', 'bltz']) w.push(encode(n, { offset: 2 }));
  for (const n of ['addu', 'or', 'subu', 'sub', 'nor', 'add']) {
    w.push(encode(n, { rd: r(), rs: r() }), encode(n, { rd: r(), rt: r() }), encode(n, { rd: r() }));
  }
  for (const n of ['addiu', 'ori', 'addi', 'andi', 'xori']) w.push(encode(n, { rt: r(), imm: 5 }));
  for (const n of ['jalr', 'jalr.hb']) w.push(encode(n, { rd: 31, rs: r() }), encode(n, { rs: r() }));
  for (const n of ['clz', 'clo']) {
    w.push(encode(n, { rd: 3, rs: 4 }), encode(n, { rd: 3, rt: 5, rs: 4 }), encode(n, { rt: 5, rs: 4 }), encode(n, { rd: 3, rt: 0, rs: 4 }));
  }
  for (const n of ['tge', 'tgeu', 'tlt', 'tltu', 'teq', 'tne']) w.push(encode(n, { rs: r(), rt: r() }));
  for (const code of [0, 1, 0x400, 0x401, 0xfffff]) w.push(encode('syscall', { code }), encode('break', { code }));
  for (const code of [0, 1, 0x7ffff]) w.push(encode('wait', { code }));
  for (const n of ['di', 'ei']) w.push(encode(n), encode(n, { rt: r() }));
  for (let rd = 0; rd < 32; rd++) {
    for (let sel = 0; sel < 8; sel++) w.push(encode('mfc0', { rt: r(), rd, sel }), encode('mtc0', { rt: r(), rd, sel }));
    w.push(encode('rdhwr', { rt: r(), rd }), encode('cfc1', { rt: r(), fs: rd }), encode('ctc1', { rt: r(), fs: rd }));
  }
  for (const impl of [0, 0x0801, 0x0008, 0xffff, 0xf807]) w.push(encode('mfhc2', { rt: r(), impl }), encode('mthc2', { rt: r(), impl }));
  for (const n of ['bc1f', 'bc1t', 'bc1fl', 'bc1tl', 'bc2f', 'bc2t', 'bc2fl', 'bc2tl']) w.push(encode(n, { offset: 4 }), encode(n, { cc: 1, offset: 4 }));
  for (const n of ['c.eq.s', 'c.lt.d', 'c.ngt.ps']) w.push(encode(n, { fs: 2, ft: 4 }), encode(n, { cc: 7, fs: 2, ft: 4 }));
  for (const n of ['mfc2', 'mtc2']) w.push(encode(n, { rt: r(), rd: r() }), encode(n, { rt: r(), rd: r(), sel: 3 }));
  return w;
}

// Mnemonics objdump prints for ASE instructions that fall in our coarse coprocessor entries.
const COP_ASE = /^(bn?z\.[bhwdv]|bc1any[24][ft]|cabs\.\S+|recip[12]\.\S+|rsqrt[12]\.\S+|addr\.ps|mulr\.ps|cvt\.pw\.ps|cvt\.ps\.pw)$/;
// Our outputs for a word that is no instruction (objdump's own fallbacks).
const FALLBACK = /^(\.word|c0|c1) 0x[0-9a-f]+$/;

/**
 * The integer MIPS32r2 instructions as objdump names them (aliases included), written from the
 * manual's instruction list independently of the table, plus the coprocessor forms we print.
 */
// prettier-ignore
const BASE_MNEMONICS: readonly string[] = [
  'nop', 'ssnop', 'ehb', 'pause', 'sll', 'srl', 'ror', 'sra', 'sllv', 'srlv', 'rorv', 'srav',
  'jr', 'jr.hb', 'jalr', 'jalr.hb', 'movz', 'movn', 'syscall', 'break',
  'sync', 'sync_wmb', 'sync_mb', 'sync_acquire', 'sync_release', 'sync_rmb',
  'mfhi', 'mthi', 'mflo', 'mtlo', 'mult', 'multu', 'div', 'divu',
  'add', 'addu', 'sub', 'subu', 'and', 'or', 'xor', 'nor', 'slt', 'sltu', 'move', 'negu', 'neg',
  'tge', 'tgeu', 'tlt', 'tltu', 'teq', 'tne', 'tgei', 'tgeiu', 'tlti', 'tltiu', 'teqi', 'tnei',
  'bltz', 'bgez', 'bltzl', 'bgezl', 'bltzal', 'bgezal', 'bltzall', 'bgezall', 'bal', 'b',
  'beq', 'bne', 'blez', 'bgtz', 'beqz', 'bnez', 'beql', 'bnel', 'blezl', 'bgtzl', 'beqzl', 'bnezl',
  'j', 'jal', 'addi', 'addiu', 'slti', 'sltiu', 'andi', 'ori', 'xori', 'lui', 'li',
  'mfc0', 'mtc0', 'rdpgpr', 'wrpgpr', 'di', 'ei', 'tlbr', 'tlbwi', 'tlbwr', 'tlbp', 'eret', 'wait',
  'madd', 'maddu', 'mul', 'msub', 'msubu', 'clz', 'clo', 'ext', 'ins', 'wsbh', 'seb', 'seh', 'rdhwr',
  'lb', 'lh', 'lwl', 'lw', 'lbu', 'lhu', 'lwr', 'sb', 'sh', 'swl', 'sw', 'swr', 'll', 'sc',
  'cache', 'pref', 'synci', 'lwc1', 'ldc1', 'swc1', 'sdc1', 'lwc2', 'ldc2', 'swc2', 'sdc2',
  ...COP_FORMS.map((op) => op.name),
];
const BASE = new Set(BASE_MNEMONICS);

describe.skipIf(!HAVE_OBJDUMP)('disasm matches objdump', () => {
  const cases = buildCases();
  // describe.skipIf still collects the body: only call objdump when it exists.
  const theirs = HAVE_OBJDUMP ? objdump(cases.map((c) => c.word)) : [];
  const ours = cases.map((c, i) => norm(disasm(c.word, VMA + 4 * i)));
  const mismatch = (i: number): string => `${cases[i]!.what} ${hex8(cases[i]!.word)}: objdump '${theirs[i]}' disasm '${ours[i]}'`;

  it('produces one objdump line per word', () => {
    expect(theirs).toHaveLength(cases.length);
  });

  it('on every table form', () => {
    const bad: string[] = [];
    cases.forEach((c, i) => {
      if (c.kind === 'form' && theirs[i] !== ours[i]) bad.push(mismatch(i));
    });
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('on coarse coprocessor entries, except ASE forms', () => {
    const bad: string[] = [];
    cases.forEach((c, i) => {
      if (c.kind !== 'coarse' || theirs[i] === ours[i]) return;
      const mnemonic = theirs[i]!.split(' ')[0]!;
      if (!(COP_ASE.test(mnemonic) && FALLBACK.test(ours[i]!))) bad.push(mismatch(i));
    });
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('prints every MIPS32r2 base mnemonic for some table form', () => {
    const printed = new Set<string>();
    cases.forEach((c, i) => {
      if (c.kind === 'form') printed.add(ours[i]!.split(' ')[0]!);
    });
    expect(BASE_MNEMONICS.filter((m) => !printed.has(m))).toEqual([]);
  });

  it('on words near table forms and random words; objdump finds no base instruction we reserve', () => {
    const bad: string[] = [];
    cases.forEach((c, i) => {
      if ((c.kind !== 'near' && c.kind !== 'random') || theirs[i] === ours[i]) return;
      const op = decode(c.word);
      const mnemonic = theirs[i]!.split(' ')[0]!;
      // A coarse coprocessor word that objdump reads as an ASE instruction.
      const aseInCoarse = op !== null && isCoarse(op) && COP_ASE.test(mnemonic);
      // A reserved word that objdump reads as an ASE/optional instruction: not a base mnemonic,
      // or a DSP accumulator variant of one (mfhi v0,$ac1; mult $ac1,a0,a1; ...).
      const aseReserved = op === null && (!BASE.has(mnemonic) || theirs[i]!.includes('$ac'));
      if (!(FALLBACK.test(ours[i]!) && (aseInCoarse || aseReserved))) bad.push(mismatch(i));
    });
    expect(bad.slice(0, 20)).toEqual([]);
  });
});

describe('disasm (fixed expectations)', () => {
  it('prints common instructions and aliases as objdump does', () => {
    const cases: [number, number, string][] = [
      [0x00000000, 0, 'nop'],
      [0x00000040, 0, 'ssnop'],
      [0x000000c0, 0, 'ehb'],
      [0x00000140, 0, 'pause'],
      [0x00801021, 0, 'move v0,a0'],
      [0x00041023, 0, 'negu v0,a0'],
      [0x00801027, 0, 'nor v0,a0,zero'],
      [0x002410c2, 0, 'ror v0,a0,0x3'],
      [0x2404fffb, 0, 'li a0,-5'],
      [0x34040005, 0, 'li a0,0x5'],
      [0x3c041234, 0, 'lui a0,0x1234'],
      [0x8fa4fffc, 0, 'lw a0,-4(sp)'],
      [0x1000ffff, 0x80000010, 'b 0x80000010'],
      [0x10800004, 0x80000000, 'beqz a0,0x80000014'],
      [0x04110004, 0, 'bal 0x14'],
      [0x0bffffff, 0x8ffffffc, 'j 0x9ffffffc'],
      [0x03e00008, 0, 'jr ra'],
      [0x0080f809, 0, 'jalr a0'],
      [0x00802c09, 0, 'jalr.hb a1,a0'],
      [0x0085001a, 0, 'div zero,a0,a1'],
      [0x70851020, 0, 'clz v0 or a1,a0'],
      [0x7c8510c0, 0, 'ext a1,a0,0x3,0x3'],
      [0x0005018d, 0, 'break 0x5,0x6'],
      [0x00850174, 0, 'teq a0,a1,0x5'],
      [0x0000040f, 0, 'sync_mb'],
      [0x40046000, 0, 'mfc0 a0,c0_status'],
      [0x40047801, 0, 'mfc0 a0,c0_ebase'],
      [0x40047807, 0, 'mfc0 a0,$15,7'],
      [0x4004c801, 0, 'mfc0 a0,c0_perfcnt,1'],
      [0x41606000, 0, 'di'],
      [0x41646020, 0, 'ei a0'],
      [0x7c04003b, 0, 'rdhwr a0,hwr_cpunum'],
      [0x42000018, 0, 'eret'],
      [0x42000060, 0, 'wait 0x1'],
      [0x46201000, 0, 'add.d $f0,$f2,$f0'],
      [0x4444f800, 0, 'cfc1 a0,c1_fcsr'],
      [0x46022632, 0, 'c.eq.s $fcc6,$f4,$f2'],
      [0x4c8519a0, 0, 'madd.s $f6,$f4,$f3,$f5'],
      [0x00b51001, 0, 'movt v0,a1,$fcc5'],
      [0x4a001234, 0, 'c2 0x1234'],
      [0x42000040, 0, 'c0 0x40'],
      [0x7c0418c3, 0, '.word 0x7c0418c3'],
      [0x00000014, 0, '.word 0x14'],
    ];
    for (const [w, pc, want] of cases) expect(norm(disasm(w, pc)), hex8(w)).toBe(want);
  });
});
