// Directed exception, CP0 and TLB programs for the differential harness.
//
// Unlike the self-checking guests/tests/*.elf, these print raw machine state (CP0 registers after
// reset and after writes of all-ones, the exception state of every exception they provoke, TLB
// read-backs) and let the comparison with QEMU judge it. Output: `T <name>` per test; `  X <vec>
// <cause> <epc> <badvaddr> <status> [<entryhi> <context>]` per exception taken; `  = <words>` for
// values a test prints.
//
// Exception handling: the vectors (EBase 0x80000000, BEV = 0; MIPS32 PRA 5.3) jump to one handler
// that saves the registers it uses, prints the exception, clears Cause.IP1..0 (software
// interrupts, so they are not taken again), clears Status.KSU and resumes at the address in k1
// (set by the test before the faulting instruction) in kernel mode, or at EPC + 4 when k1 = 0.

import {
  Asm, R, Insn, alu3, aluImm, lui, shift, mem, nop, jr, jalr, mfc0, mtc0, cop0, ehb, syscall, brk,
  trap, trapi, raw, jump, rdhwr, cache, jalrHb, synci, sync, mfhi, mflo, mthi, mtlo, muldiv, ins, ext, di, ei,
} from './asm.ts';
import { emitRuntime, emitString, RT } from './runtime.ts';
import { buildElf } from '../../cpu/elf.ts';

const CODE = 0x80100000;
const VEC = 0x80000000;
/** Handler save area (kseg0, physical 0x1000; below QEMU's boot environment at 0x2000). */
const SAVE = 0x80001000;
/** Relocated exception base for the EBase test (MIPS32r2 EBase, PRA 9.x). */
const ALT_EBASE = 0x80200000;
/** Physical pages used through the TLB (data pattern, a spare page, user code). */
const DATA_PA = 0x01100000;
const USER_PA = 0x01200000;
/** Two physical code pages for the remapping test: each returns its own number in v0. */
const CODEA_PA = 0x01300000;
const CODEB_PA = 0x01301000;
const USER_VA = 0x00400000;
/** Where user-mode code runs (mapped to USER_PA, read-only, global). */
const UCODE_VA = 0x00402000;

/** CP0 register numbers (MIPS32 PRA table 9.1). */
const C0 = {
  Index: 0, Random: 1, EntryLo0: 2, EntryLo1: 3, Context: 4, PageMask: 5, Wired: 6, HWREna: 7,
  BadVAddr: 8, Count: 9, EntryHi: 10, Compare: 11, Status: 12, Cause: 13, EPC: 14, PRId: 15,
  Config: 16, LLAddr: 17, WatchLo: 18, WatchHi: 19, ErrorEPC: 30,
} as const;

const ST_EXL = 1 << 1;
const ST_ERL = 1 << 2;
const ST_UM = 2 << 3; // KSU = user
const ST_IE = 1;
const ST_IM0 = 1 << 8;
const CAUSE_IV = 1 << 23;

// --- The handler and vectors --------------------------------------------------------------------

/** Registers the handler saves (everything the print routines may touch). */
const SAVED = [R.at, R.v0, R.v1, R.a0, R.a1, R.a2, R.a3, R.t0, R.t1, R.t2, R.t3, R.t4, R.t5, R.t6, R.t7, R.t8, R.t9, R.ra, R.s0];

function emitVectorStub(a: Asm, id: string): void {
  a.emit(lui(R.k0, SAVE >>> 16));
  a.emit(mem('sw', R.at, (SAVE & 0xffff) + 4 * R.at, R.k0));
  a.j('j', 'exc_common');
  a.emit(aluImm('ori', R.at, R.zero, id.charCodeAt(0)));
}

/** Segment at VEC: vectors, the common handler, the runtime for the handler's printing. */
function vectorSegment(): { bytes: Uint8Array; common: number } {
  const a = new Asm(VEC);
  const pad = (to: number): void => { while (a.pc < VEC + to) a.emit(nop()); };
  emitVectorStub(a, 'R'); // 0x000 TLB refill (EXL = 0)
  pad(0x180);
  emitVectorStub(a, 'G'); // 0x180 general
  pad(0x200);
  emitVectorStub(a, 'I'); // 0x200 interrupt when Cause.IV = 1
  pad(0x280);

  const lo = SAVE & 0xffff;
  const putc = (ch: string): void => { a.j('jal', RT.putc); a.emit(aluImm('addiu', R.a0, R.zero, ch.charCodeAt(0))); };
  const putw = (reg: number): void => { putc(' '); a.j('jal', RT.puthex); a.emit(alu3('or', R.a0, reg, R.zero)); };
  a.label('exc_common');
  for (const r of SAVED) if (r !== R.at) a.emit(mem('sw', r, lo + 4 * r, R.k0));
  a.emit(alu3('or', R.s0, R.at, R.zero)); // vector id
  putc(' '); putc(' '); putc('X'); putc(' ');
  a.j('jal', RT.putc);
  a.emit(alu3('or', R.a0, R.s0, R.zero));
  // Cause without TI/IP7..2 (timer and hardware lines are not deterministic): BD, CE, DC, IV, IP1..0, ExcCode.
  a.emit(mfc0(R.v0, C0.Cause));
  a.li(R.v1, 0xb880037c);
  a.emit(alu3('and', R.v0, R.v0, R.v1));
  putw(R.v0);
  a.emit(mfc0(R.v1, C0.EPC)); putw(R.v1);
  a.emit(mfc0(R.v1, C0.BadVAddr)); putw(R.v1);
  a.emit(mfc0(R.v1, C0.Status)); putw(R.v1);
  // TLB exceptions (Mod, TLBL, TLBS: ExcCode 1..3) also show EntryHi and Context.
  a.emit(shift('srl', R.v1, R.v0, 2));
  a.emit(aluImm('andi', R.v1, R.v1, 0x1f));
  a.emit(aluImm('addiu', R.v1, R.v1, -1));
  a.emit(aluImm('sltiu', R.v1, R.v1, 3));
  const notTlb = a.newLabel('not_tlb');
  a.br('beq', R.v1, R.zero, notTlb);
  a.emit(nop());
  a.emit(mfc0(R.v1, C0.EntryHi)); putw(R.v1);
  a.emit(mfc0(R.v1, C0.Context)); putw(R.v1);
  a.label(notTlb);
  putc('\n');
  // Clear the software interrupt requests, return to kernel mode.
  a.emit(mfc0(R.v0, C0.Cause));
  a.li(R.v1, ~0x300);
  a.emit(alu3('and', R.v0, R.v0, R.v1));
  a.emit(mtc0(R.v0, C0.Cause));
  a.emit(mfc0(R.v0, C0.Status));
  a.emit(aluImm('addiu', R.v1, R.zero, ~0x18));
  a.emit(alu3('and', R.v0, R.v0, R.v1));
  a.emit(mtc0(R.v0, C0.Status));
  // Resume at k1, or after the faulting instruction.
  const useEpc = a.newLabel('use_epc');
  const resume = a.newLabel('resume');
  a.br('beq', R.k1, R.zero, useEpc);
  a.emit(nop());
  a.br('beq', R.zero, R.zero, resume);
  a.emit(mtc0(R.k1, C0.EPC));
  a.label(useEpc);
  a.emit(mfc0(R.v0, C0.EPC));
  a.emit(aluImm('addiu', R.v0, R.v0, 4));
  a.emit(mtc0(R.v0, C0.EPC));
  a.label(resume);
  for (const r of SAVED) a.emit(mem('lw', r, lo + 4 * r, R.k0));
  a.emit(ehb());
  a.emit(cop0('eret'));
  emitRuntime(a);
  a.finish();
  if (a.pc >= SAVE) throw new Error('vector segment overlaps the save area');
  return { bytes: a.bytes(), common: a.addressOf('exc_common') };
}

