// The full Malta board (cpu/malta.ts attachMaltaPlatform): PCI configuration space through the
// GT-64120, the 8259 pair and interrupt acknowledge, the 8254, the MC146818 RTC in simulated
// time, the keyboard controller, the PIIX4's power-management I/O and soft-off, the ISA port
// space, the board revision word, and where the Linux loader puts the initrd. Expected values
// come from the data sheets and from what QEMU's Malta presents to Linux (traced with
// `qemu-system-mipsel -trace pci_cfg*`).

import { describe, expect, it } from 'vitest';
import { Bus } from '../cpu/bus.ts';
import { ManualClock } from '../cpu/clock.ts';
import { buildElf } from '../cpu/elf.ts';
import { I8259Pair } from '../cpu/i8259.ts';
import { PIT_HZ } from '../cpu/i8254.ts';
import { civilFromUnix, unixFromCivil, RTC_DEFAULT_START } from '../cpu/rtc.ts';
import { bootLinux, initrdAddress } from '../cpu/linux.ts';
import { Machine } from '../cpu/machine.ts';
import { MALTA_BOOT_ROM, MALTA_GT64120, MALTA_PCI_IO, attachMalta, attachMaltaPlatform } from '../cpu/malta.ts';

const HZ = 100_000_000;
const GT = MALTA_GT64120;
const io = (port: number): number => MALTA_PCI_IO + port;

function board() {
  const bus = new Bus(64 << 20);
  const halts: string[] = [];
  const b = attachMalta(bus, { out: () => {}, onHalt: (_c, r) => halts.push(r) });
  const clock = new ManualClock(HZ);
  const cpuIrq: boolean[] = [false, false, false, false, false, false, false, false];
  let powerOffs = 0;
  const p = attachMaltaPlatform(bus, b, {
    clock,
    setCpuIrq: (ip, level) => { cpuIrq[ip] = level; },
    onPowerOff: () => { powerOffs++; },
  });
  const cfgRead = (dev: number, fn: number, reg: number): number => {
    bus.write(GT + 0xcf8, 4, (0x80000000 | (dev << 11) | (fn << 8) | reg) | 0);
    return bus.read(GT + 0xcfc, 4) >>> 0;
  };
  const cfgWrite = (dev: number, fn: number, reg: number, v: number): void => {
    bus.write(GT + 0xcf8, 4, (0x80000000 | (dev << 11) | (fn << 8) | reg) | 0);
    bus.write(GT + 0xcfc, 4, v | 0);
  };
  return { bus, b, p, clock, cpuIrq, halts, powerOffs: () => powerOffs, cfgRead, cfgWrite };
}

