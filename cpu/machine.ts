// The bare machine: RAM split into NUMA nodes, the Malta-compatible board, one or more CPUs,
// the node controller, an ELF image, and the run loop that interleaves the CPUs
// deterministically, enforces instruction limits and collects statistics. No monitor:
// exceptions go to the guest's own vectors.
//
// Interleaving: time advances in rounds of `quantum` cycles; in each round every running CPU,
// in id order, runs until its clock reaches the end of the round. The order and the quantum
// fully determine the interleaving, so the same image and configuration always give the same
// result. With one CPU the round is simply a large chunk.

import { Bus } from './bus.ts';
import { Cpu, type CpuOptions } from './cpu.ts';
import { EXC_NAMES } from './cp0.ts';
import { BOOT_STACK_TOP, loadElf, parseElf, writeBootArgs, type ElfImage } from './elf.ts';
import { ST_BEV } from './cp0.ts';
import { attachMalta, type MaltaBoard } from './malta.ts';
import type { TimedGroup } from './clock.ts';
import type { TimingConfig } from './config.ts';
import { MemorySystem } from './numa.ts';
import { IPI_IP, NODECTL_BASE, NODECTL_SIZE, NodeController } from './nodectl.ts';
import { attachVirtioBlk, type VirtioBlk } from './virtio_blk.ts';

export interface MachineOptions extends CpuOptions {
  /** Total RAM bytes (multiple of 4 KiB per node). Ignored when memPerNode is given. */
  memBytes?: number;
  /** NUMA nodes (default 1). */
  nodes?: number;
  /** CPUs per node (default 1). */
  cpusPerNode?: number;
  /** Bytes of memory per node; total RAM = nodes * memPerNode. */
  memPerNode?: number;
  /** Cycles per interleaving round when there are several CPUs (default 1000). */
  quantum?: number;
  /** Timing model parameters (cpu/config.ts); functional mode when absent or disabled. */
  timing?: TimingConfig;
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

export interface CpuStats {
  cpu: number;
  node: number;
  started: boolean;
  instructions: number;
  cycles: number;
  exceptions: Record<string, number>;
  tlbRefills: number;
  /** Loads and stores executed. */
  dataAccesses: number;
  /** Timing mode only: simulated time of this CPU's clock. */
  simulatedNs?: number;
  /** Timing mode only: cache figures (hits = accesses - misses; misses by the line's home). */
  cache?: Record<string, number>;
}

export interface NodeStats {
  node: number;
  cpus: number[];
  memBytes: number;
  /** Physical address ranges of the node's memory. */
  physRanges: string[];
  /** Timing mode only: bytes of this node's memory that were used, and the misses it served. */
  memInUseBytes?: number;
  missesServedLocal?: number;
  missesServedRemote?: number;
}

export interface MachineStats {
  /** Totals over all CPUs (cycles: the latest CPU clock). */
  instructions: number;
  cycles: number;
  /** Timing mode: simulated time (the latest CPU clock) in nanoseconds; null otherwise. */
  simulatedNs: number | null;
  mode: 'functional' | 'timing';
  exceptions: Record<string, number>;
  tlbRefills: number;
  translationCacheFlushes: number;
  cpus: CpuStats[];
  nodes: NodeStats[];
}

export class Machine {
  readonly bus: Bus;
  /** CPU 0 (the boot CPU). */
  readonly cpu: Cpu;
  readonly cpus: Cpu[];
  readonly nodes: number;
  readonly cpusPerNode: number;
  readonly memPerNode: number;
  readonly quantum: number;
  readonly nodeController: NodeController;
  /** The timing mode's caches and directory, or null in the functional mode. */
  readonly mem: MemorySystem | null;
  readonly board: MaltaBoard;
  readonly disk: VirtioBlk | null;
  image: ElfImage | null = null;
  /** Devices with timers of their own (the full Malta board, cpu/linux.ts); null on the bare board. */
  timers: TimedGroup | null = null;
  private halted = false;
  private exitCode = 0;
  private haltDetail = '';