/** Stubs at ALT_EBASE for the EBase relocation test; they share the main handler at `common`. */
function altVectorSegment(common: number): Uint8Array {
  const a = new Asm(ALT_EBASE);
  emitVectorStub(a, 'r');
  while (a.pc < ALT_EBASE + 0x180) a.emit(nop());
  emitVectorStub(a, 'g');
  a.label('exc_common');
  a.finish();
  // Re-point the stubs' `j exc_common` (2nd word of each) at the main handler.
  const words = a.words;
  for (const at of [2, 0x180 / 4 + 2]) words[at] = jump('j', common).word;
  return a.bytes();
}

// --- Test-writing helpers ------------------------------------------------------------------------

class Directed {
  readonly a = new Asm(CODE);
  tests = 0;
  private strings: [string, string][] = [];
  private user = new Asm(UCODE_VA);

  /** Prints `T name`. Tests keep their values in s1..s7 and v0/v1 (the printers use a*, t*). */
  test(name: string): void {
    this.tests++;
    this.puts(`T ${name}\n`);
  }

  puts(s: string): void {
    const label = `str${this.strings.length}`;
    this.strings.push([label, s]);
    this.a.la(R.a1, label);
    this.a.j('jal', RT.puts);
    this.a.emit(nop());
  }

  /** Prints `  = r1 r2 ...` (hex words). */
  print(...regs: number[]): void {
    const a = this.a;
    // Copy first: the printers clobber a0..a3, t0..t9.
    regs.forEach((r, i) => a.emit(mem('sw', r, (SAVE & 0xffff) + 0x200 + 4 * i, R.k0)));
    this.putc(' '); this.putc(' '); this.putc('=');
    regs.forEach((_, i) => {
      this.putc(' ');
      a.j('jal', RT.puthex);
      a.emit(mem('lw', R.a0, (SAVE & 0xffff) + 0x200 + 4 * i, R.k0));
    });
    this.putc('\n');
  }

  putc(ch: string): void {
    this.a.j('jal', RT.putc);
    this.a.emit(aluImm('addiu', R.a0, R.zero, ch.charCodeAt(0)));
  }

  emit(...is: Insn[]): void {
    for (const i of is) this.a.emit(i);
  }

  /** Runs `body` with k1 = the address right after it, so a fault inside resumes there. */
  guarded(body: () => void): void {
    const after = this.a.newLabel('resume');
    this.a.la(R.k1, after);
    body();
    this.a.label(after);
    this.a.emit(alu3('or', R.k1, R.zero, R.zero));
  }

  /** Loads a CP0 register into `rt` with a constant. */
  setC0(reg: number, value: number, sel = 0): void {
    this.a.li(R.t0, value);
    this.a.emit(mtc0(R.t0, reg, sel));
    this.a.emit(ehb());
  }

  /** EBase may only change while Status.BEV = 1 (MIPS32 PRA 9.40); leaves Status = 0. */
  setEBase(value: number): void {
    this.setC0(C0.Status, 1 << 22);
    this.setC0(15, value, 1);
    this.setC0(C0.Status, 0);
  }

  /** Writes one TLB entry with tlbwi. */
  tlbwi(index: number, entryHi: number, lo0: number, lo1: number, pageMask = 0): void {
    this.setC0(C0.Index, index);
    this.setC0(C0.EntryHi, entryHi);
    this.setC0(C0.EntryLo0, lo0);
    this.setC0(C0.EntryLo1, lo1);
    this.setC0(C0.PageMask, pageMask);
    this.a.emit(cop0('tlbwi'));
    this.a.emit(ehb());
  }

  /** Adds user-mode code at the next free spot of the user page; returns its virtual address. */
  userCode(emit: (u: Asm) => void): number {
    while (this.user.pc & 0x1f) this.user.emit(nop());
    const at = this.user.pc;
    emit(this.user);
    // A snippet that does not fault returns to the kernel through a syscall.
    this.user.emit(syscall());
    const spin = this.user.newLabel('uspin');
    this.user.label(spin);
    this.user.br('beq', R.zero, R.zero, spin);
    this.user.emit(nop());
    return at;
  }

  /** Enters user mode at `va` (EPC = va, Status.EXL = 1, KSU = user, eret); resumes after it. */
  runUser(va: number, asid = 0): void {
    this.guarded(() => {
      this.setC0(C0.EntryHi, asid);
      this.setC0(C0.EPC, va);
      this.setC0(C0.Status, ST_UM | ST_EXL);
      this.a.emit(cop0('eret'));
      this.a.emit(nop());
    });
  }

