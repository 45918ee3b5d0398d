// A small MIPS32r2 assembler for the differential harness: emits machine words together with
// their assembly text, with labels and late-bound fixups (forward branches and jumps).
//
// Field layouts follow the MIPS32 Instruction Set manual (Vol. II), chapter 3 (encodings) and
// appendix A (opcode maps). The text is objdump-like, with ABI register names, so that reports of
// a failing instruction read like a listing.

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

function rtype(fn: number, rs: number, rt: number, rd: number, sa: number, op = 0): number {
  return ((op << 26) | (rs << 21) | (rt << 16) | (rd << 11) | (sa << 6) | fn) >>> 0;
}
function itype(op: number, rs: number, rt: number, imm: number): number {
  return ((op << 26) | (rs << 21) | (rt << 16) | (imm & 0xffff)) >>> 0;
}

// --- Encoders by mnemonic. Each returns an Insn; branch offsets are in instructions. ---------

/** Three-register SPECIAL ops: rd = rs OP rt (MIPS32 Vol. II, SPECIAL funct field). */
export const SPECIAL3R: Readonly<Record<string, number>> = {
  addu: 0x21, subu: 0x23, and: 0x24, or: 0x25, xor: 0x26, nor: 0x27, slt: 0x2a, sltu: 0x2b,
  movz: 0x0a, movn: 0x0b, add: 0x20, sub: 0x22,
};
export function alu3(m: string, rd: number, rs: number, rt: number): Insn {
  const fn = SPECIAL3R[m];
  if (fn === undefined) throw new Error(`alu3: ${m}`);
  return { word: rtype(fn, rs, rt, rd, 0), text: `${m}\t${rn(rd)},${rn(rs)},${rn(rt)}` };
}

/** Shifts by immediate; rotr is srl with bit 21 set (MIPS32r2 ROTR). */
export function shift(m: 'sll' | 'srl' | 'sra' | 'rotr', rd: number, rt: number, sa: number): Insn {
  const fn = m === 'sll' ? 0 : m === 'sra' ? 3 : 2;
  const r = m === 'rotr' ? 1 : 0;
  return { word: rtype(fn, r, rt, rd, sa & 31), text: `${m}\t${rn(rd)},${rn(rt)},${sa & 31}` };
}

/** Shifts by register; rotrv is srlv with bit 6 set (MIPS32r2 ROTRV). */
export function shiftv(m: 'sllv' | 'srlv' | 'srav' | 'rotrv', rd: number, rt: number, rs: number): Insn {
  const fn = m === 'sllv' ? 4 : m === 'srav' ? 7 : 6;
  const sa = m === 'rotrv' ? 1 : 0;
  return { word: rtype(fn, rs, rt, rd, sa), text: `${m}\t${rn(rd)},${rn(rt)},${rn(rs)}` };
}

/** HI/LO producers: mult, multu, div, divu (SPECIAL) and madd, maddu, msub, msubu (SPECIAL2). */
export function muldiv(m: 'mult' | 'multu' | 'div' | 'divu' | 'madd' | 'maddu' | 'msub' | 'msubu', rs: number, rt: number): Insn {
  const codes: Record<string, [number, number]> = {
    mult: [0, 0x18], multu: [0, 0x19], div: [0, 0x1a], divu: [0, 0x1b],
    madd: [0x1c, 0x00], maddu: [0x1c, 0x01], msub: [0x1c, 0x04], msubu: [0x1c, 0x05],
  };
  const [op, fn] = codes[m]!;
  return { word: rtype(fn, rs, rt, 0, 0, op), text: `${m}\t${rn(rs)},${rn(rt)}` };
}

export function mul(rd: number, rs: number, rt: number): Insn {
  return { word: rtype(0x02, rs, rt, rd, 0, 0x1c), text: `mul\t${rn(rd)},${rn(rs)},${rn(rt)}` };
}
export function mfhi(rd: number): Insn { return { word: rtype(0x10, 0, 0, rd, 0), text: `mfhi\t${rn(rd)}` }; }
export function mflo(rd: number): Insn { return { word: rtype(0x12, 0, 0, rd, 0), text: `mflo\t${rn(rd)}` }; }
export function mthi(rs: number): Insn { return { word: rtype(0x11, rs, 0, 0, 0), text: `mthi\t${rn(rs)}` }; }
export function mtlo(rs: number): Insn { return { word: rtype(0x13, rs, 0, 0, 0), text: `mtlo\t${rn(rs)}` }; }

