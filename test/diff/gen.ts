// Seeded random program generator for differential testing against QEMU.
//
// A program is a list of *units*: one instruction, or a short group that must run as a whole
// (a branch with its delay slot, an LL..SC pair, a guarded divide). Every branch and jump goes
// forward to the start of a later unit, so every program terminates. Only architecturally defined
// behaviour is generated (MIPS32 Vol. II "Restrictions" of each instruction):
// - no trapping arithmetic on operands that could overflow (add/addi/sub get pre-shifted inputs);
// - no divide by zero (the divisor is forced non-zero: rt | (rt == 0));
// - HI/LO are rewritten after MUL, which leaves them UNPREDICTABLE;
// - SC only right after an LL to the same address, with no memory access in between;
// - no control transfer in a delay slot, the link register is not written in a link form's delay
//   slot, and the -AL branches and JALR never use the link register as their source;
// - loads and stores stay inside the program's 256-byte buffer, naturally aligned (LWL/LWR/SWL/SWR
//   and byte accesses at any offset).
//
// Loops are the one exception to forward-only control flow: a loop unit counts s8 down from a
// small constant around a body of random non-branching units, closing with bne/bgtz/bnel and a
// random delay slot; nothing else writes s8, and no branch enters a loop's body. Loop bodies never
// fault, so every faulting instruction still runs at most once.
//
// Each program starts by loading every GPR, HI and LO from the seed, and ends by storing them next
// to its buffer and calling the dump routine, which prints `P <seed>`, the 34 words
// ($0..$31, HI, LO), the 64 buffer words and, in exception mode, the exception log.
//
// Three machine modes, chosen by the seed (modeOf) so that a seed alone reproduces a program:
// - even seeds, *plain*: the boot state (QEMU's Malta boot code leaves Status = BEV; we clear BEV so that
//   our vectors catch anything unplanned); gp reaches the buffer through kseg0, sp through its
//   kseg1 (uncached) alias; no exceptions.
// - seeds = 1 mod 4, *exceptions*: Status = 0 and one wired 16 MiB TLB page maps kuseg 0 to the
//   data area, sp reaches the buffer through that mapping; some instructions raise exceptions on
//   purpose (overflow, traps, misaligned accesses, syscall, break, reserved and coprocessor-1
//   instructions, also in delay slots). The exception handler appends (Cause masked to
//   BD|CE|ExcCode, EPC, BadVAddr, and for TLB exceptions EntryHi and Context) to a log through k1
//   and resumes after the faulting instruction, or after the branch's delay slot when Cause.BD is
//   set. k0 and k1 are never written by generated code.
// - seeds = 3 mod 4, *tlb*: as exceptions, plus TLB entries 1..15, each with a random page size
//   (4 KiB..16 MiB) in its own 32 MiB kuseg slot, both pages mapping the block that holds the
//   buffer. The body mixes in loads and stores through those mappings (valid, invalid, clean,
//   other ASID, unmapped slots: refills go through the logging handler too) and TLB operations:
//   rewriting an entry with new ASID/G/V/D/C bits, tlbwr (Wired = 15, so Random = 15), ASID
//   switches, tlbp and tlbr read-backs. An entry's page size and frame never change within a
//   program, so every access stays in the program's own buffer or faults.
//
// Outside tlb mode, programs' buffers alternate between page-aligned and straddling a 4 KiB page
// boundary.

import {
  Asm, R, Insn, alu3, aluImm, lui, shift, shiftv, muldiv, mul, mfhi, mflo, mthi, mtlo, clz, ext,
  ins, bshfl, mem, sync, nop, ehb, ssnop, trap, trapi, jr, jalr, mfc0, mtc0, cop0, syscall, brk, raw,
} from './asm.ts';
import { Rng } from './prng.ts';
import { emitRuntime, emitPuts, emitString, RT } from './runtime.ts';
import { buildElf, type ElfSymbol } from '../../cpu/elf.ts';

/** Bytes of data each program reads and writes. */
export const BUF_BYTES = 256;
/** Words saved after the buffer: $0..$31, HI, LO. */
export const SAVE_WORDS = 34;
/** Exceptions a program may raise at most (each instruction runs at most once). */
const MAX_EXCEPTIONS = 40;
/** Exception log after the save area: Cause, EPC, BadVAddr, EntryHi, Context per exception. */
const LOG_OFFSET = BUF_BYTES + 4 * 34;
export const LOG_ENTRY_WORDS = 5;
const LOG_WORDS = LOG_ENTRY_WORDS * MAX_EXCEPTIONS;
/** Spacing of per-program data areas; odd programs' buffers start 128 bytes before a page end. */
const DATA_STRIDE = 0x2000;
const STRADDLE_OFFSET = 0xf80;
/** Code is linked at kseg0 1 MiB; the exception vectors sit at kseg0 0. */
export const CODE_BASE = 0x80100000;
/** Program data at physical 16 MiB, clear of the code of any batch we build. */
const DATA_BASE = 0x81000000;
/** Exception mode: kuseg VA 0 maps (16 MiB pages, one TLB entry) to physical DATA_BASE. */
const DATA_PA = DATA_BASE & 0x1fffffff;
const VEC_BASE = 0x80000000;

/** Reserved base registers: gp = buffer start (offsets 0..255), sp = buffer end (-256..-1). */
const BASE_REGS: readonly number[] = [R.gp, R.sp];
/** Registers random code never writes: the bases, k0/k1 (exception handler), s8 (loop counter). */
const RESERVED: readonly number[] = [R.gp, R.sp, R.k0, R.k1, R.s8];
/** Registers a random instruction may write (all but $0 and RESERVED; $0 added rarely). */
const DEST_REGS: readonly number[] = Array.from({ length: 32 }, (_, i) => i).filter((r) => r !== 0 && !RESERVED.includes(r));

/** Where a program's data sits, known when it is placed in an image. */
export interface UnitEnv {
  /** kseg0 address of the program's buffer. */
  buf: number;
}

/** One generated unit; `emit` writes exactly `size` words. */
export interface Unit {
  kind: string;
  size: number;
  /** Unit index this unit may transfer control to (always greater than its own index). */
  target?: number;
  /** A loop's body units (the loop adds 2 words before them and 3 after). */
  parts?: Unit[];
  emit(a: Asm, label: (unit: number) => string, env: UnitEnv): void;
}

