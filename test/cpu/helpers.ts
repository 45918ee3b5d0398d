// Test rig for the CPU unit tests: a Bus + Cpu with no ELF, programs written as assembly text,
// encoded through the opcode table (cpu/encode.ts), loaded into RAM and run with Cpu.step.
//
// Every exception vector is parked on a two-word idle loop ("b . ; nop"), so after an exception
// the CPU spins at the vector and the CP0 state it left behind can be inspected at leisure.
// Programs end the same way: the assembler appends an idle loop labelled `end`.
//
// Expected values in the tests are worked out by hand from the MIPS32 manuals (Vol. II
// instruction set, Vol. III privileged resource architecture); this file only moves bits.

import { Bus, type AccessSize, type Device } from '../../cpu/bus.ts';
import { Cpu } from '../../cpu/cpu.ts';
import { encodeOp } from '../../cpu/encode.ts';
import { opByName, type OpInfo } from '../../cpu/isa.ts';

// ---------------------------------------------------------------------------------------------
// Assembler (test-sized): one instruction per line, labels, a few pseudo-instructions.

const ABI: readonly string[] = [
  'zero', 'at', 'v0', 'v1', 'a0', 'a1', 'a2', 'a3',
  't0', 't1', 't2', 't3', 't4', 't5', 't6', 't7',
  's0', 's1', 's2', 's3', 's4', 's5', 's6', 's7',
  't8', 't9', 'k0', 'k1', 'gp', 'sp', 'fp', 'ra',
];

/** GPR numbers by ABI name, for presetting registers: `{ [R.t0]: 5 }`. */
export const R: Readonly<Record<string, number>> = Object.fromEntries(ABI.map((n, i) => [n, i]));

export class AsmError extends Error {}

function parseReg(tok: string): number {
  const t = tok.trim().replace(/^\$/, '');
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 32) return n;
  }
  const i = t === 's8' ? 30 : ABI.indexOf(t);
  if (i < 0) throw new AsmError(`bad register '${tok}'`);
  return i;
}

function parseNum(tok: string): number {
  const t = tok.trim();
  if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(t)) throw new AsmError(`bad number '${tok}'`);
  const neg = t.startsWith('-');
  const body = t.replace(/^[-+]/, '');
  const v = body.toLowerCase().startsWith('0x') ? parseInt(body.slice(2), 16) : parseInt(body, 10);
  return neg ? -v : v;
}

/** Syntax template -> regex with one capture per field, in template order. */
function syntaxRegex(op: OpInfo): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const src = op.syntax.replace(/[a-z]+|[(),]/g, (m) => {
    if (m === '(' || m === ')' || m === ',') return '\\' + m;
    names.push(m);
    return '([^,()]+)';
  });
  return { re: new RegExp('^' + src + '$', 'i'), names };
}

interface Line {
  addr: number;
  op: string;
  args: string;
  text: string;
}

export interface Program {
  /** Encoded words, starting at `origin`. */
  words: number[];
  origin: number;
  /** Label addresses (int32). */
  labels: Record<string, number>;
}

/** Number of words a source line occupies (pseudo-instructions li/la take two). */
function sizeOf(op: string): number {
  return op === 'li' || op === 'la' ? 2 : 1;
}

/**
 * Assemble `src` at `origin` (an int32 virtual address); `extern` supplies labels defined
 * elsewhere (local ones win). Syntax: `label:`, `# comment`,
 * GNU-style operands (`lw t0, 4(sp)`, `mfc0 t0, $12, 1`, `ext t0, t1, pos, size`). Branch and
 * jump targets are labels or absolute addresses. Pseudo: nop, ehb, li (always lui+ori),
 * la (label), move, b, bal, .word.
 */
