// The virtual subnet (vmm/net.ts): message exchange through the monitor calls, page remapping
// asserted through the pmaps and the memmap, copy-on-write after a remap, bounded queues under
// a flood, bad buffers.

import { describe, expect, it } from 'vitest';
import { HC, windowImage } from './helpers.ts';
import { Monitor } from '../../vmm/monitor.ts';
import { PMAP_READONLY } from '../../vmm/pmap.ts';
import { NET_EAGAIN, NET_EFAULT, NET_EHOSTUNREACH, NET_EMSGSIZE, NET_OWNER, NET_RX_REMAPPED, NET_PAIR_QUEUE } from '../../vmm/net.ts';
import type { Vm } from '../../vmm/vm.ts';

const image = windowImage;

/** VMs that are created but not run: the test drives the subnet as the hypercall layer does. */
function machine(n: number): { mon: Monitor; vms: Vm[] } {
  const mon = new Monitor({ cpusPerNode: 2, memBytes: 64 << 20, console: () => {} });
  const vms = Array.from({ length: n }, (_, i) => mon.createVm({ memBytes: 4 << 20, image: image(HC(4)), imageName: `t${i}` }));
  return { mon, vms };
}

/**
 * Assembly: the receive descriptor at guest physical 0x1100 (net_recv's a0): a 64-byte header
 * buffer at 0x1400, and `len` bytes of data buffer at `data` (0, 0: none).
 */
function rxDesc(data: number, len: number): string {
  return `li t0, 0xc0001100
      li t1, 0x1400
      sw t1, 0(t0)
      li t1, 64
      sw t1, 4(t0)
      li t1, ${data}
      sw t1, 8(t0)
      li t1, ${len}
      sw t1, 12(t0)`;
}

function words(vm: Vm, gpa: number, ws: number[]): void {
  vm.copyIn(gpa, new Uint8Array(Uint32Array.from(ws.map((w) => w >>> 0)).buffer), 0);
}

function readWords(vm: Vm, gpa: number, n: number): number[] {
  const b = vm.copyOut(gpa, n * 4, 0);
  return Array.from(new Uint32Array(b.buffer, b.byteOffset, n));
}

const SDESC = 0x1000, RDESC = 0x1100, HDR = 0x1200, RHDR = 0x1400;

function send(mon: Monitor, vm: Vm, dst: number, hdr: string, data: number, dlen: number): [number, number] {
  words(vm, SDESC, [HDR, hdr.length, data, dlen]);
  vm.copyIn(HDR, new TextEncoder().encode(hdr), 0);
  return mon.net.send(mon.pcpus[0], vm.vcpus[0], dst, SDESC);
}

function recv(mon: Monitor, vm: Vm, data: number, cap = 4096): { rc: number; src: number; hdr: string; dlen: number; flags: number } {
  words(vm, RDESC, [RHDR, 256, data, cap, 0, 0, 0, 0]);
  const rc = mon.net.recv(mon.pcpus[1], vm.vcpus[0], RDESC);
  const [src, hl, dl, flags] = readWords(vm, RDESC + 16, 4);
  return { rc, src, hdr: new TextDecoder().decode(vm.copyOut(RHDR, hl, 0)), dlen: dl, flags };
}

