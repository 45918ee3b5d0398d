// Coprocessor 0: the MIPS32 privileged registers (MIPS32 PRA, chapter 9).
//
// This module holds the register state and the write rules (which bits software may change).
// The side effects of a write that reach beyond CP0 (flushing the translation cache, ending
// the interpreter's batch so that a newly enabled interrupt is taken) are the CPU's business;
// Cp0.write reports them through its return value.

/** Exception codes, Cause.ExcCode (MIPS32 PRA table 9.31). */
export const EXC_INT = 0;
export const EXC_MOD = 1;
export const EXC_TLBL = 2;
export const EXC_TLBS = 3;
export const EXC_ADEL = 4;
export const EXC_ADES = 5;
export const EXC_IBE = 6;
export const EXC_DBE = 7;
export const EXC_SYS = 8;
export const EXC_BP = 9;
export const EXC_RI = 10;
export const EXC_CPU = 11;
export const EXC_OV = 12;
export const EXC_TR = 13;
export const EXC_MCHECK = 24;

export const EXC_NAMES: readonly string[] = (() => {
  const n: string[] = [];
  for (let i = 0; i < 32; i++) n.push(`exc${i}`);
  const known: Record<number, string> = {
    0: 'Int', 1: 'Mod', 2: 'TLBL', 3: 'TLBS', 4: 'AdEL', 5: 'AdES', 6: 'IBE', 7: 'DBE', 8: 'Sys',
    9: 'Bp', 10: 'RI', 11: 'CpU', 12: 'Ov', 13: 'Tr', 24: 'MCheck',
  };
  for (const k of Object.keys(known)) n[Number(k)] = known[Number(k)];
  return n;
})();

/** CP0 register numbers (rd field of mfc0/mtc0). */
export const C0_INDEX = 0;
export const C0_RANDOM = 1;
export const C0_ENTRYLO0 = 2;
export const C0_ENTRYLO1 = 3;
export const C0_CONTEXT = 4; // sel 2: UserLocal
export const C0_PAGEMASK = 5;
export const C0_WIRED = 6;
export const C0_HWRENA = 7;
export const C0_BADVADDR = 8;
export const C0_COUNT = 9;
export const C0_ENTRYHI = 10;
export const C0_COMPARE = 11;
export const C0_STATUS = 12; // sel 1: IntCtl, sel 2: SRSCtl
export const C0_CAUSE = 13;
export const C0_EPC = 14;
export const C0_PRID = 15; // sel 1: EBase
export const C0_CONFIG = 16; // sel 0..3
export const C0_LLADDR = 17;
export const C0_ERROREPC = 30;

/** Status bits (MIPS32 PRA 9.15). */
export const ST_IE = 0x1;
export const ST_EXL = 0x2;
export const ST_ERL = 0x4;
export const ST_KSU = 0x18; // 00 kernel, 01 supervisor, 10 user
export const ST_IM = 0xff00;
export const ST_NMI = 0x80000;
export const ST_SR = 0x100000;
export const ST_TS = 0x200000;
export const ST_BEV = 0x400000;
export const ST_CU0 = 0x10000000;

/** Cause bits (MIPS32 PRA 9.16). */
export const CA_IP_SW = 0x300; // IP1..IP0, software writable
export const CA_IP7 = 0x8000; // timer interrupt line (IntCtl.IPTI = 7)
export const CA_IV = 0x800000;
export const CA_DC = 0x8000000; // disable Count
export const CA_TI = 0x40000000;
export const CA_BD = 0x80000000 | 0;

/** What a CP0 write asks the CPU to do afterwards. */
export const W_NONE = 0;
/** The translation cache must be flushed (mode, ERL or ASID changed). */
export const W_FLUSH = 1;
/** The interpreter must end its batch (interrupt state or the timer changed). */
export const W_RESYNC = 2;
/** Count or Compare changed: the next timer match moves (implies W_RESYNC). */
export const W_TIMER = 4;
/** Privilege dropped with ERL unchanged: kernel-segment translations must go (not kuseg's). */
export const W_DROP_KERNEL = 8;

/**
 * Privileged register state of one CPU. Count and Random are derived from the CPU's cycle
 * counter so that they cost nothing per instruction; the CPU passes the current cycle count in.
 */
export class Cp0 {
  /** Number of JTLB entry pairs; Config1.MMUSize reports it. */
  readonly tlbEntries: number;
  index = 0;
  entryLo0 = 0;
  entryLo1 = 0;
  context = 0;
  userLocal = 0;
  pageMask = 0;
  wired = 0;
  hwrEna = 0;
  badVAddr = 0;
  entryHi = 0;
  compare = 0;
  status = 0;
  cause = 0;
  epc = 0;
  errorEpc = 0;
  ebase = 0;
  config0 = 0;
  llAddr = 0;
  /** Count = countBase + (cycles >> countShift) as seen at cycle countCycle0 (see countAt). */
  countBase = 0;
  countCycle0 = 0;
  /** Count ticks once every 2^countShift cycles (24K-like: every other cycle). */
  readonly countShift = 1;
  /** Random decrements once per instruction between Wired and tlbEntries-1 (PRA 9.5). */
  randomCycle0 = 0;

