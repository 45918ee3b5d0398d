// The PIIX4's 8254 programmable interval timer (Intel 82C54 data sheet; PIIX4 data sheet 3.1.4),
// at ISA ports 0x40-0x43, clocked at 1.193182 MHz: counter 0 drives IRQ 0, counter 1 is the
// refresh timer (port 0x61 bit 4 toggles with it), counter 2's gate and output are bits 0 and 5
// of port 0x61 (NMI status and control).
//
// Counters are computed from simulated time (clock.ts), never stepped: a counter remembers the
// cycle at which its count was loaded, and its value and output at any later cycle follow from
// the mode. Modelled: modes 0-5 with gate high (counter 0 and 1 gates are tied high; counter 2's
// gate is port 0x61 bit 0, and a low gate stops modes 0, 2, 3, 4 as "counting disabled" from the
// load time on), binary counting (the BCD bit is stored; counts are taken as binary), the
// latch and read-back commands, the four read/write access modes. Interrupts: counter 0's
// output goes to IRQ 0, which the edge-triggered 8259 samples on rising edges; in modes 2 and 3
// one rising edge per period is delivered, in modes 0 and 4 one at terminal count.

import type { AccessSize, Device } from './bus.ts';
import type { Clock, TimedDevice } from './clock.ts';

/** PIT input clock (PIIX4 data sheet: 14.31818 MHz / 12). */
export const PIT_HZ = 1193182;

class Counter {
  mode = 0;
  /** 1: LSB only, 2: MSB only, 3: LSB then MSB. */
  access = 3;
  bcd = false;
  /** Reload value (1..65536). */
  reload = 0x10000;
  /** Cycle at which counting began from `reload`; -1 while no count has been written. */
  loadCycle = -1;
  gate = true;
  /** Write flip-flop for access mode 3: true after the LSB. */
  writeHigh = false;
  pendingLow = 0;
  /** Read flip-flop for access mode 3. */
  readHigh = false;
  latched: number[] = [];
  statusLatched = -1;
  /** Index of the next output edge already delivered (for IRQ scheduling). */
  edgesDone = 0;
  nullCount = true;

  reset(): void {
    this.mode = 0; this.access = 3; this.bcd = false; this.reload = 0x10000; this.loadCycle = -1;
    this.writeHigh = false; this.pendingLow = 0; this.readHigh = false; this.latched = [];
    this.statusLatched = -1; this.edgesDone = 0; this.nullCount = true;
  }
}

export class I8254 implements TimedDevice {
  readonly counters = [new Counter(), new Counter(), new Counter()];
  private speaker = 0; // port 0x61 bits 0..1 (timer 2 gate, speaker data)

  /** `setIrq0(level)` drives ISA IRQ 0; `onChange` hears every reprogramming (the next event moves). */
  constructor(private readonly clock: Clock, private readonly setIrq0: (level: boolean) => void, private readonly onChange: () => void = () => {}) {
    this.reset();
  }

  reset(): void {
    for (const c of this.counters) c.reset();
    this.counters[2].gate = false;
    this.speaker = 0;
  }

  /** PIT ticks elapsed since counter `c` was loaded, at cycle `now`. */
  private ticks(c: Counter, now: number): number {
    if (c.loadCycle < 0) return 0;
    return Math.floor(((now - c.loadCycle) / this.clock.hz) * PIT_HZ);
  }

  /** Cycle at which `ticks` PIT ticks have elapsed since the load of `c`. */
  private cycleOf(c: Counter, ticks: number): number {
    return c.loadCycle + Math.ceil((ticks / PIT_HZ) * this.clock.hz);
  }

  /** The counting element's value at cycle `now`. */
  private value(c: Counter, now: number): number {
    if (c.loadCycle < 0 || !c.gate) return c.reload & 0xffff;
    const d = this.ticks(c, now);
    const n = c.reload;
    switch (c.mode) {
      case 2: return n - (d % n);
      case 3: { // counts down by two, twice per period
        const half = d % n;
        return (n - 2 * (half % Math.ceil(n / 2))) & 0xfffe;
      }
      default: return (n - d) & 0xffff; // 0, 1, 4, 5: count down through zero and wrap
    }
  }

  /** The OUT pin at cycle `now`. */
  private out(c: Counter, now: number): boolean {
    if (c.loadCycle < 0) return c.mode !== 0;
    const d = this.ticks(c, now);
    const n = c.reload;
    switch (c.mode) {
      case 0: case 1: return d >= n; // low until terminal count
      case 2: return (d % n) !== n - 1; // low for one tick before each reload
      case 3: return (d % n) < Math.ceil(n / 2);
      default: return d !== n; // 4, 5: one low pulse at terminal count
    }
  }

  /** Tick index (since load) of counter 0's `k`-th IRQ edge (k = 0, 1, ...), or Infinity. */
  private edgeTick(c: Counter, k: number): number {
    if (c.loadCycle < 0 || !c.gate) return Infinity;
    switch (c.mode) {
      case 2: case 3: return (k + 1) * c.reload;
      default: return k === 0 ? c.reload : Infinity;
    }
  }

