// A virtio block device on the virtio-mmio transport, version 2 (legacy-free), after the OASIS
// "Virtual I/O Device (VIRTIO) Version 1.1/1.2" specification: 4.2 (MMIO transport), 2.7 (split
// virtqueues), 5.2 (block device). One request queue; requests complete at once (the functional
// machine has no device time), in the order the driver made them available.
//
// Placement on the bare machine (not part of the real Malta board; chosen so that it collides
// with nothing QEMU's Malta or cpu/malta.ts decodes):
//
//   physical 0x1E400000-0x1E400FFF  (just above the 4 MiB monitor flash at 0x1E000000, inside the
//                                    hole up to the FPGA at 0x1F000000; kseg1 0xBE400000)
//   interrupt: CPU hardware line IP3 (Cause bit 11, Status.IM3). Malta wires IP2 to the i8259
//              cascade and IP4 to the CBUS UART, IP5/IP6 to the core card; IP3 (the SMI line)
//              is otherwise unused, so Linux could reach the device as
//              virtio_mmio.device=4K@0x1e400000:<MIPS_CPU_IRQ_BASE + 3>.
//
// The same device serves VMs under the monitor (vmm/devices.ts): its DMA goes through a
// VirtioMemory (the bare machine's RAM here, a VM's guest physical memory there) and its disk
// through a VirtioDisk (bytes in memory here, a VM's copy-on-write disk there).
//
// DMA is bounds-checked against RAM: a descriptor, ring or buffer outside RAM never throws. A
// request whose buffers leave RAM or whose sectors leave the disk completes with
// VIRTIO_BLK_S_IOERR; if even the rings or descriptors are unusable (so no status can be written),
// the device sets DEVICE_NEEDS_RESET and raises a configuration-change interrupt (spec 2.1.2).

import type { AccessSize, Bus, Device } from './bus.ts';

/** Physical base and window size of the device on the bare machine. */
export const VIRTIO_BLK_BASE = 0x1e400000;
export const VIRTIO_BLK_SIZE = 0x1000;
/** CPU interrupt line (Cause.IP3). */
export const VIRTIO_BLK_IRQ = 3;

// MMIO registers (spec 4.2.2, table "MMIO Device Register Layout").
export const VIRTIO_MMIO_MAGIC_VALUE = 0x000;
export const VIRTIO_MMIO_VERSION = 0x004;
export const VIRTIO_MMIO_DEVICE_ID = 0x008;
export const VIRTIO_MMIO_VENDOR_ID = 0x00c;
export const VIRTIO_MMIO_DEVICE_FEATURES = 0x010;
export const VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014;
export const VIRTIO_MMIO_DRIVER_FEATURES = 0x020;
export const VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024;
export const VIRTIO_MMIO_QUEUE_SEL = 0x030;
export const VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034;
export const VIRTIO_MMIO_QUEUE_NUM = 0x038;
export const VIRTIO_MMIO_QUEUE_READY = 0x044;
export const VIRTIO_MMIO_QUEUE_NOTIFY = 0x050;
export const VIRTIO_MMIO_INTERRUPT_STATUS = 0x060;
export const VIRTIO_MMIO_INTERRUPT_ACK = 0x064;
export const VIRTIO_MMIO_STATUS = 0x070;
export const VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080;
export const VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084;
export const VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090;
export const VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094;
export const VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0;
export const VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4;
export const VIRTIO_MMIO_SHM_SEL = 0x0ac;
export const VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0;
export const VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4;
export const VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8;
export const VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc;
export const VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc;
export const VIRTIO_MMIO_CONFIG = 0x100;

/** "virt" read as a little-endian word. */
export const VIRTIO_MAGIC = 0x74726976;
/** Vendor ID: "DSCO" (any value is allowed; drivers may match on it). */
export const VIRTIO_VENDOR_DISCO = 0x4f435344;
export const VIRTIO_ID_BLOCK = 2;

// Device status bits (spec 2.1).
export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_DEVICE_NEEDS_RESET = 64;
export const STATUS_FAILED = 128;

// Feature bits (spec 6 reserved bits, 5.2.3 block bits).
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_VERSION_1 = 32;

// Interrupt status bits (spec 4.2.2).
export const VIRTIO_INT_USED_BUFFER = 1;
export const VIRTIO_INT_CONFIG_CHANGE = 2;

// Descriptor flags (spec 2.7.5).
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
/** Available ring flag: the driver does not want an interrupt (spec 2.7.7). */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

// Block requests (spec 5.2.6).
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