/** clz/clo: SPECIAL2 with rt = rd as the manual requires (MIPS32 Vol. II CLZ "Restrictions"). */
export function clz(m: 'clz' | 'clo', rd: number, rs: number): Insn {
  return { word: rtype(m === 'clz' ? 0x20 : 0x21, rs, rd, rd, 0, 0x1c), text: `${m}\t${rn(rd)},${rn(rs)}` };
}

/** ext rt, rs, pos, size: SPECIAL3 funct 0, msbd = size-1, lsb = pos (pos+size <= 32). */
export function ext(rt: number, rs: number, pos: number, size: number): Insn {
  return { word: rtype(0x00, rs, rt, size - 1, pos, 0x1f), text: `ext\t${rn(rt)},${rn(rs)},${pos},${size}` };
}
/** ins rt, rs, pos, size: SPECIAL3 funct 4, msb = pos+size-1, lsb = pos. */
export function ins(rt: number, rs: number, pos: number, size: number): Insn {
  return { word: rtype(0x04, rs, rt, pos + size - 1, pos, 0x1f), text: `ins\t${rn(rt)},${rn(rs)},${pos},${size}` };
}
/** BSHFL group: wsbh (sa=2), seb (sa=0x10), seh (sa=0x18). */
export function bshfl(m: 'wsbh' | 'seb' | 'seh', rd: number, rt: number): Insn {
  const sa = m === 'wsbh' ? 0x02 : m === 'seb' ? 0x10 : 0x18;
  return { word: rtype(0x20, 0, rt, rd, sa, 0x1f), text: `${m}\t${rn(rd)},${rn(rt)}` };
}

/** Immediate ALU ops (opcode field). */
export const IMM_OPS: Readonly<Record<string, number>> = {
  addi: 0x08, addiu: 0x09, slti: 0x0a, sltiu: 0x0b, andi: 0x0c, ori: 0x0d, xori: 0x0e,
};
export function aluImm(m: string, rt: number, rs: number, imm: number): Insn {
  const op = IMM_OPS[m];
  if (op === undefined) throw new Error(`aluImm: ${m}`);
  const zext = m === 'andi' || m === 'ori' || m === 'xori';
  const shown = zext ? hex(imm & 0xffff) : String((imm << 16) >> 16);
  return { word: itype(op, rs, rt, imm), text: `${m}\t${rn(rt)},${rn(rs)},${shown}` };
}
export function lui(rt: number, imm: number): Insn {
  return { word: itype(0x0f, 0, rt, imm), text: `lui\t${rn(rt)},${hex(imm & 0xffff)}` };
}

/** Loads and stores (opcode field), MIPS32 Vol. II. */
export const MEM_OPS: Readonly<Record<string, number>> = {
  lb: 0x20, lh: 0x21, lwl: 0x22, lw: 0x23, lbu: 0x24, lhu: 0x25, lwr: 0x26,
  sb: 0x28, sh: 0x29, swl: 0x2a, sw: 0x2b, swr: 0x2e, ll: 0x30, sc: 0x38, pref: 0x33,
};
export function mem(m: string, rt: number, off: number, base: number): Insn {
  const op = MEM_OPS[m];
  if (op === undefined) throw new Error(`mem: ${m}`);
  const t = m === 'pref' ? String(rt) : rn(rt);
  return { word: itype(op, base, rt, off), text: `${m}\t${t},${(off << 16) >> 16}(${rn(base)})` };
}

export function sync(): Insn { return { word: 0x0000000f, text: 'sync' }; }
export function nop(): Insn { return { word: 0, text: 'nop' }; }
export function syscall(code = 0): Insn { return { word: rtype(0x0c, 0, 0, 0, 0) | ((code & 0xfffff) << 6), text: 'syscall' }; }
export function brk(code = 0): Insn { return { word: (rtype(0x0d, 0, 0, 0, 0) | ((code & 0xfffff) << 6)) >>> 0, text: 'break' }; }

/** Trap-on-condition, register form (SPECIAL funct 0x30..0x36). */
export function trap(m: 'tge' | 'tgeu' | 'tlt' | 'tltu' | 'teq' | 'tne', rs: number, rt: number): Insn {
  const fn = { tge: 0x30, tgeu: 0x31, tlt: 0x32, tltu: 0x33, teq: 0x34, tne: 0x36 }[m];
  return { word: rtype(fn, rs, rt, 0, 0), text: `${m}\t${rn(rs)},${rn(rt)}` };
}
/** Trap-on-condition, immediate form (REGIMM rt 0x08..0x0e). */
export function trapi(m: 'tgei' | 'tgeiu' | 'tlti' | 'tltiu' | 'teqi' | 'tnei', rs: number, imm: number): Insn {
  const rt = { tgei: 0x08, tgeiu: 0x09, tlti: 0x0a, tltiu: 0x0b, teqi: 0x0c, tnei: 0x0e }[m];
  return { word: itype(0x01, rs, rt, imm), text: `${m}\t${rn(rs)},${(imm << 16) >> 16}` };
}

