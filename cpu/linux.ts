// Booting a Linux kernel on the full Malta board as QEMU's `-M malta -kernel K -initrd I
// -append C` does (docs/linux.md): the kernel ELF loaded at its physical addresses, the initrd
// near the top of low memory, its position prepended to the command line, YAMON-style
// arguments and environment, and the board's south bridge, timers and interrupt wiring.

import { writeBootArgs, LoadError } from './elf.ts';
import type { Machine } from './machine.ts';
import { attachMaltaPlatform, type MaltaPlatform } from './malta.ts';

/**
 * The board's nominal CPU clock in the functional model: cycles (= instructions) per simulated
 * second. Count runs at half this rate, so Linux measures "CPU frequency 100.00 MHz" against the
 * RTC. Everything time-based in the guest (the 250 Hz tick, udelay loops, the RTC) scales with
 * it: a lower figure makes busy-waits cheaper and ticks relatively more frequent.
 */
export const LINUX_CPU_HZ = 100_000_000;

/** QEMU aligns the initrd to 64 KiB and leaves 128 KiB above it for the kernel's bootmem. */
const INITRD_ALIGN = 0x10000;
const INITRD_GAP = 128 * 1024;

/**
 * Fixed "rngseed" boot variable (QEMU passes 32 random bytes): Linux credits it as boot-loader
 * randomness, so the CRNG is ready at once as on QEMU, and every run is the same.
 */
export const LINUX_RNG_SEED = '646973636f2d6d697073333272322d6d616c74612d6c696e75782d736565642e';

export interface LinuxBootOptions {
  /** The kernel: an ELF image (Debian's vmlinuz for Malta is a self-decompressing ELF). */
  kernel: Uint8Array;
  kernelName: string;
  /** Initial RAM disk (cpio, optionally compressed), or none. */
  initrd?: Uint8Array;
  /** Kernel command line (QEMU's -append). */
  cmdline: string;
  /** RTC time at power-on, seconds since 1970 (default 2000-01-01 00:00:00 UTC). */
  rtcStart?: number;
  /** Nominal CPU clock (default LINUX_CPU_HZ). */
  cpuHz?: number;
}

/** Where QEMU's Malta loader puts an initrd of `size` bytes below `ramLow` (hw/mips/malta.c). */
export function initrdAddress(ramLow: number, size: number): number {
  const top = ramLow - (size + INITRD_GAP);
  return Math.ceil(top / INITRD_ALIGN) * INITRD_ALIGN;
}

/**
 * Attach the full board to `m`, load the kernel and initrd, and set up the boot arguments and
 * the CPU. The command line becomes `rd_start=0xffffffff8XXXXXXX rd_size=N <cmdline>` when there
 * is an initrd, exactly as QEMU writes it (a sign-extended kseg0 address). Throws LoadError for
 * images that do not fit.
 */
export function bootLinux(m: Machine, opts: LinuxBootOptions): MaltaPlatform {
  const hz = opts.cpuHz ?? LINUX_CPU_HZ;
  const cpu = m.cpu;
  const platform = attachMaltaPlatform(m.bus, m.board, {
    clock: { hz, now: () => cpu.now() },
    setCpuIrq: (ip, level) => cpu.setIrq(ip, level),
    onPowerOff: () => m.board.fpga.requestHalt(0, 'power off'),
    rtcStart: opts.rtcStart,
    onTimerChange: () => {
      platform.timers.changed = true;
      cpu.sig |= 2; // SIG_END: let the run loop re-read the next timer event
    },
  });
  m.timers = platform.timers;

  const ramLow = Math.min(m.bus.ramSize, 0x10000000);
  let cmdline = opts.cmdline;
  m.load(opts.kernel, opts.kernelName, cmdline);
  if (opts.initrd !== undefined && opts.initrd.length > 0) {
    const at = initrdAddress(ramLow, opts.initrd.length);
    const kernelEnd = Math.max(...(m.image?.segments ?? []).map((s) => s.loadAddr + s.memsz));
    if (at <= kernelEnd || at < 0) {
      throw new LoadError(`memory too small for the initial RAM disk (${opts.initrd.length} bytes above the kernel's end at 0x${kernelEnd.toString(16)})`);
    }
    m.bus.loadImage(at, opts.initrd, opts.initrd.length);
    const kseg0 = (0x80000000 | at) >>> 0;
    cmdline = `rd_start=0xffffffff${kseg0.toString(16)} rd_size=${opts.initrd.length}${cmdline === '' ? '' : ' ' + cmdline}`;
  }
  // Rewrite the argument block with QEMU's environment (memsize, ememsize, modetty0, rngseed).
  const loaded = (m.image?.segments ?? []).map((s) => ({ paddr: s.loadAddr, memsz: s.memsz }));
  writeBootArgs(m.bus, ramLow, cmdline, { ememsize: String(m.bus.ramSize), rngseed: LINUX_RNG_SEED }, { loaded, argv0: opts.kernelName });
  return platform;
}
