// The monitor with real guests (guests/vmtests): the same image gives the same output bare and
// under the monitor, with 1, 2 and 4 VMs on 1 and several CPUs and nodes; monitor calls; attack
// guests are stopped alone (or refused) while the other VMs finish correctly; isolation
// invariants hold throughout.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import { Monitor, type MonitorOptions } from '../vmm/monitor.ts';
import type { VmConfig } from '../vmm/vm.ts';

const root = resolve(import.meta.dirname, '..');
const img = (name: string): Uint8Array => readFileSync(join(root, 'guests/vmtests', `${name}.elf`));
const MiB = 0x100000;

/** Run an image on the bare machine; its console output and exit code. */
function bare(name: string, mem: number, cmdline = ''): { out: string; code: number } {
  let out = '';
  const m = new Machine({ memBytes: mem, out: (b) => { out += String.fromCharCode(b); } });
  m.load(img(name), `${name}.elf`, cmdline);
  const r = m.run({ maxInstructions: 100_000_000 });
  expect(r.reason).toBe('halt');
  return { out, code: r.exitCode };
}

interface VmSpec { name: string; cmdline?: string; mem?: number; max?: number; disk?: Uint8Array }

/** Run VMs under the monitor, checking the invariants every `every` rounds. */
function monitor(specs: VmSpec[], machine: Omit<MonitorOptions, 'console'> = {}, every = 50): { mon: Monitor; out: string[] } {
  const out = specs.map(() => '');
  const mon = new Monitor({ memBytes: 64 * MiB, ...machine, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  for (const s of specs) {
    const cfg: VmConfig = { memBytes: s.mem ?? 16 * MiB, image: img(s.name), imageName: `${s.name}.elf`, cmdline: s.cmdline ?? '', maxInstructions: s.max ?? 100_000_000, disk: s.disk };
    mon.createVm(cfg);
  }
  let round = 0;
  const problems: string[] = [];
  mon.run({ onRound: () => { if (++round % every === 0 && problems.length === 0) problems.push(...mon.checkInvariants()); } });
  problems.push(...mon.checkInvariants());
  expect(problems).toEqual([]);
  expect(mon.internalErrors).toEqual([]);
  return { mon, out };
}

describe('one image, bare and virtualized', () => {
  const ref = bare('priv', 16 * MiB, 'same both ways');

  it('priv.elf passes on the bare machine', () => {
    expect(ref.out).toContain('priv: 0 failure(s)');
    expect(ref.out).not.toContain('not ok');
    expect(ref.code).toBe(0);
  });

  for (const [vms, nodes, cpn] of [[1, 1, 1], [2, 1, 1], [2, 1, 2], [4, 2, 2], [4, 1, 1]]) {
    it(`priv.elf in ${vms} VM(s) on ${nodes} node(s) x ${cpn} CPU(s): the bare output, byte for byte`, () => {
      const { mon, out } = monitor(Array.from({ length: vms }, () => ({ name: 'priv', cmdline: 'same both ways' })), { nodes, cpusPerNode: cpn, memPerNode: 64 * MiB });
      for (let i = 0; i < vms; i++) {
        expect(out[i]).toBe(ref.out);
        expect(mon.vms[i].stopKind).toBe('halt');
        expect(mon.vms[i].exitCode).toBe(0);
      }
    }, 60_000);
  }

  it('runs are deterministic (same cycles, same statistics)', () => {
    const a = monitor([{ name: 'priv' }, { name: 'priv' }], { cpusPerNode: 2 });
    const b = monitor([{ name: 'priv' }, { name: 'priv' }], { cpusPerNode: 2 });
    expect(b.mon.machine.stats().cycles).toBe(a.mon.machine.stats().cycles);
    expect(b.mon.vms.map((v) => b.mon.vmStats(v))).toEqual(a.mon.vms.map((v) => a.mon.vmStats(v)));
  });
});

describe('virtual multiprocessors', () => {
  it('smp.elf: two VCPUs started through the virtual node controller, LL/SC across them, an IPI: the bare 2-CPU output', () => {
    let ref = '';
    const m = new Machine({ memBytes: 16 * MiB, cpusPerNode: 2, out: (b) => { ref += String.fromCharCode(b); } });
    m.load(img('smp'), 'smp.elf', '');
    expect(m.run({ maxInstructions: 50_000_000 }).reason).toBe('halt');
    expect(ref).toContain('smp: 0 failure(s)');
    for (const [vms, nodes, cpn] of [[1, 1, 1], [1, 1, 2], [2, 2, 2]]) {
      const out = Array.from({ length: vms }, () => '');
      const mon = new Monitor({ nodes, cpusPerNode: cpn, memPerNode: 48 * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
      for (let i = 0; i < vms; i++) mon.createVm({ memBytes: 16 * MiB, vcpus: 2, image: img('smp'), imageName: 'smp.elf', maxInstructions: 50_000_000 });
      mon.run();
      expect(mon.checkInvariants()).toEqual([]);
      for (let i = 0; i < vms; i++) {
        expect(out[i]).toBe(ref);
        // VCPU 1 ends parked in wait with interrupts off; the VM still halts normally
        expect(mon.vms[i].stopKind).toBe('halt');
        expect(mon.vms[i].vcpus[1].state).toBe('stopped');
      }
    }
  }, 60_000);
});

describe('monitor calls', () => {
  const disk = new Uint8Array(64 * 512);
  for (let k = 0; k < 64; k++) disk.set(new TextEncoder().encode(`sector ${k}`), k * 512);

  it('hcall.elf: every call behaves as docs/hypercalls.md says', () => {
    const { mon, out } = monitor([{ name: 'hcall', disk: disk.slice() }, { name: 'hcall' }]);
    for (let i = 0; i < 2; i++) {
      expect(out[i]).toContain('hcall: probe 0x4f435344 version 1');
      expect(out[i], out[i]).not.toContain('not ok');
      expect(out[i]).toContain('hcall: 0 failure(s)');
      expect(mon.vms[i].exitCode).toBe(0);
    }
    expect(out[0]).toContain('read "sector 3" and "sector 4"');
    expect(out[0]).toContain('sector 7 now "written!"');
    expect(out[1]).toContain('ok - no disk: disk_read ENODEV');
    const s = mon.vmStats(mon.vms[0]);
    expect(s.hypercalls.disk_read).toBeGreaterThan(0);
    expect(s.tlbMisses.privPage).toBeGreaterThan(0);
    // zero_pages released two pages through the memmap shootdown
    expect(mon.memmap.shootdowns).toBeGreaterThanOrEqual(2);
  });

  it('hcall.elf on the bare machine just says so', () => {
    expect(bare('hcall', 16 * MiB).out).toBe('hcall: not under the monitor\n');
  });
});

describe('fault containment', () => {
  const ref = bare('priv', 16 * MiB);

  it('attack.elf: forged TLB entries, bad DMA, random monitor calls, supervisor mode are all refused', () => {
    const { mon, out } = monitor([{ name: 'attack' }, { name: 'priv' }], { cpusPerNode: 2 });
    expect(out[0], out[0]).not.toContain('not ok');
    expect(out[0]).toContain('attack: 0 failure(s)');
    expect(mon.vms[0].exitCode).toBe(0);
    expect(out[1]).toBe(ref.out);
  });

  const fatal: Array<[string, string, RegExp]> = [
    ['loop', 'limit', /instruction limit reached/],
    ['deadlock', 'deadlock', /executed wait with interrupts disabled/],
    ['vector', 'fault', /exception vector 0xbffff180 lies outside the VM's memory/],
    ['bev', 'fault', /Status.BEV set/],
    ['kseg3', 'fault', /kseg3/],
  ];
  for (const [mode, kind, msg] of fatal) {
    it(`attack ${mode}: that VM alone is stopped (${kind}), the others finish`, () => {
      const { mon, out } = monitor([{ name: 'priv' }, { name: 'attack', cmdline: mode, max: 5_000_000 }, { name: 'priv' }], { cpusPerNode: 1 });
      expect(mon.vms[1].stopKind).toBe(kind);
      expect(mon.vms[1].stopMessage).toMatch(msg);
      expect(mon.vms[1].stopMessage).not.toContain('\n');
      expect(out[0]).toBe(ref.out);
      expect(out[2]).toBe(ref.out);
      // the stopped VM gave its memory back
      expect(mon.vms[1].account.held).toBe(0);
    }, 60_000);
  }

  it('a storm of random monitor calls does not disturb the other VM', () => {
    const { mon, out } = monitor([{ name: 'attack', cmdline: 'hcalls' }, { name: 'priv' }], {}, 500);
    expect(out[0]).toContain('attack: 0 failure(s)');
    expect(mon.vms[0].exitCode).toBe(0);
    expect(out[1]).toBe(ref.out);
  }, 60_000);

  it('machine memory runs out: a VM that cannot get a page is stopped, the others finish', () => {
    // 30 MiB of machine memory; three VMs of 16 MiB touch all of theirs at the same time
    const touch = { name: 'attack', cmdline: 'touch' };
    const { mon, out } = monitor([touch, touch, touch, { name: 'priv' }], { memBytes: 30 * MiB });
    const kinds = mon.vms.map((v) => v.stopKind);
    expect(kinds.filter((k) => k === 'memory').length).toBeGreaterThanOrEqual(1);
    expect(kinds.filter((k) => k === 'halt').length).toBeGreaterThanOrEqual(2);
    for (const vm of mon.vms) {
      if (vm.stopKind === 'memory') expect(vm.stopMessage).toMatch(/no free memory/);
      else if (vm.id < 3) expect(out[vm.id]).toContain('touched 14 MiB');
      else expect(out[vm.id]).toBe(ref.out);
    }
    // everything back but the idle page and the pages the disk buffer cache keeps (the
    // images' whole pages, shared by VMs booting them: docs/disks.md)
    expect(mon.alloc.freeTotal() + mon.share.cache!.pages).toBe(mon.alloc.totalPages - 1);
  }, 60_000);
});
