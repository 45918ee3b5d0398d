// Output formats of `disco trace tlb`: text (aligned columns, colour on a terminal, disassembly),
// CSV, JSON lines, and Chrome trace-event JSON for ui.perfetto.dev. The schema of each is in
// docs/trace.md; all write the fields of event.ts in the order of FIELDS. Each event becomes one
// string handed to TraceOutput, which writes in large chunks.

import { Chalk, type ChalkInstance } from 'chalk';
import type { ElfSegment, SymbolTable } from '../../cpu/elf.ts';
import { disasm } from '../../cpu/disasm.ts';
import {
  ACCESS_NAMES, FIELDS, KIND_NAMES, MODE_NAMES, OUTCOME_NAMES, OUTCOME_UNRESOLVED, excName, hex8,
  type TlbEvent,
} from './event.ts';
import type { TraceOutput } from './output.ts';

export const FORMAT_NAMES = ['text', 'csv', 'jsonl', 'perfetto'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface FormatContext {
  /** Image file name (Perfetto process name, text header). */
  image: string;
  /** The image's symbols, for "sym"; null when it has none. */
  symbols: SymbolTable | null;
  /** The image's loaded segments, to name code run through another virtual alias. */
  segments: readonly ElfSegment[];
  /** Colour the text format (only when writing to a terminal). */
  colour: boolean;
  /** CPU numbers of the machine (Perfetto: one track each). */
  cpus: readonly number[];
}

export interface TraceFormat {
  begin(): void;
  event(e: TlbEvent): void;
  end(): void;
}

/**
 * Symbol names and disassembly by address, cached: a trace hits the same few PCs over and over.
 * The caches are dropped when they grow large (a new program may reuse addresses).
 */
export class Symbolizer {
  private readonly syms = new Map<number, string | null>();
  private readonly dis = new Map<number, { word: number; text: string }>();
  constructor(readonly table: SymbolTable | null, private readonly segments: readonly ElfSegment[] = []) {}

  /**
   * The symbol of the code at virtual `pc`, physical `pa` (-1 if unknown): by `pc`, or else, when
   * the code runs through an alias (a kuseg mapping of the image's kseg0 code, say), by the
   * image address that `pa` was loaded from.
   */
  symAt(pc: number, pa: number): string | null {
    const s = this.sym(pc);
    if (s !== null || pa < 0) return s;
    for (const seg of this.segments) {
      const off = pa - seg.loadAddr;
      if (off >= 0 && off < seg.memsz) return (seg.vaddr + off) >>> 0 === pc ? null : this.sym((seg.vaddr + off) >>> 0);
    }
    return null;
  }

  /** "name+0x10" covering `addr` (characters beyond ASCII as "?"), or null. */
  sym(addr: number): string | null {
    if (this.table === null) return null;
    let s = this.syms.get(addr);
    if (s === undefined) {
      if (this.syms.size >= 1 << 16) this.syms.clear();
      s = this.table.symbolize(addr);
      // TraceOutput takes ASCII only, and bounded lines (MAX_LINE).
      if (s !== null) s = s.replace(/[^\x20-\x7e]/g, '?').slice(0, 1024);
      this.syms.set(addr, s);
    }
    return s;
  }

  /** objdump's text for `word` at `pc`, with a space instead of the tab. */
  disasm(word: number, pc: number): string {
    const hit = this.dis.get(pc);
    if (hit !== undefined && hit.word === word) return hit.text;
    if (this.dis.size >= 1 << 16) this.dis.clear();
    const text = disasm(word, pc).replace('\t', ' ');
    this.dis.set(pc, { word, text });
    return text;
  }
}

export function makeFormat(name: FormatName, out: TraceOutput, ctx: FormatContext): TraceFormat {
  const sy = new Symbolizer(ctx.symbols, ctx.segments);
  switch (name) {
    case 'text': return new TextFormat(out, sy, ctx.colour);
    case 'csv': return new CsvFormat(out, sy);
    case 'jsonl': return new JsonlFormat(out, sy);
    case 'perfetto': return new PerfettoFormat(out, sy, ctx);
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const hex2 = (v: number): string => (v < 16 ? '0' : '') + v.toString(16);

/** Machine page as hex: 0x02001 (frame number, 4 KiB frames). */
function pageHex(p: number): string {
  const s = p.toString(16);
  return '0x' + (s.length < 5 ? '00000'.slice(s.length) : '') + s;
}

/**
 * text: one aligned line per miss, a header first. Columns: cycle, insn, cpu, vm, mode, kind,
 * access, asid, pc, va, page, node, cost, outcome, then the faulting instruction and <symbol>.
 */
class TextFormat implements TraceFormat {
  private readonly c: ChalkInstance;
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer, colour: boolean) {
    this.c = new Chalk({ level: colour ? 1 : 0 });
  }

  begin(): void {
    const h = `${lpad('cycle', 12)} ${lpad('insn', 12)} ${lpad('cpu', 3)} ${pad('vm', 3)}${pad('mode', 11)}${pad('kind', 9)}` +
      `${pad('access', 7)}${pad('asid', 5)}${pad('pc', 11)}${pad('va', 11)}${pad('page', 8)}${pad('node', 5)}` +
      `${lpad('cost', 6)} ${pad('outcome', 11)}instruction`;
    this.out.write(this.c.bold(h) + '\n');
  }

  event(e: TlbEvent): void {
    const c = this.c;
    const kind = KIND_NAMES[e.kind];
    const kindCol = pad(kind, 9);
    const kindText = e.kind === 0 ? c.yellow(kindCol) : e.kind === 1 ? c.magenta(kindCol) : c.cyan(kindCol);
    const outcome = pad(OUTCOME_NAMES[e.outcome], 11);
    let insn = e.word !== null ? this.sy.disasm(e.word, e.pc) : e.access === 2 ? '(fetch)' : '?';
    if (e.ds) insn += ' (delay slot)';
    const sym = this.sy.symAt(e.pc, e.pcPa);
    const line =
      `${lpad(String(e.cycle), 12)} ${lpad(String(e.insn), 12)} ${lpad(String(e.cpu), 3)} ${pad(e.vm === null ? '-' : String(e.vm), 3)}` +
      `${c.dim(pad(MODE_NAMES[e.mode], 11))}${kindText}${pad(ACCESS_NAMES[e.access], 7)}${pad(hex2(e.asid), 5)}` +
      `${pad(hex8(e.pc), 11)}${c.bold(pad(hex8(e.va), 11))}${pad(e.page === null ? '-' : pageHex(e.page), 8)}` +
      `${pad(e.node === null ? '-' : String(e.node), 5)}${lpad(e.cost === null ? '-' : String(e.cost), 6)} ` +
      `${e.outcome === OUTCOME_UNRESOLVED ? c.red(outcome) : outcome}${sym !== null ? pad(insn, 28) + c.dim(` <${sym}>`) : insn}`;
    this.out.write(line + '\n');
  }

  end(): void {}
}

/** A CSV field: quoted when it holds a comma, quote or newline (RFC 4180). */
function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const EMPTY = new Uint8Array(0);
const COMMA = 0x2c, NEWLINE = 0x0a, QUOTE = 0x22;
/** Room for the fixed part of a CSV or JSON line (numbers, names, addresses; the symbol comes on top). */
const LINE_FIXED = 512;

/** Encoded symbol text by address, through `convert` (CSV quoting, JSON string), cached. */
class SymBytes {
  private readonly cache = new Map<string, Uint8Array>();
  constructor(private readonly sy: Symbolizer, private readonly convert: (s: string) => string, private readonly none: Uint8Array) {}
  get(e: TlbEvent): Uint8Array {
    const s = this.sy.symAt(e.pc, e.pcPa);
    if (s === null) return this.none;
    let b = this.cache.get(s);
    if (b === undefined) {
      if (this.cache.size >= 1 << 16) this.cache.clear();
      b = enc(this.convert(s));
      this.cache.set(s, b);
    }
    return b;
  }
}

/**
 * csv: a header line with the field names, then one row per miss; null is an empty field.
 * Written byte by byte into the output buffer (see TraceOutput): no strings per event.
 */
class CsvFormat implements TraceFormat {
  private readonly syms: SymBytes;
  private readonly mode = MODE_NAMES.map((n) => enc(`,${n},`));
  private readonly kind = KIND_NAMES.map((n) => enc(`${n},`));
  private readonly access = ACCESS_NAMES.map((n) => enc(`${n},`));
  private readonly exc = [0, 1, 2, 3].map((c) => enc(`${excName(c)},`));
  private readonly outcome = OUTCOME_NAMES.map((n) => enc(`,${n},`));
  constructor(private readonly out: TraceOutput, sy: Symbolizer) {
    this.syms = new SymBytes(sy, csvField, EMPTY);
  }

  begin(): void {
    this.out.write(FIELDS.join(',') + '\n');
  }

  event(e: TlbEvent): void {
    const o = this.out;
    const sym = this.syms.get(e);
    o.need(LINE_FIXED + sym.length);
    o.uint(e.seq); o.byte(COMMA);
    o.uint(e.cycle); o.byte(COMMA);
    o.uint(e.insn); o.byte(COMMA);
    o.uint(e.cpu); o.byte(COMMA);
    if (e.vm !== null) o.uint(e.vm);
    o.byte(COMMA);
    if (e.vcpu !== null) o.uint(e.vcpu);
    o.put(this.mode[e.mode]);
    o.put(this.kind[e.kind]);
    o.put(this.access[e.access]);
    o.put(this.exc[e.exc]);
    o.uint(e.asid); o.byte(COMMA);
    o.hex8(e.pc); o.byte(COMMA);
    o.byte(e.ds ? 0x31 : 0x30); o.byte(COMMA);
    o.hex8(e.va);
    o.put(this.outcome[e.outcome]);
    if (e.cost !== null) o.uint(e.cost);
    o.byte(COMMA);
    if (e.page !== null) o.uint(e.page);
    o.byte(COMMA);
    if (e.node !== null) o.uint(e.node);
    o.byte(COMMA);
    o.put(sym);
    o.byte(NEWLINE);
  }

  end(): void {}
}

/** jsonl: one JSON object per line, keys in FIELDS order; written like CSV, byte by byte. */
class JsonlFormat implements TraceFormat {
  private readonly syms: SymBytes;
  private readonly k = {
    seq: enc('{"seq":'), cycle: enc(',"cycle":'), insn: enc(',"insn":'), cpu: enc(',"cpu":'), vm: enc(',"vm":'),
    vcpu: enc(',"vcpu":'), asid: enc(',"asid":'), pc: enc(',"pc":"'), dsTrue: enc('","ds":true,"va":"'),
    dsFalse: enc('","ds":false,"va":"'), cost: enc(',"cost":'), page: enc(',"page":'), node: enc(',"node":'),
    sym: enc(',"sym":'), end: enc('}\n'), null: enc('null'),
  };
  private readonly mode = MODE_NAMES.map((n) => enc(`,"mode":"${n}"`));
  private readonly kind = KIND_NAMES.map((n) => enc(`,"kind":"${n}"`));
  private readonly access = ACCESS_NAMES.map((n) => enc(`,"access":"${n}"`));
  private readonly exc = [0, 1, 2, 3].map((c) => enc(`,"exc":"${excName(c)}"`));
  private readonly outcome = OUTCOME_NAMES.map((n) => enc(`","outcome":"${n}"`));
  constructor(private readonly out: TraceOutput, sy: Symbolizer) {
    this.syms = new SymBytes(sy, (s) => JSON.stringify(s), enc('null'));
  }

  begin(): void {}

  private maybe(v: number | null): void {
    if (v === null) this.out.put(this.k.null); else this.out.uint(v);
  }

  event(e: TlbEvent): void {
    const o = this.out, k = this.k;
    const sym = this.syms.get(e);
    o.need(LINE_FIXED + sym.length);
    o.put(k.seq); o.uint(e.seq);
    o.put(k.cycle); o.uint(e.cycle);
    o.put(k.insn); o.uint(e.insn);
    o.put(k.cpu); o.uint(e.cpu);
    o.put(k.vm); this.maybe(e.vm);
    o.put(k.vcpu); this.maybe(e.vcpu);
    o.put(this.mode[e.mode]);
    o.put(this.kind[e.kind]);
    o.put(this.access[e.access]);
    o.put(this.exc[e.exc]);
    o.put(k.asid); o.uint(e.asid);
    o.put(k.pc); o.hex8(e.pc);
    o.put(e.ds ? k.dsTrue : k.dsFalse); o.hex8(e.va);
    o.put(this.outcome[e.outcome]);
    o.put(k.cost); this.maybe(e.cost);
    o.put(k.page); this.maybe(e.page);
    o.put(k.node); this.maybe(e.node);
    o.put(k.sym); o.put(sym);
    o.put(k.end);
  }

  end(): void {}
}

/** Cycles as trace-event microseconds at a nominal 1 GHz (1 cycle = 1 ns): "1234.567". */
function usec(cycles: number): string {
  const whole = Math.floor(cycles / 1000);
  const frac = cycles - whole * 1000;
  return frac === 0 ? String(whole) : `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
}

/**
 * perfetto: Chrome trace-event JSON ({"traceEvents": [...]}), which ui.perfetto.dev and
 * chrome://tracing open. Process 0 is the machine (later: one process per VM), one thread track
 * per CPU; each miss is a complete event ("ph":"X") from the miss to the end of its handler.
 */
class PerfettoFormat implements TraceFormat {
  private first = true;
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer, private readonly ctx: FormatContext) {}

  begin(): void {
    const image = JSON.stringify(this.ctx.image).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    this.out.write(`{"displayTimeUnit":"ns","otherData":{"clock":"1 cycle = 1 ns (nominal)","image":${image}},"traceEvents":[\n`);
    this.item(`{"ph":"M","pid":0,"name":"process_name","args":{"name":"bare machine"}}`);
    for (const cpu of this.ctx.cpus) {
      this.item(`{"ph":"M","pid":0,"tid":${cpu},"name":"thread_name","args":{"name":"cpu ${cpu}"}}`);
      this.item(`{"ph":"M","pid":0,"tid":${cpu},"name":"thread_sort_index","args":{"sort_index":${cpu}}}`);
    }
  }

  event(e: TlbEvent): void {
    const sym = this.sy.symAt(e.pc, e.pcPa);
    this.item(
      `{"ph":"X","pid":${e.vm === null ? 0 : e.vm + 1},"tid":${e.cpu},"ts":${usec(e.cycle)},"dur":${usec(e.cost ?? 0)},` +
      `"name":"${KIND_NAMES[e.kind]} ${ACCESS_NAMES[e.access]}","cat":"tlb,${MODE_NAMES[e.mode]}",` +
      `"args":{"seq":${e.seq},"insn":${e.insn},"va":"${hex8(e.va)}","pc":"${hex8(e.pc)}","asid":${e.asid},` +
      `"mode":"${MODE_NAMES[e.mode]}","exc":"${excName(e.exc)}","outcome":"${OUTCOME_NAMES[e.outcome]}",` +
      `"cost":${e.cost},"page":${e.page},"node":${e.node},"vcpu":${e.vcpu},"sym":${sym === null ? 'null' : JSON.stringify(sym)}}}`,
    );
  }

  private item(s: string): void {
    this.out.write(this.first ? s : ',\n' + s);
    this.first = false;
  }

  end(): void {
    this.out.write('\n]}\n');
  }
}
