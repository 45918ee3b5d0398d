// The MIPS32 Release 2 interpreter (little-endian, integer ISA, no FPU).
//
// Shape (see ../shared/STYLE.md): one hot function, `run`, with a `switch` on the major opcode;
// instruction bodies are a few lines that read like the manual (MIPS32 Vol. II). Registers are an
// Int32Array and every value is an int32. Address translation goes through the host translation
// cache (tcache.ts): a hit is one typed-array load and one compare; everything unusual (TLB
// miss, MMIO, misalignment, privilege) misses into a slow-path method. Exceptions never throw:
// the slow path redirects this.pc, sets bit SIG_TRAP in this.sig, and the loop reloads pc.
//
// Delay slots (MIPS32 Vol. I 5.1): `pc` is the address of the next instruction, `npc` the one
// after it; a taken branch only rewrites npc. `nds` says the next instruction sits in a delay
// slot, so that an exception there sets Cause.BD and EPC = the branch (PRA 6.2.1).
//
// Time: one instruction is one cycle in the functional model. `cycles` is the CPU's clock; Count
// and Random are derived from it (cp0.ts). `run(n)` executes a batch of at most n instructions;
// the caller (`step`) sizes batches so that the Count = Compare match lands on a batch boundary,
// where interrupts are sampled. Instructions that may change interrupt state end the batch.
//
// Hot kernel-segment code runs as compiled blocks (jit.ts, docs/performance.md) with exactly
// the interpreter's results; `run` looks them up at leaders and falls back to the switch.

import type { Bus } from './bus.ts';
import {
  Cp0, EXC_ADEL, EXC_ADES, EXC_BP, EXC_CPU, EXC_DBE, EXC_IBE, EXC_INT, EXC_MCHECK, EXC_MOD, EXC_OV,
  EXC_RI, EXC_SYS, EXC_TLBL, EXC_TLBS, EXC_TR, CA_BD, CA_IV, CA_IP7, CA_TI, ST_BEV, ST_CU0, ST_ERL,
  ST_EXL, ST_IE, ST_TS, W_DROP_KERNEL, W_FLUSH, W_RESYNC, W_TIMER,
} from './cp0.ts';
import { Tlb, TLB_MISS } from './tlb.ts';
import { TranslationCache, TC_INVALID, TC_MASK } from './tcache.ts';
import type { MemorySystem } from './numa.ts';
import { blockCacheFor, jitThresholdFromEnv, JIT_MASK, type BlockCache } from './jit.ts';

/** this.sig bits: why a slow path wants the loop's attention. */
export const SIG_TRAP = 1; // pc was redirected (exception or eret): reload pc from this.pc
export const SIG_END = 2; // end the batch after this instruction (interrupt state, timer, halt)

/** Granule of the LL/SC link: a store by another CPU anywhere in it breaks the link. */
export const LINK_BYTES = 32;

/** Memory access kinds for translate(). */
export const ACC_LOAD = 0;
export const ACC_STORE = 1;
export const ACC_FETCH = 2;

/**
 * The trap interface through which a monitor (vmm/) takes exceptions before the hardware
 * vectors them. Return true if the handler dealt with the exception (it must then have set the
 * CPU's pc with `cpu.redirect`); false lets the CPU vector to the guest as hardware would.
 */
export interface TrapHandler {
  onException(cpu: Cpu, code: number, epcPC: number, inDelaySlot: boolean, refill: boolean): boolean;
}

/**
 * Passive observation of the CPU for tracing and statistics (vmm/ tools). Called only from
 * exception and eret slow paths, never from the interpreter's fast path; null costs nothing.
 */
export interface CpuObserver {
  /**
   * An exception is being taken. `epcPC` is the faulting instruction itself (when `ds`, EPC
   * will be epcPC - 4, the branch);
   * for address and TLB exceptions cpu.cp0.badVAddr holds the address and cpu.faultAccess the
   * access kind (ACC_LOAD, ACC_STORE, ACC_FETCH). Called before the CPU vectors.
   */
  onException(cpu: Cpu, code: number, epcPC: number, ds: boolean, refill: boolean): void;
  /** eret is returning to `to` (the exception handler ends). */
  onEret(cpu: Cpu, to: number): void;
}

export interface CpuOptions {
  /** JTLB entry pairs, 1..64 (default 64). */
  tlbEntries?: number;
  /** CPU number, reported in EBase.CPUNum and rdhwr $0. */
  cpuNum?: number;
  /** NUMA node of the CPU. */
  node?: number;
}

export class Cpu {
  readonly r = new Int32Array(32);
  hi = 0;
  lo = 0;
  pc = 0;
  npc = 4;
  nds = 0;
  readonly cp0: Cp0;
  readonly tlb: Tlb;
  readonly tc = new TranslationCache();
  readonly bus: Bus;
  /** The CPU clock: cycles (= instructions in the functional model) executed so far. */
  cycles = 0;
  /** The timing mode's memory system, or null in the functional mode. */
  mem: MemorySystem | null = null;
  /** Stall cycles charged by the memory system and exceptions during the current batch. */
  stall = 0;
  /** Instructions retired. */
  instret = 0;
  /** Loads and stores executed (every one, fast path included). */
  dataAccesses = 0;
  /** Exceptions taken, by ExcCode. */
  readonly excCount = new Float64Array(32);
  /** TLB refill exceptions taken (no matching entry), a subset of TLBL/TLBS. */
  tlbRefills = 0;
  /** LL/SC link (PRA: LLbit); cleared by eret and by other CPUs' stores to the line. */
  llbit = 0;
  /** Physical line (LINK_BYTES granules) of the link. */
  linkLine = -1;
  /** All CPUs of the machine, this one included (LL/SC across CPUs). */
  peers: Cpu[] = [this];
  /** CPU number and NUMA node. */
  readonly id: number;
  readonly node: number;
  /** False while the CPU is held in reset (secondary CPUs until started). */
  running = true;
  /** Set by slow paths, see SIG_*. */
  sig = 0;
  /** The CPU executed WAIT and sleeps until an interrupt. */
  waiting = false;
  trapHandler: TrapHandler | null = null;
  observer: CpuObserver | null = null;
  /** Access kind of the last address/TLB exception (ACC_*), for observers. */
  faultAccess = 0;
  /**
   * For syscall, break, COP0 instructions and cache: where execution continues after the
   * instruction (pc + 4, or the branch target when it sits in a delay slot). A trap handler
   * that emulates the instruction resumes there with setPC(cpu.resumePC).
   */
  resumePC = 0;
  /**
   * Set when the machine cannot go on meaningfully (an exception vector that is not in memory:
   * every exception would fault again at once). The run loop stops with this message.
   */
  fatal: string | null = null;
  /** Address of the last exception vector jumped to. */
  private lastVector = -1;
  /**
   * Instructions the current batch may still run, stored by the interpreter before every
   * slow-path call so that slow paths know the exact time (see now()).
   */
  left = 0;
  /** Size of the current batch. */
  batchN = 0;
  /**
   * Starts of an instruction at one RAM word after which the words from there on are compiled
   * into a block (jit.ts); 0 interprets everything. Results are identical either way.
   */
  jitThreshold = jitThresholdFromEnv();
  /** The compiled blocks, shared by the CPUs of one bus. */
  readonly blocks: BlockCache;
  /** Cycle at which Count next equals Compare. */
  private nextTimer = 0;
  /** Count or Compare changed during the batch. */
  private timerDirty = false;

