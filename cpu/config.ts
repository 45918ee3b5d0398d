// Machine configuration: topology, memory and the timing model's parameters, from a JSON
// machine file and/or command-line options. Every mistake is reported as one ConfigError line
// naming the offending key.
//
// A machine file (all keys optional; defaults in DEFAULT_CONFIG):
//
//   {
//     "nodes": 4, "cpusPerNode": 2, "memPerNode": "64M", "quantum": 1000, "tlbEntries": 64,
//     "timing": {
//       "enabled": true, "clockMHz": 200, "localNs": 300, "remoteNs": 900,
//       "l1i": { "size": "32K", "assoc": 2 }, "l1d": { "size": "32K", "assoc": 2 },
//       "l2": { "size": "1M", "assoc": 2 }, "lineBytes": 128,
//       "l2HitCycles": 10, "upgradeNs": 0, "exceptionCycles": 10,
//       "missSampling": 1, "hotPageThreshold": 0, "uniform": false
//     }
//   }

export class ConfigError extends Error {}

export interface CacheGeometry {
  /** Bytes. */
  size: number;
  /** Ways. */
  assoc: number;
}

export interface TimingConfig {
  /** Timing mode on (caches, directory, latencies); off = fast functional mode. */
  enabled: boolean;
  /** CPU clock; converts nanosecond latencies to cycles. */
  clockMHz: number;
  /** Latency of a miss served by the line's home node when it is the CPU's own node. */
  localNs: number;
  /** Latency of a miss served by another node's memory (or a dirty copy in another node). */
  remoteNs: number;
  l1i: CacheGeometry;
  l1d: CacheGeometry;
  l2: CacheGeometry;
  /** Line size of every cache and of the directory (bytes, power of two). */
  lineBytes: number;
  /** Extra cycles of an L1 miss that hits in L2. */
  l2HitCycles: number;
  /** Extra cycles to take an exception (pipeline flush). */
  exceptionCycles: number;
  /** Count one memory miss in K in the per-page counters (1 = every miss). */
  missSampling: number;
  /** Notify the monitor when a page's counter for a node reaches this (0 = never). */
  hotPageThreshold: number;
  /** Ideal uniform-memory machine: every miss costs localNs wherever the line lives. */
  uniform: boolean;
}

export interface MachineConfig {
  nodes: number;
  cpusPerNode: number;
  /** Bytes of RAM per node. */
  memPerNode: number;
  /** Cycles per interleaving round with several CPUs. */
  quantum: number;
  tlbEntries: number;
  timing: TimingConfig;
}

export const DEFAULT_TIMING: TimingConfig = {
  enabled: false,
  clockMHz: 200,
  localNs: 300,
  remoteNs: 900,
  l1i: { size: 32 * 1024, assoc: 2 },
  l1d: { size: 32 * 1024, assoc: 2 },
  l2: { size: 1024 * 1024, assoc: 2 },
  lineBytes: 128,
  l2HitCycles: 10,
  exceptionCycles: 10,
  missSampling: 1,
  hotPageThreshold: 0,
  uniform: false,
};

export const DEFAULT_CONFIG: MachineConfig = {
  nodes: 1,
  cpusPerNode: 1,
  memPerNode: 64 * 1024 * 1024,
  quantum: 1000,
  tlbEntries: 64,
  timing: DEFAULT_TIMING,
};

/** Parse a size: 64M, 64MiB, 65536K, 1G, 0x4000000, or a plain number of bytes. */
export function parseSizeText(text: string): number | null {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*([kmg]?)(i?b)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = m[2].toLowerCase();
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : unit === 'g' ? 1024 * 1024 * 1024 : 1;
  return Number(m[1]) * mult;
}

const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function obj(v: Json | undefined, key: string): Record<string, Json> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${key}: expected an object`);
  return v as Record<string, Json>;
}

function int(v: Json | undefined, key: string, lo: number, hi: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(`${key}: expected an integer from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
  return v;
}

function num(v: Json | undefined, key: string, lo: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo) throw new ConfigError(`${key}: expected a number >= ${lo}, got ${JSON.stringify(v)}`);
  return v;
}

function size(v: Json | undefined, key: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseSizeText(v) : null;
  if (n === null || !Number.isInteger(n) || n <= 0) throw new ConfigError(`${key}: expected a size such as "64M" or a number of bytes, got ${JSON.stringify(v)}`);
  return n;
}

