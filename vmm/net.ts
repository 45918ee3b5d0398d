// The virtual subnet (Disco SOSP '97 sections 4.2.5-4.2.6): every VM has a network interface
// reached by monitor calls (HC_NET_*, docs/hypercalls.md "Virtual subnet", docs/network.md).
// Its address is its VM number. A message is a header (at most NET_HDR_MAX bytes, always
// copied) and an optional data part (at most NET_DATA_MAX bytes). A data part that is one whole
// page-aligned page is not copied: the sender's machine page is made read-only and, on
// receipt into a page-aligned buffer, mapped copy-on-write into the receiver's pmap in place of
// its page (Disco's remapping of NFS pages, which made the server's buffer cache pages and the
// clients' file pages one machine page). A later write by either side gets a private copy
// through the write-fault path (Monitor.writeFault -> netWriteFault).
//
// Bounded by construction: each receiver keeps one FIFO per sender of at most `pairQueue`
// messages, each sender has at most `senderInflight` messages queued anywhere, and receipt
// takes the senders in turn (round robin). A VM that floods the net fills only its own queues:
// its sends fail with EAGAIN (counted as drops), the monitor holds at most
// VMs x senderInflight x (header + one page) for it, and other senders' messages still go
// through at their own pace.
//
// Sharing is share.ts's: on send the page becomes a copy-on-write shared page (markShared:
// read-only in every pmap, writable translations shot down); on receipt shareIntoVm maps it
// into the receiver; a write by anyone goes through Monitor.writeFault / writeShared -> breakCow.
// While a page travels, the message holds it: the memmap lists a pseudo-owner (NET_OWNER,
// message serial), so breakCow copies for a writer instead of handing it the page and
// share.unmapped does not free it; the pseudo-owner goes on receipt or drop.

import { PAGE_BYTES, PAGE_SHIFT } from './alloc.ts';
import type { Monitor } from './monitor.ts';
import type { PCpu } from './sched.ts';
import { shareIntoVm } from './share.ts';
import type { VCpu } from './vcpu.ts';
import type { Vm } from './vm.ts';

/** Longest header and data part of one message. */
export const NET_HDR_MAX = 256;
export const NET_DATA_MAX = PAGE_BYTES;
/** Default bounds (MonitorOptions can't change them yet; Subnet's constructor can). */
export const NET_PAIR_QUEUE = 16;
export const NET_SENDER_INFLIGHT = 64;
/** Virtual interrupt line of the network interface (Cause.IP4, of VCPU 0). */
export const NET_IRQ = 4;
/** The memmap owner id of pages held by messages in flight. */
export const NET_OWNER = -1;

/** Receive flags (descriptor word 7). */
export const NET_RX_REMAPPED = 1;
export const NET_RX_TRUNCATED = 2;

/** Errors (negated errno values, as hypercall.ts). */
export const NET_EAGAIN = -11;
export const NET_EFAULT = -14;
export const NET_EINVAL = -22;
export const NET_EMSGSIZE = -90;
export const NET_EHOSTUNREACH = -113;

/** Per-interface counters (--stats `net`). */
export interface NicStats {
  address: number;
  sent: number;
  received: number;
  /** Sends refused because the destination's queue for this sender was full, or this sender had too much in flight. */
  dropped: number;
  /** Calls refused for bad arguments (EFAULT, EINVAL, EMSGSIZE, EHOSTUNREACH). */
  errors: number;
  /** Data parts delivered by remapping a page vs by copying bytes. */
  pagesRemapped: number;
  dataCopies: number;
  bytesCopied: number;
  /** Messages waiting for this VM now, and the most that ever waited. */
  queued: number;
  maxQueued: number;
  /** Messages from this VM not yet received anywhere. */
  inflight: number;
}

interface Message {
  src: number;
  serial: number;
  hdr: Uint8Array;
  /** Copied data part, or null. */
  data: Uint8Array | null;
  /** Machine page carried by reference (a whole page-aligned page), or -1. */
  page: number;
}

class Nic {
  /** FIFO per sender (index: sender's VM number). */
  readonly queues: Message[][] = [];
  /** Sender to look at first on the next receive (round robin). */
  rr = 0;
  queued = 0;
  maxQueued = 0;
  inflight = 0;
  irqEnabled = false;
  sent = 0;
  received = 0;
  dropped = 0;
  errors = 0;
  pagesRemapped = 0;
  dataCopies = 0;
  bytesCopied = 0;
  constructor(readonly vm: Vm) {}
}

export class Subnet {
  private readonly nics = new Map<number, Nic>();
  private serial = 0;
  /** Remap page-aligned pages (Disco); false copies every data part (for comparisons). */
  remap = true;

  constructor(private readonly m: Monitor, readonly pairQueue = NET_PAIR_QUEUE, readonly senderInflight = NET_SENDER_INFLIGHT) {}