/** Machine mode of a program (see the file comment). */
export type Mode = 'plain' | 'exceptions' | 'tlb';

export function modeOf(seed: number): Mode {
  const k = seed & 3;
  return k === 1 ? 'exceptions' : k === 3 ? 'tlb' : 'plain';
}

/** Fixed geometry of one random TLB entry (tlb mode) and its initial flags. */
export interface TlbEntry {
  /** Entry index 1..15; its VPN2 is slot(index). */
  index: number;
  /** log2 of the page size: 12 (4 KiB) .. 24 (16 MiB), even. */
  pageBits: number;
  asid: number;
  /** EntryLo0/EntryLo1 flag bits (C, D, V, G), PFN added at emission. */
  flags0: number;
  flags1: number;
}

export interface Program {
  seed: number;
  mode: Mode;
  /** Initial GPR values; entries for $0, gp and sp are ignored. */
  regs: number[];
  hi: number;
  lo: number;
  mem: Uint8Array;
  units: Unit[];
  /** tlb mode: entries 1..15, the initial EntryHi ASID and Context. */
  tlb?: { entries: TlbEntry[]; asid: number; context: number };
}

export interface GenOptions {
  /** Number of body instruction words (default 2000). */
  length?: number;
}

/** Generation state: the PRNG and how many more exceptions the program may raise. */
interface Ctx {
  rng: Rng;
  excLeft: number;
  mode: Mode;
  tlb?: TlbEntry[];
}

// --- Operand choice ----------------------------------------------------------------------------

const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 31, 32, 0xff, 0x80, 0x7f, 0xffff, 0x8000, 0x7fff, 0x10000,
  0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xfffffffe, 0xffff8000, 0xffffff80, 0x55555555, 0xaaaaaaaa,
];

function value(rng: Rng): number {
  const k = rng.below(10);
  if (k < 3) return rng.pick(INTERESTING) >>> 0;
  if (k < 5) return (rng.range(-64, 64)) >>> 0;
  return rng.u32();
}

function imm16(rng: Rng): number {
  const k = rng.below(6);
  if (k === 0) return rng.pick([0, 1, -1, 0x7fff, -0x8000, 0xff, 0x8000, 0xffff]) & 0xffff;
  if (k < 3) return rng.range(-32, 32) & 0xffff;
  return rng.below(0x10000);
}

/** A destination register, never a base register; $0 about one time in 40. */
function dest(rng: Rng, avoid?: ReadonlySet<number>): number {
  if (rng.below(40) === 0 && !avoid?.has(0)) return 0;
  for (;;) {
    const r = rng.pick(DEST_REGS);
    if (!avoid || !avoid.has(r)) return r;
  }
}

/** A source register: any GPR, $0 a little more often. */
function src(rng: Rng): number {
  return rng.below(16) === 0 ? 0 : rng.below(32);
}

// --- Single instructions (allowed in delay slots) ----------------------------------------------

type SingleClass =
  | 'alu3' | 'aluImm' | 'lui' | 'shift' | 'shiftv' | 'muldiv' | 'mfhilo' | 'mthilo' | 'clz'
  | 'extins' | 'bshfl' | 'load' | 'store' | 'misc';

const SINGLE_WEIGHTS: Record<SingleClass, number> = {
  alu3: 12, aluImm: 9, lui: 2, shift: 6, shiftv: 4, muldiv: 4, mfhilo: 3, mthilo: 1, clz: 2,
  extins: 4, bshfl: 2, load: 9, store: 7, misc: 1,
};

const ALU3 = ['addu', 'subu', 'and', 'or', 'xor', 'nor', 'slt', 'sltu', 'movz', 'movn'];
const ALUIMM = ['addiu', 'slti', 'sltiu', 'andi', 'ori', 'xori'];
const LOADS = ['lb', 'lbu', 'lh', 'lhu', 'lw', 'lwl', 'lwr'];
const STORES = ['sb', 'sh', 'sw', 'swl', 'swr'];

/** Natural alignment of a memory access (1 for the byte and unaligned-word forms). */
function align(m: string): number {
  if (m === 'lh' || m === 'lhu' || m === 'sh') return 2;
  if (m === 'lw' || m === 'sw' || m === 'll' || m === 'sc') return 4;
  return 1;
}

/** A buffer address as (base, offset) with the given alignment. */
function bufRef(rng: Rng, al: number): [number, number] {
  const byte = rng.below(BUF_BYTES / al) * al;
  return rng.chance(0.5) ? [R.gp, byte] : [R.sp, byte - BUF_BYTES];
}

function single(ctx: Ctx, avoid?: ReadonlySet<number>): Insn {
  const rng = ctx.rng;
  const d = (): number => dest(rng, avoid);
  if (ctx.excLeft > 0 && rng.chance(0.015)) {
    ctx.excLeft--;
    return faulting(rng, d);
  }
  switch (rng.weighted(SINGLE_WEIGHTS)) {
    case 'alu3': return alu3(rng.pick(ALU3), d(), src(rng), src(rng));
    case 'aluImm': return aluImm(rng.pick(ALUIMM), d(), src(rng), imm16(rng));
    case 'lui': return lui(d(), imm16(rng));
    case 'shift': {
      const sa = rng.chance(0.3) ? rng.pick([0, 1, 16, 31]) : rng.below(32);
      return shift(rng.pick(['sll', 'srl', 'sra', 'rotr'] as const), d(), src(rng), sa);
    }
    case 'shiftv': return shiftv(rng.pick(['sllv', 'srlv', 'srav', 'rotrv'] as const), d(), src(rng), src(rng));
    case 'muldiv': return muldiv(rng.pick(['mult', 'multu', 'madd', 'maddu', 'msub', 'msubu'] as const), src(rng), src(rng));
    case 'mfhilo': return rng.chance(0.5) ? mfhi(d()) : mflo(d());
    case 'mthilo': return rng.chance(0.5) ? mthi(src(rng)) : mtlo(src(rng));
    case 'clz': return clz(rng.chance(0.5) ? 'clz' : 'clo', d(), src(rng));
    case 'extins': {
      const pos = rng.below(32);
      const size = rng.range(1, 32 - pos);
      return rng.chance(0.5) ? ext(d(), src(rng), pos, size) : ins(d(), src(rng), pos, size);
    }
    case 'bshfl': return bshfl(rng.pick(['wsbh', 'seb', 'seh'] as const), d(), src(rng));
    case 'load': {
      const m = rng.pick(LOADS);
      const [b, off] = bufRef(rng, align(m));
      return mem(m, d(), off, b);
    }
    case 'store': {
      const m = rng.pick(STORES);
      const [b, off] = bufRef(rng, align(m));
      return mem(m, src(rng), off, b);
    }
    case 'misc': {
      // Instructions with no architectural effect here: hints, barriers, never-taken traps.
      switch (rng.below(8)) {
        case 0: return nop();
        case 1: return ssnop();
        case 2: return ehb();
        case 3: return sync();
        case 4: { const [b, off] = bufRef(rng, 1); return mem('pref', rng.pick([0, 1, 4, 5]), off, b); }
        case 5: { const r = src(rng); return trap(rng.pick(['tne', 'tlt', 'tltu'] as const), r, r); }
        case 6: return trapi(rng.pick(['tnei', 'tltiu'] as const), R.zero, 0);
        default: return trapi('teqi', R.zero, rng.range(1, 100));
      }
    }
  }
}