export const SECTOR_SIZE = 512;
/** Largest queue the device accepts (QueueNumMax); split queues must be a power of 2. */
export const QUEUE_NUM_MAX = 256;
/** Bytes of one request's data segment that we advertise (size_max) and segments (seg_max). */
const SIZE_MAX = 1 << 20;
const SEG_MAX = 128;
/** Device ID string returned by GET_ID (20 bytes, NUL padded), unless the options name another. */
const DEVICE_ID = 'disco-virtio-blk';

/** The memory the device reaches by DMA; addresses are 32-bit physical addresses of it. */
export interface VirtioMemory {
  /** True if [addr, addr + len) is memory the device may read and write. */
  inRam(addr: number, len: number): boolean;
  u16(addr: number): number;
  u32(addr: number): number;
  set8(addr: number, v: number): void;
  set16(addr: number, v: number): void;
  set32(addr: number, v: number): void;
  /** The bytes [addr, addr + len) (a copy or a view: the device only reads it). */
  read(addr: number, len: number): Uint8Array;
  write(addr: number, data: Uint8Array): void;
  /**
   * Optional: the disk's bytes [pos, pos + len) straight into memory at addr (the monitor maps
   * whole blocks into whole pages from its buffer cache); the bytes it copied.
   */
  readDisk?(pos: number, len: number, addr: number): number;
  /** Optional: told the bytes each request moved (the monitor charges its time for them). */
  moved?(bytes: number): void;
}

/** The disk behind the device. */
export interface VirtioDisk {
  /** Bytes; a trailing partial sector is not addressable. */
  readonly length: number;
  /** [pos, pos + len) (a copy or a view), inside the disk. */
  read(pos: number, len: number): Uint8Array;
  write(pos: number, data: Uint8Array): void;
  /** Make the writes so far durable (VIRTIO_BLK_T_FLUSH). */
  flush(): void;
}

/** The bare machine's RAM as the device's memory. */
export function ramMemory(bus: Bus): VirtioMemory {
  const m = new DataView(bus.ram);
  return {
    inRam: (addr, len) => addr >= 0 && len >= 0 && addr + len <= bus.ramSize,
    u16: (addr) => m.getUint16(addr, true),
    u32: (addr) => m.getUint32(addr, true),
    set8: (addr, v) => m.setUint8(addr, v),
    set16: (addr, v) => m.setUint16(addr, v, true),
    set32: (addr, v) => m.setUint32(addr, v, true),
    read: (addr, len) => new Uint8Array(bus.ram, addr, len),
    write: (addr, data) => new Uint8Array(bus.ram, addr, data.length).set(data),
  };
}

/** A disk image held in memory, written in place (the bare machine's disk). */
export function bytesDisk(bytes: Uint8Array): VirtioDisk {
  return {
    length: bytes.length,
    read: (pos, len) => bytes.subarray(pos, pos + len),
    write: (pos, data) => bytes.set(data, pos),
    flush: () => {}, // the image is in host memory: nothing to flush
  };
}

export interface VirtioBlkOptions {
  /** The memory the device reaches by DMA. */
  memory: VirtioMemory;
  /** The disk; OUT requests write it unless `readOnly`. */
  disk: VirtioDisk;
  /** Drives the interrupt line (level: InterruptStatus != 0). */
  irq: (level: boolean) => void;
  /** Offer VIRTIO_BLK_F_RO and fail writes. */
  readOnly?: boolean;
  /** GET_ID's string (at most 20 bytes; default "disco-virtio-blk"). */
  id?: string;
}

/** What the device did, for statistics and tests. */
export interface VirtioBlkStats {
  requests: number;
  sectorsRead: number;
  sectorsWritten: number;
  errors: number;
}

/** One element of a descriptor chain, already bounds-checked against RAM. */
interface Segment { addr: number; len: number; write: boolean }

export class VirtioBlk implements Device {
  readonly name = 'virtio-blk';
  readonly stats: VirtioBlkStats = { requests: 0, sectorsRead: 0, sectorsWritten: 0, errors: 0 };
  private readonly mem: VirtioMemory;
  private readonly disk: VirtioDisk;
  private readonly irq: (level: boolean) => void;
  private readonly readOnly: boolean;
  private readonly id: string;
  /** Offered features as two 32-bit halves. */
  private readonly offered: [number, number];

