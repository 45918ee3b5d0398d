// The Intel 82371AB PIIX4 south bridge as the Malta carries it at PCI device 10 (Intel
// 82371AB PIIX4 data sheet, 1997): function 0 the PCI-to-ISA bridge, 1 the IDE controller,
// 2 the USB (UHCI) controller, 3 the power-management function with ACPI registers.
//
// Configuration space values are those QEMU's Malta presents (subsystem 1AF4:1100, status and
// class codes, PIRQ routing A..D = 10, 10, 11, 11, the PM function's device-resource bytes), so
// that the kernel's probe prints the same lines. The ISA devices themselves (8259s, 8254, RTC,
// keyboard controller, UARTs) are separate models that the board claims ports for.
//
// Modelled beyond configuration space: the PM I/O block at PMBA (config 0x40, enabled by
// PMIOSE, config 0x80 bit 0) with PM1 status/enable/control and the 24-bit ACPI PM timer; a
// write of SUS_EN with SUS_TYP = 000 (soft off) to PM1 control powers the board off, which is
// how Linux's piix4-poweroff driver ends `poweroff -f`. The UHCI and IDE bus-master register
// blocks decode at their BAR 4 while I/O decoding is on; they hold what is written (UHCI's
// reset bits clear themselves) and move no data: Linux's USB early hand-off resets the UHCI
// controller, and ata_piix is a module nobody loads.

import type { AccessSize, Device } from './bus.ts';
import type { Clock } from './clock.ts';
import { IoSpace, ScratchPorts } from './ioport.ts';
import { PCI_COMMAND, PciBus, PciFunction } from './pci.ts';

export const PIIX4_DEVICE = 10;
/** ACPI PM timer rate (PIIX4 data sheet 11.5.2: 3.579545 MHz). */
export const PM_TIMER_HZ = 3579545;

/** PM register offsets from PMBA (PIIX4 data sheet 11.5). */
export const PM1_STS = 0x00;
export const PM1_EN = 0x02;
export const PM1_CNT = 0x04;
export const PM_TMR = 0x08;
const PM1_CNT_SUS_EN = 0x2000;
const PM_IO_SIZE = 0x40;

/** The PM function's I/O block. */
class PmIo implements Device {
  readonly name = 'piix4-pm';
  private sts = 0;
  private en = 0;
  private cnt = 0;
  private readonly other = new ScratchPorts('piix4-pm-gp', PM_IO_SIZE);

  constructor(private readonly clock: Clock, private readonly onPowerOff: () => void) {}

  reset(): void { this.sts = 0; this.en = 0; this.cnt = 0; this.other.reset(); }

  private timer(): number {
    return Math.floor((this.clock.now() / this.clock.hz) * PM_TIMER_HZ) & 0xffffff;
  }

