// Disassembler driven by the opcode table in isa.ts. Output matches GNU objdump
// (`mipsel-linux-gnu-objdump -D -b binary -m mips:isa32r2 -EL`) modulo whitespace and the
// `<symbol+off>` suffix objdump adds to branch targets when it has symbols.
//
// Decoding comes only from the table (lookup / decodeCopForm). This file holds the printing
// conventions: register names, number formats, and the aliases objdump prefers (nop, move, b,
// li, ...), which are printing rules, not separate instructions.

import { COP_FORMS, decodeCopForm, F_COP_UNUSABLE, fieldValue, lookup, opByName, type OpInfo } from './isa.ts';

/** o32 ABI register names, as objdump prints them. */
export const GPR_NAMES: readonly string[] = [
  'zero', 'at', 'v0', 'v1', 'a0', 'a1', 'a2', 'a3',
  't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7',
  's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7',
  't8', 't9', 'k0', 'k1', 'gp', 'sp', 's8', 'ra',
];

/** objdump's names for rdhwr registers 0..3 (Vol. II RDHWR); others print as $n. */
const HWR_NAMES: readonly string[] = ['hwr_cpunum', 'hwr_synci_step', 'hwr_cc', 'hwr_ccres'];

// CP0 register names objdump uses for MIPS32r2, by "reg,sel" (sel 0 written as just reg).
// Registers not listed print as $reg or $reg,sel.
const CP0_NAMES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const sel0 = [
    'index', 'random', 'entrylo0', 'entrylo1', 'context', 'pagemask', 'wired', 'hwrena',
    'badvaddr', 'count', 'entryhi', 'compare', 'status', 'cause', 'epc', 'prid',
    'config', 'lladdr', 'watchlo', 'watchhi', 'xcontext', '', '', 'debug',
    'depc', 'perfcnt', 'errctl', 'cacheerr', 'taglo', 'taghi', 'errorepc', 'desave',
  ];
  sel0.forEach((n, reg) => {
    if (n) m.set(`${reg}`, `c0_${n}`);
  });
  const named: Record<number, readonly string[]> = {
    0: ['mvpcontrol', 'mvpconf0', 'mvpconf1'],
    1: ['vpecontrol', 'vpeconf0', 'vpeconf1', 'yqmask', 'vpeschedule', 'vpeschefback'],
    2: ['tcstatus', 'tcbind', 'tcrestart', 'tchalt', 'tccontext', 'tcschedule', 'tcschefback'],
    4: ['contextconfig'],
    5: ['pagegrain'],
    6: ['srsconf0', 'srsconf1', 'srsconf2', 'srsconf3', 'srsconf4'],
    12: ['intctl', 'srsctl', 'srsmap'],
    15: ['ebase'],
    16: ['config1', 'config2', 'config3'],
    23: ['tracecontrol', 'tracecontrol2', 'usertracedata', 'tracebpc'],
    28: ['datalo', 'taglo1', 'datalo1', 'taglo2', 'datalo2', 'taglo3', 'datalo3'],
    29: ['datahi', 'taghi1', 'datahi1', 'taghi2', 'datahi2', 'taghi3', 'datahi3'],
  };
  for (const [reg, names] of Object.entries(named)) {
    names.forEach((n, i) => m.set(`${reg},${i + 1}`, `c0_${n}`));
  }
  // Registers with several instances print as "name,sel".
  for (const [reg, last] of [[18, 7], [19, 7], [25, 7], [27, 3]] as const) {
    for (let sel = 1; sel <= last; sel++) m.set(`${reg},${sel}`, `c0_${sel0[reg]},${sel}`);
  }
  return m;
})();

/** objdump's name for CP0 register `reg` select `sel`. */
export function cp0Name(reg: number, sel: number): string {
  const key = sel === 0 ? `${reg}` : `${reg},${sel}`;
  return CP0_NAMES.get(key) ?? `$${key}`;
}

const SYNC_NAMES: Readonly<Record<number, string>> = {
  0: 'sync', 4: 'sync_wmb', 0x10: 'sync_mb', 0x11: 'sync_acquire', 0x12: 'sync_release', 0x13: 'sync_rmb',
};

/** objdump's names for FPU control registers (cfc1/ctc1). */
const FCR_NAMES: Readonly<Record<number, string>> = {
  0: 'c1_fir', 1: 'c1_ufr', 4: 'c1_unfr', 25: 'c1_fccr', 26: 'c1_fexr', 28: 'c1_fenr', 31: 'c1_fcsr',
};

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** Field values of `word` for `op`, by operand name. */
type Fields = Record<string, number>;

function fieldsOf(op: OpInfo, word: number): Fields {
  const f: Fields = {};
  for (const o of op.operands) f[o.name] = fieldValue(word, o);
  return f;
}

function branchTarget(pc: number, offset: number): number {
  return (pc + 4 + offset * 4) >>> 0;
}

