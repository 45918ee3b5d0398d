// The PCI I/O space as the CPU sees it through the GT-64120's PCI0 I/O window (physical
// 0x18000000 + port on the Malta): a 64 KiB port space in which ISA and PCI devices claim
// ranges. Ports nobody claims read as all ones and ignore writes, as on a PC (and on QEMU):
// an ISA bus has no bus error, software probes absent devices by reading 0xFF.
//
// Devices see offsets inside their own range, like bus devices. Ranges may be moved at run time
// (PCI BARs, the PIIX4 PM base), so they are named and can be replaced or removed.

import type { AccessSize, Device } from './bus.ts';

export const IO_SPACE_SIZE = 0x10000;

interface Claim { name: string; base: number; size: number; dev: Device }

export class IoSpace {
  /** claim index + 1 per port; 0 = unclaimed. */
  private readonly owner = new Uint8Array(IO_SPACE_SIZE);
  private claims: (Claim | null)[] = [];

  /** Claim ports [base, base+size) for `dev` under `name`, replacing an earlier claim of that name. */
  claim(name: string, base: number, size: number, dev: Device): void {
    this.release(name);
    if (base < 0 || base + size > IO_SPACE_SIZE || size <= 0) throw new RangeError(`${name}: ports 0x${base.toString(16)}+${size} outside the I/O space`);
    for (let p = base; p < base + size; p++) {
      const o = this.owner[p];
      if (o !== 0) throw new RangeError(`${name}: port 0x${p.toString(16)} already belongs to ${(this.claims[o - 1] as Claim).name}`);
    }
    let slot = this.claims.indexOf(null);
    if (slot < 0) { slot = this.claims.length; this.claims.push(null); }
    if (slot >= 255) throw new RangeError('too many I/O claims');
    this.claims[slot] = { name, base, size, dev };
    this.owner.fill(slot + 1, base, base + size);
  }

  /** Drop the claim called `name`, if any. */
  release(name: string): void {
    const slot = this.claims.findIndex((c) => c !== null && c.name === name);
    if (slot < 0) return;
    const c = this.claims[slot] as Claim;
    this.owner.fill(0, c.base, c.base + c.size);
    this.claims[slot] = null;
  }

  /** The claims, in port order (for the memory-map printout and tests). */
  layout(): Array<{ name: string; base: number; size: number }> {
    return this.claims.filter((c): c is Claim => c !== null).map((c) => ({ name: c.name, base: c.base, size: c.size })).sort((a, b) => a.base - b.base);
  }

  read(port: number, size: AccessSize): number {
    const o = port < IO_SPACE_SIZE ? this.owner[port] : 0;
    if (o === 0) return size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
    const c = this.claims[o - 1] as Claim;
    return c.dev.read(port - c.base, size);
  }

  write(port: number, size: AccessSize, value: number): void {
    const o = port < IO_SPACE_SIZE ? this.owner[port] : 0;
    if (o === 0) return;
    const c = this.claims[o - 1] as Claim;
    c.dev.write(port - c.base, size, value);
  }

  reset(): void {
    for (const c of this.claims) if (c !== null) c.dev.reset();
  }
}

/**
 * A bus window onto part of the I/O space: physical [base, base+size) maps to ports
 * [firstPort, firstPort+size). Port accesses wider than a byte reach one device (ISA devices
 * here are byte-wide; wider accesses go to the device at the first port).
 */
export class IoWindow implements Device {
  constructor(readonly name: string, private readonly io: IoSpace, private readonly firstPort: number, private readonly resets: boolean) {}
  read(offset: number, size: AccessSize): number { return this.io.read(this.firstPort + offset, size); }
  write(offset: number, size: AccessSize, value: number): void { this.io.write(this.firstPort + offset, size, value); }
  reset(): void { if (this.resets) this.io.reset(); }
}

/** A range of ports that reads as zero and ignores writes (a device Linux pokes but we do not model). */
export class NullPorts implements Device {
  constructor(readonly name: string) {}
  read(): number { return 0; }
  write(): void { /* ignored */ }
  reset(): void { /* stateless */ }
}

/** A plain register file: reads return what was written (byte granular, little-endian). */
export class ScratchPorts implements Device {
  private readonly regs: Uint8Array;
  constructor(readonly name: string, size: number) { this.regs = new Uint8Array(size); }
  read(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= (this.regs[offset + i] ?? 0) << (8 * i);
    return size === 4 ? v | 0 : v;
  }
  write(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size && offset + i < this.regs.length; i++) this.regs[offset + i] = (value >>> (8 * i)) & 0xff;
  }
  reset(): void { this.regs.fill(0); }
}