  finishImage(): { elf: Uint8Array; asm: Asm; tests: number } {
    const a = this.a;
    this.puts('DONE\n');
    a.j('jal', RT.exit);
    a.emit(aluImm('addiu', R.a0, R.zero, 0));
    emitRuntime(a);
    for (const [label, s] of this.strings) emitString(a, label, s);
    a.finish();
    this.user.finish();
    // Data page: a recognisable pattern (word i = 0xd0000000 + i).
    const data = new Uint8Array(0x4000);
    const dv = new DataView(data.buffer);
    for (let i = 0; i < data.length / 4; i++) dv.setUint32(i * 4, (0xd0000000 + i) >>> 0, true);
    const vec = vectorSegment();
    const elf = buildElf([
      { vaddr: VEC, data: vec.bytes },
      { vaddr: ALT_EBASE, data: altVectorSegment(vec.common) },
      { vaddr: CODE, data: a.bytes() },
      { vaddr: 0x80000000 + DATA_PA, data, flags: 6 },
      { vaddr: 0x80000000 + USER_PA, data: this.user.bytes() },
      { vaddr: 0x80000000 + CODEA_PA, data: returnsPage(1) },
      { vaddr: 0x80000000 + CODEB_PA, data: returnsPage(2) },
    ], CODE);
    return { elf, asm: a, tests: this.tests };
  }
}

/** A code page whose first routine returns `n` in v0 (jr ra; addiu v0,zero,n). */
function returnsPage(n: number): Uint8Array {
  const a = new Asm(0);
  a.emit(jr(R.ra));
  a.emit(aluImm('addiu', R.v0, R.zero, n));
  a.finish();
  return a.bytes();
}

// --- The tests -------------------------------------------------------------------------------------

/** EntryLo for physical address `pa`: PFN, cache attribute 3 (cacheable), D, V, G (PRA 9.6). */
function entryLo(pa: number, { d = true, v = true, g = false, c = 3 } = {}): number {
  return (((pa >>> 12) << 6) | (c << 3) | (d ? 4 : 0) | (v ? 2 : 0) | (g ? 1 : 0)) >>> 0;
}

function cp0State(d: Directed): void {
  const a = d.a;
  // Values the board leaves (QEMU's boot code runs first there, so only registers it does not
  // touch are meaningful): identification and configuration, TLB-related state.
  d.test('cp0 identification');
  // Masks: Config1 compares MMU size, C2, MD, PC, FP (disco models the real 24Kc's 4-way caches
  // with 32-byte lines and has no MIPS16, EJTAG or watch registers; QEMU's 24Kc differs there);
  // Config3 without ULRI (disco implements UserLocal).
  for (const [reg, sel, mask] of [[C0.PRId, 0, ~0], [C0.Config, 0, ~0], [C0.Config, 1, 0xfe000071], [C0.Config, 2, ~0], [C0.Config, 3, ~(1 << 13)], [15, 1, ~0]] as const) {
    a.emit(mfc0(R.s1, reg, sel));
    a.li(R.t0, mask);
    a.emit(alu3('and', R.s1, R.s1, R.t0));
    d.print(R.s1);
  }
  d.test('cp0 reset state');
  // (No WatchLo/WatchHi: disco implements no watch registers, Config1.WR = 0.)
  for (const [reg, sel] of [[C0.Wired, 0], [C0.PageMask, 0], [C0.HWREna, 0], [C0.Status, 0], [12, 1], [12, 2]] as const) {
    a.emit(mfc0(R.s1, reg, sel));
    d.print(R.s1);
  }
  // Write masks: write all-ones, a pattern and zero, read back after each; `ignore` masks bits
  // where QEMU's 24Kc and disco legitimately differ. Not tested: IntCtl.VS and SRSCtl (QEMU lets
  // software write them though Config3.VInt = 0 and SRSCtl.HSS = 0 make them reserved; writing
  // SRSCtl.ESS > HSS is UNDEFINED), PageMask patterns that are not a valid mask (UNPREDICTABLE).
  const masks: [string, number, number[], number][] = [
    // In-range indexes only (QEMU ignores a write >= the TLB size); P is read-only.
    ['Index', C0.Index, [0x8000000f, 0x5, 0xa, 0], 0],
    // PFN bits 29:26 lie above the 24Kc's 32-bit physical address: QEMU drops them, disco keeps
    // them (reported separately); compare the rest.
    ['EntryLo0', C0.EntryLo0, [0xffffffff, 0x55555555, 0], 0x3c000000],
    ['EntryLo1', C0.EntryLo1, [0xffffffff, 0x55555555, 0], 0x3c000000],
    ['Context', C0.Context, [0xffffffff, 0x55555555, 0], 0],
    ['PageMask', C0.PageMask, [0x00006000, 0x0001e000, 0x01ffe000, 0], 0],
    ['Wired', C0.Wired, [0xffffffff, 0x55555555, 0], 0],
    ['HWREna', C0.HWREna, [0xffffffff, 0x55555555, 0], 1 << 29], // bit 29 UL: disco has ULRI
    ['EntryHi', C0.EntryHi, [0xffffffff, 0x55555555, 0], 0],
    ['ErrorEPC', C0.ErrorEPC, [0xffffffff, 0x55555555, 0], 0],
    ['EPC', C0.EPC, [0xffffffff, 0x55555555, 0], 0],
    ['LLAddr', C0.LLAddr, [0xffffffff, 0x55555555, 0], 0],
  ];
  for (const [name, reg, values, ignore] of masks) {
    d.test(`cp0 write mask ${name}`);
    const regs = [R.s1, R.s2, R.s3, R.s4];
    values.forEach((v, i) => {
      d.setC0(reg, v);
      a.emit(mfc0(regs[i]!, reg));
      if (ignore) { a.li(R.t0, ~ignore); a.emit(alu3('and', regs[i]!, regs[i]!, R.t0)); }
    });
    d.print(...regs.slice(0, values.length));
  }
  d.test('cp0 write mask Status');
  // All-ones sets EXL and ERL (kernel mode, interrupts off) and BEV; nothing may fault before the
  // restore.
  d.setC0(C0.Status, 0xffffffff);
  a.emit(mfc0(R.s1, C0.Status));
  d.setC0(C0.Status, 0);
  a.emit(mfc0(R.s2, C0.Status));
  // Not compared: RE (disco has no reverse-endian user mode) and TS/SR/NMI, which software can
  // only clear (MIPS32 PRA 9.18) but QEMU lets it set.
  a.li(R.t0, ~0x02380000);
  a.emit(alu3('and', R.s1, R.s1, R.t0));
  d.print(R.s1, R.s2);
  d.test('cp0 write mask Cause');
  d.setC0(C0.Cause, 0xffffffff);
  a.emit(mfc0(R.s1, C0.Cause));
  d.setC0(C0.Cause, 0);
  a.emit(mfc0(R.s2, C0.Cause));
  a.li(R.t0, 0xb8fffffc & ~0x4040fc00); // drop TI, WP (no watch registers) and IP7..2 (timer/hardware)
  a.emit(alu3('and', R.s1, R.s1, R.t0));
  a.emit(alu3('and', R.s2, R.s2, R.t0));
  d.print(R.s1, R.s2);
  d.test('cp0 write mask EBase');
  d.setC0(C0.Status, 1 << 22);
  d.setC0(15, 0xffffffff, 1);
  a.emit(mfc0(R.s1, 15, 1));
  d.setC0(15, 0, 1);
  a.emit(mfc0(R.s2, 15, 1));
  d.setC0(15, VEC, 1);
  d.setC0(C0.Status, 0);
  d.print(R.s1, R.s2);
  d.test('cp0 write mask Config');
  a.emit(mfc0(R.s3, C0.Config));
  d.setC0(C0.Config, 0xffffffff);
  a.emit(mfc0(R.s1, C0.Config));
  d.setC0(C0.Config, 0);
  a.emit(mfc0(R.s2, C0.Config));
  a.emit(mtc0(R.s3, C0.Config));
  a.emit(ehb());
  d.print(R.s1, R.s2);
  d.test('cp0 Random after Wired = 15 (16-entry TLB: disco runs with --tlb-entries 16)');
  d.setC0(C0.Wired, 15);
  a.emit(mfc0(R.s1, C0.Random));
  d.setC0(C0.Wired, 0);
  d.print(R.s1);
  d.test('di/ei return Status');
  d.setC0(C0.Status, 0x00000300); // IM1..0 only: nothing is pending there
  a.emit(ei(R.s1));
  a.emit(ehb());
  a.emit(mfc0(R.s2, C0.Status));
  a.emit(di(R.s3));
  a.emit(ehb());
  a.emit(mfc0(R.s4, C0.Status));
  d.setC0(C0.Status, 0);
  d.print(R.s1, R.s2, R.s3, R.s4);
  d.test('rdhwr in kernel mode');
  for (const hw of [0, 1, 3]) {
    a.emit(rdhwr(R.s1, hw));
    d.print(R.s1);
  }
}

