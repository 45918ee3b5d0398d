// The NUMA experiment of docs/numa.md (Disco SOSP '97 section 5.5, Figure 8, Table 3): the
// workloads on 8 and 16 CPUs (one CPU per node, like FLASH), every policy, written to
// perf/results/<out>.md (tables), <out>.json, <out>.csv and <out>.svg (the chart).
//
//   node bin/run-ts.js perf/numa.ts [--cpus 8,16] [--workloads raytrace,engineering] [--size full|small] [--out NAME]
//
// <out> is "numa" for raytrace and engineering (the published figures), else
// "numa-<workloads joined by ->", e.g. --workloads pmake,database -> perf/results/numa-pmake-database.*,
// so running the pmake-like and database-like workloads never overwrites the published files.

import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  EXPERIMENT_DEFAULTS, NUMA_POLICIES, NUMA_WORKLOADS, formatCsv, formatJson, formatSvg, formatTable, runExperiment,
  type NumaReport, type NumaWorkload,
} from '../vmm/numa-cmd.ts';

const argv = process.argv.slice(2);
const arg = (n: string, d: string): string => { const i = argv.indexOf(n); return i >= 0 ? argv[i + 1] : d; };
const cpus = arg('--cpus', '8,16').split(',').map(Number);
const workloads = arg('--workloads', 'raytrace,engineering').split(',') as NumaWorkload[];
for (const w of workloads) {
  if (!(NUMA_WORKLOADS as readonly string[]).includes(w)) throw new RangeError(`unknown workload '${w}' (expected ${NUMA_WORKLOADS.join(', ')})`);
}
const size = arg('--size', 'full') as 'full' | 'small';
const published = workloads.every((w) => w === 'raytrace' || w === 'engineering');
const base = arg('--out', published ? 'numa' : `numa-${workloads.join('-')}`);
const out = resolve(import.meta.dirname, 'results');
mkdirSync(out, { recursive: true });
const reps: NumaReport[] = [];
for (const w of workloads) {
  for (const n of cpus) {
    const rep = runExperiment({
      ...EXPERIMENT_DEFAULTS, workload: w, nodes: n, cpusPerNode: 1, size, policies: [...NUMA_POLICIES],
      onRun: (p, i, t) => process.stderr.write(`numa: ${w} ${n} CPUs: ${p} (${i + 1}/${t})\n`),
    });
    process.stderr.write(rep.rows.map((r) => `  ${r.policy}: ${r.hostSeconds.toFixed(1)} s host\n`).join(''));
    reps.push(rep);
    process.stdout.write(formatTable(rep) + '\n\n');
  }
}
writeFileSync(resolve(out, `${base}.md`), reps.map((r) => '```\n' + formatTable(r) + '\n```\n').join('\n'));
writeFileSync(resolve(out, `${base}.json`), formatJson(reps) + '\n');
writeFileSync(resolve(out, `${base}.csv`), reps.map(formatCsv).join('\n') + '\n');
writeFileSync(resolve(out, `${base}.svg`), formatSvg(reps));
