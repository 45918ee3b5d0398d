// Virtual disks (vmm/disk.ts) and the disk monitor calls: copy-on-write overlays on a shared
// base image that is never written, buffer-cache sharing between VMs running the guest kernel,
// persistent disks that survive a SIGKILL after a flush, and clear errors for bad images and
// bad DMA that leave other VMs alone.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Monitor } from '../../vmm/monitor.ts';
import { BaseImage, DiskError, OverlayDisk, PersistentDisk } from '../../vmm/disk.ts';
import { HC_DISK_FLUSH, HC_DISK_READ, HC_DISK_WRITE, HC_EFAULT, HC_EINVAL, HCALL_BASE, hypercall } from '../../vmm/hypercall.ts';
import { DEFAULT_CONFIG } from '../../cpu/config.ts';

const MiB = 1024 * 1024;
const kernel = readFileSync('guests/kernel/kernel.elf');
const dir = mkdtempSync(join(tmpdir(), 'disco-disk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
const newMonitor = (out: string[], cache?: number): Monitor =>
  new Monitor({ ...DEFAULT_CONFIG, timing: { ...DEFAULT_CONFIG.timing }, console: (vm, b) => { out[vm.id] = (out[vm.id] ?? '') + String.fromCharCode(b); }, bufferCacheBytes: cache });

describe('copy-on-write disks shared by VMs running the guest kernel', () => {
  it('two VMs from one base share buffer-cache pages, write privately, and leave the base file unchanged', () => {
    const img = join(dir, 'base.img');
    copyFileSync('guests/user/fs.img', img);
    const before = sha(img);
    const base = BaseImage.open(img);
    const out: string[] = [];
    const mon = newMonitor(out);
    for (let i = 0; i < 2; i++) mon.createVm({ memBytes: 16 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: 'pmake 4 4', disk: new OverlayDisk(base), maxInstructions: 5e8 });
    let rounds = 0, maxShared = 0;
    const bad: string[] = [];
    mon.run({
      onRound: () => {
        if (++rounds % 2000 !== 0) return;
        bad.push(...mon.checkInvariants());
        maxShared = Math.max(maxShared, mon.share.census().sharedPages);
      },
    });
    expect(bad).toEqual([]);
    for (const vm of mon.vms) expect(vm.stopMessage).toBe('halted by the halt register, exit code 0');
    expect(out[0]).toContain('pmake: 4 jobs, 2 parallel, checksum d8ded1df');
    expect(out[1]).toBe(out[0]);
    expect(maxShared).toBeGreaterThan(0); // machine pages mapped by both VMs at once
    const s = mon.share.stats;
    expect(s.blocksRemapped).toBeGreaterThan(0);
    expect(s.cowCopies).toBeGreaterThan(0);
    expect(mon.share.cache!.stats().hits).toBeGreaterThan(0); // the second VM found the first's blocks
    for (const vm of mon.vms) expect((vm.disk as OverlayDisk).privateBlocks).toBeGreaterThan(0);
    expect(sha(img)).toBe(before);
    // Every machine page came back: the free pages are the machine's less the monitor's
    // and the cache's own.
    expect(mon.alloc.freeTotal() + mon.alloc.monitorPages + mon.share.cache!.pages).toBe(mon.alloc.totalPages);
  });

  it('an overlay file keeps a VM\'s writes across runs and is checked when reopened', () => {
    const base = BaseImage.fromBytes('b', new Uint8Array(8 * 4096).fill(1));
    const f = join(dir, 'vm.cow');
    const d = new OverlayDisk(base, f);
    d.write(4096 + 10, Uint8Array.of(5, 6, 7));
    d.flush();
    d.close();
    const again = new OverlayDisk(base, f);
    expect(again.read(4096 + 9, 5)).toEqual(Uint8Array.of(1, 5, 6, 7, 1));
    expect(again.shareKey(1)).toBeNull();
    expect(again.shareKey(0)).not.toBeNull();
    again.close();
    const other = BaseImage.fromBytes('c', new Uint8Array(8 * 4096).fill(2));
    expect(() => new OverlayDisk(other, f)).toThrow(/made for another base image/);
    const bytes = readFileSync(f);
    bytes[64 + 8 + 100] ^= 0xff;
    writeFileSync(f, bytes);
    expect(() => new OverlayDisk(base, f)).toThrow(/corrupt record at byte 64 \(checksum mismatch\)/);
    truncateSync(f, 64 + 100);
    expect(() => new OverlayDisk(base, f)).toThrow(/truncated \(100 bytes after the last whole record\)/);
    writeFileSync(f, 'not an overlay');
    expect(() => new OverlayDisk(base, f)).toThrow(/not a disco overlay file/);
  });
});

describe('bad disk images', () => {
  it('empty, truncated and missing images give one-line errors', () => {
    const e = join(dir, 'empty.img');
    writeFileSync(e, '');
    expect(() => BaseImage.open(e)).toThrow(DiskError);
    expect(() => BaseImage.open(e)).toThrow(/the image is empty/);
    const t = join(dir, 'trunc.img');
    writeFileSync(t, readFileSync('guests/user/fs.img').subarray(0, 10000));
    expect(() => BaseImage.open(t)).toThrow(/truncated or not a disk image \(10000 bytes/);
    expect(() => BaseImage.open(join(dir, 'nope.img'))).toThrow(/no such file/);
    expect(() => new PersistentDisk(t)).toThrow(/truncated/);
    expect(existsSync(`${t}.lock`)).toBe(false);
  });

  it('a corrupt file system stops its VM with the guest\'s panic; the other VM finishes', () => {
    const good = BaseImage.open('guests/user/fs.img');
    const junk = new Uint8Array(good.bytes.length).fill(0x5a);
    const out: string[] = [];
    const mon = newMonitor(out);
    mon.createVm({ memBytes: 16 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: 'echo hi', disk: new OverlayDisk(BaseImage.fromBytes('junk', junk)), maxInstructions: 5e8 });
    mon.createVm({ memBytes: 16 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: 'echo hi', disk: new OverlayDisk(good), maxInstructions: 5e8 });
    mon.run();
    expect(out[0]).toMatch(/no file system on the disk/);
    expect(mon.vms[0].stopKind).toBe('halt');
    expect(mon.vms[0].exitCode).not.toBe(0);
    expect(out[1]).toContain('hi');
    expect(mon.vms[1].exitCode).toBe(0);
    expect(mon.internalErrors).toEqual([]);
  });
});

describe('persistent disks', () => {
  it('one VM at a time, in this process and across processes', () => {
    const img = join(dir, 'p1.img');
    copyFileSync('guests/user/fs.img', img);
    const a = new PersistentDisk(img);
    expect(() => new PersistentDisk(img)).toThrow(/already in use by another VM/);
    a.close();
    expect(existsSync(`${img}.lock`)).toBe(false);
    writeFileSync(`${img}.lock`, `${process.ppid}\n`); // a live process holds it
    expect(() => new PersistentDisk(img)).toThrow(new RegExp(`in use by process ${process.ppid}`));
    rmSync(`${img}.lock`);
  });

  it('flushed writes survive a SIGKILL of the process running the VM and are there on the next boot', async () => {
    const img = join(dir, 'p2.img');
    copyFileSync('guests/user/fs.img', img);
    const marker = Buffer.from('h7.h\0\0'); // a directory entry pmake creates (/pm/inc/h7.h)
    expect(readFileSync(img).includes(marker)).toBe(false);
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/vmm/disk-child.ts', img, 'pmake 4 4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => { text += d.toString(); if (/flushes \d+/.test(text)) resolve(); });
      child.on('exit', () => reject(new Error(`child ended early: ${text}`)));
    });
    child.removeAllListeners('exit');
    const dead = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await dead;
    expect(text).toContain('pmake: 4 jobs, 2 parallel, checksum d8ded1df');
    expect(Number(/flushes (\d+)/.exec(text)![1])).toBeGreaterThan(0);
    expect(readFileSync(`${img}.lock`, 'utf8').trim()).toBe(String(child.pid)); // left behind by the kill
    expect(readFileSync(img).includes(marker)).toBe(true);
    // Next boot: the stale lock is taken over and the guest reads the header pmake wrote
    // (`run` executes its lines, so their text shows; the base image has no such file).
    const out: string[] = [];
    const mon = newMonitor(out);
    mon.createVm({ memBytes: 16 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: 'run /pm/inc/h7.h', disk: new PersistentDisk(img), maxInstructions: 5e8 });
    mon.run();
    expect(out[0]).not.toContain('cannot open');
    expect(out[0]).toMatch(/run: int \w+_\d+\(int a, int b\): exit 127/);
    expect(existsSync(`${img}.lock`)).toBe(false);
  }, 60_000);
});

