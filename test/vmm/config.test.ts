// `disco run --config vms.json` (vmm/config-file.ts, docs/monitor.md "The VM config file"):
// heterogeneous VMs from a file, one-line errors for broken files; and `--console-input VM`,
// which feeds stdin to one VM's console_getc monitor call.

import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HC, windowImage } from './helpers.ts';
import { homesFor, parseVmsFile, VmConfigError } from '../../vmm/config-file.ts';

const root = resolve(import.meta.dirname, '../..');
const vt = (name: string): string => join(root, 'guests/vmtests', `${name}.elf`);
let dir = '';

function disco(args: string[], input?: string): { code: number; out: string; err: string } {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', ...args], { encoding: 'utf8', timeout: 120_000, input: input ?? '' });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

/**
 * A guest (window image) that copies its console input to its console: console_getc until it
 * returns -1 with v1 = 1 (end of input), console_putc of each byte, then "<n>\n" where n is the
 * byte count mod 10, and exit 0.
 */
function echoGuest(): Uint8Array {
  const hc = HC;
  const src = `
    move s0, zero
  loop:
    ${hc(3)}
    bltz v0, done
    nop
    move a0, v0
    ${hc(2)}
    b loop
    addiu s0, s0, 1
  done:
    li t0, 1
    bne v1, t0, bad
    nop
    li t1, 10
    divu s0, t1
    mfhi a0
    addiu a0, a0, 48
    ${hc(2)}
    li a0, 10
    ${hc(2)}
    move a0, zero
    ${hc(4)}
  bad:
    li a0, 3
    ${hc(4)}
  `;
  return windowImage(src);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'disco-vmcfg-'));
  mkdirSync(join(dir, 'img'));
  writeFileSync(join(dir, 'img', 'echo.elf'), echoGuest());
});
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const MACHINE = { nodes: 2, cpusPerNode: 2 };

/** Files whose names contain "missing" do not exist, "dir" names a directory. */
function fakeFile(p: string): void {
  if (p.includes('missing')) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  if (p.includes('dir')) throw Object.assign(new Error('nope'), { code: 'EISDIR' });
}

/** parseVmsFile with images that are just named and disks that are only checked (no file reading). */
function parse(doc: unknown, machine = MACHINE, probed: string[] = []): ReturnType<typeof parseVmsFile> {
  return parseVmsFile(typeof doc === 'string' ? doc : JSON.stringify(doc), '/cfg/vms.json', machine, (p) => {
    fakeFile(p);
    return new TextEncoder().encode(p);
  }, (p) => { probed.push(p); fakeFile(p); });
}

