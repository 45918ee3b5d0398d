// The bare machine: RAM, the Malta-compatible board, one CPU, an ELF image, and the run loop
// that enforces instruction limits and collects statistics. No monitor: exceptions go to the
// guest's own vectors.

import { Bus } from './bus.ts';
import { Cpu, type CpuOptions } from './cpu.ts';
import { EXC_NAMES } from './cp0.ts';
import { BOOT_STACK_TOP, loadElf, parseElf, writeBootArgs, type ElfImage } from './elf.ts';
import { ST_BEV } from './cp0.ts';
import { attachMalta, type MaltaBoard } from './malta.ts';
import { attachVirtioBlk, type VirtioBlk } from './virtio_blk.ts';

export interface MachineOptions extends CpuOptions {
  /** RAM bytes (multiple of 4 KiB, at most 256 MiB). */
  memBytes: number;
  /** Receives every byte the guest writes to a UART. */
  out: (byte: number) => void;
  /** Disk image for the virtio block device at 0x1E400000 (IP3); written in memory only. */
  disk?: Uint8Array;
}

export type StopReason = 'halt' | 'limit' | 'deadlock' | 'fault';

export interface RunResult {
  reason: StopReason;
  /** Guest exit code when reason = 'halt'. */
  exitCode: number;
  /** What ended the run, in words ("halt register", "softres", ...). */
  detail: string;
  instructions: number;
  cycles: number;
}

export interface RunOptions {
  /** Stop after this many instructions (0 = no limit). */
  maxInstructions?: number;
  /** Called about every `progressEvery` instructions with the totals so far. */
  onProgress?: (instructions: number, cycles: number) => void;
  progressEvery?: number;
}

export interface MachineStats {
  instructions: number;
  cycles: number;
  exceptions: Record<string, number>;
  tlbRefills: number;
  translationCacheFlushes: number;
}

export class Machine {
  readonly bus: Bus;
  readonly cpu: Cpu;
  readonly board: MaltaBoard;
  readonly disk: VirtioBlk | null;
  image: ElfImage | null = null;
  private halted = false;
  private exitCode = 0;
  private haltDetail = '';

  constructor(opts: MachineOptions) {
    this.bus = new Bus(opts.memBytes);
    this.cpu = new Cpu(this.bus, opts);
    this.board = attachMalta(this.bus, {
      out: opts.out,
      onHalt: (code, reason) => {
        if (this.halted) return;
        this.halted = true;
        this.exitCode = code;
        this.haltDetail = reason;
        this.cpu.sig |= 2; // SIG_END: leave the interpreter after this instruction
      },
    });
    this.disk = opts.disk ? attachVirtioBlk(this.bus, opts.disk, (ip, level) => this.cpu.setIrq(ip, level)) : null;
  }

  /**
   * Load an ELF image and prepare the CPU as QEMU's Malta boot stub leaves it for `-kernel`:
   * kernel mode at e_entry, Status = BEV (reset state with ERL cleared), sp = 0x80001FC0 (just
   * below the boot arguments), a0..a3 = argc, argv, envp, memsize (YAMON style).
   * Throws LoadError with a one-line message for bad images.
   */
  load(bytes: Uint8Array, name: string, cmdline = ''): void {
    const img = parseElf(bytes, name);
    const { entry, loaded } = loadElf(img, this.bus);
    const args = writeBootArgs(this.bus, this.bus.ramSize, cmdline, {}, { loaded, argv0: name });
    const r = this.cpu.r;
    r[4] = args.a0 | 0;
    r[5] = args.a1 | 0;
    r[6] = args.a2 | 0;
    r[7] = args.a3 | 0;
    r[29] = BOOT_STACK_TOP | 0;
    this.cpu.cp0.status = ST_BEV;
    this.cpu.tc.flush();
    this.cpu.setPC(entry | 0);
    this.image = img;
  }

  /** Run until the guest halts, the instruction limit is reached, or the CPU sleeps forever. */
  run(opts: RunOptions = {}): RunResult {
    const cpu = this.cpu;
    const limit = opts.maxInstructions && opts.maxInstructions > 0 ? opts.maxInstructions : Infinity;
    const every = opts.progressEvery ?? 50_000_000;
    const stop = (): boolean => this.halted || cpu.fatal !== null;
    let nextProgress = every;
    while (!this.halted) {
      if (cpu.fatal !== null) return this.result('fault', cpu.fatal);
      const done = this.instructions();
      if (done >= limit) return this.result('limit', `instruction limit ${limit} reached`);
      const chunk = Math.min(limit - done, 4_000_000);
      cpu.step(chunk, stop);
      if (cpu.waiting && !this.halted && !cpu.interruptPending()) {
        const s = cpu.cp0.status;
        if ((s & 1) === 0 || (s & 6) !== 0 || (s & 0xff00) === 0) {
          return this.result('deadlock', 'the CPU executed WAIT with interrupts disabled or masked: nothing can wake it');
        }
      }
      if (opts.onProgress && this.instructions() >= nextProgress) {
        opts.onProgress(this.instructions(), cpu.cycles);
        nextProgress = this.instructions() + every;
      }
    }
    return this.result('halt', this.haltDetail);
  }

  /** Instructions executed (cycles minus time asleep in WAIT). */
  instructions(): number {
    return this.cpu.cycles - this.cpu.sleptCycles;
  }

  private result(reason: StopReason, detail: string): RunResult {
    return { reason, exitCode: this.exitCode, detail, instructions: this.instructions(), cycles: this.cpu.cycles };
  }

  stats(): MachineStats {
    const exceptions: Record<string, number> = {};
    const c = this.cpu.excCount;
    for (let i = 0; i < 32; i++) if (c[i] > 0) exceptions[EXC_NAMES[i]] = c[i];
    return {
      instructions: this.instructions(),
      cycles: this.cpu.cycles,
      exceptions,
      tlbRefills: this.cpu.tlbRefills,
      translationCacheFlushes: this.cpu.tc.flushes,
    };
  }
}