// --- Branches and jumps ------------------------------------------------------------------------

/** Two-register conditional branches (opcode field); the -l forms are branch-likely. */
export const BR2: Readonly<Record<string, number>> = { beq: 0x04, bne: 0x05, beql: 0x14, bnel: 0x15 };
/** One-register branches encoded in the opcode field (rt = 0). */
export const BR1OP: Readonly<Record<string, number>> = { blez: 0x06, bgtz: 0x07, blezl: 0x16, bgtzl: 0x17 };
/** REGIMM branches (rt field). */
export const BRREGIMM: Readonly<Record<string, number>> = {
  bltz: 0x00, bgez: 0x01, bltzl: 0x02, bgezl: 0x03,
  bltzal: 0x10, bgezal: 0x11, bltzall: 0x12, bgezall: 0x13,
};

/** Encodes a conditional branch with a word offset relative to the delay slot. */
export function branch(m: string, rs: number, rt: number, offWords: number): Insn {
  let word: number;
  let text: string;
  if (m in BR2) {
    word = itype(BR2[m]!, rs, rt, offWords);
    text = `${m}\t${rn(rs)},${rn(rt)},`;
  } else if (m in BR1OP) {
    word = itype(BR1OP[m]!, rs, 0, offWords);
    text = `${m}\t${rn(rs)},`;
  } else if (m in BRREGIMM) {
    word = itype(0x01, rs, BRREGIMM[m]!, offWords);
    text = `${m}\t${rn(rs)},`;
  } else {
    throw new Error(`branch: ${m}`);
  }
  return { word, text: text + `.${offWords >= 0 ? '+' : ''}${offWords * 4 + 4}` };
}

export function jump(m: 'j' | 'jal', target: number): Insn {
  return { word: (((m === 'j' ? 2 : 3) << 26) | ((target >>> 2) & 0x3ffffff)) >>> 0, text: `${m}\t${hex(target)}` };
}
export function jr(rs: number): Insn { return { word: rtype(0x08, rs, 0, 0, 0), text: `jr\t${rn(rs)}` }; }
export function jalr(rd: number, rs: number): Insn {
  return { word: rtype(0x09, rs, 0, rd, 0), text: rd === 31 ? `jalr\t${rn(rs)}` : `jalr\t${rn(rd)},${rn(rs)}` };
}

// --- Coprocessor 0 -----------------------------------------------------------------------------

export function mfc0(rt: number, rd: number, sel = 0): Insn {
  return { word: ((0x10 << 26) | (0 << 21) | (rt << 16) | (rd << 11) | sel) >>> 0, text: `mfc0\t${rn(rt)},$${rd},${sel}` };
}
export function mtc0(rt: number, rd: number, sel = 0): Insn {
  return { word: ((0x10 << 26) | (4 << 21) | (rt << 16) | (rd << 11) | sel) >>> 0, text: `mtc0\t${rn(rt)},$${rd},${sel}` };
}
/** CO-format COP0 ops: tlbr 1, tlbwi 2, tlbwr 6, tlbp 8, eret 0x18, wait 0x20. */
export function cop0(m: 'tlbr' | 'tlbwi' | 'tlbwr' | 'tlbp' | 'eret' | 'wait'): Insn {
  const fn = { tlbr: 1, tlbwi: 2, tlbwr: 6, tlbp: 8, eret: 0x18, wait: 0x20 }[m];
  return { word: ((0x10 << 26) | (1 << 25) | fn) >>> 0, text: m };
}
/** ehb = sll $0,$0,3 (MIPS32r2). di/ei: MFMC0 with sc = 0/1 (MIPS32r2). */
export function ehb(): Insn { return { word: 0x000000c0, text: 'ehb' }; }
export function di(rt = 0): Insn { return { word: ((0x10 << 26) | (0x0b << 21) | (rt << 16) | (12 << 11)) >>> 0, text: `di\t${rn(rt)}` }; }
export function ei(rt = 0): Insn { return { word: ((0x10 << 26) | (0x0b << 21) | (rt << 16) | (12 << 11) | 0x20) >>> 0, text: `ei\t${rn(rt)}` }; }

/** A raw word, for deliberately reserved or unusual encodings. */
export function raw(word: number, text = `.word ${hex(word)}`): Insn { return { word: word >>> 0, text }; }

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
