// A virtio block device for a VM, at the bare machine's address (guest physical 0x1E400000,
// interrupt IP3 of VCPU 0), so a guest kernel's virtio driver works unchanged under the monitor.
// The transport is virtio-mmio version 2 with one split virtqueue (OASIS virtio 1.1: 4.2, 2.7,
// 5.2), as cpu/virtio_blk.ts offers on the bare machine; the difference is DMA: every ring,
// descriptor and buffer address is guest physical and goes through the VM's pmap, checked
// against the VM's memory (the monitor does the DMA, Disco section 4.2.4). A request whose
// buffers leave the VM's memory or whose sectors leave the disk completes with IOERR; unusable
// rings set DEVICE_NEEDS_RESET. Nothing a guest writes here can reach another VM.

import type { AccessSize, Device } from '../cpu/bus.ts';
import {
  SECTOR_SIZE, STATUS_DEVICE_NEEDS_RESET, STATUS_DRIVER_OK, STATUS_FEATURES_OK, VIRTIO_BLK_F_BLK_SIZE,
  VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_F_VERSION_1, VIRTIO_ID_BLOCK,
  VIRTIO_INT_CONFIG_CHANGE, VIRTIO_INT_USED_BUFFER, VIRTIO_MAGIC, VIRTIO_MMIO_CONFIG, VIRTIO_MMIO_DEVICE_FEATURES,
  VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DEVICE_ID, VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL,
  VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_QUEUE_DESC_HIGH,
  VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
  VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_NUM_MAX,
  VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_QUEUE_SEL, VIRTIO_MMIO_STATUS, VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_VERSION,
  VIRTIO_VENDOR_DISCO, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE,
} from '../cpu/virtio_blk.ts';
import type { BlockStore } from './disk.ts';

/** Guest physical memory as the device reaches it (vm.ts implements it over the pmap). */
export interface GuestDma {
  /** True if guest physical [gpa, gpa + len) is the VM's RAM. */
  inRam(gpa: number, len: number): boolean;
  read(gpa: number, len: number): Uint8Array;
  write(gpa: number, data: Uint8Array): void;
  /** Charge the monitor's time for `bytes` bytes moved. */
  charge(bytes: number): void;
  /**
   * Optional: the device's disk bytes [pos, pos + len) into guest memory at gpa, mapping
   * whole 4 KiB blocks into whole pages from the monitor's buffer cache instead of copying
   * them (share.ts readDisk); the bytes it copied. Without it the device copies.
   */
  readDisk?(pos: number, len: number, gpa: number): number;
}

const QUEUE_MAX = 256;
/** Most segments in one request (a longer chain is a broken chain). */
const MAX_SEGMENTS = 256;

interface Segment { gpa: number; len: number; write: boolean }

export class VmVirtioBlk implements Device {
  readonly name = 'vm-virtio-blk';
  requests = 0;
  errors = 0;
  private status = 0;
  private devFeatSel = 0;
  private drvFeatSel = 0;
  private readonly drvFeatures = [0, 0];
  private readonly offered = [((1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH)) >>> 0, 1 << (VIRTIO_F_VERSION_1 - 32)];
  private queueSel = 0;
  private qNum = 0;
  private qReady = 0;
  private desc = 0;
  private avail = 0;
  private used = 0;
  private lastAvail = 0;
  private usedIdx = 0;
  private intStatus = 0;

  constructor(private readonly disk: BlockStore, private readonly dma: GuestDma, private readonly irq: (level: boolean) => void) {}

  private get capacity(): number {
    return Math.floor(this.disk.length / SECTOR_SIZE);
  }

  reset(): void {
    this.status = 0;
    this.devFeatSel = this.drvFeatSel = this.queueSel = 0;
    this.drvFeatures[0] = this.drvFeatures[1] = 0;
    this.qNum = this.qReady = this.desc = this.avail = this.used = 0;
    this.lastAvail = this.usedIdx = 0;
    this.setInt(0);
  }

