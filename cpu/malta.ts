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
//              | PCI0 memory 0 (GT-64120)       |  no PCI memory devices
//   0x18000000 +--------------------------------+
//              | PCI0 I/O: ISA ports at +port   |  0x180003F8-0x180003FF  COM1 16550 (stride 1)
//              |                                |  full board: 8259s 0x20/0xA0, 8254 0x40,
//              |                                |  8042 0x60/0x64, RTC 0x70, COM2 0x2F8,
//              |                                |  ELCR 0x4D0, PIIX4 PM/USB/IDE at their BARs
//   0x18200000 +--------------------------------+
//              | PCI0 memory 1 (GT-64120)       |  no PCI memory devices
//   0x1BE00000 +--------------------------------+
//              | GT-64120 registers (4 KiB)     |  full board: PCI config, IACK
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
//              |                                |  +0x10: board revision 0x420 (CoreLV)
//   0x20000000 +--------------------------------+
//
// Whatever nothing decodes is a bus error (Bus.read returns NaN / Bus.write returns false).
//
// Two configurations. The bare board (attachMalta alone) has only the rows marked as built in
// MALTA_MAP: enough for self-contained images. The full board (attachMaltaPlatform on top,
// `disco run --linux`) adds what Linux's Malta support expects of a real board: the GT-64120
// system controller with PCI configuration space, the PIIX4 south bridge's ISA devices (two
// 8259s, 8254, MC146818 RTC), the super I/O chip's keyboard controller and second UART, the
// PIIX4 power-management function (ACPI soft-off), and interrupt wiring as on the Malta and on
// QEMU: the 8259 pair's output on CPU IP2, the CBUS UART on IP4, COM1 on ISA IRQ 4, COM2 on 3.