function error(doc: unknown, machine = MACHINE): string {
  try {
    parse(doc, machine);
  } catch (e) {
    expect(e).toBeInstanceOf(VmConfigError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('no error');
}

describe('the VM config file', () => {
  it('describes heterogeneous VMs: paths relative to the file, args or cmdline, memory, VCPUs, affinity, count', () => {
    const probed: string[] = [];
    const specs = parse({
      comment: 'two kinds of VM',
      vms: [
        { name: 'build', image: 'k.elf', disk: '../disks/fs.img', args: ['pmake', '12', '8'], memory: '48M', vcpus: 2, node: 1 },
        { image: '/abs/w.elf', cmdline: 'compute 4 8', memory: 8 << 20, cpus: [0], pinned: true, count: 2, maxInstructions: 1000 },
        { name: 'r', image: 'k.elf', count: 2 },
      ],
    }, MACHINE, probed);
    expect(specs.map((s) => s.name)).toEqual(['build', 'vm1', 'vm2', 'r0', 'r1']);
    const [b, w0, w1, r0] = specs;
    expect(b.imagePath).toBe('/cfg/k.elf');
    expect(b.diskPath).toBe('/disks/fs.img');
    expect(probed).toEqual(['/disks/fs.img']); // checked, not read (the run opens it)
    expect(b.cmdline).toBe('pmake 12 8');
    expect(b.memBytes).toBe(48 << 20);
    expect(b.vcpus).toBe(2);
    expect(w0.imagePath).toBe('/abs/w.elf');
    expect(w0.cmdline).toBe('compute 4 8');
    expect(w0.memBytes).toBe(8 << 20);
    expect(w0.pinned).toBe(true);
    expect(w1.maxInstructions).toBe(1000);
    expect(r0.memBytes).toBeUndefined();
    expect(r0.diskPath).toBeUndefined();
    // one image read once, shared by the VMs that name it
    expect(r0.image).toBe(b.image);
    // node affinity: the node's CPUs round-robin across VMs; explicit cpus as given
    const next = [0, 0];
    expect(homesFor(b, MACHINE, next)).toEqual([2, 3]);
    expect(homesFor(w0, MACHINE, next)).toEqual([0]);
    expect(homesFor(r0, MACHINE, next)).toBeUndefined();
    expect(homesFor({ ...b, vcpus: 1 }, MACHINE, next)).toEqual([2]);
  });

  it('refuses broken files with one line naming the file, the entry and the key', () => {
    expect(error('{ "vms": [ ')).toMatch(/^\/cfg\/vms\.json: not valid JSON/);
    expect(error([])).toBe('/cfg/vms.json: must be a JSON object with a "vms" array');
    expect(error({})).toBe('/cfg/vms.json: missing "vms" (an array of VMs)');
    expect(error({ vms: [] })).toBe('/cfg/vms.json: vms: is empty: describe at least one VM');
    expect(error({ vm: [] })).toMatch(/^\/cfg\/vms\.json: unknown key "vm" \(known: vms, comment\)$/);
    expect(error({ vms: [{ image: 'k.elf', memroy: '16M' }] })).toMatch(/^\/cfg\/vms\.json: vms\[0\]: unknown key "memroy" \(known: name, image, /);
    expect(error({ vms: [{ name: 'a' }] })).toBe('/cfg/vms.json: vms[0]: missing "image" (the ELF file the VM boots)');
    expect(error({ vms: [{ image: 'k.elf' }, { image: 'missing.elf' }] })).toBe('/cfg/vms.json: vms[1].image: missing.elf: no such file');
    expect(error({ vms: [{ image: 'k.elf', disk: 'missing.img' }] })).toBe('/cfg/vms.json: vms[0].disk: missing.img: no such file');
    expect(error({ vms: [{ image: 'k.elf', disk: 'somedir' }] })).toBe('/cfg/vms.json: vms[0].disk: somedir: is a directory, not a disk image');
    expect(error({ vms: [{ image: 7 }] })).toBe('/cfg/vms.json: vms[0].image: must be a string, not number 7');
    expect(error({ vms: [{ image: 'k.elf', vcpus: '2' }] })).toBe('/cfg/vms.json: vms[0].vcpus: must be an integer, not "2"');
    expect(error({ vms: [{ image: 'k.elf', vcpus: 33 }] })).toBe('/cfg/vms.json: vms[0].vcpus: must be from 1 to 32, got 33');
    expect(error({ vms: [{ image: 'k.elf', memory: '12X' }] })).toBe('/cfg/vms.json: vms[0].memory: "12X" is not a size (examples: 16M, 48MiB, 0x3000000)');
    expect(error({ vms: [{ image: 'k.elf', memory: '1500K' }] })).toBe('/cfg/vms.json: vms[0].memory: 1500K must be whole MiB from 1M to 256M');
    expect(error({ vms: [{ image: 'k.elf', memory: true }] })).toMatch(/vms\[0\]\.memory: must be a size such as "48M" or a number of bytes, not boolean true$/);
    expect(error({ vms: [{ image: 'k.elf', args: 'pmake 12' }] })).toBe('/cfg/vms.json: vms[0].args: must be an array of strings');
    expect(error({ vms: [{ image: 'k.elf', args: ['a'], cmdline: 'a' }] })).toBe('/cfg/vms.json: vms[0]: give either "cmdline" or "args", not both');
    expect(error({ vms: [{ image: 'k.elf', node: 2 }] })).toBe('/cfg/vms.json: vms[0].node: 2, but the machine has 2 node(s) (0-1; see --nodes)');
    expect(error({ vms: [{ image: 'k.elf', cpus: [4] }] })).toBe('/cfg/vms.json: vms[0].cpus: CPU 4, but the machine has 4 CPU(s) (0-3)');
    expect(error({ vms: [{ image: 'k.elf', vcpus: 2, cpus: [0, 1, 2] }] })).toBe('/cfg/vms.json: vms[0].cpus: gives 3 CPUs for 2 VCPU(s): give one per VCPU, or one for all');
    expect(error({ vms: [{ image: 'k.elf', node: 0, cpus: [2] }] })).toBe('/cfg/vms.json: vms[0]: "cpus" lie outside "node" 0');
    expect(error({ vms: [{ image: 'k.elf', pinned: 'yes' }] })).toBe('/cfg/vms.json: vms[0].pinned: must be true or false, not "yes"');
    expect(error({ vms: [{ image: 'k.elf', name: 'a b' }] })).toMatch(/^\/cfg\/vms\.json: vms\[0\]\.name: "a b" must be 1-32 letters/);
    expect(error({ vms: [{ image: 'k.elf', name: 'a' }, { image: 'k.elf', name: 'a' }] })).toBe('/cfg/vms.json: vms[1].name: "a" names two VMs');
    expect(error({ vms: [{ image: 'k.elf', count: 0 }] })).toBe('/cfg/vms.json: vms[0].count: must be from 1 to 64, got 0');
    expect(error({ vms: [{ image: 'k.elf', count: 40 }, { image: 'k.elf', count: 40 }] })).toBe('/cfg/vms.json: vms: 80 VMs; at most 64');
    expect(error({ vms: [{ image: 'k.elf', maxInstructions: -1 }] })).toBe('/cfg/vms.json: vms[0].maxInstructions: must be a positive integer, not number -1');
  });

  it('disco run --config: each VM boots its own image with its own memory and node; --stats shows them', () => {
    const cfg = join(dir, 'vms.json');
    writeFileSync(cfg, JSON.stringify({
      vms: [
        { name: 'a', image: vt('priv'), memory: '16M', cmdline: 'x', node: 1 },
        { name: 'e', image: 'img/echo.elf', memory: '2M', node: 0 },
      ],
    }));
    const stats = join(dir, 's.json');
    const r = disco(['--nodes', '2', '--mem-per-node', '24M', '--config', cfg, '--stats', stats]);
    expect(r.code, r.err).toBe(0);
    const bare = disco(['--mem', '16M', '--cmdline', 'x', vt('priv')]);
    const mine = r.out.split('\n').filter((l) => l.startsWith('[a] ')).map((l) => l.slice(4)).join('\n') + '\n';
    expect(mine).toBe(bare.out);
    // no input given: the echo guest sees the end of input at once
    expect(r.out).toContain('[e] 0\n');
    const s = JSON.parse(readFileSync(stats, 'utf8')) as { vms: Array<{ name: string; memory: { guestBytes: number }; vcpuList: Array<{ home: number }> }> };
    expect(s.vms.map((v) => [v.name, v.memory.guestBytes, v.vcpuList.map((c) => c.home)])).toEqual([['a', 16 << 20, [1]], ['e', 2 << 20, [0]]]);
  }, 60_000);

  it('disco run --config: a broken file or a clashing option is one line on stderr, exit 1', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ vms: [{ image: 'img/echo.elf', vcpu: 2 }] }));
    let r = disco(['--config', bad]);
    expect(r.code).toBe(1);
    expect(r.err.trimEnd().split('\n')).toEqual([`disco: ${bad}: vms[0]: unknown key "vcpu" (known: name, image, cmdline, args, memory, vcpus, disk, node, cpus, pinned, count, maxInstructions)`]);
    r = disco(['--config', join(dir, 'none.json')]);
    expect(r.err.trimEnd()).toBe(`disco: --config ${join(dir, 'none.json')}: no such file`);
    expect(r.code).toBe(1);
    writeFileSync(bad, JSON.stringify({ vms: [{ image: 'img/nothere.elf' }] }));
    r = disco(['--config', bad]);
    expect(r.err.trimEnd()).toBe(`disco: ${bad}: vms[0].image: img/nothere.elf: no such file`);
    writeFileSync(bad, JSON.stringify({ vms: [{ image: 'img/echo.elf', node: 1 }] }));
    r = disco(['--config', bad]);
    expect(r.err.trimEnd()).toBe(`disco: ${bad}: vms[0].node: 1, but the machine has 1 node(s) (0-0; see --nodes)`);
    r = disco(['--config', bad, '--vms', '2']);
    expect(r.err.trimEnd()).toBe(`disco: --config ${bad} describes the VMs (images, disks, command lines, memory, VCPUs): drop --vms`);
    expect(r.code).toBe(1);
  }, 60_000);
});

