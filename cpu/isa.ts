// The MIPS32 Release 2 opcode table: the single source of truth for decoding, disassembly,
// encoding and the overlap checks (STYLE.md point 2).
//
// Reference: MIPS32 Architecture for Programmers Vol. II (instruction set, MD00086): the
// instruction pages and the bit-encoding tables of Appendix A ("Instruction Bit Encodings").
// Each row is written as the manual draws it: a 32-character bit pattern (spaces ignored) where
// '0'/'1' are fixed bits, a letter is an operand field (see FIELD_LETTERS) and '?' is a bit the
// entry does not look at. From the pattern we derive `match`, `mask` and the operand list, so
// `(word & mask) === match` selects the entry.
//
// The table is exact: a word that decode() does not map to an entry of OPS is a Reserved
// Instruction (RI). Fields that the manual requires to be zero are fixed '0' bits, so a nonzero
// value there is RI too (QEMU ignores some of them; hardware behaviour is UNPREDICTABLE). Two
// entries add a `check` beyond the pattern (ext/ins bit ranges, as QEMU does); clz/clo with
// rt != rd execute (rt ignored), as in QEMU.
// There is no FPU (Config1.FP=0) and no COP2, so every coprocessor-1/1X/2 word is a single coarse
// entry flagged F_COP1/F_COP2: the CPU raises Coprocessor Unusable for the whole opcode before
// looking at any other bit (Vol. III, Coprocessor Unusable Exception: any instruction of an
// unusable coprocessor's opcode space; QEMU behaves the same when Config1.FP=0).
// COP_FORMS refines those coarse entries for the disassembler only.
//
// Not in the table (so RI here): the 64-bit opcodes, MIPS16/microMIPS JALX, EJTAG SDBBP and
// DERET (no EJTAG), and every ASE (DSP, MT, MSA, MIPS-3D, VZ, EVA, SmartMIPS, MCU).
//
// ## Enumerating instructions for random programs
//
// Every entry carries flag bits (F_*). A random-program generator should use:
//   - SAFE_OPS   (flags & F_SAFE): no control transfer, no memory access, no exception for any
//                operand value, not privileged, deterministic. Any register values are fine.
//                mul is included though HI/LO are UNPREDICTABLE after it (F_HILO_UNPRED):
//                QEMU leaves them unchanged; do not read HI/LO after mul before writing them
//                if results are compared with another implementation.
//   - div/divu   (F_DIVIDE, not F_SAFE): HI/LO are UNPREDICTABLE when the divisor is 0;
//                safe with a divisor known to be nonzero.
//   - LOAD_OPS / STORE_OPS: integer loads and stores, access width from accessSize(op)
//                (F_SIZE1/2/4); aligned addresses needed unless F_UNALIGNED (lwl/lwr/swl/swr).
//                ll/sc carry F_LLSC. sc writes rt (1 on success).
//   - BRANCH_OPS: PC-relative branches (F_BRANCH); F_LIKELY nullifies the delay slot when not
//                taken; F_LINK writes r31 (F_WRITE_RA). A branch/jump in a delay slot is
//                UNPREDICTABLE: never put one there.
//   - JUMP_OPS:  j, jal, jr, jalr (and .hb forms), F_JUMP.
//   - TRAP_OPS:  everything that may raise an exception by design (F_MAY_TRAP: Ov, Tr, Sys, Bp).
// opsWith(all, none) filters OPS by flags for any other selection. encode() (cpu/encode.ts)
// builds words from field values; it ties clz/clo's rt to rd and checks ext/ins pos+size <= 32.

/** How an operand field is interpreted. */
export type OperandKind =
  | 'gpr' // general-purpose register number
  | 'simm' // signed 16-bit immediate
  | 'uimm' // unsigned immediate (andi/ori/xori/lui immediates, shift amounts, sel, stype)
  | 'branch' // signed word offset: target = pc + 4 + (offset << 2)
  | 'jump' // 26-bit word index inside the 256 MiB region of pc + 4
  | 'code' // syscall/break/trap/wait code, ignored by the hardware
  | 'cp0' // CP0 register number (with a separate sel field)
  | 'hwr' // rdhwr hardware register number
  | 'pos' // ext/ins least significant bit position
  | 'extsize' // ext: field holds size - 1 (msbd)
  | 'inssize' // ins: field holds pos + size - 1 (msb)
  | 'cacheop' // cache operation code
  | 'hint' // pref / prefx hint
  | 'fpr' // floating-point register number (disassembly of COP1 forms)
  | 'fcc' // floating-point condition code number
  | 'fcr' // floating-point control register number (cfc1/ctc1)
  | 'cp2reg' // coprocessor-2 register number
  | 'cp2cc' // coprocessor-2 condition code number
  | 'raw'; // uninterpreted bits of a coarse entry

/** One variable field of an instruction word. */
export interface Operand {
  /** Field name used by encode() and by the syntax template, e.g. 'rs', 'imm', 'offset'. */
  readonly name: string;
  readonly kind: OperandKind;
  /** Position of the field's lowest bit. */
  readonly shift: number;
  /** Field width in bits. */
  readonly width: number;
}

/** One instruction form. `match` and `mask` are int32 values so `(word & mask) === match`. */
export interface OpInfo {
  /** Stable numeric id (never reused or renumbered). COP_FORMS use ids from 1000. */
  readonly id: number;
  /** Canonical mnemonic (the manual's name, lower case). */
  readonly name: string;
  readonly match: number;
  readonly mask: number;
  /** Variable fields, in bit order from high to low. */
  readonly operands: readonly Operand[];
  /** Canonical assembler operand syntax in terms of operand names, e.g. 'rt,offset(base)'. */
  readonly syntax: string;
  /** F_* bits. */
  readonly flags: number;
  /** The bit pattern as written in the table (documentation, error messages). */
  readonly pattern: string;
  /** For COP_FORMS: id of the coarse OPS entry this form refines. */
  readonly parent?: number;
  /**
   * Extra validity condition beyond the pattern, for field combinations the manual calls
   * UNPREDICTABLE and that we (like QEMU) treat as Reserved Instruction: ext with
   * pos + size > 32, ins with msb < lsb. decode() returns null when it fails.
   */
  readonly check?: (word: number) => boolean;
}

// ---- Flags ----

