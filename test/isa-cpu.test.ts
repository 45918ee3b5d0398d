// The opcode table (cpu/isa.ts) and the interpreter (cpu/cpu.ts) agree on what is an
// instruction: every table entry executes without a Reserved Instruction exception, and every
// word outside the table's instruction classes raises RI.
//
// The interpreter decodes reserved-zero fields leniently (e.g. addu with a nonzero sa field
// executes as addu, as on QEMU); the table and the disassembler are strict. So for words the
// table rejects we require RI only when no entry shares the word's class: the major opcode and,
// where the manual uses one, its function/rt/rs selector.

import { describe, expect, it } from 'vitest';
import { Bus } from '../cpu/bus.ts';
import { Cpu } from '../cpu/cpu.ts';
import { EXC_RI, ST_CU0 } from '../cpu/cp0.ts';
import { OPS, decode, F_RI_RUNTIME } from '../cpu/isa.ts';
import { encodeOp, randomFields, seededRng } from '../cpu/encode.ts';

const BASE = 0x1000;

/** Execute one word in kernel mode (EXL clear, CU0 set) and report whether it raised RI. */
function raisesRI(cpu: Cpu, w: number, rng: () => number): boolean {
  cpu.reset();
  cpu.cp0.status = ST_CU0; // kernel mode, BEV=0: vectors in RAM at 0x80000000
  for (let i = 1; i < 32; i++) cpu.r[i] = rng() | 0;
  cpu.bus.ram32[BASE >> 2] = w;
  cpu.setPC((0x80000000 + BASE) | 0);
  const before = cpu.excCount[EXC_RI];
  cpu.run(1);
  return cpu.excCount[EXC_RI] !== before;
}

function classKey(w: number): string {
  const op = w >>> 26;
  switch (op) {
    case 0x00: return `special/${w & 63}`;
    case 0x01: return `regimm/${(w >>> 16) & 31}`;
    case 0x1c: return `special2/${w & 63}`;
    case 0x1f: return (w & 63) === 0x20 ? `bshfl/${(w >>> 6) & 31}` : `special3/${w & 63}`;
    case 0x10: return (w >>> 25) & 1 ? `cop0co/${w & 63}` : `cop0/${(w >>> 21) & 31}`;
    default: return `op/${op}`;
  }
}

describe('opcode table vs interpreter', () => {
  const cpu = new Cpu(new Bus(1 << 20));
  const rng = seededRng(0xd15c0);

  it('executes every table entry without RI', () => {
    const bad: string[] = [];
    for (const op of OPS) {
      if ((op.flags & F_RI_RUNTIME) !== 0) continue; // e.g. rdhwr of an unimplemented register
      for (let k = 0; k < 40; k++) {
        const w = encodeOp(op, randomFields(op, rng));
        if (raisesRI(cpu, w, rng)) { bad.push(`${op.name} 0x${(w >>> 0).toString(16)}`); break; }
      }
    }
    expect(bad).toEqual([]);
  });

  it('raises RI for words outside every instruction class of the table', () => {
    const classes = new Set<string>();
    for (const op of OPS) for (let k = 0; k < 64; k++) classes.add(classKey(encodeOp(op, randomFields(op, rng))));
    const bad: string[] = [];
    let checked = 0;
    for (let k = 0; k < 200_000 && bad.length < 10; k++) {
      const w = rng() | 0;
      if (decode(w) !== null || classes.has(classKey(w))) continue;
      checked++;
      if (!raisesRI(cpu, w, rng)) bad.push(`0x${(w >>> 0).toString(16)} (${classKey(w)})`);
    }
    expect(checked).toBeGreaterThan(1000);
    expect(bad).toEqual([]);
  });
});