function basicExceptions(d: Directed): void {
  const a = d.a;
  d.test('syscall and break');
  d.guarded(() => a.emit(syscall(0x12345)));
  d.guarded(() => a.emit(brk(0x3ff)));
  d.test('overflow');
  const ov: [string, number, number][] = [['add', 0x7fffffff, 1], ['add', 0x80000000, 0xffffffff], ['sub', 0x80000000, 1], ['sub', 0x7fffffff, 0xffffffff], ['add', 0x7ffffffe, 1], ['sub', 0, 0x7fffffff]];
  for (const [m, x, y] of ov) {
    a.li(R.s1, x); a.li(R.s2, y); a.li(R.s3, 0xdeadbeef);
    d.guarded(() => a.emit(alu3(m, R.s3, R.s1, R.s2)));
    d.print(R.s3);
  }
  for (const [x, imm] of [[0x7fffffff, 1], [0x80000000, -1], [0x7fff0000, 0x7fff], [5, -6]] as const) {
    a.li(R.s1, x); a.li(R.s3, 0xdeadbeef);
    d.guarded(() => a.emit(aluImm('addi', R.s3, R.s1, imm)));
    d.print(R.s3);
  }
  d.test('traps');
  const pairs: [number, number][] = [[1, 1], [1, 2], [0xffffffff, 1], [1, 0xffffffff], [0x80000000, 0x7fffffff]];
  for (const m of ['teq', 'tne', 'tge', 'tgeu', 'tlt', 'tltu'] as const) {
    for (const [x, y] of pairs) {
      a.li(R.s1, x); a.li(R.s2, y);
      d.guarded(() => a.emit(trap(m, R.s1, R.s2)));
    }
  }
  d.puts('  traps immediate\n');
  for (const m of ['teqi', 'tnei', 'tgei', 'tgeiu', 'tlti', 'tltiu'] as const) {
    for (const [x, imm] of [[5, 5], [5, 6], [0xffffffff, -1], [0xfffffff0, 3], [2, -2]] as const) {
      a.li(R.s1, x);
      d.guarded(() => a.emit(trapi(m, R.s1, imm)));
    }
  }
  d.test('address errors');
  a.li(R.s1, 0x80000000 + DATA_PA);
  // (No misaligned SC: QEMU checks the LL address first and fails the SC without AdES.)
  for (const [m, off] of [['lw', 1], ['lw', 2], ['lw', 3], ['lh', 1], ['lhu', 3], ['sw', 2], ['sh', 1], ['ll', 2]] as const) {
    a.li(R.s3, 0xdeadbeef);
    d.guarded(() => a.emit(mem(m, R.s3, off, R.s1)));
    d.print(R.s3);
  }
  d.test('instruction fetch address error');
  const target = a.newLabel('fetch_target');
  a.la(R.s1, target);
  a.emit(aluImm('addiu', R.s1, R.s1, 2));
  d.guarded(() => { a.emit(jr(R.s1)); a.emit(nop()); });
  a.label(target);
  a.emit(nop());
  d.test('kernel access to kseg2/kuseg without mapping');
  for (const addr of [0xc0000000, 0xe0001234 & ~3, 0x00001000, 0x7ffffffc]) {
    a.li(R.s1, addr);
    d.guarded(() => a.emit(mem('lw', R.s3, 0, R.s1)));
    d.guarded(() => a.emit(mem('sw', R.s3, 0, R.s1)));
  }
  d.test('reserved and coprocessor-unusable instructions');
  const ri: Insn[] = [
    raw(0x60000000, 'daddi (MIPS64)'), raw(0xdc000000, 'ld (MIPS64)'), raw(0x0000002c, 'dadd (MIPS64)'),
    raw(0x7c00003f, 'SPECIAL3 funct 0x3f'),
    raw(0x44020000, 'mfc1'), raw(0xc4000000, 'lwc1'), raw(0x4c000000, 'COP1X'),
    raw(0xd4000000, 'ldc1'), raw(0xfc000000, 'sdc3 / reserved'), raw(0x42000019, 'COP0 CO funct 0x19'),
    raw(0x40600000, 'COP0 rs 3'),
  ];
  for (const i of ri) {
    d.guarded(() => a.emit(i));
  }
}

