// The monitor's core, with small assembled guests: hypercalls, privileged-instruction
// emulation, the window, device emulation, exception reflection, containment.

import { describe, expect, it } from 'vitest';
import { assemble } from './cpu/helpers.ts';
import { HC, windowImage } from './vmm/helpers.ts';
import { Monitor } from '../vmm/monitor.ts';
import type { Vm } from '../vmm/vm.ts';

/** An image whose code runs in the window at 0xC0100000 (physical 0x100000). */
const image = windowImage;

interface Run { mon: Monitor; vms: Vm[]; out: string[] }

function runVms(srcs: string[], opts: { cpus?: number; mem?: number; max?: number } = {}): Run {
  const out = srcs.map(() => '');
  const mon = new Monitor({ cpusPerNode: opts.cpus ?? 1, memBytes: 64 << 20, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  const vms = srcs.map((s, i) => mon.createVm({ memBytes: opts.mem ?? (4 << 20), image: image(s), imageName: `t${i}`, maxInstructions: opts.max ?? 2_000_000 }));
  mon.run();
  expect(mon.internalErrors).toEqual([]);
  return { mon, vms, out };
}

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

describe('L2TLB', () => {
  it('looks up by pair and ASID; global entries match every ASID; find never duplicates a key', async () => {
    const { L2Tlb, L2_GLOBAL } = await import('../vmm/l2tlb.ts');
    const t = new L2Tlb();
    const s = t.victim(0x00400000);
    t.set(s, 0x00401234, 5, false, 0x42, 0x46, 10, 11);
    expect(t.hi[s]).toBe(0x00400000);
    expect(t.lookup(0x00401ffc, 5)).toBe(s);
    expect(t.lookup(0x00400000, 6)).toBe(-1);
    expect(t.lookup(0x00402000, 5)).toBe(-1);
    const g = t.victim(0xc0000000 | 0);
    t.set(g, 0xc0000000 | 0, 0, true, 1, 1, 1, 2);
    expect(t.asid[g]).toBe(L2_GLOBAL);
    expect(t.lookup(0xc0001000 | 0, 77)).toBe(g);
    expect(t.find(0x00400000, 5, false)).toBe(s);
    expect(t.find(0x00400000, 5, true)).toBe(s); // a global key would also match ASID 5's entry
    expect(t.slotsInRange(0x00400000, 0x2000, 5, false)).toEqual([s]);
    expect(t.slotsInRange(0x00400000, 0x2000, 6, false)).toEqual([]);
    expect(t.slotsInRange(0, 0x10000000, 6, true)).toEqual([s]);
    expect(t.slotsInRange(0, 0x80000000, 9, false).length).toBe(0);
    t.clear(s);
    expect(t.lookup(0x00400000, 5)).toBe(-1);
    expect(t.count).toBe(1);
  });

  it('a set holds four ways, replaced round-robin', async () => {
    const { L2Tlb, L2_SETS } = await import('../vmm/l2tlb.ts');
    const t = new L2Tlb();
    // pairs that share a set: vpn2 differing by a multiple of L2_SETS in the hashed bits
    const va = (k: number): number => (k * L2_SETS * 0x2000 * 0x10101) | 0;
    const sets = new Set<number>();
    for (let k = 0; k < 6; k++) sets.add(L2Tlb.set(va(k)));
    const slots: number[] = [];
    for (let k = 0; k < 4; k++) { const s = t.victim(va(0)); t.set(s, va(0) + k * 0x2000 * L2_SETS * 0x10101, k, false, 0, 0, -1, -1); slots.push(s); }
    expect(new Set(slots).size).toBe(4);
    expect(t.victim(va(0))).toBe(slots[0]);
    expect(t.victim(va(0))).toBe(slots[1]);
    expect(sets.size).toBeGreaterThan(0);
  });
});

describe('machine memory allocation', () => {
  it('takes the lowest free page of the preferred node, falls back to the next nodes, keeps order on release', async () => {
    const { MachineAllocator } = await import('../vmm/alloc.ts');
    const a = new MachineAllocator(4 * 16 * 4096, 4); // 4 nodes x 16 pages
    expect(a.alloc(1)).toBe(16);
    expect(a.alloc(1)).toBe(17);
    expect(a.nodeOf(17)).toBe(1);
    a.reserve(0);
    expect(a.useOf(0)).toBe('monitor');
    for (let i = 0; i < 14; i++) a.alloc(1);
    expect(a.freePages(1)).toBe(0);
    expect(a.alloc(1)).toBe(32); // node 2 next
    expect(a.alloc(1, false, true)).toBe(-1); // strict: node 1 only
    a.release(20);
    a.release(18);
    expect(a.alloc(1)).toBe(18);
    expect(a.alloc(1)).toBe(20);
    expect(() => a.release(5)).toThrow(/freed twice/);
    expect(a.freeTotal()).toBe(64 - 1 - 16 - 1);
  });
});

describe('instruction decoding for emulation', () => {
  it('branch targets after the branch executed, taken and not', async () => {
    const { branchTarget, decodeMem, mergeLoadPartial, mergeStorePartial } = await import('../vmm/insn.ts');
    const r = new Int32Array(32);
    r[8] = 5; r[9] = 5; r[10] = -1;
    const pc = 0xc0001000 | 0;
    const enc = (src: string): number => assemble(src, pc).words[0];
    expect(branchTarget(pc, enc('beq t0, t1, 0xc0001040'), r)).toBe(0xc0001040 | 0);
    expect(branchTarget(pc, enc('bne t0, t1, 0xc0001040'), r)).toBe(pc + 8);
    expect(branchTarget(pc, enc('bltz t2, 0xc0000ff0'), r)).toBe(0xc0000ff0 | 0);
    expect(branchTarget(pc, enc('bgezal t2, 0xc0000ff0'), r)).toBe(pc + 8);
    expect(branchTarget(pc, enc('j 0xc0200000'), r)).toBe(0xc0200000 | 0);
    expect(branchTarget(pc, enc('jr t0'), r)).toBe(5);
    expect(branchTarget(pc, enc('addu t0, t0, t1'), r)).toBeNull();
    expect(decodeMem(enc('lh t0, -2(t1)'))).toMatchObject({ store: false, size: 2, signed: true, rt: 8, base: 9, offset: -2 });
    expect(decodeMem(enc('sb t0, 7(t1)'))).toMatchObject({ store: true, size: 1 });
    expect(decodeMem(enc('cache 1, 0(t1)'))).toBeNull();
    // lwl/lwr and swl/swr as MIPS32 Vol. II describes them for little-endian
    expect(mergeLoadPartial(0x22, 1, 0x44332211, 0xaabbccdd | 0) >>> 0).toBe(0x2211ccdd);
    expect(mergeLoadPartial(0x26, 1, 0x44332211, 0xaabbccdd | 0) >>> 0).toBe(0xaa443322);
    expect(mergeStorePartial(0x2a, 1, 0xaabbccdd | 0, 0x44332211) >>> 0).toBe(0x4433aabb);
    expect(mergeStorePartial(0x2e, 1, 0xaabbccdd | 0, 0x44332211) >>> 0).toBe(0xbbccdd11);
  });
});

describe('shootdown', () => {
  it('removes every cached translation of a page; the guest then sees a fresh zero page', () => {
    // The guest stores a marker in the window and spins while it reads back; the test frees
    // the page under it through Monitor.releaseGuestPage (the memmap shootdown path).
    const src = `li t0, 0xc0200000\nli t1, 0x1234\nsw t1, 0(t0)\nspin: lw t2, 0(t0)\nbeq t2, t1, spin\nnop\n${PUTC('z')}${EXIT(0)}`;
    const out: string[] = [''];
    const mon = new Monitor({ memBytes: 64 << 20, console: (_vm, b) => { out[0] += String.fromCharCode(b); } });
    const vm = mon.createVm({ memBytes: 4 << 20, image: image(src), imageName: 't', maxInstructions: 5_000_000 });
    let round = 0, shot = -1, refsBefore = 0;
    mon.run({
      onRound: () => {
        if (++round !== 200) return;
        const mp = vm.pmap.get(0x200);
        expect(mp).toBeGreaterThan(0);
        refsBefore = mon.memmap.refCount(mp);
        const tlb = mon.machine.cpu.tlb;
        const inTlb = (): boolean => {
          for (let i = 0; i < tlb.size; i++) {
            if (tlb.written[i] === 0) continue;
            for (const lo of [tlb.lo0[i], tlb.lo1[i]]) if ((lo & 2) !== 0 && ((lo >>> 6) & 0xffffff) === mp) return true;
          }
          return false;
        };
        expect(inTlb()).toBe(true);
        mon.releaseGuestPage(mon.pcpus[0], vm.vcpus[0], vm, 0x200);
        shot = mp;
        expect(inTlb()).toBe(false);
        expect(mon.memmap.refCount(mp)).toBe(0);
        expect(vm.pmap.get(0x200)).toBe(-1);
        expect(mon.checkInvariants()).toEqual([]);
      },
    });
    expect(shot).toBeGreaterThan(0);
    expect(refsBefore).toBeGreaterThan(0);
    expect(out[0]).toBe('z');
    expect(vm.stopKind).toBe('halt');
    expect(vm.account.zeroed).toBeGreaterThan(vm.account.peak - 1);
  });
});

describe('scheduling', () => {
  it('VCPUs share a CPU in time slices; an idle VCPU leaves the CPU to the others', () => {
    // vm0 sleeps until its timer (idle call, IE off, IP7 unmasked), vm1 and vm2 spin a while.
    const spin = (ch: string): string => `li t0, 300000\nl${ch}: addiu t0, t0, -1\nbne t0, zero, l${ch}\nnop\n${PUTC(ch)}${EXIT(0)}`;
    const idle = `mfc0 t0, $9\nli t1, 200000\naddu t0, t0, t1\nmtc0 t0, $11\nli t0, 0x8000\nmtc0 t0, $12\n${HC(5)}${PUTC('w')}${EXIT(0)}`;
    const r = runVms([idle, spin('a'), spin('b')]);
    expect(r.out).toEqual(['w', 'a', 'b']);
    const s = r.vms.map((vm) => r.mon.vmStats(vm));
    expect(s[1].vcpuSwitches).toBeGreaterThan(2);
    expect(s[0].hypercalls.idle).toBe(1);
    // vm0 was off the CPU while it waited: it ran only a few instructions
    expect(s[0].instructions).toBeLessThan(200);
  });
});

describe('containment when a VCPU is loaded', () => {
  it('a VM whose pending interrupt has no usable vector is stopped when it is loaded, not the VM that was running', () => {
    // vm0 moves EBase out of its memory, makes a software interrupt pending but disabled,
    // then enables it through the privileged page (no trap) and spins: its time slice ends
    // before any trap delivers the interrupt, so the delivery fails only when vm0 is loaded
    // again, from vm1's time-slice interrupt.
    const bad = `li t0, 0x3ffff000\nmtc0 t0, $15, 1\nli t0, 0x100\nmtc0 t0, $12\nmtc0 t0, $13\nlui t1, 0xd000\nli t0, 0x101\nsw t0, 0(t1)\nspin0: beq zero, zero, spin0\nnop\n`;
    const good = `li t0, 600000\nl1: addiu t0, t0, -1\nbne t0, zero, l1\nnop\n${PUTC('g')}${EXIT(0)}`;
    const r = runVms([bad, good]);
    expect(r.vms[0].stopKind).toBe('fault');
    expect(r.vms[0].stopMessage).toMatch(/Int exception vector 0xbffff180/);
    expect(r.mon.vmStats(r.vms[0]).vcpuSwitches).toBe(2); // it was loaded again before it failed
    expect(r.vms[1].stopKind).toBe('halt');
    expect(r.out[1]).toBe('g');
  });
});
