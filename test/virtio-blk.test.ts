// The virtio-mmio block device (cpu/virtio_blk.ts): identification and feature negotiation,
// split-queue requests (read, write, flush, get-id, indirect tables), interrupts, and DMA that
// stays inside RAM whatever the driver writes into descriptors.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve, join } from 'node:path';
import { Bus } from '../cpu/bus.ts';
import { Machine } from '../cpu/machine.ts';
import {
  STATUS_ACKNOWLEDGE, STATUS_DEVICE_NEEDS_RESET, STATUS_DRIVER, STATUS_DRIVER_OK, STATUS_FEATURES_OK,
  VIRTIO_BLK_BASE, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_F_INDIRECT_DESC,
  VIRTIO_INT_CONFIG_CHANGE, VIRTIO_INT_USED_BUFFER, VIRTIO_MAGIC, VIRTIO_MMIO_CONFIG, VIRTIO_MMIO_DEVICE_FEATURES,
  VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DEVICE_ID, VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL,
  VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_QUEUE_DESC_HIGH,
  VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_NOTIFY,
  VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_QUEUE_SEL, VIRTIO_MMIO_SHM_LEN_LOW,
  VIRTIO_MMIO_STATUS, VIRTIO_MMIO_VERSION, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE, VirtioBlk, bytesDisk, ramMemory,
} from '../cpu/virtio_blk.ts';

const RAM = 1 << 20;
const QN = 8;
const DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000;
const HDR = 0x4000, STATUS = 0x4100, BUF = 0x8000, IND = 0x5000;

/** A minimal driver: one queue of QN entries in low RAM, descriptors built by hand. */
class Rig {
  readonly bus = new Bus(RAM);
  readonly disk: Uint8Array;
  readonly dev: VirtioBlk;
  readonly irqs: boolean[] = [];
  readonly m = new DataView(this.bus.ram);
  private availIdx = 0;

  constructor(sectors = 64, opts: { readOnly?: boolean } = {}) {
    this.disk = new Uint8Array(sectors * 512);
    for (let i = 0; i < this.disk.length; i++) this.disk[i] = (i * 7 + (i >> 9)) & 0xff;
    this.dev = new VirtioBlk({ memory: ramMemory(this.bus), disk: bytesDisk(this.disk), irq: (l) => this.irqs.push(l), readOnly: opts.readOnly });
  }

  rd(off: number): number { return this.dev.read(off, 4) >>> 0; }
  wr(off: number, v: number): void { this.dev.write(off, 4, v); }