function delaySlots(d: Directed): void {
  const a = d.a;
  d.test('exceptions in delay slots');
  a.li(R.s1, 0x80000000 + DATA_PA);
  // Taken branch with a faulting delay slot: EPC = branch, BD = 1.
  {
    const t = a.newLabel('bt');
    d.guarded(() => { a.br('beq', R.zero, R.zero, t); a.emit(mem('lw', R.s3, 1, R.s1)); a.label(t); });
  }
  // Not-taken branch: the delay slot still runs, and is still a delay slot (BD = 1). The operand
  // is zero only at run time: QEMU folds `bne $0,$0` into a NOP without a delay slot.
  a.emit(alu3('or', R.s7, R.zero, R.zero));
  {
    const t = a.newLabel('bn');
    d.guarded(() => { a.br('bne', R.s7, R.zero, t); a.emit(syscall()); a.label(t); });
  }
  // Not-taken branch-likely: the delay slot is nullified, no exception.
  {
    const t = a.newLabel('bl');
    d.guarded(() => { a.br('bnel', R.s7, R.zero, t); a.emit(syscall()); a.label(t); });
    d.print(R.zero);
  }
  // jal with a faulting delay slot: ra is written before the exception.
  {
    const t = a.newLabel('jt');
    a.li(R.ra, 0x1111);
    d.guarded(() => { a.j('jal', t); a.emit(brk()); a.label(t); });
    a.emit(alu3('or', R.s2, R.ra, R.zero));
    d.print(R.s2);
  }
  // jalr rd = s2 with an overflowing delay slot.
  {
    const t = a.newLabel('jrt');
    a.la(R.s4, t);
    a.li(R.s5, 0x7fffffff);
    d.guarded(() => { a.emit(jalr(R.s2, R.s4)); a.emit(aluImm('addi', R.s6, R.s5, 1)); a.label(t); });
    d.print(R.s2);
  }
  // bltzal not taken still links; delay-slot trap.
  {
    const t = a.newLabel('bal');
    a.li(R.s1, 5);
    d.guarded(() => { a.br('bltzal', R.s1, R.zero, t); a.emit(trap('teq', R.zero, R.zero)); a.label(t); });
    a.emit(alu3('or', R.s2, R.ra, R.zero));
    d.print(R.s2);
  }
}