  readonly prid = 0x00019300; // MIPS Technologies, 24K-class core
  readonly config1: number;
  readonly config2 = 0x80000000 | 0; // M: Config3 present; no L2/L3 described
  readonly config3 = 0x00002000; // ULRI: UserLocal register implemented (rdhwr $29)

  constructor(tlbEntries: number, cpuNum = 0) {
    this.tlbEntries = tlbEntries;
    // Config1: M, MMUSize-1, 32 KiB 4-way 32-byte-line I and D caches (reported for software
    // that sizes its cache loops; the cache instruction itself is a no-op), no FPU (FP=0).
    this.config1 = (0x80000000 | ((tlbEntries - 1) << 25) | (2 << 22) | (4 << 19) | (3 << 16) | (2 << 13) | (4 << 10) | (3 << 7)) | 0;
    this.ebaseCpuNum = cpuNum & 0x3ff;
    this.reset(0);
  }
  private readonly ebaseCpuNum: number;

  /** Reset state (PRA 9 "reset state" columns): BEV=1, ERL=1, kernel mode, Random = top. */
  reset(cycles: number): void {
    this.status = ST_BEV | ST_ERL;
    this.cause = 0;
    this.wired = 0;
    this.randomCycle0 = cycles;
    this.ebase = (0x80000000 | this.ebaseCpuNum) | 0;
    this.config0 = (0x80000000 | (1 << 10) | (1 << 7) | 2) | 0; // M, AR=1 (R2), MT=1 (TLB), K0=2
    this.index = 0;
    this.entryHi = 0;
    this.entryLo0 = 0;
    this.entryLo1 = 0;
    this.pageMask = 0;
    this.context = 0;
    this.hwrEna = 0;
    this.compare = 0;
    this.countBase = 0;
    this.countCycle0 = cycles;
    this.llAddr = 0;
  }

  /** Count register value at cycle `cycles`. */
  countAt(cycles: number): number {
    if ((this.cause & CA_DC) !== 0) return this.countBase; // frozen while Cause.DC
    return (this.countBase + Math.floor((cycles - this.countCycle0) / (1 << this.countShift))) | 0;
  }

  /** Random register value at cycle `cycles` (deterministic: a function of the cycle count). */
  randomAt(cycles: number): number {
    const span = this.tlbEntries - this.wired;
    if (span <= 0) return this.tlbEntries - 1;
    return this.tlbEntries - 1 - ((cycles - this.randomCycle0) % span);
  }

  /** Cycles from `cycles` until Count next equals Compare (always >= 1). */
  cyclesToCompare(cycles: number): number {
    if ((this.cause & CA_DC) !== 0) return Infinity; // Count stopped: no match until DC clears
    const unit = 1 << this.countShift;
    const phase = (cycles - this.countCycle0) % unit;
    let ticks = (this.compare - this.countAt(cycles)) >>> 0;
    if (ticks === 0) ticks = 0x100000000;
    return ticks * unit - phase;
  }

  /** Current privilege: 0 kernel, 1 supervisor, 2 user (PRA 3.3). */
  mode(): number {
    const s = this.status;
    if (s & (ST_EXL | ST_ERL)) return 0;
    return (s >>> 3) & 3;
  }

  /** mfc0: read register (rd, sel). Unimplemented registers read as 0. */
  read(rd: number, sel: number, cycles: number): number {
    switch ((rd << 3) | sel) {
      case C0_INDEX << 3: return this.index;
      case C0_RANDOM << 3: return this.randomAt(cycles);
      case C0_ENTRYLO0 << 3: return this.entryLo0;
      case C0_ENTRYLO1 << 3: return this.entryLo1;
      case C0_CONTEXT << 3: return this.context;
      case (C0_CONTEXT << 3) | 2: return this.userLocal;
      case C0_PAGEMASK << 3: return this.pageMask;
      case C0_WIRED << 3: return this.wired;
      case C0_HWRENA << 3: return this.hwrEna;
      case C0_BADVADDR << 3: return this.badVAddr;
      case C0_COUNT << 3: return this.countAt(cycles);
      case C0_ENTRYHI << 3: return this.entryHi;
      case C0_COMPARE << 3: return this.compare;
      case C0_STATUS << 3: return this.status;
      case (C0_STATUS << 3) | 1: return (7 << 29) | 0; // IntCtl: IPTI=7 (timer on IP7), VS=0
      case (C0_STATUS << 3) | 2: return 0; // SRSCtl: no shadow register sets
      case C0_CAUSE << 3: return this.cause;
      case C0_EPC << 3: return this.epc;
      case C0_PRID << 3: return this.prid;
      case (C0_PRID << 3) | 1: return this.ebase;
      case C0_CONFIG << 3: return this.config0;
      case (C0_CONFIG << 3) | 1: return this.config1;
      case (C0_CONFIG << 3) | 2: return this.config2;
      case (C0_CONFIG << 3) | 3: return this.config3;
      case C0_LLADDR << 3: return this.llAddr;
      case C0_ERROREPC << 3: return this.errorEpc;
      default: return 0;
    }
  }

