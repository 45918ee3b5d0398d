// The random program generator: deterministic, and it only generates architecturally defined
// behaviour (checked by decoding every generated word with the opcode table).

import { describe, it, expect } from 'vitest';
import { generateProgram, buildBatch, assembleUnits, BUF_BYTES, CODE_BASE, type AssembledUnit } from './gen.ts';
import {
  decode, rsOf, rtOf, rdOf, F_BRANCH, F_JUMP, F_LOAD, F_STORE, F_LINK, F_OVERFLOW, F_TRAP,
  F_SYSCALL, F_BREAK, F_PRIV, F_DIVIDE, F_WRITE_RT, F_WRITE_RD, F_WRITE_RA, F_LLSC, F_STATE,
} from '../../cpu/isa.ts';

const K0 = 26;
const K1 = 27;
const GP = 28;
const SP = 29;
const RA = 31;

/** The GPR an instruction writes, or -1. */
function written(word: number): number {
  const op = decode(word);
  if (!op) return -1;
  if (op.flags & F_WRITE_RD) return rdOf(word);
  if (op.flags & F_WRITE_RT) return rtOf(word);
  if (op.flags & F_WRITE_RA) return RA;
  return -1;
}

const TLB_UNITS = ['tlbAccess', 'tlbwi', 'tlbwr', 'asid', 'tlbp', 'tlbr', 'swint'];

/** A load/store whose offset from gp/sp (both word-aligned) is not naturally aligned. */
function isMisaligned(name: string, w: number): boolean {
  const off = (w << 16) >> 16;
  const size = name === 'lw' || name === 'sw' || name === 'll' || name === 'sc' ? 4 : name === 'lh' || name === 'lhu' || name === 'sh' ? 2 : 1;
  return off % size !== 0;
}