function tlbTests(d: Directed): void {
  const a = d.a;
  d.test('tlb read back after init');
  for (const i of [0, 7, 15]) {
    d.setC0(C0.Index, i);
    a.emit(cop0('tlbr'));
    a.emit(ehb());
    a.emit(mfc0(R.s1, C0.EntryHi)); a.emit(mfc0(R.s2, C0.EntryLo0)); a.emit(mfc0(R.s3, C0.EntryLo1)); a.emit(mfc0(R.s4, C0.PageMask));
    d.print(R.s1, R.s2, R.s3, R.s4);
  }
  d.test('tlb read back of odd values');
  // Which bits survive tlbwi/tlbr (G = Lo0.G & Lo1.G). Bits that TLBR may clear (VPN2 and PFN
  // bits under the mask, PFN above the physical address size) are zero here (MIPS32 Vol. II TLBR).
  d.tlbwi(3, 0x00a080ff, 0x03ffff3f, 0x03ffff3e & ~0x40, 0x00006000);
  d.setC0(C0.EntryHi, 0); d.setC0(C0.EntryLo0, 0); d.setC0(C0.EntryLo1, 0); d.setC0(C0.PageMask, 0);
  d.setC0(C0.Index, 3);
  a.emit(cop0('tlbr'));
  a.emit(ehb());
  a.emit(mfc0(R.s1, C0.EntryHi)); a.emit(mfc0(R.s2, C0.EntryLo0)); a.emit(mfc0(R.s3, C0.EntryLo1)); a.emit(mfc0(R.s4, C0.PageMask));
  d.print(R.s1, R.s2, R.s3, R.s4);
  d.tlbwi(3, 0x7fffe0ff, 0x03ffffc7, 0x00000007, 0);
  d.setC0(C0.EntryHi, 0); d.setC0(C0.EntryLo0, 0); d.setC0(C0.EntryLo1, 0); d.setC0(C0.PageMask, 0);
  d.setC0(C0.Index, 3);
  a.emit(cop0('tlbr'));
  a.emit(ehb());
  a.emit(mfc0(R.s1, C0.EntryHi)); a.emit(mfc0(R.s2, C0.EntryLo0)); a.emit(mfc0(R.s3, C0.EntryLo1)); a.emit(mfc0(R.s4, C0.PageMask));
  d.print(R.s1, R.s2, R.s3, R.s4);
  d.tlbwi(3, 0x80000000 + (3 << 13), 0, 0, 0);

  d.test('tlb refill on load and store');
  d.setC0(C0.Context, 0xff800000);
  d.setC0(C0.EntryHi, 0x000000a5);
  a.li(R.s1, 0x00403ffc);
  d.guarded(() => a.emit(mem('lw', R.s3, 0, R.s1)));
  a.li(R.s1, 0x7fff0000);
  d.guarded(() => a.emit(mem('sb', R.s3, 3, R.s1)));

  d.test('tlb mapped access');
  // Entry 1: VA 0x00400000 (even) -> DATA_PA, odd page invalid; ASID 5.
  d.tlbwi(1, USER_VA | 5, entryLo(DATA_PA), entryLo(DATA_PA + 0x1000, { v: false }));
  d.setC0(C0.EntryHi, 5);
  a.li(R.s1, USER_VA);
  a.emit(mem('lw', R.s2, 0, R.s1));
  a.emit(mem('lw', R.s3, 0xffc, R.s1));
  a.li(R.s4, 0x12345678);
  a.emit(mem('sw', R.s4, 8, R.s1));
  a.li(R.s5, 0x80000000 + DATA_PA);
  a.emit(mem('lw', R.s6, 8, R.s5)); // the store is visible at the physical address
  d.print(R.s2, R.s3, R.s6);
  d.test('tlb invalid (odd page V = 0)');
  d.guarded(() => a.emit(mem('lw', R.s3, 0x1000, R.s1)));
  d.guarded(() => a.emit(mem('sw', R.s3, 0x1004, R.s1)));
  d.test('tlb asid mismatch and global');
  d.setC0(C0.EntryHi, 6);
  d.guarded(() => a.emit(mem('lw', R.s3, 0, R.s1)));
  d.tlbwi(1, USER_VA | 5, entryLo(DATA_PA, { g: true }), entryLo(DATA_PA + 0x1000, { g: true }));
  d.setC0(C0.EntryHi, 6);
  a.li(R.s3, 0);
  d.guarded(() => a.emit(mem('lw', R.s3, 0x1000, R.s1)));
  d.print(R.s3);
  d.test('tlb modified (D = 0)');
  d.tlbwi(1, USER_VA | 6, entryLo(DATA_PA, { d: false }), entryLo(DATA_PA + 0x1000, { d: false }));
  d.guarded(() => a.emit(mem('sw', R.s3, 0x10, R.s1)));
  d.guarded(() => a.emit(mem('swl', R.s3, 0x1011, R.s1)));
  a.emit(mem('lw', R.s4, 0x10, R.s1)); // loads still work
  d.print(R.s4);
  d.test('tlb faults of unaligned-word accesses (BadVAddr = effective address)');
  d.guarded(() => a.emit(mem('swr', R.s3, 0x1013, R.s1)));
  d.setC0(C0.EntryHi, 7); // ASID 7: misses
  for (const m of ['lwl', 'lwr', 'swl', 'swr'] as const) {
    for (const off of [0x21, 0x22, 0x1003]) d.guarded(() => a.emit(mem(m, R.s3, off, R.s1)));
  }
  d.setC0(C0.EntryHi, 6);
  d.test('tlbp');
  d.setC0(C0.EntryHi, USER_VA | 6);
  a.emit(cop0('tlbp'));
  a.emit(ehb());
  a.emit(mfc0(R.s2, C0.Index));
  d.setC0(C0.EntryHi, 0x00800000 | 6);
  a.emit(cop0('tlbp'));
  a.emit(ehb());
  a.emit(mfc0(R.s3, C0.Index));
  a.li(R.t0, 0x80000000); // on a miss only P is defined (MIPS32 Vol. II TLBP)
  a.emit(alu3('and', R.s3, R.s3, R.t0));
  d.setC0(C0.EntryHi, USER_VA | 0x1000 | 6); // odd page of the same pair
  a.emit(cop0('tlbp'));
  a.emit(ehb());
  a.emit(mfc0(R.s4, C0.Index));
  d.print(R.s2, R.s3, R.s4);
  d.test('tlb large pages');
  // 16 KiB pages (PageMask 0x6000): VA 0x01000000 pair -> DATA_PA (even), DATA_PA + 0x4000 (odd).
  d.tlbwi(2, 0x01000000 | 6, entryLo(DATA_PA), entryLo(DATA_PA + 0x4000, { v: false }), 0x6000);
  d.setC0(C0.EntryHi, 6);
  a.li(R.s1, 0x01000000);
  a.emit(mem('lw', R.s2, 0x3ffc, R.s1));
  d.guarded(() => a.emit(mem('lw', R.s3, 0x4000, R.s1)));
  d.print(R.s2);
  d.test('tlbwr with Wired = 15');
  d.setC0(C0.Wired, 15);
  d.setC0(C0.EntryHi, 0x00600000 | 6);
  d.setC0(C0.EntryLo0, entryLo(DATA_PA + 0x2000));
  d.setC0(C0.EntryLo1, entryLo(DATA_PA + 0x3000));
  d.setC0(C0.PageMask, 0);
  a.emit(cop0('tlbwr'));
  a.emit(ehb());
  a.li(R.s1, 0x00601000);
  a.emit(mem('lw', R.s2, 4, R.s1));
  a.emit(cop0('tlbp'));
  a.emit(ehb());
  a.emit(mfc0(R.s3, C0.Index));
  d.setC0(C0.Wired, 0);
  d.print(R.s2, R.s3);
  d.test('Context after refill in kseg2');
  d.setC0(C0.Context, 0x12345678);
  a.li(R.s1, 0xc0ab6000);
  d.guarded(() => a.emit(mem('lh', R.s3, 0x12, R.s1)));
  a.emit(mfc0(R.s2, C0.Context));
  a.emit(mfc0(R.s3, C0.EntryHi));
  d.print(R.s2, R.s3);
}

/**
 * Code through the TLB: a kuseg page executed in kernel mode, then remapped by tlbwi and by an
 * ASID switch. A translation or decoded-code cache that is not flushed returns the old page's
 * answer.
 */