  read(offset: number, size: AccessSize): number {
    if (offset >= VIRTIO_MMIO_CONFIG) {
      // Block configuration (spec 5.2.4): capacity (le64), blk_size at 0x14.
      const cfg = new DataView(new ArrayBuffer(0x18));
      cfg.setUint32(0, this.capacity % 0x100000000, true);
      cfg.setUint32(4, Math.floor(this.capacity / 0x100000000), true);
      cfg.setUint32(0x14, SECTOR_SIZE, true);
      const off = offset - VIRTIO_MMIO_CONFIG;
      if (off + size > cfg.byteLength) return 0;
      return size === 4 ? cfg.getInt32(off, true) : size === 2 ? cfg.getUint16(off, true) : cfg.getUint8(off);
    }
    if (size !== 4) return 0;
    switch (offset) {
      case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MAGIC;
      case VIRTIO_MMIO_VERSION: return 2;
      case VIRTIO_MMIO_DEVICE_ID: return VIRTIO_ID_BLOCK;
      case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_VENDOR_DISCO;
      case VIRTIO_MMIO_DEVICE_FEATURES: return this.devFeatSel < 2 ? this.offered[this.devFeatSel] | 0 : 0;
      case VIRTIO_MMIO_QUEUE_NUM_MAX: return this.queueSel === 0 ? QUEUE_MAX : 0;
      case VIRTIO_MMIO_QUEUE_READY: return this.queueSel === 0 ? this.qReady : 0;
      case VIRTIO_MMIO_INTERRUPT_STATUS: return this.intStatus;
      case VIRTIO_MMIO_STATUS: return this.status;
      default: return 0;
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size !== 4 || offset >= VIRTIO_MMIO_CONFIG) return;
    const v = value >>> 0;
    const q0 = this.queueSel === 0 && this.qReady === 0; // queue fields change only while not ready
    switch (offset) {
      case VIRTIO_MMIO_DEVICE_FEATURES_SEL: this.devFeatSel = v; return;
      case VIRTIO_MMIO_DRIVER_FEATURES_SEL: this.drvFeatSel = v; return;
      case VIRTIO_MMIO_DRIVER_FEATURES: if (this.drvFeatSel < 2 && (this.status & STATUS_FEATURES_OK) === 0) this.drvFeatures[this.drvFeatSel] = v; return;
      case VIRTIO_MMIO_QUEUE_SEL: this.queueSel = v; return;
      case VIRTIO_MMIO_QUEUE_NUM: if (q0) this.qNum = v; return;
      case VIRTIO_MMIO_QUEUE_READY:
        if (this.queueSel === 0) { this.qReady = v & 1; this.lastAvail = this.usedIdx = 0; }
        return;
      // Guest physical ring addresses above 4 GiB do not exist: a non-zero high word poisons the address.
      case VIRTIO_MMIO_QUEUE_DESC_LOW: if (q0) this.desc = v; return;
      case VIRTIO_MMIO_QUEUE_DRIVER_LOW: if (q0) this.avail = v; return;
      case VIRTIO_MMIO_QUEUE_DEVICE_LOW: if (q0) this.used = v; return;
      case VIRTIO_MMIO_QUEUE_DESC_HIGH: if (q0 && v !== 0) this.desc = -1; return;
      case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: if (q0 && v !== 0) this.avail = -1; return;
      case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: if (q0 && v !== 0) this.used = -1; return;
      case VIRTIO_MMIO_QUEUE_NOTIFY: if (v === 0) this.notify(); return;
      case VIRTIO_MMIO_INTERRUPT_ACK: this.setInt(this.intStatus & ~v); return;
      case VIRTIO_MMIO_STATUS: {
        if (v === 0) { this.reset(); return; }
        let s = v & 0xff;
        if ((s & STATUS_FEATURES_OK) !== 0 && (this.status & STATUS_FEATURES_OK) === 0) {
          // Accept a subset of the offer that includes VERSION_1 (spec 6.1).
          const ok = (this.drvFeatures[0] & ~this.offered[0]) === 0 && (this.drvFeatures[1] & ~this.offered[1]) === 0 &&
            (this.drvFeatures[1] & (1 << (VIRTIO_F_VERSION_1 - 32))) !== 0;
          if (!ok) s &= ~STATUS_FEATURES_OK;
        }
        this.status = s | (this.status & STATUS_DEVICE_NEEDS_RESET);
        return;
      }
      default: return;
    }
  }

  private setInt(v: number): void {
    const was = this.intStatus !== 0;
    this.intStatus = v;
    if ((v !== 0) !== was) this.irq(v !== 0);
  }

  private needsReset(): void {
    this.status |= STATUS_DEVICE_NEEDS_RESET;
    if ((this.status & STATUS_DRIVER_OK) !== 0) this.setInt(this.intStatus | VIRTIO_INT_CONFIG_CHANGE);
  }

  private u16(gpa: number): number {
    const b = this.dma.read(gpa, 2);
    return b[0] | (b[1] << 8);
  }

