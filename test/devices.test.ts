// Devices: the 16550 UART register model and the Malta board map (SOFTRES, halt register,
// UART windows, unmapped holes).

import { describe, expect, it } from 'vitest';
import { Bus } from '../cpu/bus.ts';
import {
  IIR_CTI, IIR_NO_INT, IIR_RDI, IIR_THRI, LSR_DR, LSR_TEMT, LSR_THRE, Uart16550, UART_DLL, UART_DLM, UART_FCR,
  UART_IER, UART_IIR, UART_LCR, UART_LSR, UART_MCR, UART_MSR, UART_RBR, UART_SCR, UART_THR,
} from '../cpu/uart16550.ts';
import {
  FPGA_HALT, FPGA_SOFTRES, MALTA_CBUS_UART, MALTA_COM1, MALTA_FPGA, MALTA_HALT, MALTA_SOFTRES, attachMalta, layoutTable,
} from '../cpu/malta.ts';

function makeUart(stride: 1 | 8): { u: Uart16550; out: number[]; irqs: boolean[]; rd: (r: number) => number; wr: (r: number, v: number) => void } {
  const out: number[] = [];
  const irqs: boolean[] = [];
  const u = new Uart16550({ name: 'u', stride, out: (b) => out.push(b), onIrq: (l) => irqs.push(l) });
  u.reset();
  return { u, out, irqs, rd: (r) => u.read(r * stride, 1), wr: (r, v) => u.write(r * stride, 1, v) };
}