function codeRemap(d: Directed): void {
  const a = d.a;
  const VA = 0x00800000;
  const call = (): void => {
    a.li(R.t9, VA);
    a.emit(jalrHb(R.ra, R.t9));
    a.emit(nop());
  };
  d.test('code remapped by tlbwi and by ASID');
  d.tlbwi(5, VA | 1, entryLo(CODEA_PA), entryLo(CODEA_PA + 0x2000, { v: false }));
  d.setC0(C0.EntryHi, 1);
  call();
  a.emit(alu3('or', R.s1, R.v0, R.zero));
  d.tlbwi(5, VA | 1, entryLo(CODEB_PA), entryLo(CODEA_PA + 0x2000, { v: false }));
  d.setC0(C0.EntryHi, 1);
  call();
  a.emit(alu3('or', R.s2, R.v0, R.zero));
  // Same VPN2, ASID 2 -> page A (no double match: ASIDs differ, neither global).
  d.tlbwi(6, VA | 2, entryLo(CODEA_PA), entryLo(CODEA_PA + 0x2000, { v: false }));
  d.setC0(C0.EntryHi, 2);
  call();
  a.emit(alu3('or', R.s3, R.v0, R.zero));
  d.setC0(C0.EntryHi, 1);
  call();
  a.emit(alu3('or', R.s4, R.v0, R.zero));
  d.print(R.s1, R.s2, R.s3, R.s4);
  d.tlbwi(5, 0x80000000 + (5 << 13), 0, 0, 0);
  d.tlbwi(6, 0x80000000 + (6 << 13), 0, 0, 0);
  d.setC0(C0.EntryHi, 0);

  d.test('self-modifying code (synci; sync; jalr.hb)');
  // A routine in this image, run once, rewritten, run again: through kseg0, then written through
  // the kseg1 alias, then an instruction in the page that is executing.
  const routine = a.newLabel('smc_routine');
  const after = a.newLabel('smc_after');
  const rewrite = (value: number, viaKseg1: boolean): void => {
    a.la(R.t0, routine);
    a.li(R.t1, aluImm('addiu', R.v0, R.zero, value).word);
    if (viaKseg1) {
      a.li(R.t2, 0x20000000);
      a.emit(alu3('or', R.t2, R.t0, R.t2));
      a.emit(mem('sw', R.t1, 4, R.t2));
    } else {
      a.emit(mem('sw', R.t1, 4, R.t0));
    }
    a.emit(synci(4, R.t0));
    a.emit(sync());
  };
  const callRoutine = (dst: number): void => {
    a.la(R.t9, routine);
    a.emit(jalrHb(R.ra, R.t9));
    a.emit(nop());
    a.emit(alu3('or', dst, R.v0, R.zero));
  };
  a.br('beq', R.zero, R.zero, after);
  a.emit(nop());
  a.label(routine);
  a.emit(jr(R.ra));
  a.emit(aluImm('addiu', R.v0, R.zero, 1));
  a.label(after);
  callRoutine(R.s1);
  rewrite(7, false);
  callRoutine(R.s2);
  rewrite(9, true);
  callRoutine(R.s3);
  // The next instruction after the synci sequence is itself rewritten, then reached by jr.hb.
  const patched = a.newLabel('smc_patched');
  a.la(R.t0, patched);
  a.li(R.t1, aluImm('addiu', R.s4, R.zero, 11).word);
  a.emit(mem('sw', R.t1, 0, R.t0));
  a.emit(synci(0, R.t0));
  a.emit(sync());
  a.emit(jalrHb(R.zero, R.t0));
  a.emit(nop());
  a.label(patched);
  a.emit(aluImm('addiu', R.s4, R.zero, 3));
  d.print(R.s1, R.s2, R.s3, R.s4);
}

function userMode(d: Directed): void {
  d.test('user mode');
  // Code page: VA USER_VA + 0x2000 pair -> USER_PA, global, read-only.
  const CODE_VA = UCODE_VA;
  d.tlbwi(4, CODE_VA, entryLo(USER_PA, { d: false, g: true }), entryLo(USER_PA + 0x1000, { d: false, g: true }));
  const snippets: [string, (u: Asm) => void][] = [
    ['syscall', (u) => u.emit(syscall())],
    ['kseg0 load', (u) => { u.emit(lui(R.t0, 0x8000)); u.emit(mem('lw', R.t1, 0, R.t0)); }],
    ['kseg1 store', (u) => { u.emit(lui(R.t0, 0xa000)); u.emit(mem('sw', R.t1, 0, R.t0)); }],
    ['mfc0', (u) => u.emit(mfc0(R.t0, C0.Status))],
    ['eret', (u) => u.emit(cop0('eret'))],
    ['cache', (u) => u.emit(cache(0x15, 0, R.zero))],
    ['unmapped kuseg', (u) => u.emit(mem('lw', R.t1, 0x100, R.zero))],
    ['store to read-only page', (u) => { u.li(R.t0, CODE_VA); u.emit(mem('sw', R.t1, 0x40, R.t0)); }],
    ['rdhwr CC with HWREna = 0', (u) => u.emit(rdhwr(R.t0, 2))],
    ['overflow', (u) => { u.li(R.t0, 0x7fffffff); u.emit(aluImm('addi', R.t0, R.t0, 1)); }],
    ['fetch from kseg0', (u) => { u.li(R.t0, CODE); u.emit(jr(R.t0)); u.emit(nop()); }],
    ['break in delay slot', (u) => { const l = u.newLabel('ul'); u.br('beq', R.zero, R.zero, l); u.emit(brk()); u.label(l); }],
    ['lwc1', (u) => u.emit(raw(0xc4000000, 'lwc1'))],
  ];
  for (const [name, body] of snippets) {
    const va = d.userCode(body);
    d.puts(`  user ${name}\n`);
    d.runUser(va, 9);
  }
  d.test('user rdhwr with HWREna');
  d.setC0(C0.HWREna, 0x0000000b); // CPUNum, SYNCI_Step, CCRes
  {
    const va = d.userCode((u) => {
      u.emit(rdhwr(R.s1, 0));
      u.emit(rdhwr(R.s2, 1));
      u.emit(rdhwr(R.s3, 3));
    });
    d.runUser(va, 9);
    d.print(R.s1, R.s2, R.s3);
  }
  d.setC0(C0.HWREna, 0);
}

