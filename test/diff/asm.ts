// A small MIPS32r2 assembler for the differential harness: machine words (from the opcode table's
// encoder, cpu/encode.ts) together with their assembly text, with labels and late-bound fixups
// (forward branches and jumps). The text is objdump-like, with ABI register names, so that reports
// of a failing instruction read like a listing; test/diff/encoding.test.ts checks both words and
// text against GNU objdump.

import { encode } from '../../cpu/encode.ts';

/** ABI names of the 32 GPRs (MIPS o32). */
export const REG_NAMES: readonly string[] = [
  'zero', 'at', 'v0', 'v1', 'a0', 'a1', 'a2', 'a3',
  't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7',
  's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7',
  't8', 't9', 'k0', 'k1', 'gp', 'sp', 's8', 'ra',
];

export const R = {
  zero: 0, at: 1, v0: 2, v1: 3, a0: 4, a1: 5, a2: 6, a3: 7,
  t0: 8, t1: 9, t2: 10, t3: 11, t4: 12, t5: 13, t6: 14, t7: 15,
  s0: 16, s1: 17, s2: 18, s3: 19, s4: 20, s5: 21, s6: 22, s7: 23,
  t8: 24, t9: 25, k0: 26, k1: 27, gp: 28, sp: 29, s8: 30, ra: 31,
} as const;

const rn = (r: number): string => REG_NAMES[r]!;
const hex = (v: number): string => '0x' + (v >>> 0).toString(16);

/** One instruction word and how it reads. */
export interface Insn {
  word: number;
  text: string;
}

const s16 = (v: number): number => (v << 16) >> 16;

// --- Encoders by mnemonic. Words come from the opcode table (cpu/encode.ts); this file adds the
// listing text. Immediates may be given as signed or as 16-bit patterns; branch offsets are in
// instructions from the delay slot. -------------------------------------------------------------

/** Three-register SPECIAL ops: rd = rs OP rt. */
export const ALU3_OPS: readonly string[] = ['addu', 'subu', 'and', 'or', 'xor', 'nor', 'slt', 'sltu', 'movz', 'movn', 'add', 'sub'];
export function alu3(m: string, rd: number, rs: number, rt: number): Insn {
  return { word: encode(m, { rd, rs, rt }), text: `${m}\t${rn(rd)},${rn(rs)},${rn(rt)}` };
}

/** Shifts by immediate (rotr: MIPS32r2). */
export function shift(m: 'sll' | 'srl' | 'sra' | 'rotr', rd: number, rt: number, sa: number): Insn {
  return { word: encode(m, { rd, rt, sa: sa & 31 }), text: `${m}\t${rn(rd)},${rn(rt)},${sa & 31}` };
}

/** Shifts by register (rotrv: MIPS32r2). */
export function shiftv(m: 'sllv' | 'srlv' | 'srav' | 'rotrv', rd: number, rt: number, rs: number): Insn {
  return { word: encode(m, { rd, rt, rs }), text: `${m}\t${rn(rd)},${rn(rt)},${rn(rs)}` };
}

/** HI/LO producers: mult, multu, div, divu, madd, maddu, msub, msubu. */
export function muldiv(m: 'mult' | 'multu' | 'div' | 'divu' | 'madd' | 'maddu' | 'msub' | 'msubu', rs: number, rt: number): Insn {
  return { word: encode(m, { rs, rt }), text: `${m}\t${rn(rs)},${rn(rt)}` };
}

export function mul(rd: number, rs: number, rt: number): Insn {
  return { word: encode('mul', { rd, rs, rt }), text: `mul\t${rn(rd)},${rn(rs)},${rn(rt)}` };
}
export function mfhi(rd: number): Insn { return { word: encode('mfhi', { rd }), text: `mfhi\t${rn(rd)}` }; }
export function mflo(rd: number): Insn { return { word: encode('mflo', { rd }), text: `mflo\t${rn(rd)}` }; }
export function mthi(rs: number): Insn { return { word: encode('mthi', { rs }), text: `mthi\t${rn(rs)}` }; }
export function mtlo(rs: number): Insn { return { word: encode('mtlo', { rs }), text: `mtlo\t${rn(rs)}` }; }

