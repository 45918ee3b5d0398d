// The guest kernel (guests/kernel) booted on the bare machine with its file system image
// (guests/user/fs.img) on the virtio disk: the self-test table, the four workloads at their
// test sizes with known checksums on 1 and 4 CPUs, results that must not depend on
// scheduling, TLB size or memory size, and the committed image's consistency. Everything runs through `disco run`,
// as users do.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FsImage, T_DIR, T_FILE } from '../guests/mkfs.ts';

const root = resolve(import.meta.dirname, '..');
const KERNEL = join(root, 'guests/kernel/kernel.elf');
const FS = join(root, 'guests/user/fs.img');

interface Boot { code: number; out: string; err: string }

/** Boot the kernel running `cmdline` (init runs it from /bin) and wait for the halt. */
function boot(cmdline: string, ...opts: string[]): Boot {
  const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', '--no-progress', '--disk', FS, '--cmdline', cmdline, ...opts, KERNEL], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: p.status ?? -1, out: p.stdout, err: p.stderr };
}

/** The checksum a workload printed ("... checksum 1234abcd"). */
function checksum(out: string, prog: string): string {
  const m = new RegExp(`^${prog}: .*checksum ([0-9a-f]+)$`, 'm').exec(out);
  expect(m, out).not.toBeNull();
  return m![1];
}

// Known results at the test sizes of /etc/quick. They depend only on the programs' inputs;
// a kernel bug (a lost copy-on-write, a stale TLB entry, a file system error) changes them.
const EXPECTED = {
  pmake: '6b6b1151', // pmake 12 8
  eng: '4bc81047', // eng 2 512 4
  rt: '7c1fd98a', // rt 48 32 16 2
  db: '47a16663', // db 512 8192 8000
};