describe('console input', () => {
  it('--console-input VM: stdin goes to that VM alone, byte for byte, the same on every run', () => {
    const img = join(dir, 'img', 'echo.elf');
    const text = 'one line\nand another: 0123456789\n';
    const runs = [0, 1].map(() => disco(['--vms', '2', '--vm-mem', '2M', '--console-input', 'vm1', '--stats', join(dir, 'ci.json'), img], text));
    for (const r of runs) {
      expect(r.code, r.err).toBe(0);
      const of = (n: number): string => r.out.split('\n').filter((l) => l.startsWith(`[vm${n}] `)).map((l) => l.slice(6)).join('\n');
      expect(of(1)).toBe(`one line\nand another: 0123456789\n${text.length % 10}`);
      expect(of(0)).toBe('0');
    }
    expect(runs[1].out).toBe(runs[0].out);
  }, 60_000);

  it('--console-input names an existing VM and needs --vms or --config', () => {
    const img = join(dir, 'img', 'echo.elf');
    let r = disco(['--vms', '2', '--vm-mem', '2M', '--console-input', 'vm7', img], 'x');
    expect(r.code).toBe(1);
    expect(r.err.trimEnd()).toBe('disco: --console-input vm7: no such VM (vm0, vm1)');
    r = disco(['--console-input', 'vm0', img], 'x');
    expect(r.code).toBe(1);
    expect(r.err.trimEnd()).toBe('disco: --vcpus, --vm-mem, --console-dir, --console-input, --slice and --net-copy need --vms (or --config)');
  }, 60_000);
});