  constructor(bus: Bus, opts: CpuOptions = {}) {
    this.bus = bus;
    this.blocks = blockCacheFor(bus.ram);
    const n = opts.tlbEntries ?? 64;
    this.id = opts.cpuNum ?? 0;
    this.node = opts.node ?? 0;
    this.tlb = new Tlb(n);
    this.cp0 = new Cp0(n, this.id);
    this.reset();
  }

  reset(): void {
    this.r.fill(0);
    this.hi = 0;
    this.lo = 0;
    this.cp0.reset(this.cycles);
    this.tlb.reset();
    this.tc.flush();
    this.llbit = 0;
    this.sig = 0;
    this.waiting = false;
    this.setPC((0xbfc00000) | 0);
    this.nextTimer = this.cycles + this.cp0.cyclesToCompare(this.cycles);
  }

  /** Continue execution at `pc` (not in a delay slot). */
  setPC(pc: number): void {
    this.pc = pc | 0;
    this.npc = (pc + 4) | 0;
    this.nds = 0;
  }

  /** Raise a hardware interrupt line: `ip` is 2..6 (Cause.IP2..IP6). */
  setIrq(ip: number, level: boolean): void {
    const bit = 1 << (8 + ip);
    if (level) this.cp0.cause |= bit; else this.cp0.cause &= ~bit;
    this.sig |= SIG_END;
  }

  /** True if an enabled interrupt is pending and interrupts are enabled (PRA 6.1.1). */
  interruptPending(): boolean {
    const s = this.cp0.status;
    if ((s & (ST_IE | ST_EXL | ST_ERL)) !== ST_IE) return false;
    return (this.cp0.cause & s & 0xff00) !== 0;
  }

  /**
   * Execute up to `budget` cycles, taking interrupts and timer events at batch boundaries.
   * Returns the number of cycles that elapsed (instructions, plus time skipped while waiting).
   * Stops early when a slow path sets SIG_END with `stop` returning true (e.g. a halt request),
   * or when the CPU waits with no interrupt that could ever wake it (returns with waiting set).
   */
  step(budget: number, stop: () => boolean): number {
    const start = this.cycles;
    const end = start + budget;
    while (this.cycles < end) {
      if (this.cycles >= this.nextTimer) {
        // Count = Compare: raise the timer interrupt on IP7 (IntCtl.IPTI = 7, PRA 9.13).
        this.cp0.cause |= CA_TI | CA_IP7;
        this.nextTimer = this.cycles + this.cp0.cyclesToCompare(this.cycles);
      }
      if (this.nds === 0 && this.interruptPending()) {
        this.waiting = false;
        this.raise(EXC_INT, this.pc, 0, false);
        this.sig = 0;
        this.npc = (this.pc + 4) | 0;
        this.nds = 0;
      }
      if (this.waiting) {
        // Sleep until the timer fires: skip the clock forward (deterministic, no host time).
        // With interrupts off or all masked, nothing can wake the CPU: return to the caller.
        const s = this.cp0.status;
        if ((s & ST_IE) === 0 || (s & (ST_EXL | ST_ERL)) !== 0 || (s & 0xff00) === 0) return this.cycles - start;
        this.cycles = Math.min(this.nextTimer, end);
        continue;
      }
      const n = Math.min(end - this.cycles, this.nextTimer - this.cycles, this.nds !== 0 ? 1 : 0x40000000);
      const done = this.run(n);
      this.cycles += done + this.stall;
      this.instret += done;
      this.stall = 0;
      if (this.timerDirty) {
        // Count or Compare was written: the next match moves.
        this.timerDirty = false;
        this.nextTimer = this.cycles + this.cp0.cyclesToCompare(this.cycles);
      }
      if (done < n && stop()) break;
    }
    return this.cycles - start;
  }

  /**
   * The current cycle, exact inside slow paths called from the interpreter: cycles at the start
   * of the batch plus the instructions run so far in it (the current one included).
   */
  now(): number {
    return this.cycles + (this.batchN - this.left) + this.stall;
  }

  /** Recompute the timer after Count/Compare were changed from outside the interpreter. */
  resyncTimer(): void {
    this.nextTimer = this.cycles + this.cp0.cyclesToCompare(this.cycles);
  }