function bool(v: Json | undefined, key: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new ConfigError(`${key}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function checkKeys(o: Record<string, Json>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new ConfigError(`${where}${k}: unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function cache(v: Json | undefined, key: string, dflt: CacheGeometry): CacheGeometry {
  const o = obj(v, key);
  checkKeys(o, ['size', 'assoc'], `${key}.`);
  return { size: size(o.size, `${key}.size`, dflt.size), assoc: int(o.assoc, `${key}.assoc`, 1, 64, dflt.assoc) };
}

/** Merge a parsed machine-file object over `base`. */
export function configFromJson(json: Json, base: MachineConfig = DEFAULT_CONFIG): MachineConfig {
  const o = obj(json, 'machine file');
  checkKeys(o, ['nodes', 'cpusPerNode', 'memPerNode', 'mem', 'quantum', 'tlbEntries', 'timing'], '');
  const nodes = int(o.nodes, 'nodes', 1, 64, base.nodes);
  let memPerNode = size(o.memPerNode, 'memPerNode', base.memPerNode);
  if (o.mem !== undefined) {
    if (o.memPerNode !== undefined) throw new ConfigError('mem: give either mem (total) or memPerNode, not both');
    memPerNode = size(o.mem, 'mem', nodes * base.memPerNode) / nodes;
  }
  const t = obj(o.timing, 'timing');
  checkKeys(t, ['enabled', 'clockMHz', 'localNs', 'remoteNs', 'l1i', 'l1d', 'l2', 'lineBytes', 'l2HitCycles', 'exceptionCycles', 'missSampling', 'hotPageThreshold', 'uniform'], 'timing.');
  const bt = base.timing;
  const timing: TimingConfig = {
    enabled: bool(t.enabled, 'timing.enabled', bt.enabled),
    clockMHz: num(t.clockMHz, 'timing.clockMHz', 1, bt.clockMHz),
    localNs: num(t.localNs, 'timing.localNs', 0, bt.localNs),
    remoteNs: num(t.remoteNs, 'timing.remoteNs', 0, bt.remoteNs),
    l1i: cache(t.l1i, 'timing.l1i', bt.l1i),
    l1d: cache(t.l1d, 'timing.l1d', bt.l1d),
    l2: cache(t.l2, 'timing.l2', bt.l2),
    lineBytes: size(t.lineBytes, 'timing.lineBytes', bt.lineBytes),
    l2HitCycles: int(t.l2HitCycles, 'timing.l2HitCycles', 0, 1 << 20, bt.l2HitCycles),
    exceptionCycles: int(t.exceptionCycles, 'timing.exceptionCycles', 0, 1 << 20, bt.exceptionCycles),
    missSampling: int(t.missSampling, 'timing.missSampling', 1, 1 << 20, bt.missSampling),
    hotPageThreshold: int(t.hotPageThreshold, 'timing.hotPageThreshold', 0, 0x7fffffff, bt.hotPageThreshold),
    uniform: bool(t.uniform, 'timing.uniform', bt.uniform),
  };
  const cfg: MachineConfig = {
    nodes,
    cpusPerNode: int(o.cpusPerNode, 'cpusPerNode', 1, 32, base.cpusPerNode),
    memPerNode,
    quantum: int(o.quantum, 'quantum', 1, 1 << 30, base.quantum),
    tlbEntries: int(o.tlbEntries, 'tlbEntries', 1, 64, base.tlbEntries),
    timing,
  };
  validateConfig(cfg);
  return cfg;
}

/** Parse a machine file's text (`source` names it in messages). */
export function parseMachineFile(text: string, source: string): MachineConfig {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return configFromJson(json);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${source}: ${e.message}`);
    throw e;
  }
}

/** Cross-field checks; throws ConfigError. */
export function validateConfig(c: MachineConfig): void {
  if (c.nodes * c.cpusPerNode > 32) throw new ConfigError(`cpusPerNode: ${c.nodes} nodes x ${c.cpusPerNode} CPUs exceeds 32 CPUs`);
  if (c.memPerNode % 4096 !== 0) throw new ConfigError(`memPerNode: ${c.memPerNode} is not a multiple of 4 KiB`);
  const total = c.memPerNode * c.nodes;
  if (total > 0x80000000) throw new ConfigError(`memPerNode: ${c.nodes} x ${c.memPerNode} bytes exceeds the 2 GiB of machine memory`);
  if (total < 0x4000) throw new ConfigError(`memPerNode: ${total} bytes of RAM is too little to boot (at least 16 KiB)`);
  const t = c.timing;
  if (!isPow2(t.lineBytes) || t.lineBytes < 16 || t.lineBytes > 4096) throw new ConfigError(`timing.lineBytes: expected a power of two from 16 to 4096, got ${t.lineBytes}`);
  for (const [k, g] of [['l1i', t.l1i], ['l1d', t.l1d], ['l2', t.l2]] as const) {
    const sets = g.size / (g.assoc * t.lineBytes);
    if (!isPow2(sets)) throw new ConfigError(`timing.${k}: ${g.size} bytes / (${g.assoc} ways x ${t.lineBytes}-byte lines) must be a power-of-two number of sets`);
  }
  if (t.l2.size < t.l1d.size || t.l2.size < t.l1i.size) throw new ConfigError('timing.l2.size: the L2 must be at least as large as each L1 (it includes them)');
}