  private nic(vm: Vm): Nic {
    let n = this.nics.get(vm.id);
    if (n === undefined) { n = new Nic(vm); this.nics.set(vm.id, n); }
    return n;
  }

  /** Messages waiting for `vm`. */
  pending(vm: Vm): number {
    return this.nics.get(vm.id)?.queued ?? 0;
  }

  /** net_info: 0 own address (v1 = addresses on the subnet), 1 limits, 2 waiting messages, 3 IRQ line. */
  info(vm: Vm, sel: number): [number, number] | null {
    switch (sel) {
      case 0: return [vm.id, this.m.vms.length];
      case 1: return [NET_HDR_MAX, NET_DATA_MAX];
      case 2: return [this.pending(vm), this.pairQueue];
      case 3: return [NET_IRQ, 0];
      default: return null;
    }
  }

  /** net_ctl: receive interrupt on (1) or off (0); returns the previous setting. */
  setIrq(vm: Vm, on: boolean): number {
    const n = this.nic(vm);
    const old = n.irqEnabled ? 1 : 0;
    n.irqEnabled = on;
    this.updateIrq(n);
    return old;
  }

  private updateIrq(n: Nic): void {
    if (!n.vm.running || n.vm.vcpus.length === 0) return;
    this.m.setVirtualIrq(n.vm.vcpus[0], NET_IRQ, n.irqEnabled && n.queued > 0);
  }

  /** Four little-endian words of guest physical memory at `g` (already bounds-checked). */
  private words(vm: Vm, g: number, count: number, node: number): Uint32Array {
    const b = vm.copyOut(g, count * 4, node);
    return new Uint32Array(b.buffer, b.byteOffset, count);
  }

  private fail(n: Nic, code: number): number {
    n.errors++;
    return code;
  }

  /**
   * net_send(dst, desc): desc = { header gpa, header length, data gpa, data length } (guest
   * physical, word-aligned). Returns 0 (v1: 1 if the data page went by reference) or an error;
   * a refused send has no effect at all.
   */
  send(p: PCpu, v: VCpu, dst: number, desc: number): [number, number] {
    const vm = v.vm, n = this.nic(vm), m = this.m;
    if (desc < 0 || (desc & 3) !== 0 || !vm.inRam(desc, 16)) return [this.fail(n, NET_EFAULT), 0];
    const [ha, hl, da, dl] = this.words(vm, desc, 4, p.node);
    if (hl > NET_HDR_MAX || dl > NET_DATA_MAX) return [this.fail(n, NET_EMSGSIZE), 0];
    const hg = bufferAddress(ha), dg = dl === 0 ? 0 : bufferAddress(da);
    if (hg < 0 || !vm.inRam(hg, hl) || dg < 0 || !vm.inRam(dg, dl)) return [this.fail(n, NET_EFAULT), 0];
    const target = dst >>> 0 < m.vms.length ? m.vms[dst >>> 0] : undefined;
    if (target === undefined || !target.running) return [this.fail(n, NET_EHOSTUNREACH), 0];
    const rx = this.nic(target);
    const q = (rx.queues[vm.id] ??= []);
    if (q.length >= this.pairQueue || n.inflight >= this.senderInflight) { n.dropped++; return [NET_EAGAIN, 0]; }
    const msg: Message = { src: vm.id, serial: ++this.serial, hdr: vm.copyOut(hg, hl, p.node), data: null, page: -1 };
    let copied = hl;
    if (this.remap && dl === PAGE_BYTES && (dg & (PAGE_BYTES - 1)) === 0) {
      // By reference: the page becomes read-only for the sender and held by the message.
      const gpn = dg >>> PAGE_SHIFT;
      const mp = vm.page(gpn, p.node);
      const before = m.memmap.shootdowns;
      m.share.markShared(mp, p.id);
      if (m.memmap.shootdowns !== before) m.charge(p, v, 'shootdownEntry');
      m.memmap.addOwner(mp, NET_OWNER, msg.serial);
      msg.page = mp;
    } else if (dl > 0) {
      msg.data = vm.copyOut(dg, dl, p.node);
      copied += dl;
    }
    m.charge(p, v, 'copyWord', Math.ceil(copied / 4));
    q.push(msg);
    n.inflight++;
    n.sent++;
    rx.queued++;
    if (rx.queued > rx.maxQueued) rx.maxQueued = rx.queued;
    this.updateIrq(rx);
    return [0, msg.page >= 0 ? 1 : 0];
  }