/** PC-relative branch (b*, bal, bltzal...): has a delay slot. */
export const F_BRANCH = 1 << 0;
/** Jump to an absolute or register target (j, jal, jr, jalr): has a delay slot. */
export const F_JUMP = 1 << 1;
/** Branch-likely: the delay slot is nullified when the branch is not taken. */
export const F_LIKELY = 1 << 2;
/** Writes a return address (r31 for bal/jal/bltzal..., rd for jalr). */
export const F_LINK = 1 << 3;
/** Reads memory into a register. */
export const F_LOAD = 1 << 4;
/** Writes memory. */
export const F_STORE = 1 << 5;
/** Access width of a load/store: 1, 2, 4 or 8 bytes (see accessSize). */
export const F_SIZE1 = 1 << 6;
export const F_SIZE2 = 1 << 7;
export const F_SIZE4 = 1 << 8;
export const F_SIZE8 = 1 << 9;
/** lwl/lwr/swl/swr: any address is aligned enough. */
export const F_UNALIGNED = 1 << 10;
/** ll/sc. */
export const F_LLSC = 1 << 11;
/** Computes an effective address base + offset (loads, stores, cache, pref, synci). */
export const F_ADDR = 1 << 12;
/** Needs CP0 access (kernel mode or Status.CU0), else Coprocessor Unusable 0 (Vol. III, Coprocessor 0). */
export const F_PRIV = 1 << 13;
/** May raise Integer Overflow (add, addi, sub). */
export const F_OVERFLOW = 1 << 14;
/** Conditional trap (teq..., teqi...). */
export const F_TRAP = 1 << 15;
/** syscall. */
export const F_SYSCALL = 1 << 16;
/** break. */
export const F_BREAK = 1 << 17;
/** Coprocessor 1 (FPU) instruction: always Coprocessor Unusable 1 here (Config1.FP=0). */
export const F_COP1 = 1 << 18;
/** Coprocessor 2 instruction: always Coprocessor Unusable 2 (no COP2). */
export const F_COP2 = 1 << 19;
/** May raise Reserved Instruction depending on machine state (rdhwr vs HWREna in user mode). */
export const F_RI_RUNTIME = 1 << 20;
/** Leaves HI/LO UNPREDICTABLE (mul always, Vol. II MUL; div/divu when the divisor is 0). */
export const F_HILO_UNPRED = 1 << 21;
/** Safe anywhere in a random program (see the header comment). */
export const F_SAFE = 1 << 22;
/** Writes GPR rt / rd / r31 (r31 for link forms other than jalr). */
export const F_WRITE_RT = 1 << 23;
export const F_WRITE_RD = 1 << 24;
export const F_WRITE_RA = 1 << 25;
/** Reads / writes HI and LO. */
export const F_READ_HILO = 1 << 26;
export const F_WRITE_HILO = 1 << 27;
/** Reads machine state outside GPRs, HI/LO and memory (rdhwr, mfc0...): not reproducible. */
export const F_STATE = 1 << 28;
/** div/divu: HI/LO are UNPREDICTABLE when the divisor is 0 (Vol. II DIV, DIVU). */
export const F_DIVIDE = 1 << 29;

/** Any exception by design: Ov, Tr, Sys, Bp. */
export const F_MAY_TRAP = F_OVERFLOW | F_TRAP | F_SYSCALL | F_BREAK;
/** Any coprocessor-unusable form. */
export const F_COP_UNUSABLE = F_COP1 | F_COP2;
/** Control transfer with a delay slot. */
export const F_CTI = F_BRANCH | F_JUMP;
const F_SIZE_MASK = F_SIZE1 | F_SIZE2 | F_SIZE4 | F_SIZE8;
/** Flags that exclude an entry from F_SAFE. */
export const F_UNSAFE =
  F_CTI | F_LOAD | F_STORE | F_ADDR | F_PRIV | F_MAY_TRAP | F_COP_UNUSABLE | F_RI_RUNTIME | F_STATE | F_DIVIDE;

// ---- Pattern letters ----

interface FieldSpec {
  readonly name: string;
  readonly kind: OperandKind;
}

/** Operand letters used in patterns. A run of one letter is one field. */
const FIELD_LETTERS: Readonly<Record<string, FieldSpec>> = {
  s: { name: 'rs', kind: 'gpr' },
  t: { name: 'rt', kind: 'gpr' },
  d: { name: 'rd', kind: 'gpr' },
  a: { name: 'sa', kind: 'uimm' },
  i: { name: 'imm', kind: 'simm' },
  u: { name: 'imm', kind: 'uimm' },
  b: { name: 'base', kind: 'gpr' },
  o: { name: 'offset', kind: 'simm' },
  r: { name: 'offset', kind: 'branch' },
  j: { name: 'target', kind: 'jump' },
  c: { name: 'code', kind: 'code' },
  C: { name: 'rd', kind: 'cp0' },
  e: { name: 'sel', kind: 'uimm' },
  h: { name: 'rd', kind: 'hwr' },
  p: { name: 'pos', kind: 'pos' },
  x: { name: 'size', kind: 'extsize' },
  n: { name: 'size', kind: 'inssize' },
  k: { name: 'op', kind: 'cacheop' },
  H: { name: 'hint', kind: 'hint' },
  y: { name: 'stype', kind: 'uimm' },
  // Coprocessor fields (COP_FORMS and the coprocessor loads/stores).
  S: { name: 'fs', kind: 'fpr' },
  T: { name: 'ft', kind: 'fpr' },
  D: { name: 'fd', kind: 'fpr' },
  R: { name: 'fr', kind: 'fpr' },
  N: { name: 'cc', kind: 'fcc' },
  X: { name: 'index', kind: 'gpr' },
  G: { name: 'rt', kind: 'cp2reg' },
  E: { name: 'rd', kind: 'cp2reg' },
  I: { name: 'impl', kind: 'uimm' },
  F: { name: 'fs', kind: 'fcr' },
  M: { name: 'cc', kind: 'cp2cc' },
  Z: { name: 'cofun', kind: 'uimm' },
  '?': { name: 'bits', kind: 'raw' },
};

interface Row {
  readonly id: number;
  readonly name: string;
  readonly pattern: string;
  readonly syntax: string;
  readonly flags: number;
  readonly parent?: number;
  readonly check?: (word: number) => boolean;
}

