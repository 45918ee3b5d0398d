// The NFS configuration of Disco SOSP '97 4.2.6 (Figure 6's "NFS" bar): one server VM exports
// its file system, seven client VMs run pmake on the server's sources (guests/user/nfsrun.c).
// Reports the virtual footprint (sum of every VM's resident guest pages) against the machine
// memory actually used (machine pages held for VMs), sampled every 500 rounds during the run
// and taken at the largest footprint (where the most is shared among equals), with the subnet remapping page-aligned pages (Disco)
// and, for comparison, copying them. Note: the guest kernel's kinit() writes a free-list link
// into every page at boot, so each VM is fully resident from the start and the virtual
// footprint is simply VMs x memory.
//
//   node bin/run-ts.js perf/nfs.ts [--vms 8] [--files 64] [--kib 16] [--jobs 2] [--vm-mem 32] [--json FILE]
//
// The paper: 81 MB virtual, 40 MB machine (IRIX, with the kernel text and buffer cache also
// shared through the copy-on-write disks; here only the subnet's remapping shares pages).

import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Monitor } from '../vmm/monitor.ts';

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

interface Result { mode: string; virtualMiB: number; machineMiB: number; ratio: number; peakMachineMiB: number; pagesRemapped: number; dataCopies: number; cowCopies: number; checksums: string[]; cycles: number }

function run(remap: boolean): Result {
  const out = Array.from({ length: nvms }, () => '');
  const mon = new Monitor({ nodes: 1, cpusPerNode: 8, memPerNode: Math.min(2048, nvms * vmMem / MiB + 16) * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
  mon.net.remap = remap;
  const kernel = readFileSync(join(root, 'guests/kernel/kernel.elf')), disk = readFileSync(join(root, 'guests/user/fs.img'));
  for (let i = 0; i < nvms; i++) mon.createVm({ memBytes: vmMem, image: kernel, imageName: 'kernel.elf', cmdline, disk: new Uint8Array(disk), maxInstructions: 2e10 });
  const al = mon.alloc;
  let best = { v: 0, m: 0 }, peakM = 0, rounds = 0;
  const sample = (): void => {
    let v = 0;
    for (const vm of mon.vms) if (vm.running) v += vm.pmap.resident();
    const m = al.totalPages - al.freeTotal() - al.monitorPages;
    // The largest footprint, and of the samples with it the one where the most is shared.
    if (v > best.v || (v === best.v && m < best.m)) best = { v, m };
    if (m > peakM) peakM = m;
  };
  const res = mon.run({ onRound: () => { if (++rounds % 500 === 0) sample(); } });
  for (const vm of mon.vms) if (vm.stopKind !== 'halt' || vm.exitCode !== 0) throw new Error(`${vm.name}: ${vm.stopMessage}\n${out[vm.id]}`);
  const checksums = out.map((o) => /checksum ([0-9a-f]+)/.exec(o)?.[1] ?? '?');
  const st = mon.vms.map((vm) => mon.net.stats(vm));
  const mb = (pages: number): number => Math.round(pages * 4096 / MiB * 10) / 10;
  return {
    mode: remap ? 'remap' : 'copy', virtualMiB: mb(best.v), machineMiB: mb(best.m), ratio: Math.round(best.v / best.m * 100) / 100, peakMachineMiB: mb(peakM),
    pagesRemapped: st.reduce((n, s) => n + s.pagesRemapped, 0), dataCopies: st.reduce((n, s) => n + s.dataCopies, 0), cowCopies: mon.share.stats.cowCopies, checksums, cycles: res.cycles,
  };
}

const results = [run(true), run(false)];
console.log(`NFS configuration: 1 server + ${nvms - 1} clients, ${cmdline}, ${a['vm-mem']} MiB per VM`);
console.log('mode    virtual MiB  machine MiB  V/M   shared MiB  peak machine MiB  pages remapped  data copies  COW copies  checksums');
for (const r of results) {
  console.log(`${r.mode.padEnd(7)} ${String(r.virtualMiB).padStart(11)}  ${String(r.machineMiB).padStart(11)}  ${r.ratio.toFixed(2).padStart(4)}  ${(Math.round((r.virtualMiB - r.machineMiB) * 10) / 10).toFixed(1).padStart(10)}  ${String(r.peakMachineMiB).padStart(16)}  ${String(r.pagesRemapped).padStart(14)}  ${String(r.dataCopies).padStart(11)}  ${String(r.cowCopies).padStart(10)}  ${new Set(r.checksums).size === 1 ? `all ${r.checksums[0]}` : r.checksums.join(',')}`);
}
console.log('Disco (SOSP \'97 Figure 6, NFS): 81 MB virtual, 40 MB machine (V/M 2.0)');
if (a.json !== undefined) writeFileSync(a.json, JSON.stringify({ vms: nvms, cmdline, vmMemMiB: Number(a['vm-mem']), results }, null, 2) + '\n');
