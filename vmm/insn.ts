// Instruction decoding the monitor needs (MIPS32 Vol. II): loads and stores it emulates
// (kseg0/kseg1 accesses and device registers from virtual kernel mode), and the target of a
// branch whose delay slot held an emulated instruction, so that execution resumes where the
// hardware would have gone.

/** A decoded load or store. */
export interface MemOp {
  store: boolean;
  /** Bytes moved: 1, 2 or 4 (lwl/lwr/swl/swr: 4, on the aligned word). */
  size: 1 | 2 | 4;
  /** Loads: sign-extend the value. */
  signed: boolean;
  /** Major opcode (lwl 0x22, lwr 0x26, swl 0x2a, swr 0x2e, ll 0x30, sc 0x38 need care). */
  op: number;
  rt: number;
  base: number;
  offset: number;
}

/** Decode a load/store word; null for anything else (cache, pref and FPU loads included). */
export function decodeMem(w: number): MemOp | null {
  const op = w >>> 26;
  const rt = (w >>> 16) & 31, base = (w >>> 21) & 31, offset = (w << 16) >> 16;
  const m = (store: boolean, size: 1 | 2 | 4, signed: boolean): MemOp => ({ store, size, signed, op, rt, base, offset });
  switch (op) {
    case 0x20: return m(false, 1, true); // lb
    case 0x24: return m(false, 1, false); // lbu
    case 0x21: return m(false, 2, true); // lh
    case 0x25: return m(false, 2, false); // lhu
    case 0x23: return m(false, 4, false); // lw
    case 0x30: return m(false, 4, false); // ll
    case 0x22: case 0x26: return m(false, 4, false); // lwl, lwr
    case 0x28: return m(true, 1, false); // sb
    case 0x29: return m(true, 2, false); // sh
    case 0x2b: return m(true, 4, false); // sw
    case 0x38: return m(true, 4, false); // sc
    case 0x2a: case 0x2e: return m(true, 4, false); // swl, swr
    default: return null;
  }
}

/** True for lwl/lwr/swl/swr: unaligned addresses are legal. */
export function isPartial(op: number): boolean {
  return op === 0x22 || op === 0x26 || op === 0x2a || op === 0x2e;
}

/** lwl/lwr: merge aligned word `v` into register value `old` for address `va` (little-endian). */
export function mergeLoadPartial(op: number, va: number, v: number, old: number): number {
  if (op === 0x22) { const a = (3 - (va & 3)) << 3; return ((v << a) | (old & ((1 << a) - 1))) | 0; }
  const a = (va & 3) << 3;
  return ((v >>> a) | (old & ~(-1 >>> a))) | 0;
}

/** swl/swr: the new aligned word from register value `rt` and the old word (little-endian). */
export function mergeStorePartial(op: number, va: number, rt: number, old: number): number {
  if (op === 0x2a) { const s = (3 - (va & 3)) << 3; return ((rt >>> s) | (old & ~(-1 >>> s))) | 0; }
  const s = (va & 3) << 3;
  return ((rt << s) | (old & ((1 << s) - 1))) | 0;
}

/**
 * Where a taken-or-not branch at `pc` (word `w`) continues after its delay slot, given the
 * registers as they are now (after the branch executed: a link register it wrote does not
 * feed its own condition, except in encodings the manual calls UNPREDICTABLE). Returns null
 * if `w` is not a branch or jump.
 */
export function branchTarget(pc: number, w: number, r: Int32Array): number | null {
  const op = w >>> 26;
  const rs = r[(w >>> 21) & 31], rt = r[(w >>> 16) & 31];
  const taken = (pc + 4 + ((w << 16) >> 14)) | 0;
  const fall = (pc + 8) | 0;
  switch (op) {
    case 0x00: {
      const f = w & 63;
      if (f === 0x08 || f === 0x09) return rs | 0; // jr, jalr
      return null;
    }
    case 0x01:
      switch ((w >>> 16) & 31) {
        case 0x00: case 0x02: case 0x10: case 0x12: return rs < 0 ? taken : fall; // bltz(l)(al)
        case 0x01: case 0x03: case 0x11: case 0x13: return rs >= 0 ? taken : fall; // bgez(l)(al)
        default: return null;
      }
    case 0x02: case 0x03: return (((pc + 4) & 0xf0000000) | ((w & 0x3ffffff) << 2)) | 0; // j, jal
    case 0x04: case 0x14: return rs === rt ? taken : fall; // beq(l)
    case 0x05: case 0x15: return rs !== rt ? taken : fall; // bne(l)
    case 0x06: case 0x16: return rs <= 0 ? taken : fall; // blez(l)
    case 0x07: case 0x17: return rs > 0 ? taken : fall; // bgtz(l)
    default: return null;
  }
}
