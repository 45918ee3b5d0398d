// The pmake-like and database-like workloads of `disco numa` (guests/numa/numa.c, docs/numa.md):
// every policy computes the bare machine's checksum, and the database's write-shared lock pages
// stay put while its read-shared buffer pool is replicated. Small sizes; perf/numa.ts and
// `disco numa` run the full ones.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import type { PageEvent } from '../vmm/events.ts';
import { EXPERIMENT_DEFAULTS, WORKLOAD_ARGS, parsePolicies, runExperiment, runPolicy, workloadImage, type NumaExperiment } from '../vmm/numa-cmd.ts';

const image = readFileSync(resolve(import.meta.dirname, '..', 'guests', 'numa', 'numa2.elf'));

function bare(nodes: number, args: string): string {
  let out = '';
  const m = new Machine({ nodes, cpusPerNode: 1, memPerNode: 4 << 20, out: (b) => { out += String.fromCharCode(b); } });
  m.load(image, 'numa.elf', args);
  const r = m.run({ maxInstructions: 1e9 });
  expect(r.reason).toBe('halt');
  return out;
}
const checksumOf = (out: string): string => /checksum ([0-9a-f]+)/.exec(out)![1];

/** Thresholds low enough that pages move within a short run (as test/numa-policy.test.ts). */
const small = (over: Partial<NumaExperiment>): NumaExperiment => ({
  ...EXPERIMENT_DEFAULTS, workload: 'pmake', size: 'tiny', nodes: 4, cpusPerNode: 1, policies: [], image,
  hotThreshold: 8, sharingThreshold: 2, resetInterval: 200_000, freezeCycles: 0, maxMoves: 100,
  memPerNode: 4 << 20, vmMem: 8 << 20, checkEvery: 25, ...over,
});
const ALL = parsePolicies('round-robin,first-touch,migrate,replicate,migrate+replicate,ideal');

describe('images', () => {
  it('pmake and database run from numa2.elf; numa.elf (raytrace, engineering) does not know them', () => {
    expect(workloadImage('database')).toMatch(/numa2\.elf$/);
    expect(workloadImage('raytrace')).toMatch(/numa\.elf$/);
    let out = '';
    const m = new Machine({ nodes: 1, cpusPerNode: 1, memPerNode: 4 << 20, out: (b) => { out += String.fromCharCode(b); } });
    m.load(readFileSync(workloadImage('raytrace')), 'numa.elf', 'pmake 64 8 4 10');
    m.run({ maxInstructions: 1e7 });
    expect(out).toContain('numa: usage:');
    expect(bare(1, 'raytrace 64 8 50')).toContain('checksum');
  });

  it('arguments the guest rejects are a one-line RangeError', () => {
    expect(() => runPolicy(small({ args: 'pmake 2 0 1 1', checkEvery: 0 }), 'round-robin')).toThrow(/pmake: guest arguments 'pmake 2 0 1 1' rejected: numa: bad sizes/);
    expect(() => runPolicy(small({ workload: 'database', args: 'database 64 2 4 10', checkEvery: 0 }), 'round-robin')).toThrow(RangeError);
  });
});

describe('pmake: many short jobs from a shared queue', () => {
  it('every policy computes the bare checksum; scratch pages migrate, the shared sources are replicated', () => {
    const want = checksumOf(bare(4, WORKLOAD_ARGS.pmake.tiny));
    const rep = runExperiment(small({ policies: ALL }));
    for (const row of rep.rows) expect(row.checksum, row.policy).toBe(want);
    const mr = rep.rows.find((r) => r.policy === 'migrate+replicate')!;
    const rr = rep.rows.find((r) => r.policy === 'round-robin')!;
    expect(mr.replications).toBeGreaterThan(0);
    expect(mr.migrations).toBeGreaterThan(0);
    expect(mr.localFraction).toBeGreaterThan(rr.localFraction);
  });

  it('is deterministic although jobs go to whichever CPU is free', () => {
    const a = runPolicy(small({ checkEvery: 0 }), 'migrate+replicate').row;
    const b = runPolicy(small({ checkEvery: 0 }), 'migrate+replicate').row;
    expect({ ...a, hostSeconds: 0 }).toEqual({ ...b, hostSeconds: 0 });
  });
});

describe('database: a read-shared buffer pool, write-shared locks, private work areas', () => {
  it('every policy computes the bare checksum', () => {
    const want = checksumOf(bare(4, WORKLOAD_ARGS.database.tiny));
    const rep = runExperiment(small({ workload: 'database', policies: ALL, checkEvery: 0 }));
    for (const row of rep.rows) expect(row.checksum, row.policy).toBe(want);
  });

  it('the pool is replicated, the lock pages never stay replicated', () => {
    const events: PageEvent[] = [];
    const r = runPolicy(small({ workload: 'database', onPage: (e) => events.push(e) }), 'migrate+replicate');
    expect(r.invariantErrors).toEqual([]);
    const m = /pool pages ([0-9a-f]+)-([0-9a-f]+) locks pages ([0-9a-f]+)-([0-9a-f]+)/.exec(r.console)!;
    const [pool0, pool1, lock0, lock1] = m.slice(1).map((h) => parseInt(h, 16));
    const inPool = (g: number): boolean => g >= pool0 && g <= pool1;
    const isLock = (g: number): boolean => g >= lock0 && g <= lock1;
    // Most pool pages got replicas.
    const poolReplicated = new Set(events.filter((e) => e.kind === 'replicate' && inPool(e.gpn)).map((e) => e.gpn));
    expect(poolReplicated.size).toBeGreaterThan((pool1 - pool0 + 1) / 2);
    // The lock pages were hot (the policy judged them) and are not replicated at the end: any
    // replication was undone by a collapse when the next lock was taken.
    expect(r.row.writeShared).toBeGreaterThan(0);
    const replicated = new Set<number>();
    for (const e of events.filter((x) => isLock(x.gpn))) {
      if (e.kind === 'replicate') replicated.add(e.gpn);
      if (e.kind === 'collapse') replicated.delete(e.gpn);
    }
    expect([...replicated]).toEqual([]);
    // And its workers' checksum is still the bare machine's.
    expect(r.row.checksum).toBe(checksumOf(bare(4, WORKLOAD_ARGS.database.tiny)));
  });
});