  nextEvent(): number {
    const c = this.counters[0];
    const t = this.edgeTick(c, c.edgesDone);
    return t === Infinity ? Infinity : this.cycleOf(c, t);
  }

  tick(now: number): void {
    const c = this.counters[0];
    let fired = false;
    while (this.edgeTick(c, c.edgesDone) !== Infinity && this.cycleOf(c, this.edgeTick(c, c.edgesDone)) <= now) {
      c.edgesDone++;
      fired = true;
      // Periodic modes: if we fell far behind, skip to the current period (one edge is enough).
      if (c.mode === 2 || c.mode === 3) c.edgesDone = Math.max(c.edgesDone, Math.floor(this.ticks(c, now) / c.reload));
    }
    if (fired) { this.setIrq0(false); this.setIrq0(true); }
  }

  private load(i: number, c: Counter, value: number): void {
    c.reload = value === 0 ? 0x10000 : value;
    c.loadCycle = this.clock.now();
    c.edgesDone = 0;
    c.nullCount = false;
    if (i === 0) this.setIrq0(c.mode !== 0); // mode 0 drives OUT low when the count is written
  }

  /** Port offset 0..3 read. */
  read(port: number): number {
    if (port === 3) return 0xff; // the control word register cannot be read
    const c = this.counters[port];
    if (c.statusLatched >= 0) { const s = c.statusLatched; c.statusLatched = -1; return s; }
    if (c.latched.length > 0) return c.latched.shift() as number;
    const v = this.value(c, this.clock.now());
    switch (c.access) {
      case 1: return v & 0xff;
      case 2: return (v >> 8) & 0xff;
      default:
        c.readHigh = !c.readHigh;
        return c.readHigh ? v & 0xff : (v >> 8) & 0xff;
    }
  }

  private latchCount(c: Counter): void {
    if (c.latched.length > 0) return; // a latch holds until read
    const v = this.value(c, this.clock.now());
    if (c.access === 1) c.latched = [v & 0xff];
    else if (c.access === 2) c.latched = [(v >> 8) & 0xff];
    else c.latched = [v & 0xff, (v >> 8) & 0xff];
  }

  private status(c: Counter): number {
    return (this.out(c, this.clock.now()) ? 0x80 : 0) | (c.nullCount ? 0x40 : 0) | (c.access << 4) | (c.mode << 1) | (c.bcd ? 1 : 0);
  }

  /** Port offset 0..3 write. */
  write(port: number, value: number): void {
    this.writeRegister(port, value);
    this.onChange();
  }

  private writeRegister(port: number, value: number): void {
    const v = value & 0xff;
    if (port === 3) {
      const sel = v >> 6;
      if (sel === 3) { // read-back command
        for (let i = 0; i < 3; i++) {
          if (!(v & (2 << i))) continue;
          const c = this.counters[i];
          if (!(v & 0x20)) this.latchCount(c);
          if (!(v & 0x10) && c.statusLatched < 0) c.statusLatched = this.status(c);
        }
        return;
      }
      const c = this.counters[sel];
      const access = (v >> 4) & 3;
      if (access === 0) { this.latchCount(c); return; } // counter latch command
      c.access = access;
      c.mode = (v >> 1) & 7;
      if (c.mode > 5) c.mode -= 4; // modes 6 and 7 are 2 and 3
      c.bcd = (v & 1) !== 0;
      c.writeHigh = false;
      c.readHigh = false;
      c.latched = [];
      c.nullCount = true;
      c.loadCycle = -1; // writing the control word stops the counter until a count arrives
      if (sel === 0) this.setIrq0(c.mode !== 0);
      return;
    }
    const c = this.counters[port];
    switch (c.access) {
      case 1: this.load(port, c, v); return;
      case 2: this.load(port, c, v << 8); return;
      default:
        if (!c.writeHigh) { c.pendingLow = v; c.writeHigh = true; if (c.mode === 0 && port === 0) this.setIrq0(false); return; }
        c.writeHigh = false;
        this.load(port, c, c.pendingLow | (v << 8));
    }
  }

  /** Port 0x61 (NMI status and control): timer 2 gate and output, refresh toggle. */
  readPortB(): number {
    const now = this.clock.now();
    const refresh = Math.floor((now / this.clock.hz) * PIT_HZ / 18) & 1; // ~15 us period
    const c2 = this.counters[2];
    return this.speaker | (refresh << 4) | (c2.gate && this.out(c2, now) ? 0x20 : 0);
  }

  writePortB(value: number): void {
    const c2 = this.counters[2];
    const gate = (value & 1) !== 0;
    if (gate && !c2.gate && c2.loadCycle >= 0) c2.loadCycle = this.clock.now(); // rising gate restarts
    c2.gate = gate;
    this.speaker = value & 3;
  }
}

/** Bus window for ports 0x40-0x43. */
export class PitPorts implements Device {
  readonly name = 'pit';
  constructor(private readonly pit: I8254) {}
  read(offset: number, _size: AccessSize): number { return this.pit.read(offset & 3); }
  write(offset: number, _size: AccessSize, value: number): void { this.pit.write(offset & 3, value); }
  reset(): void { this.pit.reset(); }
}