describe('Uart16550', () => {
  for (const stride of [1, 8] as const) {
    describe(`stride ${stride}`, () => {
      it('transmits THR writes to the sink; LSR always shows THRE|TEMT', () => {
        const { u, out, rd, wr } = makeUart(stride);
        expect(u.size).toBe(8 * stride);
        expect(rd(UART_LSR)).toBe(LSR_THRE | LSR_TEMT);
        for (const c of 'hi\n') wr(UART_THR, c.charCodeAt(0));
        expect(String.fromCharCode(...out)).toBe('hi\n');
        expect(rd(UART_LSR)).toBe(LSR_THRE | LSR_TEMT);
      });

      it('DLAB selects the divisor latch instead of THR/RBR and IER', () => {
        const { out, rd, wr } = makeUart(stride);
        wr(UART_IER, 0x05);
        wr(UART_LCR, 0x83);
        wr(UART_DLL, 0x0c);
        wr(UART_DLM, 0x01);
        expect(out).toEqual([]);
        expect(rd(UART_DLL)).toBe(0x0c);
        expect(rd(UART_DLM)).toBe(0x01);
        wr(UART_LCR, 0x03);
        expect(rd(UART_LCR)).toBe(0x03);
        expect(rd(UART_IER)).toBe(0x05);
      });

      it('IER keeps its low four bits; SCR and MCR store; MSR reads DCD|DSR|CTS', () => {
        const { rd, wr } = makeUart(stride);
        wr(UART_IER, 0xff);
        expect(rd(UART_IER)).toBe(0x0f);
        wr(UART_IER, 0);
        wr(UART_SCR, 0xa5);
        expect(rd(UART_SCR)).toBe(0xa5);
        wr(UART_MCR, 0xff);
        expect(rd(UART_MCR)).toBe(0x1f);
        wr(UART_MCR, 0x0b);
        expect(rd(UART_MSR)).toBe(0xb0);
      });

      it('receives queued input in order with DR in LSR', () => {
        const { u, rd } = makeUart(stride);
        expect(rd(UART_RBR)).toBe(0);
        u.pushInput([0x41, 0x42]);
        expect(rd(UART_LSR) & LSR_DR).toBe(LSR_DR);
        expect(rd(UART_RBR)).toBe(0x41);
        expect(rd(UART_RBR)).toBe(0x42);
        expect(rd(UART_LSR) & LSR_DR).toBe(0);
      });
    });
  }

  it('THR-empty interrupt: raised on enable, acknowledged by reading IIR, re-armed by THR writes', () => {
    const { u, irqs, rd, wr } = makeUart(1);
    expect(rd(UART_IIR)).toBe(IIR_NO_INT);
    wr(UART_IER, 0x02);
    expect(u.irq).toBe(true);
    expect(rd(UART_IIR)).toBe(IIR_THRI);
    expect(u.irq).toBe(false);
    expect(rd(UART_IIR)).toBe(IIR_NO_INT);
    wr(UART_THR, 0x55);
    expect(u.irq).toBe(true);
    wr(UART_IER, 0);
    expect(u.irq).toBe(false);
    expect(irqs).toEqual([true, false, true, false]);
  });

  it('received-data interrupt outranks THR empty and follows the FIFO trigger level', () => {
    const { u, rd, wr } = makeUart(8);
    wr(UART_IER, 0x03);
    u.pushInput([1]);
    expect(rd(UART_IIR)).toBe(IIR_RDI); // 16450 mode: one byte is enough
    rd(UART_RBR);
    expect(rd(UART_IIR)).toBe(IIR_THRI);
    wr(UART_FCR, 0x81); // FIFO on, trigger 8
    u.pushInput([1, 2, 3]);
    expect(rd(UART_IIR)).toBe(0xc0 | IIR_CTI); // below trigger: character timeout
    u.pushInput([4, 5, 6, 7, 8]);
    expect(rd(UART_IIR)).toBe(0xc0 | IIR_RDI);
    for (let i = 1; i <= 8; i++) expect(rd(UART_RBR)).toBe(i);
    expect(rd(UART_IIR)).toBe(0xc0 | IIR_NO_INT); // THRI was acknowledged above
    expect(u.irq).toBe(false);
  });

  it('FCR clear drops only what the device holds (16 in FIFO mode, 1 otherwise)', () => {
    const { u, rd, wr } = makeUart(1);
    wr(UART_FCR, 0x01);
    u.pushInput(Array.from({ length: 20 }, (_, i) => i));
    wr(UART_FCR, 0x03);
    expect(u.pendingInput).toBe(4);
    expect(rd(UART_RBR)).toBe(16);
    u.pushInput(Array.from({ length: 20 }, (_, i) => i)); // 17, 18, 19, 0..19
    wr(UART_FCR, 0x00); // leaving FIFO mode clears the 16 held bytes
    expect(u.pendingInput).toBe(7);
    wr(UART_FCR, 0x02); // 16450 mode: the holding register alone
    expect(u.pendingInput).toBe(6);
    expect(rd(UART_RBR)).toBe(14);
  });

  it('loopback returns transmitted bytes and mirrors MCR into MSR', () => {
    const { out, rd, wr } = makeUart(1);
    wr(UART_MCR, 0x10 | 0x0b); // LOOP, OUT2, RTS, DTR
    expect(rd(UART_MSR)).toBe(0x80 | 0x10 | 0x20);
    wr(UART_MCR, 0x10 | 0x04); // LOOP, OUT1
    expect(rd(UART_MSR)).toBe(0x40);
    wr(UART_THR, 0x5a);
    expect(out).toEqual([]);
    expect(rd(UART_LSR) & LSR_DR).toBe(LSR_DR);
    expect(rd(UART_RBR)).toBe(0x5a);
  });

  it('wider accesses and any byte inside a stride act on the register\'s low byte', () => {
    const { u, out } = makeUart(8);
    u.write(0, 4, 0x12345641);
    expect(out).toEqual([0x41]);
    u.write(7 * 8, 2, 0xbeef);
    expect(u.read(7 * 8, 4)).toBe(0xef);
    expect(u.read(7 * 8 + 3, 1)).toBe(0xef);
    expect(u.read(5 * 8 + 5, 1)).toBe(LSR_THRE | LSR_TEMT);
  });

  it('reset returns to power-on state and drops input', () => {
    const { u, irqs, rd, wr } = makeUart(1);
    wr(UART_IER, 0x03);
    wr(UART_SCR, 9);
    u.pushInput([1, 2]);
    u.reset();
    expect(u.irq).toBe(false);
    expect(irqs.at(-1)).toBe(false);
    expect(u.pendingInput).toBe(0);
    expect([rd(UART_IER), rd(UART_IIR), rd(UART_LCR), rd(UART_MCR), rd(UART_LSR), rd(UART_SCR)]).toEqual([0, 1, 0, 0, 0x60, 0]);
  });
});

