// The monitor's core, with small assembled guests: hypercalls, privileged-instruction
// emulation, the window, device emulation, exception reflection, containment.

import { describe, expect, it } from 'vitest';
import { buildElf } from '../cpu/elf.ts';
import { assemble } from './cpu/helpers.ts';
import { Monitor } from '../vmm/monitor.ts';
import type { Vm } from '../vmm/vm.ts';

const ORG = 0xc0100000 | 0;

/** An image whose code runs in the window at 0xC0100000 (physical 0x100000). */
function image(src: string): Uint8Array {
  const prog = assemble(src, ORG);
  const data = new Uint8Array(prog.words.length * 4);
  const dv = new DataView(data.buffer);
  prog.words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return buildElf([{ vaddr: ORG, paddr: 0x100000, data, memsz: data.length + 0x1000, flags: 7 }], ORG);
}

interface Run { mon: Monitor; vms: Vm[]; out: string[] }

function runVms(srcs: string[], opts: { cpus?: number; mem?: number; max?: number } = {}): Run {
  const out = srcs.map(() => '');
  const mon = new Monitor({ cpusPerNode: opts.cpus ?? 1, memBytes: 64 << 20, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  const vms = srcs.map((s, i) => mon.createVm({ memBytes: opts.mem ?? (4 << 20), image: image(s), imageName: `t${i}`, maxInstructions: opts.max ?? 2_000_000 }));
  mon.run();
  expect(mon.internalErrors).toEqual([]);
  return { mon, vms, out };
}

const HC = (fn: number): string => `lui v0, 0x4d43\nori v0, v0, ${fn}\nsyscall\n`;
const PUTC = (ch: string): string => `li a0, ${ch.charCodeAt(0)}\n${HC(2)}`;
let lab = 0;
const EXIT = (code: number): string => { lab++; return `li a0, ${code}\n${HC(4)}\nend${lab}: b end${lab}\nnop\n`; };

describe('monitor basics', () => {
  it('probe and console monitor calls, exit', () => {
    const r = runVms([`${HC(0)}move s0, v0\nmove s1, v1\n${PUTC('o')}${PUTC('k')}\nli t0, 0x4f435344\nbne s0, t0, bad\nnop\n${EXIT(7)}bad: ${EXIT(1)}`]);
    expect(r.out[0]).toBe('ok');
    expect(r.vms[0].stopKind).toBe('halt');
    expect(r.vms[0].exitCode).toBe(7);
  });
});