describe('GT-64120 and PCI configuration space', () => {
  it('starts with the windows QEMU\'s boot stub sets (I/O 0x18000000, memory 0x10000000)', () => {
    const { bus } = board();
    expect(bus.read(GT + 0x48, 4)).toBe(0xc0); // PCI0IOLD: 0x18000000 >> 21
    expect(bus.read(GT + 0x50, 4)).toBe(0x40);
    expect(bus.read(GT + 0x58, 4)).toBe(0x80);
    expect(bus.read(GT + 0x60, 4)).toBe(0x3f);
    expect(bus.read(GT + 0x68, 4)).toBe(0xdf); // ISD: 0x1BE00000 >> 21
    expect(bus.read(GT + 0xf0, 4)).toBe(0xc0); // I/O remap (Linux clears it)
    bus.write(GT + 0xf0, 4, 0);
    expect(bus.read(GT + 0xf0, 4)).toBe(0);
  });

  it('lists the host bridge and the four PIIX4 functions; empty slots read all ones', () => {
    const { cfgRead } = board();
    expect(cfgRead(0, 0, 0)).toBe(0x462011ab);
    expect(cfgRead(0, 0, 8)).toBe(0x06000010);
    expect(cfgRead(10, 0, 0)).toBe(0x71108086);
    expect(cfgRead(10, 0, 0xc)).toBe(0x00800000); // multi-function
    expect(cfgRead(10, 1, 8)).toBe(0x01018000);
    expect(cfgRead(10, 2, 8)).toBe(0x0c030001);
    expect(cfgRead(10, 3, 8)).toBe(0x06800003);
    expect(cfgRead(10, 0, 0x60)).toBe(0x0b0b0a0a); // PIRQ A-D routing
    expect(cfgRead(10, 0, 0x2c)).toBe(0x11001af4);
    expect(cfgRead(11, 0, 0)).toBe(0xffffffff);
    expect(cfgRead(18, 0, 0)).toBe(0xffffffff);
  });

  it('sizes BARs: the IDE bus-master BAR is 16 bytes of I/O, the host bridge BARs are fixed', () => {
    const { cfgRead, cfgWrite } = board();
    cfgWrite(10, 1, 0x20, 0xffffffff);
    expect(cfgRead(10, 1, 0x20)).toBe(0xfffffff1);
    cfgWrite(10, 1, 0x20, 0x1061);
    expect(cfgRead(10, 1, 0x20)).toBe(0x1061);
    cfgWrite(0, 0, 0x14, 0xffffffff);
    expect(cfgRead(0, 0, 0x14)).toBe(0x01000008);
  });

  it('masks the command register and clears status bits written as ones', () => {
    const { p, cfgRead, cfgWrite } = board();
    cfgWrite(10, 0, 4, 0x00000008); // special cycles: not writable
    expect(cfgRead(10, 0, 4)).toBe(0x02000000);
    cfgWrite(10, 0, 4, 0x00000400); // INTx disable: writable
    expect(cfgRead(10, 0, 4)).toBe(0x02000400);
    p.piix4.isa.set16(6, 0x2200); // received master abort
    cfgWrite(10, 0, 4, 0x20000000);
    expect(cfgRead(10, 0, 4) >>> 16).toBe(0x0200);
  });

  it('clears interrupt cause bits written as zero and keeps the summary bit', () => {
    const { bus, p } = board();
    p.gt.regs[0xc18 >> 2] = 0x00040001;
    bus.write(GT + 0xc18, 4, 0xfff3ffff);
    expect(bus.read(GT + 0xc18, 4)).toBe(0);
  });
});

describe('8259 pair', () => {
  /** Linux's init_8259A: ICW1-4 for both, then masks. */
  function linuxInit(pic: I8259Pair): void {
    pic.writePort(0x21, 0xff); pic.writePort(0xa1, 0xff);
    pic.writePort(0x20, 0x11); pic.writePort(0x21, 0x00); pic.writePort(0x21, 0x04); pic.writePort(0x21, 0x01);
    pic.writePort(0xa0, 0x11); pic.writePort(0xa1, 0x08); pic.writePort(0xa1, 0x02); pic.writePort(0xa1, 0x01);
    pic.writePort(0x21, 0xfb); pic.writePort(0xa1, 0xff);
  }

  it('raises the CPU line for an unmasked request and returns its vector on acknowledge', () => {
    const out: boolean[] = [];
    const pic = new I8259Pair((l) => out.push(l));
    linuxInit(pic);
    pic.setIrq(4, true);
    expect(pic.output).toBe(false); // masked
    pic.writePort(0x21, 0xeb);
    expect(pic.output).toBe(true);
    expect(pic.iack()).toBe(4);
    expect(pic.output).toBe(false); // in service, edge consumed
    pic.writePort(0x20, 0x0b); // OCW3: read ISR
    expect(pic.readPort(0x20)).toBe(0x10);
    pic.writePort(0x20, 0x64); // specific EOI, IR4
    expect(pic.readPort(0x20)).toBe(0);
    expect(out).toEqual([true, false]);
  });

  it('cascades slave requests through IR2 and answers spurious acknowledges with IR7', () => {
    const pic = new I8259Pair(() => {});
    linuxInit(pic);
    pic.writePort(0xa1, 0xef); // unmask IRQ 12
    pic.setIrq(12, true);
    expect(pic.output).toBe(true);
    expect(pic.iack()).toBe(12);
    pic.writePort(0xa0, 0x64);
    pic.writePort(0x20, 0x62);
    expect(pic.iack()).toBe(7); // nothing pending
  });

  it('triggers on edges unless the ELCR selects level mode', () => {
    const pic = new I8259Pair(() => {});
    linuxInit(pic);
    pic.writePort(0xa1, 0xf7); // unmask IRQ 11
    pic.setIrq(11, true);
    expect(pic.iack()).toBe(11);
    pic.writePort(0xa0, 0x20); pic.writePort(0x20, 0x20);
    expect(pic.output).toBe(false); // still high, but no new edge
    pic.writePort(0x4d1, 0x08); // IRQ 11 level triggered
    pic.setIrq(11, true);
    expect(pic.output).toBe(true);
    expect(pic.readPort(0x4d1)).toBe(0x08);
  });
});