/** Turn a row into an OpInfo; throws on a malformed pattern (a table bug, found at load time). */
function build(row: Row): OpInfo {
  const bits = row.pattern.replace(/ /g, '');
  if (bits.length !== 32) throw new Error(`${row.name}: pattern has ${bits.length} bits`);
  let match = 0;
  let mask = 0;
  const operands: Operand[] = [];
  for (let i = 0; i < 32; ) {
    const ch = bits[i]!;
    const bit = 31 - i;
    if (ch === '0' || ch === '1') {
      mask |= 1 << bit;
      if (ch === '1') match |= 1 << bit;
      i++;
      continue;
    }
    const spec = FIELD_LETTERS[ch];
    if (!spec) throw new Error(`${row.name}: unknown pattern letter '${ch}'`);
    let j = i;
    while (j < 32 && bits[j] === ch) j++;
    if (operands.some((o) => o.name === spec.name)) throw new Error(`${row.name}: field ${spec.name} twice`);
    operands.push({ name: spec.name, kind: spec.kind, shift: 31 - (j - 1), width: j - i });
    i = j;
  }
  // Every name in the syntax must be an operand (the disassembler relies on it).
  for (const tok of row.syntax.match(/[a-z]+/g) ?? []) {
    if (!operands.some((o) => o.name === tok)) throw new Error(`${row.name}: syntax names unknown field ${tok}`);
  }
  let flags = row.flags;
  if ((flags & F_UNSAFE) === 0) flags |= F_SAFE;
  const op: OpInfo = {
    id: row.id,
    name: row.name,
    match,
    mask,
    operands,
    syntax: row.syntax,
    flags,
    pattern: row.pattern,
  };
  return {
    ...op,
    ...(row.parent === undefined ? {} : { parent: row.parent }),
    ...(row.check === undefined ? {} : { check: row.check }),
  };
}

// Short names for flag combinations used in the rows.
const WT = F_WRITE_RT;
const WD = F_WRITE_RD;
const LD = F_LOAD | F_ADDR | F_WRITE_RT;
const ST = F_STORE | F_ADDR;
const BR = F_BRANCH;
const BRL = F_BRANCH | F_LINK | F_WRITE_RA;
const PRIV = F_PRIV;

function r(id: number, name: string, pattern: string, syntax: string, flags: number): Row {
  return { id, name, pattern, syntax, flags };
}

