// A 16550A UART (National Semiconductor PC16550D data sheet), as QEMU's serial model presents
// it to a guest.
//
// The model:
// - Registers sit `stride` bytes apart (1 for the PIIX4 COM1 ports, 8 for the Malta CBUS UART);
//   register = offset / stride, so any byte inside a register's stride selects it (QEMU's
//   serial_mm does the same with addr >> regshift). Every access, whatever its width, acts on
//   the low byte and reads return that byte zero-extended.
// - Transmit is instantaneous: a THR write hands the byte to the `out` sink at once, so LSR
//   always shows THRE|TEMT and the THR-empty interrupt condition comes back right after each
//   write. Divisor latch and line settings are stored and read back but change nothing.
// - Receive: `pushInput` appends to a queue. The device itself holds at most 16 bytes (FIFO
//   mode) or 1 (16450 mode); the rest waits on the host side, as QEMU's chardev backend waits
//   while the FIFO is full, so no input is lost and LSR never reports overrun. FCR "clear
//   receiver" drops only what the device holds.
// - Interrupts (data sheet table 4, by priority): receiver line status never occurs (no errors
//   are modelled); received data available when the held bytes reach the FCR trigger level,
//   character timeout (IIR 0x0C) when fewer are held (the 4-character timeout is taken as
//   already elapsed: there is no time base); THR empty when armed; modem status never (the
//   delta bits stay 0). `onIrq(level)` is called on every change of the INTR output. OUT2 does
//   not gate the line (QEMU does not model that PC wiring either).
// - Loopback (MCR bit 4): transmitted bytes are received instead of sent, and MSR bits 7..4
//   reflect OUT2, OUT1, DTR, RTS. Outside loopback MSR reads DCD|DSR|CTS (0xB0).

import type { AccessSize, Device } from './bus.ts';

/** Register indices (data sheet table 2); DLAB = LCR bit 7 selects DLL/DLM at 0 and 1. */
export const UART_RBR = 0; // read, DLAB=0
export const UART_THR = 0; // write, DLAB=0
export const UART_DLL = 0; // DLAB=1
export const UART_IER = 1; // DLAB=0
export const UART_DLM = 1; // DLAB=1
export const UART_IIR = 2; // read
export const UART_FCR = 2; // write
export const UART_LCR = 3;
export const UART_MCR = 4;
export const UART_LSR = 5;
export const UART_MSR = 6;
export const UART_SCR = 7;

export const IER_ERBFI = 0x01; // received data available
export const IER_ETBEI = 0x02; // THR empty
export const IER_ELSI = 0x04; // receiver line status
export const IER_EDSSI = 0x08; // modem status

export const IIR_NO_INT = 0x01;
export const IIR_THRI = 0x02;
export const IIR_RDI = 0x04;
export const IIR_CTI = 0x0c;
export const IIR_FIFO_ENABLED = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;

export const LCR_DLAB = 0x80;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;

export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

const FIFO_DEPTH = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14];

export interface Uart16550Options {
  /** Device name on the bus. */
  name: string;
  /** Bytes between registers: 1 (ISA ports) or 8 (Malta CBUS). */
  stride: 1 | 8;
  /** Receives every transmitted byte (outside loopback). */
  out: (byte: number) => void;
  /** Called when the interrupt output changes. */
  onIrq?: (level: boolean) => void;
}

export class Uart16550 implements Device {
  readonly name: string;
  readonly stride: 1 | 8;
  /** Window size on the bus: 8 registers. */
  readonly size: number;
  out: (byte: number) => void;
  /** Interrupt output; an interrupt controller may set this after construction. */
  onIrq: (level: boolean) => void;

  private readonly shift: number;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private fcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  /** THR-empty interrupt armed (cleared by reading IIR with THRI, or by a THR write). */
  private thrPending = false;
  /** Receive queue: rx[rxHead..] are pending bytes; the first `held()` are in the device. */
  private rx: number[] = [];
  private rxHead = 0;
  private level = false;

  constructor(opts: Uart16550Options) {
    this.name = opts.name;
    this.stride = opts.stride;
    this.shift = opts.stride === 8 ? 3 : 0;
    this.size = 8 * opts.stride;
    this.out = opts.out;
    this.onIrq = opts.onIrq ?? (() => {});
  }

  /** Current level of the interrupt output. */
  get irq(): boolean { return this.level; }

  /** Bytes queued for the guest, held in the device or waiting behind it. */
  get pendingInput(): number { return this.rx.length - this.rxHead; }

