// The NFS configuration of Disco SOSP '97 4.2.6 (Figure 6's "NFS" bar): one server VM exports
// its file system, seven client VMs run pmake on the server's sources (guests/user/nfsrun.c),
// all booting from one base image with per-VM overlays. V (guest pages backed, summed over
// VMs) and M (machine pages used for them) are the peaks measured by memreport.ts's
// MemoryMeter, as in `disco memory`; once with the subnet remapping page-aligned pages
// (Disco) and once copying them (Subnet.remap = false), so the remapping's share shows.
//
//   node bin/run-ts.js perf/nfs.ts [--vms 8] [--files 64] [--kib 16] [--jobs 2] [--vm-mem 32] [--json FILE]
//
// The paper: 81 MB virtual, 40 MB machine. `disco memory --nfs` gives the same row next to
// the pmake rows.

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Monitor } from '../vmm/monitor.ts';
import { BaseImage, OverlayDisk } from '../vmm/disk.ts';
import { MemoryMeter } from '../vmm/memreport.ts';

const root = resolve(import.meta.dirname, '..');
const MiB = 0x100000;
const { values: a } = parseArgs({
  options: {
    vms: { type: 'string', default: '8' }, files: { type: 'string', default: '64' }, kib: { type: 'string', default: '16' },
    jobs: { type: 'string', default: '2' }, 'vm-mem': { type: 'string', default: '32' }, json: { type: 'string' },
  },
});
const nvms = Number(a.vms), vmMem = Number(a['vm-mem']) * MiB;
if (!(nvms >= 2 && nvms <= 16) || !(vmMem >= 16 * MiB)) throw new RangeError('--vms 2..16, --vm-mem at least 16 (MiB)');
const cmdline = `nfsrun make ${Number(a.files)} ${Number(a.kib)} ${Number(a.jobs)}`;

interface Result { mode: string; virtualMiB: number; machineMiB: number; ratio: number; pagesRemapped: number; dataCopies: number; cowCopies: number; checksums: string[]; cycles: number }

function run(remap: boolean): Result {
  const out = Array.from({ length: nvms }, () => '');
  const mon = new Monitor({ nodes: 1, cpusPerNode: 8, memPerNode: Math.min(2048, nvms * vmMem / MiB + 16) * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  mon.net.remap = remap;
  const kernel = readFileSync(join(root, 'guests/kernel/kernel.elf'));
  const base = BaseImage.open(join(root, 'guests/user/fs.img'));
  for (let i = 0; i < nvms; i++) mon.createVm({ memBytes: vmMem, image: kernel, imageName: 'kernel.elf', cmdline, disk: new OverlayDisk(base), maxInstructions: 2e10 });
  const meter = new MemoryMeter(mon);
  const res = mon.run({ onRound: () => meter.onRound() });
  meter.take();
  for (const vm of mon.vms) if (vm.stopKind !== 'halt' || vm.exitCode !== 0) throw new Error(`${vm.name}: ${vm.stopMessage}\n${out[vm.id]}`);
  const checksums = out.map((o) => /checksum ([0-9a-f]+)/.exec(o)?.[1] ?? '?');
  const st = mon.vms.map((vm) => mon.net.stats(vm));
  const r = meter.report();
  const mb = (pages: number): number => Math.round(pages * 4096 / MiB * 100) / 100;
  return {
    mode: remap ? 'remap' : 'copy', virtualMiB: mb(r.peakVirtualPages), machineMiB: mb(r.peakMachinePages), ratio: Math.round(r.peakVirtualPages / r.peakMachinePages * 100) / 100,
    pagesRemapped: st.reduce((n, s) => n + s.pagesRemapped, 0), dataCopies: st.reduce((n, s) => n + s.dataCopies, 0), cowCopies: r.sharing.cowCopies, checksums, cycles: res.cycles,
  };
}

const results = [run(true), run(false)];
console.log(`NFS configuration: 1 server + ${nvms - 1} clients, ${cmdline}, ${a['vm-mem']} MiB per VM`);
console.log('mode    virtual MiB  machine MiB  V/M   net pages remapped  net data copies  COW copies  checksums');
for (const r of results) {
  console.log(`${r.mode.padEnd(7)} ${String(r.virtualMiB).padStart(11)}  ${String(r.machineMiB).padStart(11)}  ${r.ratio.toFixed(2).padStart(4)}  ${String(r.pagesRemapped).padStart(18)}  ${String(r.dataCopies).padStart(15)}  ${String(r.cowCopies).padStart(10)}  ${new Set(r.checksums).size === 1 ? `all ${r.checksums[0]}` : r.checksums.join(',')}`);
}
console.log('Disco (SOSP \'97 Figure 6, NFS): 81 MB virtual, 40 MB machine (V/M 2.0)');
if (a.json !== undefined) writeFileSync(a.json, JSON.stringify({ vms: nvms, cmdline, vmMemMiB: Number(a['vm-mem']), results }, null, 2) + '\n');
