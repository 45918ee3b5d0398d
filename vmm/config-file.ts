// `disco run --config vms.json`: a JSON file describing heterogeneous virtual machines (each
// its own image, command line, memory, VCPUs, disk, node affinity and name). docs/monitor.md
// ("The VM config file") is the reference; every mistake in a file is one line naming the file,
// the entry and the key:
//
//   {
//     "vms": [
//       { "name": "build", "image": "guests/kernel/kernel.elf", "disk": "guests/user/fs.img",
//         "args": ["pmake", "12", "8"], "memory": "48M", "vcpus": 2, "node": 0 },
//       { "name": "ray", "image": "guests/kernel/kernel.elf", "disk": "guests/user/fs.img",
//         "cmdline": "rt 48 32 16 2", "memory": "32M", "node": 1, "count": 2 }
//     ]
//   }
//
// Relative paths are relative to the directory of the config file.

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseSizeText } from '../cpu/config.ts';

/** One VM as the monitor gets it (files read, defaults not yet applied). */
export interface VmSpec {
  name: string;
  /** The image path as written in the file, resolved against the file's directory. */
  imagePath: string;
  image: Uint8Array;
  cmdline: string;
  /** Guest memory in bytes, or undefined: a share of what the others leave. */
  memBytes?: number;
  vcpus: number;
  /** The disk image file (checked to exist; the run opens it, shared by the VMs naming it). */
  diskPath?: string;
  /** NUMA node whose CPUs the VCPUs live on, or undefined: the monitor spreads them. */
  node?: number;
  /** Physical CPUs of the VCPUs (one per VCPU, or one for all), or undefined. */
  cpus?: number[];
  pinned: boolean;
  maxInstructions?: number;
}

/** A broken config file: the message is one line. */
export class VmConfigError extends Error {}

const ENTRY_KEYS = ['name', 'image', 'cmdline', 'args', 'memory', 'vcpus', 'disk', 'node', 'cpus', 'pinned', 'count', 'maxInstructions'] as const;
const TOP_KEYS = ['vms', 'comment'] as const;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** What the machine offers, for checking node and CPU numbers. */
export interface MachineShape {
  nodes: number;
  cpusPerNode: number;
}

/**
 * Parse and check a config file's text; read the images it names and check that the disks
 * it names are readable files (`probe`; the run opens them, so a disk image is not read
 * twice). `file` is the path used in messages and to resolve relative paths. Throws
 * VmConfigError.
 */
