// The physical bus: RAM plus memory-mapped devices.
//
// Devices see only offsets inside their own window (Firecracker style); the bus refuses
// overlapping windows. RAM is one ArrayBuffer allocated once, viewed as 8/16/32-bit typed
// arrays; the CPU reads RAM directly through those views on its fast path and comes here only
// for MMIO and for addresses that nothing decodes (a bus error).

/** Access width in bytes. */
export type AccessSize = 1 | 2 | 4;

/** A memory-mapped device. Offsets are relative to the device's base address. */
export interface Device {
  readonly name: string;
  /** Read `size` bytes at `offset`; returns the value zero-extended (unsigned for 1/2, int32 for 4). */
  read(offset: number, size: AccessSize): number;
  /** Write the low `size` bytes of `value` at `offset`. */
  write(offset: number, size: AccessSize, value: number): void;
  /** Return to power-on state. */
  reset(): void;
  /**
   * Optional: accept image bytes at `offset` (ROM contents written by the loader, not by the
   * guest), zero-filling up to `memsz`. Devices without it cannot hold ELF segments.
   */
  load?(offset: number, data: Uint8Array, memsz: number): void;
}

interface Region {
  base: number;
  size: number;
  dev: Device;
}

/** Thrown for configuration mistakes (overlap, bad RAM size); never raised by guest actions. */
export class BusConfigError extends Error {}

/** RAM below the Malta I/O hole at 0x10000000. */
export const LOW_RAM_MAX = 0x10000000;
/** Where RAM beyond 256 MiB continues (physical). */
export const HIGH_RAM_BASE = 0x20000000;
/** Largest machine memory: 256 MiB low + 1.75 GiB high (RAM offsets stay below 2 GiB). */
export const MAX_RAM = 0x80000000;

export class Bus {
  readonly ram: ArrayBuffer;
  readonly ram8: Uint8Array;
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  /**
   * Total RAM bytes. The first min(ramSize, 256 MiB) occupy physical [0, lowSize) below the
   * Malta I/O hole; the rest, if any, occupies [HIGH_RAM_BASE, HIGH_RAM_BASE + ramSize - lowSize)
   * (reachable through the TLB only, as on a Malta with more than 256 MiB). A RAM byte's
   * "RAM offset" (its index in the typed arrays) is pa below the hole and pa - 256 MiB above.
   */
  readonly ramSize: number;
  readonly lowSize: number;
  /** Which CPU is accessing the bus now (devices that answer per CPU read it). */
  currentCpu = 0;
  private regions: Region[] = [];
  // One-entry cache of the last region hit: MMIO accesses tend to repeat on one device.
  private last: Region | null = null;

  constructor(ramSize: number) {
    if (!Number.isInteger(ramSize) || ramSize <= 0 || ramSize % 4096 !== 0) {
      throw new BusConfigError(`RAM size must be a positive multiple of 4 KiB, got ${ramSize}`);
    }
    if (ramSize > MAX_RAM) {
      throw new BusConfigError(`RAM size ${ramSize} exceeds ${MAX_RAM / 0x100000} MiB (256 MiB below the I/O hole plus ${(MAX_RAM - LOW_RAM_MAX) / 0x100000} MiB at 0x20000000)`);
    }
    this.ramSize = ramSize;
    this.lowSize = Math.min(ramSize, LOW_RAM_MAX);
    this.ram = new ArrayBuffer(ramSize);
    this.ram8 = new Uint8Array(this.ram);
    this.ram16 = new Uint16Array(this.ram);
    this.ram32 = new Int32Array(this.ram);
  }

  /** Map `dev` at physical [base, base+size). Throws BusConfigError on overlap with RAM or a device. */
  map(base: number, size: number, dev: Device): void {
    const end = base + size;
    if (this.ramOffset(base) >= 0 || this.ramOffset(end - 1) >= 0 || (base < HIGH_RAM_BASE && end > HIGH_RAM_BASE + this.ramSize - this.lowSize && this.ramSize > this.lowSize)) {
      throw new BusConfigError(`${dev.name} at 0x${base.toString(16)} overlaps RAM`);
    }
    for (const r of this.regions) {
      if (base < r.base + r.size && r.base < end) {
        throw new BusConfigError(`${dev.name} at 0x${base.toString(16)} overlaps ${r.dev.name} at 0x${r.base.toString(16)}`);
      }
    }
    this.regions.push({ base, size, dev });
  }

  /** The device window containing physical address `pa`, or null. */
  private find(pa: number): Region | null {
    const l = this.last;
    if (l !== null && pa >= l.base && pa < l.base + l.size) return l;
    for (const r of this.regions) {
      if (pa >= r.base && pa < r.base + r.size) { this.last = r; return r; }
    }
    return null;
  }

  /** The RAM offset of physical address `pa`, or -1 if `pa` is not RAM. */
  ramOffset(pa: number): number {
    if (pa >= 0 && pa < this.lowSize) return pa;
    const h = pa - HIGH_RAM_BASE;
    if (h >= 0 && h < this.ramSize - this.lowSize) return h + LOW_RAM_MAX;
    return -1;
  }

  /** Physical address of RAM offset `off`. */
  physOfRam(off: number): number {
    return off < LOW_RAM_MAX ? off : off - LOW_RAM_MAX + HIGH_RAM_BASE;
  }

  /** True if `pa` is RAM. */
  isRam(pa: number): boolean { return this.ramOffset(pa) >= 0; }

  /** True if `pa` (through pa+size-1) decodes to RAM or a device. */
  decodes(pa: number): boolean { return this.isRam(pa) || this.find(pa) !== null; }

  /**
   * Physical read. Returns the value (zero-extended for 1/2 bytes), or NaN when nothing
   * decodes the address (the CPU turns that into a bus error).
   */
  read(pa: number, size: AccessSize): number {
    const off = this.ramOffset(pa);
    if (off >= 0) {
      if (size === 4) return this.ram32[off >>> 2];
      if (size === 2) return this.ram16[off >>> 1];
      return this.ram8[off];
    }
    const r = this.find(pa);
    if (r === null) return NaN;
    return r.dev.read(pa - r.base, size);
  }

  /** Physical write. Returns false when nothing decodes the address. */
  write(pa: number, size: AccessSize, value: number): boolean {
    const off = this.ramOffset(pa);
    if (off >= 0) {
      if (size === 4) this.ram32[off >>> 2] = value;
      else if (size === 2) this.ram16[off >>> 1] = value;
      else this.ram8[off] = value;
      return true;
    }
    const r = this.find(pa);
    if (r === null) return false;
    r.dev.write(pa - r.base, size, value);
    return true;
  }

  reset(): void {
    for (const r of this.regions) r.dev.reset();
  }

  /**
   * Place loader bytes at physical [pa, pa+memsz): RAM, or one device window that accepts
   * loads (a ROM). Returns false if the range is not wholly inside one such place.
   */
  loadImage(pa: number, data: Uint8Array, memsz: number): boolean {
    if (pa >= 0 && pa + memsz <= this.lowSize) {
      this.ram8.set(data, pa);
      this.ram8.fill(0, pa + data.length, pa + memsz);
      return true;
    }
    const r = this.find(pa);
    if (r === null || r.dev.load === undefined || pa + memsz > r.base + r.size) return false;
    r.dev.load(pa - r.base, data, memsz);
    return true;
  }

  /** The device windows, for the memory-map printout. */
  layout(): ReadonlyArray<{ base: number; size: number; name: string }> {
    return this.regions.map((r) => ({ base: r.base, size: r.size, name: r.dev.name }));
  }
}
