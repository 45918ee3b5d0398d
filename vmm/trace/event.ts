// The TLB-miss event: one record per TLB exception (refill, invalid, modified), the schema that
// every output format writes (docs/trace.md). Fields that only the monitor fills (VM, virtual
// CPU, and the L2TLB / pmap / window / reflected outcomes) are null or "handler" on the bare
// machine, so traces of bare and monitored runs share one format.

/** What kind of TLB exception (MIPS32 PRA 4.8): no matching entry, V clear, or D clear on a store. */
export const KIND_REFILL = 0;
export const KIND_INVALID = 1;
export const KIND_MODIFIED = 2;
export const KIND_NAMES = ['refill', 'invalid', 'modified'] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** The access that missed; the values are cpu.ts's ACC_LOAD, ACC_STORE, ACC_FETCH. */
export const ACCESS_NAMES = ['load', 'store', 'fetch'] as const;
export type AccessName = (typeof ACCESS_NAMES)[number];

/** Processor mode when the access was made (PRA 3.1-3.4; EXL or ERL set counts as kernel). */
export const MODE_KERNEL = 0;
export const MODE_SUPERVISOR = 1;
export const MODE_USER = 2;
export const MODE_NAMES = ['kernel', 'supervisor', 'user'] as const;
export type ModeName = (typeof MODE_NAMES)[number];

/**
 * How the miss was resolved.
 * - handler: bare machine; the guest's own handler ran and returned (eret) to the faulting context.
 * - unresolved: no such eret was seen (the run ended, the handler went elsewhere, or the VM stopped).
 * - under the monitor (vmm/events.ts MissOutcome): l2tlb, satisfied from the virtual CPU's
 *   second-level TLB; pmap, refilled by the monitor from the guest's TLB entry and the pmap;
 *   reflected, delivered to the guest kernel's handler (complete when it returns); window, a
 *   window or privileged-page pair the monitor mapped itself (a kernel TLB fault); emulated, a
 *   guest mapping of a device register whose access the monitor emulated.
 */
export const OUTCOME_HANDLER = 0;
export const OUTCOME_UNRESOLVED = 1;
export const OUTCOME_L2TLB = 2;
export const OUTCOME_PMAP = 3;
export const OUTCOME_REFLECTED = 4;
export const OUTCOME_WINDOW = 5;
export const OUTCOME_EMULATED = 6;
export const OUTCOME_NAMES = ['handler', 'unresolved', 'l2tlb', 'pmap', 'reflected', 'window', 'emulated'] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];

/** One TLB miss. Addresses are unsigned 32-bit numbers. */
export interface TlbEvent {
  /** Miss number on the machine since boot, counting misses the filters dropped. */
  seq: number;
  /**
   * Simulated time of the miss in cycles on its CPU's clock: the cycle of the faulting instruction
   * (counting from 1); one per instruction plus time asleep in WAIT, plus stalls in the timing mode.
   */
  cycle: number;
  /** Instructions the (physical) CPU executed up to and including the faulting one. */
  insn: number;
  cpu: number;
  /** VM and virtual CPU under the monitor; null on the bare machine. */
  vm: number | null;
  vcpu: number | null;
  /** KIND_*, an ACC_* value, MODE_* (under the monitor the virtual CPU's mode: guest kernel = kernel). */
  kind: number;
  access: number;
  mode: number;
  /** ExcCode taken: 1 Mod, 2 TLBL, 3 TLBS. */
  exc: number;
  /** The faulting instruction (for a fetch miss, the address fetched). */
  pc: number;
  /** The faulting instruction sits in a branch delay slot. */
  ds: boolean;
  /** BadVAddr. */
  va: number;
  /** EntryHi.ASID at the miss. */
  asid: number;
  /** OUTCOME_*. */
  outcome: number;
  /** Cycles from the miss to the eret that resumed the faulting context; null if unresolved. */
  cost: number | null;
  /** Machine page frame (4 KiB, physical address / 4096) the address maps to after the handler. */
  page: number | null;
  /** NUMA node of that page (0 on the bare machine). */
  node: number | null;
  /** Not written: the instruction word at pc when it could be read (for disassembly), else null. */
  word: number | null;
  /**
   * Not written: the physical address of pc when known (for symbols of aliased code), else -1;
   * under the monitor the guest physical address (where the image was loaded).
   */
  pcPa: number;
}

/** Field order of the CSV columns and JSON keys (docs/trace.md). */
export const FIELDS = [
  'seq', 'cycle', 'insn', 'cpu', 'vm', 'vcpu', 'mode', 'kind', 'access', 'exc', 'asid', 'pc', 'ds',
  'va', 'outcome', 'cost', 'page', 'node', 'sym',
] as const;

/** Names of the TLB ExcCodes. */
export function excName(code: number): string {
  return code === 1 ? 'Mod' : code === 2 ? 'TLBL' : code === 3 ? 'TLBS' : `exc${code}`;
}

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** "0x0040a1c0": eight hex digits (by byte table: traces format millions of addresses). */
export function hex8(v: number): string {
  return '0x' + HEX2[v >>> 24] + HEX2[(v >>> 16) & 255] + HEX2[(v >>> 8) & 255] + HEX2[v & 255];
}
