// Which TLB misses a trace keeps: the --cpu, --vm, --mode, --kind, --range, --pc, --after/--before and
// --limit options, parsed into masks and half-open ranges so that the check per miss is a few
// integer compares. Parse errors throw FilterError with a message naming the option.

import type { SymbolTable } from '../../cpu/elf.ts';
import { ACCESS_NAMES, KIND_NAMES, MODE_NAMES } from './event.ts';

export class FilterError extends Error {}

/** Which counter --after and --before refer to. */
export type Clock = 'cycles' | 'instructions';

export interface TlbFilter {
  /** CPU numbers to keep; null keeps all. */
  cpus: ReadonlySet<number> | null;
  /** VM numbers to keep (under the monitor); null keeps all. */
  vms: ReadonlySet<number> | null;
  /** One bit per MODE_*, KIND_*, ACC_* value. */
  modeMask: number;
  kindMask: number;
  accessMask: number;
  /** Virtual address and PC ranges, unsigned, [lo, hi) (hi may be 2^32). */
  vaLo: number;
  vaHi: number;
  pcLo: number;
  pcHi: number;
  /** Keep misses at time t with after <= t < before, t measured on `clock`. */
  clock: Clock;
  after: number;
  before: number;
  /** Stop recording after this many events. */
  limit: number;
}

export const ALL: TlbFilter = {
  cpus: null, vms: null, modeMask: 7, kindMask: 7, accessMask: 7,
  vaLo: 0, vaHi: 2 ** 32, pcLo: 0, pcHi: 2 ** 32,
  clock: 'cycles', after: 0, before: Infinity, limit: Infinity,
};

/** --cpu 0,2,3 */
export function parseCpus(text: string): Set<number> {
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const v = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(v) || v < 0 || v > 1023) {
      throw new FilterError(`--cpu: "${part}" is not a CPU number (examples: 0, 0,1)`);
    }
    set.add(v);
  }
  return set;
}

/** --vm 0,2 */
export function parseVms(text: string): Set<number> {
  const set = new Set<number>();
  for (const part of text.split(',')) {
    const v = Number(part.trim());
    if (part.trim() === '' || !Number.isInteger(v) || v < 0 || v > 63) {
      throw new FilterError(`--vm: "${part}" is not a VM number (examples: 0, 0,2)`);
    }
    set.add(v);
  }
  return set;
}

/** --mode user,kernel (also "super" for supervisor). */
export function parseModes(text: string): number {
  let mask = 0;
  for (const raw of text.split(',')) {
    const w = raw.trim().toLowerCase();
    const i = MODE_NAMES.indexOf((w === 'super' ? 'supervisor' : w) as (typeof MODE_NAMES)[number]);
    if (i < 0) throw new FilterError(`--mode: "${raw}" is not one of ${MODE_NAMES.join(', ')}`);
    mask |= 1 << i;
  }
  return mask;
}

/**
 * --kind refill,store: words from two lists, kinds (refill, invalid, modified) and accesses
 * (load, store, fetch). Words of one list are alternatives; the two lists must both match, so
 * "refill,invalid,store" keeps refills and invalids caused by stores. A list left out matches all.
 */
export function parseKinds(text: string): { kindMask: number; accessMask: number } {
  let kindMask = 0, accessMask = 0;
  for (const raw of text.split(',')) {
    const w = raw.trim().toLowerCase();
    const k = KIND_NAMES.indexOf(w as (typeof KIND_NAMES)[number]);
    const a = ACCESS_NAMES.indexOf(w as (typeof ACCESS_NAMES)[number]);
    if (k >= 0) kindMask |= 1 << k;
    else if (a >= 0) accessMask |= 1 << a;
    else throw new FilterError(`--kind: "${raw}" is not one of ${[...KIND_NAMES, ...ACCESS_NAMES].join(', ')}`);
  }
  return { kindMask: kindMask || 7, accessMask: accessMask || 7 };
}

/** An address: 0x-hex or decimal, 32 bits. */
export function parseAddress(text: string, what: string): number {
  const t = text.trim().replace(/_/g, '');
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || v > 0xffffffff) throw new FilterError(`${what}: "${text}" is not a 32-bit address (examples: 0x40000000, 1073741824)`);
  return v;
}

/**
 * An address range, "START-END" (END excluded) or "START+LENGTH"; with `single`, also one address
 * (a range of one byte) or, when `symbols` are given, a symbol name (the bytes it covers).
 */
export function parseRange(text: string, what: string, opts: { single?: boolean; symbols?: SymbolTable | null } = {}): [number, number] {
  const t = text.trim();
  const dash = t.indexOf('-', 1);
  const plus = t.indexOf('+', 1);
  if (dash > 0 || plus > 0) {
    const sep = dash > 0 ? dash : plus;
    const lo = parseAddress(t.slice(0, sep), what);
    const second = parseAddress(t.slice(sep + 1), what);
    const hi = dash > 0 ? second : lo + second;
    if (hi <= lo) throw new FilterError(`${what}: "${text}" is empty (the end must be above the start)`);
    return [lo, Math.min(hi, 2 ** 32)];
  }
  if (opts.single) {
    if (/^(0x[0-9a-f_]+|\d[\d_]*)$/i.test(t)) {
      const a = parseAddress(t, what);
      return [a, a + 1];
    }
    const sym = opts.symbols?.byName(t);
    if (sym !== undefined) return [sym.value, sym.value + Math.max(sym.size, 1)];
    throw new FilterError(`${what}: "${text}" is neither an address, a range, nor a symbol of the image`);
  }
  throw new FilterError(`${what}: "${text}" is not a range (examples: 0x40000000-0x40100000, 0x40000000+0x10000)`);
}

/** The CSV-ish form of a filter for messages and the summary header. */
export function describeFilter(f: TlbFilter): string {
  const parts: string[] = [];
  const hx = (v: number): string => '0x' + v.toString(16);
  if (f.cpus !== null) parts.push(`cpu ${[...f.cpus].join(',')}`);
  if (f.vms !== null) parts.push(`vm ${[...f.vms].join(',')}`);
  if (f.modeMask !== 7) parts.push(`mode ${MODE_NAMES.filter((_, i) => (f.modeMask >> i) & 1).join(',')}`);
  if (f.kindMask !== 7) parts.push(`kind ${KIND_NAMES.filter((_, i) => (f.kindMask >> i) & 1).join(',')}`);
  if (f.accessMask !== 7) parts.push(`access ${ACCESS_NAMES.filter((_, i) => (f.accessMask >> i) & 1).join(',')}`);
  if (f.vaLo !== 0 || f.vaHi !== 2 ** 32) parts.push(`va ${hx(f.vaLo)}-${hx(f.vaHi)}`);
  if (f.pcLo !== 0 || f.pcHi !== 2 ** 32) parts.push(`pc ${hx(f.pcLo)}-${hx(f.pcHi)}`);
  if (f.after !== 0) parts.push(`${f.clock} >= ${f.after}`);
  if (f.before !== Infinity) parts.push(`${f.clock} < ${f.before}`);
  if (f.limit !== Infinity) parts.push(`limit ${f.limit}`);
  return parts.join(', ');
}
