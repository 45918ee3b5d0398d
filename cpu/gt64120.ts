// The Galileo GT-64120 system controller of the Malta's CoreLV card (GT-64120 data sheet,
// Galileo Technology, rev. 1.4): its internal registers at physical 0x1BE00000, where YAMON (and
// QEMU's boot stub for -kernel) moved them, with the PCI_0 configuration mechanism and the PCI
// interrupt-acknowledge register.
//
// Register values start as QEMU's Malta leaves them when it enters a kernel: the PCI_0 I/O
// window at 0x18000000 (2 MiB), memory windows at 0x10000000 (126 MiB) and 0x18200000, the
// internal space at 0x1BE00000. The windows themselves are fixed on our bus; writing the
// decode registers is stored and read back (Linux only reads them, except for the I/O remap
// register, which it clears) but does not move anything.
//
// Modelled: every register reads back what was written, with the write masks QEMU applies to
// the decode registers; PCI configuration address/data (0xCF8/0xCFC, data sheet 8.5), with
// the data register little-endian as Linux sets it (MByteSwap); the interrupt cause register's
// write-0-to-clear rule with its summary bit; IACK (0xC34) runs an interrupt-acknowledge cycle
// on the 8259 pair and returns the vector. Registers are 32 bits wide; narrower accesses read
// or write part of one (the configuration data register by byte lane).

import type { AccessSize, Device } from './bus.ts';
import type { PciBus } from './pci.ts';
import { PciFunction } from './pci.ts';

export const GT_SIZE = 0x1000;

/** Register offsets (data sheet appendix, register map). */
export const GT_CPU = 0x000;
export const GT_PCI0IOLD = 0x048;
export const GT_PCI0IOHD = 0x050;
export const GT_PCI0M0LD = 0x058;
export const GT_PCI0M0HD = 0x060;
export const GT_ISD = 0x068;
export const GT_PCI0M1LD = 0x080;
export const GT_PCI0M1HD = 0x088;
export const GT_PCI0IOREMAP = 0x0f0;
export const GT_PCI0M0REMAP = 0x0f8;
export const GT_PCI0M1REMAP = 0x100;
export const GT_INTRCAUSE = 0xc18;
export const GT_PCI0_CMD = 0xc00;
export const GT_PCI0_IACK = 0xc34;
export const GT_PCI0_CFGADDR = 0xcf8;
export const GT_PCI0_CFGDATA = 0xcfc;

/** Reset values of the registers Linux and YAMON look at (data sheet "initial value"; QEMU). */
const RESET: ReadonlyArray<readonly [number, number]> = [
  [GT_CPU, 0x00001000], // Endianness: little
  [0x120, 0x00000003], // MULTI
  [0x008, 0x00000000], [0x010, 0x00000007], [0x018, 0x00000008], [0x020, 0x0000000f], // SCS10/32 LD/HD
  [0x028, 0x000000e0], [0x030, 0x00000070], [0x038, 0x000000f8], [0x040, 0x0000007f], // CS20, CS3/Boot
  // PCI_0 windows as the boot loader sets them (I/O 0x18000000, memory 0x10000000 and 0x18200000).
  [GT_PCI0IOLD, 0xc0], [GT_PCI0IOHD, 0x40], [GT_PCI0M0LD, 0x80], [GT_PCI0M0HD, 0x3f],
  [GT_ISD, 0xdf], [GT_PCI0M1LD, 0xc1], [GT_PCI0M1HD, 0x5e],
  [GT_PCI0IOREMAP, 0xc0], [GT_PCI0M0REMAP, 0x80], [GT_PCI0M1REMAP, 0xc1],
  [0x090, 0x00000100], [0x098, 0x0000000f], [0x0a0, 0x00000110], [0x0a8, 0x0000001f], // PCI_1 windows
  [0x0b0, 0x00000120], [0x0b8, 0x0000002f],
  [0x108, 0x00000100], [0x110, 0x00000110], [0x118, 0x00000120],
  [0x0d8, 0x00000008], [0x0e0, 0x000000e0], [0x0e8, 0x000000f8], // SCS32AR, CS20R, CS3BootR
  [0x128, 0xffffffff], [0x130, 0xffffffff], [0x138, 0x000000ff], // CPU error data, parity
  [0x400, 0x00000000], [0x404, 0x00000007], [0x408, 0x00000008], [0x40c, 0x0000000f], // SCS0..3
  [0x410, 0x00000010], [0x414, 0x00000017], [0x418, 0x00000018], [0x41c, 0x0000001f],
  [0x420, 0x000000c0], [0x424, 0x000000c7], [0x428, 0x000000c8], [0x42c, 0x000000cf], // CS0..3
  [0x430, 0x000000d0], [0x434, 0x000000df], [0x438, 0x000000f0], [0x43c, 0x000000fb],
  [0x440, 0x000000fc], [0x444, 0x000000ff], [0x470, 0xffffffff], // Boot, ADERR
  [0x448, 0x00000200], [0x478, 0x00000007], [0x47c, 0x00000002], // SDRAM config
  [0x44c, 0x00000005], [0x450, 0x00000005], [0x454, 0x00000005], [0x458, 0x00000005],
  [0x45c, 0x386fffff], [0x460, 0x386fffff], [0x464, 0x386fffff], [0x468, 0x386fffff], [0x46c, 0x146fffff],
  [0x850, 0xffffffff], [0x854, 0x00ffffff], [0x858, 0x00ffffff], [0x85c, 0x00ffffff], // timers
  [GT_PCI0_CMD, 0x00000001], [0xc04, 0x0000070f], // PCI_0 command (byte swap), timeout/retry
  [0xc08, 0x00fff000], [0xc0c, 0x00fff000], [0xc10, 0x01fff000], [0xc14, 0x00fff000], // bank sizes
  [0xc3c, 0x0000000f], [0xc40, 0x00000040], [0xc4c, 0x01000000], [0xc50, 0x1c000000],
  [0xc54, 0x1f000000], [0xc5c, 0x01000000], [0xc64, 0x1f000000],
];

