// Checks the harness's instruction words and listing text against GNU objdump: every word of a
// few generated programs (and of the runtime) must disassemble to what the harness says it is.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProgram, buildBatch, CODE_BASE } from './gen.ts';
import { buildDirected } from './directed.ts';
import type { Asm } from './asm.ts';

const OBJDUMP = 'mipsel-linux-gnu-objdump';
const haveObjdump = spawnSync(OBJDUMP, ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveObjdump) console.warn(`skipped: ${OBJDUMP} not installed`);

/** objdump's text for each word of `a` (ABI register names). */
function objdump(a: Asm): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'disco-enc-'));
  try {
    const bin = join(dir, 'code.bin');
    writeFileSync(bin, a.bytes());
    const r = spawnSync(OBJDUMP, ['-D', '-z', '-b', 'binary', '-m', 'mips:isa32r2', '-EL', '-M', 'cp0-names=numeric,hwr-names=numeric', `--adjust-vma=0x${a.base.toString(16)}`, bin], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return r.stdout.split('\n').filter((l) => /^\s*[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t').slice(2).join('\t'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// objdump prints some instructions by their alias; map them back to the harness's spelling.
function normalise(text: string, ours: string): string {
  let t = text.replace(/\t/g, ' ').replace(/\bfp\b/g, 's8').replace(/\bror(v?)\b/, 'rotr$1').trim();
  t = t.replace(/0x([0-9a-f]+)/g, (_, h: string) => String(parseInt(h, 16)));
  const o = ours.replace(/\t/g, ' ').replace(/0x([0-9a-f]+)/g, (_, h: string) => String(parseInt(h, 16)));
  // Aliases: accept objdump's form when it is the alias of ours.
  const aliases: [RegExp, (m: RegExpMatchArray) => string][] = [
    [/^move (\w+),(\w+)$/, (m) => (o.startsWith('addu') ? `addu ${m[1]},${m[2]},zero` : `or ${m[1]},${m[2]},zero`)],
    [/^negu (\w+),(\w+)$/, (m) => `subu ${m[1]},zero,${m[2]}`],
    [/^neg (\w+),(\w+)$/, (m) => `sub ${m[1]},zero,${m[2]}`],
    [/^not (\w+),(\w+)$/, (m) => `nor ${m[1]},${m[2]},zero`],
    [/^li (\w+),(-?\d+)$/, (m) => (o.startsWith('ori') ? `ori ${m[1]},zero,${m[2]}` : `addiu ${m[1]},zero,${m[2]}`)],
    [/^b (\d+)$/, (m) => (o.startsWith('beq') ? `beq zero,zero,${m[1]}` : `bgez zero,${m[1]}`)],
    [/^bal (\d+)$/, (m) => `bgezal zero,${m[1]}`],
    [/^(beq|bne)z(l?) (\w+),(\d+)$/, (m) => `${m[1]}${m[2]} ${m[3]},zero,${m[4]}`],
    [/^(div|divu) zero,(\w+),(\w+)$/, (m) => `${m[1]} ${m[2]},${m[3]}`],
    [/^mfc0 (\w+),\$(\d+)$/, (m) => `mfc0 ${m[1]},$${m[2]},0`],
    [/^mtc0 (\w+),\$(\d+)$/, (m) => `mtc0 ${m[1]},$${m[2]},0`],
    [/^jalr ra,(\w+)$/, (m) => `jalr ${m[1]}`],
  ];
  for (const [re, f] of aliases) {
    const m = t.match(re);
    if (m && f(m) === o) return o;
  }
  return t;
}

function check(a: Asm): void {
  const theirs = objdump(a);
  expect(theirs.length).toBe(a.words.length);
  const bad: string[] = [];
  a.texts.forEach((ours, i) => {
    if (ours.startsWith('.')) return; // data
    const want = ours.replace(/\t/g, ' ').replace(/0x([0-9a-f]+)/g, (_, h: string) => String(parseInt(h, 16)));
    if (normalise(theirs[i]!, ours) !== want) bad.push(`${(a.base + 4 * i).toString(16)}: ours "${ours}" objdump "${theirs[i]}"`);
  });
  expect(bad.slice(0, 10)).toEqual([]);
}

describe.skipIf(!haveObjdump)('harness encodings agree with GNU objdump', () => {
  it('random programs and runtime', () => {
    for (const seeds of [[2, 4, 6], [1, 5, 9], [3, 7, 11]]) {
      const img = buildBatch(seeds.map((s) => generateProgram(s, { length: 3000 })));
      expect(img.asm.base).toBe(CODE_BASE);
      check(img.asm);
    }
  });
  it('directed programs', () => {
    check(buildDirected().asm);
  });
});