  /**
   * mtc0: write register (rd, sel) with the architectural write mask. Returns W_* flags telling
   * the CPU what else must happen.
   */
  write(rd: number, sel: number, v: number, cycles: number): number {
    switch ((rd << 3) | sel) {
      case C0_INDEX << 3:
        // P (bit 31) is read-only; the index field is as wide as the TLB needs.
        this.index = (this.index & 0x80000000) | (v & ((1 << Math.ceil(Math.log2(this.tlbEntries))) - 1));
        this.index |= 0;
        return W_NONE;
      case C0_ENTRYLO0 << 3: this.entryLo0 = v & 0x3fffffff; return W_NONE;
      case C0_ENTRYLO1 << 3: this.entryLo1 = v & 0x3fffffff; return W_NONE;
      case C0_CONTEXT << 3: this.context = (this.context & 0x007ffff0) | (v & 0xff800000); return W_NONE;
      case (C0_CONTEXT << 3) | 2: this.userLocal = v | 0; return W_NONE;
      case C0_PAGEMASK << 3: this.pageMask = v & 0x1ffe000; return W_NONE;
      case C0_WIRED << 3:
        // Writing Wired resets Random to its upper bound (PRA 9.5).
        this.wired = (v >>> 0) % this.tlbEntries;
        this.randomCycle0 = cycles;
        return W_NONE;
      case C0_HWRENA << 3: this.hwrEna = v & 0x2000000f; return W_NONE;
      case C0_BADVADDR << 3: return W_NONE; // read-only
      case C0_COUNT << 3:
        this.countBase = v | 0;
        this.countCycle0 = cycles;
        return W_RESYNC | W_TIMER;
      case C0_ENTRYHI << 3: {
        const old = this.entryHi;
        this.entryHi = v & (0xffffe000 | 0xff);
        return ((old ^ this.entryHi) & 0xff) !== 0 ? W_FLUSH : W_NONE;
      }
      case C0_COMPARE << 3:
        // Writing Compare acknowledges the timer interrupt (PRA 9.13).
        this.compare = v | 0;
        this.cause &= ~(CA_TI | CA_IP7);
        return W_RESYNC | W_TIMER;
      case C0_STATUS << 3: {
        const old = this.status;
        // Writable: CU0, BEV, TS/SR/NMI (clear only), IM, KSU, ERL, EXL, IE. CU1-3, RP, FR, RE,
        // MX read as zero: no FPU, no coprocessor 2, no reverse-endian user mode.
        const rw = ST_CU0 | ST_BEV | ST_IM | ST_KSU | ST_ERL | ST_EXL | ST_IE;
        const clearOnly = ST_TS | ST_SR | ST_NMI;
        const oldMode = this.mode();
        this.status = ((v & rw) | (old & v & clearOnly)) | 0;
        // ERL changes what kuseg means: flush all. A drop in privilege (e.g. KSU written while
        // EXL stays set changes nothing yet) only removes kernel-segment translations.
        if (((old ^ this.status) & ST_ERL) !== 0) return W_FLUSH | W_RESYNC;
        return this.mode() > oldMode ? (W_DROP_KERNEL | W_RESYNC) : W_RESYNC;
      }
      case C0_CAUSE << 3: {
        // Writable: IP1..IP0, IV, DC (PRA 9.16). DC freezes Count: rebase it at the change.
        const count = this.countAt(cycles);
        const wm = CA_IP_SW | CA_IV | CA_DC;
        const old = this.cause;
        this.cause = ((old & ~wm) | (v & wm)) | 0;
        if (((old ^ this.cause) & CA_DC) !== 0) {
          this.countBase = count;
          this.countCycle0 = cycles;
          return W_RESYNC | W_TIMER;
        }
        return W_RESYNC;
      }
      case C0_EPC << 3: this.epc = v | 0; return W_NONE;
      case (C0_PRID << 3) | 1:
        // EBase: bits 29:12 writable; 31:30 are 10 (kseg0/kseg1); CPUNum read-only (PRA 9.21).
        this.ebase = (0x80000000 | (v & 0x3ffff000) | this.ebaseCpuNum) | 0;
        return W_NONE;
      case C0_CONFIG << 3: this.config0 = (this.config0 & ~7) | (v & 7); return W_NONE;
      case C0_LLADDR << 3: return W_NONE;
      case C0_ERROREPC << 3: this.errorEpc = v | 0; return W_NONE;
      default: return W_NONE; // read-only or unimplemented: writes ignored
    }
  }
}
