// Simulated time for devices that keep time (i8254 PIT, MC146818 RTC, ACPI PM timer).
//
// Time is the CPU's cycle count, never host time, so a run repeats exactly. A cycle lasts
// 1/hz simulated seconds: `hz` is the board's nominal CPU clock (one instruction is one cycle in
// the functional model, and Count ticks every other cycle). Devices read the exact current
// cycle through now() (the CPU's position inside its batch, see Cpu.now) and report the cycle
// of their next interrupt edge through `nextEvent`, so that the run loop can stop there.

export interface Clock {
  /** Nominal CPU clock: cycles per simulated second. */
  readonly hz: number;
  /** The current cycle (exact, also from inside an MMIO access). */
  now(): number;
}

/** A device with interrupt edges that happen at times of its own (a timer). */
export interface TimedDevice {
  /** Cycle at which the device next needs tick(), or Infinity. */
  nextEvent(): number;
  /** Bring the device up to cycle `now`, raising or lowering its interrupt lines. */
  tick(now: number): void;
}

/** A clock for tests and tools: time is whatever `cycles` is set to. */
export class ManualClock implements Clock {
  cycles = 0;
  constructor(readonly hz: number) {}
  now(): number { return this.cycles; }
}

/** Several timed devices seen as one. */
export class TimedGroup implements TimedDevice {
  private readonly devs: TimedDevice[] = [];
  /** Set when a device's next event may have moved earlier (the run loop should re-read it). */
  changed = false;

  add(d: TimedDevice): void { this.devs.push(d); }

  nextEvent(): number {
    let t = Infinity;
    for (const d of this.devs) t = Math.min(t, d.nextEvent());
    return t;
  }

  tick(now: number): void {
    this.changed = false;
    for (const d of this.devs) if (d.nextEvent() <= now) d.tick(now);
  }
}
