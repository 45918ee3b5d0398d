// The guest kernel's network file protocol (guests/kernel/nfs.c) on the virtual subnet: a
// server VM exports its file system, client VMs read files from it; the bytes equal the files
// in fs.img, and the file blocks arrive by page remapping (the server's buffer-cache page and
// the client's cached page are one machine page).

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Monitor } from '../../vmm/monitor.ts';
import { PMAP_READONLY } from '../../vmm/pmap.ts';
import { FsImage } from '../../guests/mkfs.ts';

const root = resolve(import.meta.dirname, '../..');
const kernelPath = join(root, 'guests/kernel/kernel.elf');
const fsPath = join(root, 'guests/user/fs.img');
const have = existsSync(kernelPath) && existsSync(fsPath);
const MiB = 0x100000;

function fnv(b: Uint8Array): string {
  let h = 2166136261;
  for (const x of b) h = Math.imul(h ^ x, 16777619) >>> 0;
  return h.toString(16);
}

/** Machine pages mapped by two VMs at once (the sharing the remapping left behind). */
function sharedPages(mon: Monitor): number {
  const seen = new Map<number, number>();
  for (const vm of mon.vms) for (let g = 0; g < vm.pages; g++) {
    const mp = vm.pmap.mpage[g];
    if (mp >= 0 && (vm.pmap.flags[g] & PMAP_READONLY) !== 0) seen.set(mp, (seen.get(mp) ?? 0) + 1);
  }
  return [...seen.values()].filter((n) => n > 1).length;
}

describe.skipIf(!have)('NFS between VMs of the guest kernel', () => {
  if (!have) console.warn('skipped: guests/kernel/kernel.elf or guests/user/fs.img not built');

  it('clients read files from the server VM: same bytes as in fs.img, blocks remapped not copied', () => {
    const fs = new FsImage(new Uint8Array(readFileSync(fsPath)));
    const files = ['/etc/quick', '/bin/cc', '/bin/usertests'];
    const out = ['', '', ''];
    const mon = new Monitor({ nodes: 1, cpusPerNode: 2, memPerNode: 112 * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
    const kernel = readFileSync(kernelPath), disk = readFileSync(fsPath);
    let shared = 0;
    for (let i = 0; i < 3; i++) {
      mon.createVm({ memBytes: 32 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: i === 2 ? `nfsrun cat ${files[0]}` : `nfsrun cat -s ${files.join(' ')}`, disk: new Uint8Array(disk), maxInstructions: 3e8 });
    }
    // vm0 (address 0) serves; vm1 prints sizes and checksums, vm2 the raw bytes of a text file.
    let rounds = 0;
    mon.run({ onRound: () => { if (++rounds % 200 === 0) { shared = Math.max(shared, sharedPages(mon)); expect(mon.checkInvariants()).toEqual([]); } } });
    expect(mon.internalErrors).toEqual([]);
    for (const vm of mon.vms) expect(vm.stopMessage).toMatch(/exit code 0$/);
    for (const f of files) {
      const data = fs.read(fs.lookup(f));
      expect(out[1]).toContain(`nfscat: ${f} size ${data.length} fnv ${fnv(data)}\n`);
    }
    const quick = new TextDecoder().decode(fs.read(fs.lookup('/etc/quick')));
    expect(out[2].replaceAll('\r', '')).toContain(quick);
    // Blocks came by remapping: the server's buffer-cache pages were mapped into the clients.
    const blocks = files.reduce((n, f) => n + Math.ceil(fs.read(fs.lookup(f)).length / 4096), 0);
    const s1 = mon.net.stats(mon.vms[1]);
    expect(s1.pagesRemapped).toBe(blocks);
    expect(s1.dataCopies).toBe(0);
    expect(out[1]).toContain(`(${blocks} pages remapped)`);
    expect(shared).toBeGreaterThan(0);
    expect(mon.net.stats(mon.vms[0]).dropped).toBe(0);
  });
});

describe.skipIf(!have)('NFS clients of a server that stops', () => {
  it('a request lost with its server is sent again; the send fails and the clients finish with errors, not hang', () => {
    const out = ['', '', ''];
    const mon = new Monitor({ nodes: 1, cpusPerNode: 1, memPerNode: 112 * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
    const kernel = readFileSync(kernelPath), disk = readFileSync(fsPath);
    for (let i = 0; i < 3; i++) {
      mon.createVm({ memBytes: 32 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: 'nfsrun cat -s /bin/usertests /bin/cc /bin/pmake /bin/eng /bin/db /bin/rt', disk: new Uint8Array(disk), maxInstructions: 2e8 });
    }
    const server = mon.vms[0];
    let stoppedWith = -1;
    mon.run({
      onRound: () => {
        const s = mon.net.stats(server);
        // the server has answered a few requests and holds another one: it goes with it
        if (server.running && s.sent >= 5 && s.queued > 0) {
          stoppedWith = s.queued;
          mon.stopVm(server, 'fault', 'stopped by the test');
        }
      },
    });
    expect(stoppedWith).toBeGreaterThan(0);
    expect(mon.internalErrors).toEqual([]);
    for (const c of [1, 2]) {
      const vm = mon.vms[c];
      expect([vm.stopKind, vm.exitCode]).toEqual(['halt', 1]); // finished, not stuck until the limit
      expect(out[c], out[c]).toMatch(/nfscat: (read error|\/bin\/\w+: no such file on host 0)/);
      expect(out[c]).toContain('nfsrun: bye to host 0 failed');
    }
    // at least one client had a request in the server's queue: it timed out and sent it again
    const resent = [1, 2].map((c) => Number(/(\d+) resent/.exec(out[c])![1]));
    expect(Math.max(...resent), out.join('')).toBeGreaterThan(0);
  }, 60_000);
});

describe.skipIf(!have)('an NFS server with more files than inodes in its cache', () => {
  it('serves 72 sources and 8 headers (the inode cache holds 64): handles hold no inode', () => {
    const out = ['', ''];
    const mon = new Monitor({ nodes: 1, cpusPerNode: 1, memPerNode: 80 * MiB, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
    const kernel = readFileSync(kernelPath), disk = readFileSync(fsPath);
    for (let i = 0; i < 2; i++) {
      mon.createVm({ memBytes: 32 * MiB, image: kernel, imageName: 'kernel.elf', cmdline: 'nfsrun make 72 1', disk: new Uint8Array(disk), maxInstructions: 2e9 });
    }
    mon.run({});
    for (const vm of mon.vms) expect([vm.stopKind, vm.exitCode], out[vm.id]).toEqual(['halt', 0]);
    const sum = /pmake: 72 jobs, 2 parallel, checksum (\w+)/.exec(out[0]);
    expect(sum, out[0]).not.toBeNull();
    expect(out[1]).toContain(`nfsmake: 72 jobs, 2 parallel, checksum ${sum![1]}`);
  }, 120_000);
});