describe('virtual subnet', () => {
  it('two VMs exchange messages through the monitor calls (guest code)', () => {
    // vm0 sends "ping" to vm1 and exits; vm1 polls net_recv until it gets it, prints the
    // header and the source, and exits with the number of the data bytes.
    const sender = `
      li t0, 0xc0001000
      li t1, 0x1200
      sw t1, 0(t0)
      li t1, 4
      sw t1, 4(t0)
      sw zero, 8(t0)
      sw zero, 12(t0)
      li t1, 0x676e6970
      li t2, 0xc0001200
      sw t1, 0(t2)
      li a0, 1
      li a1, 0x1000
      ${HC(17)}
      move a0, v0
      ${HC(4)}
    `;
    const receiver = `
      ${rxDesc(0, 0)}
    again:
      li a0, 0x1100
      ${HC(18)}
      bne v0, zero, again
      nop
      li a0, 0x1400
      li a1, 4
      ${HC(1)}
      li t0, 0xc0001100
      lw a0, 16(t0)
      addiu a0, a0, 48
      ${HC(2)}
      li a0, 0
      ${HC(16)}
      move a0, v0
      addiu a0, a0, 100
      ${HC(4)}
    `;
    const out = ['', ''];
    const mon = new Monitor({ cpusPerNode: 2, memBytes: 64 << 20, console: (vm, b) => { out[vm.id] += String.fromCharCode(b); } });
    const vms = [sender, receiver].map((s, i) => mon.createVm({ memBytes: 4 << 20, image: image(s), imageName: `t${i}`, maxInstructions: 2_000_000 }));
    mon.run();
    expect(mon.internalErrors).toEqual([]);
    expect(vms[0].stopKind).toBe('halt');
    expect(vms[0].exitCode).toBe(0);
    expect(out[1]).toBe('ping0');
    expect(vms[1].exitCode).toBe(101);
    expect(mon.net.stats(vms[0])).toMatchObject({ sent: 1, dropped: 0, errors: 0 });
    expect(mon.net.stats(vms[1])).toMatchObject({ received: 1, queued: 0, pagesRemapped: 0 });
  });

  it('copies small payloads and unaligned pages; remaps a page-aligned page read-only into the receiver', () => {
    const { mon, vms: [a, b] } = machine(2);
    // A small payload is copied.
    const small = new TextEncoder().encode('hello, subnet');
    a.copyIn(0x5000, small, 0);
    expect(send(mon, a, 1, 'h1', 0x5000, small.length)).toEqual([0, 0]);
    let r = recv(mon, b, 0x9000);
    expect(r).toMatchObject({ rc: 0, src: 0, hdr: 'h1', dlen: small.length, flags: 0 });
    expect(b.copyOut(0x9000, small.length, 0)).toEqual(small);
    // A whole page at an unaligned address is copied too.
    const pat = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) & 0xff);
    a.copyIn(0x6100, pat, 0);
    expect(send(mon, a, 1, 'h2', 0x6100, 4096)[1]).toBe(0);
    r = recv(mon, b, 0xa000);
    expect(r).toMatchObject({ rc: 0, dlen: 4096, flags: 0 });
    expect(b.copyOut(0xa000, 4096, 0)).toEqual(pat);
    // A page-aligned page goes by reference.
    a.copyIn(0x20000, pat, 0);
    const mp = a.pmap.get(0x20);
    expect(send(mon, a, 1, 'h3', 0x20000, 4096)).toEqual([0, 1]);
    expect(a.pmap.flags[0x20] & PMAP_READONLY).toBe(PMAP_READONLY);
    expect(mon.memmap.owners(mp).map((o) => o.vm)).toEqual([a.id, NET_OWNER]);
    b.copyIn(0x30000, new Uint8Array(4096).fill(0xee), 0); // the receiver's own page, given back
    const old = b.pmap.get(0x30);
    r = recv(mon, b, 0x30000);
    expect(r).toMatchObject({ rc: 0, hdr: 'h3', dlen: 4096, flags: NET_RX_REMAPPED });
    expect(b.pmap.get(0x30)).toBe(mp);
    expect(b.pmap.flags[0x30] & PMAP_READONLY).toBe(PMAP_READONLY);
    expect(mon.memmap.owners(mp)).toEqual([{ vm: a.id, gpn: 0x20 }, { vm: b.id, gpn: 0x30 }]);
    expect(mon.alloc.useOf(old)).toBe('free');
    expect(b.copyOut(0x30000, 4096, 0)).toEqual(pat);
    const s = mon.net.stats(b);
    expect([s.pagesRemapped, s.dataCopies, s.bytesCopied]).toEqual([1, 2, small.length + 4096]);
    expect(mon.checkInvariants()).toEqual([]);
  });

  for (const writer of ['receiver', 'sender'] as const) {
    it(`a write by the ${writer} breaks the sharing; the other still sees the original`, () => {
      const { mon, vms: [a, b] } = machine(2);
      const pat = Uint8Array.from({ length: 4096 }, (_, i) => (i ^ 0x5a) & 0xff);
      a.copyIn(0x20000, pat, 0);
      send(mon, a, 1, 'p', 0x20000, 4096);
      recv(mon, b, 0x30000);
      const mp = a.pmap.get(0x20);
      expect(b.pmap.get(0x30)).toBe(mp);
      const [w, wg, other, og] = writer === 'receiver' ? [b, 0x30, a, 0x20] : [a, 0x20, b, 0x30];
      // The store path of a guest: Mod/TLBS on a read-only pmap page reaches Monitor.writeFault.
      mon.writeFault(mon.pcpus[0], w.vcpus[0], wg);
      expect(w.pmap.get(wg)).not.toBe(mp);
      expect(w.pmap.flags[wg] & PMAP_READONLY).toBe(0);
      w.copyIn(wg * 4096, new Uint8Array(16).fill(0x11), 0);
      expect(w.copyOut(wg * 4096, 16, 0)).toEqual(new Uint8Array(16).fill(0x11));
      expect(other.pmap.get(og)).toBe(mp);
      expect(other.copyOut(og * 4096, 4096, 0)).toEqual(pat);
      expect(mon.memmap.owners(mp)).toEqual([{ vm: other.id, gpn: og }]);
      // The last holder writes: its page is simply made writable again (no copy).
      mon.writeFault(mon.pcpus[0], other.vcpus[0], og);
      expect(other.pmap.get(og)).toBe(mp);
      expect(other.pmap.flags[og] & PMAP_READONLY).toBe(0);
      expect(mon.share.stats.cowCopies).toBe(1);
      expect(mon.checkInvariants()).toEqual([]);
    });
  }

  it('a monitor write (DMA, a received copy) into a shared page gives a private copy first', () => {
    const { mon, vms: [a, b] } = machine(2);
    a.copyIn(0x20000, new Uint8Array(4096).fill(7), 0);
    send(mon, a, 1, 'p', 0x20000, 4096);
    recv(mon, b, 0x30000);
    const mp = b.pmap.get(0x30);
    b.copyIn(0x30010, Uint8Array.of(1, 2, 3), 0);
    expect(b.pmap.get(0x30)).not.toBe(mp);
    expect(a.copyOut(0x20010, 3, 0)).toEqual(Uint8Array.of(7, 7, 7));
    expect(b.copyOut(0x30010, 3, 0)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('a page in flight survives the sender writing and the sender stopping; a stopped receiver frees it', () => {
    const { mon, vms: [a, b, c] } = machine(3);
    a.copyIn(0x20000, new Uint8Array(4096).fill(9), 0);
    send(mon, a, 1, 'p', 0x20000, 4096);
    mon.writeFault(mon.pcpus[0], a.vcpus[0], 0x20); // the sender writes its buffer at once
    a.copyIn(0x20000, new Uint8Array(4096).fill(1), 0);
    const held = mon.net.inflightPages();
    expect(held).toBe(1);
    mon.stopVm(a, 'fault', 'test');
    const r = recv(mon, b, 0x30000);
    expect(r).toMatchObject({ rc: 0, flags: NET_RX_REMAPPED });
    expect(b.copyOut(0x30000, 4096, 0)).toEqual(new Uint8Array(4096).fill(9));
    // A message waiting for a VM that stops is dropped and its page freed.
    c.copyIn(0x40000, new Uint8Array(4096).fill(5), 0);
    send(mon, c, 1, 'q', 0x40000, 4096);
    mon.writeFault(mon.pcpus[0], c.vcpus[0], 0x40);
    const free = mon.alloc.freeTotal();
    mon.stopVm(b, 'fault', 'test');
    expect(mon.net.inflightPages()).toBe(0);
    expect(mon.alloc.freeTotal()).toBeGreaterThan(free);
    expect(send(mon, c, 1, 'q', 0, 0)[0]).toBe(NET_EHOSTUNREACH);
    expect(mon.checkInvariants()).toEqual([]);
  });

  it('a flooding VM fills only its own queue: drops, counters, no crash, others unaffected', () => {
    const { mon, vms: [flood, good, server] } = machine(3);
    const free = mon.alloc.freeTotal();
    let dropped = 0;
    for (let i = 0; i < 1000; i++) {
      flood.copyIn(0x20000 + (i % 64) * 4096, Uint8Array.of(i & 0xff), 0);
      const [rc] = send(mon, flood, 2, 'x', 0x20000 + (i % 64) * 4096, 4096);
      if (rc === NET_EAGAIN) dropped++; else expect(rc).toBe(0);
    }
    expect(dropped).toBe(1000 - NET_PAIR_QUEUE);
    // The good VM's messages still get in, and receipt alternates between the senders.
    for (let i = 0; i < 4; i++) expect(send(mon, good, 2, `g${i}`, 0, 0)[0]).toBe(0);
    const order: number[] = [];
    for (let i = 0; i < 8; i++) order.push(recv(mon, server, 0x50000 + i * 4096).src);
    expect(order).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
    const st = mon.net.stats(flood);
    expect(st).toMatchObject({ sent: NET_PAIR_QUEUE, dropped: 1000 - NET_PAIR_QUEUE, errors: 0 });
    expect(mon.net.stats(server).maxQueued).toBe(NET_PAIR_QUEUE + 4);
    // Machine memory held for the flood is bounded by the queue (pages in flight).
    expect(free - mon.alloc.freeTotal()).toBeLessThanOrEqual(64 + 8 + NET_PAIR_QUEUE);
    expect(mon.checkInvariants()).toEqual([]);
  });

  it('bad buffers and arguments fail cleanly with nothing done', () => {
    const { mon, vms: [a, b] } = machine(2);
    const p = mon.pcpus[0], v = a.vcpus[0];
    expect(mon.net.send(p, v, 1, 4 << 20)[0]).toBe(NET_EFAULT); // descriptor outside the VM
    expect(mon.net.send(p, v, 1, 0x1002)[0]).toBe(NET_EFAULT); // misaligned descriptor
    expect(send(mon, a, 1, 'h', (4 << 20) - 8, 16)[0]).toBe(NET_EFAULT); // data runs off the end
    expect(send(mon, a, 1, 'h', 0xd0000000, 16)[0]).toBe(NET_EFAULT); // not a physical alias
    words(a, SDESC, [HDR, 300, 0, 0]);
    expect(mon.net.send(p, v, 1, SDESC)[0]).toBe(NET_EMSGSIZE);
    words(a, SDESC, [HDR, 1, 0, 8192]);
    expect(mon.net.send(p, v, 1, SDESC)[0]).toBe(NET_EMSGSIZE);
    expect(send(mon, a, 7, 'h', 0, 0)[0]).toBe(NET_EHOSTUNREACH);
    expect(send(mon, a, -1, 'h', 0, 0)[0]).toBe(NET_EHOSTUNREACH);
    expect(mon.net.stats(b).queued).toBe(0);
    expect(mon.net.stats(a).errors).toBe(8);
    // A receive with a bad buffer leaves the message queued.
    expect(send(mon, a, 1, 'ok', 0x8000, 4096)[0]).toBe(0);
    words(b, RDESC, [RHDR, 256, (4 << 20) - 100, 4096]);
    expect(mon.net.recv(mon.pcpus[1], b.vcpus[0], RDESC)).toBe(NET_EFAULT);
    expect(mon.net.stats(b).queued).toBe(1);
    expect(recv(mon, b, 0x9000)).toMatchObject({ rc: 0, hdr: 'ok', flags: NET_RX_REMAPPED });
    expect(recv(mon, b, 0x9000).rc).toBe(NET_EAGAIN);
  });

  it('guest stores break the sharing end to end (the Mod fault path), and each side keeps its data', () => {
    // vm0 fills its page 0x20000 with 0x11111111, sends it to vm1 by reference, then stores
    // 0x22222222 into it (a private copy) and exits with word 0 of its page's low byte.
    // vm1 receives into 0x30000 (remapped), stores 0x33 into word 1 and exits with the sum of
    // the low bytes of words 0, 1 and 2 (the sender's original, its own store, the original).
    const sender = `
      li t0, 0xc0020000
      li t1, 0x11111111
      li t2, 1024
    fill:
      sw t1, 0(t0)
      addiu t2, t2, -1
      bne t2, zero, fill
      addiu t0, t0, 4
      li t0, 0xc0001000
      li t1, 0x1200
      sw t1, 0(t0)
      sw zero, 4(t0)
      li t1, 0x20000
      sw t1, 8(t0)
      li t1, 4096
      sw t1, 12(t0)
      li a0, 1
      li a1, 0x1000
      ${HC(17)}
      bne v0, zero, out
      move a0, v0
      li t0, 0xc0020000
      li t1, 0x22222222
      sw t1, 0(t0)
      lw a0, 0(t0)
      andi a0, a0, 0xff
    out:
      ${HC(4)}
    `;
    const receiver = `
      ${rxDesc(0x30000, 4096)}
    again:
      li a0, 0x1100
      ${HC(18)}
      bne v0, zero, again
      nop
      li t0, 0xc0030000
      li t1, 0x33
      sw t1, 4(t0)
      lw t2, 0(t0)
      lw t3, 4(t0)
      lw t4, 8(t0)
      andi a0, t2, 0xff
      addu a0, a0, t3
      andi t4, t4, 0xff
      addu a0, a0, t4
      ${HC(4)}
    `;
    const mon = new Monitor({ cpusPerNode: 2, memBytes: 64 << 20, console: () => {} });
    const vms = [sender, receiver].map((s, i) => mon.createVm({ memBytes: 4 << 20, image: image(s), imageName: `t${i}`, maxInstructions: 2_000_000 }));
    let checked = 0;
    mon.run({ onRound: () => { if (++checked % 10 === 0) expect(mon.checkInvariants()).toEqual([]); } });
    expect(mon.internalErrors).toEqual([]);
    expect(vms[0].stopMessage).toMatch(/exit code 34$/); // 0x22: its own copy
    expect(vms[1].stopMessage).toMatch(/exit code 85$/); // 0x11 + 0x33 + 0x11: the original, then its own store
    expect(mon.net.stats(vms[1]).pagesRemapped).toBe(1);
    expect(vms[0].counters.traps[1]).toBeGreaterThan(0); // Mod: the stores to the read-only page
  });

  it('a guest flooding the net gets EAGAIN; the VM it floods still gets another VM\'s message', () => {
    // vm0 sends 3000 page-sized messages to vm1 as fast as it can and exits with the number
    // of EAGAIN refusals / 16; vm2 sends one message to vm1; vm1 receives until it has vm2's,
    // then exits with the number of messages it took.
    const desc = (hdrLen: number, data: number, len: number): string => `
      li t0, 0xc0001000
      li t1, 0x1200
      sw t1, 0(t0)
      li t1, ${hdrLen}
      sw t1, 4(t0)
      li t1, ${data}
      sw t1, 8(t0)
      li t1, ${len}
      sw t1, 12(t0)`;
    const flooder = `${desc(4, 0x20000, 4096)}
      li s0, 3000
      li s1, 0
      li s2, -11
    loop:
      li a0, 1
      li a1, 0x1000
      ${HC(17)}
      bne v0, s2, next
      nop
      addiu s1, s1, 1
    next:
      addiu s0, s0, -1
      bne s0, zero, loop
      nop
      srl a0, s1, 4
      ${HC(4)}
    `;
    const other = `${desc(4, 0, 0)}
      li a0, 1
      li a1, 0x1000
      ${HC(17)}
      move a0, v0
      ${HC(4)}
    `;
    const victim = `
      ${rxDesc(0x30000, 4096)}
      li s0, 0
    again:
      li a0, 0x1100
      ${HC(18)}
      bne v0, zero, again
      nop
      addiu s0, s0, 1
      li t0, 0xc0001100
      lw t1, 16(t0)
      li t2, 2
      bne t1, t2, again
      nop
      move a0, s0
      ${HC(4)}
    `;
    const mon = new Monitor({ cpusPerNode: 3, memBytes: 64 << 20, console: () => {} });
    const vms = [flooder, victim, other].map((s, i) => mon.createVm({ memBytes: 4 << 20, image: image(s), imageName: `t${i}`, maxInstructions: 5_000_000 }));
    let maxHeld = 0, rounds = 0;
    mon.run({ onRound: () => { maxHeld = Math.max(maxHeld, mon.net.inflightPages()); if (++rounds % 20 === 0) expect(mon.checkInvariants()).toEqual([]); } });
    expect(mon.internalErrors).toEqual([]);
    for (const vm of vms) expect(vm.stopKind).toBe('halt');
    const f = mon.net.stats(vms[0]), r = mon.net.stats(vms[1]);
    // Refused while vm1 ran (EAGAIN), unreachable once it had halted (EHOSTUNREACH).
    expect(f.sent + f.dropped + f.errors).toBe(3000);
    expect(f.dropped).toBeGreaterThan(16);
    expect(f.errors).toBeGreaterThan(0);
    expect(vms[0].exitCode).toBe(f.dropped >> 4);
    expect(vms[2].exitCode).toBe(0); // vm2's one message was accepted
    // vm1 got vm2's message within the first turns of the round robin, not after the flood.
    expect(vms[1].exitCode).toBeLessThanOrEqual(2 * 16 + 2);
    expect(r.maxQueued).toBeLessThanOrEqual(16 + 1);
    expect(maxHeld).toBeLessThanOrEqual(16);
  });
});
