// The guest kernel (guests/kernel, docs/kernel.md) under the monitor: its self-tests and every
// workload give the same output and checksums as on the bare machine, with 1, 2 and 4 VMs on
// one and several nodes. Lines that name the machine or report timings are left out of the
// comparison.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Machine } from '../cpu/machine.ts';
import { Monitor } from '../vmm/monitor.ts';

const root = resolve(import.meta.dirname, '..');
const kernelPath = join(root, 'guests/kernel/kernel.elf');
const fsPath = join(root, 'guests/user/fs.img');
const have = existsSync(kernelPath) && existsSync(fsPath);
const MiB = 0x100000;

/**
 * The output without what may differ between machines: names of the machine, timings, and
 * the disk driver's line (virtio on the bare machine, monitor calls under the monitor).
 */
function comparable(out: string): string {
  return out.split('\n').filter((l) => !/monitor|bare machine|wired| ms\)|ms of simulated time|^virtio disk:/.test(l)).join('\n');
}

function bare(cmdline: string): string {
  let out = '';
  const m = new Machine({ memBytes: 48 * MiB, out: (b) => { out += String.fromCharCode(b); }, disk: new Uint8Array(readFileSync(fsPath)) });
  m.load(readFileSync(kernelPath), 'kernel.elf', cmdline);
  const r = m.run({ maxInstructions: 2e9 });
  expect(r.reason).toBe('halt');
  expect(r.exitCode).toBe(0);
  return out;
}

function virtual(cmdline: string, vms: number, nodes: number, cpusPerNode: number, vcpus = 1): { out: string[]; mon: Monitor } {
  const out = Array.from({ length: vms }, () => '');
  const mon = new Monitor({ nodes, cpusPerNode, memPerNode: Math.ceil((vms * 48 + 2) / nodes) * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  const kernel = readFileSync(kernelPath), disk = readFileSync(fsPath);
  for (let i = 0; i < vms; i++) mon.createVm({ memBytes: 48 * MiB, image: kernel, imageName: 'kernel.elf', cmdline, disk: new Uint8Array(disk), maxInstructions: 2e9, vcpus });
  mon.run();
  expect(mon.internalErrors).toEqual([]);
  expect(mon.checkInvariants()).toEqual([]);
  for (const vm of mon.vms) {
    expect(vm.stopMessage).toMatch(/exit code 0$/);
  }
  return { out, mon };
}

describe.skipIf(!have)('the guest kernel under the monitor', () => {
  if (!have) console.warn('skipped: guests/kernel/kernel.elf or guests/user/fs.img not built');

  it('usertests and the quick workloads: same checksums bare and in one VM', () => {
    const ref = bare('run /etc/quick');
    expect(ref).toContain('run: 5 commands, 0 failed');
    const { out, mon } = virtual('run /etc/quick', 1, 1, 1);
    expect(out[0]).toContain('under the disco monitor');
    expect(comparable(out[0])).toBe(comparable(ref));
    const s = mon.vmStats(mon.vms[0]);
    expect(s.tlbMisses.window).toBeGreaterThan(1000);
    expect(s.emulated.tlbwr).toBeGreaterThan(100);
  }, 180_000);

  it('two VMs on two nodes and four VMs on 2 x 2 CPUs: each gives the bare output', () => {
    const ref = comparable(bare(''));
    for (const [vms, nodes, cpn] of [[2, 2, 1], [4, 2, 2]]) {
      const { out } = virtual('', vms, nodes, cpn);
      for (let i = 0; i < vms; i++) expect(comparable(out[i])).toBe(ref);
    }
  }, 180_000);

  it('an SMP VM: the kernel starts its VCPUs through the virtual node controller and gives the bare checksums', () => {
    const ref = bare('run /etc/quick');
    const { out } = virtual('run /etc/quick', 1, 1, 2, 2);
    expect(out[0]).toContain('2 CPUs');
    // Process ids and pmake's parallelism (2 jobs per CPU) differ; the checksums must match.
    const nopid = (t: string): string => comparable(t).replace(/pid \d+/g, 'pid N').replace(/\d+ parallel/g, 'N parallel');
    expect(nopid(out[0])).toBe(nopid(ref));
  }, 180_000);

  it('console input reaches a user program: wc reads its stdin through the kernel to the end of input', () => {
    // more than one kernel read (64-byte chunks, lines), a line without its newline at the end
    const text = Array.from({ length: 12 }, (_, i) => `line ${i}: the quick brown fox ${'x'.repeat(i * 7)}`).join('\n') + '\nno newline at the end';
    const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', '--vms', '2', '--vm-mem', '32M', '--console-input', 'vm1',
      '--disk', fsPath, kernelPath, '--', 'wc'], { encoding: 'utf8', input: text, timeout: 120_000 });
    expect(p.status, p.stderr).toBe(0);
    const bytes = Buffer.from(text);
    let h = 2166136261;
    for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
    const words = text.split(/\s+/).filter((w) => w !== '').length;
    expect(p.stdout).toContain(`[vm1] wc: 12 lines, ${words} words, ${bytes.length} bytes, fnv ${h.toString(16)}\n`);
    expect(p.stdout).toContain('[vm0] wc: 0 lines, 0 words, 0 bytes, fnv 811c9dc5\n'); // the other VM sees the end at once
  }, 120_000);
});
