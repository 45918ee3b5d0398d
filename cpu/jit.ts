// Block compiler: hot straight-line runs of guest code become host JavaScript functions.
//
// The interpreter (cpu.ts `run`) counts how often it starts an instruction at each RAM word;
// once a start is hot, the words from there to the first control transfer (plus its delay
// slot), the first instruction this compiler leaves to the interpreter, or the end of the 4 KiB
// page are turned into one function with `new Function`. The function does exactly what the
// interpreter would do for those instructions, in the same order, with the same slow-path calls
// at the same instruction (so `left`, `now()`, exceptions with EPC/Cause.BD, trap handlers and
// batch ends are the same), and returns how many instructions it retired. It runs only when
// the batch has room for all of them, so a batch (and with it the timer and interrupt
// sampling in `step`) always ends at the same instruction as without blocks.
//
// Blocks are keyed by the RAM offset of their first word and depend on nothing but the words
// they were built from: virtual PCs are computed from the entry PC, memory goes through the
// translation cache, privilege-dependent instructions are left to the interpreter. Every entry
// first compares the words against RAM, so code changed by any writer (the guest, DMA, a
// monitor) is never run stale: a mismatch drops the block. The one difference from instruction-
// by-instruction fetch: a store into a later instruction of the running block takes effect at
// the block's next entry. MIPS32 gives no stronger guarantee (Vol. II SYNCI: code written by
// stores needs SYNCI or a cache operation and a hazard barrier before it is run).
//
// Only the functional mode uses blocks: in the timing mode every fetch goes through the cache
// model, which a block would skip.

import { mulhs, mulhu } from './cpu.ts';

/** Signature of a compiled block; returns instructions retired, or -1 if the words changed. */
export type BlockFn = (
  cpu: unknown, r: Int32Array, ram8: Uint8Array, ram16: Uint16Array, ram32: Int32Array,
  rtag: Int32Array, radd: Int32Array, wtag: Int32Array, wadd: Int32Array, pc0: number, left0: number,
) => number;

/** log2 of the direct-mapped table of installed blocks. */
export const JIT_BITS = 16;
export const JIT_SIZE = 1 << JIT_BITS;
export const JIT_MASK = JIT_SIZE - 1;
/** Length recorded for a start that cannot begin a block: no batch ever has that much room. */
export const JIT_NEVER = 0x7fffffff;
/** Longest block, in instructions. */
const MAX_LEN = 128;
/** Builds remembered beyond the installed ones. */
const MAX_BUILT = 1 << 16;

/**
 * Leader starts seen this many times are compiled. Building a block and V8 optimizing it cost
 * a few milliseconds of host time, worth some 10^5 interpreted instructions, so only code that
 * has already run this often (and so probably will again) is compiled. Measured on the Linux
 * boot to the /init marker (perf/linux.ts), host CPU seconds: 64 -> 41, 2000 -> 25,
 * 10000 -> 17.5, 20000 -> 18.2, 50000 -> 18.3; the interpreter alone 24.5 to 33.
 */
export const JIT_DEFAULT_THRESHOLD = 10000;

/** Default threshold: DISCO_JIT=0 turns blocks off, DISCO_JIT=N compiles after N starts. */
export function jitThresholdFromEnv(): number {
  const v = typeof process !== 'undefined' ? process.env.DISCO_JIT : undefined;
  if (v === undefined || v === '') return JIT_DEFAULT_THRESHOLD;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : JIT_DEFAULT_THRESHOLD;
}

const noBlock: BlockFn = () => -1;

/** The compiled blocks of one RAM (shared by every CPU on the bus: blocks depend only on RAM words). */
export class BlockCache {
  /** RAM offset of the block in each slot (-1: empty). */
  readonly tag = new Int32Array(JIT_SIZE).fill(-1);
  /** Instructions the block may retire at most (JIT_NEVER: the start is not compilable). */
  readonly len = new Int32Array(JIT_SIZE);
  readonly fn: BlockFn[] = new Array<BlockFn>(JIT_SIZE).fill(noBlock);
  /**
   * Starts counted per slot while no block is installed there, for the RAM offset in htag
   * only: another start hashing to the slot restarts the count, so that many cold words that
   * share a slot never add up to a hot one.
   */
  readonly hot = new Int32Array(JIT_SIZE);
  readonly htag = new Int32Array(JIT_SIZE).fill(-1);
  /** Every block built, by RAM offset, so that a slot conflict does not mean a recompile. */
  private readonly built = new Map<number, { fn: BlockFn; len: number }>();
  /** Statistics. */
  compiled = 0;
  dropped = 0;