  /**
   * net_recv(desc): desc = { header buffer, header capacity, data buffer, data capacity,
   * out: source, header length, data length, flags }. Returns 0, EAGAIN when nothing waits, or
   * an error (the message then stays queued). A page carried by reference lands by remapping
   * when the data buffer is page-aligned with room for a page; otherwise it is copied.
   */
  recv(p: PCpu, v: VCpu, desc: number): number {
    const vm = v.vm, n = this.nic(vm), m = this.m;
    if (desc < 0 || (desc & 3) !== 0 || !vm.inRam(desc, 32)) return this.fail(n, NET_EFAULT);
    const [ha, hc, da, dc] = this.words(vm, desc, 4, p.node);
    const hg = bufferAddress(ha), dg = dc === 0 ? 0 : bufferAddress(da);
    if (hc > 0x10000 || dc > 0x10000) return this.fail(n, NET_EINVAL);
    if (hg < 0 || !vm.inRam(hg, hc) || dg < 0 || !vm.inRam(dg, dc)) return this.fail(n, NET_EFAULT);
    if (n.queued === 0) return NET_EAGAIN;
    // Round robin over the senders with something queued.
    const nq = n.queues.length;
    let q: Message[] | undefined;
    for (let k = 0; k < nq; k++) {
      const s = (n.rr + k) % nq;
      const c = n.queues[s];
      if (c !== undefined && c.length > 0) { q = c; n.rr = (s + 1) % nq; break; }
    }
    const msg = q!.shift()!;
    n.queued--;
    const sender = this.nics.get(msg.src);
    if (sender !== undefined) sender.inflight--;
    let flags = 0;
    const hl = Math.min(hc, msg.hdr.length);
    if (hl < msg.hdr.length) flags |= NET_RX_TRUNCATED;
    if (hl > 0) vm.copyIn(hg, msg.hdr.subarray(0, hl), p.node);
    let copied = hl, dl = 0;
    if (msg.page >= 0) {
      if (dc >= PAGE_BYTES && (dg & (PAGE_BYTES - 1)) === 0) {
        shareIntoVm(m, vm, dg >>> PAGE_SHIFT, msg.page); // charges the remap
        this.dropRef(msg);
        n.pagesRemapped++;
        dl = PAGE_BYTES;
        flags |= NET_RX_REMAPPED;
      } else {
        dl = Math.min(dc, PAGE_BYTES);
        if (dl < PAGE_BYTES) flags |= NET_RX_TRUNCATED;
        const off = msg.page * PAGE_BYTES;
        vm.copyIn(dg, m.machine.bus.ram8.slice(off, off + dl), p.node);
        this.dropRef(msg);
        copied += dl;
      }
    } else if (msg.data !== null) {
      dl = Math.min(dc, msg.data.length);
      if (dl < msg.data.length) flags |= NET_RX_TRUNCATED;
      if (dl > 0) vm.copyIn(dg, msg.data.subarray(0, dl), p.node);
      copied += dl;
    }
    if (dl > 0 && (flags & NET_RX_REMAPPED) === 0) { n.dataCopies++; n.bytesCopied += dl; }
    n.received++;
    vm.copyIn(desc + 16, new Uint8Array(Uint32Array.of(msg.src, hl, dl, flags).buffer), p.node);
    m.charge(p, v, 'copyWord', Math.ceil(copied / 4) + 4);
    this.updateIrq(n);
    return 0;
  }

  /** The message no longer holds its page: the pseudo-owner goes, and the page if nobody maps it. */
  private dropRef(msg: Message): void {
    if (msg.page < 0) return;
    const m = this.m, mp = msg.page;
    m.memmap.removeOwner(mp, NET_OWNER, msg.serial);
    m.share.unmapped(mp); // freed if no VM maps it and the buffer cache does not hold it
    msg.page = -1;
  }

  /** A VM stopped: its queue goes (pages released), its address becomes unreachable. */
  vmStopped(vm: Vm): void {
    const n = this.nics.get(vm.id);
    if (n === undefined) return;
    for (const q of n.queues) {
      if (q === undefined) continue;
      for (const msg of q) {
        this.dropRef(msg);
        const s = this.nics.get(msg.src);
        if (s !== undefined) s.inflight--;
      }
      q.length = 0;
    }
    n.queued = 0;
  }

  /** Machine pages held by messages in flight. */
  inflightPages(): number {
    let k = 0;
    for (const n of this.nics.values()) for (const q of n.queues) if (q !== undefined) for (const msg of q) if (msg.page >= 0) k++;
    return k;
  }

  /** Counters of `vm`'s interface (zeros if it never used the net). */
  stats(vm: Vm): NicStats {
    const n = this.nics.get(vm.id) ?? new Nic(vm);
    return {
      address: vm.id, sent: n.sent, received: n.received, dropped: n.dropped, errors: n.errors,
      pagesRemapped: n.pagesRemapped, dataCopies: n.dataCopies, bytesCopied: n.bytesCopied,
      queued: n.queued, maxQueued: n.maxQueued, inflight: n.inflight,
    };
  }
}

/** Guest physical address of a buffer argument (as hypercall.ts bufferAddress), or -1. */
function bufferAddress(a: number): number {
  const u = a >>> 0;
  if (u < 0x80000000) return u;
  if (u < 0xc0000000) return u & 0x1fffffff;
  if (u < 0xd0000000) return u - 0xc0000000;
  return -1;
}
