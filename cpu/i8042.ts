// The keyboard controller of the Malta's SMSC FDC37M817 super I/O chip: an 8042-compatible
// controller at ISA ports 0x60 (data) and 0x64 (status/command) with a PS/2 keyboard on IRQ 1
// and a PS/2 mouse (aux port) on IRQ 12 (IBM PS/2 Hardware Interface Technical Reference,
// "Keyboard/Auxiliary Device Controller"; the super I/O data sheet, "Keyboard Controller").
//
// No keys are ever pressed: the devices exist so that the kernel's i8042, atkbd and psmouse
// probes find a controller, a keyboard and a mouse and answer as QEMU's do. Modelled: the
// controller commands Linux uses (read/write command byte, self tests, port enable/disable,
// aux loopback 0xD3, keyboard loopback 0xD2, write-to-aux 0xD4, output port), one output
// buffer fed from a queue that tags each byte keyboard or aux, the status register (OBF, SYS,
// A2, INH, AUXB), interrupts per the command byte's KBDINT/AUXINT bits; the keyboard's and the
// mouse's command sets with their acknowledge and identification bytes. Bytes move to the
// output buffer instantly (there is no serial line timing).

import type { AccessSize, Device } from './bus.ts';

export const STAT_OBF = 0x01;
export const STAT_SYS = 0x04;
export const STAT_CMD = 0x08;
export const STAT_INH = 0x10; // keyboard not inhibited (keylock open)
export const STAT_AUXB = 0x20;

export const CTR_KBDINT = 0x01;
export const CTR_AUXINT = 0x02;
export const CTR_SYS = 0x04;
export const CTR_KBDDIS = 0x10;
export const CTR_AUXDIS = 0x20;
export const CTR_XLATE = 0x40;

const ACK = 0xfa;

/** A PS/2 keyboard's command interpreter (scan code set 2, no keys). */
class Ps2Keyboard {
  private expect = 0; // command waiting for its argument byte
  scanning = true;
  private scanSet = 2;

  reset(): void { this.expect = 0; this.scanning = true; this.scanSet = 2; }

  /** Bytes the keyboard answers to a host byte. `translate`: the controller's XLATE bit. */
  write(b: number, translate: boolean): number[] {
    if (this.expect !== 0) {
      const cmd = this.expect;
      this.expect = 0;
      if (cmd === 0xf0 && b === 0) return [ACK, translate ? [0x43, 0x41, 0x3f][this.scanSet - 1] : this.scanSet];
      if (cmd === 0xf0 && b >= 1 && b <= 3) this.scanSet = b;
      return [ACK]; // 0xED LEDs, 0xF3 typematic, 0xF0 set
    }
    switch (b) {
      case 0xff: this.reset(); return [ACK, 0xaa]; // reset and self-test passed
      case 0xf2: return [ACK, 0xab, translate ? 0x41 : 0x83]; // MF2 keyboard ID
      case 0xee: return [0xee]; // echo
      case 0xed: case 0xf3: case 0xf0: this.expect = b; return [ACK];
      case 0xf4: this.scanning = true; return [ACK];
      case 0xf5: this.scanning = false; return [ACK];
      case 0xf6: this.scanning = true; this.scanSet = 2; return [ACK];
      default: return [ACK];
    }
  }
}

/** A PS/2 mouse's command interpreter (standard 3-byte protocol, no movement). */
class Ps2Mouse {
  private expect = 0;
  private rate = 100;
  private resolution = 2;
  private scaling21 = false;
  private enabled = false;
  private remote = false;
  private wrap = false;

  reset(): void {
    this.expect = 0; this.rate = 100; this.resolution = 2; this.scaling21 = false;
    this.enabled = false; this.remote = false; this.wrap = false;
  }

  write(b: number): number[] {
    if (this.expect !== 0) {
      const cmd = this.expect;
      this.expect = 0;
      if (cmd === 0xf3) this.rate = b;
      else if (cmd === 0xe8) this.resolution = b & 3;
      return [ACK];
    }
    if (this.wrap && b !== 0xff && b !== 0xec) return [b];
    switch (b) {
      case 0xff: this.reset(); return [ACK, 0xaa, 0x00]; // reset: BAT passed, ID 0
      case 0xf6: this.reset(); return [ACK];
      case 0xf2: return [ACK, 0x00]; // device ID: standard mouse
      case 0xf3: case 0xe8: this.expect = b; return [ACK];
      case 0xf4: this.enabled = true; return [ACK];
      case 0xf5: this.enabled = false; return [ACK];
      case 0xe6: this.scaling21 = false; return [ACK];
      case 0xe7: this.scaling21 = true; return [ACK];
      case 0xea: this.remote = false; return [ACK];
      case 0xf0: this.remote = true; return [ACK];
      case 0xee: this.wrap = true; return [ACK];
      case 0xec: this.wrap = false; return [ACK];
      case 0xeb: return [ACK, 0x08, 0, 0]; // read data: no buttons, no movement
      case 0xe9: // status request
        return [ACK, (this.remote ? 0x40 : 0) | (this.enabled ? 0x20 : 0) | (this.scaling21 ? 0x10 : 0), this.resolution, this.rate];
      default: return [ACK];
    }
  }
}