  /** Install (building if needed) the block starting at RAM byte offset `fo` into slot `bi`. */
  install(bi: number, fo: number, ram32: Int32Array): void {
    let b = this.built.get(fo);
    if (b === undefined) {
      // Code pages get reused for other code; forget old builds rather than grow without end.
      if (this.built.size >= MAX_BUILT) this.built.clear();
      b = compileBlock(ram32, fo);
      this.built.set(fo, b);
      if (b.len !== JIT_NEVER) this.compiled++;
    }
    this.tag[bi] = fo;
    this.len[bi] = b.len;
    this.fn[bi] = b.fn;
    this.hot[bi] = 0;
  }

  /** The block in slot `bi` found its words changed: forget it. */
  drop(bi: number): void {
    this.built.delete(this.tag[bi]);
    this.tag[bi] = -1;
    this.fn[bi] = noBlock;
    this.hot[bi] = 0;
    this.dropped++;
  }
}

const caches = new WeakMap<object, BlockCache>();

/** The block cache of a RAM buffer. */
export function blockCacheFor(ram: object): BlockCache {
  let c = caches.get(ram);
  if (c === undefined) { c = new BlockCache(); caches.set(ram, c); }
  return c;
}

const reg = (n: number): string => (n === 0 ? '0' : `r[${n}]`);

/** Instruction classes for the block builder. */
const K_NONE = 0; // not compiled: the block ends before it
const K_PLAIN = 1; // no control transfer
const K_BRANCH = 2; // control transfer with a delay slot

interface Emit {
  kind: number;
  code: string;
  /** Loads and stores it performs (for Cpu.dataAccesses). */
  mem: number;
  /** Control transfers: always taken (j, jal, jr, jalr); branch likely. */
  always?: boolean;
  likely?: boolean;
  /** PC-relative branches: target minus the block's entry PC. */
  rel?: number;
}

/**
 * Code for one instruction `w` at block index k. `cur` is its PC expression, `ds` 1 in a delay
 * slot, `next` the PC expression after it (for batch ends), `dacc` the loads/stores counted
 * up to and including it. In the code, d0 is the number of instructions retired by earlier
 * turns of a block that loops on itself.
 */