  /** Queue bytes for the guest to receive. */
  pushInput(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.rx.push(bytes[i] & 0xff);
    this.update();
  }

  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.fcr = 0;
    this.scr = 0;
    this.dll = 0;
    this.dlm = 0;
    this.thrPending = false;
    this.rx = [];
    this.rxHead = 0;
    this.update();
  }

  read(offset: number, _size: AccessSize): number {
    switch (offset >>> this.shift) {
      case UART_RBR: {
        if (this.lcr & LCR_DLAB) return this.dll;
        if (this.rxHead === this.rx.length) return 0;
        const b = this.rx[this.rxHead++];
        if (this.rxHead === this.rx.length) { this.rx = []; this.rxHead = 0; }
        this.update();
        return b;
      }
      case UART_IER:
        return this.lcr & LCR_DLAB ? this.dlm : this.ier;
      case UART_IIR: {
        const iir = this.iir();
        // Reading IIR while it reports THR empty acknowledges that source (data sheet table 4).
        if ((iir & 0x0f) === IIR_THRI) { this.thrPending = false; this.update(); }
        return iir;
      }
      case UART_LCR:
        return this.lcr;
      case UART_MCR:
        return this.mcr;
      case UART_LSR:
        return LSR_THRE | LSR_TEMT | (this.held() > 0 ? LSR_DR : 0);
      case UART_MSR: {
        if (!(this.mcr & MCR_LOOP)) return MSR_DCD | MSR_DSR | MSR_CTS;
        const m = this.mcr;
        return ((m & 0x08) << 4) | ((m & 0x04) << 4) | ((m & 0x01) << 5) | ((m & 0x02) << 3);
      }
      case UART_SCR:
        return this.scr;
      default:
        return 0;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    const v = value & 0xff;
    switch (offset >>> this.shift) {
      case UART_THR:
        if (this.lcr & LCR_DLAB) { this.dll = v; return; }
        this.transmit(v);
        return;
      case UART_IER: {
        if (this.lcr & LCR_DLAB) { this.dlm = v; return; }
        const old = this.ier;
        this.ier = v & 0x0f;
        // Enabling ETBEI while THR is empty (always, here) raises the interrupt at once;
        // disabling it drops the armed condition.
        if ((this.ier ^ old) & IER_ETBEI) this.thrPending = (this.ier & IER_ETBEI) !== 0;
        this.update();
        return;
      }
      case UART_FCR: {
        const modeChange = ((v ^ this.fcr) & FCR_ENABLE) !== 0;
        if (modeChange || (v & FCR_CLEAR_RX)) this.clearHeld();
        this.fcr = v & 0xc9; // bits 1 and 2 clear themselves
        this.update();
        return;
      }
      case UART_LCR:
        this.lcr = v;
        return;
      case UART_MCR:
        this.mcr = v & 0x1f;
        return;
      case UART_SCR:
        this.scr = v;
        return;
      default:
        return; // LSR and MSR writes are factory-test only; ignored as on QEMU
    }
  }

  private transmit(b: number): void {
    if (this.mcr & MCR_LOOP) this.rx.push(b);
    else this.out(b);
    // The shift register empties at once, so THR is empty again: re-arm THRI.
    this.thrPending = true;
    this.update();
  }

  private fifoOn(): boolean { return (this.fcr & FCR_ENABLE) !== 0; }

  /** Bytes inside the device (FIFO or holding register). */
  private held(): number { return Math.min(this.rx.length - this.rxHead, this.fifoOn() ? FIFO_DEPTH : 1); }

  private clearHeld(): void {
    this.rxHead += this.held();
    if (this.rxHead === this.rx.length) { this.rx = []; this.rxHead = 0; }
  }

  private iir(): number {
    let id = IIR_NO_INT;
    const n = this.held();
    if ((this.ier & IER_ERBFI) && n > 0) {
      id = this.fifoOn() && n < TRIGGER_LEVELS[this.fcr >> 6] ? IIR_CTI : IIR_RDI;
    } else if ((this.ier & IER_ETBEI) && this.thrPending) {
      id = IIR_THRI;
    }
    return id | (this.fifoOn() ? IIR_FIFO_ENABLED : 0);
  }

  private update(): void {
    const level = (this.iir() & IIR_NO_INT) === 0;
    if (level !== this.level) {
      this.level = level;
      this.onIrq(level);
    }
  }
}