import type { AccessSize, Bus, Device } from './bus.ts';
import { Uart16550 } from './uart16550.ts';
import { TimedGroup, type Clock } from './clock.ts';
import { Gt64120, GT_SIZE } from './gt64120.ts';
import { I8042, KbdPorts } from './i8042.ts';
import { I8254, PitPorts } from './i8254.ts';
import { I8259Pair, PicPorts } from './i8259.ts';
import { IoSpace, IoWindow, NullPorts } from './ioport.ts';
import { PciBus } from './pci.ts';
import { attachPiix4, type Piix4 } from './piix4.ts';
import { Mc146818, RtcPorts } from './rtc.ts';

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

  /** End the run with `code` (the first request since reset wins); the board's power switch uses it too. */
  requestHalt(code: number, reason: string): void {
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

/** Offset of the board revision word in the boot ROM (Malta User's Manual, "REVISION"). */
export const BOOT_ROM_REVISION = 0x10;
/** Board revision: Malta with a CoreLV card (core card ID 0x420), as QEMU reports it. */
export const MALTA_REVISION_CORELV = 0x00000420;

/**
 * The boot ROM at 0x1FC00000: contents come only from the loader; guest stores are ignored
 * (as writes to QEMU's Malta BIOS region are). Reads of never-loaded bytes return 0. The word
 * at +0x10 always reads as the board revision (0x420, CoreLV), whatever an image loads there:
 * QEMU patches it in after loading, and Linux reads it to tell the core card and controller.
 */
export class BootRom implements Device {
  readonly name = 'boot-rom';
  readonly bytes = new Uint8Array(MALTA_BOOT_ROM_SIZE);
  private readonly view = new DataView(this.bytes.buffer);
  read(offset: number, size: AccessSize): number {
    if (offset >= BOOT_ROM_REVISION && offset < BOOT_ROM_REVISION + 4) {
      const shift = (offset - BOOT_ROM_REVISION) * 8;
      const v = MALTA_REVISION_CORELV >>> shift;
      return size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff);
    }
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

/** Options of the full board: time, the CPU's interrupt inputs and the power switch. */
export interface MaltaPlatformOptions {
  /** Simulated time for the 8254, the RTC and the ACPI PM timer. */
  clock: Clock;
  /** Drive CPU hardware interrupt line `ip` (Cause.IP2..IP6). */
  setCpuIrq: (ip: number, level: boolean) => void;
  /** The guest powered the board off (PIIX4 PM1 control, SUS_TYP soft off). */
  onPowerOff: () => void;
  /** RTC time at cycle 0, seconds since 1970 (default 2000-01-01 00:00:00 UTC). */
  rtcStart?: number;
  /** Receives bytes the guest sends out of COM2 (default: dropped, as QEMU does without -serial). */
  com2Out?: (byte: number) => void;
  /** A timer device was reprogrammed: its next event may have moved (the run loop re-reads it). */
  onTimerChange?: () => void;
}

/** The devices the full board adds (see attachMaltaPlatform). */
export interface MaltaPlatform {
  readonly gt: Gt64120;
  readonly pci: PciBus;
  readonly io: IoSpace;
  readonly pic: I8259Pair;
  readonly pit: I8254;
  readonly rtc: Mc146818;
  readonly kbc: I8042;
  readonly com2: Uart16550;
  readonly piix4: Piix4;
  /** The devices with timers of their own; the run loop stops at `timers.nextEvent()`. */
  readonly timers: TimedGroup;
}

/** CPU interrupt lines (Cause.IP2..6) of the Malta's interrupt sources (Malta User's Manual 5.3). */
export const MALTA_IP_I8259 = 2;
export const MALTA_IP_CBUS_UART = 4;

/** ISA IRQ numbers on the PIIX4's 8259 pair. */
export const ISA_IRQ_PIT = 0;
export const ISA_IRQ_KBD = 1;
export const ISA_IRQ_COM2 = 3;
export const ISA_IRQ_COM1 = 4;
export const ISA_IRQ_RTC = 8;
export const ISA_IRQ_MOUSE = 12;

/**
 * Turn a bare board (from attachMalta) into the full Malta that Linux boots on: the GT-64120 at
 * 0x1BE00000 with the PCI bus, the PIIX4 and its ISA devices in the PCI I/O window at
 * 0x18000000, the keyboard controller and COM2 of the super I/O chip, and the interrupt wiring.
 */
export function attachMaltaPlatform(bus: Bus, board: MaltaBoard, opts: MaltaPlatformOptions): MaltaPlatform {
  const { clock } = opts;
  const pic = new I8259Pair((level) => opts.setCpuIrq(MALTA_IP_I8259, level));
  const isaIrq = (irq: number) => (level: boolean): void => pic.setIrq(irq, level);
  const pci = new PciBus();
  const io = new IoSpace();
  const gt = new Gt64120(pci, () => pic.iack());
  const changed = opts.onTimerChange ?? (() => {});
  const pit = new I8254(clock, isaIrq(ISA_IRQ_PIT), changed);
  const rtc = new Mc146818(clock, isaIrq(ISA_IRQ_RTC), { startTime: opts.rtcStart, onChange: changed });
  const kbc = new I8042((irq, level) => pic.setIrq(irq, level));
  const com2 = new Uart16550({ name: 'com2', stride: 1, out: opts.com2Out ?? (() => {}), onIrq: isaIrq(ISA_IRQ_COM2) });
  board.com1.onIrq = isaIrq(ISA_IRQ_COM1);
  board.cbusUart.onIrq = (level) => opts.setCpuIrq(MALTA_IP_CBUS_UART, level);
  const piix4 = attachPiix4(pci, io, clock, opts.onPowerOff);

  // ISA ports (PIIX4 data sheet table 3, "ISA-compatible I/O space"; the super I/O's ports).
  const dma = new NullPorts('dma');
  io.claim('dma1', 0x00, 0x10, dma); // 8237 DMA controllers and page registers: not modelled
  io.claim('pic-master', 0x20, 2, new PicPorts('pic-master', pic, 0x20));
  io.claim('pit', 0x40, 4, new PitPorts(pit));
  io.claim('i8042-data', 0x60, 1, new KbdPorts(kbc, 0));
  io.claim('i8042-cmd', 0x64, 1, new KbdPorts(kbc, 4));
  io.claim('port-b', 0x61, 1, {
    name: 'port-b',
    read: () => pit.readPortB(),
    write: (_o: number, _s: AccessSize, v: number) => pit.writePortB(v),
    reset: () => {},
  });
  io.claim('rtc', 0x70, 2, new RtcPorts(rtc));
  io.claim('dma-page', 0x80, 0x10, dma);
  io.claim('pic-slave', 0xa0, 2, new PicPorts('pic-slave', pic, 0xa0));
  io.claim('dma2', 0xc0, 0x20, dma);
  io.claim('com2', 0x2f8, 8, com2);
  io.claim('elcr', 0x4d0, 2, new PicPorts('elcr', pic, 0x4d0));

  // The PCI I/O window, around COM1 (which the bare board maps by itself).
  const comPort = MALTA_COM1 - MALTA_PCI_IO;
  bus.map(MALTA_PCI_IO, comPort, new IoWindow('pci-io', io, 0, true));
  bus.map(MALTA_COM1 + MALTA_COM1_SIZE, 0x200000 - comPort - MALTA_COM1_SIZE, new IoWindow('pci-io-hi', io, comPort + MALTA_COM1_SIZE, false));
  bus.map(MALTA_GT64120, GT_SIZE, gt);

  const timers = new TimedGroup();
  timers.add(pit);
  timers.add(rtc);
  return { gt, pci, io, pic, pit, rtc, kbc, com2, piix4, timers };
}