/** Print one operand according to its kind. */
function formatOperand(op: OpInfo, name: string, f: Fields, pc: number): string {
  const o = op.operands.find((x) => x.name === name)!;
  const v = f[name]!;
  switch (o.kind) {
    case 'gpr':
      return GPR_NAMES[v]!;
    case 'simm':
      return String(v);
    case 'branch':
      return hex(branchTarget(pc, v));
    case 'jump':
      return hex((((pc + 4) & 0xf0000000) | (v << 2)) >>> 0);
    case 'cp0':
      return `$${v}`;
    case 'hwr':
      return HWR_NAMES[v] ?? `$${v}`;
    case 'extsize':
      return hex(v + 1);
    case 'inssize':
      return hex(v - f['pos']! + 1);
    case 'fpr':
      return `$f${v}`;
    case 'fcc':
      return `$fcc${v}`;
    case 'cp2cc':
      return `$cc${v}`;
    case 'fcr':
      return FCR_NAMES[v] ?? `$${v}`;
    case 'cp2reg':
      return `$${v}`;
    default:
      return hex(v);
  }
}

/** The generic form: mnemonic, tab, syntax with each field name replaced by its value. */
function generic(op: OpInfo, name: string, f: Fields, pc: number): string {
  if (op.syntax === '') return name;
  return `${name}\t${op.syntax.replace(/[a-z]+/g, (tok) => formatOperand(op, tok, f, pc))}`;
}

/** Same as generic() but with another syntax (a printing rule's alias form). */
function as(op: OpInfo, name: string, syntax: string, f: Fields, pc: number): string {
  return generic({ ...op, syntax }, name, f, pc);
}

type Rule = (op: OpInfo, f: Fields, pc: number) => string | undefined;

// Printing rules, by table mnemonic: aliases and special operand forms objdump uses.
// A rule returning undefined falls back to the generic form.
const RULES: Record<string, Rule> = {
  sll: (op, f) => {
    if (f.rd !== 0 || f.rt !== 0) return undefined;
    // sll $0,$0,n: nop, ssnop (Vol. II SSNOP), ehb (EHB, Release 2), pause (PAUSE).
    return ({ 0: 'nop', 1: 'ssnop', 3: 'ehb', 5: 'pause' } as Record<number, string>)[f.sa!];
  },
  rotr: (op, f, pc) => generic(op, 'ror', f, pc),
  rotrv: (op, f, pc) => generic(op, 'rorv', f, pc),
  addu: (op, f, pc) => (f.rt === 0 ? as(op, 'move', 'rd,rs', f, pc) : undefined),
  or: (op, f, pc) => (f.rt === 0 ? as(op, 'move', 'rd,rs', f, pc) : undefined),
  subu: (op, f, pc) => (f.rs === 0 ? as(op, 'negu', 'rd,rt', f, pc) : undefined),
  sub: (op, f, pc) => (f.rs === 0 ? as(op, 'neg', 'rd,rt', f, pc) : undefined),
  addiu: (op, f, pc) => (f.rs === 0 ? as(op, 'li', 'rt,imm', f, pc) : undefined),
  ori: (op, f, pc) => (f.rs === 0 ? as(op, 'li', 'rt,imm', f, pc) : undefined),
  // objdump shows the MIPS I three-operand form with $zero as destination.
  div: (op, f) => `${op.name}\tzero,${GPR_NAMES[f.rs!]},${GPR_NAMES[f.rt!]}`,
  divu: (op, f) => `${op.name}\tzero,${GPR_NAMES[f.rs!]},${GPR_NAMES[f.rt!]}`,
  beq: (op, f, pc) => {
    if (f.rs === 0 && f.rt === 0) return as(op, 'b', 'offset', f, pc);
    return f.rt === 0 ? as(op, 'beqz', 'rs,offset', f, pc) : undefined;
  },
  bne: (op, f, pc) => (f.rt === 0 ? as(op, 'bnez', 'rs,offset', f, pc) : undefined),
  beql: (op, f, pc) => (f.rt === 0 ? as(op, 'beqzl', 'rs,offset', f, pc) : undefined),
  bnel: (op, f, pc) => (f.rt === 0 ? as(op, 'bnezl', 'rs,offset', f, pc) : undefined),
  bgez: (op, f, pc) => (f.rs === 0 ? as(op, 'b', 'offset', f, pc) : undefined),
  bgezal: (op, f, pc) => (f.rs === 0 ? as(op, 'bal', 'offset', f, pc) : undefined),
  jalr: (op, f, pc) => (f.rd === 31 ? as(op, op.name, 'rs', f, pc) : undefined),
  'jalr.hb': (op, f, pc) => (f.rd === 31 ? as(op, op.name, 'rs', f, pc) : undefined),
  clz: (op, f, pc) => clzForm(op, f, pc),
  clo: (op, f, pc) => clzForm(op, f, pc),
  syscall: (op, f, pc) => (f.code === 0 ? op.name : undefined),
  break: (op, f) => {
    const hi = f.code! >>> 10;
    const lo = f.code! & 0x3ff;
    if (f.code === 0) return 'break';
    return lo === 0 ? `break\t${hex(hi)}` : `break\t${hex(hi)},${hex(lo)}`;
  },
  sync: (op, f) => SYNC_NAMES[f.stype!] ?? `sync\t${hex(f.stype!)}`,
  wait: (op, f) => (f.code === 0 ? 'wait' : `wait\t${hex(f.code!)}`),
  di: (op, f) => (f.rt === 0 ? 'di' : undefined),
  ei: (op, f) => (f.rt === 0 ? 'ei' : undefined),
  mfc0: (op, f) => `${op.name}\t${GPR_NAMES[f.rt!]},${cp0Name(f.rd!, f.sel!)}`,
  mtc0: (op, f) => `${op.name}\t${GPR_NAMES[f.rt!]},${cp0Name(f.rd!, f.sel!)}`,
};
// Coprocessor branches and compares (syntax 'cc,...'): condition code 0 is left implied.
const ccOptional: Rule = (op, f, pc) => (f.cc === 0 ? as(op, op.name, op.syntax.replace('cc,', ''), f, pc) : undefined);
for (const op of COP_FORMS) if (op.syntax.startsWith('cc,')) RULES[op.name] = ccOptional;
/** A COP2 register with optional select, as objdump shows it: $reg or $reg,sel. */
const cp2Reg = (reg: number, sel: number): string => (sel === 0 ? `$${reg}` : `$${reg},${sel}`);
for (const m of ['mfc2', 'mtc2']) {
  RULES[m] = (op, f) => `${op.name}\t${GPR_NAMES[f.rt!]},${cp2Reg(f.rd!, f.sel!)}`;
}
for (const m of ['mfhc2', 'mthc2']) {
  // The 16-bit operand reads as register/select when its middle bits (10:3) are zero.
  RULES[m] = (op, f) => {
    const impl = f.impl!;
    const arg = (impl & 0x7f8) === 0 ? cp2Reg(impl >>> 11, impl & 7) : hex(impl);
    return `${op.name}\t${GPR_NAMES[f.rt!]},${arg}`;
  };
}
for (const t of ['tge', 'tgeu', 'tlt', 'tltu', 'teq', 'tne']) {
  RULES[t] = (op, f, pc) => (f.code === 0 ? as(op, op.name, 'rs,rt', f, pc) : undefined);
}
// A rule keyed by a name the table does not have would silently never apply.
for (const name of Object.keys(RULES)) {
  if (!opByName(name)) throw new Error(`disasm: printing rule for unknown mnemonic '${name}'`);
}

