// The bare board: a Malta-compatible physical memory map (MIPS Malta User's Manual; QEMU
// hw/mips/malta.c), so the same image runs under disco and under qemu-system-mipsel -M malta.
//
// Physical memory (kseg0 = pa | 0x80000000 cached, kseg1 = pa | 0xA0000000 uncached):
//
//   0x00000000 +--------------------------------+
//              | RAM, `mem` bytes               |  0x0000-0x01FF  exception vectors (BEV=0)
//              | (default 64 MiB, max 256 MiB)  |  0x2000-0x303F  YAMON boot arguments (elf.ts)
//        mem   +--------------------------------+
//              | unmapped                       |
//   0x10000000 +--------------------------------+
//              | PCI0 memory 0 (GT-64120)       |  later
//   0x18000000 +--------------------------------+
//              | PCI0 I/O: ISA ports at +port   |  0x180003F8-0x180003FF  COM1 16550 (stride 1)
//              |                                |  later: i8259 0x20/0xA0, RTC 0x70
//   0x18200000 +--------------------------------+
//              | PCI0 memory 1 (GT-64120)       |  later
//   0x1BE00000 +--------------------------------+
//              | GT-64120 registers             |  later
//   0x1C000000 +--------------------------------+
//              | unmapped                       |
//   0x1E000000 +--------------------------------+
//              | monitor flash (4 MiB)          |  not built
//   0x1E400000 +--------------------------------+
//              | unmapped                       |
//   0x1F000000 +--------------------------------+
//              | FPGA board registers (1 MiB)   |  +0x208 STATUS, +0x408 LEDBAR, +0x410 ASCII
//              |                                |  +0x500 SOFTRES, +0x600 halt (disco only)
//              |                                |  +0x900-0x93F CBUS UART 16550 (stride 8)
//              |                                |  +0x940-0x9FF unmapped, as on QEMU
//   0x1F100000 +--------------------------------+
//              | unmapped                       |
//   0x1FC00000 +--------------------------------+
//              | boot ROM (4 MiB, reset vector) |  read-only to the guest; ELF segments may
//              |                                |  be loaded here (BEV vectors at 0x1FC00200+)
//   0x20000000 +--------------------------------+
//
// Whatever nothing decodes is a bus error (Bus.read returns NaN / Bus.write returns false).
// Only the rows marked as built in MALTA_MAP exist today; the others are placeholders that keep
// their addresses reserved for the GT-64120, the i8259 pair and the RTC Linux will need.

import type { AccessSize, Bus, Device } from './bus.ts';
import { Uart16550 } from './uart16550.ts';

export const MALTA_PCI_MEM0 = 0x10000000;
/** PCI I/O space; ISA port p is at MALTA_PCI_IO + p. */
export const MALTA_PCI_IO = 0x18000000;
export const MALTA_PCI_MEM1 = 0x18200000;
export const MALTA_GT64120 = 0x1be00000;
export const MALTA_FLASH = 0x1e000000;
export const MALTA_FLASH_SIZE = 0x400000;
export const MALTA_FPGA = 0x1f000000;
export const MALTA_FPGA_SIZE = 0x100000;
export const MALTA_BOOT_ROM = 0x1fc00000;
export const MALTA_BOOT_ROM_SIZE = 0x400000;

/** PIIX4 COM1: ISA port 0x3F8, 8 byte-wide registers. */
export const MALTA_COM1 = MALTA_PCI_IO + 0x3f8;
export const MALTA_COM1_SIZE = 8;

/** Offsets inside the FPGA window. */
export const FPGA_SWITCH = 0x200;
export const FPGA_STATUS = 0x208;
export const FPGA_JMPRS = 0x210;
export const FPGA_LEDBAR = 0x408;
export const FPGA_ASCIIWORD = 0x410;
export const FPGA_ASCIIPOS0 = 0x418; // ASCIIPOS0..7 at 0x418 + 8*i
export const FPGA_SOFTRES = 0x500;
export const FPGA_BRKRES = 0x508;
export const FPGA_HALT = 0x600;
export const FPGA_CBUS_UART = 0x900;
export const FPGA_CBUS_UART_SIZE = 0x40;
/** The FPGA decodes again from here on; 0x940..0x9FF is a hole. */
export const FPGA_HI = 0xa00;
export const FPGA_GPOUT = 0xa00;

/** Value written to SOFTRES to reset the board (disco: end the run, exit code 0). */
export const SOFTRES_MAGIC = 0x42;

