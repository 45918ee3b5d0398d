// The monitor's NUMA memory management (docs/numa.md): placement at first touch, hot-page
// migration, read-only replication with collapse on write (IVY's one writer or many readers),
// the `disco numa` experiment. Small sizes; the published figures come from perf/numa.ts.

import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import { DEFAULT_TIMING } from '../cpu/config.ts';
import { Monitor } from '../vmm/monitor.ts';
import { parsePlacement } from '../vmm/placement.ts';
import { numaParams } from '../vmm/numa-policy.ts';
import { PMAP_READONLY } from '../vmm/pmap.ts';
import { VmFault } from '../vmm/vm.ts';
import {
  EXPERIMENT_DEFAULTS, formatCsv, formatJson, formatSvg, formatTable, parsePolicies, runExperiment, runPolicy,
  type NumaExperiment,
} from '../vmm/numa-cmd.ts';

const image = readFileSync(resolve(import.meta.dirname, '..', 'guests', 'numa', 'numa.elf'));

function bareChecksum(nodes: number, args: string): string {
  let out = '';
  const m = new Machine({ nodes, cpusPerNode: 1, memPerNode: 4 << 20, out: (b) => { out += String.fromCharCode(b); } });
  m.load(image, 'numa.elf', args);
  const r = m.run({ maxInstructions: 1e9 });
  expect(r.reason).toBe('halt');
  return /checksum ([0-9a-f]+)/.exec(out)![1];
}

/** A small, quick experiment with thresholds low enough that pages move within it. */
const small = (over: Partial<NumaExperiment>): NumaExperiment => ({
  ...EXPERIMENT_DEFAULTS, workload: 'raytrace', size: 'tiny', nodes: 4, cpusPerNode: 1, policies: [], image,
  hotThreshold: 8, sharingThreshold: 2, resetInterval: 200_000, freezeCycles: 0, maxMoves: 100,
  memPerNode: 4 << 20, vmMem: 8 << 20, checkEvery: 25, ...over,
});

describe('replication keeps one writer or many readers (IVY)', () => {
  it('readers on four nodes never see a stale replica while writers on each node in turn rewrite the pages', () => {
    const r = runPolicy(small({ args: 'ivy 2 6 4' }), 'migrate+replicate');
    expect(r.console).toContain('numa: ivy 0 stale reads');
    // The pages really were replicated in the read phases and collapsed by the writes.
    expect(r.row.replications).toBeGreaterThan(8);
    expect(r.row.collapses).toBeGreaterThan(4);
    expect(r.invariantErrors).toEqual([]);
  });

  it('replication alone (no migration) keeps them coherent too', () => {
    const r = runPolicy(small({ args: 'ivy 1 4 3' }), 'replicate');
    expect(r.console).toContain('numa: ivy 0 stale reads');
    expect(r.row.collapses).toBeGreaterThan(0);
    expect(r.row.migrations).toBe(0);
    expect(r.invariantErrors).toEqual([]);
  });
});

describe('migration and replication on the workloads', () => {
  it('raytrace: every policy computes the bare checksum; migrate+replicate moves pages and raises local misses', () => {
    const want = bareChecksum(4, 'raytrace 256 16 1500');
    const e = small({ policies: ['round-robin', 'migrate', 'replicate', 'migrate+replicate', 'ideal'] });
    const rep = runExperiment(e);
    for (const row of rep.rows) expect(row.checksum, row.policy).toBe(want);
    const by = Object.fromEntries(rep.rows.map((r) => [r.policy, r]));
    expect(by['round-robin'].relative).toBe(100);
    expect(by['migrate'].migrations).toBeGreaterThan(0);
    expect(by['migrate'].replications).toBe(0);
    expect(by['replicate'].replications).toBeGreaterThan(0);
    expect(by['replicate'].migrations).toBe(0);
    expect(by['migrate+replicate'].localFraction).toBeGreaterThan(by['round-robin'].localFraction + 0.2);
    expect(by['ideal'].localFraction).toBe(1);
    expect(by['ideal'].relative).toBeLessThan(100);
    // Each move is charged: a page copy and more, in simulated microseconds at 200 MHz.
    expect(by['migrate+replicate'].usPerReplication).toBeGreaterThan(9728 / DEFAULT_TIMING.clockMHz);
  });

  it('engineering: private pages follow their process, the checksum is the bare one, invariants hold', () => {
    const want = bareChecksum(4, 'eng 64 128 2 1500');
    const r = runPolicy(small({ workload: 'engineering' }), 'migrate+replicate');
    expect(r.row.checksum).toBe(want);
    expect(r.row.migrations).toBeGreaterThan(10);
    expect(r.invariantErrors).toEqual([]);
  });

  it('runs are deterministic', () => {
    const a = runPolicy(small({}), 'migrate+replicate').row;
    const b = runPolicy(small({}), 'migrate+replicate').row;
    expect({ ...a, hostSeconds: 0 }).toEqual({ ...b, hostSeconds: 0 });
  });
});