export function parseVmsFile(text: string, file: string, machine: MachineShape, read: (path: string) => Uint8Array = readBytes,
  probe: (path: string) => void = probeFile): VmSpec[] {
  const fail = (where: string, msg: string): never => { throw new VmConfigError(`${file}: ${where}${where ? ': ' : ''}${msg}`); };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail('', `not valid JSON (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
  if (!isObject(doc)) return fail('', 'must be a JSON object with a "vms" array');
  for (const k of Object.keys(doc)) if (!(TOP_KEYS as readonly string[]).includes(k)) fail('', `unknown key "${k}" (known: ${TOP_KEYS.join(', ')})`);
  const list = doc.vms;
  if (!Array.isArray(list)) return fail('', list === undefined ? 'missing "vms" (an array of VMs)' : '"vms" must be an array of VMs');
  if (list.length === 0) fail('vms', 'is empty: describe at least one VM');
  const base = dirname(resolve(file));
  const specs: VmSpec[] = [];
  const names = new Set<string>();
  const cache = new Map<string, Uint8Array>();
  const fileError = (where: string, path: string, what: string, e: unknown): never => {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(where, `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? `is a directory, not ${what}` : `cannot read (${code ?? String(e)})`}`);
  };
  const load = (where: string, path: string, what: string): Uint8Array => {
    const full = resolve(base, path);
    let b = cache.get(full);
    if (b === undefined) {
      try {
        b = read(full);
      } catch (e) {
        fileError(where, path, what, e);
      }
      cache.set(full, b!);
    }
    return b!;
  };
  const check = (where: string, path: string, what: string): string => {
    const full = resolve(base, path);
    try {
      probe(full);
    } catch (e) {
      fileError(where, path, what, e);
    }
    return full;
  };
  list.forEach((e: unknown, i: number) => {
    const at = `vms[${i}]`;
    if (!isObject(e)) fail(at, 'must be an object');
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!(ENTRY_KEYS as readonly string[]).includes(k)) fail(at, `unknown key "${k}" (known: ${ENTRY_KEYS.join(', ')})`);
    const str = (k: string): string | undefined => {
      const v = o[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') fail(`${at}.${k}`, `must be a string, not ${describe(v)}`);
      return v as string;
    };
    const int = (k: string, lo: number, hi: number): number | undefined => {
      const v = o[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${at}.${k}`, `must be an integer, not ${describe(v)}`);
      if ((v as number) < lo || (v as number) > hi) fail(`${at}.${k}`, `must be from ${lo} to ${hi}, got ${v as number}`);
      return v as number;
    };
    const image = str('image');
    if (image === undefined) fail(at, 'missing "image" (the ELF file the VM boots)');
    if (image === '') fail(`${at}.image`, 'is empty');
    const cmd = str('cmdline');
    const args = o.args;
    if (args !== undefined && (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))) fail(`${at}.args`, 'must be an array of strings');
    if (cmd !== undefined && args !== undefined) fail(at, 'give either "cmdline" or "args", not both');
    const cmdline = cmd ?? (args as string[] | undefined)?.join(' ') ?? '';
    let memBytes: number | undefined;
    const mem = o.memory;
    if (mem !== undefined) {
      const n = typeof mem === 'number' ? mem : typeof mem === 'string' ? parseSizeText(mem) : null;
      if (typeof mem !== 'number' && typeof mem !== 'string') fail(`${at}.memory`, `must be a size such as "48M" or a number of bytes, not ${describe(mem)}`);
      if (n === null || !Number.isInteger(n)) return fail(`${at}.memory`, `"${String(mem)}" is not a size (examples: 16M, 48MiB, 0x3000000)`);
      if (n % 0x100000 !== 0 || n < 0x100000 || n > 0x10000000) fail(`${at}.memory`, `${String(mem)} must be whole MiB from 1M to 256M`);
      memBytes = n;
    }
    const vcpus = int('vcpus', 1, 32) ?? 1;
    const node = int('node', 0, 63);
    if (node !== undefined && node >= machine.nodes) fail(`${at}.node`, `${node}, but the machine has ${machine.nodes} node(s) (0-${machine.nodes - 1}; see --nodes)`);
    let cpus: number[] | undefined;
    if (o.cpus !== undefined) {
      const c = o.cpus;
      const total = machine.nodes * machine.cpusPerNode;
      if (!Array.isArray(c) || c.length === 0 || !c.every((x) => typeof x === 'number' && Number.isInteger(x))) fail(`${at}.cpus`, 'must be a non-empty array of CPU numbers');
      const arr = c as number[];
      for (const x of arr) if (x < 0 || x >= total) fail(`${at}.cpus`, `CPU ${x}, but the machine has ${total} CPU(s) (0-${total - 1})`);
      if (arr.length !== 1 && arr.length !== vcpus) fail(`${at}.cpus`, `gives ${arr.length} CPUs for ${vcpus} VCPU(s): give one per VCPU, or one for all`);
      if (node !== undefined && arr.some((x) => Math.floor(x / machine.cpusPerNode) !== node)) fail(at, `"cpus" lie outside "node" ${node}`);
      cpus = arr;
    }
    const pinned = o.pinned;
    if (pinned !== undefined && typeof pinned !== 'boolean') fail(`${at}.pinned`, `must be true or false, not ${describe(pinned)}`);
    const count = int('count', 1, 64) ?? 1;
    const maxInstructions = o.maxInstructions;
    if (maxInstructions !== undefined && (typeof maxInstructions !== 'number' || !Number.isSafeInteger(maxInstructions) || maxInstructions < 1)) {
      fail(`${at}.maxInstructions`, `must be a positive integer, not ${describe(maxInstructions)}`);
    }
    const name = str('name');
    if (name !== undefined && !NAME_RE.test(name)) fail(`${at}.name`, `"${name}" must be 1-32 letters, digits, "_", "." or "-", starting with a letter or digit`);
    const diskPath = str('disk');
    const imgBytes = load(`${at}.image`, image!, 'an ELF image');
    const diskFull = diskPath === undefined ? undefined : check(`${at}.disk`, diskPath, 'a disk image');
    for (let k = 0; k < count; k++) {
      const n = name === undefined ? `vm${specs.length}` : count > 1 ? `${name}${k}` : name;
      if (names.has(n)) fail(name === undefined ? at : `${at}.name`, `"${n}" names two VMs`);
      names.add(n);
      specs.push({
        name: n, imagePath: resolve(base, image!), image: imgBytes, cmdline, memBytes, vcpus,
        diskPath: diskFull,
        node, cpus, pinned: pinned === true, maxInstructions: maxInstructions as number | undefined,
      });
    }
  });
  if (specs.length > 64) fail('vms', `${specs.length} VMs; at most 64`);
  return specs;
}

/** Read and parse a config file (the CLI's entry point). */
export function readVmsFile(file: string, machine: MachineShape): VmSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new VmConfigError(`--config ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? String(e)})`}`);
  }
  return parseVmsFile(text, file, machine);
}

/**
 * Physical CPU per VCPU for a spec: its "cpus", else round-robin over the CPUs of its "node"
 * (continuing from where the previous VM on that node stopped), else undefined (the monitor's
 * own round-robin over all CPUs).
 */
export function homesFor(spec: VmSpec, machine: MachineShape, nextOnNode: number[]): number[] | undefined {
  if (spec.cpus !== undefined) return Array.from({ length: spec.vcpus }, (_, i) => spec.cpus![spec.cpus!.length === 1 ? 0 : i]);
  if (spec.node === undefined) return undefined;
  const first = spec.node * machine.cpusPerNode;
  return Array.from({ length: spec.vcpus }, () => first + (nextOnNode[spec.node!]++ % machine.cpusPerNode));
}

function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Throws (with an errno code) unless `path` is a file this process may read. */
function probeFile(path: string): void {
  if (statSync(path).isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
  accessSync(path, constants.R_OK);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
