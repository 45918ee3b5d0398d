// The PIIX4's MC146818-compatible real-time clock with 128 bytes of CMOS RAM (Motorola
// MC146818A data sheet; PIIX4 data sheet 3.1.8), at ISA ports 0x70 (index) and 0x71 (data),
// interrupting on ISA IRQ 8.
//
// Time is simulated time (clock.ts), never the host's: the clock starts at `startTime` (seconds
// since 1970, UTC) at cycle 0 and advances with the CPU's cycle count, so the kernel's
// calibration of its CPU clock against the update cycle (Linux: arch/mips/mti-malta/
// malta-time.c) measures the board's nominal frequency, and every run reads the same times.
//
// Modelled: the ten time and alarm registers in BCD or binary and 12- or 24-hour mode
// (register B DM and 24/12), SET (updates stop; writes set the time), the update-in-progress
// flag UIP, set during the 244 us before each update as the data sheet specifies for a
// 32.768 kHz time base, the divider in register A (only 010, the normal time base, runs the
// clock), the periodic, alarm and update-ended flags in register C with IRQF and the interrupt
// line (register C reads clear them), VRT in register D. Daylight-saving switching (DSE) and
// the square-wave output are stored but have no effect.

import type { AccessSize, Device } from './bus.ts';
import type { Clock, TimedDevice } from './clock.ts';

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
/** CMOS byte holding the century in BCD (the PC convention; QEMU keeps it there too). */
export const RTC_CENTURY = 0x32;

export const REG_A_UIP = 0x80;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
export const REG_D_VRT = 0x80;

/** UIP is set this long before each update (data sheet: 244 us at 32.768 kHz). */
const UIP_SECONDS = 244e-6;

/** Default start: 2000-01-01 00:00:00 UTC. */
export const RTC_DEFAULT_START = 946684800;

