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
  /** Under the monitor: the VMs' names by number (Perfetto: one process each); null when bare. */
  vms?: readonly string[] | null;
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
    case 'text': return new TextFormat(out, sy, ctx.colour, (ctx.vms ?? null) !== null);
    case 'csv': return new CsvFormat(out, sy);
    case 'jsonl': return new JsonlFormat(out, sy);
    case 'perfetto': return new PerfettoFormat(out, sy, ctx);
  }
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const hex2 = (v: number): string => (v < 16 ? '0' : '') + v.toString(16);
/** ACC_FETCH (cpu.ts); a fetch miss has no instruction word until its page is mapped. */
const ACC_FETCH_ = 2;

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
  // Columns that take few values, padded (and coloured) once.
  private readonly modeCol: readonly string[];
  private readonly kindCol: readonly string[];
  private readonly accessCol = ACCESS_NAMES.map((a) => pad(a, 7));
  private readonly outcomeCol: readonly string[];
  /** The instruction column by pc: disassembly and <symbol>, for the word last seen there. */
  private readonly tails = new Map<number, { word: number | null; pa: number; ds: boolean; text: string }>();

  /** Width of the vm column: "vm" or, under the monitor, "vm:vcpu". */
  private readonly vmWidth: number;
  constructor(private readonly out: TraceOutput, private readonly sy: Symbolizer, colour: boolean, monitored = false) {
    const c = (this.c = new Chalk({ level: colour ? 1 : 0 }));
    this.vmWidth = monitored ? 8 : 3;
    this.modeCol = MODE_NAMES.map((m) => c.dim(pad(m, 11)));
    this.kindCol = [c.yellow(pad('refill', 9)), c.magenta(pad('invalid', 9)), c.cyan(pad('modified', 9))];
    this.outcomeCol = OUTCOME_NAMES.map((n, i) => (i === OUTCOME_UNRESOLVED ? c.red(pad(n, 11)) : pad(n, 11)));
  }

  begin(): void {
    const h = `${lpad('cycle', 12)} ${lpad('insn', 12)} ${lpad('cpu', 3)} ${pad(this.vmWidth > 3 ? 'vm:vcpu' : 'vm', this.vmWidth)}${pad('mode', 11)}${pad('kind', 9)}` +
      `${pad('access', 7)}${pad('asid', 5)}${pad('pc', 11)}${pad('va', 11)}${pad('page', 8)}${pad('node', 5)}` +
      `${lpad('cost', 6)} ${pad('outcome', 11)}instruction`;
    this.out.write(this.c.bold(h) + '\n');
  }

  private tail(e: TlbEvent): string {
    const hit = this.tails.get(e.pc);
    if (hit !== undefined && hit.word === e.word && hit.pa === e.pcPa && hit.ds === e.ds) return hit.text;
    let insn = e.word !== null ? this.sy.disasm(e.word, e.pc) : e.access === ACC_FETCH_ ? '(fetch)' : '?';
    if (e.ds) insn += ' (delay slot)';
    const sym = this.sy.symAt(e.pc, e.pcPa);
    const text = sym !== null ? pad(insn, 28) + this.c.dim(` <${sym}>`) : insn;
    if (this.tails.size >= 1 << 16) this.tails.clear();
    this.tails.set(e.pc, { word: e.word, pa: e.pcPa, ds: e.ds, text });
    return text;
  }

  event(e: TlbEvent): void {
    const tail = this.tail(e);
    const line =
      `${lpad(String(e.cycle), 12)} ${lpad(String(e.insn), 12)} ${lpad(String(e.cpu), 3)} ${pad(e.vm === null ? '-' : e.vcpu === null ? String(e.vm) : `${e.vm}:${e.vcpu}`, this.vmWidth)}` +
      `${this.modeCol[e.mode]}${this.kindCol[e.kind]}${this.accessCol[e.access]}${pad(hex2(e.asid), 5)}` +
      `${pad(hex8(e.pc), 11)}${this.c.bold(pad(hex8(e.va), 11))}${pad(e.page === null ? '-' : pageHex(e.page), 8)}` +
      `${pad(e.node === null ? '-' : String(e.node), 5)}${lpad(e.cost === null ? '-' : String(e.cost), 6)} ` +
      `${this.outcomeCol[e.outcome]}${tail}`;
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
const COMMA = 0x2c, NEWLINE = 0x0a;
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

/** Perfetto processes: pid 0 the bare machine, or pid VM + 1 for each VM (names are ASCII: vmN). */
function perfettoProcesses(vms: readonly string[] | null): Array<[number, string]> {
  if (vms === null) return [[0, 'bare machine']];
  return vms.map((name, i) => [i + 1, name.replace(/[^\x20-\x7e]/g, '?')]);
}

/**
 * The opening of a Perfetto trace (both trace commands): the JSON head, then one metadata item
 * per process (machine or VM) and per CPU track, sorted as numbered. Items come without commas.
 */
export function perfettoHead(ctx: FormatContext): { head: string; items: string[] } {
  const image = JSON.stringify(ctx.image).replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const items: string[] = [];
  for (const [pid, name] of perfettoProcesses(ctx.vms ?? null)) {
    items.push(`{"ph":"M","pid":${pid},"name":"process_name","args":{"name":${JSON.stringify(name)}}}`);
    items.push(`{"ph":"M","pid":${pid},"name":"process_sort_index","args":{"sort_index":${pid}}}`);
    for (const cpu of ctx.cpus) {
      items.push(`{"ph":"M","pid":${pid},"tid":${cpu},"name":"thread_name","args":{"name":"cpu ${cpu}"}}`);
      items.push(`{"ph":"M","pid":${pid},"tid":${cpu},"name":"thread_sort_index","args":{"sort_index":${cpu}}}`);
    }
  }
  return { head: `{"displayTimeUnit":"ns","otherData":{"clock":"1 cycle = 1 ns (nominal)","image":${image}},"traceEvents":[\n`, items };
}

/**
 * perfetto: Chrome trace-event JSON ({"traceEvents": [...]}), which ui.perfetto.dev and
 * chrome://tracing open. Process 0 is the bare machine (under the monitor VM N is process N + 1), one thread track
 * per CPU; each miss is a complete event ("ph":"X") from the miss to the end of its handler.
 * Time: cycles at a nominal 1 GHz, so ts and dur (microseconds) are cycles / 1000.
 */
class PerfettoFormat implements TraceFormat {
  private first = true;
  private readonly syms: SymBytes;
  private readonly k = {
    ph: enc('{"ph":"X","pid":'), tid: enc(',"tid":'), ts: enc(',"ts":'), dur: enc(',"dur":'),
    seq: enc('"args":{"seq":'), insn: enc(',"insn":'), va: enc(',"va":"'), pc: enc('","pc":"'),
    asid: enc('","asid":'), cost: enc(',"cost":'), page: enc(',"page":'), node: enc(',"node":'),
    vcpu: enc(',"vcpu":'), sym: enc(',"sym":'), end: enc('}}'), sep: enc(',\n'), null: enc('null'),
  };
  /** By kind * 3 + access, then mode: ',"name":"refill load","cat":"tlb,user",' */
  private readonly names = KIND_NAMES.flatMap((k) => ACCESS_NAMES.flatMap((a) => MODE_NAMES.map((m) => enc(`,"name":"${k} ${a}","cat":"tlb,${m}",`))));
  private readonly mode = MODE_NAMES.map((m) => enc(`,"mode":"${m}"`));
  private readonly exc = [0, 1, 2, 3].map((c) => enc(`,"exc":"${excName(c)}"`));
  private readonly outcome = OUTCOME_NAMES.map((n) => enc(`,"outcome":"${n}"`));
  constructor(private readonly out: TraceOutput, sy: Symbolizer, private readonly ctx: FormatContext) {
    this.syms = new SymBytes(sy, (t) => JSON.stringify(t), enc('null'));
  }

  begin(): void {
    const { head, items } = perfettoHead(this.ctx);
    this.out.write(head);
    for (const it of items) this.item(it);
  }

  /** Cycles as microseconds: "1234.567" (no fraction when whole). */
  private usec(cycles: number): void {
    const o = this.out;
    const whole = Math.floor(cycles / 1000);
    const frac = cycles - whole * 1000;
    o.uint(whole);
    if (frac === 0) return;
    o.byte(0x2e);
    if (frac < 100) o.byte(0x30);
    if (frac < 10) o.byte(0x30);
    o.uint(frac);
  }

  private maybe(v: number | null): void {
    if (v === null) this.out.put(this.k.null); else this.out.uint(v);
  }

  event(e: TlbEvent): void {
    const o = this.out, k = this.k;
    const sym = this.syms.get(e);
    o.need(LINE_FIXED + sym.length);
    if (!this.first) o.put(k.sep);
    this.first = false;
    o.put(k.ph); o.uint(e.vm === null ? 0 : e.vm + 1);
    o.put(k.tid); o.uint(e.cpu);
    o.put(k.ts); this.usec(e.cycle);
    o.put(k.dur); this.usec(e.cost ?? 0);
    o.put(this.names[(e.kind * 3 + e.access) * 3 + e.mode]);
    o.put(k.seq); o.uint(e.seq);
    o.put(k.insn); o.uint(e.insn);
    o.put(k.va); o.hex8(e.va);
    o.put(k.pc); o.hex8(e.pc);
    o.put(k.asid); o.uint(e.asid);
    o.put(this.mode[e.mode]);
    o.put(this.exc[e.exc]);
    o.put(this.outcome[e.outcome]);
    o.put(k.cost); this.maybe(e.cost);
    o.put(k.page); this.maybe(e.page);
    o.put(k.node); this.maybe(e.node);
    o.put(k.vcpu); this.maybe(e.vcpu);
    o.put(k.sym); o.put(sym);
    o.put(k.end);
  }

  private item(s: string): void {
    this.out.write(this.first ? s : ',\n' + s);
    this.first = false;
  }

  end(): void {
    this.out.write('\n]}\n');
  }
}
