// Instruction encoder driven by the opcode table (isa.ts): the inverse of decode + fieldValue.
// Used by tests and by the random-program generator.
//
// Field values are what an assembler operand means, with two exceptions noted on the kinds:
//   gpr/fpr/cp0/hwr/...  register numbers
//   simm                 -32768..32767;  uimm/code/cacheop/hint: 0..2^width-1
//   branch               signed instruction count from pc + 4 (see branchOffset)
//   jump                 26-bit word index inside the 256 MiB region of pc + 4 (see jumpIndex)
//   ext/ins 'size'       the bit-field size (1..32), with pos + size <= 32 (Vol. II EXT, INS)
// Missing fields are 0, except clz/clo's rt which defaults to rd (the manual requires rt == rd).

import { opByName, type OpInfo } from './isa.ts';

/** A field value out of range, an unknown field or mnemonic: a caller bug. */
export class EncodeError extends Error {}

/** Fields whose default is another field's value. */
const TIED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  clz: { rt: 'rd' },
  clo: { rt: 'rd' },
};

/** Encode `op` with the given field values; returns the word as an unsigned 32-bit number. */
export function encodeOp(op: OpInfo, fields: Readonly<Record<string, number>> = {}): number {
  for (const k of Object.keys(fields)) {
    if (!op.operands.some((o) => o.name === k)) throw new EncodeError(`${op.name} has no field '${k}'`);
  }
  const tied = TIED[op.name] ?? {};
  const pos = fields['pos'] ?? 0;
  let word = op.match;
  for (const o of op.operands) {
    const from = tied[o.name];
    let v = fields[o.name] ?? (from !== undefined ? (fields[from] ?? 0) : 0);
    if (!Number.isInteger(v)) throw new EncodeError(`${op.name}: ${o.name}=${v} is not an integer`);
    const max = 2 ** o.width;
    switch (o.kind) {
      case 'simm':
      case 'branch':
        if (v < -max / 2 || v >= max / 2) throw new EncodeError(`${op.name}: ${o.name}=${v} out of signed ${o.width}-bit range`);
        break;
      case 'extsize':
      case 'inssize':
        if (v < 1 || pos + v > 32) throw new EncodeError(`${op.name}: pos=${pos} size=${v} outside 1 <= size, pos + size <= 32`);
        v = o.kind === 'extsize' ? v - 1 : pos + v - 1;
        break;
      default:
        if (v < 0 || v >= max) throw new EncodeError(`${op.name}: ${o.name}=${v} out of unsigned ${o.width}-bit range`);
    }
    word |= (v & (max - 1)) << o.shift;
  }
  if (op.check && !op.check(word)) throw new EncodeError(`${op.name}: fields ${JSON.stringify(fields)} are not a valid encoding`);
  return word >>> 0;
}

/** Encode by mnemonic (OPS or COP_FORMS name, e.g. 'addu', 'jr.hb'). */
export function encode(name: string, fields: Readonly<Record<string, number>> = {}): number {
  const op = opByName(name);
  if (!op) throw new EncodeError(`unknown mnemonic '${name}'`);
  return encodeOp(op, fields);
}

/** Keep only the fields `name` has; a dropped field must be 0 (helpers pass all positions). */
function pick(name: string, fields: Record<string, number>): Record<string, number> {
  const op = opByName(name);
  if (!op) throw new EncodeError(`unknown mnemonic '${name}'`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (op.operands.some((o) => o.name === k)) out[k] = v;
    else if (v !== 0) throw new EncodeError(`${name} has no field '${k}'`);
  }
  return out;
}

/** Three-register form: addu rd,rs,rt; also mult rs,rt / mfhi rd / jr rs (unused registers 0). */
export function encR(name: string, rd: number, rs: number, rt: number): number {
  return encode(name, pick(name, { rd, rs, rt }));
}

/** Shift by immediate: sll rd,rt,sa. */
export function encShift(name: string, rd: number, rt: number, sa: number): number {
  return encode(name, { rd, rt, sa });
}

/** Immediate form: addiu rt,rs,imm (lui rt,imm with rs 0; teqi rs,imm with rt 0). */
export function encI(name: string, rt: number, rs: number, imm: number): number {
  return encode(name, pick(name, { rt, rs, imm }));
}

/** Memory form: lw rt,offset(base); for cache `rt` is the op, for pref the hint, for lwc1 ft. */
export function encMem(name: string, rt: number, base: number, offset: number): number {
  const op = opByName(name);
  const reg = op?.operands.find((o) => o.shift === 16 && o.width === 5)?.name ?? 'rt';
  return encode(name, pick(name, { [reg]: rt, base, offset }));
}

/** Branch: beq rs,rt,offset; bltz rs,offset with rt 0. `offset` counts instructions from pc+4. */
export function encBranch(name: string, rs: number, rt: number, offset: number): number {
  return encode(name, pick(name, { rs, rt, offset }));
}

/** j/jal to a 26-bit word index (see jumpIndex). */
export function encJump(name: string, target: number): number {
  return encode(name, { target });
}

/** Branch offset field for a branch at `pc` reaching `target`; throws if not encodable. */
export function branchOffset(pc: number, target: number): number {
  const delta = ((target >>> 0) - ((pc + 4) >>> 0)) | 0;
  if ((delta & 3) !== 0 || delta < -0x20000 || delta > 0x1fffc) {
    throw new EncodeError(`branch from 0x${(pc >>> 0).toString(16)} cannot reach 0x${(target >>> 0).toString(16)}`);
  }
  return delta >> 2;
}

/** Jump target field for j/jal at `pc` reaching `target`; throws if outside pc+4's 256 MiB region. */
export function jumpIndex(pc: number, target: number): number {
  if ((target & 3) !== 0 || ((target ^ (pc + 4)) & 0xf0000000) !== 0) {
    throw new EncodeError(`jump from 0x${(pc >>> 0).toString(16)} cannot reach 0x${(target >>> 0).toString(16)}`);
  }
  return (target >>> 2) & 0x3ffffff;
}

/** A source of uniformly random unsigned 32-bit integers. */
export type Rng = () => number;

/** mulberry32: a small seeded PRNG, deterministic across runs (tests, program generators). */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Random valid field values for `op` (for encodeOp). Values lean towards edges (0, all ones,
 * small numbers) a quarter of the time; ext/ins get pos + size <= 32; clz/clo's rt is left to
 * default to rd.
 */
export function randomFields(op: OpInfo, rng: Rng): Record<string, number> {
  const f: Record<string, number> = {};
  const pos = op.operands.find((o) => o.kind === 'pos');
  if (pos) f[pos.name] = rng() % 32;
  const tied = TIED[op.name] ?? {};
  for (const o of op.operands) {
    if (o.kind === 'pos' || tied[o.name] !== undefined) continue;
    if (o.kind === 'extsize' || o.kind === 'inssize') {
      f[o.name] = 1 + (rng() % (32 - (f['pos'] ?? 0)));
      continue;
    }
    const max = 2 ** o.width;
    let v = rng() % max;
    const edge = rng() % 16;
    if (edge === 0) v = 0;
    else if (edge === 1) v = max - 1;
    else if (edge === 2) v = rng() % 8;
    else if (edge === 3) v = max - 1 - (rng() % 8);
    if (o.kind === 'simm' || o.kind === 'branch') v = v >= max / 2 ? v - max : v;
    f[o.name] = v;
  }
  return f;
}