  /** Driver initialisation (spec 3.1.1) accepting `features` (low word, high word). */
  init(featLo = 0, featHi = 1): number {
    this.wr(VIRTIO_MMIO_STATUS, 0);
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE);
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    this.wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    this.wr(VIRTIO_MMIO_DRIVER_FEATURES, featLo);
    this.wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    this.wr(VIRTIO_MMIO_DRIVER_FEATURES, featHi);
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    const st = this.rd(VIRTIO_MMIO_STATUS);
    if ((st & STATUS_FEATURES_OK) === 0) return st;
    this.wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    this.wr(VIRTIO_MMIO_QUEUE_NUM, QN);
    this.wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    this.wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    this.wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    this.wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    this.wr(VIRTIO_MMIO_QUEUE_READY, 1);
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    this.availIdx = 0;
    return this.rd(VIRTIO_MMIO_STATUS);
  }

  desc(table: number, i: number, addr: number, len: number, flags: number, next: number, addrHi = 0): void {
    const d = table + 16 * i;
    this.m.setUint32(d, addr, true);
    this.m.setUint32(d + 4, addrHi, true);
    this.m.setUint32(d + 8, len, true);
    this.m.setUint16(d + 12, flags, true);
    this.m.setUint16(d + 14, next, true);
  }

  header(type: number, sector: number, at = HDR): void {
    this.m.setUint32(at, type, true);
    this.m.setUint32(at + 4, 0, true);
    this.m.setUint32(at + 8, sector, true);
    this.m.setUint32(at + 12, 0, true);
  }

  /** Publish descriptor chain `head` and notify; returns the used-ring element. */
  submit(head: number, availFlags = 0): { id: number; len: number } {
    this.m.setUint16(AVAIL, availFlags, true);
    this.m.setUint16(AVAIL + 4 + 2 * (this.availIdx % QN), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    this.m.setUint16(AVAIL + 2, this.availIdx, true);
    this.m.setUint8(STATUS, 0xee);
    this.wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    const u = USED + 4 + 8 * ((this.m.getUint16(USED + 2, true) - 1 + 0x10000) % QN);
    return { id: this.m.getUint32(u, true), len: this.m.getUint32(u + 4, true) };
  }

  usedIdx(): number { return this.m.getUint16(USED + 2, true); }

  /** A three-descriptor request: header, one data buffer, status. */
  simple(type: number, sector: number, buf: number, len: number, write: boolean): { id: number; len: number } {
    this.header(type, sector);
    this.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    this.desc(DESC, 1, buf, len, VIRTQ_DESC_F_NEXT | (write ? VIRTQ_DESC_F_WRITE : 0), 2);
    this.desc(DESC, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    return this.submit(0);
  }

  status(): number { return this.m.getUint8(STATUS); }
  ram(addr: number, len: number): Uint8Array { return new Uint8Array(this.bus.ram, addr, len); }
}

describe('virtio-mmio block device: identification and negotiation', () => {
  it('presents magic, version 2, block device ID, queue size and configuration', () => {
    const r = new Rig(100);
    expect(r.rd(VIRTIO_MMIO_MAGIC_VALUE)).toBe(VIRTIO_MAGIC);
    expect(r.rd(VIRTIO_MMIO_VERSION)).toBe(2);
    expect(r.rd(VIRTIO_MMIO_DEVICE_ID)).toBe(2);
    expect(r.rd(VIRTIO_MMIO_QUEUE_NUM_MAX)).toBe(256);
    r.wr(VIRTIO_MMIO_QUEUE_SEL, 1);
    expect(r.rd(VIRTIO_MMIO_QUEUE_NUM_MAX)).toBe(0); // only queue 0 exists
    expect(r.rd(VIRTIO_MMIO_SHM_LEN_LOW)).toBe(0xffffffff);
    // capacity in 512-byte sectors (le64), blk_size at 0x14; byte-wide access works too
    expect(r.dev.read(VIRTIO_MMIO_CONFIG, 4)).toBe(100);
    expect(r.dev.read(VIRTIO_MMIO_CONFIG + 4, 4)).toBe(0);
    expect(r.dev.read(VIRTIO_MMIO_CONFIG, 1)).toBe(100);
    expect(r.dev.read(VIRTIO_MMIO_CONFIG + 0x14, 4)).toBe(512);
  });

  it('offers VERSION_1 and refuses FEATURES_OK without it or with unoffered bits', () => {
    const r = new Rig();
    r.wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    expect(r.rd(VIRTIO_MMIO_DEVICE_FEATURES) & 1).toBe(1);
    r.wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    const lo = r.rd(VIRTIO_MMIO_DEVICE_FEATURES);
    expect(lo & (1 << VIRTIO_BLK_F_BLK_SIZE)).not.toBe(0);
    expect(lo & (1 << VIRTIO_BLK_F_FLUSH)).not.toBe(0);
    expect(lo & (1 << VIRTIO_F_INDIRECT_DESC)).not.toBe(0);
    expect(lo & (1 << VIRTIO_BLK_F_RO)).toBe(0);
    expect(r.init(0, 0) & STATUS_FEATURES_OK).toBe(0); // legacy driver: no VERSION_1
    expect(r.init(1 << 20, 1) & STATUS_FEATURES_OK).toBe(0); // bit 20 not offered
    expect(r.init(1 << VIRTIO_BLK_F_FLUSH, 1)).toBe(STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
  });

  it('offers RO for a read-only disk and fails writes with IOERR', () => {
    const r = new Rig(8, { readOnly: true });
    expect(r.rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1 << VIRTIO_BLK_F_RO)).not.toBe(0);
    r.init();
    const before = r.disk.slice();
    r.simple(VIRTIO_BLK_T_OUT, 0, BUF, 512, false);
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
    expect(r.disk).toEqual(before);
  });

  it('ignores non-word register accesses and writes to read-only registers', () => {
    const r = new Rig();
    expect(r.dev.read(VIRTIO_MMIO_MAGIC_VALUE, 2)).toBe(0);
    r.wr(VIRTIO_MMIO_MAGIC_VALUE, 0);
    expect(r.rd(VIRTIO_MMIO_MAGIC_VALUE)).toBe(VIRTIO_MAGIC);
  });
});

describe('virtio-mmio block device: requests', () => {
  it('reads sectors into RAM, fills the used ring and raises the interrupt until acknowledged', () => {
    const r = new Rig();
    r.init();
    const u = r.simple(VIRTIO_BLK_T_IN, 3, BUF, 1024, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    expect(u).toEqual({ id: 0, len: 1025 });
    expect(r.usedIdx()).toBe(1);
    expect(r.ram(BUF, 1024)).toEqual(r.disk.subarray(3 * 512, 5 * 512));
    expect(r.rd(VIRTIO_MMIO_INTERRUPT_STATUS)).toBe(VIRTIO_INT_USED_BUFFER);
    expect(r.irqs).toEqual([true]);
    r.wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED_BUFFER);
    expect(r.rd(VIRTIO_MMIO_INTERRUPT_STATUS)).toBe(0);
    expect(r.irqs).toEqual([true, false]);
    expect(r.dev.stats.sectorsRead).toBe(2);
  });

  it('writes sectors from RAM to the disk', () => {
    const r = new Rig();
    r.init();
    r.ram(BUF, 512).fill(0x5a);
    const u = r.simple(VIRTIO_BLK_T_OUT, 7, BUF, 512, false);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    expect(u.len).toBe(1);
    expect(r.disk.subarray(7 * 512, 8 * 512).every((b) => b === 0x5a)).toBe(true);
    expect(r.disk[6 * 512]).not.toBe(0x5a);
  });

  it('gathers scattered buffers and follows an indirect descriptor table', () => {
    const r = new Rig();
    r.init((1 << VIRTIO_F_INDIRECT_DESC) >>> 0, 1);
    r.header(VIRTIO_BLK_T_IN, 1);
    r.desc(IND, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(IND, 1, BUF + 0x1000, 256, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
    r.desc(IND, 2, BUF, 768, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
    r.desc(IND, 3, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    r.desc(DESC, 5, IND, 64, VIRTQ_DESC_F_INDIRECT, 0);
    const u = r.submit(5);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    expect(u).toEqual({ id: 5, len: 1025 });
    expect(r.ram(BUF + 0x1000, 256)).toEqual(r.disk.subarray(512, 768));
    expect(r.ram(BUF, 768)).toEqual(r.disk.subarray(768, 1536));
  });

  it('answers flush, get-id and unknown request types', () => {
    const r = new Rig();
    r.init();
    r.header(VIRTIO_BLK_T_FLUSH, 0);
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(DESC, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    expect(r.submit(0).len).toBe(1);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    r.simple(VIRTIO_BLK_T_GET_ID, 0, BUF, 20, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    expect(Buffer.from(r.ram(BUF, 16)).toString('latin1')).toBe('disco-virtio-blk');
    r.header(99, 0);
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(DESC, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    r.submit(0);
    expect(r.status()).toBe(VIRTIO_BLK_S_UNSUPP);
  });

  it('keeps quiet when the driver sets NO_INTERRUPT', () => {
    const r = new Rig();
    r.init();
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(DESC, 1, BUF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
    r.desc(DESC, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    r.submit(0, VIRTQ_AVAIL_F_NO_INTERRUPT);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    expect(r.irqs).toEqual([]);
  });

  it('processes several available requests on one notify, ring indices wrapping', () => {
    const r = new Rig();
    r.init();
    for (let k = 0; k < 3 * QN + 1; k++) {
      r.simple(VIRTIO_BLK_T_IN, k % 60, BUF, 512, true);
      expect(r.status()).toBe(VIRTIO_BLK_S_OK);
    }
    expect(r.usedIdx()).toBe(3 * QN + 1);
    expect(r.dev.stats.requests).toBe(3 * QN + 1);
  });

  it('does nothing before DRIVER_OK and resets everything on Status = 0', () => {
    const r = new Rig();
    r.wr(VIRTIO_MMIO_QUEUE_NUM, QN);
    r.wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    r.wr(VIRTIO_MMIO_QUEUE_READY, 1);
    r.wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    expect(r.usedIdx()).toBe(0);
    r.init();
    r.simple(VIRTIO_BLK_T_IN, 0, BUF, 512, true);
    expect(r.irqs).toEqual([true]);
    r.wr(VIRTIO_MMIO_STATUS, 0);
    expect(r.rd(VIRTIO_MMIO_STATUS)).toBe(0);
    expect(r.rd(VIRTIO_MMIO_QUEUE_READY)).toBe(0);
    expect(r.irqs).toEqual([true, false]);
  });
});

describe('virtio-mmio block device: DMA bounds', () => {
  it('fails a read past the end of the disk with IOERR and leaves RAM alone', () => {
    const r = new Rig(16);
    r.init();
    r.ram(BUF, 1024).fill(0x11);
    r.simple(VIRTIO_BLK_T_IN, 15, BUF, 1024, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
    expect(r.ram(BUF, 1024).every((b) => b === 0x11)).toBe(true);
    r.simple(VIRTIO_BLK_T_IN, 0, BUF, 100, true); // not a whole number of sectors
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
  });

  it('fails a data buffer outside RAM (or above 4 GiB) with IOERR, never a host exception', () => {
    const r = new Rig();
    r.init();
    r.simple(VIRTIO_BLK_T_IN, 0, RAM - 256, 512, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
    r.simple(VIRTIO_BLK_T_OUT, 0, 0xfffffe00, 512, false);
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(DESC, 1, BUF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2, 1);
    r.desc(DESC, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    r.submit(0);
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
    expect(r.dev.stats.errors).toBe(3);
    // the device still works afterwards
    r.simple(VIRTIO_BLK_T_IN, 0, BUF, 512, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
  });

  it('rejects data buffers of the wrong direction', () => {
    const r = new Rig();
    r.init();
    r.simple(VIRTIO_BLK_T_IN, 0, BUF, 512, false); // device would write a read-only buffer
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
    r.simple(VIRTIO_BLK_T_OUT, 0, BUF, 512, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_IOERR);
  });

  it('sets DEVICE_NEEDS_RESET with a configuration interrupt when no status can be written', () => {
    const r = new Rig();
    r.init();
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(DESC, 1, RAM + 0x1000, 1, VIRTQ_DESC_F_WRITE, 0);
    r.submit(0);
    expect(r.rd(VIRTIO_MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET).not.toBe(0);
    expect(r.rd(VIRTIO_MMIO_INTERRUPT_STATUS)).toBe(VIRTIO_INT_CONFIG_CHANGE);
    expect(r.usedIdx()).toBe(0);
    // a reset and re-initialisation recovers
    r.init();
    r.simple(VIRTIO_BLK_T_IN, 0, BUF, 512, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
  });

  it('treats descriptor loops, bad indices and rings outside RAM as device errors', () => {
    const r = new Rig();
    r.init();
    r.header(VIRTIO_BLK_T_IN, 0);
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    r.desc(DESC, 1, BUF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0); // loops back to 0
    r.submit(0);
    expect(r.rd(VIRTIO_MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET).not.toBe(0);

    r.init();
    r.desc(DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 200); // next past the table
    r.submit(0);
    expect(r.rd(VIRTIO_MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET).not.toBe(0);

    r.init();
    r.desc(DESC, 0, RAM - 16, 64, VIRTQ_DESC_F_INDIRECT, 0); // indirect table leaves RAM
    r.submit(0);
    expect(r.rd(VIRTIO_MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET).not.toBe(0);

    r.wr(VIRTIO_MMIO_STATUS, 0);
    r.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    r.wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    r.wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    r.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    r.wr(VIRTIO_MMIO_QUEUE_NUM, QN);
    r.wr(VIRTIO_MMIO_QUEUE_DESC_LOW, RAM - 64); // descriptor table runs past RAM
    r.wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    r.wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    r.wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    r.wr(VIRTIO_MMIO_QUEUE_READY, 1);
    r.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    r.m.setUint16(AVAIL + 2, 1, true);
    r.wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    expect(r.rd(VIRTIO_MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET).not.toBe(0);
  });

  it('refuses a queue size that is not a power of two', () => {
    const r = new Rig();
    r.init();
    r.wr(VIRTIO_MMIO_QUEUE_READY, 0);
    r.wr(VIRTIO_MMIO_QUEUE_NUM, 6);
    r.wr(VIRTIO_MMIO_QUEUE_READY, 1);
    r.wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    expect(r.rd(VIRTIO_MMIO_STATUS) & STATUS_DEVICE_NEEDS_RESET).not.toBe(0);
  });

  it('ignores queue address writes while the queue is ready', () => {
    const r = new Rig();
    r.init();
    r.wr(VIRTIO_MMIO_QUEUE_DESC_LOW, RAM + 0x10000);
    r.simple(VIRTIO_BLK_T_IN, 0, BUF, 512, true);
    expect(r.status()).toBe(VIRTIO_BLK_S_OK);
  });
});

describe('virtio-blk on the bare machine', () => {
  it('is mapped at 0x1E400000 and drives CPU interrupt line IP3', () => {
    const m = new Machine({ memBytes: RAM, out: () => {}, disk: new Uint8Array(4096) });
    expect(m.bus.read(VIRTIO_BLK_BASE + VIRTIO_MMIO_MAGIC_VALUE, 4) >>> 0).toBe(VIRTIO_MAGIC);
    expect(m.bus.read(VIRTIO_BLK_BASE + VIRTIO_MMIO_CONFIG, 4)).toBe(8);
    // drive a read through the bus and watch Cause.IP3
    const wr = (o: number, v: number): void => { m.bus.write(VIRTIO_BLK_BASE + o, 4, v); };
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, 3);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    wr(VIRTIO_MMIO_STATUS, 11);
    wr(VIRTIO_MMIO_QUEUE_NUM, 4);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    wr(VIRTIO_MMIO_STATUS, 15);
    const d = new DataView(m.bus.ram);
    const desc = (i: number, a: number, l: number, f: number, n: number): void => {
      d.setUint32(DESC + 16 * i, a, true); d.setUint32(DESC + 16 * i + 8, l, true);
      d.setUint16(DESC + 16 * i + 12, f, true); d.setUint16(DESC + 16 * i + 14, n, true);
    };
    desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    desc(1, BUF, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
    desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    d.setUint16(AVAIL + 4, 0, true);
    d.setUint16(AVAIL + 2, 1, true);
    expect(m.cpu.cp0.cause & (1 << 11)).toBe(0);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    expect(d.getUint8(STATUS)).toBe(VIRTIO_BLK_S_OK);
    expect(m.cpu.cp0.cause & (1 << 11)).not.toBe(0);
    wr(VIRTIO_MMIO_INTERRUPT_ACK, 1);
    expect(m.cpu.cp0.cause & (1 << 11)).toBe(0);
  });

  it('is absent without a disk', () => {
    const m = new Machine({ memBytes: RAM, out: () => {} });
    expect(m.disk).toBeNull();
    expect(Number.isNaN(m.bus.read(VIRTIO_BLK_BASE, 4))).toBe(true);
  });

  it('disco run --disk with a missing file says so in one line', () => {
    const root = resolve(import.meta.dirname, '..');
    const p = spawnSync(process.execPath, [join(root, 'bin/disco.js'), 'run', '--disk', '/nonexistent/fs.img', join(root, 'guests/demo/demo.elf')], { encoding: 'utf8', timeout: 60_000 });
    expect(p.status).toBe(1);
    expect(p.stderr.trim()).toBe('disco: --disk /nonexistent/fs.img: no such file');
  });
});