function emit(w: number, k: number, ds: number, next: string, dacc: number): Emit {
  const op = w >>> 26;
  const rs = (w >>> 21) & 31, rt = (w >>> 16) & 31, rd = (w >>> 11) & 31, sa = (w >>> 6) & 31;
  const imm = (w << 16) >> 16;
  const cur = `pc0 + ${4 * k} | 0`;
  const K = `d0 + ${k + 1}`;
  const left = `left0 - d0 - ${k + 1}`;
  // A slow path trapped (SIG_TRAP: pc was redirected) or asked to end the batch (SIG_END):
  // leave with this instruction retired (X in the block's scope).
  const exitOnSig = `if (cpu.sig !== 0) return X(cpu, ${dacc}, ${next}, ${K});`;
  const raise = (code: number): string => `return RZ(cpu, ${code}, ${cur}, ${ds}, ${left}, ${dacc}, ${K});`;
  const plain = (code: string): Emit => ({ kind: K_PLAIN, code, mem: 0 });
  const set = (d: number, e: string): string => (d === 0 ? '' : `r[${d}] = ${e};`);
  const none: Emit = { kind: K_NONE, code: '', mem: 0 };
  const rel = 4 * k + 4 + (imm << 2);
  const branch = (cond: string, link: string, likely: boolean, taken = false): Emit => {
    const target = `pc0 + ${rel} | 0`;
    // Unconditional forms (b, bal: beq $0,$0 and bgezal $0) end the block like a jump.
    if (taken && !likely) return { kind: K_BRANCH, always: true, rel, code: `${link} tgt = ${target};`, mem: 0 };
    // The condition is read before the link register is written and before the delay slot.
    const c = `t = ${cond} ? 1 : 0; ${link}`;
    if (!likely) return { kind: K_BRANCH, code: `${c} tgt = t !== 0 ? ${target} : pc0 + ${4 * k + 8} | 0;`, mem: 0, rel };
    // Branch likely not taken: the delay slot is skipped (nullified), not retired.
    return { kind: K_BRANCH, likely: true, rel, code: `${c} if (t === 0) { cpu.dataAccesses += ${dacc}; cpu.pc = pc0 + ${4 * k + 8} | 0; return ${K}; } tgt = ${target};`, mem: 0 };
  };
  const jump = (code: string): Emit => ({ kind: K_BRANCH, always: true, code, mem: 0 });
  const link31 = `r[31] = pc0 + ${4 * k + 8} | 0;`;
  const load = (size: number, read: string, ext: (v: string) => string): Emit => {
    const mask = size === 1 ? -4096 : size === 2 ? -4095 : -4093;
    const fin = rt === 0 ? '' : `if ((cpu.sig & 1) === 0) r[${rt}] = ${ext('v')};`;
    return {
      kind: K_PLAIN, mem: 1,
      code: `va = ${reg(rs)} + ${imm} | 0; i = va >>> 12 & 511;
if (rtag[i] === (va & ${mask})) v = ${read};
else { v = LS(cpu, va, ${size}, ${cur}, ${ds}, ${left}); if (cpu.sig !== 0) { ${fin} return X(cpu, ${dacc}, ${next}, ${K}); } }
${set(rt, ext('v'))}`,
    };
  };
  const store = (size: number, write: string): Emit => {
    const mask = size === 1 ? -4096 : size === 2 ? -4095 : -4093;
    return {
      kind: K_PLAIN, mem: 1,
      code: `va = ${reg(rs)} + ${imm} | 0; i = va >>> 12 & 511;
if (wtag[i] === (va & ${mask})) ${write};
else { SS(cpu, va, ${size}, ${reg(rt)}, ${cur}, ${ds}, ${left}); ${exitOnSig} }`,
    };
  };

  switch (op) {
    case 0x00:
      switch (w & 63) {
        case 0x00: return plain(set(rd, `${reg(rt)} << ${sa}`));
        case 0x02:
          if (rs === 0) return plain(set(rd, `${reg(rt)} >>> ${sa}`));
          if (rs === 1) return plain(`v = ${reg(rt)}; ${set(rd, `(v >>> ${sa}) | (v << ${32 - sa})`)}`);
          return none;
        case 0x03: return plain(set(rd, `${reg(rt)} >> ${sa}`));
        case 0x04: return plain(set(rd, `${reg(rt)} << (${reg(rs)} & 31)`));
        case 0x06:
          if (sa === 0) return plain(set(rd, `${reg(rt)} >>> (${reg(rs)} & 31)`));
          if (sa === 1) return plain(`v = ${reg(rt)}; a = ${reg(rs)} & 31; ${set(rd, '(v >>> a) | (v << (32 - a))')}`);
          return none;
        case 0x07: return plain(set(rd, `${reg(rt)} >> (${reg(rs)} & 31)`));
        case 0x08: return jump(`tgt = ${reg(rs)};`); // jr: target read before the slot
        case 0x09: return jump(`tgt = ${reg(rs)}; ${set(rd, `pc0 + ${4 * k + 8} | 0`)}`); // jalr
        case 0x0a: return plain(rd === 0 ? '' : `if (${reg(rt)} === 0) r[${rd}] = ${reg(rs)};`);
        case 0x0b: return plain(rd === 0 ? '' : `if (${reg(rt)} !== 0) r[${rd}] = ${reg(rs)};`);
        case 0x0f: return plain(''); // sync
        case 0x10: return plain(set(rd, 'cpu.hi'));
        case 0x11: return plain(`cpu.hi = ${reg(rs)};`);
        case 0x12: return plain(set(rd, 'cpu.lo'));
        case 0x13: return plain(`cpu.lo = ${reg(rs)};`);
        case 0x18: return plain(`a = ${reg(rs)}; b = ${reg(rt)}; cpu.lo = Math.imul(a, b); cpu.hi = mulhs(a, b);`);
        case 0x19: return plain(`a = ${reg(rs)}; b = ${reg(rt)}; cpu.lo = Math.imul(a, b); cpu.hi = mulhu(a, b);`);
        case 0x1a: return plain(`a = ${reg(rs)}; b = ${reg(rt)}; if (b !== 0) { cpu.lo = (a / b) | 0; cpu.hi = (a % b) | 0; } else { cpu.lo = a < 0 ? 1 : -1; cpu.hi = a; }`);
        case 0x1b: return plain(`a = ${reg(rs)} >>> 0; b = ${reg(rt)} >>> 0; if (b !== 0) { cpu.lo = (a / b) | 0; cpu.hi = (a % b) | 0; } else { cpu.lo = -1; cpu.hi = a | 0; }`);
        case 0x20: return plain(`a = ${reg(rs)}; b = ${reg(rt)}; v = (a + b) | 0; if (((a ^ v) & (b ^ v)) < 0) { ${raise(12)} } ${set(rd, 'v')}`);
        case 0x21: return plain(set(rd, `(${reg(rs)} + ${reg(rt)}) | 0`));
        case 0x22: return plain(`a = ${reg(rs)}; b = ${reg(rt)}; v = (a - b) | 0; if (((a ^ b) & (a ^ v)) < 0) { ${raise(12)} } ${set(rd, 'v')}`);
        case 0x23: return plain(set(rd, `(${reg(rs)} - ${reg(rt)}) | 0`));
        case 0x24: return plain(set(rd, `${reg(rs)} & ${reg(rt)}`));
        case 0x25: return plain(set(rd, `${reg(rs)} | ${reg(rt)}`));
        case 0x26: return plain(set(rd, `${reg(rs)} ^ ${reg(rt)}`));
        case 0x27: return plain(set(rd, `~(${reg(rs)} | ${reg(rt)})`));
        case 0x2a: return plain(set(rd, `${reg(rs)} < ${reg(rt)} ? 1 : 0`));
        case 0x2b: return plain(set(rd, `(${reg(rs)} >>> 0) < (${reg(rt)} >>> 0) ? 1 : 0`));
        default: return none;
      }
    case 0x01:
      switch (rt) {
        case 0x00: return branch(`${reg(rs)} < 0`, '', false);
        case 0x01: return branch(`${reg(rs)} >= 0`, '', false, rs === 0);
        case 0x02: return branch(`${reg(rs)} < 0`, '', true);
        case 0x03: return branch(`${reg(rs)} >= 0`, '', true);
        case 0x10: return branch(`${reg(rs)} < 0`, link31, false);
        case 0x11: return branch(`${reg(rs)} >= 0`, link31, false, rs === 0);
        case 0x12: return branch(`${reg(rs)} < 0`, link31, true);
        case 0x13: return branch(`${reg(rs)} >= 0`, link31, true);
        default: return none;
      }
    case 0x02: case 0x03: {
      const target = `pc0 + ${4 * k + 4} & ${0xf0000000 | 0} | ${(w & 0x3ffffff) << 2}`;
      return jump(`${op === 0x03 ? link31 : ''} tgt = ${target};`);
    }
    case 0x04: return branch(`${reg(rs)} === ${reg(rt)}`, '', false, rs === rt);
    case 0x05: return branch(`${reg(rs)} !== ${reg(rt)}`, '', false);
    case 0x06: return branch(`${reg(rs)} <= 0`, '', false, rs === 0);
    case 0x07: return branch(`${reg(rs)} > 0`, '', false);
    case 0x14: return branch(`${reg(rs)} === ${reg(rt)}`, '', true);
    case 0x15: return branch(`${reg(rs)} !== ${reg(rt)}`, '', true);
    case 0x16: return branch(`${reg(rs)} <= 0`, '', true);
    case 0x17: return branch(`${reg(rs)} > 0`, '', true);
    case 0x08: return plain(`a = ${reg(rs)}; v = (a + ${imm}) | 0; if (((a ^ v) & (${imm} ^ v)) < 0) { ${raise(12)} } ${set(rt, 'v')}`);
    case 0x09: return plain(set(rt, `(${reg(rs)} + ${imm}) | 0`));
    case 0x0a: return plain(set(rt, `${reg(rs)} < ${imm} ? 1 : 0`));
    case 0x0b: return plain(set(rt, `(${reg(rs)} >>> 0) < ${imm >>> 0} ? 1 : 0`));
    case 0x0c: return plain(set(rt, `${reg(rs)} & ${w & 0xffff}`));
    case 0x0d: return plain(set(rt, `${reg(rs)} | ${w & 0xffff}`));
    case 0x0e: return plain(set(rt, `${reg(rs)} ^ ${w & 0xffff}`));
    case 0x0f: return plain(set(rt, `${w << 16}`));
    case 0x1c:
      switch (w & 63) {
        case 0x00: case 0x01: case 0x04: case 0x05: return plain(`cpu.mulAcc(${w & 63}, ${reg(rs)}, ${reg(rt)});`);
        case 0x02: return plain(set(rd, `Math.imul(${reg(rs)}, ${reg(rt)})`));
        case 0x20: return plain(set(rd, `Math.clz32(${reg(rs)})`));
        case 0x21: return plain(set(rd, `Math.clz32(~${reg(rs)})`));
        default: return none;
      }
    case 0x1f:
      switch (w & 63) {
        case 0x00: { // ext
          const pos = sa, size = rd + 1;
          if (pos + size > 32) return none;
          return plain(set(rt, `(${reg(rs)} << ${32 - pos - size}) >>> ${32 - size}`));
        }
        case 0x04: { // ins
          const lsb = sa, msb = rd;
          if (msb < lsb) return none;
          const n = msb - lsb + 1;
          const m = ((n === 32 ? -1 : (1 << n) - 1) << lsb) | 0;
          return plain(set(rt, `(${reg(rt)} & ${~m}) | ((${reg(rs)} << ${lsb}) & ${m})`));
        }
        case 0x20:
          switch (sa) {
            case 0x02: return plain(`v = ${reg(rt)}; ${set(rd, '((v & 0x00ff00ff) << 8) | ((v >>> 8) & 0x00ff00ff)')}`);
            case 0x10: return plain(set(rd, `(${reg(rt)} << 24) >> 24`));
            case 0x18: return plain(set(rd, `(${reg(rt)} << 16) >> 16`));
            default: return none;
          }
        default: return none;
      }
    case 0x20: return load(1, 'ram8[va + radd[i] | 0]', (v) => `${v} << 24 >> 24`);
    case 0x24: return load(1, 'ram8[va + radd[i] | 0]', (v) => v);
    case 0x21: return load(2, 'ram16[va + radd[i] >> 1]', (v) => `${v} << 16 >> 16`);
    case 0x25: return load(2, 'ram16[va + radd[i] >> 1]', (v) => v);
    case 0x23: return load(4, 'ram32[va + radd[i] >> 2]', (v) => v);
    case 0x22: case 0x26: { // lwl / lwr (little-endian, Vol. II LWL/LWR)
      const merge = op === 0x22
        ? `a = (3 - (va & 3)) << 3; r[${rt}] = (v << a) | (r[${rt}] & ((1 << a) - 1));`
        : `a = (va & 3) << 3; r[${rt}] = (v >>> a) | (r[${rt}] & ~(-1 >>> a));`;
      const fin = rt === 0 ? '' : merge;
      return {
        kind: K_PLAIN, mem: 1,
        code: `va = ${reg(rs)} + ${imm} | 0; cpu.left = ${left}; v = cpu.loadAlignedWord(va, ${cur}, ${ds}); if (cpu.sig !== 0) { if ((cpu.sig & 1) === 0) { ${fin} } return X(cpu, ${dacc}, ${next}, ${K}); } ${fin}`,
      };
    }
    case 0x28: return store(1, `ram8[va + wadd[i] | 0] = ${reg(rt)}`);
    case 0x29: return store(2, `ram16[va + wadd[i] >> 1] = ${reg(rt)}`);
    case 0x2b: return store(4, `ram32[va + wadd[i] >> 2] = ${reg(rt)}`);
    case 0x2a: case 0x2e: // swl / swr
      return {
        kind: K_PLAIN, mem: 1,
        code: `va = ${reg(rs)} + ${imm} | 0; cpu.left = ${left}; cpu.storePartial(${op}, va, ${reg(rt)}, ${cur}, ${ds}); ${exitOnSig}`,
      };
    case 0x2f: // cache: privileged (PRA 5.4); otherwise nothing to do in the functional mode
      return plain(`if (cpu.cp0.mode() !== 0 && (cpu.cp0.status & 0x10000000) === 0) { cpu.left = ${left}; cpu.resumePC = ${next}; cpu.raiseCpU(0, ${cur}, ${ds}); cpu.dataAccesses += ${dacc}; return ${K}; }`);
    case 0x33: return plain(''); // pref
    default: return none;
  }
}