/** clz/clo (rt tied to rd by the encoder, as the manual requires). */
export function clz(m: 'clz' | 'clo', rd: number, rs: number): Insn {
  return { word: encode(m, { rd, rs }), text: `${m}\t${rn(rd)},${rn(rs)}` };
}

/** ext/ins rt, rs, pos, size with pos + size <= 32. */
export function ext(rt: number, rs: number, pos: number, size: number): Insn {
  return { word: encode('ext', { rt, rs, pos, size }), text: `ext\t${rn(rt)},${rn(rs)},${pos},${size}` };
}
export function ins(rt: number, rs: number, pos: number, size: number): Insn {
  return { word: encode('ins', { rt, rs, pos, size }), text: `ins\t${rn(rt)},${rn(rs)},${pos},${size}` };
}
/** BSHFL group: wsbh, seb, seh. */
export function bshfl(m: 'wsbh' | 'seb' | 'seh', rd: number, rt: number): Insn {
  return { word: encode(m, { rd, rt }), text: `${m}\t${rn(rd)},${rn(rt)}` };
}

/** Immediate ALU ops; andi/ori/xori zero-extend their immediate, the others sign-extend. */
export const IMM_OPS: readonly string[] = ['addi', 'addiu', 'slti', 'sltiu', 'andi', 'ori', 'xori'];
export function aluImm(m: string, rt: number, rs: number, imm: number): Insn {
  const zext = m === 'andi' || m === 'ori' || m === 'xori';
  const v = zext ? imm & 0xffff : s16(imm);
  return { word: encode(m, { rt, rs, imm: v }), text: `${m}\t${rn(rt)},${rn(rs)},${zext ? hex(v) : String(v)}` };
}
export function lui(rt: number, imm: number): Insn {
  return { word: encode('lui', { rt, imm: imm & 0xffff }), text: `lui\t${rn(rt)},${hex(imm & 0xffff)}` };
}

/** Loads, stores and pref: `m rt, off(base)` (for pref, rt is the hint). */
export function mem(m: string, rt: number, off: number, base: number): Insn {
  const o = s16(off);
  const word = m === 'pref' ? encode(m, { hint: rt, base, offset: o }) : encode(m, { rt, base, offset: o });
  return { word, text: `${m}\t${m === 'pref' ? String(rt) : rn(rt)},${o}(${rn(base)})` };
}

export function sync(): Insn { return { word: encode('sync'), text: 'sync' }; }
export function nop(): Insn { return { word: 0, text: 'nop' }; }
export function ssnop(): Insn { return { word: encode('sll', { sa: 1 }), text: 'ssnop' }; }
export function syscall(code = 0): Insn { return { word: encode('syscall', { code }), text: code ? `syscall\t${hex(code)}` : 'syscall' }; }
/** break; objdump shows the 20-bit code as two 10-bit halves. */
export function brk(code = 0): Insn {
  return { word: encode('break', { code }), text: code ? `break\t${hex(code >>> 10)},${hex(code & 0x3ff)}` : 'break' };
}
/** rdhwr rt, $rd (MIPS32r2). */
export function rdhwr(rt: number, rd: number): Insn { return { word: encode('rdhwr', { rt, rd }), text: `rdhwr\t${rn(rt)},$${rd}` }; }
/** cache op, off(base). */
export function cache(op: number, off: number, base: number): Insn {
  return { word: encode('cache', { op, base, offset: s16(off) }), text: `cache\t${hex(op)},${s16(off)}(${rn(base)})` };
}