describe('8254 timer', () => {
  it('counter 0 in mode 2 interrupts once per period through the 8259', () => {
    const { bus, p, clock, cpuIrq } = board();
    bus.write(io(0x21), 1, 0xfe); // unmask IRQ 0 (8259 left in its reset state: vector base 0)
    bus.write(io(0x43), 1, 0x34); // counter 0, LSB/MSB, mode 2
    bus.write(io(0x40), 1, 0xa5);
    bus.write(io(0x40), 1, 0x12); // 4773: 250 Hz
    const period = (4773 / PIT_HZ) * HZ;
    const first = p.timers.nextEvent();
    expect(first).toBeCloseTo(period, -1);
    clock.cycles = first;
    p.timers.tick(clock.cycles);
    expect(cpuIrq[2]).toBe(true);
    expect(bus.read(GT + 0xc34, 4)).toBe(0); // IACK: IRQ 0
    expect(p.timers.nextEvent()).toBeCloseTo(2 * period, -1);
  });

  it('latches and reads the count, which runs down at 1.193182 MHz', () => {
    const { bus, clock } = board();
    bus.write(io(0x43), 1, 0x30); // counter 0, LSB/MSB, mode 0
    bus.write(io(0x40), 1, 0x00);
    bus.write(io(0x40), 1, 0x10); // 4096
    clock.cycles = Math.round((1000 / PIT_HZ) * HZ) + 1; // 1000 ticks later
    bus.write(io(0x43), 1, 0x00); // latch counter 0
    const lo = bus.read(io(0x40), 1), hi = bus.read(io(0x40), 1);
    expect(lo | (hi << 8)).toBe(4096 - 1000);
  });
});