/**
 * Build the block starting at RAM byte offset `fo`. Returns len JIT_NEVER when the first
 * instruction is one the compiler leaves to the interpreter.
 *
 * A block is a basic block: it ends after the delay slot of its first control transfer, at an
 * instruction left to the interpreter, or at the page end. The exception is a loop: a
 * conditional branch back to the block's first instruction turns again inside the function
 * while the batch has room for a whole block, and the code after the loop follows in the
 * same block. (Running on through every not-taken branch, superblocks, compiled more cold
 * code than it saved: V8's optimizing compiler costs milliseconds per function.)
 */
export function compileBlock(ram32: Int32Array, fo: number): { fn: BlockFn; len: number } {
  const base = fo >>> 2;
  const pageEnd = ((fo >>> 12) + 1) << 10; // first word index of the next page
  const words: number[] = [];
  const body: string[] = [];
  let dacc = 0;
  let end = '';
  let loops = false;
  for (let k = 0; k < MAX_LEN && base + k < pageEnd; k++) {
    const w = ram32[base + k];
    const next = `pc0 + ${4 * k + 4} | 0`;
    const e = emit(w, k, 0, next, dacc + (isMem(w) ? 1 : 0));
    if (e.kind === K_NONE) break;
    if (e.kind === K_PLAIN) {
      words.push(w);
      dacc += e.mem;
      body.push(e.code);
      continue;
    }
    // A control transfer: its delay slot must be in this page and a plain instruction.
    if (base + k + 1 >= pageEnd) break;
    const sw = ram32[base + k + 1];
    const se = emit(sw, k + 1, 1, 'tgt', dacc + (isMem(sw) ? 1 : 0));
    if (se.kind !== K_PLAIN) break;
    // The branch's own exits (likely, not taken) count the accesses before it.
    const be = emit(w, k, 0, next, dacc);
    words.push(w, sw);
    body.push(be.code, se.code);
    dacc += se.mem;
    if (e.rel !== 0 || e.always === true || e.likely === true || base + k + 2 >= pageEnd || k + 2 >= MAX_LEN) {
      end = `cpu.dataAccesses += ${dacc}; cpu.pc = tgt; return d0 + ${k + 2};`;
      break;
    }
    // A conditional branch back to the start: go round again if the batch has room for the
    // whole block; when the loop ends, the code after it follows in the same block.
    loops = true;
    body.push(`if (t !== 0) { cpu.dataAccesses += ${dacc}; d0 += ${k + 2}; if (left0 - d0 >= LEN) continue; cpu.pc = tgt; return d0; }`);
    k++;
  }
  const len = words.length;
  if (len === 0) return { fn: noBlock, len: JIT_NEVER };
  if (end === '') end = `cpu.dataAccesses += ${dacc}; cpu.pc = pc0 + ${4 * len} | 0; return d0 + ${len};`;
  const check = words.map((w, k) => `ram32[${base + k}] !== ${w}`).join(' || ');
  let code = `${body.join('\n')}\n${end}`;
  if (loops) code = `for (;;) {\n${code.replace(/\bLEN\b/g, String(len))}\n}`;
  const src = `return function block_${fo.toString(16)}(cpu, r, ram8, ram16, ram32, rtag, radd, wtag, wadd, pc0, left0) {
if (${check}) return -1;
let va = 0, i = 0, v = 0, a = 0, b = 0, t = 0, tgt = 0, d0 = 0;
${code}
};`;
  const fn = new Function('mulhs', 'mulhu', 'X', 'LS', 'SS', 'RZ', src)(mulhs, mulhu, exitSig, loadSlow, storeSlow, raiseAt) as BlockFn;
  return { fn, len };
}