describe('placement at first touch', () => {
  const place = (placement: string): Int32Array => {
    const mon = new Monitor({ nodes: 4, cpusPerNode: 1, memPerNode: 4 << 20, console: () => {} });
    const vm = mon.createVm({ memBytes: 8 << 20, vcpus: 1, image, imageName: 'numa.elf', cmdline: 'raytrace 64 8 10', numa: { placement } });
    for (let g = 600; g < 640; g++) vm.page(g, 1);
    return vm.account.byNode;
  };
  it('round-robin spreads pages over the nodes, a fixed node takes them all, first-touch follows the toucher', () => {
    const rr = place('round-robin');
    expect(Math.max(...rr) - Math.min(...rr)).toBeLessThanOrEqual(1);
    const fixed = place('node:2');
    expect(fixed[2]).toBe(fixed.reduce((a, b) => a + b, 0));
    const ft = place('first-touch');
    expect(ft[1]).toBeGreaterThanOrEqual(40); // the 40 pages touched "from node 1"
  });
  it('bad names and parameters give one-line errors', () => {
    expect(() => parsePlacement('nearest', 4)).toThrow(/unknown placement 'nearest'/);
    expect(() => parsePlacement('node:9', 4)).toThrow(/nodes 0 to 3/);
    expect(() => numaParams({ maxMoves: -1 }, 4)).toThrow(/move cap/);
    expect(() => parsePolicies('migrate,fast')).toThrow(/unknown policy 'fast'/);
    const mon = new Monitor({ nodes: 2, cpusPerNode: 1, memPerNode: 4 << 20, console: () => {} });
    expect(() => mon.createVm({ memBytes: 4 << 20, image, imageName: 'numa.elf', numa: { migrate: true } })).toThrow(/timing mode with a hot-page threshold/);
  });
});

describe('output', () => {
  it('table, CSV, JSON and SVG carry the parameters and every policy', () => {
    const rep = runExperiment(small({ policies: ['migrate+replicate'], checkEvery: 0 }));
    expect(rep.rows.map((r) => r.policy)).toEqual(['round-robin', 'migrate+replicate']);
    const t = formatTable(rep);
    expect(t).toContain('hot 8 misses, sharing 2');
    expect(t).toMatch(/migrate\+replicate +\d+\.\d/);
    expect(formatCsv(rep).split('\n')).toHaveLength(3);
    const j = JSON.parse(formatJson([rep])) as Array<{ rows: Array<Record<string, unknown>> }>;
    expect(j[0].rows[1].hostSeconds).toBeUndefined();
    const svg = formatSvg([rep]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('migrate+replicate');
  });
});

describe('disco numa', () => {
  const disco = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [resolve(import.meta.dirname, '..', 'bin', 'disco.js'), 'numa', ...args], { encoding: 'utf8', timeout: 120_000 });
  it('prints CSV and writes the chart; bad options are one-line errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'numa-'));
    const r = disco('--workload', 'engineering', '--nodes', '2', '--size', 'tiny', '--policies', 'migrate+replicate', '--csv', '--svg', join(dir, 'c.svg'), '--no-progress');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^workload,nodes,cpusPerNode,policy,relative/);
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['round-robin', 'migrate+replicate']);
    expect(readFileSync(join(dir, 'c.svg'), 'utf8')).toMatch(/^<svg/);
    for (const [args, msg] of [
      [['--workload', 'fortran'], /unknown workload 'fortran'/],
      [['--policies', 'fastest'], /unknown policy 'fastest'/],
      [['--nodes', '0'], /--nodes must be an integer from 1 to 32/],
    ] as const) {
      const e = disco(...args);
      expect(e.status).toBe(1);
      expect(e.stderr).toMatch(msg);
      expect(e.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
  });

  it('disco run --vms takes the placement and the policy; --stats reports the moves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'numa-'));
    const stats = join(dir, 's.json');
    const r = spawnSync(process.execPath, [resolve(import.meta.dirname, '..', 'bin', 'disco.js'), 'run', '--vms', '1', '--vcpus', '4', '--nodes', '4',
      '--mem-per-node', '8M', '--vm-mem', '16M', '--timing', '--hot-pages', '40', '--numa', 'migrate+replicate', '--numa-placement', 'round-robin',
      '--stats', stats, '--no-progress', resolve(import.meta.dirname, '..', 'guests', 'numa', 'numa.elf'), '--', 'raytrace', '256', '16', '1500'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`checksum ${bareChecksum(4, 'raytrace 256 16 1500')}`);
    const s = JSON.parse(readFileSync(stats, 'utf8')) as { vms: Array<{ numa: { placement: string; replications: number } }> };
    expect(s.vms[0].numa.placement).toBe('round-robin');
    expect(s.vms[0].numa.replications).toBeGreaterThan(0);
    const bad = spawnSync(process.execPath, [resolve(import.meta.dirname, '..', 'bin', 'disco.js'), 'run', '--vms', '1', '--numa', 'migrate', resolve(import.meta.dirname, '..', 'guests', 'numa', 'numa.elf')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--numa needs the timing mode and a hot-page threshold/);
  });
});