describe('random program generator', () => {
  it('is deterministic: same seed, same image bytes', () => {
    for (const seeds of [[42, 44], [41, 45], [43, 47]]) {
      const a = buildBatch(seeds.map((s) => generateProgram(s))).elf;
      const b = buildBatch(seeds.map((s) => generateProgram(s))).elf;
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      const c = buildBatch([generateProgram(seeds[0]! + 4), generateProgram(seeds[1]!)]).elf;
      expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    }
    expect(() => buildBatch([generateProgram(42), generateProgram(43)])).toThrow(/different modes/);
  });

  it('honours the requested length', () => {
    for (const length of [1, 50, 2000]) {
      const words = generateProgram(7, { length }).units.reduce((n, u) => n + u.size, 0);
      expect(words).toBeGreaterThanOrEqual(length);
      expect(words).toBeLessThan(length + 8);
    }
  });

  it('generates only defined behaviour; exceptions only in exception mode (odd seeds)', () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    let faults = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const p = generateProgram(seed, { length: 2000 });
      expect(p.mode !== 'plain').toBe((seed & 1) === 1);
      const units = assembleUnits(p);
      const ends = new Set(units.map((u) => u.addr));
      ends.add(units[units.length - 1]!.addr + 4 * units[units.length - 1]!.unit.size);
      const S8 = 30;
      // A loop: lui/ori s8; parts; addiu s8,s8,-1; bne/bgtz/bnel s8 back to the first part; slot.
      const pieces: { unit: AssembledUnit['unit']; addr: number; words: number[]; texts: string[] }[] = [];
      for (const u of units) {
        if (u.unit.kind !== 'loop') { pieces.push(u); continue; }
        const where = `seed ${seed} loop at ${u.addr.toString(16)}`;
        const n = u.words.length;
        const back = u.words[n - 2]!;
        const bop = decode(back);
        if (decode(u.words[0]!)?.name !== 'lui' || rtOf(u.words[0]!) !== S8 || rtOf(u.words[1]!) !== S8) problems.push(`${where}: counter not set first`);
        if (!bop || !['bne', 'bgtz', 'bnel'].includes(bop.name) || rsOf(back) !== S8) problems.push(`${where}: bad back edge`);
        else if (u.addr + 4 * (n - 2) + 4 + ((back << 16) >> 16) * 4 !== u.addr + 8) problems.push(`${where}: back edge does not reach the body`);
        const slot = decode(u.words[n - 1]!);
        if (!slot || slot.flags & (F_BRANCH | F_JUMP) || written(u.words[n - 1]!) === S8) problems.push(`${where}: bad delay slot`);
        let at = 2;
        for (const part of u.unit.parts!) {
          const words = u.words.slice(at, at + part.size);
          if (part.kind === 'loop' || words.some((w) => (decode(w)?.flags ?? 0) & (F_BRANCH | F_JUMP))) problems.push(`${where}: control transfer in the body`);
          if (words.some((w) => written(w) === S8)) problems.push(`${where}: body writes the counter`);
          pieces.push({ unit: part, addr: u.addr + 4 * at, words, texts: u.texts.slice(at, at + part.size) });
          at += part.size;
        }
        // Loop bodies never fault (the parts are checked below like any unit, as in plain mode).
        if (u.texts.some((t) => t.includes('#') || /^(syscall|break)/.test(t))) problems.push(`${where}: may fault`);
        if ([...u.words.slice(2, n - 3), u.words[n - 1]!].some((w, k, ws) => {
          const op = decode(w);
          return op && op.flags & (F_LOAD | F_STORE) && (rsOf(w) === GP || rsOf(w) === SP) && isMisaligned(op.name, w) && k < ws.length;
        })) problems.push(`${where}: misaligned access in a loop`);
      }
      for (const u of pieces) {
        const where = `seed ${seed} ${u.addr.toString(16)} ${u.texts.join('; ')}`;
        if (TLB_UNITS.includes(u.unit.kind)) {
          // tlb mode: CP0/TLB operations and accesses through the TLB slots (which may fault);
          // they must leave the reserved registers alone.
          if (p.mode !== (u.unit.kind === 'swint' ? p.mode === 'plain' ? 'exceptions' : p.mode : 'tlb')) problems.push(`${where}: ${u.unit.kind} unit in ${p.mode} mode`);
          if (u.words.some((w) => [GP, SP, K0, K1].includes(written(w)))) problems.push(`${where}: writes a reserved register`);
          if (u.unit.kind === 'tlbAccess' || u.unit.kind === 'swint') faults++;
          continue;
        }
        u.words.forEach((w, k) => {
          const op = decode(w);
          // Exception mode: deliberately faulting words stand alone or in a delay slot.
          const alone = u.words.length === 1 || (k === u.words.length - 1 && u.words.length >= 2 && (decode(u.words[k - 1]!)?.flags ?? 0) & (F_BRANCH | F_JUMP));
          if (p.mode !== 'plain' && alone && (!op || op.flags & (F_TRAP | F_SYSCALL | F_BREAK | F_OVERFLOW) || u.texts[k]!.includes('#') || (op.flags & (F_LOAD | F_STORE) && isMisaligned(op.name, w)))) {
            faults++;
            if (op && written(w) >= 0 && [K0, K1, GP, SP].includes(written(w))) problems.push(`${where}: writes a reserved register`);
            return;
          }
          if (!op) { problems.push(`${where}: undecodable ${w.toString(16)}`); return; }
          seen.add(op.name);
          if (op.flags & (F_TRAP | F_SYSCALL | F_BREAK | F_PRIV | F_STATE)) {
            // Only never-taken traps ($0 against itself or a constant that cannot match).
            if (!(op.flags & F_TRAP)) problems.push(`${where}: ${op.name}`);
          }
          if (op.flags & F_OVERFLOW) {
            // add/sub/addi only on operands just shifted right by 2 (|x| < 2^29).
            const pre = u.words.slice(0, k).map((x) => decode(x)?.name);
            if (pre.filter((n) => n === 'sra').length !== 2) problems.push(`${where}: unguarded ${op.name}`);
          }
          if (op.flags & F_DIVIDE) {
            // Guard: sltiu t,rt,1; or t,t,rt; div rs,t with t != rt.
            const t = rtOf(w);
            const guard = u.words[0]!;
            if (k !== 2 || decode(guard)?.name !== 'sltiu' || rtOf(guard) !== t || rsOf(guard) === t) problems.push(`${where}: unguarded divide`);
          }
          const dst = written(w);
          if ([GP, SP, K0, K1].includes(dst) && !(op.flags & (F_BRANCH | F_JUMP))) problems.push(`${where}: writes a reserved register`);
          if (op.flags & (F_LOAD | F_STORE)) {
            const base = rsOf(w);
            const off = (w << 16) >> 16;
            let addr: number;
            if (base === GP) addr = off;
            else if (base === SP) addr = BUF_BYTES + off;
            else if (k === 1 && decode(u.words[0]!)?.name === 'addiu' && rsOf(u.words[0]!) === GP && rtOf(u.words[0]!) === base) addr = ((u.words[0]! << 16) >> 16) + off;
            else { problems.push(`${where}: memory access through an unknown base`); return; }
            const size = op.name.startsWith('lw') || op.name.startsWith('sw') || op.name === 'll' || op.name === 'sc' ? 4 : op.name.includes('h') ? 2 : 1;
            const unaligned = ['lwl', 'lwr', 'swl', 'swr'].includes(op.name);
            if (addr < 0 || addr + (unaligned ? 1 : size) > BUF_BYTES) problems.push(`${where}: address ${addr} outside the buffer`);
            if (!unaligned && addr % size !== 0) problems.push(`${where}: misaligned ${op.name}`);
            if ((op.flags & F_LLSC) && op.name === 'sc') {
              const ll = u.words[0]!;
              if (decode(ll)?.name !== 'll' || (ll & 0x03e0ffff) !== (w & 0x03e0ffff)) problems.push(`${where}: sc without matching ll`);
              if (u.words.slice(1, k).some((x) => decode(x)!.flags & (F_LOAD | F_STORE))) problems.push(`${where}: memory access between ll and sc`);
            }
          }
          if (op.flags & (F_BRANCH | F_JUMP)) {
            if (k !== u.words.length - 2) problems.push(`${where}: control transfer not followed by its delay slot`);
            const slot = u.words[k + 1]!;
            const sop = decode(slot);
            if (sop && sop.flags & (F_BRANCH | F_JUMP)) problems.push(`${where}: control transfer in a delay slot`);
            if (op.flags & F_LINK) {
              const link = op.name === 'jalr' ? rdOf(w) : RA;
              if (written(slot) === link) problems.push(`${where}: delay slot writes the link register`);
              if (op.name !== 'jalr' && op.name !== 'jal' && rsOf(w) === RA) problems.push(`${where}: link branch reads ra`);
              if (op.name === 'jalr' && rsOf(w) === rdOf(w)) problems.push(`${where}: jalr rd = rs`);
            }
            // Forward targets at unit boundaries only.
            let target: number | undefined;
            const pc = u.addr + 4 * k;
            if (op.flags & F_BRANCH) target = pc + 4 + ((w << 16) >> 16) * 4;
            else if (op.name === 'j' || op.name === 'jal') target = (((pc + 4) & 0xf0000000) | ((w & 0x3ffffff) << 2)) >>> 0;
            else {
              const hi = u.words[0]!;
              const lo = u.words[1]!;
              target = (((hi & 0xffff) << 16) | (lo & 0xffff)) >>> 0;
            }
            if (target <= pc || !ends.has(target)) problems.push(`${where}: target ${target.toString(16)} is not a later unit`);
          }
        });
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
    expect(faults).toBeGreaterThan(100);
    // Coverage: every instruction the brief asks for appears.
    const wanted = [
      'addu', 'subu', 'and', 'or', 'xor', 'nor', 'slt', 'sltu', 'movz', 'movn', 'add', 'sub', 'addi',
      'addiu', 'slti', 'sltiu', 'andi', 'ori', 'xori', 'lui', 'sll', 'srl', 'sra', 'rotr', 'sllv',
      'srlv', 'srav', 'rotrv', 'mult', 'multu', 'div', 'divu', 'madd', 'maddu', 'msub', 'msubu',
      'mul', 'mfhi', 'mflo', 'mthi', 'mtlo', 'clz', 'clo', 'ext', 'ins', 'seb', 'seh', 'wsbh',
      'lb', 'lbu', 'lh', 'lhu', 'lw', 'lwl', 'lwr', 'll', 'sb', 'sh', 'sw', 'swl', 'swr', 'sc',
      'beq', 'bne', 'blez', 'bgtz', 'bltz', 'bgez', 'bltzal', 'bgezal', 'beql', 'bnel', 'blezl',
      'bgtzl', 'bltzl', 'bgezl', 'bltzall', 'bgezall', 'j', 'jal', 'jr', 'jalr',
    ];
    expect(wanted.filter((n) => !seen.has(n))).toEqual([]);
  });

  it('links programs at kseg0', () => {
    expect(CODE_BASE >>> 29).toBe(4);
  });
});