/**
 * Coprocessor-1 instructions: always Coprocessor Unusable 1 here (no FPU). Only forms that QEMU
 * decodes fully: for other COP1 words (reserved fmt, 64-bit dmfc1...) it raises RI, though CpU
 * has priority (MIPS32 PRA 6.2.x). LWC1/LDC1/SWC1/SDC1 with any fields, mfc1/cfc1/mtc1/ctc1.
 */
function cop1Word(rng: Rng): number {
  if (rng.chance(0.5)) return ((rng.pick([0x31, 0x35, 0x39, 0x3d]) << 26) | (rng.u32() & 0x3ffffff)) >>> 0;
  return ((0x11 << 26) | (rng.pick([0, 2, 4, 6]) << 21) | (rng.below(32) << 16) | (rng.below(32) << 11)) >>> 0;
}
/** MIPS64-only major opcodes: Reserved Instruction on MIPS32 (daddi, daddiu, ldl, ldr, lwu, sdl, sdr, lld, ld, scd, sd). */
const RI_OPS = [0x18, 0x19, 0x1a, 0x1b, 0x27, 0x2c, 0x2d, 0x34, 0x37, 0x3c, 0x3f];

/** An instruction that may (or always will) raise an exception; exception mode only. */
function faulting(rng: Rng, d: () => number): Insn {
  switch (rng.below(6)) {
    case 0: // overflow on random operands (values are biased towards the extremes)
      return rng.chance(0.7) ? alu3(rng.pick(['add', 'sub']), d(), src(rng), src(rng)) : aluImm('addi', d(), src(rng), imm16(rng));
    case 1:
      return rng.chance(0.6)
        ? trap(rng.pick(['teq', 'tne', 'tge', 'tgeu', 'tlt', 'tltu'] as const), src(rng), src(rng))
        : trapi(rng.pick(['teqi', 'tnei', 'tgei', 'tgeiu', 'tlti', 'tltiu'] as const), src(rng), imm16(rng));
    case 2: { // misaligned access: always an address error, never touches memory
      const m = rng.pick(['lw', 'lh', 'lhu', 'sw', 'sh', 'll']);
      const al = align(m);
      const [b, off] = bufRef(rng, al);
      const mis = off + rng.range(1, al - 1);
      return mem(m, m.startsWith('s') ? src(rng) : d(), mis, b);
    }
    case 3:
      return rng.chance(0.5) ? syscall(rng.below(1 << 20)) : brk(rng.below(1 << 20));
    case 4:
      return raw((rng.pick(RI_OPS) << 26) | (rng.u32() & 0x3ffffff), 'reserved (MIPS64)');
    default:
      return raw(cop1Word(rng), 'coprocessor 1');
  }
}

// --- Units ---------------------------------------------------------------------------------------

type UnitClass = 'single' | 'arithOv' | 'div' | 'mul' | 'llsc' | 'derivedBase' | 'branch' | 'jump' | 'jreg' | 'tlbAccess' | 'tlbOp' | 'loop' | 'swint';

const UNIT_WEIGHTS: Record<UnitClass, number> = {
  single: 82, arithOv: 3, div: 3, mul: 2, llsc: 2, derivedBase: 2, branch: 6, jump: 0.7, jreg: 0.8, tlbAccess: 0, tlbOp: 0, loop: 0.8, swint: 0.4,
};
const TLB_UNIT_WEIGHTS: Record<UnitClass, number> = { ...UNIT_WEIGHTS, single: 74, tlbAccess: 6, tlbOp: 2.5 };

// --- TLB mode ------------------------------------------------------------------------------------

/** kuseg VA of TLB slot i (VPN2 of entry i; slots 16, 17 are never mapped). */
const slotVA = (i: number): number => i * 0x02000000;
const PAGE_BITS = [12, 14, 16, 18, 20, 22, 24];
const pageMaskOf = (bits: number): number => ((1 << (bits + 1)) - 1) & ~0x1fff;
const alignDown = (x: number, bits: number): number => Math.floor(x / 2 ** bits) * 2 ** bits;

/** EntryLo flags: C (2 uncached, 3 cacheable), D, V, G. */
function loFlags(rng: Rng, g: boolean): number {
  return (rng.pick([2, 3]) << 3) | (rng.chance(0.75) ? 4 : 0) | (rng.chance(0.85) ? 2 : 0) | (g ? 1 : 0);
}

function randomEntry(rng: Rng, index: number, pageBits = rng.pick(PAGE_BITS)): TlbEntry {
  const g = rng.chance(0.25);
  return { index, pageBits, asid: rng.below(4), flags0: loFlags(rng, g), flags1: loFlags(rng, g) };
}

/** EntryLo value for page `odd` of `e` in a program whose buffer is at kseg0 `buf`. */
function entryLo(e: TlbEntry, buf: number, odd: boolean, flags = odd ? e.flags1 : e.flags0): number {
  const pfn = alignDown(buf & 0x1fffffff, e.pageBits);
  return (((pfn >>> 12) << 6) | flags) >>> 0;
}

