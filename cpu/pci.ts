// PCI configuration space (PCI Local Bus Specification 3.0, chapter 6) for the devices behind
// the Malta's GT-64120 host bridge.
//
// The model: each function has 256 bytes of configuration space, a write mask (which bits
// software may change) and a write-1-to-clear mask (status bits). A BAR is nothing special: its
// write mask keeps the size bits at zero, so writing all ones and reading back yields the size
// as the PCI specification's sizing procedure expects (6.2.5.1). Reads of absent functions
// return all ones, which is how software detects an empty slot (vendor ID 0xFFFF).

/** Standard header offsets (PCI 3.0, figure 6-1). */
export const PCI_VENDOR_ID = 0x00;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_CLASS_REVISION = 0x08;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

/** Command bits software may set on these devices: I/O, memory, bus master, parity, SERR, INTx disable. */
const COMMAND_WMASK = 0x0547;
/** Status bits that are write-1-to-clear: parity, target/master aborts, SERR, detected parity. */
const STATUS_W1C = 0xf900;

export interface PciIdentity {
  vendor: number;
  device: number;
  /** Class code, subclass and programming interface in one 24-bit number (0x060000 = host bridge). */
  classCode: number;
  revision: number;
  /** Header type byte (bit 7: multi-function device). */
  headerType?: number;
  status?: number;
  command?: number;
  subsystemVendor?: number;
  subsystem?: number;
  interruptPin?: number;
  interruptLine?: number;
}

/** One PCI function's configuration space. */
export class PciFunction {
  readonly config = new Uint8Array(256);
  readonly wmask = new Uint8Array(256);
  readonly w1cmask = new Uint8Array(256);
  private readonly initial = new Uint8Array(256);
  /** Called after every configuration write (offset of the aligned dword written). */
  onWrite: ((offset: number) => void) | null = null;

  constructor(readonly name: string, id: PciIdentity) {
    const c = this.config;
    this.set16(PCI_VENDOR_ID, id.vendor);
    this.set16(PCI_VENDOR_ID + 2, id.device);
    this.set16(PCI_COMMAND, id.command ?? 0);
    this.set16(PCI_STATUS, id.status ?? 0);
    c[PCI_CLASS_REVISION] = id.revision;
    c[PCI_CLASS_REVISION + 1] = id.classCode & 0xff;
    c[PCI_CLASS_REVISION + 2] = (id.classCode >>> 8) & 0xff;
    c[PCI_CLASS_REVISION + 3] = (id.classCode >>> 16) & 0xff;
    c[PCI_HEADER_TYPE] = id.headerType ?? 0;
    this.set16(PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendor ?? 0);
    this.set16(PCI_SUBSYSTEM_VENDOR_ID + 2, id.subsystem ?? 0);
    c[PCI_INTERRUPT_LINE] = id.interruptLine ?? 0;
    c[PCI_INTERRUPT_PIN] = id.interruptPin ?? 0;
    // Header: command, cache line size, interrupt line writable; status bits W1C. Everything
    // past the 64-byte header is device specific and writable unless a device says otherwise.
    this.setMask(PCI_COMMAND, 2, COMMAND_WMASK);
    this.w1cmask[PCI_STATUS] = STATUS_W1C & 0xff;
    this.w1cmask[PCI_STATUS + 1] = STATUS_W1C >>> 8;
    this.wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    this.wmask[PCI_INTERRUPT_LINE] = 0xff;
    this.wmask.fill(0xff, 0x40);
  }

  /** Little-endian field helpers (configuration space is little-endian, PCI 3.0 6.1). */
  get8(off: number): number { return this.config[off]; }
  get16(off: number): number { return this.config[off] | (this.config[off + 1] << 8); }
  get32(off: number): number {
    const c = this.config;
    return (c[off] | (c[off + 1] << 8) | (c[off + 2] << 16) | (c[off + 3] << 24)) >>> 0;
  }
  set8(off: number, v: number): void { this.config[off] = v & 0xff; }
  set16(off: number, v: number): void { this.config[off] = v & 0xff; this.config[off + 1] = (v >>> 8) & 0xff; }
  set32(off: number, v: number): void { for (let i = 0; i < 4; i++) this.config[off + i] = (v >>> (8 * i)) & 0xff; }

  /** Set the write mask of `bytes` bytes at `off` (little-endian value). */
  setMask(off: number, bytes: number, mask: number): void {
    for (let i = 0; i < bytes; i++) this.wmask[off + i] = (mask >>> (8 * i)) & 0xff;
  }

  /**
   * Declare BAR `n` (0..5): I/O space (bit 0 set) or 32-bit memory space, `size` bytes (a power
   * of two). Its address bits below the size read as zero, whatever software writes.
   */
  bar(n: number, kind: 'io' | 'mem', size: number, initial = 0): void {
    const off = PCI_BAR0 + 4 * n;
    const type = kind === 'io' ? 1 : 0;
    this.set32(off, (initial & ~(size - 1)) | type);
    this.setMask(off, 4, ~(size - 1) & (kind === 'io' ? ~3 : ~15));
  }

  /** Make `bytes` bytes at `off` read-only (a fixed value). */
  readOnly(off: number, bytes: number): void { this.wmask.fill(0, off, off + bytes); }

  /** Remember the current contents as the reset state. */
  sealReset(): void { this.initial.set(this.config); }

  reset(): void { this.config.set(this.initial); }

  /** Configuration read of the dword at `off` (aligned). */
  read32(off: number): number { return this.get32(off & 0xfc); }

  /** Configuration write of the dword at `off` (aligned), honouring the masks. */
  write32(off: number, value: number): void {
    const base = off & 0xfc;
    const c = this.config, wm = this.wmask, w1c = this.w1cmask;
    for (let i = 0; i < 4; i++) {
      const a = base + i;
      const b = (value >>> (8 * i)) & 0xff;
      c[a] = ((c[a] & ~wm[a]) | (b & wm[a])) & ~(b & w1c[a]);
    }
    if (this.onWrite !== null) this.onWrite(base);
  }
}

/**
 * Bus 0 behind the host bridge: functions by devfn (device << 3 | function). Configuration
 * mechanism #1 style addressing (PCI 3.0 3.2.2.3.2): bus, devfn, register.
 */
export class PciBus {
  private readonly fns = new Map<number, PciFunction>();

  add(device: number, fn: number, f: PciFunction): void {
    const devfn = (device << 3) | fn;
    if (this.fns.has(devfn)) throw new Error(`PCI devfn ${device}.${fn} is taken`);
    f.sealReset();
    this.fns.set(devfn, f);
  }

  get(devfn: number): PciFunction | undefined { return this.fns.get(devfn); }

  /** Read the dword at `reg` of bus/devfn; all ones when nothing answers. */
  read(bus: number, devfn: number, reg: number): number {
    const f = bus === 0 ? this.fns.get(devfn) : undefined;
    return f === undefined ? 0xffffffff : f.read32(reg);
  }

  /** Write the dword at `reg` of bus/devfn; ignored when nothing answers. */
  write(bus: number, devfn: number, reg: number, value: number): void {
    const f = bus === 0 ? this.fns.get(devfn) : undefined;
    if (f !== undefined) f.write32(reg, value);
  }

  /** Return every function to its reset configuration; decoders that follow it re-read it. */
  reset(): void {
    for (const f of this.fns.values()) {
      f.reset();
      if (f.onWrite !== null) f.onWrite(PCI_COMMAND);
    }
  }
}