describe('disk monitor calls: bad DMA fails cleanly', () => {
  it('out-of-range sectors, buffers outside the VM and misaligned buffers give EINVAL/EFAULT, nothing moves', () => {
    const base = BaseImage.fromBytes('b', new Uint8Array(16 * 4096).fill(3));
    const out: string[] = [];
    const mon = newMonitor(out);
    const a = mon.createVm({ memBytes: 4 * MiB, image: kernel, imageName: 'kernel.elf', disk: new OverlayDisk(base) });
    const b = mon.createVm({ memBytes: 4 * MiB, image: kernel, imageName: 'kernel.elf', disk: new OverlayDisk(base) });
    mon.start();
    const p = mon.pcpus[0], v = a.vcpus[0];
    expect(p.current).toBe(v);
    const call = (fn: number, a0: number, a1: number, a2: number): number => {
      const r = p.cpu.r;
      r[2] = HCALL_BASE + fn; r[4] = a0; r[5] = a1; r[6] = a2;
      hypercall(mon, p, v);
      return r[2];
    };
    const bGpn = 0x200;
    b.copyIn(bGpn * 4096, Uint8Array.of(42), 0);
    const bMp = b.pmap.mpage[bGpn];
    const sectors = 16 * 8;
    expect(call(HC_DISK_READ, sectors - 1, 2, 0x300000)).toBe(HC_EINVAL);
    expect(call(HC_DISK_READ, 0xffffffff, 2, 0x300000)).toBe(HC_EINVAL);
    expect(call(HC_DISK_READ, 0, 0, 0x300000)).toBe(HC_EINVAL);
    expect(call(HC_DISK_READ, 0, 8, 4 * MiB - 1024)).toBe(HC_EFAULT);
    expect(call(HC_DISK_WRITE, 0, 8, 0xf0000000)).toBe(HC_EFAULT);
    expect(call(HC_DISK_READ, 0, 1, 0x300002)).toBe(HC_EINVAL); // not word aligned
    expect(call(HC_DISK_WRITE, 0, 1, 0x300001)).toBe(HC_EINVAL);
    expect(a.copyOut(0x300000, 8, 0)).toEqual(new Uint8Array(8));
    expect((a.disk as OverlayDisk).privateBlocks).toBe(0);
    // good calls still work, and the other VM's page is untouched
    expect(call(HC_DISK_READ, 8, 8, 0x300000)).toBe(0);
    expect(a.copyOut(0x300000, 1, 0)[0]).toBe(3);
    expect(call(HC_DISK_FLUSH, 0, 0, 0)).toBe(0);
    expect(b.pmap.mpage[bGpn]).toBe(bMp);
    expect(b.copyOut(bGpn * 4096, 1, 0)[0]).toBe(42);
    expect(a.running && b.running).toBe(true);
    expect(mon.checkInvariants()).toEqual([]);
  });
});

describe('disco run --vms with disks', () => {
  const disco = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, ['bin/disco.js', ...args], { encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('bad disks and a second VM on a persistent disk: one line each, exit 1; --report memory', () => {
    const t = join(dir, 'cli-trunc.img');
    writeFileSync(t, new Uint8Array(1000));
    let r = disco(['run', '--vms', '1', '--disk', t, 'guests/kernel/kernel.elf']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^disco: disk .*cli-trunc\.img: the image is truncated or not a disk image \(1000 bytes/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const p = join(dir, 'cli-p.img');
    copyFileSync('guests/user/fs.img', p);
    r = disco(['run', '--vms', '2', '--persistent', '--disk', p, 'guests/kernel/kernel.elf']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/persistent disk already in use by another VM/);
    expect(existsSync(`${p}.lock`)).toBe(false);
    r = disco(['run', '--vms', '2', '--vm-mem', '16M', '--disk', 'guests/user/fs.img', '--report', 'memory', 'guests/kernel/kernel.elf', '--', 'echo', 'hi']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[vm1\] hi/);
    expect(r.stderr).toMatch(/disco: memory: 2 VMs, virtual footprint [\d.]+ MiB, machine memory [\d.]+ MiB/);
  }, 60_000);
});