describe('mechanisms, directly', () => {
  const setup = () => {
    const timing = { ...DEFAULT_TIMING, enabled: true, hotPageThreshold: 8 };
    const mon = new Monitor({ nodes: 4, cpusPerNode: 1, memPerNode: 4 << 20, timing, console: () => {} });
    const vm = mon.createVm({ memBytes: 8 << 20, vcpus: 4, image, imageName: 'numa.elf', cmdline: 'raytrace 64 8 10', numa: { placement: 'node:0', migrate: true, replicate: true } });
    const ram = mon.machine.bus.ram32;
    const g = 1000;
    const mp = vm.page(g, 0);
    for (let i = 0; i < 1024; i++) ram[mp * 1024 + i] = i * 7 + 1;
    const words = (m: number): number[] => Array.from(ram.subarray(m * 1024, m * 1024 + 1024));
    return { mon, vm, g, mp, words, numa: mon.numa!, before: words(mp) };
  };

  it('migration copies the page to the target node, frees the old one and leaves no translation to it', () => {
    const { mon, vm, g, mp, words, numa, before } = setup();
    expect(mon.alloc.nodeOf(mp)).toBe(0);
    const r = numa.mover.migrate(vm, g, 3, mon.pcpus[3]);
    expect(r?.kind).toBe('migrate');
    const now = vm.pmap.mpage[g];
    expect(mon.alloc.nodeOf(now)).toBe(3);
    expect(words(now)).toEqual(before);
    expect(mon.alloc.useOf(mp)).toBe('free');
    expect(mon.memmap.owners(mp)).toEqual([]);
    expect(mon.memmap.owners(now)).toEqual([{ vm: vm.id, gpn: g }]);
    expect(Array.from(vm.account.byNode).slice(0, 4).reduce((a, b) => a + b, 0)).toBe(vm.account.held);
    // Charged: at least the page copy, to the CPU that did it.
    expect(r!.cycles).toBeGreaterThanOrEqual(mon.costs.pageCopy);
    expect(mon.checkInvariants()).toEqual([]);
  });

  it('replicas: each node maps its own copy; a write collapses to the writer node\'s copy', () => {
    const { mon, vm, g, mp, words, numa, before } = setup();
    numa.mover.replicate(vm, g, 1, mon.pcpus[1]);
    numa.mover.replicate(vm, g, 2, mon.pcpus[2]);
    expect(vm.pmap.flags[g] & PMAP_READONLY).toBe(PMAP_READONLY);
    const on = [0, 1, 2, 3].map((n) => numa.mapFor(vm, g, n));
    expect(on[0]).toBe(mp);
    expect(mon.alloc.nodeOf(on[1])).toBe(1);
    expect(mon.alloc.nodeOf(on[2])).toBe(2);
    expect(on[3]).toBe(mp); // no replica on node 3: the master
    expect(words(on[1])).toEqual(before);
    expect(words(on[2])).toEqual(before);
    expect(numa.mover.replicaPages).toBe(2);
    expect(mon.checkInvariants()).toEqual([]);
    // A VCPU on node 2 writes.
    const v = vm.vcpus[2];
    expect(numa.writeFault(mon.pcpus[2], v, g)).toBe(true);
    expect(vm.pmap.mpage[g]).toBe(on[2]);
    expect(vm.pmap.flags[g] & PMAP_READONLY).toBe(0);
    expect(numa.mover.replicaPages).toBe(0);
    expect(mon.alloc.useOf(on[1])).toBe('free');
    expect(mon.alloc.useOf(mp)).toBe('free');
    expect([0, 1, 3].map((n) => numa.mapFor(vm, g, n))).toEqual([on[2], on[2], on[2]]);
    expect(vm.account.byNode[2]).toBeGreaterThan(0);
    expect(numa.counts(vm).collapses).toBe(1);
    expect(mon.checkInvariants()).toEqual([]);
  });

  it('a read-only page that is not a replica is left to copy-on-write; freeing a replicated page frees its replicas', () => {
    const { mon, vm, g, numa } = setup();
    vm.pmap.flags[g] |= PMAP_READONLY;
    expect(numa.writeFault(mon.pcpus[0], vm.vcpus[0], g)).toBe(false);
    expect(() => mon.writeFault(mon.pcpus[0], vm.vcpus[0], g)).toThrow(VmFault);
    vm.pmap.flags[g] &= ~PMAP_READONLY;
    numa.mover.replicate(vm, g, 1, null);
    const free0 = mon.alloc.freeTotal();
    mon.releaseGuestPage(mon.pcpus[0], vm.vcpus[0], vm, g);
    expect(mon.alloc.freeTotal()).toBe(free0 + 2);
    expect(numa.mover.replicaPages).toBe(0);
    expect(mon.checkInvariants()).toEqual([]);
  });
});