export function assemble(src: string, origin: number, extern: Readonly<Record<string, number>> = {}): Program {
  const lines: Line[] = [];
  const labels: Record<string, number> = {};
  let addr = origin | 0;
  for (const raw of src.split('\n')) {
    let text = raw.replace(/#.*$/, '').trim();
    for (;;) {
      const m = /^([A-Za-z_.][\w.]*):\s*/.exec(text);
      if (!m) break;
      if (labels[m[1]!] !== undefined) throw new AsmError(`label ${m[1]} defined twice`);
      labels[m[1]!] = addr;
      text = text.slice(m[0].length);
    }
    if (text === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(text)!;
    const op = m[1]!.toLowerCase();
    lines.push({ addr, op, args: m[2]!.replace(/\s+/g, ''), text });
    addr = (addr + 4 * sizeOf(op)) | 0;
  }
  const target = (tok: string): number => {
    const l = labels[tok.trim()] ?? extern[tok.trim()];
    return l !== undefined ? l : parseNum(tok) | 0;
  };
  const words: number[] = [];
  for (const ln of lines) {
    try {
      words.push(...encodeLine(ln, target));
    } catch (e) {
      throw new AsmError(`'${ln.text}': ${(e as Error).message}`);
    }
  }
  return { words, origin: origin | 0, labels };
}

function encodeLine(ln: Line, target: (tok: string) => number): number[] {
  const a = ln.args === '' ? [] : ln.args.split(',');
  switch (ln.op) {
    case '.word': return a.map((t) => parseNum(t) >>> 0);
    case 'nop': return [0];
    case 'ehb': return [0x000000c0]; // sll $0,$0,3 (Vol. II EHB)
    case 'move': return encodeLine({ ...ln, op: 'addu', args: `${a[0]},${a[1]},$0` }, target);
    case 'b': return encodeLine({ ...ln, op: 'beq', args: `$0,$0,${a[0]}` }, target);
    case 'bal': return encodeLine({ ...ln, op: 'bgezal', args: `$0,${a[0]}` }, target);
    case 'li':
    case 'la': {
      const v = (ln.op === 'la' ? target(a[1]!) : parseNum(a[1]!)) >>> 0;
      const rt = parseReg(a[0]!);
      return [
        encodeOp(opByName('lui')!, { rt, imm: v >>> 16 }),
        encodeOp(opByName('ori')!, { rt, rs: rt, imm: v & 0xffff }),
      ];
    }
    default: break;
  }
  const op = opByName(ln.op);
  if (!op) throw new AsmError(`unknown mnemonic '${ln.op}'`);
  let args = ln.args;
  // Optional trailing operands, as GNU as allows: mfc0/mtc0 sel, trap/syscall/break/wait code,
  // sync stype; jalr with one register links through ra.
  const { re, names } = syntaxRegex(op);
  if (ln.op === 'jalr' || ln.op === 'jalr.hb') {
    if (a.length === 1) args = `$31,${args}`;
  } else if ((ln.op === 'di' || ln.op === 'ei') && args === '') {
    args = '$0';
  } else if (!re.test(args) && (names.at(-1) === 'sel' || names.at(-1) === 'code' || names.at(-1) === 'stype')) {
    args = args === '' ? '0' : `${args},0`;
  }
  const m = re.exec(args);
  if (!m) throw new AsmError(`operands do not fit '${op.syntax}'`);
  const fields: Record<string, number> = {};
  names.forEach((name, i) => {
    const tok = m[i + 1]!;
    const o = op.operands.find((x) => x.name === name)!;
    switch (o.kind) {
      case 'gpr': fields[name] = parseReg(tok); break;
      case 'branch': {
        const delta = (target(tok) - ((ln.addr + 4) | 0)) | 0;
        if ((delta & 3) !== 0) throw new AsmError(`misaligned branch target ${tok}`);
        fields[name] = delta >> 2;
        break;
      }
      case 'jump': {
        const t = target(tok);
        if (((t ^ (ln.addr + 4)) & 0xf0000000) !== 0) throw new AsmError(`jump target ${tok} outside the 256 MiB region`);
        fields[name] = (t >>> 2) & 0x3ffffff;
        break;
      }
      case 'cp0': case 'hwr': fields[name] = parseReg(tok); break; // "$12" or "12"
      default: {
        let v = parseNum(tok);
        // Immediates written as 16-bit patterns (0xffff for a simm) are accepted.
        if (o.kind === 'simm' && v >= 0x8000 && v <= 0xffff) v -= 0x10000;
        fields[name] = v;
      }
    }
  });
  return [encodeOp(op, fields)];
}

// ---------------------------------------------------------------------------------------------
// The rig.

/** A plain memory device: backs the boot-ROM window so BEV vectors can hold code. */
export class MemDevice implements Device {
  readonly name: string;
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(name: string, size: number) {
    this.name = name;
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  read(offset: number, size: AccessSize): number {
    if (size === 4) return this.view.getInt32(offset, true);
    if (size === 2) return this.view.getUint16(offset, true);
    return this.bytes[offset]!;
  }
  write(offset: number, size: AccessSize, value: number): void {
    if (size === 4) this.view.setInt32(offset, value | 0, true);
    else if (size === 2) this.view.setUint16(offset, value & 0xffff, true);
    else this.bytes[offset] = value & 0xff;
  }
  reset(): void {}
}

/** Status bits (MIPS32 PRA 9.15), written out here rather than imported: tests state the manual. */
export const ST = {
  IE: 0x1, EXL: 0x2, ERL: 0x4, KSU_SUPER: 0x8, KSU_USER: 0x10, IM0: 0x100, IM1: 0x200, IM7: 0x8000,
  NMI: 0x80000, SR: 0x100000, TS: 0x200000, BEV: 0x400000, CU0: 0x10000000, CU1: 0x20000000,
} as const;

/** Cause bits and ExcCodes (PRA 9.16, table 9.31). */
export const CAUSE = { IP0: 0x100, IP1: 0x200, IP7: 0x8000, IV: 0x800000, DC: 0x8000000, TI: 0x40000000, BD: 0x80000000 | 0 } as const;
export const EXC = {
  Int: 0, Mod: 1, TLBL: 2, TLBS: 3, AdEL: 4, AdES: 5, IBE: 6, DBE: 7, Sys: 8, Bp: 9, RI: 10, CpU: 11, Ov: 12,
  Tr: 13, MCheck: 24,
} as const;

/** Default program origin: kseg0, physical 0x1000 (just above the exception vectors). */
export const CODE = 0x80001000 | 0;
/** A data area in kseg0, physical 0x8000. */
export const DATA = 0x80008000 | 0;
/** Vectors with BEV = 0 and the reset EBase 0x80000000 (PRA table 6.3). */
export const V = {
  refill: 0x80000000 | 0, general: 0x80000180 | 0, interrupt: 0x80000200 | 0,
  bevRefill: 0xbfc00200 | 0, bevGeneral: 0xbfc00380 | 0, bevInterrupt: 0xbfc00400 | 0,
} as const;

const ROM_BASE = 0x1fc00000;

export interface RigOptions {
  /** JTLB entry pairs (default 64, the Cpu's default). */
  tlbEntries?: number;
  /** RAM bytes (default 1 MiB). */
  ramBytes?: number;
  /** Initial Status (default 0: kernel mode, BEV = ERL = EXL = 0, interrupts off). */
  status?: number;
  /** CPU number (EBase.CPUNum). */
  cpuNum?: number;
}

export class Rig {
  readonly bus: Bus;
  readonly cpu: Cpu;
  readonly rom = new MemDevice('boot rom', 0x1000);
  /** Labels of every program assembled so far (later programs may refer to them). */
  labels: Record<string, number> = {};
  /** Addresses holding an idle loop (see park). */
  private readonly parked = new Set<number>();

  constructor(opts: RigOptions = {}) {
    this.bus = new Bus(opts.ramBytes ?? 1 << 20);
    this.bus.map(ROM_BASE, 0x1000, this.rom);
    this.cpu = new Cpu(this.bus, {
      ...(opts.tlbEntries === undefined ? {} : { tlbEntries: opts.tlbEntries }),
      ...(opts.cpuNum === undefined ? {} : { cpuNum: opts.cpuNum }),
    });
    for (const v of Object.values(V)) this.park(v);
    this.setStatus(opts.status ?? 0);
  }

  /** Put "b . ; nop" at `va` (kseg0/kseg1). */
  park(va: number): void {
    this.load(va, [0x1000ffff, 0]);
    this.parked.add(va | 0);
  }

  /** Physical address of a kseg0/kseg1 address (or of a physical one). */
  static phys(va: number): number {
    return (va >>> 0) >= 0x80000000 && (va >>> 0) < 0xc0000000 ? (va & 0x1fffffff) : va >>> 0;
  }

  load(va: number, words: readonly number[]): void {
    let pa = Rig.phys(va);
    for (const w of words) { this.bus.write(pa, 4, w | 0); pa += 4; }
  }

  read32(va: number): number { return this.bus.read(Rig.phys(va), 4) | 0; }
  read8(va: number): number { return this.bus.read(Rig.phys(va), 1); }
  write32(va: number, v: number): void { this.bus.write(Rig.phys(va), 4, v | 0); }
  write8(va: number, v: number): void { this.bus.write(Rig.phys(va), 1, v & 0xff); }
  /** Write bytes starting at `va`. */
  writeBytes(va: number, bytes: readonly number[]): void { bytes.forEach((b, i) => this.write8(va + i, b)); }
  readBytes(va: number, n: number): number[] { return Array.from({ length: n }, (_, i) => this.read8(va + i)); }

  /**
   * Assemble `src` at `at` (kseg0 address, default CODE), append the idle loop `end`, load it.
   * With `physAt`, the words go to that physical address instead (for mapped code).
   */
  asm(src: string, at: number = CODE, physAt?: number): Program {
    const p = assemble(`${src}\nend: b end\nnop\n`, at, this.labels);
    this.load(physAt ?? at, p.words);
    Object.assign(this.labels, p.labels);
    return p;
  }

  /** Assemble without the trailing idle loop (handler fragments at a vector). */
  place(src: string, at: number, physAt?: number): Program {
    const p = assemble(src, at, this.labels);
    this.load(physAt ?? at, p.words);
    Object.assign(this.labels, p.labels);
    return p;
  }

  /** Set Status directly (test setup, not an mtc0): flush the translation cache as mtc0 would. */
  setStatus(v: number): void {
    this.cpu.cp0.status = v | 0;
    this.cpu.tc.flush();
  }

  /** Start at `pc` (default CODE) and run `budget` cycles through Cpu.step. */
  run(opts: { pc?: number; budget?: number; regs?: Readonly<Record<number, number>> } = {}): this {
    const cpu = this.cpu;
    for (const [k, v] of Object.entries(opts.regs ?? {})) cpu.r[Number(k)] = v | 0;
    cpu.setPC(opts.pc ?? CODE);
    cpu.step(opts.budget ?? 2000, () => false);
    return this;
  }

  /** Assemble, load and run `src` from CODE; returns the rig for inspection. */
  exec(src: string, regs: Readonly<Record<number, number>> = {}, budget = 2000): this {
    this.asm(src);
    return this.run({ regs, budget });
  }

  /** Where the CPU is: 'end', a vector name, another parked address in hex, or the pc in hex. */
  where(): string {
    const pc = this.cpu.pc | 0;
    const at = (a: number | undefined): boolean => a !== undefined && (pc === (a | 0) || pc === ((a + 4) | 0));
    if (at(this.labels['end'])) return 'end';
    for (const [name, v] of Object.entries(V)) if (at(v)) return name;
    for (const v of this.parked) if (at(v)) return '0x' + (v >>> 0).toString(16);
    return '0x' + (pc >>> 0).toString(16);
  }

  get status(): number { return this.cpu.cp0.status; }
  get cause(): number { return this.cpu.cp0.cause; }
  get epc(): number { return this.cpu.cp0.epc; }
  get badVAddr(): number { return this.cpu.cp0.badVAddr; }
  /** Cause.ExcCode. */
  get exc(): number { return (this.cpu.cp0.cause >>> 2) & 31; }
  reg(i: number): number { return this.cpu.r[i]!; }
  /** GPR as an unsigned number (for readable hex comparisons). */
  ureg(i: number): number { return this.cpu.r[i]! >>> 0; }
}

// ---------------------------------------------------------------------------------------------
// TLB programming snippets (PRA 9.6 EntryLo: PFN 29:6, C 5:3, D 2, V 1, G 0).

/** EntryLo value: PFN, cacheable (C = 3), and the D/V/G flags. */
export function lo(pfn: number, f: { d?: boolean; v?: boolean; g?: boolean } = {}): number {
  const { d = true, v = true, g = false } = f;
  return ((pfn << 6) | (3 << 3) | (d ? 4 : 0) | (v ? 2 : 0) | (g ? 1 : 0)) >>> 0;
}

/** Assembly that writes one TLB entry with tlbwi (or tlbwr), using t8 as scratch. */
export function tlbw(index: number, hi: number, mask: number, lo0: number, lo1: number, op = 'tlbwi'): string {
  return `
    li t8, ${index}
    mtc0 t8, $0          # Index
    li t8, ${hi >>> 0}
    mtc0 t8, $10         # EntryHi
    li t8, ${mask}
    mtc0 t8, $5          # PageMask
    li t8, ${lo0}
    mtc0 t8, $2          # EntryLo0
    li t8, ${lo1}
    mtc0 t8, $3          # EntryLo1
    ehb
    ${op}
    ehb
  `;
}

/** Set the current ASID (EntryHi with VPN2 = 0). */
export const asid = (n: number): string => `li t8, ${n}\nmtc0 t8, $10\nehb\n`;

/** int32 of an unsigned literal, e.g. s32(0xffffffff) === -1. */
export const s32 = (v: number): number => v | 0;