/** Writes entry e (with `asid`, `flags`) through Index/EntryHi/EntryLo0/EntryLo1/PageMask. */
function emitTlbWrite(a: Asm, x: number, e: TlbEntry, buf: number, asid: number, f0: number, f1: number, random: boolean): void {
  const set = (reg: number, v: number): void => { a.li(x, v); a.emit(mtc0(x, reg)); };
  if (!random) set(0, e.index);
  set(10, slotVA(e.index) | asid);
  set(2, entryLo(e, buf, false, f0));
  set(3, entryLo(e, buf, true, f1));
  set(5, pageMaskOf(e.pageBits));
  // MTC0 -> TLBWI/TLBWR and TLBW* -> access are hazards (MIPS32 PRA 2.8): EHB on both sides.
  a.emit(ehb());
  a.emit(cop0(random ? 'tlbwr' : 'tlbwi'));
  a.emit(ehb());
}

/** A load or store through a random TLB slot; may fault (TLBL/TLBS/Mod/refill). */
function tlbAccess(ctx: Ctx): Unit {
  const rng = ctx.rng;
  const entries = ctx.tlb!;
  const m = rng.pick([...LOADS, ...STORES]);
  const al = align(m);
  const bo = rng.below(BUF_BYTES / al) * al;
  const rb = dest(rng, new Set([0]));
  const rt = m.startsWith('s') ? src(rng) : dest(rng);
  const off = rng.range(-16, 16) * 4;
  const unmapped = rng.chance(0.08);
  const e = rng.pick(entries);
  const odd = rng.chance(0.5);
  return {
    kind: 'tlbAccess', size: 3,
    emit: (a, _label, env) => {
      const va = unmapped
        ? slotVA(16 + (odd ? 1 : 0)) + bo
        : slotVA(e.index) + (odd ? 2 ** e.pageBits : 0) + ((env.buf & 0x1fffffff) - alignDown(env.buf & 0x1fffffff, e.pageBits)) + bo;
      a.li(rb, va - off);
      a.emit(mem(m, rt, off, rb));
    },
  };
}

/** A TLB operation: rewrite an entry, tlbwr, switch ASID, tlbp or tlbr into registers. */
function tlbOp(ctx: Ctx): Unit {
  const rng = ctx.rng;
  const entries = ctx.tlb!;
  const x = dest(rng, new Set([0]));
  const y = dest(rng, new Set([0, x]));
  const z = dest(rng, new Set([0, x, y]));
  switch (rng.below(5)) {
    case 0: { // rewrite: same geometry, new ASID and flags
      const e = rng.pick(entries);
      const g = rng.chance(0.25);
      const asid = rng.below(4);
      const f0 = loFlags(rng, g);
      const f1 = loFlags(rng, g);
      return { kind: 'tlbwi', size: 18, emit: (a, _l, env) => emitTlbWrite(a, x, e, env.buf, asid, f0, f1, false) };
    }
    case 1: { // tlbwr: Wired = 15, so Random = 15 (entry 15)
      const e = entries.find((t) => t.index === 15)!;
      const g = rng.chance(0.25);
      const asid = rng.below(4);
      const f0 = loFlags(rng, g);
      const f1 = loFlags(rng, g);
      return {
        kind: 'tlbwr', size: 29,
        emit: (a, _l, env) => {
          emitTlbWrite(a, x, e, env.buf, asid, f0, f1, true);
          // QEMU keeps the entry a tlbwr overwrites as a hidden extra entry until a tlbwi that
          // changes VPN2/ASID/G (it flushes then); an ASID switch does not drop it, so a global
          // old entry 15 would still translate. Rewrite entry 15 with another ASID and back.
          const set = (reg: number, v: number): void => { a.li(x, v); a.emit(mtc0(x, reg)); };
          set(0, 15);
          set(10, slotVA(15) | ((asid + 1) & 3));
          a.emit(ehb());
          a.emit(cop0('tlbwi'));
          set(10, slotVA(15) | asid);
          a.emit(ehb());
          a.emit(cop0('tlbwi'));
          a.emit(ehb());
        },
      };
    }
    case 2: { // ASID switch (EntryHi.VPN2 is irrelevant to translation)
      const v = (slotVA(rng.below(18)) | rng.below(4)) >>> 0;
      return fixed('asid', [lui(x, v >>> 16), aluImm('ori', x, x, v & 0xffff), mtc0(x, 10), ehb()]);
    }
    case 3: { // tlbp: x = index on a hit, -1 on a miss (only P is defined then)
      const v = (slotVA(rng.range(1, 17)) + (rng.chance(0.5) ? 0x1000 : 0) | rng.below(4)) >>> 0;
      return fixed('tlbp', [
        lui(x, v >>> 16), aluImm('ori', x, x, v & 0xffff), mtc0(x, 10), ehb(), cop0('tlbp'), ehb(),
        mfc0(x, 0), shift('sra', y, x, 31), alu3('or', x, x, y),
      ]);
    }
    default: { // tlbr of entry 0..15 (EntryHi's ASID becomes the entry's)
      const i = rng.below(16);
      return fixed('tlbr', [
        aluImm('addiu', x, R.zero, i), mtc0(x, 0), ehb(), cop0('tlbr'), ehb(),
        mfc0(x, 10), mfc0(y, 2), mfc0(z, 3), mfc0(x, 5),
      ]);
    }
  }
}

function fixed(kind: string, insns: Insn[]): Unit {
  return { kind, size: insns.length, emit: (a) => { for (const i of insns) a.emit(i); } };
}

/**
 * A forward target: mostly near, sometimes far, never past the epilogue (unit count). Near
 * targets keep most of the program executed (about 80% of body words with these weights).
 */
function forwardTarget(rng: Rng, self: number, count: number): number {
  const k = rng.below(50);
  const span = k < 37 ? 4 : k < 49 ? 24 : 150;
  return Math.min(count, self + 1 + rng.below(span));
}

const COND_BRANCHES = [
  'beq', 'bne', 'blez', 'bgtz', 'bltz', 'bgez', 'bltzal', 'bgezal',
  'beql', 'bnel', 'blezl', 'bgtzl', 'bltzl', 'bgezl', 'bltzall', 'bgezall',
];

/** The kinds a loop body is made of: no control transfer, no loop, no fault. */
const BODY_WEIGHTS: Record<UnitClass, number> = { ...UNIT_WEIGHTS, branch: 0, jump: 0, jreg: 0, tlbAccess: 0, loop: 0, swint: 0 };

/**
 * A counted loop: s8 = n; body; s8 -= 1; branch back while s8 != 0 (bne, bgtz or bnel) with a
 * random delay slot (for bnel, nullified on the way out).
 */
