// The PIIX4's pair of 8259A programmable interrupt controllers (Intel 8259A data sheet; Intel
// 82371AB PIIX4 data sheet 3.1.2 and 12.6, ELCR), as the Malta wires them: the master's output
// drives CPU interrupt IP2, the slave cascades into master input 2, and an interrupt is
// acknowledged by reading the GT-64120's PCI interrupt-acknowledge register, which runs an INTA
// cycle here and returns the vector.
//
// Modelled: ICW1-ICW4 initialisation, the mask register (OCW1), non-specific and specific EOI,
// rotation and set-priority (OCW2), reading IRR or ISR and the poll command (OCW3), special
// mask mode, automatic EOI, edge or level triggering per input (ELCR at ports 0x4D0/0x4D1, and
// ICW1.LTIM), spurious IRQ 7 / 15 when an INTA finds nothing pending. Not modelled: 8080/85
// call-address mode and buffered mode (their bits are stored and ignored).

import type { AccessSize, Device } from './bus.ts';

/** One 8259A. */
export class Pic8259 {
  irr = 0; // interrupt request register
  isr = 0; // in-service register
  imr = 0; // interrupt mask register
  /** Input levels as last reported by the devices. */
  private lines = 0;
  /** Lowest-priority input + 1 (rotating priority): priority of IR i is (i - priorityAdd) & 7. */
  private priorityAdd = 0;
  private vectorBase = 0;
  private readIsr = false;
  private poll = false;
  private specialMask = false;
  private autoEoi = false;
  private rotateOnAutoEoi = false;
  private initStep = 0; // 0: operational; 2..4: expecting ICW2..ICW4
  private needIcw4 = false;
  private single = false;
  /** ICW1.LTIM: all inputs level triggered. */
  private levelAll = false;
  /** ELCR bits: inputs in level-triggered mode. */
  elcr = 0;
  /** Bits of ELCR that exist (the master's IRQ 0, 1, 2 and the slave's 8, 13 are always edge). */
  constructor(readonly name: string, readonly elcrMask: number) {}

  reset(): void {
    this.irr = 0; this.isr = 0; this.imr = 0; this.lines = 0;
    this.priorityAdd = 0; this.vectorBase = 0; this.readIsr = false; this.poll = false;
    this.specialMask = false; this.autoEoi = false; this.rotateOnAutoEoi = false;
    this.initStep = 0; this.needIcw4 = false; this.single = false; this.levelAll = false;
    this.elcr = 0;
  }

  private level(irq: number): boolean { return this.levelAll || ((this.elcr >> irq) & 1) !== 0; }

  /** Report the level of input `irq` (0..7). */
  setInput(irq: number, high: boolean): void {
    const bit = 1 << irq;
    const was = (this.lines & bit) !== 0;
    if (high) {
      this.lines |= bit;
      if (!was || this.level(irq)) this.irr |= bit; // edge: request on the rising edge only
    } else {
      this.lines &= ~bit;
      if (this.level(irq)) this.irr &= ~bit;
    }
  }

  /** Priority of IR `irq` (0 = highest). */
  private prio(irq: number): number { return (irq - this.priorityAdd) & 7; }

  /** Highest-priority input set in `mask`, or -1. */
  private highest(mask: number): number {
    if (mask === 0) return -1;
    for (let p = 0; p < 8; p++) {
      const irq = (p + this.priorityAdd) & 7;
      if (mask & (1 << irq)) return irq;
    }
    return -1;
  }

  /**
   * The input that would be acknowledged now (-1 if none): the highest-priority unmasked
   * request that outranks everything in service (in special mask mode, in-service inputs
   * only block themselves).
   */
  pending(): number {
    const req = this.irr & ~this.imr;
    const irq = this.highest(req);
    if (irq < 0) return -1;
    // Special fully nested mode (a slave in service letting further slave requests through
    // IR2) is not modelled: anything in service at or above the request's priority blocks it.
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    const cur = this.highest(inService);
    if (cur >= 0 && this.prio(cur) <= this.prio(irq)) return -1;
    return irq;
  }

