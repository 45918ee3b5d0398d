// `node bin/run-ts.js perf/linux-profile.ts FROM TO [--every N] [--kallsyms FILE] [--tlb-entries N]`
//
// Where the guest spends its instructions between instruction counts FROM and TO of the Linux
// boot (`disco run --linux`, docs/linux.md): samples the PC every N instructions (default
// 100000) and prints the busiest functions, plus the exceptions, TLB refills and translation-
// cache flushes of the window and the host MIPS. PCs are symbolised with a /proc/kallsyms
// listing taken under `nokaslr` (the boot here passes `nokaslr` so that the addresses agree);
// without one, PCs are grouped by 4 KiB page. Counts are exact: the run repeats exactly.
//
// Examples (counts accept 3.9e9 or 3900000000):
//   node bin/run-ts.js perf/linux-profile.ts 2.1e9 3.9e9 --kallsyms .cache/linux/kallsyms-nokaslr.txt

import { readFileSync } from 'node:fs';
import { Machine } from '../cpu/machine.ts';
import { bootLinux } from '../cpu/linux.ts';
import { CMDLINE, INITRD, KERNEL } from './linux.ts';

const args = process.argv.slice(2);
const opt = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const from = Number(args[0]);
const to = Number(args[1]);
const every = Number(opt('--every') ?? 100000);
const tlbEntries = Number(opt('--tlb-entries') ?? 16);
const kallsyms = opt('--kallsyms');
if (!(to > from && from >= 0 && every > 0)) {
  console.error('usage: linux-profile.ts FROM TO [--every N] [--kallsyms FILE] [--tlb-entries N]');
  process.exit(2);
}

const syms: Array<[number, string]> = kallsyms === undefined ? [] : readFileSync(kallsyms, 'utf8').trim().split('\n')
  .map((l): [number, string] => { const f = l.split(' '); return [parseInt(f[0], 16), f[2]]; })
  .sort((a, b) => a[0] - b[0]);

/** The function containing `pc`, "user" below kseg0, or the page when there are no symbols. */
function symbol(pc: number): string {
  const u = pc >>> 0;
  if (u < 0x80000000) return 'user';
  if (syms.length === 0 || u < syms[0][0]) return `0x${((u & ~0xfff) >>> 0).toString(16)}`;
  let lo = 0, hi = syms.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (syms[mid][0] <= u) lo = mid; else hi = mid - 1;
  }
  return syms[lo][1];
}

const m = new Machine({ memBytes: 256 << 20, tlbEntries, out: () => {} });
bootLinux(m, { kernel: readFileSync(KERNEL), kernelName: 'vmlinuz', initrd: readFileSync(INITRD), cmdline: `${CMDLINE} nokaslr` });
if (from > 0) m.run({ maxInstructions: from });
const s0 = m.stats();
const counts = new Map<string, number>();
let samples = 0;
const t0 = process.hrtime.bigint();
for (let at = from + every; at <= to; at += every) {
  if (m.run({ maxInstructions: at }).reason !== 'limit') break;
  const s = symbol(m.cpu.pc);
  counts.set(s, (counts.get(s) ?? 0) + 1);
  samples++;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const s1 = m.stats();
const ran = s1.instructions - s0.instructions;
const exc = Object.keys(s1.exceptions).map((k) => `${k} ${(s1.exceptions[k] ?? 0) - (s0.exceptions[k] ?? 0)}`).join(', ');
console.log(`${ran} instructions in ${secs.toFixed(2)} s (${(ran / secs / 1e6).toFixed(1)} MIPS); exceptions: ${exc}`);
console.log(`TLB refills ${s1.tlbRefills - s0.tlbRefills}, translation cache flushes ${s1.translationCacheFlushes - s0.translationCacheFlushes}`);
for (const [s, c] of [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((100 * c) / samples).toFixed(1).padStart(6)}%  ${s}`);
}