describe('Malta board', () => {
  function board(): { bus: Bus; out: number[]; halts: Array<[number, string]>; b: ReturnType<typeof attachMalta> } {
    const bus = new Bus(4 * 0x100000);
    const out: number[] = [];
    const halts: Array<[number, string]> = [];
    const b = attachMalta(bus, { out: (x) => out.push(x), onHalt: (c, r) => halts.push([c, r]) });
    return { bus, out, halts, b };
  }

  it('SOFTRES: 0x42 halts with code 0, other values do nothing', () => {
    const { bus, halts, b } = board();
    expect(MALTA_SOFTRES).toBe(0x1f000500);
    expect(bus.write(MALTA_SOFTRES, 1, 0x41)).toBe(true);
    expect(bus.write(MALTA_SOFTRES, 4, 0x142)).toBe(true);
    expect(bus.write(MALTA_SOFTRES + 1, 1, 0x42)).toBe(true);
    expect(halts).toEqual([]);
    bus.write(MALTA_SOFTRES, 1, 0x42);
    expect(halts).toEqual([[0, 'softres']]);
    expect(b.fpga.halt).toEqual({ code: 0, reason: 'softres' });
  });

  it('halt register: a 32-bit store of N halts with N; the first request wins until reset', () => {
    const { bus, halts } = board();
    expect(MALTA_HALT).toBe(0x1f000600);
    bus.write(MALTA_HALT, 4, 7);
    bus.write(MALTA_SOFTRES, 1, 0x42); // the convention's second store: not reported again
    expect(halts).toEqual([[7, 'halt register']]);
    expect(bus.read(MALTA_HALT, 4)).toBe(0);
    bus.reset();
    bus.write(MALTA_HALT, 4, -1);
    expect(halts).toEqual([[7, 'halt register'], [0xffffffff, 'halt register']]);
  });

  it('maps both UARTs at their Malta addresses to the output sink', () => {
    const { bus, out, b } = board();
    expect(MALTA_COM1).toBe(0x180003f8);
    expect(MALTA_CBUS_UART).toBe(0x1f000900);
    bus.write(MALTA_COM1, 1, 0x61);
    bus.write(MALTA_CBUS_UART, 1, 0x62);
    expect(out).toEqual([0x61, 0x62]);
    expect(bus.read(MALTA_COM1 + 5, 1)).toBe(0x60);
    expect(bus.read(MALTA_CBUS_UART + 5 * 8, 1)).toBe(0x60);
    b.com1.pushInput([0x7a]);
    expect(bus.read(MALTA_COM1 + 5, 1)).toBe(0x61);
    expect(bus.read(MALTA_COM1, 1)).toBe(0x7a);
  });

  it('the rest of the FPGA reads 0 and ignores writes; known registers behave as on QEMU', () => {
    const { bus, b } = board();
    expect(bus.read(MALTA_FPGA, 4)).toBe(0);
    expect(bus.read(MALTA_FPGA + 0x8fc, 4)).toBe(0);
    expect(bus.read(MALTA_FPGA + 0xffffc, 4)).toBe(0);
    expect(bus.write(MALTA_FPGA + 0x1234, 4, 99)).toBe(true);
    expect(bus.read(MALTA_FPGA + 0x1234, 4)).toBe(0);
    expect(bus.read(MALTA_FPGA + 0x208, 4)).toBe(0x10); // STATUS, little-endian board
    bus.write(MALTA_FPGA + 0x408, 4, 0x1a5);
    expect(bus.read(MALTA_FPGA + 0x408, 4)).toBe(0xa5); // LEDBAR keeps 8 bits
    bus.write(MALTA_FPGA + 0x410, 4, 0xdeadbeef);
    expect(b.fpga.display).toBe('DEADBEEF');
    bus.write(MALTA_FPGA + 0x418, 1, 0x21);
    expect(b.fpga.display).toBe('!EADBEEF');
    expect(FPGA_SOFTRES).toBe(0x500);
    expect(FPGA_HALT).toBe(0x600);
  });

  it('leaves everything else unmapped, including the hole after the CBUS UART', () => {
    const { bus } = board();
    for (const pa of [0x00400000, 0x10000000, 0x18000000, 0x180003f7, 0x18000400, 0x1be00000, 0x1e000000,
      MALTA_FPGA + 0x940, MALTA_FPGA + 0x9fc, 0x1f100000, 0x1fbffffc, 0x20000000]) {
      expect(bus.read(pa, 4), pa.toString(16)).toBeNaN();
      expect(bus.write(pa, 4, 0), pa.toString(16)).toBe(false);
    }
    expect(bus.decodes(MALTA_FPGA + 0x93f)).toBe(true);
    expect(bus.decodes(MALTA_FPGA + 0xa00)).toBe(true);
  });

  it('has a boot ROM at 0x1FC00000 that only the loader can fill', () => {
    const { bus } = board();
    expect(bus.read(0x1fc00200, 4)).toBe(0);
    expect(bus.loadImage(0x1fc00200, new Uint8Array([1, 2, 3, 4]), 8)).toBe(true);
    expect(bus.read(0x1fc00200, 4)).toBe(0x04030201);
    expect(bus.read(0x1fc00204, 4)).toBe(0);
    expect(bus.write(0x1fc00200, 4, 0x12345678)).toBe(true); // decoded, but ROM: ignored
    expect(bus.read(0x1fc00200, 4)).toBe(0x04030201);
    expect(bus.loadImage(0x1ffffffc, new Uint8Array(8), 8)).toBe(false); // runs past the ROM
  });

  it('documents its layout', () => {
    const { bus } = board();
    expect(bus.layout().map((r) => r.name)).toEqual(['malta-fpga', 'cbus-uart', 'malta-fpga-hi', 'com1', 'boot-rom']);
    const t = layoutTable(64 * 0x100000);
    expect(t).toContain('0x00000000-0x03FFFFFF  RAM');
    expect(t).toContain('0x180003F8-0x180003FF  COM1 16550 (PIIX4)');
    expect(t).toContain('0x1F000900-0x1F00093F  CBUS UART 16550');
  });
});