  /** INTA: acknowledge `irq`, returning nothing; the caller computes the vector. */
  acknowledge(irq: number): void {
    const bit = 1 << irq;
    if (!this.level(irq)) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= bit;
    }
  }

  vector(irq: number): number { return (this.vectorBase | irq) & 0xff; }

  /** Port 0 (command) or 1 (data) read. */
  read(port: number): number {
    if (this.poll) {
      // Poll command (OCW3 bit 2): the next read returns 0x80 | irq and acknowledges it.
      this.poll = false;
      const irq = this.pending();
      if (irq < 0) return 0;
      this.acknowledge(irq);
      return 0x80 | irq;
    }
    if (port === 0) return this.readIsr ? this.isr : this.irr;
    return this.imr;
  }

  /** Port 0 (command) or 1 (data) write. */
  write(port: number, v: number): void {
    v &= 0xff;
    if (port === 0) {
      if (v & 0x10) { // ICW1
        this.initStep = 2;
        this.needIcw4 = (v & 1) !== 0;
        this.single = (v & 2) !== 0;
        this.levelAll = (v & 8) !== 0;
        this.imr = 0; this.isr = 0; this.irr = 0;
        this.priorityAdd = 0; this.readIsr = false; this.specialMask = false;
        this.autoEoi = false; this.rotateOnAutoEoi = false; this.poll = false;
        // Inputs that are high and level triggered request again at once.
        for (let i = 0; i < 8; i++) if ((this.lines >> i) & 1 && this.level(i)) this.irr |= 1 << i;
        return;
      }
      if (v & 0x08) { // OCW3
        if (v & 0x04) this.poll = true;
        if (v & 0x02) this.readIsr = (v & 1) !== 0;
        if (v & 0x40) this.specialMask = (v & 0x20) !== 0;
        return;
      }
      // OCW2: EOI and rotation commands (bits 7..5), level in bits 2..0.
      const cmd = v >> 5;
      switch (cmd) {
        case 0: this.rotateOnAutoEoi = false; return; // clear rotate in automatic EOI mode
        case 4: this.rotateOnAutoEoi = true; return; // set rotate in automatic EOI mode
        case 1: case 5: { // non-specific EOI (5: and rotate)
          const irq = this.highest(this.isr);
          if (irq >= 0) {
            this.isr &= ~(1 << irq);
            if (cmd === 5) this.priorityAdd = (irq + 1) & 7;
          }
          return;
        }
        case 3: case 7: { // specific EOI (7: and rotate)
          const irq = v & 7;
          this.isr &= ~(1 << irq);
          if (cmd === 7) this.priorityAdd = (irq + 1) & 7;
          return;
        }
        case 6: this.priorityAdd = ((v & 7) + 1) & 7; return; // set priority: IR v&7 lowest
        default: return; // 2: no operation
      }
    }
    switch (this.initStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.initStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        return;
      case 3:
        this.initStep = this.needIcw4 ? 4 : 0; // ICW3: cascade wiring is fixed on this board
        return;
      case 4:
        this.autoEoi = (v & 2) !== 0;
        this.initStep = 0;
        return;
      default:
        this.imr = v; // OCW1
    }
  }
}

/**
 * The cascaded pair: IRQ 0-7 on the master, 8-15 on the slave (into master IR2). `onOutput`
 * receives the master's INT level (CPU IP2 on the Malta) whenever it may have changed.
 */
export class I8259Pair {
  readonly master = new Pic8259('pic-master', 0xf8);
  readonly slave = new Pic8259('pic-slave', 0xde);
  private out = false;

  constructor(private readonly onOutput: (level: boolean) => void) {}

  reset(): void {
    this.master.reset();
    this.slave.reset();
    this.update();
  }

  /** Drive ISA interrupt line `irq` (0..15). */
  setIrq(irq: number, high: boolean): void {
    if (irq < 8) this.master.setInput(irq, high);
    else this.slave.setInput(irq - 8, high);
    this.update();
  }

  /** Recompute the cascade and the output to the CPU. */
  update(): void {
    this.master.setInput(2, this.slave.pending() >= 0);
    const level = this.master.pending() >= 0;
    if (level !== this.out) {
      this.out = level;
      this.onOutput(level);
    }
  }

  /** Current level of the output to the CPU. */
  get output(): boolean { return this.out; }

  /**
   * Interrupt acknowledge cycle (the GT-64120 PCI IACK register): returns the vector of the
   * highest-priority pending request, or the spurious vector (IR7 of the controller) if none.
   */
  iack(): number {
    const m = this.master;
    let irq = m.pending();
    let vec: number;
    if (irq < 0) {
      vec = m.vector(7); // spurious IRQ 7: ISR is not set (8259A data sheet, "INTA sequence")
    } else {
      m.acknowledge(irq);
      if (irq === 2) {
        const s = this.slave;
        irq = s.pending();
        if (irq < 0) vec = s.vector(7);
        else { s.acknowledge(irq); vec = s.vector(irq); }
      } else {
        vec = m.vector(irq);
      }
    }
    this.update();
    return vec;
  }

  /** ISA I/O ports 0x20-0x21 (master), 0xA0-0xA1 (slave), 0x4D0-0x4D1 (ELCR). */
  readPort(port: number): number {
    let v: number;
    switch (port) {
      case 0x20: case 0x21: v = this.master.read(port & 1); break;
      case 0xa0: case 0xa1: v = this.slave.read(port & 1); break;
      case 0x4d0: v = this.master.elcr; break;
      case 0x4d1: v = this.slave.elcr; break;
      default: return 0xff;
    }
    this.update(); // a poll read acknowledges
    return v;
  }

  writePort(port: number, value: number): void {
    switch (port) {
      case 0x20: case 0x21: this.master.write(port & 1, value); break;
      case 0xa0: case 0xa1: this.slave.write(port & 1, value); break;
      case 0x4d0: this.master.elcr = value & this.master.elcrMask; break;
      case 0x4d1: this.slave.elcr = value & this.slave.elcrMask; break;
      default: return;
    }
    this.update();
  }
}

/** A bus device for one port window of the pair (ports base..base+size-1). */
export class PicPorts implements Device {
  constructor(readonly name: string, private readonly pic: I8259Pair, private readonly base: number) {}
  read(offset: number, _size: AccessSize): number { return this.pic.readPort(this.base + offset); }
  write(offset: number, _size: AccessSize, value: number): void { this.pic.writePort(this.base + offset, value); }
  reset(): void { if (this.base === 0x20) this.pic.reset(); }
}