  private status = 0;
  private devFeatSel = 0;
  private drvFeatSel = 0;
  private drvFeatures: [number, number] = [0, 0];
  private queueSel = 0;
  private intStatus = 0;
  private level = false;
  // Queue 0 (the only one).
  private qNum = 0;
  private qReady = 0;
  private qDesc = [0, 0];
  private qDriver = [0, 0];
  private qDevice = [0, 0];
  /** Next available-ring index the device will consume. */
  private lastAvail = 0;
  /** Next used-ring index the device will produce. */
  private usedIdx = 0;

  constructor(opts: VirtioBlkOptions) {
    this.mem = opts.memory;
    this.disk = opts.disk;
    this.irq = opts.irq;
    this.readOnly = opts.readOnly ?? false;
    this.id = (opts.id ?? DEVICE_ID).slice(0, 20);
    let lo = (1 << VIRTIO_BLK_F_SIZE_MAX) | (1 << VIRTIO_BLK_F_SEG_MAX) | (1 << VIRTIO_BLK_F_BLK_SIZE) |
      (1 << VIRTIO_BLK_F_FLUSH) | (1 << VIRTIO_F_INDIRECT_DESC);
    if (this.readOnly) lo |= 1 << VIRTIO_BLK_F_RO;
    this.offered = [lo >>> 0, 1 << (VIRTIO_F_VERSION_1 - 32)];
    this.reset();
  }

  /** Disk size in 512-byte sectors (a trailing partial sector is not addressable). */
  get capacity(): number { return Math.floor(this.disk.length / SECTOR_SIZE); }

  /** Current level of the interrupt line. */
  get irqLevel(): boolean { return this.level; }

  /** Device reset (spec 2.4): writing 0 to Status, or a board reset. */
  reset(): void {
    this.status = 0;
    this.devFeatSel = 0;
    this.drvFeatSel = 0;
    this.drvFeatures = [0, 0];
    this.queueSel = 0;
    this.qNum = 0;
    this.qReady = 0;
    this.qDesc = [0, 0];
    this.qDriver = [0, 0];
    this.qDevice = [0, 0];
    this.lastAvail = 0;
    this.usedIdx = 0;
    this.intStatus = 0;
    this.updateIrq();
  }

  read(offset: number, size: AccessSize): number {
    if (offset >= VIRTIO_MMIO_CONFIG) return this.readConfig(offset - VIRTIO_MMIO_CONFIG, size);
    // Registers are 32 bits wide and accessed as words (spec 4.2.2.2); other widths read 0.
    if (size !== 4 || (offset & 3) !== 0) return 0;
    switch (offset) {
      case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MAGIC;
      case VIRTIO_MMIO_VERSION: return 2;
      case VIRTIO_MMIO_DEVICE_ID: return VIRTIO_ID_BLOCK;
      case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_VENDOR_DISCO;
      case VIRTIO_MMIO_DEVICE_FEATURES: return this.devFeatSel < 2 ? this.offered[this.devFeatSel] | 0 : 0;
      case VIRTIO_MMIO_QUEUE_NUM_MAX: return this.queueSel === 0 ? QUEUE_NUM_MAX : 0;
      case VIRTIO_MMIO_QUEUE_READY: return this.queueSel === 0 ? this.qReady : 0;
      case VIRTIO_MMIO_INTERRUPT_STATUS: return this.intStatus;
      case VIRTIO_MMIO_STATUS: return this.status;
      // No shared memory regions (spec 4.2.2: a non-existent region reads length -1).
      case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH:
      case VIRTIO_MMIO_SHM_BASE_LOW: case VIRTIO_MMIO_SHM_BASE_HIGH: return -1;
      case VIRTIO_MMIO_CONFIG_GENERATION: return 0; // the configuration never changes
      default: return 0; // write-only or reserved
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset >= VIRTIO_MMIO_CONFIG) return; // block config fields are read-only to the driver
    if (size !== 4 || (offset & 3) !== 0) return;
    const v = value >>> 0;
    switch (offset) {
      case VIRTIO_MMIO_DEVICE_FEATURES_SEL: this.devFeatSel = v; return;
      case VIRTIO_MMIO_DRIVER_FEATURES_SEL: this.drvFeatSel = v; return;
      case VIRTIO_MMIO_DRIVER_FEATURES:
        // Features are negotiated only before FEATURES_OK (spec 3.1.1).
        if (this.drvFeatSel < 2 && (this.status & STATUS_FEATURES_OK) === 0) this.drvFeatures[this.drvFeatSel] = v;
        return;
      case VIRTIO_MMIO_QUEUE_SEL: this.queueSel = v; return;
      case VIRTIO_MMIO_QUEUE_NUM: if (this.queueSel === 0 && this.qReady === 0) this.qNum = v; return;
      case VIRTIO_MMIO_QUEUE_READY:
        if (this.queueSel !== 0) return;
        this.qReady = v & 1;
        if (this.qReady !== 0) { this.lastAvail = 0; this.usedIdx = 0; }
        return;
      case VIRTIO_MMIO_QUEUE_DESC_LOW: this.setQueueAddr(this.qDesc, 0, v); return;
      case VIRTIO_MMIO_QUEUE_DESC_HIGH: this.setQueueAddr(this.qDesc, 1, v); return;
      case VIRTIO_MMIO_QUEUE_DRIVER_LOW: this.setQueueAddr(this.qDriver, 0, v); return;
      case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: this.setQueueAddr(this.qDriver, 1, v); return;
      case VIRTIO_MMIO_QUEUE_DEVICE_LOW: this.setQueueAddr(this.qDevice, 0, v); return;
      case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: this.setQueueAddr(this.qDevice, 1, v); return;
      case VIRTIO_MMIO_QUEUE_NOTIFY: if (v === 0) this.notify(); return;
      case VIRTIO_MMIO_INTERRUPT_ACK:
        this.intStatus &= ~v;
        this.updateIrq();
        return;
      case VIRTIO_MMIO_STATUS: this.writeStatus(v & 0xff); return;
      default: return;
    }
  }