describe('MC146818 RTC', () => {
  const rtcRead = (bus: Bus, reg: number): number => { bus.write(io(0x70), 1, reg); return bus.read(io(0x71), 1); };

  it('reads 2000-01-01 00:00:00 in BCD at cycle 0 and advances with simulated time', () => {
    const { bus, clock } = board();
    expect(rtcRead(bus, 0x0b)).toBe(0x02); // 24-hour, BCD
    expect([rtcRead(bus, 9), rtcRead(bus, 8), rtcRead(bus, 7), rtcRead(bus, 4), rtcRead(bus, 2), rtcRead(bus, 0)]).toEqual([0, 1, 1, 0, 0, 0]);
    expect(rtcRead(bus, 6)).toBe(7); // Saturday
    clock.cycles = 61.5 * HZ;
    expect(rtcRead(bus, 2)).toBe(0x01);
    expect(rtcRead(bus, 0)).toBe(0x01);
  });

  it('sets UIP during the 244 us before each update, as the frequency calibration expects', () => {
    const { bus, clock } = board();
    clock.cycles = 0.9997 * HZ;
    expect(rtcRead(bus, 0x0a) & 0x80).toBe(0);
    clock.cycles = 0.99990 * HZ;
    expect(rtcRead(bus, 0x0a)).toBe(0xa6);
    clock.cycles = 1.00001 * HZ;
    expect(rtcRead(bus, 0x0a)).toBe(0x26);
    expect(rtcRead(bus, 0)).toBe(1);
  });

  it('flags update-ended interrupts in register C, which a read clears', () => {
    const { bus, clock, p } = board();
    bus.write(io(0x70), 1, 0x0b);
    bus.write(io(0x71), 1, 0x12); // UIE
    expect(p.timers.nextEvent()).toBe(HZ);
    clock.cycles = HZ;
    p.timers.tick(HZ);
    expect(rtcRead(bus, 0x0c)).toBe(0xd0); // IRQF, UF, and PF: flags are set whether enabled or not
    expect(rtcRead(bus, 0x0c)).toBe(0);
  });

  it('converts civil time both ways', () => {
    expect(civilFromUnix(RTC_DEFAULT_START)).toEqual({ year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0, weekday: 7 });
    expect(unixFromCivil(2026, 11, 22, 2, 57, 46)).toBe(1795316266);
    expect(civilFromUnix(1795316266)).toEqual({ year: 2026, month: 11, day: 22, hour: 2, minute: 57, second: 46, weekday: 1 });
  });
});

describe('8042 keyboard controller', () => {
  it('passes its self test and answers the keyboard reset and ID as QEMU\'s does', () => {
    const { bus } = board();
    const cmd = (c: number): void => { bus.write(io(0x64), 1, c); };
    const data = (): number => bus.read(io(0x60), 1);
    expect(bus.read(io(0x64), 1)).toBe(0x18);
    cmd(0xaa);
    expect(bus.read(io(0x64), 1)).toBe(0x1d);
    expect(data()).toBe(0x55);
    cmd(0x20);
    expect(data()).toBe(0x03);
    cmd(0x60); bus.write(io(0x60), 1, 0x30);
    cmd(0xd3); bus.write(io(0x60), 1, 0xa5); // aux loopback
    expect(bus.read(io(0x64), 1)).toBe(0x3d);
    expect(data()).toBe(0xa5);
    cmd(0x60); bus.write(io(0x60), 1, 0x03);
    bus.write(io(0x60), 1, 0xff);
    expect([data(), data()]).toEqual([0xfa, 0xaa]);
    bus.write(io(0x60), 1, 0xf2);
    expect([data(), data(), data()]).toEqual([0xfa, 0xab, 0x83]);
    cmd(0xd4); bus.write(io(0x60), 1, 0xf2); // mouse ID
    expect([data(), data()]).toEqual([0xfa, 0x00]);
  });

  it('interrupts on IRQ 1 for keyboard bytes when enabled in the command byte', () => {
    const { bus, p } = board();
    bus.write(io(0x21), 1, 0xfd); // unmask IRQ 1
    bus.write(io(0x60), 1, 0xf4);
    expect(p.pic.output).toBe(true);
    expect(bus.read(GT + 0xc34, 4)).toBe(1);
    expect(bus.read(io(0x60), 1)).toBe(0xfa);
  });
});