function eretAndInterrupts(d: Directed): void {
  const a = d.a;
  d.test('eret with ERL = 1 uses ErrorEPC');
  {
    const t = a.newLabel('erl_target');
    a.la(R.t0, t);
    a.emit(mtc0(R.t0, C0.ErrorEPC));
    a.li(R.t0, 0x0badc0de & ~3);
    a.emit(mtc0(R.t0, C0.EPC));
    d.setC0(C0.Status, ST_ERL | ST_EXL);
    a.emit(cop0('eret'));
    a.emit(nop());
    d.puts('  not reached\n');
    a.label(t);
    a.emit(mfc0(R.s1, C0.Status));
    d.print(R.s1);
    d.setC0(C0.Status, 0);
  }
  d.test('ERL = 1 leaves kuseg unmapped');
  d.setC0(C0.Status, ST_ERL);
  a.li(R.s1, DATA_PA);
  a.emit(mem('lw', R.s2, 0x20, R.s1));
  d.setC0(C0.Status, 0);
  d.print(R.s2);
  d.test('eret clears LLbit');
  {
    const t = a.newLabel('ll_target');
    a.li(R.s1, 0x80000000 + DATA_PA);
    a.emit(mem('ll', R.s2, 0x40, R.s1));
    a.la(R.t0, t);
    a.emit(mtc0(R.t0, C0.EPC));
    d.setC0(C0.Status, ST_EXL);
    a.emit(cop0('eret'));
    a.emit(nop());
    a.label(t);
    a.emit(aluImm('addiu', R.s3, R.zero, 77));
    a.emit(mem('sc', R.s3, 0x40, R.s1));
    a.emit(mem('lw', R.s4, 0x40, R.s1));
    // And an undisturbed LL/SC pair succeeds.
    a.emit(mem('ll', R.s5, 0x44, R.s1));
    a.emit(aluImm('addiu', R.s5, R.s5, 1));
    a.emit(mem('sc', R.s5, 0x44, R.s1));
    a.emit(mem('lw', R.s6, 0x44, R.s1));
    d.print(R.s3, R.s4, R.s5, R.s6);
  }
  d.test('software interrupt');
  d.setC0(C0.Cause, 1 << 8); // IP0 pending, Status.IE = 0: nothing yet
  a.emit(mfc0(R.s1, C0.Cause));
  a.li(R.t0, 0x300);
  a.emit(alu3('and', R.s1, R.s1, R.t0));
  d.print(R.s1);
  d.guarded(() => {
    d.setC0(C0.Status, ST_IM0 | ST_IE);
    a.emit(nop());
    a.emit(nop());
  });
  d.setC0(C0.Status, 0);
  d.test('software interrupt with Cause.IV');
  d.setC0(C0.Cause, CAUSE_IV | (1 << 9));
  d.guarded(() => {
    d.setC0(C0.Status, (1 << 9) | ST_IE);
    a.emit(nop());
  });
  d.setC0(C0.Status, 0);
  d.setC0(C0.Cause, 0);
  d.test('masked software interrupt stays pending');
  d.setC0(C0.Cause, 1 << 9);
  d.setC0(C0.Status, ST_IM0 | ST_IE); // IM1 = 0
  a.emit(mfc0(R.s1, C0.Cause));
  d.setC0(C0.Status, 0);
  d.setC0(C0.Cause, 0);
  a.li(R.t0, 0x300);
  a.emit(alu3('and', R.s1, R.s1, R.t0));
  d.print(R.s1);
  // No timer test: when QEMU raises Cause.TI depends on host time.
  d.test('EBase relocation');
  d.setEBase(ALT_EBASE);
  d.guarded(() => a.emit(syscall()));
  a.li(R.s1, 0x00001000);
  d.guarded(() => a.emit(mem('lw', R.s2, 0, R.s1))); // refill at the new base
  d.setEBase(VEC);
  d.test('HI/LO edge cases');
  for (const [m, x, y] of [['div', 0x80000000, 0xffffffff], ['divu', 0x80000000, 0xffffffff], ['div', 7, -2], ['div', -7, 2], ['mult', 0x80000000, 0x80000000], ['multu', 0xffffffff, 0xffffffff]] as const) {
    a.li(R.s1, x); a.li(R.s2, y);
    a.emit(muldiv(m, R.s1, R.s2));
    a.emit(mfhi(R.s3)); a.emit(mflo(R.s4));
    d.print(R.s3, R.s4);
  }
  a.li(R.s1, 0x7fffffff); a.emit(mthi(R.s1)); a.li(R.s1, 0xffffffff); a.emit(mtlo(R.s1));
  a.li(R.s1, 0x7fffffff); a.li(R.s2, 2);
  a.emit(muldiv('madd', R.s1, R.s2));
  a.emit(mfhi(R.s3)); a.emit(mflo(R.s4));
  a.emit(muldiv('msubu', R.s2, R.s1));
  a.emit(mfhi(R.s5)); a.emit(mflo(R.s6));
  d.print(R.s3, R.s4, R.s5, R.s6);
  d.test('ins/ext extremes');
  a.li(R.s1, 0x89abcdef);
  a.li(R.s2, 0x01234567);
  a.emit(alu3('or', R.s3, R.s2, R.zero));
  a.emit(ins(R.s3, R.s1, 0, 32));
  a.emit(alu3('or', R.s4, R.s2, R.zero));
  a.emit(ins(R.s4, R.s1, 31, 1));
  a.emit(ext(R.s5, R.s1, 0, 32));
  a.emit(ext(R.s6, R.s1, 31, 1));
  d.print(R.s3, R.s4, R.s5, R.s6);
}

/** Builds the directed image. Same code every time (no randomness). */
export function buildDirected(): { elf: Uint8Array; asm: Asm; tests: number } {
  const d = new Directed();
  const a = d.a;
  // Leave the boot state (Status = BEV on QEMU's Malta): BEV = 0, kernel mode, interrupts off;
  // k0 = save base for the print helpers, k1 = 0 (no resume address).
  a.emit(lui(R.k0, SAVE >>> 16));
  a.emit(alu3('or', R.k1, R.zero, R.zero));
  d.setC0(15, VEC, 1); // EBase, while BEV = 1 (boot state)
  a.emit(mtc0(R.zero, C0.Status));
  a.emit(mtc0(R.zero, C0.Cause));
  a.emit(ehb());
  // The TLB's contents after reset are undefined: give every entry a unique VPN2 in kseg0, which
  // is never translated, before anything touches a mapped address (as Linux's local_flush does).
  for (let i = 0; i < 16; i++) d.tlbwi(i, 0x80000000 + (i << 13), 0, 0, 0);
  cp0State(d);
  basicExceptions(d);
  delaySlots(d);
  tlbTests(d);
  codeRemap(d);
  userMode(d);
  eretAndInterrupts(d);
  return d.finishImage();
}