  private u32(gpa: number): number {
    const b = this.dma.read(gpa, 4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  private put32(gpa: number, v: number): void {
    this.dma.write(gpa, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff));
  }

  /** QueueNotify: serve every request the driver has made available. */
  private notify(): void {
    if ((this.status & STATUS_DRIVER_OK) === 0 || (this.status & STATUS_DEVICE_NEEDS_RESET) !== 0 || this.qReady === 0) return;
    const n = this.qNum, d = this.dma;
    if (n === 0 || n > QUEUE_MAX || (n & (n - 1)) !== 0 || (this.desc & 15) !== 0 || (this.avail & 1) !== 0 || (this.used & 3) !== 0 ||
        !d.inRam(this.desc, 16 * n) || !d.inRam(this.avail, 6 + 2 * n) || !d.inRam(this.used, 6 + 8 * n)) {
      this.needsReset();
      return;
    }
    let any = false;
    for (let k = 0; k < n && this.lastAvail !== this.u16(this.avail + 2); k++) {
      const head = this.u16(this.avail + 4 + 2 * (this.lastAvail % n));
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      const written = head < n ? this.request(head, n) : -1;
      if (written < 0) { this.needsReset(); return; }
      const slot = this.used + 4 + 8 * (this.usedIdx % n);
      this.put32(slot, head);
      this.put32(slot + 4, written);
      this.usedIdx = (this.usedIdx + 1) & 0xffff;
      d.write(this.used + 2, Uint8Array.of(this.usedIdx & 0xff, this.usedIdx >>> 8));
      any = true;
    }
    if (any && (this.u16(this.avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0) this.setInt(this.intStatus | VIRTIO_INT_USED_BUFFER);
  }

  /** The descriptor chain from `head`; null if it is broken (loop, bad index). */
  private chain(head: number, n: number): Segment[] | null {
    const segs: Segment[] = [];
    let i = head;
    for (;;) {
      if (segs.length >= Math.min(n, MAX_SEGMENTS) || i >= n) return null;
      const a = this.desc + 16 * i;
      const gpa = this.u32(a), hi = this.u32(a + 4), len = this.u32(a + 8), flags = this.u16(a + 12);
      segs.push({ gpa: hi === 0 ? gpa : -1, len, write: (flags & VIRTQ_DESC_F_WRITE) !== 0 });
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) return segs;
      i = this.u16(a + 14);
    }
  }

  /** One request (spec 5.2.6): header, data, status byte. Returns bytes written, -1 if unusable. */
  private request(head: number, n: number): number {
    const segs = this.chain(head, n);
    if (segs === null || segs.length < 2) return -1;
    const d = this.dma;
    const last = segs[segs.length - 1];
    if (!last.write || last.len < 1 || !d.inRam(last.gpa, last.len)) return -1;
    this.requests++;
    const statusAt = last.gpa + last.len - 1;
    const finish = (s: number, written: number): number => {
      d.write(statusAt, Uint8Array.of(s));
      if (s !== VIRTIO_BLK_S_OK) this.errors++;
      return written + 1;
    };
    const first = segs[0];
    if (first.write || first.len < 16 || !d.inRam(first.gpa, 16)) return finish(VIRTIO_BLK_S_IOERR, 0);
    const hdr = new DataView(d.read(first.gpa, 16).buffer);
    const type = hdr.getUint32(0, true);
    const sector = hdr.getUint32(8, true) + hdr.getUint32(12, true) * 0x100000000;
    // Data: the rest of the first segment after the header, the middle segments, the last
    // segment before its status byte.
    const data: Segment[] = [];
    if (first.len > 16) data.push({ gpa: first.gpa + 16, len: first.len - 16, write: false });
    for (let k = 1; k < segs.length - 1; k++) data.push(segs[k]);
    if (last.len > 1) data.push({ gpa: last.gpa, len: last.len - 1, write: true });
    if (data.some((s) => !d.inRam(s.gpa, s.len))) return finish(VIRTIO_BLK_S_IOERR, 0);
    let bytes = 0;
    for (const s of data) bytes += s.len;
    switch (type) {
      case VIRTIO_BLK_T_IN:
      case VIRTIO_BLK_T_OUT: {
        const into = type === VIRTIO_BLK_T_IN;
        if (data.some((s) => s.write !== into) || bytes % SECTOR_SIZE !== 0 || sector + bytes / SECTOR_SIZE > this.capacity) {
          return finish(VIRTIO_BLK_S_IOERR, 0);
        }
        let pos = sector * SECTOR_SIZE, moved = 0;
        for (const s of data) {
          if (into && d.readDisk !== undefined) {
            moved += d.readDisk(pos, s.len, s.gpa); // whole blocks remapped, as the monitor-call driver's
          } else {
            if (into) d.write(s.gpa, this.disk.read(pos, s.len));
            else this.disk.write(pos, d.read(s.gpa, s.len));
            moved += s.len;
          }
          pos += s.len;
        }
        d.charge(moved);
        return finish(VIRTIO_BLK_S_OK, into ? bytes : 0);
      }
      case VIRTIO_BLK_T_FLUSH:
        this.disk.flush(); // a persistent disk's writes become durable (disk.ts)
        return finish(VIRTIO_BLK_S_OK, 0);
      case VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(20);
        id.set(new TextEncoder().encode('disco-vm-virtio-blk'));
        let off = 0;
        for (const s of data) {
          if (!s.write) return finish(VIRTIO_BLK_S_IOERR, 0);
          const k = Math.min(s.len, 20 - off);
          d.write(s.gpa, id.subarray(off, off + k));
          off += k;
        }
        return finish(VIRTIO_BLK_S_OK, off);
      }
      default:
        return finish(VIRTIO_BLK_S_UNSUPP, 0);
    }
  }
}