  private setQueueAddr(a: number[], half: number, v: number): void {
    if (this.queueSel === 0 && this.qReady === 0) a[half] = v;
  }

  private writeStatus(v: number): void {
    if (v === 0) { this.reset(); return; }
    if ((v & STATUS_FEATURES_OK) !== 0 && (this.status & STATUS_FEATURES_OK) === 0) {
      // Accept only a subset of what we offered that includes VERSION_1 (spec 6.1: a device
      // without legacy support fails drivers that do not accept VIRTIO_F_VERSION_1).
      const [lo, hi] = this.drvFeatures;
      const subset = (lo & ~this.offered[0]) === 0 && (hi & ~this.offered[1]) === 0;
      const v1 = (hi & (1 << (VIRTIO_F_VERSION_1 - 32))) !== 0;
      if (!subset || !v1) v &= ~STATUS_FEATURES_OK;
    }
    this.status = (v | (this.status & STATUS_DEVICE_NEEDS_RESET)) & 0xff;
  }

  /** Block device configuration (spec 5.2.4), little-endian, any access width. */
  private readConfig(off: number, size: AccessSize): number {
    const cfg = new DataView(new ArrayBuffer(0x40));
    const cap = this.capacity;
    cfg.setUint32(0x00, cap % 0x100000000, true); // capacity (le64)
    cfg.setUint32(0x04, Math.floor(cap / 0x100000000), true);
    cfg.setUint32(0x08, SIZE_MAX, true); // size_max
    cfg.setUint32(0x0c, SEG_MAX, true); // seg_max
    // geometry (0x10: cylinders u16, heads u8, sectors u8) not offered: reads 0
    cfg.setUint32(0x14, SECTOR_SIZE, true); // blk_size
    if (off + size > cfg.byteLength) return 0;
    if (size === 4) return cfg.getInt32(off, true);
    if (size === 2) return cfg.getUint16(off, true);
    return cfg.getUint8(off);
  }

  private updateIrq(): void {
    const l = this.intStatus !== 0;
    if (l !== this.level) { this.level = l; this.irq(l); }
  }

  /** The device entered an error state it cannot report through a request (spec 2.1.2). */
  private needsReset(): void {
    this.status |= STATUS_DEVICE_NEEDS_RESET;
    if ((this.status & STATUS_DRIVER_OK) !== 0) {
      this.intStatus |= VIRTIO_INT_CONFIG_CHANGE;
      this.updateIrq();
    }
  }

  /** True if physical [addr, addr+len) lies inside RAM. `hi` is the upper address word. */
  private inRam(addr: number, hi: number, len: number): boolean {
    return hi === 0 && addr >= 0 && len >= 0 && this.mem.inRam(addr, len);
  }