export class I8042 {
  private ctr = CTR_KBDINT | CTR_AUXINT;
  private status = STAT_CMD | STAT_INH;
  /** Output queue: byte | 0x100 for aux data. */
  private queue: number[] = [];
  private pendingCmd = 0;
  private outport = 0x01;
  private irq1 = false;
  private irq12 = false;
  readonly kbd = new Ps2Keyboard();
  readonly mouse = new Ps2Mouse();

  /** `setIrq(n, level)` drives ISA IRQ 1 or 12. */
  constructor(private readonly setIrq: (irq: number, level: boolean) => void) {}

  reset(): void {
    this.ctr = CTR_KBDINT | CTR_AUXINT;
    this.status = STAT_CMD | STAT_INH;
    this.queue = [];
    this.pendingCmd = 0;
    this.outport = 0x01;
    this.kbd.reset();
    this.mouse.reset();
    this.update();
  }

  private push(bytes: number[], aux: boolean): void {
    for (const b of bytes) this.queue.push((b & 0xff) | (aux ? 0x100 : 0));
    this.update();
  }

  /** Recompute OBF/AUXB and the two interrupt lines (QEMU's priority: the head of the queue). */
  private update(force = false): void {
    this.status &= ~(STAT_OBF | STAT_AUXB);  // SYS, A2 and INH are kept
    let k = false, m = false;
    if (this.queue.length > 0) {
      this.status |= STAT_OBF;
      if (this.queue[0] & 0x100) {
        this.status |= STAT_AUXB;
        m = (this.ctr & CTR_AUXINT) !== 0;
      } else {
        k = (this.ctr & CTR_KBDINT) !== 0 && (this.ctr & CTR_KBDDIS) === 0;
      }
    }
    // After a data read the lines drop, so the next byte makes a fresh edge at the 8259.
    if (force || k !== this.irq1) { if (force && this.irq1) this.setIrq(1, false); this.irq1 = k; this.setIrq(1, k); }
    if (force || m !== this.irq12) { if (force && this.irq12) this.setIrq(12, false); this.irq12 = m; this.setIrq(12, m); }
  }

  readData(): number {
    if (this.queue.length === 0) return 0; // QEMU repeats the last byte; Linux never reads empty
    const v = (this.queue.shift() as number) & 0xff;
    this.update(true);
    return v;
  }

  readStatus(): number { return this.status; }

  writeCommand(c: number): void {
    this.pendingCmd = 0;
    switch (c) {
      case 0x20: this.push([this.ctr], false); return; // read command byte
      case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4: this.pendingCmd = c; return;
      case 0xa7: this.ctr |= CTR_AUXDIS; this.update(); return;
      case 0xa8: this.ctr &= ~CTR_AUXDIS; this.update(); return;
      case 0xa9: this.push([0x00], false); return; // aux interface test: OK
      case 0xaa: this.status |= STAT_SYS; this.push([0x55], false); return; // self test passed: SYS flag
      case 0xab: this.push([0x00], false); return; // keyboard interface test: OK
      case 0xad: this.ctr |= CTR_KBDDIS; this.update(); return;
      case 0xae: this.ctr &= ~CTR_KBDDIS; this.update(); return;
      case 0xc0: this.push([0x00], false); return; // input port
      case 0xd0: this.push([this.outport], false); return;
      case 0xe0: this.push([0x00], false); return; // test inputs
      default: return; // 0xFE pulse reset and the rest: ignored
    }
  }

  writeData(b: number): void {
    const cmd = this.pendingCmd;
    this.pendingCmd = 0;
    switch (cmd) {
      case 0x60: this.ctr = b; this.update(); return;
      case 0xd1: this.outport = b; return;
      case 0xd2: this.push([b], false); return; // as if from the keyboard
      case 0xd3: this.push([b], true); return; // as if from the mouse (loopback)
      case 0xd4: this.ctr &= ~CTR_AUXDIS; this.push(this.mouse.write(b), true); return;
      default:
        this.ctr &= ~CTR_KBDDIS; // talking to the keyboard enables its interface
        this.push(this.kbd.write(b, (this.ctr & CTR_XLATE) !== 0), false);
    }
  }
}

/** Bus window for port 0x60 (`port` 0, data) or 0x64 (`port` 4, status and command). */
export class KbdPorts implements Device {
  readonly name: string;
  constructor(private readonly kbc: I8042, private readonly port: 0 | 4) {
    this.name = port === 0 ? 'i8042-data' : 'i8042-cmd';
  }
  read(_offset: number, _size: AccessSize): number {
    return this.port === 0 ? this.kbc.readData() : this.kbc.readStatus();
  }
  write(_offset: number, _size: AccessSize, value: number): void {
    if (this.port === 0) this.kbc.writeData(value & 0xff);
    else this.kbc.writeCommand(value & 0xff);
  }
  reset(): void { if (this.port === 0) this.kbc.reset(); }
}