function loopUnit(ctx: Ctx, index: number, count: number): Unit {
  const rng = ctx.rng;
  const body: Unit[] = [];
  const inner: Ctx = { ...ctx, excLeft: 0 };
  const n = rng.range(1, 6);
  for (let i = 0; i < n; i++) body.push(makeUnit(inner, index, count, BODY_WEIGHTS));
  const iterations = rng.range(1, 16);
  const back = rng.pick(['bne', 'bgtz', 'bnel'] as const);
  const delay = single(inner);
  const size = body.reduce((k, u) => k + u.size, 0) + 5;
  return {
    kind: 'loop', size, parts: body,
    emit: (a, label, env) => {
      const top = a.newLabel('loop');
      a.li(R.s8, iterations);
      a.label(top);
      for (const u of body) u.emit(a, label, env);
      a.emit(aluImm('addiu', R.s8, R.s8, -1));
      a.br(back, R.s8, R.zero, top);
      a.emit(delay);
    },
  };
}

function makeUnit(ctx: Ctx, index: number, count: number, weights?: Record<UnitClass, number>): Unit {
  const rng = ctx.rng;
  switch (rng.weighted(weights ?? (ctx.mode === 'tlb' ? TLB_UNIT_WEIGHTS : UNIT_WEIGHTS))) {
    case 'loop':
      return loopUnit(ctx, index, count);
    case 'swint': {
      // A software interrupt request (Cause.IP0/IP1) with Status.IE = 1: taken right after the
      // mtc0 on QEMU and on disco (the EHB bounds the hazard, PRA 2.8).
      if (ctx.mode === 'plain' || ctx.excLeft === 0) return fixed('single', [single(ctx)]);
      ctx.excLeft--;
      const x = dest(rng, new Set([0]));
      return fixed('swint', [aluImm('addiu', x, R.zero, rng.range(1, 3) << 8), mtc0(x, 13), ehb()]);
    }
    case 'tlbAccess':
      if (ctx.excLeft === 0) return fixed('single', [single(ctx)]);
      ctx.excLeft--;
      return tlbAccess(ctx);
    case 'tlbOp':
      return tlbOp(ctx);
    case 'single':
      return fixed('single', [single(ctx)]);
    case 'arithOv': {
      // add/addi/sub on operands pre-shifted right by 2: |x| < 2^29, so no overflow can occur.
      const x = dest(rng);
      const y = dest(rng);
      const pre = [shift('sra', x, src(rng), 2), shift('sra', y, src(rng), 2)];
      const k = rng.below(3);
      const last = k === 0 ? alu3('add', dest(rng), x, y) : k === 1 ? alu3('sub', dest(rng), x, y) : aluImm('addi', dest(rng), x, imm16(rng));
      return fixed('arithOv', [...pre, last]);
    }
    case 'div': {
      // divisor = rt | (rt == 0): never zero (MIPS32 DIV: quotient UNPREDICTABLE for rt = 0).
      const rt = src(rng);
      const t = dest(rng, new Set([0, rt])); // t = rt would make the guard compute 0
      return fixed('div', [
        aluImm('sltiu', t, rt, 1), alu3('or', t, t, rt),
        muldiv(rng.chance(0.5) ? 'div' : 'divu', src(rng), t),
      ]);
    }
    case 'mul':
      // MUL leaves HI and LO UNPREDICTABLE (MIPS32 Vol. II MUL): rewrite both.
      return fixed('mul', [mul(dest(rng), src(rng), src(rng)), mthi(src(rng)), mtlo(src(rng))]);
    case 'llsc': {
      const [b, off] = bufRef(rng, 4);
      const body: Insn[] = [mem('ll', dest(rng), off, b)];
      const n = rng.below(3);
      for (let i = 0; i < n; i++) {
        // Register-only work between LL and SC; a memory access would make SC's outcome
        // implementation-dependent (MIPS32 Vol. II SC).
        body.push(rng.chance(0.5) ? alu3(rng.pick(ALU3), dest(rng), src(rng), src(rng)) : aluImm('addiu', dest(rng), src(rng), imm16(rng)));
      }
      body.push(mem('sc', dest(rng), off, b));
      return fixed('llsc', body);
    }
    case 'derivedBase': {
      // A computed base register with an arbitrary offset: address = gp + k + (off - k).
      const rb = dest(rng, new Set([0]));
      const m = rng.pick([...LOADS, ...STORES]);
      const al = align(m);
      const byte = rng.below(BUF_BYTES / al) * al;
      const k = rng.range(-300, 300);
      const rt = m.startsWith('s') ? src(rng) : dest(rng);
      return fixed('derivedBase', [aluImm('addiu', rb, R.gp, k), mem(m, rt, byte - k, rb)]);
    }
    case 'branch': {
      const m = rng.pick(COND_BRANCHES);
      const link = m.includes('al');
      let rs = src(rng);
      if (link && rs === R.ra) rs = R.zero; // MIPS32 BLTZAL etc.: rs must not be GPR 31
      const rt = rng.chance(0.3) ? rs : src(rng); // equal operands make beq/bne decisive
      // QEMU turns never-taken forms with constant operands (bne rx,rx; bgtz/bltz $0) into NOPs,
      // so a fault in their delay slot would not be a delay-slot fault there: no faults below them.
      const folded = (m === 'bne' && rs === rt) || ((m === 'bgtz' || m === 'bltz') && rs === 0);
      const delay = single(folded ? { ...ctx, excLeft: 0 } : ctx, link ? new Set([R.ra]) : undefined);
      const target = forwardTarget(rng, index, count);
      return {
        kind: m, size: 2, target,
        emit: (a, label) => { a.br(m, rs, rt, label(target)); a.emit(delay); },
      };
    }
    case 'jump': {
      const m = rng.chance(0.5) ? 'j' : 'jal';
      const delay = single(ctx, m === 'jal' ? new Set([R.ra]) : undefined);
      const target = forwardTarget(rng, index, count);
      return { kind: m, size: 2, target, emit: (a, label) => { a.j(m, label(target)); a.emit(delay); } };
    }
    case 'jreg': {
      // jr/jalr to a forward address computed into a register with lui/ori.
      // JALR: rd != rs (MIPS32 Vol. II JALR "Restrictions").
      const isJalr = rng.chance(0.5);
      const rd = isJalr ? (rng.chance(0.6) ? R.ra : dest(rng, new Set([0]))) : 0;
      const rt = dest(rng, new Set([0, rd]));
      const delay = single(ctx, isJalr ? new Set([rd]) : undefined);
      const target = forwardTarget(rng, index, count);
      return {
        kind: isJalr ? 'jalr' : 'jr', size: 4, target,
        emit: (a, label) => { a.la(rt, label(target)); a.emit(isJalr ? jalr(rd, rt) : jr(rt)); a.emit(delay); },
      };
    }
  }
}