// prettier-ignore
const ROWS: readonly Row[] = [
  // SPECIAL (opcode 000000), Vol. II App. A, SPECIAL function field. Shifts and rotates (rotr/rotrv: Release 2).
  r(1,  'sll',     '000000 00000 ttttt ddddd aaaaa 000000', 'rd,rt,sa', WD),
  r(2,  'srl',     '000000 00000 ttttt ddddd aaaaa 000010', 'rd,rt,sa', WD),
  r(3,  'rotr',    '000000 00001 ttttt ddddd aaaaa 000010', 'rd,rt,sa', WD),
  r(4,  'sra',     '000000 00000 ttttt ddddd aaaaa 000011', 'rd,rt,sa', WD),
  r(5,  'sllv',    '000000 sssss ttttt ddddd 00000 000100', 'rd,rt,rs', WD),
  r(6,  'srlv',    '000000 sssss ttttt ddddd 00000 000110', 'rd,rt,rs', WD),
  r(7,  'rotrv',   '000000 sssss ttttt ddddd 00001 000110', 'rd,rt,rs', WD),
  r(8,  'srav',    '000000 sssss ttttt ddddd 00000 000111', 'rd,rt,rs', WD),
  // jr/jalr hint field: 0, or 10000 for the hazard-barrier forms (Vol. II JR.HB, JALR.HB).
  r(9,  'jr',      '000000 sssss 00000 00000 00000 001000', 'rs', F_JUMP),
  r(10, 'jr.hb',   '000000 sssss 00000 00000 10000 001000', 'rs', F_JUMP),
  r(11, 'jalr',    '000000 sssss 00000 ddddd 00000 001001', 'rd,rs', F_JUMP | F_LINK | WD),
  r(12, 'jalr.hb', '000000 sssss 00000 ddddd 10000 001001', 'rd,rs', F_JUMP | F_LINK | WD),
  r(13, 'movz',    '000000 sssss ttttt ddddd 00000 001010', 'rd,rs,rt', WD),
  r(14, 'movn',    '000000 sssss ttttt ddddd 00000 001011', 'rd,rs,rt', WD),
  r(15, 'syscall', '000000 cccccccccccccccccccc 001100', 'code', F_SYSCALL),
  r(16, 'break',   '000000 cccccccccccccccccccc 001101', 'code', F_BREAK),
  r(17, 'sync',    '000000 00000 00000 00000 yyyyy 001111', 'stype', 0),
  r(18, 'mfhi',    '000000 00000 00000 ddddd 00000 010000', 'rd', WD | F_READ_HILO),
  r(19, 'mthi',    '000000 sssss 00000 00000 00000 010001', 'rs', F_WRITE_HILO),
  r(20, 'mflo',    '000000 00000 00000 ddddd 00000 010010', 'rd', WD | F_READ_HILO),
  r(21, 'mtlo',    '000000 sssss 00000 00000 00000 010011', 'rs', F_WRITE_HILO),
  r(22, 'mult',    '000000 sssss ttttt 00000 00000 011000', 'rs,rt', F_WRITE_HILO),
  r(23, 'multu',   '000000 sssss ttttt 00000 00000 011001', 'rs,rt', F_WRITE_HILO),
  r(24, 'div',     '000000 sssss ttttt 00000 00000 011010', 'rs,rt', F_WRITE_HILO | F_HILO_UNPRED | F_DIVIDE),
  r(25, 'divu',    '000000 sssss ttttt 00000 00000 011011', 'rs,rt', F_WRITE_HILO | F_HILO_UNPRED | F_DIVIDE),
  r(26, 'add',     '000000 sssss ttttt ddddd 00000 100000', 'rd,rs,rt', WD | F_OVERFLOW),
  r(27, 'addu',    '000000 sssss ttttt ddddd 00000 100001', 'rd,rs,rt', WD),
  r(28, 'sub',     '000000 sssss ttttt ddddd 00000 100010', 'rd,rs,rt', WD | F_OVERFLOW),
  r(29, 'subu',    '000000 sssss ttttt ddddd 00000 100011', 'rd,rs,rt', WD),
  r(30, 'and',     '000000 sssss ttttt ddddd 00000 100100', 'rd,rs,rt', WD),
  r(31, 'or',      '000000 sssss ttttt ddddd 00000 100101', 'rd,rs,rt', WD),
  r(32, 'xor',     '000000 sssss ttttt ddddd 00000 100110', 'rd,rs,rt', WD),
  r(33, 'nor',     '000000 sssss ttttt ddddd 00000 100111', 'rd,rs,rt', WD),
  r(34, 'slt',     '000000 sssss ttttt ddddd 00000 101010', 'rd,rs,rt', WD),
  r(35, 'sltu',    '000000 sssss ttttt ddddd 00000 101011', 'rd,rs,rt', WD),
  r(36, 'tge',     '000000 sssss ttttt cccccccccc 110000', 'rs,rt,code', F_TRAP),
  r(37, 'tgeu',    '000000 sssss ttttt cccccccccc 110001', 'rs,rt,code', F_TRAP),
  r(38, 'tlt',     '000000 sssss ttttt cccccccccc 110010', 'rs,rt,code', F_TRAP),
  r(39, 'tltu',    '000000 sssss ttttt cccccccccc 110011', 'rs,rt,code', F_TRAP),
  r(40, 'teq',     '000000 sssss ttttt cccccccccc 110100', 'rs,rt,code', F_TRAP),
  r(41, 'tne',     '000000 sssss ttttt cccccccccc 110110', 'rs,rt,code', F_TRAP),
  // MOVCI (movf/movt on an FP condition code): needs COP1, so CpU 1 whatever the other bits.
  r(42, 'movci',   '000000 ???????????????????? 000001', '', F_COP1),

  // REGIMM (opcode 000001), selected by rt, Vol. II App. A, REGIMM rt field.
  r(43, 'bltz',    '000001 sssss 00000 rrrrrrrrrrrrrrrr', 'rs,offset', BR),
  r(44, 'bgez',    '000001 sssss 00001 rrrrrrrrrrrrrrrr', 'rs,offset', BR),
  r(45, 'bltzl',   '000001 sssss 00010 rrrrrrrrrrrrrrrr', 'rs,offset', BR | F_LIKELY),
  r(46, 'bgezl',   '000001 sssss 00011 rrrrrrrrrrrrrrrr', 'rs,offset', BR | F_LIKELY),
  r(47, 'tgei',    '000001 sssss 01000 iiiiiiiiiiiiiiii', 'rs,imm', F_TRAP),
  r(48, 'tgeiu',   '000001 sssss 01001 iiiiiiiiiiiiiiii', 'rs,imm', F_TRAP),
  r(49, 'tlti',    '000001 sssss 01010 iiiiiiiiiiiiiiii', 'rs,imm', F_TRAP),
  r(50, 'tltiu',   '000001 sssss 01011 iiiiiiiiiiiiiiii', 'rs,imm', F_TRAP),
  r(51, 'teqi',    '000001 sssss 01100 iiiiiiiiiiiiiiii', 'rs,imm', F_TRAP),
  r(52, 'tnei',    '000001 sssss 01110 iiiiiiiiiiiiiiii', 'rs,imm', F_TRAP),
  r(53, 'bltzal',  '000001 sssss 10000 rrrrrrrrrrrrrrrr', 'rs,offset', BRL),
  r(54, 'bgezal',  '000001 sssss 10001 rrrrrrrrrrrrrrrr', 'rs,offset', BRL),
  r(55, 'bltzall', '000001 sssss 10010 rrrrrrrrrrrrrrrr', 'rs,offset', BRL | F_LIKELY),
  r(56, 'bgezall', '000001 sssss 10011 rrrrrrrrrrrrrrrr', 'rs,offset', BRL | F_LIKELY),
  // SYNCI (Release 2): address checked like a load, may take TLB/address exceptions.
  r(57, 'synci',   '000001 bbbbb 11111 oooooooooooooooo', 'offset(base)', F_ADDR),

  // Primary opcodes, Vol. II App. A, opcode field.
  r(58, 'j',       '000010 jjjjjjjjjjjjjjjjjjjjjjjjjj', 'target', F_JUMP),
  r(59, 'jal',     '000011 jjjjjjjjjjjjjjjjjjjjjjjjjj', 'target', F_JUMP | F_LINK | F_WRITE_RA),
  r(60, 'beq',     '000100 sssss ttttt rrrrrrrrrrrrrrrr', 'rs,rt,offset', BR),
  r(61, 'bne',     '000101 sssss ttttt rrrrrrrrrrrrrrrr', 'rs,rt,offset', BR),
  r(62, 'blez',    '000110 sssss 00000 rrrrrrrrrrrrrrrr', 'rs,offset', BR),
  r(63, 'bgtz',    '000111 sssss 00000 rrrrrrrrrrrrrrrr', 'rs,offset', BR),
  r(64, 'addi',    '001000 sssss ttttt iiiiiiiiiiiiiiii', 'rt,rs,imm', WT | F_OVERFLOW),
  r(65, 'addiu',   '001001 sssss ttttt iiiiiiiiiiiiiiii', 'rt,rs,imm', WT),
  r(66, 'slti',    '001010 sssss ttttt iiiiiiiiiiiiiiii', 'rt,rs,imm', WT),
  r(67, 'sltiu',   '001011 sssss ttttt iiiiiiiiiiiiiiii', 'rt,rs,imm', WT),
  r(68, 'andi',    '001100 sssss ttttt uuuuuuuuuuuuuuuu', 'rt,rs,imm', WT),
  r(69, 'ori',     '001101 sssss ttttt uuuuuuuuuuuuuuuu', 'rt,rs,imm', WT),
  r(70, 'xori',    '001110 sssss ttttt uuuuuuuuuuuuuuuu', 'rt,rs,imm', WT),
  r(71, 'lui',     '001111 00000 ttttt uuuuuuuuuuuuuuuu', 'rt,imm', WT),

  // COP0 (opcode 010000), selected by rs, then by function when CO (bit 25) is set;
  // Vol. II App. A, COP0 rs and function fields.
  r(72, 'mfc0',    '010000 00000 ttttt CCCCC 00000000 eee', 'rt,rd,sel', PRIV | WT | F_STATE),
  r(73, 'mtc0',    '010000 00100 ttttt CCCCC 00000000 eee', 'rt,rd,sel', PRIV),
  // Shadow register access (Release 2). Without shadow sets (SRSCtl.HSS=0) these move a GPR.
  r(74, 'rdpgpr',  '010000 01010 ttttt ddddd 00000 000000', 'rd,rt', PRIV | WD),
  // MFMC0: di/ei (Release 2) read Status into rt then clear/set IE; rd is fixed to 12 (Status).
  r(75, 'di',      '010000 01011 ttttt 01100 00000 000000', 'rt', PRIV | WT | F_STATE),
  r(76, 'ei',      '010000 01011 ttttt 01100 00000 100000', 'rt', PRIV | WT | F_STATE),
  r(77, 'wrpgpr',  '010000 01110 ttttt ddddd 00000 000000', 'rd,rt', PRIV),
  r(78, 'tlbr',    '010000 1 0000000000000000000 000001', '', PRIV),
  r(79, 'tlbwi',   '010000 1 0000000000000000000 000010', '', PRIV),
  r(80, 'tlbwr',   '010000 1 0000000000000000000 000110', '', PRIV),
  r(81, 'tlbp',    '010000 1 0000000000000000000 001000', '', PRIV),
  r(82, 'eret',    '010000 1 0000000000000000000 011000', '', PRIV),
  // WAIT: bits 24:6 are an implementation-dependent code (Vol. II WAIT).
  r(83, 'wait',    '010000 1 ccccccccccccccccccc 100000', 'code', PRIV),

  // Coprocessors 1 and 2 are absent: whole opcodes are Coprocessor Unusable.
  r(84, 'cop1',    '010001 ??????????????????????????', '', F_COP1),
  r(85, 'cop2',    '010010 ??????????????????????????', '', F_COP2),
  r(86, 'cop1x',   '010011 ??????????????????????????', '', F_COP1),

  r(87, 'beql',    '010100 sssss ttttt rrrrrrrrrrrrrrrr', 'rs,rt,offset', BR | F_LIKELY),
  r(88, 'bnel',    '010101 sssss ttttt rrrrrrrrrrrrrrrr', 'rs,rt,offset', BR | F_LIKELY),
  r(89, 'blezl',   '010110 sssss 00000 rrrrrrrrrrrrrrrr', 'rs,offset', BR | F_LIKELY),
  r(90, 'bgtzl',   '010111 sssss 00000 rrrrrrrrrrrrrrrr', 'rs,offset', BR | F_LIKELY),

  // SPECIAL2 (opcode 011100), Vol. II App. A, SPECIAL2 function field.
  r(91, 'madd',    '011100 sssss ttttt 00000 00000 000000', 'rs,rt', F_READ_HILO | F_WRITE_HILO),
  r(92, 'maddu',   '011100 sssss ttttt 00000 00000 000001', 'rs,rt', F_READ_HILO | F_WRITE_HILO),
  r(93, 'mul',     '011100 sssss ttttt ddddd 00000 000010', 'rd,rs,rt', WD | F_HILO_UNPRED),
  r(94, 'msub',    '011100 sssss ttttt 00000 00000 000100', 'rs,rt', F_READ_HILO | F_WRITE_HILO),
  r(95, 'msubu',   '011100 sssss ttttt 00000 00000 000101', 'rs,rt', F_READ_HILO | F_WRITE_HILO),
  // clz/clo: the manual requires rt == rd (else UNPREDICTABLE); the hardware reads only rs.
  r(96, 'clz',     '011100 sssss ttttt ddddd 00000 100000', 'rd,rs', WD),
  r(97, 'clo',     '011100 sssss ttttt ddddd 00000 100001', 'rd,rs', WD),

  // SPECIAL3 (opcode 011111, Release 2), Vol. II App. A, SPECIAL3 function and BSHFL sa fields.
  // ext: msbd + lsb must stay below 32; ins: msb >= lsb (else UNPREDICTABLE; RI here and in QEMU).
  { ...r(98, 'ext', '011111 sssss ttttt xxxxx ppppp 000000', 'rt,rs,pos,size', WT), check: (w) => ((w >>> 11) & 31) + ((w >>> 6) & 31) <= 31 },
  { ...r(99, 'ins', '011111 sssss ttttt nnnnn ppppp 000100', 'rt,rs,pos,size', WT), check: (w) => ((w >>> 11) & 31) >= ((w >>> 6) & 31) },
  r(100, 'wsbh',   '011111 00000 ttttt ddddd 00010 100000', 'rd,rt', WD),
  r(101, 'seb',    '011111 00000 ttttt ddddd 10000 100000', 'rd,rt', WD),
  r(102, 'seh',    '011111 00000 ttttt ddddd 11000 100000', 'rd,rt', WD),
  r(103, 'rdhwr',  '011111 00000 ttttt hhhhh 00000 111011', 'rt,rd', WT | F_RI_RUNTIME | F_STATE),

  // Loads and stores.
  r(104, 'lb',     '100000 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE1),
  r(105, 'lh',     '100001 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE2),
  r(106, 'lwl',    '100010 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE4 | F_UNALIGNED),
  r(107, 'lw',     '100011 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE4),
  r(108, 'lbu',    '100100 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE1),
  r(109, 'lhu',    '100101 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE2),
  r(110, 'lwr',    '100110 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE4 | F_UNALIGNED),
  r(111, 'sb',     '101000 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', ST | F_SIZE1),
  r(112, 'sh',     '101001 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', ST | F_SIZE2),
  r(113, 'swl',    '101010 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', ST | F_SIZE4 | F_UNALIGNED),
  r(114, 'sw',     '101011 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', ST | F_SIZE4),
  r(115, 'swr',    '101110 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', ST | F_SIZE4 | F_UNALIGNED),
  r(116, 'cache',  '101111 bbbbb kkkkk oooooooooooooooo', 'op,offset(base)', PRIV | F_ADDR),
  r(117, 'll',     '110000 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', LD | F_SIZE4 | F_LLSC),
  r(118, 'lwc1',   '110001 bbbbb TTTTT oooooooooooooooo', 'ft,offset(base)', F_COP1 | F_LOAD | F_ADDR | F_SIZE4),
  r(119, 'lwc2',   '110010 bbbbb GGGGG oooooooooooooooo', 'rt,offset(base)', F_COP2 | F_LOAD | F_ADDR | F_SIZE4),
  // PREF never takes address or TLB exceptions (Vol. II PREF); hint 25 may discard data.
  r(120, 'pref',   '110011 bbbbb HHHHH oooooooooooooooo', 'hint,offset(base)', F_ADDR),
  r(121, 'ldc1',   '110101 bbbbb TTTTT oooooooooooooooo', 'ft,offset(base)', F_COP1 | F_LOAD | F_ADDR | F_SIZE8),
  r(122, 'ldc2',   '110110 bbbbb GGGGG oooooooooooooooo', 'rt,offset(base)', F_COP2 | F_LOAD | F_ADDR | F_SIZE8),
  r(123, 'sc',     '111000 bbbbb ttttt oooooooooooooooo', 'rt,offset(base)', ST | WT | F_SIZE4 | F_LLSC),
  r(124, 'swc1',   '111001 bbbbb TTTTT oooooooooooooooo', 'ft,offset(base)', F_COP1 | ST | F_SIZE4),
  r(125, 'swc2',   '111010 bbbbb GGGGG oooooooooooooooo', 'rt,offset(base)', F_COP2 | ST | F_SIZE4),
  r(126, 'sdc1',   '111101 bbbbb TTTTT oooooooooooooooo', 'ft,offset(base)', F_COP1 | ST | F_SIZE8),
  r(127, 'sdc2',   '111110 bbbbb GGGGG oooooooooooooooo', 'rt,offset(base)', F_COP2 | ST | F_SIZE8),
];

/** The instruction set: every word that executes (or raises CpU) matches exactly one entry. */
export const OPS: readonly OpInfo[] = ROWS.map(build);

// ---- Disassembly-only refinement of the coarse coprocessor entries ----

const COP1 = 84;
const COP2 = 85;
const COP1X = 86;
const MOVCI = 42;

function c(id: number, parent: number, name: string, pattern: string, syntax: string): Row {
  return { id, name, pattern, syntax, flags: parent === COP2 ? F_COP2 : F_COP1, parent };
}

// FPU formats (Vol. II App. A, COP1 fmt field) and their slot in generated ids.
const FMT = { s: '10000', d: '10001', w: '10100', l: '10101', ps: '10110' } as const;
type Fmt = keyof typeof FMT;
const FMT_SLOT: Readonly<Record<Fmt, number>> = { s: 0, d: 1, w: 2, l: 3, ps: 4 };

/** COP1 rows `name.fmt` for each fmt: 010001 fmt <mid: bits 20:6> <fn>; id = base + slot. */
function fp(base: number, name: string, fmts: readonly Fmt[], mid: string, fn: string, syntax: string): Row[] {
  return fmts.map((f) => c(base + FMT_SLOT[f], COP1, `${name}.${f}`, `010001 ${FMT[f]} ${mid} ${fn}`, syntax));
}

const SD: readonly Fmt[] = ['s', 'd'];
const SDP: readonly Fmt[] = ['s', 'd', 'ps'];
const THREE = 'TTTTT SSSSS DDDDD'; // ft fs fd
const TWO = '00000 SSSSS DDDDD'; // fs fd
/** c.cond.fmt condition names, by the cond field (Vol. II C.cond.fmt). */
const FP_CONDS = ['f', 'un', 'eq', 'ueq', 'olt', 'ult', 'ole', 'ule', 'sf', 'ngle', 'seq', 'ngl', 'lt', 'nge', 'le', 'ngt'];

// prettier-ignore
const COP_ROWS: Row[] = [
  // MOVCI (Vol. II MOVF, MOVT).
  c(1000, MOVCI, 'movf', '000000 sssss NNN 0 0 ddddd 00000 000001', 'rd,rs,cc'),
  c(1001, MOVCI, 'movt', '000000 sssss NNN 0 1 ddddd 00000 000001', 'rd,rs,cc'),
  // COP1 moves and branches, selected by rs (Vol. II App. A, COP1 rs field).
  c(1010, COP1, 'mfc1',  '010001 00000 ttttt SSSSS 00000000000', 'rt,fs'),
  c(1011, COP1, 'cfc1',  '010001 00010 ttttt FFFFF 00000000000', 'rt,fs'),
  c(1012, COP1, 'mfhc1', '010001 00011 ttttt SSSSS 00000000000', 'rt,fs'),
  c(1013, COP1, 'mtc1',  '010001 00100 ttttt SSSSS 00000000000', 'rt,fs'),
  c(1014, COP1, 'ctc1',  '010001 00110 ttttt FFFFF 00000000000', 'rt,fs'),
  c(1015, COP1, 'mthc1', '010001 00111 ttttt SSSSS 00000000000', 'rt,fs'),
  c(1016, COP1, 'bc1f',  '010001 01000 NNN 0 0 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1017, COP1, 'bc1t',  '010001 01000 NNN 0 1 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1018, COP1, 'bc1fl', '010001 01000 NNN 1 0 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1019, COP1, 'bc1tl', '010001 01000 NNN 1 1 rrrrrrrrrrrrrrrr', 'cc,offset'),
  // COP1 arithmetic by function (Vol. II App. A, COP1 function field); ids 1100 + 5 * row + fmt slot.
  ...fp(1100, 'add',     SDP, THREE, '000000', 'fd,fs,ft'),
  ...fp(1105, 'sub',     SDP, THREE, '000001', 'fd,fs,ft'),
  ...fp(1110, 'mul',     SDP, THREE, '000010', 'fd,fs,ft'),
  ...fp(1115, 'div',     SD,  THREE, '000011', 'fd,fs,ft'),
  ...fp(1120, 'sqrt',    SD,  TWO,   '000100', 'fd,fs'),
  ...fp(1125, 'abs',     SDP, TWO,   '000101', 'fd,fs'),
  ...fp(1130, 'mov',     SDP, TWO,   '000110', 'fd,fs'),
  ...fp(1135, 'neg',     SDP, TWO,   '000111', 'fd,fs'),
  ...fp(1140, 'round.l', SD,  TWO,   '001000', 'fd,fs'),
  ...fp(1145, 'trunc.l', SD,  TWO,   '001001', 'fd,fs'),
  ...fp(1150, 'ceil.l',  SD,  TWO,   '001010', 'fd,fs'),
  ...fp(1155, 'floor.l', SD,  TWO,   '001011', 'fd,fs'),
  ...fp(1160, 'round.w', SD,  TWO,   '001100', 'fd,fs'),
  ...fp(1165, 'trunc.w', SD,  TWO,   '001101', 'fd,fs'),
  ...fp(1170, 'ceil.w',  SD,  TWO,   '001110', 'fd,fs'),
  ...fp(1175, 'floor.w', SD,  TWO,   '001111', 'fd,fs'),
  ...fp(1180, 'movf',    SDP, 'NNN00 SSSSS DDDDD', '010001', 'fd,fs,cc'),
  ...fp(1185, 'movt',    SDP, 'NNN01 SSSSS DDDDD', '010001', 'fd,fs,cc'),
  ...fp(1190, 'movz',    SDP, 'ttttt SSSSS DDDDD', '010010', 'fd,fs,rt'),
  ...fp(1195, 'movn',    SDP, 'ttttt SSSSS DDDDD', '010011', 'fd,fs,rt'),
  ...fp(1200, 'recip',   SD,  TWO,   '010101', 'fd,fs'),
  ...fp(1205, 'rsqrt',   SD,  TWO,   '010110', 'fd,fs'),
  ...fp(1210, 'cvt.s',   ['d', 'w', 'l'], TWO, '100000', 'fd,fs'),
  ...fp(1215, 'cvt.d',   ['s', 'w', 'l'], TWO, '100001', 'fd,fs'),
  ...fp(1220, 'cvt.w',   SD,  TWO,   '100100', 'fd,fs'),
  ...fp(1225, 'cvt.l',   SD,  TWO,   '100101', 'fd,fs'),
  // Paired-single conversions and shuffles (Release 2 with a 64-bit FPU).
  c(1230, COP1, 'cvt.ps.s', '010001 10000 TTTTT SSSSS DDDDD 100110', 'fd,fs,ft'),
  c(1231, COP1, 'cvt.s.pu', '010001 10110 00000 SSSSS DDDDD 100000', 'fd,fs'),
  c(1232, COP1, 'cvt.s.pl', '010001 10110 00000 SSSSS DDDDD 101000', 'fd,fs'),
  c(1233, COP1, 'pll.ps',   '010001 10110 TTTTT SSSSS DDDDD 101100', 'fd,fs,ft'),
  c(1234, COP1, 'plu.ps',   '010001 10110 TTTTT SSSSS DDDDD 101101', 'fd,fs,ft'),
  c(1235, COP1, 'pul.ps',   '010001 10110 TTTTT SSSSS DDDDD 101110', 'fd,fs,ft'),
  c(1236, COP1, 'puu.ps',   '010001 10110 TTTTT SSSSS DDDDD 101111', 'fd,fs,ft'),
  // c.cond.fmt: ids 1300 + 5 * cond + fmt slot.
  ...FP_CONDS.flatMap((cond, i) =>
    fp(1300 + 5 * i, `c.${cond}`, SDP, 'TTTTT SSSSS NNN00', `11${i.toString(2).padStart(4, '0')}`, 'cc,fs,ft')),
  // COP1X (Vol. II App. A, COP1X function field): indexed loads/stores, prefx, alnv.ps, fused multiply-add.
  c(1400, COP1X, 'lwxc1',   '010011 bbbbb XXXXX 00000 DDDDD 000000', 'fd,index(base)'),
  c(1401, COP1X, 'ldxc1',   '010011 bbbbb XXXXX 00000 DDDDD 000001', 'fd,index(base)'),
  c(1402, COP1X, 'luxc1',   '010011 bbbbb XXXXX 00000 DDDDD 000101', 'fd,index(base)'),
  c(1403, COP1X, 'swxc1',   '010011 bbbbb XXXXX SSSSS 00000 001000', 'fs,index(base)'),
  c(1404, COP1X, 'sdxc1',   '010011 bbbbb XXXXX SSSSS 00000 001001', 'fs,index(base)'),
  c(1405, COP1X, 'suxc1',   '010011 bbbbb XXXXX SSSSS 00000 001101', 'fs,index(base)'),
  c(1406, COP1X, 'prefx',   '010011 bbbbb XXXXX HHHHH 00000 001111', 'hint,index(base)'),
  c(1407, COP1X, 'alnv.ps', '010011 sssss TTTTT SSSSS DDDDD 011110', 'fd,fs,ft,rs'),
  ...(['madd', 'msub', 'nmadd', 'nmsub'] as const).flatMap((name, i) =>
    ([['s', '000'], ['d', '001'], ['ps', '110']] as const).map(([f, code], j) =>
      c(1410 + 3 * i + j, COP1X, `${name}.${f}`, `010011 RRRRR TTTTT SSSSS DDDDD 1${(4 + i).toString(2).slice(1)}${code}`, 'fd,fr,fs,ft'))),
  // COP2 (Vol. II App. A, COP2 rs field). The register operands are implementation-defined; objdump
  // shows them as register[,select] or a 16-bit number, which printing rules reproduce.
  c(1500, COP2, 'mfc2',  '010010 00000 ttttt EEEEE 00000000 eee', 'rt,rd,sel'),
  c(1501, COP2, 'cfc2',  '010010 00010 ttttt EEEEE 00000000000', 'rt,rd'),
  c(1502, COP2, 'mfhc2', '010010 00011 ttttt IIIIIIIIIIIIIIII', 'rt,impl'),
  c(1503, COP2, 'mtc2',  '010010 00100 ttttt EEEEE 00000000 eee', 'rt,rd,sel'),
  c(1504, COP2, 'ctc2',  '010010 00110 ttttt EEEEE 00000000000', 'rt,rd'),
  c(1505, COP2, 'mthc2', '010010 00111 ttttt IIIIIIIIIIIIIIII', 'rt,impl'),
  c(1506, COP2, 'bc2f',  '010010 01000 MMM 0 0 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1507, COP2, 'bc2t',  '010010 01000 MMM 0 1 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1508, COP2, 'bc2fl', '010010 01000 MMM 1 0 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1509, COP2, 'bc2tl', '010010 01000 MMM 1 1 rrrrrrrrrrrrrrrr', 'cc,offset'),
  c(1510, COP2, 'c2',    '010010 1 ZZZZZZZZZZZZZZZZZZZZZZZZZ', 'cofun'),
];

/**
 * Sub-forms of the coarse coprocessor entries (movci, cop1, cop1x, cop2), used only to print
 * them. They never affect execution: the parent entry raises Coprocessor Unusable.
 */
export const COP_FORMS: readonly OpInfo[] = COP_ROWS.map(build);

// ---- Lookup ----

const BY_NAME = new Map<string, OpInfo>();
for (const op of [...OPS, ...COP_FORMS]) BY_NAME.set(op.name, op);

/** The entry (OPS or COP_FORMS) with this mnemonic, or undefined. */
export function opByName(name: string): OpInfo | undefined {
  return BY_NAME.get(name);
}

const BY_ID = new Map<number, OpInfo>();
for (const op of [...OPS, ...COP_FORMS]) BY_ID.set(op.id, op);

/** The entry (OPS or COP_FORMS) with this id, or undefined. */
export function opById(id: number): OpInfo | undefined {
  return BY_ID.get(id);
}

/** Load/store access width in bytes, 0 if the entry does not access memory. */
export function accessSize(op: OpInfo): 0 | 1 | 2 | 4 | 8 {
  const f = op.flags & F_SIZE_MASK;
  return f === F_SIZE1 ? 1 : f === F_SIZE2 ? 2 : f === F_SIZE4 ? 4 : f === F_SIZE8 ? 8 : 0;
}

/** Entries of OPS having every flag in `all` and none in `none`. */
export function opsWith(all: number, none = 0): OpInfo[] {
  return OPS.filter((op) => (op.flags & all) === all && (op.flags & none) === 0);
}

/** Random-program building blocks (see the header comment). */
export const SAFE_OPS: readonly OpInfo[] = opsWith(F_SAFE);
export const LOAD_OPS: readonly OpInfo[] = opsWith(F_LOAD, F_COP_UNUSABLE);
export const STORE_OPS: readonly OpInfo[] = opsWith(F_STORE, F_COP_UNUSABLE);
export const BRANCH_OPS: readonly OpInfo[] = opsWith(F_BRANCH);
export const JUMP_OPS: readonly OpInfo[] = opsWith(F_JUMP);
export const TRAP_OPS: readonly OpInfo[] = OPS.filter((op) => (op.flags & F_MAY_TRAP) !== 0);

/** Value of an operand field in `word` (sign-extended for simm/branch kinds). */
export function fieldValue(word: number, o: Operand): number {
  const v = (word >>> o.shift) & ((1 << o.width) - 1);
  if (o.kind === 'simm' || o.kind === 'branch') return (v << (32 - o.width)) >> (32 - o.width);
  return v;
}

/** The operand of `op` called `name`, or undefined. */
export function operand(op: OpInfo, name: string): Operand | undefined {
  return op.operands.find((o) => o.name === name);
}

// Raw field extractors, for callers that switch on fields themselves.
export const opcodeOf = (w: number): number => w >>> 26;
export const rsOf = (w: number): number => (w >>> 21) & 31;
export const rtOf = (w: number): number => (w >>> 16) & 31;
export const rdOf = (w: number): number => (w >>> 11) & 31;
export const saOf = (w: number): number => (w >>> 6) & 31;
export const functOf = (w: number): number => w & 63;
export const simm16Of = (w: number): number => (w << 16) >> 16;
export const uimm16Of = (w: number): number => w & 0xffff;

// ---- Fast decode: a decision tree over whole fields, derived from the table ----

type DecodeNode =
  | { readonly leaf: false; readonly shift: number; readonly bits: number; readonly kids: readonly DecodeNode[] }
  | { readonly leaf: true; readonly ops: readonly OpInfo[] };

// Fields a node may dispatch on: primary opcode, function, rt, rs, sa.
const DISPATCH_FIELDS: readonly (readonly [number, number])[] = [
  [26, 6],
  [0, 6],
  [16, 5],
  [21, 5],
  [6, 5],
];

/** Entries of `ops` compatible with value `v` of field (shift, bits). */
function bucket(ops: readonly OpInfo[], shift: number, bits: number, v: number): OpInfo[] {
  const m = (1 << bits) - 1;
  return ops.filter((op) => {
    const fm = (op.mask >>> shift) & m;
    return ((op.match >>> shift) & fm) === (v & fm);
  });
}

function buildNode(ops: readonly OpInfo[], used: readonly number[]): DecodeNode {
  if (ops.length <= 1) return { leaf: true, ops };
  let best: { shift: number; bits: number; kids: OpInfo[][]; worst: number } | null = null;
  for (const [shift, bits] of DISPATCH_FIELDS) {
    if (used.includes(shift)) continue;
    const kids: OpInfo[][] = [];
    for (let v = 0; v < 1 << bits; v++) kids.push(bucket(ops, shift, bits, v));
    const worst = Math.max(...kids.map((k) => k.length));
    if (worst < ops.length && (!best || worst < best.worst)) best = { shift, bits, kids, worst };
  }
  if (!best) return { leaf: true, ops };
  const next = [...used, best.shift];
  return { leaf: false, shift: best.shift, bits: best.bits, kids: best.kids.map((k) => buildNode(k, next)) };
}

const DECODE_ROOT = buildNode(OPS, []);
const COP_ROOT = buildNode(COP_FORMS, []);

function walk(root: DecodeNode, word: number): OpInfo | null {
  let n = root;
  while (!n.leaf) n = n.kids[(word >>> n.shift) & ((1 << n.bits) - 1)]!;
  for (const op of n.ops) if ((word & op.mask) === op.match) return op;
  return null;
}

/** The OPS entry matching `word`, or null for a Reserved Instruction. */
export function decode(word: number): OpInfo | null {
  const op = walk(DECODE_ROOT, word);
  return op === null || op.check === undefined || op.check(word) ? op : null;
}

/**
 * The OPS entry whose pattern matches `word`, ignoring `check` (so ext/ins with out-of-range
 * fields still come back): what a disassembler shows, not what executes.
 */
export function lookup(word: number): OpInfo | null {
  return walk(DECODE_ROOT, word);
}

/** The COP_FORMS entry matching `word` (for printing coarse coprocessor words), or null. */
export function decodeCopForm(word: number): OpInfo | null {
  return walk(COP_ROOT, word);
}
