// The NFS configuration of Disco SOSP '97 section 4.2.6 (Figure 6's last bars) for the memory
// experiment (memreport.ts): one server VM exports its file system, `clients` client VMs run
// pmake's compile phase on the server's sources over the virtual subnet (guests/user/nfsrun.c,
// docs/network.md), every VM booting from the shared base image as in the pmake rows. V and M
// are measured by the same MemoryMeter; the server's buffer-cache pages remapped into the
// clients show up as sharing.

import { readFileSync } from 'node:fs';
import { BaseImage, OverlayDisk } from './disk.ts';
import { MemoryMeter, experimentMachine, memoryWorkload, type MemoryExperimentOptions, type MemoryRow } from './memreport.ts';
import { Monitor } from './monitor.ts';
import { PAGE_BYTES } from './alloc.ts';

const MiB = 1024 * 1024;

/** `nfsrun make F K J` for a workload "pmake [-j J] [F] [K]" (defaults as pmake's: 16 8, J 2). */
export function nfsCommand(workload: string): string {
  const w = workload.trim().split(/\s+/);
  if (w[0] !== 'pmake') throw new RangeError(`the NFS configuration runs pmake, not "${workload}"`);
  let j = '2', i = 1;
  if (w[1] === '-j') { j = w[2] ?? '2'; i = 3; }
  const nums = [w[i] ?? '16', w[i + 1] ?? '8', j];
  if (!nums.every((t) => /^\d+$/.test(t))) throw new RangeError(`cannot read "${workload}" as pmake [-j J] [NFILES] [KIB]`);
  return `nfsrun make ${nums[0]} ${nums[1]} ${nums[2]}`;
}

/** Run the NFS configuration and give its V/M row (machineRatio is filled in by the caller). */
export function runNfsConfig(o: MemoryExperimentOptions, clients: number): MemoryRow {
  const cmdline = nfsCommand(memoryWorkload(o));
  const n = clients + 1;
  const kernel = readFileSync(o.kernel);
  const base = BaseImage.open(o.disk);
  const cfg = experimentMachine(o);
  const outs: string[] = Array.from({ length: n }, () => '');
  const mon = new Monitor({ ...cfg, console: (vm, b) => { outs[vm.id] += String.fromCharCode(b); }, bufferCacheBytes: o.bufferCacheBytes });
  for (let i = 0; i < n; i++) {
    mon.createVm({
      name: `vm${i}`, memBytes: o.vmMem ?? 32 * MiB, image: kernel, imageName: 'kernel.elf', cmdline,
      disk: new OverlayDisk(base), maxInstructions: o.maxInstructions ?? 4e9,
    });
  }
  const meter = new MemoryMeter(mon, 1_000_000, o.scanEvery ?? 0);
  const res = mon.run({ onRound: () => meter.onRound() });
  meter.take();
  o.onSeries?.(`NFS 1+${clients}`, n, meter.series);
  const rep = meter.report();
  // The server's pmake checksum, and every client's nfsmake checksum, must agree.
  const sums = outs.map((t) => /(?:pmake|nfsmake): \d+ jobs, \d+ parallel, checksum ([0-9a-f]+)/.exec(t)?.[1] ?? null);
  const same = sums.every((s) => s !== null && s === sums[0]) && mon.vms.every((vm) => vm.stopKind === 'halt' && vm.exitCode === 0);
  const mib = (pages: number): number => Math.round((pages * PAGE_BYTES / MiB) * 100) / 100;
  const st = mon.vms.map((vm) => mon.net.stats(vm));
  return {
    config: `NFS 1+${clients}`, vms: n, virtualMiB: mib(rep.peakVirtualPages), machineMiB: mib(rep.peakMachinePages), machineRatio: 0,
    sharingRatio: Math.round(rep.peakVirtualPages / Math.max(1, rep.peakMachinePages) * 100) / 100,
    cacheOnlyMiB: mib(rep.peakCacheOnlyPages), blocksRemapped: rep.sharing.blocksRemapped + st.reduce((k, s) => k + s.pagesRemapped, 0),
    cowCopies: rep.sharing.cowCopies, merged: rep.sharing.merged, sameOutput: same, instructions: res.instructions,
  };
}