interface Civil { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

/** UTC civil time of `secs` seconds since 1970 (proleptic Gregorian; days-from-civil inverse). */
export function civilFromUnix(secs: number): Civil {
  const days = Math.floor(secs / 86400);
  let rem = secs - days * 86400;
  const hour = Math.floor(rem / 3600); rem -= hour * 3600;
  const minute = Math.floor(rem / 60);
  const second = rem - minute * 60;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const weekday = ((days % 7) + 11) % 7 + 1; // 1 = Sunday; 1970-01-01 was a Thursday (5)
  return { year, month, day, hour, minute, second, weekday };
}

/** Seconds since 1970 of a UTC civil time. */
export function unixFromCivil(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

const toBcd = (v: number): number => ((Math.floor(v / 10) % 10) << 4) | (v % 10);
const fromBcd = (v: number): number => (v >> 4) * 10 + (v & 15);

export interface RtcOptions {
  /** Seconds since 1970 (UTC) at cycle 0. */
  startTime?: number;
  /** Called when the next interrupt event may have moved (register writes, register C reads). */
  onChange?: () => void;
}

export class Mc146818 implements TimedDevice {
  readonly cmos = new Uint8Array(128);
  private index = 0;
  /** Whole seconds of the clock at `baseCycle`, and the phase: the clock reads base + (now - baseCycle)/hz. */
  private baseSeconds: number;
  private baseCycle = 0;
  /** Last update (second boundary) and periodic tick folded into register C. */
  private lastUpdate = 0;
  private lastPeriodic = 0;
  private irq = false;
  private readonly startTime: number;
  private readonly onChange: () => void;

  constructor(private readonly clock: Clock, private readonly setIrq8: (level: boolean) => void, opts: RtcOptions = {}) {
    this.startTime = opts.startTime ?? RTC_DEFAULT_START;
    this.onChange = opts.onChange ?? (() => {});
    this.baseSeconds = this.startTime;
    this.reset();
  }

  reset(): void {
    this.cmos.fill(0);
    this.cmos[RTC_REG_A] = 0x26; // divider 010 (32.768 kHz), rate 0110 (1.024 kHz)
    this.cmos[RTC_REG_B] = REG_B_24H;
    this.cmos[RTC_REG_D] = REG_D_VRT;
    this.index = 0;
    this.baseSeconds = this.startTime;
    this.baseCycle = 0;
    this.lastUpdate = 0;
    this.lastPeriodic = 0;
    this.irq = false;
    this.setIrq8(false);
    this.storeTime(this.startTime);
  }

  /** True while the divider chain runs the clock (register A DV = 010) and SET is clear. */
  private running(): boolean {
    return (this.cmos[RTC_REG_A] & 0x70) === 0x20 && (this.cmos[RTC_REG_B] & REG_B_SET) === 0;
  }

  /** Elapsed simulated seconds (fractional) since baseCycle. */
  private elapsed(now: number): number { return (now - this.baseCycle) / this.clock.hz; }

  /** Number of update cycles (second boundaries) completed by cycle `now`. */
  private updates(now: number): number { return Math.floor(this.elapsed(now)); }

  /** Cycle of the `k`-th update after baseCycle. */
  private updateCycle(k: number): number { return this.baseCycle + Math.ceil(k * this.clock.hz); }

  /** Periodic interrupt period in seconds (register A RS3..0), or 0 when off. */
  private periodSeconds(): number {
    const rs = this.cmos[RTC_REG_A] & 15;
    if (rs === 0) return 0;
    const shift = rs <= 2 ? rs + 7 : rs - 1; // rates 1, 2 repeat 8 and 9 (data sheet table 3)
    return (1 << shift) / 32768;
  }

  /** Write the civil time of `secs` into the time registers in the current format. */
  private storeTime(secs: number): void {
    const t = civilFromUnix(secs);
    const b = this.cmos[RTC_REG_B];
    const enc = (v: number): number => (b & REG_B_DM ? v : toBcd(v));
    this.cmos[RTC_SECONDS] = enc(t.second);
    this.cmos[RTC_MINUTES] = enc(t.minute);
    let h = t.hour;
    if (!(b & REG_B_24H)) {
      const pm = h >= 12;
      h = h % 12 === 0 ? 12 : h % 12;
      this.cmos[RTC_HOURS] = enc(h) | (pm ? 0x80 : 0);
    } else {
      this.cmos[RTC_HOURS] = enc(h);
    }
    this.cmos[RTC_DAY_OF_WEEK] = enc(t.weekday);
    this.cmos[RTC_DAY_OF_MONTH] = enc(t.day);
    this.cmos[RTC_MONTH] = enc(t.month);
    this.cmos[RTC_YEAR] = enc(t.year % 100);
    this.cmos[RTC_CENTURY] = toBcd(Math.floor(t.year / 100));
  }

  /** Read the time registers back into seconds since 1970. */
  private loadTime(): number {
    const b = this.cmos[RTC_REG_B];
    const dec = (v: number): number => (b & REG_B_DM ? v : fromBcd(v));
    let hour = dec(this.cmos[RTC_HOURS] & 0x7f);
    if (!(b & REG_B_24H)) hour = (hour % 12) + (this.cmos[RTC_HOURS] & 0x80 ? 12 : 0);
    const yy = dec(this.cmos[RTC_YEAR]);
    const century = fromBcd(this.cmos[RTC_CENTURY]) || (yy < 70 ? 20 : 19);
    return unixFromCivil(century * 100 + yy, dec(this.cmos[RTC_MONTH]), dec(this.cmos[RTC_DAY_OF_MONTH]),
      hour, dec(this.cmos[RTC_MINUTES]), dec(this.cmos[RTC_SECONDS]));
  }

  /** Bring registers and flags up to cycle `now`. */
  private sync(now: number): void {
    if (!this.running()) return;
    const c = this.cmos;
    const n = this.updates(now);
    if (n > this.lastUpdate) {
      this.lastUpdate = n;
      this.storeTime(this.baseSeconds + n);
      c[RTC_REG_C] |= REG_C_UF;
      const alarm = (reg: number, val: number): boolean => (c[reg] & 0xc0) === 0xc0 || c[reg] === c[val];
      if (alarm(RTC_SECONDS_ALARM, RTC_SECONDS) && alarm(RTC_MINUTES_ALARM, RTC_MINUTES) && alarm(RTC_HOURS_ALARM, RTC_HOURS)) {
        c[RTC_REG_C] |= REG_C_AF;
      }
    }
    const p = this.periodSeconds();
    if (p > 0) {
      const k = Math.floor(this.elapsed(now) / p);
      if (k > this.lastPeriodic) { this.lastPeriodic = k; c[RTC_REG_C] |= REG_C_PF; }
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const c = this.cmos;
    const pending = c[RTC_REG_C] & c[RTC_REG_B] & (REG_C_PF | REG_C_AF | REG_C_UF);
    if (pending) c[RTC_REG_C] |= REG_C_IRQF;
    const level = (c[RTC_REG_C] & REG_C_IRQF) !== 0;
    if (level !== this.irq) { this.irq = level; this.setIrq8(level); }
  }

  nextEvent(): number {
    const b = this.cmos[RTC_REG_B];
    if (!this.running() || (b & (REG_B_PIE | REG_B_AIE | REG_B_UIE)) === 0 || this.irq) return Infinity;
    let t = Infinity;
    if (b & (REG_B_UIE | REG_B_AIE)) t = this.updateCycle(this.lastUpdate + 1);
    const p = this.periodSeconds();
    if (b & REG_B_PIE && p > 0) t = Math.min(t, this.baseCycle + Math.ceil((this.lastPeriodic + 1) * p * this.clock.hz));
    return t;
  }

  tick(now: number): void { this.sync(now); }

  /** Restart the clock at the time in the registers, now (leaving SET or changing the divider). */
  private restart(now: number): void {
    this.baseSeconds = this.loadTime();
    this.baseCycle = now;
    this.lastUpdate = 0;
    this.lastPeriodic = 0;
  }

  readData(): number {
    const now = this.clock.now();
    this.sync(now);
    const i = this.index;
    switch (i) {
      case RTC_REG_A: {
        let v = this.cmos[RTC_REG_A] & 0x7f;
        if (this.running()) {
          const frac = this.elapsed(now) - this.updates(now);
          if (frac >= 1 - UIP_SECONDS) v |= REG_A_UIP;
        }
        return v;
      }
      case RTC_REG_C: {
        const v = this.cmos[RTC_REG_C];
        this.cmos[RTC_REG_C] = 0;
        this.updateIrq();
        this.onChange();
        return v;
      }
      default: return this.cmos[i];
    }
  }

  writeData(value: number): void {
    this.writeRegister(value);
    this.onChange();
  }

  private writeRegister(value: number): void {
    const now = this.clock.now();
    this.sync(now);
    const v = value & 0xff;
    const i = this.index;
    switch (i) {
      case RTC_REG_A: {
        const wasRunning = this.running();
        this.cmos[RTC_REG_A] = v & 0x7f; // UIP is read-only
        if (!wasRunning && this.running()) this.restart(now);
        return;
      }
      case RTC_REG_B: {
        const wasRunning = this.running();
        const old = this.cmos[RTC_REG_B];
        // SET aborts an update in progress and clears UIE (data sheet: "SET").
        this.cmos[RTC_REG_B] = v & REG_B_SET ? v & ~REG_B_UIE : v;
        if (((old ^ v) & (REG_B_DM | REG_B_24H)) !== 0 && !(v & REG_B_SET)) {
          // Changing the data format re-encodes the current time.
          this.storeTime(this.baseSeconds + this.lastUpdate);
        }
        if (!wasRunning && this.running()) this.restart(now);
        this.updateIrq();
        return;
      }
      case RTC_REG_C: case RTC_REG_D: return; // read-only
      default:
        this.cmos[i] = v;
        // Writing a time register while running moves the clock (software normally sets SET first).
        if (i <= RTC_YEAR && i !== RTC_SECONDS_ALARM && i !== RTC_MINUTES_ALARM && i !== RTC_HOURS_ALARM && this.running()) {
          this.baseSeconds = this.loadTime() - this.lastUpdate;
        }
    }
  }

  /** Port offset 0 (index, bit 7 is the NMI mask on a PC) or 1 (data). */
  read(port: number): number { return port === 0 ? 0xff : this.readData(); }
  write(port: number, value: number): void {
    if (port === 0) this.index = value & 0x7f;
    else this.writeData(value);
  }
}

/** Bus window for ports 0x70-0x71. */
export class RtcPorts implements Device {
  readonly name = 'rtc';
  constructor(private readonly rtc: Mc146818) {}
  read(offset: number, _size: AccessSize): number { return this.rtc.read(offset & 1); }
  write(offset: number, _size: AccessSize, value: number): void { this.rtc.write(offset & 1, value); }
  reset(): void { this.rtc.reset(); }
}