// Out-of-line pieces shared by every block (they keep the generated code small).
interface SlowCpu {
  sig: number; left: number; pc: number; dataAccesses: number;
  loadSlow(va: number, size: number, pc: number, ds: number): number;
  storeSlow(va: number, size: number, value: number, pc: number, ds: number): void;
  raise(code: number, pc: number, ds: number, refill: boolean): void;
}
/** Leave after a slow path signalled: on a batch end (no trap) execution continues at `next`. */
function exitSig(cpu: SlowCpu, dacc: number, next: number, k: number): number {
  cpu.dataAccesses += dacc;
  if ((cpu.sig & 1) === 0) cpu.pc = next;
  return k;
}
function loadSlow(cpu: SlowCpu, va: number, size: number, pc: number, ds: number, left: number): number {
  cpu.left = left;
  return cpu.loadSlow(va, size, pc, ds);
}
function storeSlow(cpu: SlowCpu, va: number, size: number, value: number, pc: number, ds: number, left: number): void {
  cpu.left = left;
  cpu.storeSlow(va, size, value, pc, ds);
}
function raiseAt(cpu: SlowCpu, code: number, pc: number, ds: number, left: number, dacc: number, k: number): number {
  cpu.left = left;
  cpu.raise(code, pc, ds, false);
  cpu.dataAccesses += dacc;
  return k;
}

/** Loads and stores (the instructions the interpreter counts in dataAccesses). */
function isMem(w: number): boolean {
  const op = w >>> 26;
  return (op >= 0x20 && op <= 0x26) || op === 0x28 || op === 0x29 || op === 0x2a || op === 0x2b || op === 0x2e;
}