  /** Process every request the driver has made available (QueueNotify). */
  private notify(): void {
    if ((this.status & STATUS_DRIVER_OK) === 0 || (this.status & STATUS_DEVICE_NEEDS_RESET) !== 0) return;
    if (this.qReady === 0) return;
    const n = this.qNum;
    // Split queue sizes are powers of 2 up to QueueNumMax (spec 2.7).
    if (n === 0 || n > QUEUE_NUM_MAX || (n & (n - 1)) !== 0) { this.needsReset(); return; }
    const desc = this.qDesc[0], avail = this.qDriver[0], used = this.qDevice[0];
    // Alignment (spec 2.7, table "Virtqueue Part Alignment"): descriptors 16, avail 2, used 4.
    if ((desc & 15) !== 0 || (avail & 1) !== 0 || (used & 3) !== 0 ||
        !this.inRam(desc, this.qDesc[1], 16 * n) ||
        !this.inRam(avail, this.qDriver[1], 6 + 2 * n) ||
        !this.inRam(used, this.qDevice[1], 6 + 8 * n)) {
      this.needsReset();
      return;
    }
    const m = this.mem;
    let any = false;
    // Bound the loop by the queue size: a driver cannot make more than n requests available.
    for (let k = 0; k < n; k++) {
      const availIdx = m.u16(avail + 2);
      if (this.lastAvail === availIdx) break;
      const head = m.u16(avail + 4 + 2 * (this.lastAvail % n));
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      if (head >= n) { this.needsReset(); return; }
      const written = this.request(head, desc, n);
      if (written < 0) { this.needsReset(); return; }
      const slot = used + 4 + 8 * (this.usedIdx % n);
      m.set32(slot, head);
      m.set32(slot + 4, written);
      this.usedIdx = (this.usedIdx + 1) & 0xffff;
      m.set16(used + 2, this.usedIdx);
      any = true;
    }
    if (any && (m.u16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0) {
      this.intStatus |= VIRTIO_INT_USED_BUFFER;
      this.updateIrq();
    }
  }

  /**
   * Gather the chain starting at descriptor `head` (following one indirect table if present).
   * Returns null if the chain itself is malformed (loops, bad indices, tables outside RAM).
   * Buffers outside RAM are kept, flagged by `len = -1`, so that the request fails with IOERR.
   */
  private chain(head: number, desc: number, n: number): Segment[] | null {
    const m = this.mem;
    const segs: Segment[] = [];
    let table = desc, size = n, i = head, indirect = false;
    for (let count = 0; ; count++) {
      if (count >= size || i >= size) return null; // a loop or an index past the table
      const d = table + 16 * i;
      const addr = m.u32(d), addrHi = m.u32(d + 4);
      const len = m.u32(d + 8);
      const flags = m.u16(d + 12);
      const next = m.u16(d + 14);
      if ((flags & VIRTQ_DESC_F_INDIRECT) !== 0) {
        // An indirect table replaces the rest of the chain (spec 2.7.5.3): only once, not
        // combined with NEXT, a whole number of descriptors.
        if (indirect || (flags & VIRTQ_DESC_F_NEXT) !== 0 || len === 0 || len % 16 !== 0 ||
            !this.inRam(addr, addrHi, len)) return null;
        indirect = true;
        table = addr;
        size = len / 16;
        i = 0;
        count = -1;
        continue;
      }
      const ok = this.inRam(addr, addrHi, len);
      segs.push({ addr: ok ? addr : 0, len: ok ? len : -1, write: (flags & VIRTQ_DESC_F_WRITE) !== 0 });
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) return segs;
      i = next;
    }
  }