/** Physical addresses of the registers images use, for convenience. */
export const MALTA_SOFTRES = MALTA_FPGA + FPGA_SOFTRES;
export const MALTA_HALT = MALTA_FPGA + FPGA_HALT;
export const MALTA_CBUS_UART = MALTA_FPGA + FPGA_CBUS_UART;

/** STATUS register: bit 4 set, bit 1 (big-endian) clear, as QEMU's little-endian Malta reads. */
const FPGA_STATUS_LE = 0x10;

/** One row of the physical map. `built` rows exist on the bus; the others are reserved. */
export interface MapRow { base: number; size: number; name: string; built: boolean; note: string }

/** The board's physical map, RAM first, in address order. */
export function maltaMap(ramSize: number): MapRow[] {
  return [
    { base: 0, size: ramSize, name: 'RAM', built: true, note: 'vectors at 0x0, boot args at 0x2000-0x303F' },
    { base: MALTA_PCI_MEM0, size: 0x07e00000, name: 'PCI0 memory 0', built: false, note: 'GT-64120 window, later' },
    { base: MALTA_PCI_IO, size: 0x200000, name: 'PCI0 I/O (ISA ports)', built: false, note: 'i8259, RTC later' },
    { base: MALTA_COM1, size: MALTA_COM1_SIZE, name: 'COM1 16550 (PIIX4)', built: true, note: 'stride 1; QEMU serial0' },
    { base: MALTA_PCI_MEM1, size: 0x03c00000, name: 'PCI0 memory 1', built: false, note: 'later' },
    { base: MALTA_GT64120, size: 0x200000, name: 'GT-64120 registers', built: false, note: 'later' },
    { base: MALTA_FLASH, size: MALTA_FLASH_SIZE, name: 'monitor flash', built: false, note: 'not built' },
    { base: MALTA_FPGA, size: FPGA_CBUS_UART, name: 'FPGA registers', built: true, note: 'SOFTRES +0x500, halt +0x600' },
    { base: MALTA_CBUS_UART, size: FPGA_CBUS_UART_SIZE, name: 'CBUS UART 16550', built: true, note: 'stride 8; QEMU serial2' },
    { base: MALTA_FPGA + FPGA_HI, size: MALTA_FPGA_SIZE - FPGA_HI, name: 'FPGA registers', built: true, note: 'read 0, writes ignored' },
    { base: MALTA_BOOT_ROM, size: MALTA_BOOT_ROM_SIZE, name: 'boot ROM', built: true, note: 'loader-filled, read-only; BEV vectors' },
  ];
}

/** The physical map as an ASCII table, for documentation and `--memmap` style output. */
export function layoutTable(ramSize = 64 * 0x100000): string {
  const h = (n: number): string => '0x' + (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
  const rows = maltaMap(ramSize).map((r) => [
    `${h(r.base)}-${h(r.base + r.size - 1)}`,
    r.name,
    r.built ? 'yes' : '-',
    r.note,
  ]);
  const head = ['physical', 'device', 'built', 'note'];
  const w = head.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/** How the run ended through the board: the first halt request since reset. */
export interface HaltState { code: number; reason: string }

/**
 * The FPGA register file (offsets relative to MALTA_FPGA). Known registers behave as on QEMU's
 * Malta; unknown offsets read 0 and ignore writes. Registers decode only at their exact offset
 * and read at any width, masked to that width.
 *
 * SOFTRES: writing 0x42 requests a board reset; disco ends the run with code 0. HALT (disco
 * only): a store of N, of any width, ends the run with code N (unsigned). Only the first
 * request after reset is reported, so the convention "store N to HALT, then 0x42 to SOFTRES"
 * yields N under disco and a clean exit under QEMU, whenever the caller stops the CPU.
 */
export class MaltaFpga {
  private leds = 0;
  private brk = 0x0a;
  private gpout = 0;
  private text: string[] = [];
  private halted: HaltState | null = null;

  constructor(private readonly onHalt: (code: number, reason: string) => void) {
    this.reset();
  }

  /** The first halt request since reset, or null. */
  get halt(): HaltState | null { return this.halted; }

  /** LEDBAR value (8 LEDs). */
  get ledbar(): number { return this.leds; }

  /** The 8-character ASCII display. */
  get display(): string { return this.text.join(''); }

  reset(): void {
    this.leds = 0;
    this.brk = 0x0a;
    this.gpout = 0;
    this.text = Array.from({ length: 8 }, () => ' ');
    this.halted = null;
  }

  read(offset: number, size: AccessSize): number {
    let v = 0;
    switch (offset) {
      case FPGA_STATUS: v = FPGA_STATUS_LE; break;
      case FPGA_LEDBAR: v = this.leds; break;
      case FPGA_BRKRES: v = this.brk; break;
      case FPGA_GPOUT: v = this.gpout; break;
      default: v = 0; // SWITCH, JMPRS, SOFTRES, HALT and unknown registers
    }
    return size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff);
  }

  write(offset: number, size: AccessSize, value: number): void {
    const v = size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff);
    if (offset >= FPGA_ASCIIPOS0 && offset < FPGA_ASCIIPOS0 + 64 && (offset & 7) === 0) {
      this.text[(offset - FPGA_ASCIIPOS0) >> 3] = String.fromCharCode(v & 0xff);
      return;
    }
    switch (offset) {
      case FPGA_SOFTRES:
        if (v === SOFTRES_MAGIC) this.requestHalt(0, 'softres');
        return;
      case FPGA_HALT:
        this.requestHalt(v, 'halt register');
        return;
      case FPGA_LEDBAR: this.leds = v & 0xff; return;
      case FPGA_ASCIIWORD: this.text = v.toString(16).toUpperCase().padStart(8, '0').split(''); return;
      case FPGA_BRKRES: this.brk = v & 0xff; return;
      case FPGA_GPOUT: this.gpout = v & 0xff; return;
      default: return;
    }
  }

  private requestHalt(code: number, reason: string): void {
    if (this.halted !== null) return;
    this.halted = { code, reason };
    this.onHalt(code, reason);
  }
}