/**
 * clz/clo: rt must equal rd. objdump shows one register when they agree or when one of them is
 * $zero (it shows the other), and "rd or rt" otherwise.
 */
function clzForm(op: OpInfo, f: Fields, pc: number): string | undefined {
  if (f.rd === f.rt || f.rt === 0) return undefined;
  const dest = f.rd === 0 ? GPR_NAMES[f.rt!] : `${GPR_NAMES[f.rd!]} or ${GPR_NAMES[f.rt!]}`;
  return `${op.name}\t${dest},${GPR_NAMES[f.rs!]}`;
}

/** A word that is no instruction of the table, printed as objdump does. */
function invalid(word: number): string {
  // COP0 with CO set and an unknown function: objdump's generic coprocessor-operation form.
  if (word >>> 25 === 0x21) return `c0\t${hex(word & 0x1ffffff)}`;
  return `.word\t${hex(word)}`;
}

/** A word of a coarse coprocessor entry: printed from COP_FORMS, else objdump's fallbacks. */
function coprocessor(word: number, pc: number): string {
  const form = decodeCopForm(word);
  if (form) return print(form, word, pc);
  const opc = word >>> 26;
  if (opc === 0x11 && (word & (1 << 25)) !== 0) return `c1\t${hex(word & 0x1ffffff)}`;
  return `.word\t${hex(word)}`;
}

function print(op: OpInfo, word: number, pc: number): string {
  const f = fieldsOf(op, word);
  return RULES[op.name]?.(op, f, pc) ?? generic(op, op.name, f, pc);
}

/** One instruction as objdump prints it (mnemonic, a tab, operands); `pc` is its address. */
export function disasm(word: number, pc: number): string {
  word |= 0;
  pc >>>= 0;
  // lookup, not decode: objdump shows ext/ins with out-of-range fields, which execute as RI.
  const op = lookup(word);
  if (!op) return invalid(word);
  if ((op.flags & F_COP_UNUSABLE) !== 0 && op.operands.length > 0 && op.operands[0]!.kind === 'raw') {
    return coprocessor(word, pc);
  }
  return print(op, word, pc);
}