  /**
   * The interpreter: execute at most n instructions from this.pc. Returns how many ran (the
   * instruction that ends a batch early is counted).
   */
  run(n: number): number {
    const r = this.r;
    const bus = this.bus;
    const ram8 = bus.ram8, ram16 = bus.ram16, ram32 = bus.ram32;
    const tc = this.tc;
    const rtag = tc.rtag, radd = tc.radd, wtag = tc.wtag, wadd = tc.wadd, xtag = tc.xtag, xadd = tc.xadd;
    let pc = this.pc | 0, npc = this.npc | 0, nds = this.nds | 0;
    let left = n;
    this.batchN = n;
    this.sig = 0;
    // Code window: the fetch translation of the current page, kept in locals.
    let cpage = TC_INVALID, cadd = 0;
    let w = 0, curpc = 0, ds = 0, va = 0, idx = 0, v = 0, t = 0, a = 0, b = 0;
    // Granule of the translation cache (a page, or a cache line in the timing mode) and the
    // tag masks that fold alignment into the compare: byte, halfword, word.
    const gs = tc.shift;
    const mB = -(1 << gs), mH = mB | 1, mW = mB | 3;
    let dacc = 0; // data accesses (loads and stores), for cache statistics

    // Compiled blocks (jit.ts): functional mode only, where a fetch has no side effects.
    const thr = this.mem === null && gs === 12 ? this.jitThreshold : 0;
    const bc = this.blocks;
    const btag = bc.tag, blen = bc.len, bfn = bc.fn, bhot = bc.hot, bhtag = bc.htag;
    // Blocks are looked up only at leaders: after a delay slot (branch targets and fall-through
    // alike), at a new code page (exception vectors included), after a block or a COP0 instruction.
    // Only kernel-segment code (pc >= 0x80000000) is compiled: user code under Linux takes a TLB
    // refill every hundred-odd instructions, and each new way out of a compiled block makes V8
    // throw the block's optimized code away; measured on the Linux user phase, compiling user code
    // cost 10.6 s of host CPU where the interpreter alone took 5.9 s (kernel code only: 6.4 s).
    let fo = 0, bi = 0, slow = 0, lead = 1;

    while (left > 0) {
      slow = 0;
      if ((pc & mW) !== cpage) {
        lead = 1;
        idx = (pc >>> gs) & TC_MASK;
        if (xtag[idx] === (pc & mW)) {
          cpage = xtag[idx];
          cadd = xadd[idx];
        } else {
          left--;
          this.left = left; w = this.fetchSlow(pc, nds);
          if (this.sig !== 0) {
            if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; nds = 0; cpage = TC_INVALID; continue; }
            this.sig = 0; n -= left; left = 0;
          }
          slow = 1;
        }
      }
      if (slow === 0) {
        fo = (pc + cadd) | 0;
        if (lead !== 0 && thr !== 0 && nds === 0 && pc < 0) {
          lead = 0;
          bi = (fo >>> 2) & JIT_MASK;
          if (btag[bi] === fo) {
            if (left >= blen[bi]) {
              t = bfn[bi](this, r, ram8, ram16, ram32, rtag, radd, wtag, wadd, pc, left);
              if (t >= 0) {
                left -= t;
                if (this.sig !== 0) {
                  // As in the interpreter: a trap continues the batch at the vector; any other
                  // signal ends the batch after the instruction that raised it.
                  if ((this.sig & SIG_TRAP) === 0) { n -= left; left = 0; }
                  this.sig = 0; cpage = TC_INVALID;
                }
                pc = this.pc; npc = (pc + 4) | 0; lead = 1;
                continue;
              }
              bc.drop(bi); // the words changed since the block was built
            }
          } else if (bhtag[bi] !== fo) {
            bhtag[bi] = fo; bhot[bi] = 1;
          } else if (++bhot[bi] >= thr) {
            bc.install(bi, fo, ram32);
            lead = 1;
            continue;
          }
        }
        left--;
        w = ram32[fo >> 2];
      }
      curpc = pc; ds = nds; lead = nds; nds = 0; pc = npc; npc = (npc + 4) | 0;
      r[0] = 0;

      switch (w >>> 26) {
        case 0x00: // SPECIAL
          switch (w & 63) {
            case 0x00: r[(w >>> 11) & 31] = r[(w >>> 16) & 31] << ((w >>> 6) & 31); break; // sll (nop, ssnop, ehb)
            case 0x01: this.left = left; this.raiseCpU(1, curpc, ds); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; // movf/movt: no FPU
            case 0x02: // srl / rotr
              t = (w >>> 21) & 31;
              v = r[(w >>> 16) & 31]; a = (w >>> 6) & 31;
              if (t === 0) r[(w >>> 11) & 31] = v >>> a;
              else if (t === 1) r[(w >>> 11) & 31] = (v >>> a) | (v << (32 - a));
              else { this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              break;
            case 0x03: r[(w >>> 11) & 31] = r[(w >>> 16) & 31] >> ((w >>> 6) & 31); break; // sra
            case 0x04: r[(w >>> 11) & 31] = r[(w >>> 16) & 31] << (r[(w >>> 21) & 31] & 31); break; // sllv
            case 0x06: // srlv / rotrv
              v = r[(w >>> 16) & 31]; a = r[(w >>> 21) & 31] & 31; t = (w >>> 6) & 31;
              if (t === 0) r[(w >>> 11) & 31] = v >>> a;
              else if (t === 1) r[(w >>> 11) & 31] = (v >>> a) | (v << (32 - a));
              else { this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              break;
            case 0x07: r[(w >>> 11) & 31] = r[(w >>> 16) & 31] >> (r[(w >>> 21) & 31] & 31); break; // srav
            case 0x08: npc = r[(w >>> 21) & 31]; nds = 1; break; // jr (jr.hb)
            case 0x09: // jalr: read rs before writing rd
              npc = r[(w >>> 21) & 31]; nds = 1;
              r[(w >>> 11) & 31] = (curpc + 8) | 0;
              break;
            case 0x0a: if (r[(w >>> 16) & 31] === 0) r[(w >>> 11) & 31] = r[(w >>> 21) & 31]; break; // movz
            case 0x0b: if (r[(w >>> 16) & 31] !== 0) r[(w >>> 11) & 31] = r[(w >>> 21) & 31]; break; // movn
            case 0x0c: this.left = left; this.resumePC = pc; this.raise(EXC_SYS, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; // syscall
            case 0x0d: this.left = left; this.resumePC = pc; this.raise(EXC_BP, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; // break
            case 0x0f: break; // sync: one CPU in program order
            case 0x10: r[(w >>> 11) & 31] = this.hi; break; // mfhi
            case 0x11: this.hi = r[(w >>> 21) & 31]; break; // mthi
            case 0x12: r[(w >>> 11) & 31] = this.lo; break; // mflo
            case 0x13: this.lo = r[(w >>> 21) & 31]; break; // mtlo
            case 0x18: // mult
              a = r[(w >>> 21) & 31]; b = r[(w >>> 16) & 31];
              this.lo = Math.imul(a, b);
              this.hi = mulhs(a, b);
              break;
            case 0x19: // multu
              a = r[(w >>> 21) & 31]; b = r[(w >>> 16) & 31];
              this.lo = Math.imul(a, b);
              this.hi = mulhu(a, b);
              break;
            case 0x1a: // div: quotient truncates toward zero, remainder takes the dividend's sign
              a = r[(w >>> 21) & 31]; b = r[(w >>> 16) & 31];
              if (b !== 0) { this.lo = (a / b) | 0; this.hi = (a % b) | 0; }
              else { this.lo = a < 0 ? 1 : -1; this.hi = a; } // UNPREDICTABLE; documented choice
              break;
            case 0x1b: // divu
              a = r[(w >>> 21) & 31] >>> 0; b = r[(w >>> 16) & 31] >>> 0;
              if (b !== 0) { this.lo = (a / b) | 0; this.hi = (a % b) | 0; }
              else { this.lo = -1; this.hi = a | 0; }
              break;
            case 0x20: // add: trap on signed overflow (Ov)
              a = r[(w >>> 21) & 31]; b = r[(w >>> 16) & 31]; v = (a + b) | 0;
              if (((a ^ v) & (b ^ v)) < 0) { this.left = left; this.raise(EXC_OV, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              r[(w >>> 11) & 31] = v;
              break;
            case 0x21: r[(w >>> 11) & 31] = (r[(w >>> 21) & 31] + r[(w >>> 16) & 31]) | 0; break; // addu
            case 0x22: // sub
              a = r[(w >>> 21) & 31]; b = r[(w >>> 16) & 31]; v = (a - b) | 0;
              if (((a ^ b) & (a ^ v)) < 0) { this.left = left; this.raise(EXC_OV, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              r[(w >>> 11) & 31] = v;
              break;
            case 0x23: r[(w >>> 11) & 31] = (r[(w >>> 21) & 31] - r[(w >>> 16) & 31]) | 0; break; // subu
            case 0x24: r[(w >>> 11) & 31] = r[(w >>> 21) & 31] & r[(w >>> 16) & 31]; break; // and
            case 0x25: r[(w >>> 11) & 31] = r[(w >>> 21) & 31] | r[(w >>> 16) & 31]; break; // or
            case 0x26: r[(w >>> 11) & 31] = r[(w >>> 21) & 31] ^ r[(w >>> 16) & 31]; break; // xor
            case 0x27: r[(w >>> 11) & 31] = ~(r[(w >>> 21) & 31] | r[(w >>> 16) & 31]); break; // nor
            case 0x2a: r[(w >>> 11) & 31] = r[(w >>> 21) & 31] < r[(w >>> 16) & 31] ? 1 : 0; break; // slt
            case 0x2b: r[(w >>> 11) & 31] = (r[(w >>> 21) & 31] >>> 0) < (r[(w >>> 16) & 31] >>> 0) ? 1 : 0; break; // sltu
            case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x36: { // tge tgeu tlt tltu teq tne
              a = r[(w >>> 21) & 31]; b = r[(w >>> 16) & 31];
              if (trapCond(w & 7, a, b)) { this.left = left; this.raise(EXC_TR, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              break;
            }
            default:
              this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
          }
          break;

        case 0x01: // REGIMM
          a = r[(w >>> 21) & 31];
          switch ((w >>> 16) & 31) {
            case 0x00: if (a < 0) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // bltz
            case 0x01: if (a >= 0) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // bgez
            case 0x02: if (a < 0) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // bltzl
            case 0x03: if (a >= 0) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // bgezl
            case 0x10: r[31] = (curpc + 8) | 0; if (a < 0) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // bltzal
            case 0x11: r[31] = (curpc + 8) | 0; if (a >= 0) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // bgezal (bal)
            case 0x12: r[31] = (curpc + 8) | 0; if (a < 0) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // bltzall
            case 0x13: r[31] = (curpc + 8) | 0; if (a >= 0) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // bgezall
            case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0e: // tgei tgeiu tlti tltiu teqi tnei
              if (trapCond((w >>> 16) & 7, a, (w << 16) >> 16)) { this.left = left; this.raise(EXC_TR, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              break;
            case 0x1f: // synci: no caches to sync (fetch always sees memory), but the address is
              // translated and may fault like a load (Vol. II SYNCI)
              this.left = left; this.translate((r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0, ACC_LOAD, curpc, ds);
              if (this.sig !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              break;
            default:
              this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
          }
          break;

        case 0x02: npc = (pc & 0xf0000000) | ((w & 0x3ffffff) << 2); nds = 1; break; // j
        case 0x03: r[31] = (curpc + 8) | 0; npc = (pc & 0xf0000000) | ((w & 0x3ffffff) << 2); nds = 1; break; // jal
        case 0x04: if (r[(w >>> 21) & 31] === r[(w >>> 16) & 31]) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // beq
        case 0x05: if (r[(w >>> 21) & 31] !== r[(w >>> 16) & 31]) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // bne
        case 0x06: if (r[(w >>> 21) & 31] <= 0) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // blez
        case 0x07: if (r[(w >>> 21) & 31] > 0) npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; break; // bgtz
        case 0x08: // addi: trap on signed overflow
          a = r[(w >>> 21) & 31]; b = (w << 16) >> 16; v = (a + b) | 0;
          if (((a ^ v) & (b ^ v)) < 0) { this.left = left; this.raise(EXC_OV, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
          r[(w >>> 16) & 31] = v;
          break;
        case 0x09: r[(w >>> 16) & 31] = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; break; // addiu
        case 0x0a: r[(w >>> 16) & 31] = r[(w >>> 21) & 31] < ((w << 16) >> 16) ? 1 : 0; break; // slti
        case 0x0b: r[(w >>> 16) & 31] = (r[(w >>> 21) & 31] >>> 0) < ((((w << 16) >> 16)) >>> 0) ? 1 : 0; break; // sltiu
        case 0x0c: r[(w >>> 16) & 31] = r[(w >>> 21) & 31] & (w & 0xffff); break; // andi
        case 0x0d: r[(w >>> 16) & 31] = r[(w >>> 21) & 31] | (w & 0xffff); break; // ori
        case 0x0e: r[(w >>> 16) & 31] = r[(w >>> 21) & 31] ^ (w & 0xffff); break; // xori
        case 0x0f: r[(w >>> 16) & 31] = w << 16; break; // lui

        case 0x10: // COP0: privileged, rare; handled out of line
          this.left = left; this.resumePC = pc; this.cop0(w, curpc, ds); lead = 1;
          if (this.sig !== 0) {
            // eret both redirects pc and ends the batch (it may enable interrupts).
            if ((this.sig & SIG_END) !== 0) { n -= left; left = 0; }
            if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; nds = 0; cpage = TC_INVALID; continue; }
            this.sig = 0;
          }
          break;
        case 0x11: case 0x13: // COP1, COP1X: no FPU (Config1.FP = 0)
          this.left = left; this.raiseCpU(1, curpc, ds); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
        case 0x12: // COP2: not implemented
          this.left = left; this.raiseCpU(2, curpc, ds); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;

        case 0x14: if (r[(w >>> 21) & 31] === r[(w >>> 16) & 31]) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // beql
        case 0x15: if (r[(w >>> 21) & 31] !== r[(w >>> 16) & 31]) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // bnel
        case 0x16: if (r[(w >>> 21) & 31] <= 0) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // blezl
        case 0x17: if (r[(w >>> 21) & 31] > 0) { npc = (pc + ((w << 16) >> 14)) | 0; nds = 1; } else { pc = npc; npc = (npc + 4) | 0; } break; // bgtzl

        case 0x1c: // SPECIAL2
          switch (w & 63) {
            case 0x00: case 0x01: case 0x04: case 0x05: // madd maddu msub msubu: (HI,LO) +/-= rs*rt
              this.mulAcc(w & 63, r[(w >>> 21) & 31], r[(w >>> 16) & 31]);
              break;
            case 0x02: r[(w >>> 11) & 31] = Math.imul(r[(w >>> 21) & 31], r[(w >>> 16) & 31]); break; // mul
            case 0x20: r[(w >>> 11) & 31] = Math.clz32(r[(w >>> 21) & 31]); break; // clz
            case 0x21: r[(w >>> 11) & 31] = Math.clz32(~r[(w >>> 21) & 31]); break; // clo
            default:
              this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
          }
          break;

        case 0x1f: // SPECIAL3
          switch (w & 63) {
            case 0x00: { // ext rt, rs, pos, size: size = msbd+1, pos+size <= 32
              a = (w >>> 6) & 31; b = ((w >>> 11) & 31) + 1;
              if (a + b > 32) { this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              r[(w >>> 16) & 31] = (r[(w >>> 21) & 31] << (32 - a - b)) >>> (32 - b);
              break;
            }
            case 0x04: { // ins rt, rs, pos, size: lsb..msb
              a = (w >>> 6) & 31; b = (w >>> 11) & 31;
              if (b < a) { this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              t = b - a + 1;
              v = ((t === 32 ? -1 : (1 << t) - 1) << a);
              r[(w >>> 16) & 31] = (r[(w >>> 16) & 31] & ~v) | ((r[(w >>> 21) & 31] << a) & v);
              break;
            }
            case 0x20: // BSHFL
              v = r[(w >>> 16) & 31];
              switch ((w >>> 6) & 31) {
                case 0x02: r[(w >>> 11) & 31] = ((v & 0x00ff00ff) << 8) | ((v >>> 8) & 0x00ff00ff); break; // wsbh
                case 0x10: r[(w >>> 11) & 31] = (v << 24) >> 24; break; // seb
                case 0x18: r[(w >>> 11) & 31] = (v << 16) >> 16; break; // seh
                default: this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
              }
              break;
            case 0x3b: // rdhwr
              this.left = left; v = this.rdhwr((w >>> 11) & 31, curpc, ds);
              if (this.sig !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
              r[(w >>> 16) & 31] = v;
              break;
            default:
              this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
          }
          break;

        // Loads: fast path = tag hit (alignment folded into the compare), else slow path.
        case 0x20: // lb
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (rtag[idx] === (va & mB)) v = ram8[(va + radd[idx]) | 0];
          else { this.left = left; v = this.loadSlow(va, 1, curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          r[(w >>> 16) & 31] = (v << 24) >> 24;
          break;
        case 0x24: // lbu
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (rtag[idx] === (va & mB)) v = ram8[(va + radd[idx]) | 0];
          else { this.left = left; v = this.loadSlow(va, 1, curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          r[(w >>> 16) & 31] = v;
          break;
        case 0x21: // lh
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (rtag[idx] === (va & mH)) v = ram16[((va + radd[idx]) | 0) >> 1];
          else { this.left = left; v = this.loadSlow(va, 2, curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          r[(w >>> 16) & 31] = (v << 16) >> 16;
          break;
        case 0x25: // lhu
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (rtag[idx] === (va & mH)) v = ram16[((va + radd[idx]) | 0) >> 1];
          else { this.left = left; v = this.loadSlow(va, 2, curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          r[(w >>> 16) & 31] = v;
          break;
        case 0x23: // lw
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (rtag[idx] === (va & mW)) v = ram32[((va + radd[idx]) | 0) >> 2];
          else { this.left = left; v = this.loadSlow(va, 4, curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          r[(w >>> 16) & 31] = v;
          break;
        case 0x22: // lwl: merge the word's high-order bytes (little-endian, Vol. II LWL)
        case 0x26: // lwr
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0;
          this.left = left; v = this.loadAlignedWord(va, curpc, ds);
          if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; }
          t = (w >>> 16) & 31;
          if ((w >>> 26) === 0x22) { a = (3 - (va & 3)) << 3; r[t] = (v << a) | (r[t] & ((1 << a) - 1)); }
          else { a = (va & 3) << 3; r[t] = (v >>> a) | (r[t] & ~(-1 >>> a)); }
          break;
        case 0x30: // ll
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0;
          this.left = left; v = this.loadLinked(va, curpc, ds);
          if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; }
          r[(w >>> 16) & 31] = v;
          break;

        // Stores.
        case 0x28: // sb
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (wtag[idx] === (va & mB)) ram8[(va + wadd[idx]) | 0] = r[(w >>> 16) & 31];
          else { this.left = left; this.storeSlow(va, 1, r[(w >>> 16) & 31], curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          break;
        case 0x29: // sh
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (wtag[idx] === (va & mH)) ram16[((va + wadd[idx]) | 0) >> 1] = r[(w >>> 16) & 31];
          else { this.left = left; this.storeSlow(va, 2, r[(w >>> 16) & 31], curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          break;
        case 0x2b: // sw
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0; idx = (va >>> gs) & TC_MASK;
          if (wtag[idx] === (va & mW)) ram32[((va + wadd[idx]) | 0) >> 2] = r[(w >>> 16) & 31];
          else { this.left = left; this.storeSlow(va, 4, r[(w >>> 16) & 31], curpc, ds); if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; } }
          break;
        case 0x2a: // swl
        case 0x2e: // swr
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0;
          this.left = left; this.storePartial(w >>> 26, va, r[(w >>> 16) & 31], curpc, ds);
          if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; }
          break;
        case 0x38: // sc: store only while the link holds; rt = success (PRA: LLbit)
          dacc++; va = (r[(w >>> 21) & 31] + ((w << 16) >> 16)) | 0;
          t = (w >>> 16) & 31;
          if (this.llbit !== 0) {
            this.left = left; this.storeSlow(va, 4, r[t], curpc, ds);
            if (this.sig !== 0) { if ((this.sig & SIG_TRAP) !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; } this.sig = 0; n -= left; left = 0; }
            this.llbit = 0;
            r[t] = 1;
          } else {
            // A failing sc still checks alignment and translation (it is a store).
            this.left = left; this.checkStore(va, curpc, ds);
            if (this.sig !== 0) { this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
            r[t] = 0;
          }
          break;

        case 0x2f: // cache: no cache model in the functional mode; privileged (PRA 5.4)
          if (this.cp0.mode() !== 0 && (this.cp0.status & ST_CU0) === 0) { this.left = left; this.resumePC = pc; this.raiseCpU(0, curpc, ds); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue; }
          break;
        case 0x33: break; // pref: a hint
        case 0x31: case 0x35: case 0x39: case 0x3d: // lwc1 ldc1 swc1 sdc1: no FPU
          this.left = left; this.raiseCpU(1, curpc, ds); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
        case 0x32: case 0x36: case 0x3a: case 0x3e: // lwc2 ldc2 swc2 sdc2
          this.left = left; this.raiseCpU(2, curpc, ds); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
        default:
          this.left = left; this.raise(EXC_RI, curpc, ds, false); this.sig = 0; pc = this.pc; npc = (pc + 4) | 0; cpage = TC_INVALID; continue;
      }
    }
    this.pc = pc;
    this.npc = npc;
    this.nds = nds;
    r[0] = 0;
    this.left = 0;
    this.batchN = 0;
    this.dataAccesses += dacc;
    return n - left;
  }

  // ---------------------------------------------------------------------------------------
  // Slow paths. Each either completes the access or raises an exception (this.sig |= SIG_TRAP).

  /**
   * Translate `va` as the CPU would in mode `mode` (0 kernel, 1 supervisor, 2 user) with the
   * current ASID, without side effects: no exception, no statistics, no cache fill. Returns
   * the physical address, or -1 when the access would fault. For monitors and debuggers.
   */
  peekTranslate(va: number, mode: number, write = false): number {
    const u = va >>> 0;
    if (u >= 0x80000000 && u < 0xc0000000) return mode === 0 ? u & 0x1fffffff : -1;
    if (u >= 0xc0000000 && mode === 2) return -1;
    if (u >= 0xe0000000 && mode !== 0) return -1;
    if (u < 0x80000000 && (this.cp0.status & ST_ERL) !== 0) return u;
    const i = this.tlb.lookup(va, this.cp0.entryHi & 0xff);
    if (i === TLB_MISS) return -1;
    const pageBytes = this.tlb.pageBytes(i);
    const lo = (va & pageBytes) !== 0 ? this.tlb.lo1[i] : this.tlb.lo0[i];
    if ((lo & 2) === 0 || (write && (lo & 4) === 0)) return -1;
    const base = ((lo >>> 6) & 0xffffff) * 4096;
    return base - (base % pageBytes) + (va & (pageBytes - 1));
  }

  /** Translate `va` for an access of kind `acc`; returns the physical address or -1 (trapped). */
  translate(va: number, acc: number, pc: number, ds: number): number {
    const cp0 = this.cp0;
    const st = cp0.status;
    const mode = (st & (ST_EXL | ST_ERL)) !== 0 ? 0 : (st >>> 3) & 3;
    const u = va >>> 0;
    let mapped = false;
    let uncached = false;
    let pa = 0;
    if (u < 0x80000000) {
      // kuseg: mapped, except unmapped and uncached while ERL = 1 (PRA 4.5.2).
      if ((st & ST_ERL) !== 0) { pa = u; uncached = true; } else mapped = true;
    } else if (u < 0xc0000000) {
      // kseg0 / kseg1: kernel only, unmapped (PRA 4.5).
      if (mode !== 0) return this.addressError(va, acc, pc, ds);
      pa = u & 0x1fffffff;
      uncached = u >= 0xa0000000;
    } else if (u < 0xe0000000) {
      // ksseg (sseg): kernel and supervisor, mapped.
      if (mode === 2 || mode === 3) return this.addressError(va, acc, pc, ds);
      mapped = true;
    } else {
      // kseg3: kernel only, mapped.
      if (mode !== 0) return this.addressError(va, acc, pc, ds);
      mapped = true;
    }
    if (mapped) {
      const tlb = this.tlb;
      const i = tlb.lookup(va, cp0.entryHi & 0xff);
      if (i === TLB_MISS) {
        this.tlbRefills++;
        this.raiseTlb(acc === ACC_STORE ? EXC_TLBS : EXC_TLBL, va, true, pc, ds, acc);
        return -1;
      }
      const pageBytes = tlb.pageBytes(i);
      const lo = (va & pageBytes) !== 0 ? tlb.lo1[i] : tlb.lo0[i];
      if ((lo & 2) === 0) { // V clear: TLB invalid
        this.raiseTlb(acc === ACC_STORE ? EXC_TLBS : EXC_TLBL, va, false, pc, ds, acc);
        return -1;
      }
      if (acc === ACC_STORE && (lo & 4) === 0) { // D clear: TLB modified
        this.raiseTlb(EXC_MOD, va, false, pc, ds, acc);
        return -1;
      }
      uncached = ((lo >>> 3) & 7) === 2;
      const base = ((lo >>> 6) & 0xffffff) * 4096;
      pa = base - (base % pageBytes) + (va & (pageBytes - 1));
    }
    // Only RAM enters the translation cache: MMIO must always reach the slow path. Store
    // translations stay out while another CPU holds an LL/SC link on the page.
    const off = this.bus.ramOffset(pa);
    if (off >= 0) {
      const fill = acc !== ACC_STORE || this.peers.length === 1 || !this.peerLinkedPage(pa);
      if (this.mem !== null) {
        // Timing mode: the cache hierarchy decides the cost and fills the line-sized entry.
        // kseg1 and TLB pages with C = 2 are uncached; kseg0 is always cached (K0 not modelled).
        this.stall += this.mem.access(this.id, off, va, acc, !uncached, fill);
      } else if (fill) {
        if (acc === ACC_LOAD) this.tc.fillRead(va, off);
        else if (acc === ACC_STORE) this.tc.fillWrite(va, off);
        else this.tc.fillFetch(va, off);
      }
    }
    return pa;
  }

  private addressError(va: number, acc: number, pc: number, ds: number): number {
    this.cp0.badVAddr = va | 0;
    this.faultAccess = acc;
    this.raise(acc === ACC_STORE ? EXC_ADES : EXC_ADEL, pc, ds, false);
    return -1;
  }

  fetchSlow(pc: number, ds: number): number {
    // The faulting "instruction" is the one at pc itself (EPC = pc, or the branch if in a slot).
    if ((pc & 3) !== 0) { this.addressError(pc, ACC_FETCH, pc, ds); return 0; }
    const pa = this.translate(pc, ACC_FETCH, pc, ds);
    if (pa < 0) return 0;
    const v = this.bus.read(pa, 4);
    if (v !== v) {
      if (pc === this.lastVector) {
        this.fatal = `exception vector 0x${(pc >>> 0).toString(16).padStart(8, '0')} is not in memory (ExcCode ${this.cp0.cause >>> 2 & 31}, EPC 0x${(this.cp0.epc >>> 0).toString(16).padStart(8, '0')}, BadVAddr 0x${(this.cp0.badVAddr >>> 0).toString(16).padStart(8, '0')})`;
        this.sig |= SIG_END;
        return 0;
      }
      this.raise(EXC_IBE, pc, ds, false);
      return 0;
    }
    return v | 0;
  }

  /** Load `size` bytes at `va`; returns the zero-extended value (int32 for words). */
  loadSlow(va: number, size: 1 | 2 | 4, pc: number, ds: number): number {
    if ((va & (size - 1)) !== 0) { this.addressError(va, ACC_LOAD, pc, ds); return 0; }
    const pa = this.translate(va, ACC_LOAD, pc, ds);
    if (pa < 0) return 0;
    const v = this.bus.read(pa, size);
    if (v !== v) { this.raise(EXC_DBE, pc, ds, false); return 0; }
    return size === 4 ? v | 0 : v;
  }

  /** lwl/lwr: the aligned word containing `va`; faults report `va` itself. */
  private loadAlignedWord(va: number, pc: number, ds: number): number {
    let pa = this.translate(va, ACC_LOAD, pc, ds);
    if (pa < 0) return 0;
    pa -= pa % 4;
    const v = this.bus.read(pa, 4);
    if (v !== v) { this.raise(EXC_DBE, pc, ds, false); return 0; }
    return v | 0;
  }

  storeSlow(va: number, size: 1 | 2 | 4, value: number, pc: number, ds: number): void {
    if ((va & (size - 1)) !== 0) { this.addressError(va, ACC_STORE, pc, ds); return; }
    const pa = this.translate(va, ACC_STORE, pc, ds);
    if (pa < 0) return;
    if (!this.bus.write(pa, size, value)) { this.raise(EXC_DBE, pc, ds, false); return; }
    if (this.peers.length > 1) this.breakLinks(pa);
  }

  /**
   * ll (Vol. II LL): load and set the link on the physical line. With several CPUs, the other
   * CPUs' fast-path store translations to this page are dropped (and not refilled while the
   * link holds) so that every store they make to it reaches breakLinks.
   */
  private loadLinked(va: number, pc: number, ds: number): number {
    if ((va & 3) !== 0) { this.addressError(va, ACC_LOAD, pc, ds); return 0; }
    const pa = this.translate(va, ACC_LOAD, pc, ds);
    if (pa < 0) return 0;
    const v = this.bus.read(pa, 4);
    if (v !== v) { this.raise(EXC_DBE, pc, ds, false); return 0; }
    this.llbit = 1;
    this.linkLine = Math.floor(pa / LINK_BYTES);
    this.cp0.llAddr = Math.floor(pa / 16) | 0; // LLAddr holds PA bits 35:4 (PRA 9.26)
    if (this.peers.length > 1) {
      const off = this.bus.ramOffset(pa);
      if (off >= 0) for (const p of this.peers) if (p !== this) p.tc.dropWritesToRamPage(off);
    }
    return v | 0;
  }

  /**
   * Whoever manages physical memory moved the 4 KiB page at physical `pa` (a monitor remapping
   * a guest page: copy-on-write, merging, migration): a link into it names memory the guest no
   * longer reaches there, so it breaks and the next sc fails. On real hardware the shootdown's
   * interrupt and eret would clear LLbit (MIPS32 PRA: eret clears LLbit); left set, two CPUs
   * linked to the old page could both succeed with sc on the new one.
   */
  breakLinkInPage(pa: number): void {
    if (this.llbit !== 0 && Math.floor((this.linkLine * LINK_BYTES) / 4096) === Math.floor(pa / 4096)) this.llbit = 0;
  }

  /** A store reached physical `pa`: other CPUs' links on that line break (their sc fails). */
  private breakLinks(pa: number): void {
    const line = Math.floor(pa / LINK_BYTES);
    for (const p of this.peers) if (p !== this && p.llbit !== 0 && p.linkLine === line) p.llbit = 0;
  }

  /** True if another CPU holds a link inside the physical page of `pa`. */
  private peerLinkedPage(pa: number): boolean {
    const page = Math.floor(pa / 4096);
    for (const p of this.peers) {
      if (p !== this && p.llbit !== 0 && Math.floor(p.linkLine * LINK_BYTES / 4096) === page) return true;
    }
    return false;
  }

  /** The address checks of a store without the store (failing sc). */
  private checkStore(va: number, pc: number, ds: number): void {
    if ((va & 3) !== 0) { this.addressError(va, ACC_STORE, pc, ds); return; }
    this.translate(va, ACC_STORE, pc, ds);
  }

  /** swl/swr: read-modify-write of the aligned word (little-endian, Vol. II SWL/SWR). */
  private storePartial(op: number, va: number, rt: number, pc: number, ds: number): void {
    // Translate the effective address itself (a fault reports it in BadVAddr), then work on the
    // aligned word of the same page.
    let pa = this.translate(va, ACC_STORE, pc, ds);
    if (pa < 0) return;
    pa -= pa % 4;
    const old = this.bus.read(pa, 4);
    if (old !== old) { this.raise(EXC_DBE, pc, ds, false); return; }
    let nv: number;
    if (op === 0x2a) { const s = (3 - (va & 3)) << 3; nv = (rt >>> s) | (old & ~(-1 >>> s)); }
    else { const s = (va & 3) << 3; nv = (rt << s) | (old & ((1 << s) - 1)); }
    this.bus.write(pa, 4, nv | 0);
    if (this.peers.length > 1) this.breakLinks(pa);
  }

  /** madd/maddu/msub/msubu: 64-bit accumulate into HI:LO. */
  private mulAcc(funct: number, a: number, b: number): void {
    const signed = funct === 0x00 || funct === 0x04;
    let plo = Math.imul(a, b) >>> 0;
    let phi = (signed ? mulhs(a, b) : mulhu(a, b)) >>> 0;
    if (funct >= 0x04) { // negate the product (two's complement over 64 bits)
      plo = (~plo + 1) >>> 0;
      phi = (~phi + (plo === 0 ? 1 : 0)) >>> 0;
    }
    const lo = (this.lo >>> 0) + plo;
    const carry = lo >= 0x100000000 ? 1 : 0;
    this.lo = lo | 0;
    this.hi = ((this.hi >>> 0) + phi + carry) | 0;
  }

  /** rdhwr (Vol. II RDHWR, PRA 9.8 HWREna): allowed in kernel mode or when enabled. */
  private rdhwr(rd: number, pc: number, ds: number): number {
    const cp0 = this.cp0;
    const implemented = rd <= 3 || rd === 29;
    if (!implemented || (cp0.mode() !== 0 && (cp0.hwrEna & (1 << rd)) === 0)) {
      this.raise(EXC_RI, pc, ds, false);
      return 0;
    }
    switch (rd) {
      case 0: return cp0.ebase & 0x3ff; // CPUNum
      case 1: return 32; // SYNCI_Step: bytes between synci (cache line size)
      case 2: return cp0.countAt(this.now()); // CC
      case 3: return 1 << cp0.countShift; // CCRes
      default: return cp0.userLocal; // UserLocal
    }
  }

  /** COP0 instructions (PRA 9, Vol. II MFC0, MTC0, TLBP/R/WI/WR, ERET, WAIT, DI, EI). */
  private cop0(w: number, pc: number, ds: number): void {
    const cp0 = this.cp0;
    if (cp0.mode() !== 0 && (cp0.status & ST_CU0) === 0) { this.raiseCpU(0, pc, ds); return; }
    const rs = (w >>> 21) & 31;
    const now = this.now();
    if (rs === 0x00) { // mfc0
      if ((w & 0x7f8) !== 0) { this.raise(EXC_RI, pc, ds, false); return; }
      const rt = (w >>> 16) & 31;
      const v = cp0.read((w >>> 11) & 31, w & 7, now);
      if (rt !== 0) this.r[rt] = v;
      return;
    }
    if (rs === 0x04) { // mtc0
      if ((w & 0x7f8) !== 0) { this.raise(EXC_RI, pc, ds, false); return; }
      const f = cp0.write((w >>> 11) & 31, w & 7, this.r[(w >>> 16) & 31], now);
      if ((f & W_FLUSH) !== 0) this.tc.flush();
      else if ((f & W_DROP_KERNEL) !== 0) this.tc.dropKernel();
      if ((f & W_TIMER) !== 0) this.timerDirty = true;
      if ((f & (W_FLUSH | W_DROP_KERNEL | W_RESYNC)) !== 0) this.sig |= SIG_END;
      return;
    }
    if (rs === 0x0b) { // MFMC0: di / ei (Vol. II DI, EI); rt receives the old Status
      const sc = (w >>> 5) & 1;
      if ((w & 0xffdf) !== 0x6000) { this.raise(EXC_RI, pc, ds, false); return; }
      const rt = (w >>> 16) & 31;
      if (rt !== 0) this.r[rt] = cp0.status;
      cp0.status = sc ? (cp0.status | ST_IE) : (cp0.status & ~ST_IE);
      this.sig |= SIG_END;
      return;
    }
    if (rs === 0x0a || rs === 0x0e) { // rdpgpr / wrpgpr: one shadow set, so a plain move
      const rt = (w >>> 16) & 31, rd = (w >>> 11) & 31;
      if (rs === 0x0a) { if (rd !== 0) this.r[rd] = this.r[rt]; }
      else if (rd !== 0) this.r[rd] = this.r[rt];
      return;
    }
    if (rs >= 0x10) { // CO = 1
      switch (w & 63) {
        case 0x01: this.tlbr(); return;
        case 0x02: this.tlbwrite(cp0.index & 0x3f, pc, ds); return; // tlbwi
        case 0x06: this.tlbwrite(cp0.randomAt(now), pc, ds); return; // tlbwr
        case 0x08: this.tlbp(); return;
        case 0x18: this.eret(); return;
        case 0x20: this.waiting = true; this.sig |= SIG_END; return; // wait
        default: break;
      }
    }
    this.raise(EXC_RI, pc, ds, false);
  }

  private tlbr(): void {
    const cp0 = this.cp0, tlb = this.tlb;
    const i = (cp0.index & 0x3f) % tlb.size;
    const oldAsid = cp0.entryHi & 0xff;
    cp0.entryHi = tlb.hi[i] | tlb.asid[i];
    cp0.pageMask = tlb.mask[i];
    cp0.entryLo0 = tlb.lo0[i] | tlb.global[i];
    cp0.entryLo1 = tlb.lo1[i] | tlb.global[i];
    // tlbr can change EntryHi.ASID: cached translations belong to the old ASID.
    if (oldAsid !== (cp0.entryHi & 0xff)) { this.tc.flush(); this.sig |= SIG_END; }
  }

  private tlbwrite(i: number, pc: number, ds: number): void {
    const cp0 = this.cp0, tlb = this.tlb;
    i %= tlb.size;
    const g = (cp0.entryLo0 & cp0.entryLo1 & 1) !== 0;
    // Writing an entry that would match the same address as another is a machine check
    // (PRA 4.7, Status.TS); the entry is not written. Our reset contents never collide.
    if (tlb.findOverlap(cp0.entryHi, cp0.pageMask, g, i) !== TLB_MISS) {
      cp0.status |= ST_TS;
      this.raise(EXC_MCHECK, pc, ds, false);
      return;
    }
    const old = tlb.span(i);
    this.tc.flushRange(old.va, old.bytes);
    tlb.write(i, cp0.entryHi, cp0.pageMask, cp0.entryLo0, cp0.entryLo1);
    this.sig |= SIG_END; // the loop's code window may hold the old translation
  }

  private tlbp(): void {
    const cp0 = this.cp0;
    const tlb = this.tlb;
    const i = tlb.lookup(cp0.entryHi, cp0.entryHi & 0xff);
    cp0.index = i === TLB_MISS ? (0x80000000 | 0) : i;
  }

  /** eret (Vol. II ERET): return from ERL or EXL, clear LLbit, no delay slot. */
  private eret(): void {
    const cp0 = this.cp0;
    const wasERL = (cp0.status & ST_ERL) !== 0;
    if (wasERL) {
      this.pc = cp0.errorEpc;
      cp0.status &= ~ST_ERL;
    } else {
      this.pc = cp0.epc;
      cp0.status &= ~ST_EXL;
    }
    this.llbit = 0;
    if (this.observer !== null) this.observer.onEret(this, this.pc);
    // Clearing ERL changes what kuseg means: flush all. Returning to supervisor or user mode
    // removes just the kernel-segment translations; back to kernel mode keeps everything.
    if (wasERL) this.tc.flush();
    else if (cp0.mode() !== 0) this.tc.dropKernel();
    this.sig |= SIG_TRAP | SIG_END;
  }

  // ---------------------------------------------------------------------------------------
  // Exceptions (PRA 6.2).

  raiseCpU(unit: number, pc: number, ds: number): void {
    this.cp0.cause = (this.cp0.cause & ~(3 << 28)) | (unit << 28);
    this.raise(EXC_CPU, pc, ds, false);
  }

  private raiseTlb(code: number, va: number, refill: boolean, pc: number, ds: number, acc: number): void {
    const cp0 = this.cp0;
    this.faultAccess = acc;
    cp0.badVAddr = va | 0;
    cp0.context = (cp0.context & 0xff800000) | ((va >>> 9) & 0x007ffff0);
    cp0.entryHi = (va & 0xffffe000) | (cp0.entryHi & 0xff);
    this.raise(code, pc, ds, refill);
  }

  /**
   * Take exception `code` for the instruction at `pc` (`ds`: it sits in a delay slot).
   * Sets EPC/Cause.BD unless EXL was already set, EXL, ExcCode, and jumps to the vector:
   * refill at offset 0x000 only when EXL was clear, interrupts at 0x200 when Cause.IV,
   * everything else at 0x180; base 0xBFC00200 while BEV, else EBase.
   */
  raise(code: number, pc: number, ds: number, refill: boolean): void {
    this.excCount[code]++;
    if (this.mem !== null) this.stall += this.mem.cfg.exceptionCycles;
    if (this.observer !== null) this.observer.onException(this, code, pc, ds !== 0, refill);
    if (this.trapHandler !== null && this.trapHandler.onException(this, code, pc, ds !== 0, refill)) {
      this.sig |= SIG_TRAP;
      return;
    }
    const cp0 = this.cp0;
    const st = cp0.status;
    let offset = 0x180;
    if ((st & ST_EXL) === 0) {
      if (ds !== 0) { cp0.epc = (pc - 4) | 0; cp0.cause |= CA_BD; }
      else { cp0.epc = pc | 0; cp0.cause &= ~CA_BD; }
      if (refill) offset = 0;
    }
    if (code === EXC_INT && (cp0.cause & CA_IV) !== 0) offset = 0x200;
    cp0.cause = (cp0.cause & ~0x7c) | (code << 2);
    cp0.status = st | ST_EXL;
    const base = (st & ST_BEV) !== 0 ? (0xbfc00200 | 0) : (cp0.ebase & 0xfffff000);
    this.pc = (base + offset) | 0;
    this.lastVector = this.pc;
    this.sig |= SIG_TRAP;
  }
}

/** High 32 bits of the unsigned 64-bit product (16-bit limbs keep every step exact in a double). */
export function mulhu(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lolo = a0 * b0, lohi = a0 * b1, hilo = a1 * b0, hihi = a1 * b1;
  const mid = (lolo >>> 16) + (lohi & 0xffff) + (hilo & 0xffff);
  return (hihi + (lohi >>> 16) + (hilo >>> 16) + (mid >>> 16)) | 0;
}

/** High 32 bits of the signed 64-bit product. */
export function mulhs(a: number, b: number): number {
  let h = mulhu(a, b);
  if (a < 0) h = (h - b) | 0;
  if (b < 0) h = (h - a) | 0;
  return h;
}

/** Trap conditions by funct & 7 (tge tgeu tlt tltu teq - tne), or rt & 7 for the immediate forms. */
function trapCond(f: number, a: number, b: number): boolean {
  switch (f) {
    case 0: return a >= b;
    case 1: return (a >>> 0) >= (b >>> 0);
    case 2: return a < b;
    case 3: return (a >>> 0) < (b >>> 0);
    case 4: return a === b;
    default: return a !== b; // 6: tne
  }
}