  read(offset: number, size: AccessSize): number {
    switch (offset) {
      case PM1_STS: return size === 1 ? this.sts & 0xff : this.sts;
      case PM1_EN: return this.en;
      case PM1_CNT: return this.cnt;
      case PM_TMR: return this.timer();
      default: return this.other.read(offset, size);
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    switch (offset) {
      case PM1_STS: this.sts &= ~value & 0xffff; return; // write 1 to clear
      case PM1_EN: this.en = value & 0xffff; return;
      case PM1_CNT:
        this.cnt = value & 0xffff & ~PM1_CNT_SUS_EN;
        if ((value & PM1_CNT_SUS_EN) !== 0 && ((value >> 10) & 7) === 0) this.onPowerOff();
        return;
      default: this.other.write(offset, size, value);
    }
  }
}

/** UHCI registers (Universal Host Controller Interface design guide 2.1), held but idle. */
class UhciIo implements Device {
  readonly name = 'piix4-uhci';
  private readonly regs = new ScratchPorts('uhci-regs', 0x20);
  reset(): void { this.regs.reset(); }
  read(offset: number, size: AccessSize): number {
    const v = this.regs.read(offset, size);
    // USBSTS bit 5: HCHalted while Run/Stop (USBCMD bit 0) is clear.
    if (offset === 2 && (this.regs.read(0, 2) & 1) === 0) return v | 0x20;
    return v;
  }
  write(offset: number, size: AccessSize, value: number): void {
    if (offset === 0) {
      // USBCMD: GRESET (bit 2) and HCRESET (bit 1) complete at once and clear themselves.
      if (value & 6) this.regs.reset();
      this.regs.write(0, size, value & ~6);
      return;
    }
    if (offset === 2) { // USBSTS: write 1 to clear
      this.regs.write(2, 2, this.regs.read(2, 2) & ~value);
      return;
    }
    this.regs.write(offset, size, value);
  }
}

export interface Piix4 {
  readonly isa: PciFunction;
  readonly ide: PciFunction;
  readonly usb: PciFunction;
  readonly pm: PciFunction;
}

/**
 * Put the PIIX4's four functions on `pci` at device 10 and keep their I/O decoders in `io`
 * up to date with their configuration. `onPowerOff` hears a soft-off request.
 */
export function attachPiix4(pci: PciBus, io: IoSpace, clock: Clock, onPowerOff: () => void): Piix4 {
  const sub = { subsystemVendor: 0x1af4, subsystem: 0x1100 };
  const isa = new PciFunction('piix4-isa', { vendor: 0x8086, device: 0x7110, classCode: 0x060100, revision: 0, headerType: 0x80, status: 0x0200, ...sub });
  isa.set32(0x60, 0x0b0b0a0a); // PIRQRC[A:D]: IRQ 10, 10, 11, 11
  isa.set8(0x69, 0x02); // TOM: top of memory 1 MiB (reset value)

  const ide = new PciFunction('piix4-ide', { vendor: 0x8086, device: 0x7111, classCode: 0x010180, revision: 0, status: 0x0280, ...sub });
  ide.bar(4, 'io', 16);

  const usb = new PciFunction('piix4-uhci', { vendor: 0x8086, device: 0x7112, classCode: 0x0c0300, revision: 1, interruptPin: 4, ...sub });
  usb.bar(4, 'io', 32);

  const pm = new PciFunction('piix4-pm', { vendor: 0x8086, device: 0x7113, classCode: 0x068000, revision: 3, status: 0x0280, interruptPin: 1, ...sub });
  pm.set8(0x40, 0x01); // PMBA: I/O space indicator
  pm.set8(0x5f, 0x90); // device resources as QEMU sets them (two serial ports present)
  pm.set8(0x63, 0x60);
  pm.set8(0x67, 0x98);
  pm.set16(0x90, 0x1101); // SMBBA 0x1100
  pm.set8(0xd2, 0x09); // SMBHSTCFG

  pci.add(PIIX4_DEVICE, 0, isa);
  pci.add(PIIX4_DEVICE, 1, ide);
  pci.add(PIIX4_DEVICE, 2, usb);
  pci.add(PIIX4_DEVICE, 3, pm);

  const pmIo = new PmIo(clock, onPowerOff);
  const uhci = new UhciIo();
  const bm = new ScratchPorts('piix4-ide-bm', 16);

  /** Claim or release an I/O BAR's ports according to the command register. */
  const decodeBar = (f: PciFunction, off: number, size: number, dev: Device): void => {
    const base = f.get32(off) & ~(size - 1) & 0xfffc;
    if ((f.get16(PCI_COMMAND) & 1) !== 0 && base !== 0) io.claim(dev.name, base, size, dev);
    else io.release(dev.name);
  };
  const decodePm = (): void => {
    const base = pm.get16(0x40) & 0xffc0;
    if ((pm.get8(0x80) & 1) !== 0 && base !== 0) io.claim(pmIo.name, base, PM_IO_SIZE, pmIo);
    else io.release(pmIo.name);
  };
  usb.onWrite = () => decodeBar(usb, 0x20, 32, uhci);
  ide.onWrite = () => decodeBar(ide, 0x20, 16, bm);
  pm.onWrite = decodePm;
  return { isa, ide, usb, pm };
}