/** A bus window onto part of the FPGA (the UART splits it in two, as on QEMU). */
class FpgaWindow implements Device {
  constructor(readonly name: string, private readonly fpga: MaltaFpga, private readonly base: number) {}
  read(offset: number, size: AccessSize): number { return this.fpga.read(this.base + offset, size); }
  write(offset: number, size: AccessSize, value: number): void { this.fpga.write(this.base + offset, size, value); }
  reset(): void {
    if (this.base === 0) this.fpga.reset(); // one reset per board reset
  }
}

/**
 * The boot ROM at 0x1FC00000: contents come only from the loader; guest stores are ignored
 * (as writes to QEMU's Malta BIOS region are). Reads of never-loaded bytes return 0.
 */
export class BootRom implements Device {
  readonly name = 'boot-rom';
  readonly bytes = new Uint8Array(MALTA_BOOT_ROM_SIZE);
  private readonly view = new DataView(this.bytes.buffer);
  read(offset: number, size: AccessSize): number {
    if (size === 4) return this.view.getInt32(offset, true);
    if (size === 2) return this.view.getUint16(offset, true);
    return this.bytes[offset];
  }
  write(): void { /* ROM */ }
  reset(): void { /* contents survive reset */ }
  load(offset: number, data: Uint8Array, memsz: number): void {
    this.bytes.set(data, offset);
    this.bytes.fill(0, offset + data.length, offset + memsz);
  }
}

export interface MaltaBoard {
  readonly fpga: MaltaFpga;
  readonly bootRom: BootRom;
  /** CBUS UART at 0x1F000900 (QEMU's serial2). Its onIrq would drive CPU interrupt 4 (HW2). */
  readonly cbusUart: Uart16550;
  /** PIIX4 COM1 at 0x180003F8 (QEMU's serial0). Its onIrq would drive i8259 IRQ 4. */
  readonly com1: Uart16550;
}

/**
 * Map the board's devices onto `bus` (RAM is the bus's own). Both UARTs transmit to `out`;
 * `onHalt` hears the first SOFTRES or halt-register request after each reset.
 */
export function attachMalta(
  bus: Bus,
  opts: { out: (byte: number) => void; onHalt: (code: number, reason: string) => void },
): MaltaBoard {
  const fpga = new MaltaFpga(opts.onHalt);
  const cbusUart = new Uart16550({ name: 'cbus-uart', stride: 8, out: opts.out });
  const com1 = new Uart16550({ name: 'com1', stride: 1, out: opts.out });
  bus.map(MALTA_FPGA, FPGA_CBUS_UART, new FpgaWindow('malta-fpga', fpga, 0));
  bus.map(MALTA_CBUS_UART, FPGA_CBUS_UART_SIZE, cbusUart);
  bus.map(MALTA_FPGA + FPGA_HI, MALTA_FPGA_SIZE - FPGA_HI, new FpgaWindow('malta-fpga-hi', fpga, FPGA_HI));
  bus.map(MALTA_COM1, MALTA_COM1_SIZE, com1);
  const bootRom = new BootRom();
  bus.map(MALTA_BOOT_ROM, MALTA_BOOT_ROM_SIZE, bootRom);
  return { fpga, bootRom, cbusUart, com1 };
}