  constructor(opts: MachineOptions) {
    const nodes = opts.nodes ?? 1;
    const cpn = opts.cpusPerNode ?? 1;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) throw new RangeError(`nodes must be 1..64, got ${nodes}`);
    if (!Number.isInteger(cpn) || cpn < 1 || nodes * cpn > 32) throw new RangeError(`cpus-per-node must be >= 1 with at most 32 CPUs in all, got ${nodes} x ${cpn}`);
    const total = opts.memPerNode !== undefined ? opts.memPerNode * nodes : (opts.memBytes ?? 64 * 1024 * 1024);
    const perNode = total / nodes;
    if (!Number.isInteger(perNode) || perNode % 4096 !== 0 || perNode <= 0) {
      throw new RangeError(`memory per node must be a positive multiple of 4 KiB, got ${total} bytes over ${nodes} nodes`);
    }
    this.nodes = nodes;
    this.cpusPerNode = cpn;
    this.memPerNode = perNode;
    this.quantum = opts.quantum ?? 1000;
    if (!Number.isInteger(this.quantum) || this.quantum < 1) throw new RangeError(`quantum must be a positive integer, got ${this.quantum}`);
    this.bus = new Bus(total);
    this.cpus = [];
    for (let i = 0; i < nodes * cpn; i++) {
      const c = new Cpu(this.bus, { ...opts, cpuNum: i, node: Math.floor(i / cpn) });
      c.running = i === 0; // secondaries wait in reset for the node controller's START
      this.cpus.push(c);
    }
    for (const c of this.cpus) c.peers = this.cpus;
    this.cpu = this.cpus[0];
    this.mem = opts.timing?.enabled
      ? new MemorySystem(opts.timing, total, nodes, perNode, this.cpus.map((c) => c.node), this.cpus.map((c) => c.tc))
      : null;
    for (const c of this.cpus) c.mem = this.mem;
    this.nodeController = new NodeController({
      ncpus: this.cpus.length,
      nnodes: nodes,
      cpusPerNode: cpn,
      memPerNode: perNode,
      ramSize: total,
      currentCpu: () => this.bus.currentCpu,
      setIpi: (c, level) => this.cpus[c].setIrq(IPI_IP, level),
      ipiPending: (c) => (this.cpus[c].cp0.cause & (1 << (8 + IPI_IP))) !== 0,
      startCpu: (c, pc, sp, arg) => this.startCpu(c, pc, sp, arg),
      running: (c) => this.cpus[c].running,
      cycles: (c) => this.cpus[c].now(),
    });
    this.bus.map(NODECTL_BASE, NODECTL_SIZE, this.nodeController);
    this.board = attachMalta(this.bus, {
      out: opts.out,
      onHalt: (code, reason) => {
        if (this.halted) return;
        this.halted = true;
        this.exitCode = code;
        this.haltDetail = reason;
        this.cpus[this.bus.currentCpu].sig |= 2; // SIG_END: leave the interpreter after this instruction
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

  /** Start secondary CPU `c` (node controller START): boot state at `pc`, now. */
  private startCpu(c: number, pc: number, sp: number, arg: number): void {
    const cpu = this.cpus[c];
    const starter = this.cpus[this.bus.currentCpu];
    cpu.cycles = starter.now();
    cpu.reset();
    cpu.cp0.status = ST_BEV;
    cpu.r[29] = sp | 0;
    cpu.r[4] = arg | 0;
    cpu.r[5] = c;
    cpu.setPC(pc);
    cpu.running = true;
    starter.sig |= 2; // end the starter's batch so the new CPU joins this round in order
  }

  /** Run until the guest halts, the instruction limit is reached, or every CPU sleeps forever. */
  run(opts: RunOptions = {}): RunResult {
    const cpus = this.cpus;
    const limit = opts.maxInstructions && opts.maxInstructions > 0 ? opts.maxInstructions : Infinity;
    const every = opts.progressEvery ?? 50_000_000;
    let fatal: string | null = null;
    const timers = this.timers;
    const stop = (): boolean => this.halted || fatal !== null || (timers !== null && timers.changed);
    const single = cpus.length === 1;
    const round = single ? 4_000_000 : this.quantum;
    let nextProgress = every;
    let roundEnd = Math.max(...cpus.map((c) => c.cycles));
    while (!this.halted) {
      const done = this.instructions();
      if (done >= limit) return this.result('limit', `instruction limit ${limit} reached`);
      roundEnd += Math.min(round, Math.max(1, limit - done));
      // Device timers (full board): end the round at the next interrupt edge.
      if (timers !== null) roundEnd = Math.max(Math.min(roundEnd, timers.nextEvent()), this.minCycles() + 1);
      let asleep = true;
      for (const cpu of cpus) {
        if (!cpu.running) continue;
        const budget = roundEnd - cpu.cycles;
        if (budget > 0) {
          this.bus.currentCpu = cpu.id;
          cpu.step(budget, stop);
        }
        if (cpu.fatal !== null) fatal = `CPU ${cpu.id}: ${cpu.fatal}`;
        if (this.halted || fatal !== null) break;
        if (!this.sleepsForever(cpu)) asleep = false;
      }
      if (timers !== null) timers.tick(this.maxCycles());
      if (fatal !== null) return this.result('fault', single ? fatal.replace(/^CPU 0: /, '') : fatal);
      if (this.halted) break;
      if (asleep) {
        return this.result('deadlock', 'every CPU executed WAIT with interrupts disabled or masked: nothing can wake them');
      }
      if (opts.onProgress && this.instructions() >= nextProgress) {
        opts.onProgress(this.instructions(), this.cpu.cycles);
        nextProgress = this.instructions() + every;
      }
    }
    return this.result('halt', this.haltDetail);
  }

  /** Earliest and latest CPU clocks (no allocation: called every round with device timers). */
  private minCycles(): number {
    let m = Infinity;
    for (const c of this.cpus) if (c.cycles < m) m = c.cycles;
    return m;
  }
  private maxCycles(): number {
    let m = 0;
    for (const c of this.cpus) if (c.cycles > m) m = c.cycles;
    return m;
  }

  /** A CPU in WAIT that no interrupt can wake (IE off, EXL/ERL set, or every line masked). */
  private sleepsForever(cpu: Cpu): boolean {
    if (!cpu.waiting || cpu.interruptPending()) return false;
    const s = cpu.cp0.status;
    return (s & 1) === 0 || (s & 6) !== 0 || (s & 0xff00) === 0;
  }

  /** Instructions executed by all CPUs (cycles minus time asleep in WAIT or in reset). */
  instructions(): number {
    let n = 0;
    for (const c of this.cpus) n += c.instret;
    return n;
  }

  private result(reason: StopReason, detail: string): RunResult {
    return { reason, exitCode: this.exitCode, detail, instructions: this.instructions(), cycles: Math.max(...this.cpus.map((c) => c.cycles)) };
  }

  stats(): MachineStats {
    const exceptions: Record<string, number> = {};
    const perCpu: CpuStats[] = [];
    let refills = 0, flushes = 0;
    for (const cpu of this.cpus) {
      const ex: Record<string, number> = {};
      for (let i = 0; i < 32; i++) {
        const n = cpu.excCount[i];
        if (n > 0) { ex[EXC_NAMES[i]] = n; exceptions[EXC_NAMES[i]] = (exceptions[EXC_NAMES[i]] ?? 0) + n; }
      }
      refills += cpu.tlbRefills;
      flushes += cpu.tc.flushes;
      perCpu.push({
        cpu: cpu.id, node: cpu.node, started: cpu.running || cpu.cycles > 0,
        instructions: cpu.instret, cycles: cpu.cycles, exceptions: ex, tlbRefills: cpu.tlbRefills,
        dataAccesses: cpu.dataAccesses,
      });
      const m = this.mem;
      if (m !== null) {
        const k = m.counters[cpu.id];
        const t = perCpu[perCpu.length - 1];
        t.simulatedNs = Math.round((cpu.cycles * 1000) / m.cfg.clockMHz);
        t.cache = {
          l1iHits: cpu.instret - k.l1iMisses, l1iMisses: k.l1iMisses,
          l1dHits: cpu.dataAccesses - k.l1dMisses, l1dMisses: k.l1dMisses,
          l2Hits: k.l2Hits, l2Misses: k.localMisses + k.remoteMisses - k.upgrades,
          localMisses: k.localMisses, remoteMisses: k.remoteMisses, upgrades: k.upgrades,
          invalidationsSent: k.invalidationsSent, writebacks: k.writebacks, uncached: k.uncached,
          stallCycles: k.stallCycles,
        };
      }
    }
    const nodes: NodeStats[] = [];
    for (let n = 0; n < this.nodes; n++) {
      const first = n * this.memPerNode;
      nodes.push({
        node: n,
        cpus: perCpu.filter((c) => c.node === n).map((c) => c.cpu),
        memBytes: this.memPerNode,
        physRanges: this.physRanges(first, first + this.memPerNode),
      });
      if (this.mem !== null) {
        const ns = nodes[nodes.length - 1];
        ns.memInUseBytes = this.mem.memoryInUse()[n];
        ns.missesServedLocal = this.mem.nodeLocal[n];
        ns.missesServedRemote = this.mem.nodeRemote[n];
      }
    }
    return {
      instructions: this.instructions(),
      cycles: Math.max(...this.cpus.map((c) => c.cycles)),
      simulatedNs: this.mem === null ? null : Math.round((Math.max(...this.cpus.map((c) => c.cycles)) * 1000) / this.mem.cfg.clockMHz),
      mode: this.mem === null ? 'functional' : 'timing',
      exceptions,
      tlbRefills: refills,
      translationCacheFlushes: flushes,
      cpus: perCpu,
      nodes,
    };
  }

  /** Physical address ranges ("0x00000000-0x03ffffff") of RAM offsets [from, to). */
  private physRanges(from: number, to: number): string[] {
    const out: string[] = [];
    const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');
    const low = Math.min(to, this.bus.lowSize);
    if (from < low) out.push(`${hex(from)}-${hex(low - 1)}`);
    if (to > this.bus.lowSize) {
      const a = Math.max(from, this.bus.lowSize);
      out.push(`${hex(this.bus.physOfRam(a))}-${hex(this.bus.physOfRam(to - 1))}`);
    }
    return out;
  }
}