/** Trap-on-condition, register form. */
export function trap(m: 'tge' | 'tgeu' | 'tlt' | 'tltu' | 'teq' | 'tne', rs: number, rt: number): Insn {
  return { word: encode(m, { rs, rt }), text: `${m}\t${rn(rs)},${rn(rt)}` };
}
/** Trap-on-condition, immediate form (sign-extended immediate, also for tgeiu/tltiu). */
export function trapi(m: 'tgei' | 'tgeiu' | 'tlti' | 'tltiu' | 'teqi' | 'tnei', rs: number, imm: number): Insn {
  return { word: encode(m, { rs, imm: s16(imm) }), text: `${m}\t${rn(rs)},${s16(imm)}` };
}

// --- Branches and jumps ------------------------------------------------------------------------

/** Conditional branches: two-register (beq, bne and -l forms) or one-register (the rest). */
export const TWO_REG_BRANCHES: readonly string[] = ['beq', 'bne', 'beql', 'bnel'];

/** Encodes a conditional branch with a word offset relative to the delay slot. */
export function branch(m: string, rs: number, rt: number, offWords: number): Insn {
  const two = TWO_REG_BRANCHES.includes(m);
  const word = encode(m, two ? { rs, rt, offset: offWords } : { rs, offset: offWords });
  const text = two ? `${m}\t${rn(rs)},${rn(rt)},` : `${m}\t${rn(rs)},`;
  return { word, text: text + `.${offWords >= 0 ? '+' : ''}${offWords * 4 + 4}` };
}

export function jump(m: 'j' | 'jal', target: number): Insn {
  return { word: encode(m, { target: (target >>> 2) & 0x3ffffff }), text: `${m}\t${hex(target)}` };
}
export function jr(rs: number): Insn { return { word: encode('jr', { rs }), text: `jr\t${rn(rs)}` }; }
/** jalr.hb: jump and link, clearing instruction hazards (MIPS32r2, after SYNCI). */
export function jalrHb(rd: number, rs: number): Insn {
  return { word: encode('jalr.hb', { rd, rs }), text: rd === 31 ? `jalr.hb\t${rn(rs)}` : `jalr.hb\t${rn(rd)},${rn(rs)}` };
}
/** synci off(base) (MIPS32r2). */
export function synci(off: number, base: number): Insn {
  return { word: encode('synci', { base, offset: s16(off) }), text: `synci\t${s16(off)}(${rn(base)})` };
}
export function jalr(rd: number, rs: number): Insn {
  return { word: encode('jalr', { rd, rs }), text: rd === 31 ? `jalr\t${rn(rs)}` : `jalr\t${rn(rd)},${rn(rs)}` };
}

// --- Coprocessor 0 -----------------------------------------------------------------------------

export function mfc0(rt: number, rd: number, sel = 0): Insn {
  return { word: encode('mfc0', { rt, rd, sel }), text: `mfc0\t${rn(rt)},$${rd},${sel}` };
}
export function mtc0(rt: number, rd: number, sel = 0): Insn {
  return { word: encode('mtc0', { rt, rd, sel }), text: `mtc0\t${rn(rt)},$${rd},${sel}` };
}
export function cop0(m: 'tlbr' | 'tlbwi' | 'tlbwr' | 'tlbp' | 'eret' | 'wait'): Insn {
  return { word: encode(m), text: m };
}
/** ehb = sll $0,$0,3 (MIPS32r2 execution hazard barrier). */
export function ehb(): Insn { return { word: encode('sll', { sa: 3 }), text: 'ehb' }; }
export function di(rt = 0): Insn { return { word: encode('di', { rt }), text: `di\t${rn(rt)}` }; }
export function ei(rt = 0): Insn { return { word: encode('ei', { rt }), text: `ei\t${rn(rt)}` }; }