/** Write masks that differ from "all bits" (QEMU's decode-register masks). */
const MASKS: ReadonlyMap<number, number> = new Map([
  [GT_PCI0IOLD, 0x7fff], [GT_PCI0M0LD, 0x7fff], [GT_PCI0M1LD, 0x7fff],
  [0x090, 0x7fff], [0x0a0, 0x7fff], [0x0b0, 0x7fff], [GT_ISD, 0x7fff],
  [GT_PCI0IOHD, 0x7f], [GT_PCI0M0HD, 0x7f], [GT_PCI0M1HD, 0x7f], [0x098, 0x7f], [0x0a8, 0x7f], [0x0b8, 0x7f],
  [GT_PCI0IOREMAP, 0x7ff], [GT_PCI0M0REMAP, 0x7ff], [GT_PCI0M1REMAP, 0x7ff], [0x108, 0x7ff], [0x110, 0x7ff], [0x118, 0x7ff],
  [GT_PCI0_CMD, 0x0401fc0f], [0xc1c, 0x3c3ffffe], [0xc24, 0x03fffffe], [0xc28, 0x3f],
]);

/** Registers that are read-only (error reports, sync barriers, ECC, MULTI). */
const READ_ONLY = new Set([0x070, 0x078, 0x128, 0x130, 0x138, 0x0c0, 0x0c8, 0x120, 0x480, 0x484, 0x488, 0x48c, 0x490]);

/** A low-register write also sets the matching remap register (data sheet 5.2, "Remap"). */
const REMAP_OF: ReadonlyMap<number, number> = new Map([
  [GT_PCI0IOLD, GT_PCI0IOREMAP], [GT_PCI0M0LD, GT_PCI0M0REMAP], [GT_PCI0M1LD, GT_PCI0M1REMAP],
  [0x090, 0x108], [0x0a0, 0x110], [0x0b0, 0x118],
]);

export class Gt64120 implements Device {
  readonly name = 'gt64120';
  readonly regs = new Uint32Array(GT_SIZE / 4);
  /** The host bridge's own PCI function (device 0 on bus 0). */
  readonly pciFunction: PciFunction;

  /** `iack()` performs the 8259 interrupt-acknowledge cycle and returns the vector. */
  constructor(private readonly pci: PciBus, private readonly iack: () => number) {
    // Its BARs are fixed (QEMU 7.2): sizing them finds nothing, which Linux reports as firmware bugs.
    const f = new PciFunction('gt64120-pci', { vendor: 0x11ab, device: 0x4620, classCode: 0x060000, revision: 0x10, status: 0x0280, interruptPin: 1, subsystemVendor: 0x1af4, subsystem: 0x1100 });
    f.set32(0x10, 0x00000008);
    f.set32(0x14, 0x01000008);
    f.set32(0x18, 0x1c000000);
    f.set32(0x1c, 0x1f000000);
    f.set32(0x20, 0x14000000);
    f.set32(0x24, 0x14000001);
    this.pciFunction = f;
    pci.add(0, 0, f);
    this.reset();
  }

  /** Registers and the configuration space of everything on the bus return to their reset state. */
  reset(): void {
    this.regs.fill(0);
    for (const [off, v] of RESET) this.regs[off >> 2] = v;
    this.pci.reset();
  }

  private readReg(off: number): number {
    if (off === GT_PCI0_IACK) return this.iack();
    if (off === GT_PCI0_CFGDATA) {
      const a = this.regs[GT_PCI0_CFGADDR >> 2];
      if ((a & 0x80000000) === 0) return 0xffffffff;
      return this.pci.read((a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xfc);
    }
    return this.regs[off >> 2];
  }

  private writeReg(off: number, v: number): void {
    v >>>= 0;
    if (off === GT_PCI0_CFGDATA) {
      const a = this.regs[GT_PCI0_CFGADDR >> 2];
      if ((a & 0x80000000) !== 0) this.pci.write((a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xfc, v);
      return;
    }
    if (READ_ONLY.has(off) || off === GT_PCI0_IACK) return;
    if (off === GT_INTRCAUSE) {
      // Bits are cleared by writing 0; bit 0 summarises the others.
      let c = this.regs[off >> 2] & v & 0xfffffffe;
      if (c !== 0) c |= 1;
      this.regs[off >> 2] = c;
      return;
    }
    if (off === GT_PCI0_CFGADDR) { this.regs[off >> 2] = v & 0x80fffffc; return; }
    const mask = MASKS.get(off) ?? 0xffffffff;
    this.regs[off >> 2] = v & mask;
    const remap = REMAP_OF.get(off);
    if (remap !== undefined) this.regs[remap >> 2] = v & 0x7ff;
  }

  read(offset: number, size: AccessSize): number {
    const off = offset & ~3;
    const v = this.readReg(off);
    if (size === 4) return v | 0;
    const shift = (offset & 3) * 8;
    return (v >>> shift) & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: AccessSize, value: number): void {
    const off = offset & ~3;
    if (size === 4) { this.writeReg(off, value); return; }
    // A narrow write merges into the register (configuration data: into the addressed dword).
    const shift = (offset & 3) * 8;
    const m = (size === 2 ? 0xffff : 0xff) << shift;
    const old = off === GT_PCI0_IACK ? 0 : this.readReg(off);
    this.writeReg(off, (old & ~m) | ((value << shift) & m));
  }
}