/** Generates the program for `seed`. Same seed and options give the same program. */
export function generateProgram(seed: number, opts: GenOptions = {}): Program {
  const length = opts.length ?? 2000;
  const rng = new Rng(seed);
  const mode = modeOf(seed);
  const ctx: Ctx = { rng, excLeft: mode === 'plain' ? 0 : MAX_EXCEPTIONS, mode };
  let tlb: Program['tlb'];
  if (mode === 'tlb') {
    const entries = Array.from({ length: 15 }, (_, i) => randomEntry(rng, i + 1));
    tlb = { entries, asid: rng.below(4), context: rng.u32() & 0xff800000 };
    ctx.tlb = entries;
  }
  const regs = Array.from({ length: 32 }, () => value(rng));
  const hi = value(rng);
  const lo = value(rng);
  const memBytes = new Uint8Array(BUF_BYTES);
  const dv = new DataView(memBytes.buffer);
  for (let i = 0; i < BUF_BYTES; i += 4) dv.setUint32(i, value(rng), true);
  // Unit count is not known before the units are made; estimate it for target selection and
  // clamp targets to the real count afterwards.
  const estimate = Math.ceil(length / 1.2);
  const units: Unit[] = [];
  let words = 0;
  while (words < length) {
    const u = makeUnit(ctx, units.length, estimate);
    units.push(u);
    words += u.size;
  }
  for (const u of units) if (u.target !== undefined && u.target > units.length) u.target = units.length;
  return { seed: seed >>> 0, mode, regs, hi, lo, mem: memBytes, units, tlb };
}

// --- Images --------------------------------------------------------------------------------------

/** Address of program `index`'s buffer (kseg0); tlb mode keeps buffers inside one page. */
function bufferAddress(index: number, mode: Mode): number {
  return DATA_BASE + index * DATA_STRIDE + (index & 1 && mode !== 'tlb' ? STRADDLE_OFFSET : 0);
}

/** The buffer's second alias, used through sp: kseg1 (uncached) or, with exceptions, kuseg. */
function aliasOf(buf: number, mode: Mode): number {
  return mode !== 'plain' ? (buf & 0x1fffffff) - DATA_PA : (buf | 0x20000000) >>> 0;
}

/** tlb mode, per program: entries 1..15, EntryHi (ASID), Context; uses t0. */
function emitTlbSetup(a: Asm, tlb: NonNullable<Program['tlb']>, buf: number): void {
  for (const e of tlb.entries) emitTlbWrite(a, R.t0, e, buf, e.asid, e.flags0, e.flags1, false);
  a.li(R.t0, tlb.asid);
  a.emit(mtc0(R.t0, 10));
  a.li(R.t0, tlb.context);
  a.emit(mtc0(R.t0, 4));
  a.emit(ehb());
}

function emitProgram(a: Asm, p: Program, index: number, data: number, disabled?: ReadonlySet<number>): void {
  const label = (u: number): string => `p${index}_u${u}`;
  const env: UnitEnv = { buf: data };
  a.label(`p${index}`);
  if (p.tlb) emitTlbSetup(a, p.tlb, data);
  a.li(R.gp, data);
  a.li(R.sp, aliasOf(data, p.mode) + BUF_BYTES);
  a.li(R.at, p.hi);
  a.emit(mthi(R.at));
  a.li(R.at, p.lo);
  a.emit(mtlo(R.at));
  // k1 is the exception log pointer in exception mode.
  for (let r = 1; r < 32; r++) if (!BASE_REGS.includes(r)) a.li(r, r === R.k1 && p.mode !== 'plain' ? data + LOG_OFFSET : p.regs[r]!);
  p.units.forEach((u, i) => {
    a.label(label(i));
    if (disabled?.has(i)) for (let k = 0; k < u.size; k++) a.emit(nop());
    else {
      const before = a.words.length;
      u.emit(a, (t) => label(Math.min(t, p.units.length)), env);
      if (a.words.length - before !== u.size) throw new Error(`unit ${u.kind} emitted the wrong size`);
    }
  });
  a.label(label(p.units.length));
  // Epilogue: save $0..$31, HI, LO after the buffer, then print.
  for (let r = 0; r < 32; r++) a.emit(mem('sw', r, BUF_BYTES + 4 * r, R.gp));
  a.emit(mfhi(R.at));
  a.emit(mem('sw', R.at, BUF_BYTES + 128, R.gp));
  a.emit(mflo(R.at));
  a.emit(mem('sw', R.at, BUF_BYTES + 132, R.gp));
  a.li(R.a0, p.seed);
  a.j('jal', 'dump_program');
  a.emit(nop());
}

/**
 * dump_program: a0 = seed, gp = buffer. Prints "P <seed>", the saved registers, the buffer and,
 * in exception mode, the exception log up to the saved k1 (at most LOG_WORDS words).
 */
function emitDumpProgram(a: Asm, mode: Mode): void {
  a.label('dump_program');
  a.emit(alu3('or', R.s0, R.ra, R.zero));
  a.emit(alu3('or', R.s1, R.a0, R.zero));
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x50)); // 'P'
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x20));
  a.j('jal', RT.puthex);
  a.emit(alu3('or', R.a0, R.s1, R.zero));
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x0a));
  a.emit(aluImm('addiu', R.a1, R.gp, BUF_BYTES));
  a.j('jal', RT.dumpWords);
  a.emit(aluImm('addiu', R.a2, R.zero, SAVE_WORDS));
  a.emit(alu3('or', R.a1, R.gp, R.zero));
  a.j('jal', RT.dumpWords);
  a.emit(aluImm('addiu', R.a2, R.zero, BUF_BYTES / 4));
  if (mode !== 'plain') {
    const ok = a.newLabel('log_ok');
    const none = a.newLabel('log_none');
    a.emit(mem('lw', R.a2, BUF_BYTES + 4 * R.k1, R.gp));
    a.emit(aluImm('addiu', R.a1, R.gp, LOG_OFFSET));
    a.emit(alu3('subu', R.a2, R.a2, R.a1));
    a.emit(shift('sra', R.a2, R.a2, 2));
    a.br('blez', R.a2, R.zero, none);
    a.emit(aluImm('sltiu', R.t0, R.a2, LOG_WORDS + 1));
    a.br('bne', R.t0, R.zero, ok);
    a.emit(nop());
    a.emit(aluImm('addiu', R.a2, R.zero, LOG_WORDS));
    a.label(ok);
    a.j('jal', RT.dumpWords);
    a.emit(nop());
    a.label(none);
  }
  a.emit(jr(R.s0));
  a.emit(nop());
}

