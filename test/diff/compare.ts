// Splits harness output into per-program sections and finds the first difference between two runs.
//
// Output format (see gen.ts): for each program a header `P <seed>`, then 34 hex words
// ($0..$31, HI, LO) and 64 buffer words, 8 words a line; `DONE` at the end, or `EXC <cause> <epc>
// <badvaddr>` when an unexpected exception stopped the image. Directed tests print `T <name>`
// headers followed by free-form lines (compared as text).

import { REG_NAMES } from './asm.ts';
import { BUF_BYTES, LOG_ENTRY_WORDS } from './gen.ts';

export interface Section {
  /** The header line (`P 0000002a`, `T syscall`), or '' for text before the first header. */
  header: string;
  /** The lines after the header. */
  lines: string[];
}

const HEADER = /^(P|T) /;

/** Splits output into sections at header lines; trailing lines (DONE, EXC) end the last one. */
export function sections(output: string): Section[] {
  const out: Section[] = [];
  let cur: Section = { header: '', lines: [] };
  for (const line of output.split('\n')) {
    if (HEADER.test(line)) {
      if (cur.header || cur.lines.length) out.push(cur);
      cur = { header: line, lines: [] };
    } else if (line !== '') {
      cur.lines.push(line);
    }
  }
  if (cur.header || cur.lines.length) out.push(cur);
  return out;
}

/** Name of word `i` of a random program's dump. */
export function wordName(i: number): string {
  if (i < 32) return `$${REG_NAMES[i]}`;
  if (i === 32) return 'HI';
  if (i === 33) return 'LO';
  if (i < 34 + BUF_BYTES / 4) return `mem[0x${((i - 34) * 4).toString(16).padStart(2, '0')}]`;
  const k = i - 34 - BUF_BYTES / 4;
  return `exception ${Math.floor(k / LOG_ENTRY_WORDS)} ${['Cause', 'EPC', 'BadVAddr', 'EntryHi', 'Context'][k % LOG_ENTRY_WORDS]}`;
}

const WORD_LINE = /^[0-9a-f]{8}( [0-9a-f]{8})*$/;

/** The words of a random program's section (its hex lines), or null for other sections. */
export function sectionWords(s: Section): number[] | null {
  if (!s.header.startsWith('P ')) return null;
  const words: number[] = [];
  for (const line of s.lines) {
    if (WORD_LINE.test(line)) for (const w of line.split(' ')) words.push(parseInt(w, 16) >>> 0);
  }
  return words;
}

export interface Difference {
  /** Position of the section in the output (for batches of variants: the variant index). */
  section: number;
  /** Section header in the reference output (e.g. `P 0000002a`), or '' past its end. */
  header: string;
  /** Seed of the program when the section is a random program. */
  seed?: number;
  /** One-line description: first differing register or line. */
  summary: string;
}

const h8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

/** Describes how section `b` (disco) differs from `a` (QEMU), or null if they are equal. */
export function diffSection(a: Section | undefined, b: Section | undefined): string | null {
  if (!a && !b) return null;
  if (!a) return `unexpected extra output: ${b!.header || b!.lines[0]}`;
  if (!b) return `missing: ${a.header || a.lines[0]}`;
  if (a.header !== b.header) return `header differs: qemu "${a.header}" disco "${b.header}"`;
  const wa = sectionWords(a);
  const wb = sectionWords(b);
  if (wa && wb) {
    const diffs: string[] = [];
    for (let i = 0; i < Math.max(wa.length, wb.length); i++) {
      if (wa[i] !== wb[i]) {
        diffs.push(`${wordName(i)}: qemu ${wa[i] === undefined ? '-' : h8(wa[i]!)} disco ${wb[i] === undefined ? '-' : h8(wb[i]!)}`);
      }
    }
    // Lines that are not words (EXC, the DONE trailer) are compared as text below.
    if (diffs.length) return diffs.slice(0, 4).join('; ') + (diffs.length > 4 ? `; (${diffs.length} words differ)` : '');
  }
  const n = Math.max(a.lines.length, b.lines.length);
  for (let i = 0; i < n; i++) {
    if (a.lines[i] !== b.lines[i]) return `line ${i + 1}: qemu "${a.lines[i] ?? ''}" disco "${b.lines[i] ?? ''}"`;
  }
  return null;
}

/** All differing sections between a QEMU output and a disco output, in order. */
export function compareOutputs(qemu: string, disco: string): Difference[] {
  const a = sections(qemu);
  const b = sections(disco);
  const out: Difference[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = diffSection(a[i], b[i]);
    if (d !== null) {
      const header = a[i]?.header ?? '';
      const seed = header.startsWith('P ') ? parseInt(header.slice(2), 16) >>> 0 : undefined;
      out.push({ section: i, header, seed, summary: d });
    }
  }
  return out;
}

/** The exit code an image's output implies: 0 after DONE, else the code it printed. */
export function expectedExit(output: string): number | null {
  if (/^DONE$/m.test(output)) return 0;
  if (/^EXC /m.test(output)) return 3;
  return null;
}