describe('guest kernel on the bare machine', () => {
  it('boots, reports the machine, runs a program and exits with its status', () => {
    const r = boot('echo hello from the guest kernel');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^disco kernel: bare machine, 64 MiB RAM, 1 CPU, 64 TLB entries \(3 wired\)$/m);
    expect(r.out).toMatch(/^virtio disk: 16384 KiB at 0x1e400000, irq 3$/m);
    expect(r.out).toMatch(/^hello from the guest kernel$/m);
    expect(r.out).toMatch(/^kernel: init exited with status 0; halting$/m);
    expect(r.code).toBe(0);
  });

  it('passes the quick self-tests and runs every workload with the known checksums (/etc/quick)', () => {
    const r = boot('run /etc/quick');
    expect(r.out).toMatch(/^usertests: ALL \d+ TESTS PASSED$/m);
    expect(r.out).not.toMatch(/FAILED|panic/);
    for (const [prog, sum] of Object.entries(EXPECTED)) expect(checksum(r.out, prog), prog).toBe(sum);
    expect(r.out).toMatch(/^run: 5 commands, 0 failed$/m);
    expect(r.code).toBe(0);
  }, 300_000);

  it('runs the same self-tests and workloads on 4 CPUs in 2 nodes with the same checksums', () => {
    const r = boot('run /etc/quick', '--nodes', '2', '--cpus-per-node', '2', '--mem-per-node', '32M');
    expect(r.out).toMatch(/^disco kernel: bare machine, 64 MiB RAM, 4 CPUs, /m);
    expect(r.out).toMatch(/^usertests: ALL \d+ TESTS PASSED$/m);
    expect(r.out).not.toMatch(/FAILED|panic/);
    for (const [prog, sum] of Object.entries(EXPECTED)) expect(checksum(r.out, prog), prog).toBe(sum);
    expect(r.out).toMatch(/^pmake: 12 jobs, 8 parallel, /m); // 2 per CPU
    expect(r.code).toBe(0);
  }, 600_000);

  it('runs the workloads in timing mode (caches, directory, NUMA latencies) on 1 and 4 CPUs', () => {
    for (const topo of [[], ['--nodes', '2', '--cpus-per-node', '2', '--mem-per-node', '32M']]) {
      const r = boot('run /etc/workloads', '--timing', ...topo);
      for (const [prog, sum] of Object.entries(EXPECTED)) expect(checksum(r.out, prog), prog).toBe(sum);
      expect(r.out).toMatch(/^run: 4 commands, 0 failed$/m);
      expect(r.code).toBe(0);
    }
  }, 600_000);

  it('kills faulting processes with a message and carries on', () => {
    const r = boot('usertests faults');
    for (const why of ['segmentation fault: TLB load at 0x0 ', 'address error (load) at 0xc0100000', 'unknown system call 0x3e7',
      'bad buffer in write 0x70000000', 'reserved instruction', 'coprocessor unusable', 'segmentation fault: TLB modified at 0x400100']) {
      expect(r.out).toContain(why);
    }
    expect(r.out).toMatch(/^faults: ok$/m);
    expect(r.code).toBe(0);
  });

  it('gives the same results however the work is scheduled', () => {
    const r = boot('run /etc/sched');
    expect(r.out).toMatch(/^run: 4 commands, 0 failed$/m);
    const pm = [...r.out.matchAll(/^pmake: .*checksum ([0-9a-f]+)$/gm)].map((m) => m[1]);
    const rt = [...r.out.matchAll(/^rt: .*checksum ([0-9a-f]+)$/gm)].map((m) => m[1]);
    expect(pm).toEqual([EXPECTED.pmake, EXPECTED.pmake]); // -j 1 and -j 5
    expect(rt).toEqual([EXPECTED.rt, EXPECTED.rt]); // 1 and 3 workers
  }, 300_000);

  it('pmake -n runs independent instances at once, each in its own tree, with the same checksum', () => {
    const r = boot('pmake -n 3 -j 2 12 8', '--cpus-per-node', '4', '--mem', '128M');
    expect(r.out.match(/^pmake: .*$/gm)).toEqual(Array(3).fill(`pmake: 12 jobs, 2 parallel, checksum ${EXPECTED.pmake}`));
    expect(r.code).toBe(0);
    // The experiment size, whose sources end at a different function if an instance's longer
    // include lines (/pm0/inc/... against /pm/inc/...) ate into the body: pmake 64 16's checksum.
    const big = boot('pmake -n 2 -j 2 64 16', '--cpus-per-node', '2', '--mem', '128M');
    expect(big.out.match(/^pmake: .*$/gm)).toEqual(Array(2).fill('pmake: 64 jobs, 2 parallel, checksum d899c383'));
    const bad = boot('pmake -n 17 4 4');
    expect(bad.out).toMatch(/^usage: pmake \[-n K\] \[-j J\] \[NFILES\] \[KIB\]$/m);
    expect(bad.code).toBe(2);
  }, 120_000);

  it('works with a small TLB (8 entries, 3 of them wired) and with more or less memory', () => {
    const small = boot('usertests fork cow tlbstress asidwrap sbrk stack', '--tlb-entries', '8');
    expect(small.out).toMatch(/^usertests: ALL 6 TESTS PASSED$/m);
    expect(small.code).toBe(0);
    const big = boot('usertests demandzero cowshare', '--mem', '256M');
    expect(big.out).toMatch(/256 MiB RAM, 1 CPU, 64 TLB entries \(9 wired\)/);
    expect(big.code).toBe(0);
    const tiny = boot('eng 1 512 2', '--mem', '16M');
    expect(tiny.out).toMatch(/^eng: 1 workers x 512 KiB x 2 sweeps, checksum [0-9a-f]+$/m);
    expect(tiny.code).toBe(0);
  }, 300_000);

  it('exits with the status of the command, 127 when there is no such program', () => {
    expect(boot('usertests no-such-test').code).toBe(0); // selects nothing, passes
    const r = boot('nosuchprogram');
    expect(r.out).toMatch(/^init: cannot exec \/bin\/nosuchprogram$/m);
    expect(r.code).toBe(127);
  });

  it('panics with a message (exit 99) without a disk', () => {
    const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', '--no-progress', KERNEL], { encoding: 'utf8', timeout: 60_000 });
    expect(p.stdout).toMatch(/kernel panic: no virtio-mmio block device at 0x1e400000 \(boot with --disk\)/);
    expect(p.status).toBe(99);
  });
});

describe('the committed file system image', () => {
  it('is consistent and holds init, the programs and /etc', () => {
    const fs = new FsImage(new Uint8Array(readFileSync(FS)));
    expect(fs.check()).toEqual([]);
    expect(fs.inode(fs.lookup('/init')).type).toBe(T_FILE);
    expect(fs.inode(fs.lookup('/bin')).type).toBe(T_DIR);
    const bins = fs.dir(fs.lookup('/bin')).map((e) => e.name).filter((n) => !n.startsWith('.'));
    for (const p of ['cc', 'db', 'demo', 'echo', 'eng', 'pmake', 'rt', 'run', 'usertests']) expect(bins).toContain(p);
    const quick = new TextDecoder().decode(fs.read(fs.lookup('/etc/quick')));
    expect(quick).toBe(readFileSync(join(root, 'guests/user/etc/quick'), 'utf8'));
  });
});