describe('PIIX4 power management and the I/O space', () => {
  it('decodes the PM block where Linux puts it and powers off on SUS_EN with SUS_TYP 0', () => {
    const { bus, cfgWrite, powerOffs } = board();
    expect(bus.read(io(0x1004), 2)).toBe(0xffff); // not decoded yet
    cfgWrite(10, 3, 0x40, 0x1000);
    cfgWrite(10, 3, 0x80, 0x1);
    expect(bus.read(io(0x1004), 2)).toBe(0);
    bus.write(io(0x1004), 2, 0x1400 | 0x2000); // SUS_TYP 5: not soft off
    expect(powerOffs()).toBe(0);
    bus.write(io(0x1004), 2, 0x2000);
    expect(powerOffs()).toBe(1);
  });

  it('returns configuration space and I/O decoders to their reset state on a board reset', () => {
    const { bus, cfgRead, cfgWrite } = board();
    cfgWrite(10, 3, 0x40, 0x1000);
    cfgWrite(10, 3, 0x80, 0x1);
    expect(bus.read(io(0x1004), 2)).toBe(0);
    bus.reset();
    expect(cfgRead(10, 3, 0x40)).toBe(0x1);
    expect(bus.read(io(0x1004), 2)).toBe(0xffff);
    expect(bus.read(GT + 0xf0, 4)).toBe(0xc0);
  });

  it('counts the ACPI PM timer at 3.579545 MHz', () => {
    const { bus, clock, cfgWrite } = board();
    cfgWrite(10, 3, 0x40, 0x1000);
    cfgWrite(10, 3, 0x80, 0x1);
    clock.cycles = HZ / 1000; // 1 ms
    expect(bus.read(io(0x1008), 4)).toBe(3579);
  });

  it('reads unclaimed ports as all ones and ignores writes; COM1 stays where the bare board maps it', () => {
    const { bus, p } = board();
    expect(bus.read(io(0x3e8), 1)).toBe(0xff);
    expect(bus.write(io(0x3e8), 1, 0)).toBe(true);
    expect(bus.read(io(0x3fd), 1)).toBe(0x60); // COM1 LSR
    expect(bus.read(io(0x2fd), 1)).toBe(0x60); // COM2 LSR
    expect(p.io.layout().map((c) => c.name)).toContain('rtc');
  });

  it('reads the board revision (CoreLV, 0x420) at 0x1FC00010', () => {
    const { bus } = board();
    expect(bus.read(MALTA_BOOT_ROM + 0x10, 4)).toBe(0x420);
    expect(bus.read(MALTA_BOOT_ROM + 0x10, 2)).toBe(0x420);
    expect(bus.read(MALTA_BOOT_ROM + 0x11, 1)).toBe(0x04);
  });
});

describe('Linux loader', () => {
  it('puts the initrd where QEMU does: 64 KiB aligned, 128 KiB below the top of low memory', () => {
    expect(initrdAddress(256 << 20, 1153442)).toBe(0x0fed0000);
    expect(initrdAddress(64 << 20, 4096)).toBe(0x03fe0000);
  });

  it('passes rd_start/rd_size before the command line and QEMU\'s environment', () => {
    const kernel = buildElf([{ vaddr: 0x80100000, data: new Uint8Array([0, 0, 0, 0x10, 0, 0, 0, 0]) }], 0x80100000);
    const m = new Machine({ memBytes: 64 << 20, out: () => {} });
    bootLinux(m, { kernel, kernelName: 'vmlinuz', initrd: new Uint8Array(4096).fill(7), cmdline: 'console=ttyS0' });
    const str = (va: number): string => {
      let s = '';
      for (let a = va & 0x1fffffff; m.bus.ram8[a] !== 0; a++) s += String.fromCharCode(m.bus.ram8[a]);
      return s;
    };
    const word = (pa: number): number => new DataView(m.bus.ram).getUint32(pa, true);
    expect(m.cpu.r[4]).toBe(2);
    expect(str(word(0x2004))).toBe('rd_start=0xffffffff83fe0000 rd_size=4096 console=ttyS0');
    const env: string[] = [];
    for (let i = 2; word(0x2000 + 4 * i) !== 0; i++) env.push(str(word(0x2000 + 4 * i)));
    expect(env.slice(0, 6)).toEqual(['memsize', '67108864', 'ememsize', '67108864', 'modetty0', '38400n8r']);
    expect(env[6]).toBe('rngseed');
    expect(env[7]).toMatch(/^[0-9a-f]{64}$/);
    expect(m.bus.ram8[0x03fe0000]).toBe(7);
    expect(m.timers).not.toBeNull();
  });
});
