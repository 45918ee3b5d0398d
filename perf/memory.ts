// The memory-sharing experiment (Disco section 7.4, Figure 6; docs/disks.md): eight instances
// of pmake split among 1, 2, 4 and 8 VMs from one copy-on-write base disk, without and with the
// content scan, and the V/M table (virtual footprint against machine memory used).
//
//   node bin/run-ts.js perf/memory.ts [--layout split|replicate] [--instances 8]
//        [--workload "pmake -j 2 12 8"] [--vms 1,2,4,8] [--scan INSNS]
//        [--csv FILE] [--json FILE] [--svg FILE] [--series FILE]
// The same as `disco memory` (vmm/cli.ts).

import { writeFileSync } from 'node:fs';
import { memoryExperiment, memoryWorkload, rowsTable, seriesCsv, writeRows, type MemoryLayout, type MemorySeries } from '../vmm/memreport.ts';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const layoutArg = opt('--layout') ?? 'split';
if (layoutArg !== 'split' && layoutArg !== 'replicate') throw new RangeError(`--layout ${layoutArg}: give split or replicate`);
const layout: MemoryLayout = layoutArg;
const instances = Number(opt('--instances') ?? 8);
const workload = memoryWorkload({ workload: opt('--workload'), layout });
const what = layout === 'split' ? `${instances} x ${workload} split among the VMs` : `${workload} in every VM`;
const counts = (opt('--vms') ?? '1,2,4,8').split(',').map(Number);
const scans = opt('--scan') !== undefined ? [Number(opt('--scan'))] : [0, 1_000_000];
for (const scanEvery of scans) {
  const t0 = Date.now();
  const series: MemorySeries[] = [];
  const rows = memoryExperiment({
    kernel: 'guests/kernel/kernel.elf', disk: 'guests/user/fs.img', workload, layout, instances, counts, scanEvery,
    onSeries: (config, vms, samples) => { series.push({ config, vms, samples }); },
    progress: (l) => process.stderr.write(`memory: ${l}${scanEvery > 0 ? `, content scan every ${scanEvery} instructions` : ''}\n`),
  });
  process.stdout.write(`\n${what}, ${scanEvery > 0 ? `content scan every ${scanEvery} instructions` : 'no content scan'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  process.stdout.write(rowsTable(rows));
  const tag = scanEvery > 0 ? '-scan' : '';
  const suffix = (f: string | undefined): string | undefined => (f === undefined ? undefined : f.replace(/(\.\w+)$/, `${tag}$1`));
  writeRows(rows, { csv: suffix(opt('--csv')), json: suffix(opt('--json')), svg: suffix(opt('--svg')) }, `V/M: ${what}${scanEvery > 0 ? ', content scan' : ''}`);
  const seriesFile = suffix(opt('--series'));
  if (seriesFile !== undefined) writeFileSync(seriesFile, seriesCsv(series));
}