/** A raw word, for deliberately reserved or unusual encodings; listed as `.word` with a comment. */
export function raw(word: number, comment?: string): Insn {
  return { word: word >>> 0, text: `.word\t${hex(word)}${comment ? `  # ${comment}` : ''}` };
}

// --- The builder -------------------------------------------------------------------------------

/** A placeholder resolved when the target label's address is known. */
type Fixup = (at: number, target: number) => Insn;

/**
 * Assembles a sequence of instructions at a fixed base address. Labels may be bound before or
 * after use; `finish()` resolves every fixup and returns the words.
 */
export class Asm {
  readonly base: number;
  readonly words: number[] = [];
  readonly texts: string[] = [];
  private labels = new Map<string, number>();
  private fixups: { index: number; label: string; make: Fixup }[] = [];
  private anon = 0;

  constructor(base: number) {
    this.base = base >>> 0;
  }

  /** Address of the next instruction. */
  get pc(): number {
    return (this.base + this.words.length * 4) >>> 0;
  }

  emit(i: Insn): this {
    this.words.push(i.word >>> 0);
    this.texts.push(i.text);
    return this;
  }

  /** A fresh unique label name. */
  newLabel(prefix = 'L'): string {
    return `${prefix}${this.anon++}`;
  }

  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`label ${name} bound twice`);
    this.labels.set(name, this.pc);
    return this;
  }

  addressOf(name: string): number {
    const a = this.labels.get(name);
    if (a === undefined) throw new Error(`label ${name} not bound`);
    return a;
  }

  /** Emits a placeholder to be replaced by `make(pcOfInsn, addressOfLabel)`. */
  emitFix(label: string, make: Fixup): this {
    this.fixups.push({ index: this.words.length, label, make });
    return this.emit(nop());
  }

  /** Conditional branch to a label; the offset is counted from the delay slot. */
  br(m: string, rs: number, rt: number, label: string): this {
    return this.emitFix(label, (at, target) => {
      const off = (target - (at + 4)) / 4;
      if (!Number.isInteger(off) || off < -32768 || off > 32767) throw new Error(`branch to ${label} out of range`);
      const i = branch(m, rs, rt, off);
      return { word: i.word, text: i.text.replace(/\.[+-]?\d+$/, hex(target)) };
    });
  }

  j(m: 'j' | 'jal', label: string): this {
    return this.emitFix(label, (at, target) => {
      if (((at + 4) & 0xf0000000) !== (target & 0xf0000000)) throw new Error(`jump to ${label} leaves the 256 MiB region`);
      return jump(m, target);
    });
  }

  /** li: lui+ori, always two words so that code size does not depend on the value. */
  li(rt: number, value: number): this {
    this.emit(lui(rt, value >>> 16));
    return this.emit(aluImm('ori', rt, rt, value & 0xffff));
  }

  /** la: loads a label's address (two words). */
  la(rt: number, label: string): this {
    this.emitFix(label, (_at, t) => lui(rt, t >>> 16));
    return this.emitFix(label, (_at, t) => aluImm('ori', rt, rt, t & 0xffff));
  }

  /** Resolves fixups; returns the words. */
  finish(): number[] {
    for (const f of this.fixups) {
      const at = (this.base + f.index * 4) >>> 0;
      const i = f.make(at, this.addressOf(f.label));
      this.words[f.index] = i.word >>> 0;
      this.texts[f.index] = i.text;
    }
    this.fixups = [];
    return this.words;
  }

  /** Little-endian bytes of the assembled words (call after finish()). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.words.length * 4);
    const dv = new DataView(out.buffer);
    this.words.forEach((w, i) => dv.setUint32(i * 4, w, true));
    return out;
  }

  /** A listing, one `address: word  text` line per instruction. */
  listing(from = 0, to = this.words.length): string {
    const lines: string[] = [];
    for (let i = from; i < to; i++) {
      const a = (this.base + i * 4) >>> 0;
      lines.push(`${a.toString(16).padStart(8, '0')}:  ${this.words[i]!.toString(16).padStart(8, '0')}  ${this.texts[i]}`);
    }
    return lines.join('\n');
  }
}