/**
 * Exception-mode handler (general and, in tlb mode, refill vector): logs Cause (BD|CE|ExcCode),
 * EPC, BadVAddr and for TLB exceptions EntryHi and Context at k1, then resumes at EPC + 4, or
 * EPC + 8 (past the delay slot) when Cause.BD is set; after an interrupt it clears Cause.IP1..0
 * and resumes at EPC. Uses k0/k1 only.
 */
function emitLoggingHandler(a: Asm): void {
  a.label('log_exception');
  a.emit(mfc0(R.k0, 13));
  a.emit(ins(R.k0, R.zero, 30, 1)); // TI: timer, not deterministic
  a.emit(ins(R.k0, R.zero, 7, 21)); // IV, WP, IP7..0
  a.emit(mem('sw', R.k0, 0, R.k1));
  // CE is UNPREDICTABLE except for Coprocessor Unusable (PRA 9.23): clear it for other codes.
  const keepCe = a.newLabel('keep_ce');
  a.emit(ext(R.k0, R.k0, 2, 5));
  a.emit(aluImm('xori', R.k0, R.k0, 11));
  a.br('beq', R.k0, R.zero, keepCe);
  a.emit(mem('lw', R.k0, 0, R.k1));
  a.emit(ins(R.k0, R.zero, 28, 2));
  a.emit(mem('sw', R.k0, 0, R.k1));
  a.label(keepCe);
  a.emit(mfc0(R.k0, 14));
  a.emit(mem('sw', R.k0, 4, R.k1));
  a.emit(mfc0(R.k0, 8));
  a.emit(mem('sw', R.k0, 8, R.k1));
  // EntryHi and Context for TLB exceptions (ExcCode 1..3) only: after other exceptions their VPN2
  // fields are UNPREDICTABLE (PRA 6.2, e.g. Address Error).
  const notTlb = a.newLabel('not_tlb');
  const logged = a.newLabel('logged');
  a.emit(mem('lw', R.k0, 0, R.k1));
  a.emit(ext(R.k0, R.k0, 2, 5));
  a.emit(aluImm('addiu', R.k0, R.k0, -1));
  a.emit(aluImm('sltiu', R.k0, R.k0, 3));
  a.br('beq', R.k0, R.zero, notTlb);
  a.emit(mem('sw', R.zero, 12, R.k1));
  a.emit(mfc0(R.k0, 10));
  a.emit(mem('sw', R.k0, 12, R.k1));
  a.emit(mfc0(R.k0, 4));
  a.br('beq', R.zero, R.zero, logged);
  a.emit(mem('sw', R.k0, 16, R.k1));
  a.label(notTlb);
  a.emit(mem('sw', R.zero, 16, R.k1));
  a.label(logged);
  a.emit(aluImm('addiu', R.k1, R.k1, 4 * LOG_ENTRY_WORDS));
  // Interrupt (ExcCode 0, only the software requests IP1..0 are enabled): clear the requests and
  // resume at EPC itself.
  const notInt = a.newLabel('not_int');
  a.emit(mem('lw', R.k0, -4 * LOG_ENTRY_WORDS, R.k1));
  a.emit(ext(R.k0, R.k0, 2, 5));
  a.br('bne', R.k0, R.zero, notInt);
  a.emit(nop());
  a.emit(mfc0(R.k0, 13));
  a.emit(ins(R.k0, R.zero, 8, 2));
  a.emit(mtc0(R.k0, 13));
  // k0 is readable by the program: leave nothing of Cause in it (IP2..7 follow the host's timers).
  a.emit(alu3('or', R.k0, R.zero, R.zero));
  a.emit(ehb());
  a.emit(cop0('eret'));
  a.label(notInt);
  a.emit(mem('lw', R.k0, -4 * LOG_ENTRY_WORDS, R.k1));
  const notBd = a.newLabel('not_bd');
  a.br('bgez', R.k0, R.zero, notBd);
  a.emit(mfc0(R.k0, 14)); // delay slot: runs either way
  a.emit(aluImm('addiu', R.k0, R.k0, 4));
  a.label(notBd);
  a.emit(aluImm('addiu', R.k0, R.k0, 4));
  a.emit(mtc0(R.k0, 14));
  a.emit(ehb());
  a.emit(cop0('eret'));
}

/** Exit code of an image whose code took an exception the harness did not plan for. */
export const EXIT_UNEXPECTED_EXCEPTION = 3;

/**
 * Exception vectors at kseg0 0 (BEV = 0): every vector prints `EXC <cause> <epc> <badvaddr>` and
 * exits with EXIT_UNEXPECTED_EXCEPTION, so an unplanned exception ends the run visibly. Cause is
 * masked to BD|CE|ExcCode: the IP bits depend on the timer. MIPS32 PRA 5.3 (vector offsets).
 */
function vectorSegment(mode: Mode): Uint8Array {
  const a = new Asm(VEC_BASE);
  for (const off of [0x000, 0x180, 0x200]) {
    while (a.pc < VEC_BASE + off) a.emit(nop());
    const logs = (off === 0x180 && mode !== 'plain') || (off === 0 && mode === 'tlb');
    a.j('j', logs ? 'log_exception' : 'unexpected');
    a.emit(nop());
  }
  emitLoggingHandler(a);
  a.label('unexpected');
  emitPuts(a, 'exc_msg');
  a.emit(mfc0(R.a0, 13));
  a.li(R.t0, 0xb000007c);
  a.j('jal', RT.puthex);
  a.emit(alu3('and', R.a0, R.a0, R.t0));
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x20));
  a.emit(mfc0(R.a0, 14));
  a.j('jal', RT.puthex);
  a.emit(nop());
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x20));
  a.emit(mfc0(R.a0, 8));
  a.j('jal', RT.puthex);
  a.emit(nop());
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x0a));
  a.j('jal', RT.exit);
  a.emit(aluImm('addiu', R.a0, R.zero, EXIT_UNEXPECTED_EXCEPTION));
  emitRuntime(a);
  emitString(a, 'exc_msg', 'EXC ');
  a.finish();
  return a.bytes();
}

