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

export class Bus {
  readonly ram: ArrayBuffer;
  readonly ram8: Uint8Array;
  readonly ram16: Uint16Array;
  readonly ram32: Int32Array;
  /** RAM occupies physical [0, ramSize). */
  readonly ramSize: number;
  private regions: Region[] = [];
  // One-entry cache of the last region hit: MMIO accesses tend to repeat on one device.
  private last: Region | null = null;

  constructor(ramSize: number) {
    if (!Number.isInteger(ramSize) || ramSize <= 0 || ramSize % 4096 !== 0) {
      throw new BusConfigError(`RAM size must be a positive multiple of 4 KiB, got ${ramSize}`);
    }
    if (ramSize > 0x10000000) {
      throw new BusConfigError(`RAM size ${ramSize} exceeds 256 MiB, the Malta low-memory window below the I/O hole at 0x10000000`);
    }
    this.ramSize = ramSize;
    this.ram = new ArrayBuffer(ramSize);
    this.ram8 = new Uint8Array(this.ram);
    this.ram16 = new Uint16Array(this.ram);
    this.ram32 = new Int32Array(this.ram);
  }

  /** Map `dev` at physical [base, base+size). Throws BusConfigError on overlap with RAM or a device. */
  map(base: number, size: number, dev: Device): void {
    const end = base + size;
    if (base < this.ramSize) throw new BusConfigError(`${dev.name} at 0x${base.toString(16)} overlaps RAM`);
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

  /** True if `pa` is RAM. */
  isRam(pa: number): boolean { return pa >= 0 && pa < this.ramSize; }

  /** True if `pa` (through pa+size-1) decodes to RAM or a device. */
  decodes(pa: number): boolean { return this.isRam(pa) || this.find(pa) !== null; }

  /**
   * Physical read. Returns the value (zero-extended for 1/2 bytes), or NaN when nothing
   * decodes the address (the CPU turns that into a bus error).
   */
  read(pa: number, size: AccessSize): number {
    if (pa < this.ramSize) {
      if (size === 4) return this.ram32[pa >>> 2];
      if (size === 2) return this.ram16[pa >>> 1];
      return this.ram8[pa];
    }
    const r = this.find(pa);
    if (r === null) return NaN;
    return r.dev.read(pa - r.base, size);
  }

  /** Physical write. Returns false when nothing decodes the address. */
  write(pa: number, size: AccessSize, value: number): boolean {
    if (pa < this.ramSize) {
      if (size === 4) this.ram32[pa >>> 2] = value;
      else if (size === 2) this.ram16[pa >>> 1] = value;
      else this.ram8[pa] = value;
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
    if (pa + memsz <= this.ramSize) {
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