  /**
   * Execute one request; returns the number of bytes written into device-writable buffers
   * (the used-ring length), or -1 if the chain is unusable.
   */
  private request(head: number, desc: number, n: number): number {
    const segs = this.chain(head, desc, n);
    if (segs === null || segs.length < 2) return -1;
    const m = this.mem;
    this.stats.requests++;
    // Layout (spec 5.2.6): a 16-byte readable header, data, one writable status byte at the end.
    const last = segs[segs.length - 1];
    if (!last.write || last.len < 1) return -1;
    const statusAddr = last.addr + last.len - 1;
    const fail = (s: number, written: number): number => {
      m.set8(statusAddr, s);
      this.stats.errors++;
      return written + 1;
    };
    // Header: may span segments in principle; we require it in the readable prefix.
    const hdr = this.gather(segs, 16);
    if (hdr === null) return fail(VIRTIO_BLK_S_IOERR, 0);
    const type = hdr.getUint32(0, true);
    const sector = hdr.getUint32(8, true) + hdr.getUint32(12, true) * 0x100000000;
    // Data segments: everything between the header's segments and the status byte.
    const data = this.dataSegments(segs, 16);
    if (data === null) return fail(VIRTIO_BLK_S_IOERR, 0);
    let bytes = 0;
    for (const s of data) bytes += s.len;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        if (data.some((s) => !s.write || s.len < 0)) return fail(VIRTIO_BLK_S_IOERR, 0);
        if (bytes % SECTOR_SIZE !== 0 || sector + bytes / SECTOR_SIZE > this.capacity) return fail(VIRTIO_BLK_S_IOERR, 0);
        let pos = sector * SECTOR_SIZE, moved = 0;
        for (const s of data) {
          if (m.readDisk !== undefined) {
            moved += m.readDisk(pos, s.len, s.addr); // whole blocks may be mapped instead of copied
          } else {
            m.write(s.addr, this.disk.read(pos, s.len));
            moved += s.len;
          }
          pos += s.len;
        }
        m.moved?.(moved);
        this.stats.sectorsRead += bytes / SECTOR_SIZE;
        m.set8(statusAddr, VIRTIO_BLK_S_OK);
        return bytes + 1;
      }
      case VIRTIO_BLK_T_OUT: {
        if (data.some((s) => s.write || s.len < 0)) return fail(VIRTIO_BLK_S_IOERR, 0);
        if (this.readOnly) return fail(VIRTIO_BLK_S_IOERR, 0);
        if (bytes % SECTOR_SIZE !== 0 || sector + bytes / SECTOR_SIZE > this.capacity) return fail(VIRTIO_BLK_S_IOERR, 0);
        let pos = sector * SECTOR_SIZE;
        for (const s of data) {
          this.disk.write(pos, m.read(s.addr, s.len));
          pos += s.len;
        }
        m.moved?.(bytes);
        this.stats.sectorsWritten += bytes / SECTOR_SIZE;
        m.set8(statusAddr, VIRTIO_BLK_S_OK);
        return 1;
      }
      case VIRTIO_BLK_T_FLUSH:
        this.disk.flush(); // a persistent VM disk's writes become durable (vmm/disk.ts)
        m.set8(statusAddr, VIRTIO_BLK_S_OK);
        return 1;
      case VIRTIO_BLK_T_GET_ID: {
        if (data.length === 0 || data.some((s) => !s.write || s.len < 0)) return fail(VIRTIO_BLK_S_IOERR, 0);
        const id = new Uint8Array(20);
        for (let i = 0; i < this.id.length; i++) id[i] = this.id.charCodeAt(i);
        let off = 0;
        for (const s of data) {
          const k = Math.min(s.len, 20 - off);
          m.write(s.addr, id.subarray(off, off + k));
          off += k;
        }
        m.set8(statusAddr, VIRTIO_BLK_S_OK);
        return off + 1;
      }
      default:
        m.set8(statusAddr, VIRTIO_BLK_S_UNSUPP);
        return 1;
    }
  }

  /** The first `len` bytes of the readable prefix of the chain, or null. */
  private gather(segs: Segment[], len: number): DataView | null {
    const out = new Uint8Array(len);
    let got = 0;
    for (const s of segs) {
      if (got === len) break;
      if (s.write || s.len < 0) return null;
      const k = Math.min(s.len, len - got);
      out.set(this.mem.read(s.addr, k), got);
      got += k;
    }
    return got === len ? new DataView(out.buffer) : null;
  }

  /** The data area: the chain minus `hdr` leading bytes and the trailing status byte. */
  private dataSegments(segs: Segment[], hdr: number): Segment[] | null {
    const out: Segment[] = [];
    let skip = hdr;
    for (let i = 0; i < segs.length; i++) {
      let { addr, len } = segs[i];
      const write = segs[i].write;
      if (len < 0) { out.push({ addr, len, write }); continue; }
      if (skip > 0) {
        const k = Math.min(skip, len);
        skip -= k;
        addr += k;
        len -= k;
      }
      if (i === segs.length - 1) len -= 1; // the status byte
      if (len > 0) out.push({ addr, len, write });
      else if (len < 0) return null;
    }
    return skip === 0 ? out : null;
  }
}

/** Map a virtio block device for `disk` at VIRTIO_BLK_BASE, interrupting on CPU line IP3. */
export function attachVirtioBlk(bus: Bus, disk: Uint8Array, setIrq: (ip: number, level: boolean) => void): VirtioBlk {
  const dev = new VirtioBlk({ memory: ramMemory(bus), disk: bytesDisk(disk), irq: (level) => setIrq(VIRTIO_BLK_IRQ, level) });
  bus.map(VIRTIO_BLK_BASE, VIRTIO_BLK_SIZE, dev);
  return dev;
}