/**
 * Exception mode machine setup: every TLB entry gets a unique, never-used kseg0 VPN2 (the TLB's
 * reset contents are undefined), entry 0 maps kuseg [0, 32 MiB) with 16 MiB pages to physical
 * [DATA_PA, DATA_PA + 32 MiB), global, and is wired (tlb mode wires 0..14); then Status =
 * IM1|IM0|IE (kernel mode, ERL = EXL = BEV = 0).
 * MIPS32 PRA 4.3 (TLB), 9.x (EntryHi/EntryLo/PageMask/Wired).
 */
function emitExceptionModeSetup(a: Asm, wired: number): void {
  const set = (reg: number, v: number): void => { a.li(R.t0, v); a.emit(mtc0(R.t0, reg)); };
  const lo = (pa: number): number => (((pa >>> 12) << 6) | (3 << 3) | 0b111) >>> 0; // C=3, D, V, G
  set(5, 0); // PageMask
  set(2, 0);
  set(3, 0);
  for (let i = 1; i < 16; i++) {
    set(0, i);
    set(10, 0x80000000 + (i << 13));
    a.emit(ehb());
    a.emit(cop0('tlbwi'));
  }
  set(0, 0);
  set(10, 0);
  set(5, 0x01ffe000);
  set(2, lo(DATA_PA));
  set(3, lo(DATA_PA + 0x01000000));
  a.emit(ehb());
  a.emit(cop0('tlbwi'));
  set(6, wired); // tlb mode: 15, so that tlbwr always writes entry 15
  set(5, 0);
  // Interrupts on, only the software requests (IM1..0): swint units raise them.
  a.emit(mtc0(R.zero, 13));
  set(12, 0x301);
  a.emit(ehb());
}

export interface BatchOptions {
  /** Per program (by position in the batch): unit indices replaced by NOPs (minimisation). */
  disabled?: ReadonlyMap<number, ReadonlySet<number>>;
}

/** A built image and where its programs sit, for listings. */
export interface BatchImage {
  elf: Uint8Array;
  asm: Asm;
}

/**
 * Builds one ELF image running `programs` in sequence; each dumps its results, then the image
 * prints `DONE` and exits with code 0.
 */
export function buildBatch(programs: readonly Program[], opts: BatchOptions = {}): BatchImage {
  const mode = programs[0]?.mode ?? 'plain';
  if (programs.some((p) => p.mode !== mode)) throw new Error('buildBatch: programs of different modes in one image (group seeds by modeOf)');
  if (programs.length * DATA_STRIDE > 0x01000000) throw new Error('buildBatch: too many programs for the 16 MiB data page');
  const a = new Asm(CODE_BASE);
  if (mode === 'plain') {
    // QEMU's Malta boot code leaves Status = BEV (ERL clear); clear BEV so our vectors catch
    // anything unexpected and keep the rest (kernel mode, interrupts off).
    a.emit(mfc0(R.t0, 12));
    a.li(R.t1, ~(1 << 22));
    a.emit(alu3('and', R.t0, R.t0, R.t1));
    a.emit(mtc0(R.t0, 12));
    a.emit(ehb());
  } else {
    emitExceptionModeSetup(a, mode === 'tlb' ? 15 : 1);
  }
  programs.forEach((p, i) => emitProgram(a, p, i, bufferAddress(i, mode), opts.disabled?.get(i)));
  emitPuts(a, 'done_msg');
  a.j('jal', RT.exit);
  a.emit(aluImm('addiu', R.a0, R.zero, 0));
  emitDumpProgram(a, mode);
  emitRuntime(a);
  emitString(a, 'done_msg', 'DONE\n');
  a.finish();
  if (a.pc >= DATA_BASE) throw new Error('batch too large: code reaches the data area');
  const data = new Uint8Array(programs.length * DATA_STRIDE);
  programs.forEach((p, i) => data.set(p.mem, bufferAddress(i, mode) - DATA_BASE));
  const symbols: ElfSymbol[] = programs.map((p, i) => ({
    name: `prog_${p.seed.toString(16).padStart(8, '0')}`,
    value: a.addressOf(`p${i}`),
    size: a.addressOf(`p${i}_u${p.units.length}`) - a.addressOf(`p${i}`),
    type: 'func',
  }));
  const elf = buildElf([
    { vaddr: VEC_BASE, data: vectorSegment(mode) },
    { vaddr: CODE_BASE, data: a.bytes() },
    { vaddr: DATA_BASE, data, flags: 6 },
  ], CODE_BASE, { symbols });
  return { elf, asm: a };
}

/** One unit of a program as assembled (at the address a one-program image gives it). */
export interface AssembledUnit {
  unit: Unit;
  index: number;
  addr: number;
  words: number[];
  texts: string[];
}

/** Assembles `p` alone and returns its body unit by unit (for listings and invariant checks). */
export function assembleUnits(p: Program, disabled?: ReadonlySet<number>): AssembledUnit[] {
  const a = new Asm(CODE_BASE);
  emitProgram(a, p, 0, bufferAddress(0, p.mode), disabled);
  a.label('dump_program');
  a.finish();
  const out: AssembledUnit[] = [];
  let at = (a.addressOf('p0_u0') - CODE_BASE) / 4;
  p.units.forEach((unit, index) => {
    out.push({
      unit, index, addr: CODE_BASE + 4 * at,
      words: a.words.slice(at, at + unit.size), texts: a.texts.slice(at, at + unit.size),
    });
    at += unit.size;
  });
  return out;
}

/** Listing of one program's body, unit by unit, with disabled units left out. */
export function programListing(p: Program, disabled?: ReadonlySet<number>): string {
  const hex8 = (v: number): string => v.toString(16).padStart(8, '0');
  return assembleUnits(p, disabled)
    .filter((u) => !disabled?.has(u.index))
    .map((u) => u.words.map((w, k) => `${hex8(u.addr + 4 * k)}:  ${hex8(w)}  ${u.texts[k]}`).join('\n'))
    .join('\n');
}

