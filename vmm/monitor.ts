// The monitor: owns the machine, the VMs and the scheduler, and takes every exception of every
// physical CPU before the hardware would vector it (cpu.ts TrapHandler). It plays the role of
// Disco's kernel-mode monitor; being TypeScript, its own running time is charged to simulated
// time by the cost table (cost.ts).
//
// Trap flow (docs/monitor.md draws it): a guest runs in supervisor or user mode with
// interrupts enabled for the monitor's timer (IP7) and IPI (IP6) lines only. Every exception
// lands in onException(), which dispatches on ExcCode:
//   Int         the monitor's timer or an IPI: virtual timers, time slices, wakeups
//   TLBL/S, Mod mmu.ts tlbFault: L2TLB, window, guest TLB + pmap, or reflect to the guest
//   CpU         privileged instruction: emulate on the virtual CP0 (or reflect if the guest
//               was not allowed to use it, or it was CP1/CP2)
//   Sys         from virtual kernel mode with v0 in the hypercall range: a monitor call
//   AdEL/AdES   kseg0/kseg1/kseg3 from virtual kernel mode: emulated (mmu.ts addressError)
//   RI          rdhwr of a register the monitor keeps (CPUNum, CC): emulated
//   the rest    reflected: delivered to the guest's vectors exactly as the hardware would
// Before returning, a pending enabled virtual interrupt is delivered (resume()).
//
// Fault containment: emulation code throws VmFault to stop the VM whose trap it handles; any
// other error inside the monitor while handling a VM's trap also stops only that VM. Nothing a
// guest does reaches machine memory outside its pmap: machine TLB entries come only from the
// window, the VCPU's privileged page and the pmap; emulated accesses and DMA go through the
// pmap with bounds checks.

import { Machine, type MachineOptions } from '../cpu/machine.ts';
import type { Cpu, TrapHandler } from '../cpu/cpu.ts';
import {
  CA_IP7, CA_TI, EXC_ADEL, EXC_ADES, EXC_CPU, EXC_INT, EXC_MCHECK, EXC_MOD, EXC_NAMES, EXC_RI,
  EXC_SYS, EXC_TLBL, EXC_TLBS, ST_IE,
} from '../cpu/cp0.ts';
import type { NodeHost } from '../cpu/nodectl.ts';
import { DEFAULT_COSTS, type CostTable } from './cost.ts';
import { MachineAllocator, PAGE_BYTES } from './alloc.ts';
import { Memmap } from './memmap.ts';
import { PMAP_NONE, PMAP_READONLY } from './pmap.ts';
import { PCpu, pickNext } from './sched.ts';
import { PHYS_IM, PRIV_VA, VCpu } from './vcpu.ts';
import { Vm, VmFault, WINDOW_BASE, windowAlias, type StopKind, type VmConfig } from './vm.ts';
import { addressError, guestTlbWrite, nextPC, readGuestWord, tlbFault } from './mmu.ts';
import { hypercall, isHypercall } from './hypercall.ts';
import type { MonitorObserver } from './events.ts';
import { NumaManager, type NumaStats } from './numa-policy.ts';
import { SharedPages, breakCow, readDisk, unmapGuestPage } from './share.ts';
import type { VmDisk } from './disk.ts';
import { Subnet } from './net.ts';

/** The monitor's idle loop lives in machine page 0, run in kernel mode through kseg0. */
export const IDLE_PC = 0x80000000 | 0;
/** wait; b .-4; nop */
const IDLE_LOOP = [0x42000020, 0x1000fffe, 0x00000000];

export interface MonitorOptions extends Omit<MachineOptions, 'out' | 'disk'> {
  /** Cost table overrides (cycles). */
  costs?: Partial<CostTable>;
  /** Cycles a VCPU runs before another runnable VCPU of the same CPU gets its turn. */
  sliceCycles?: number;
  /** Every byte a VM writes to its console. */
  console: (vm: Vm, byte: number) => void;
  /** Told once when a VM halts or is stopped (vm.stopMessage says how). */
  onVmStop?: (vm: Vm) => void;
  /** Bytes of the global disk buffer cache (share.ts, bufcache.ts); 0: none. Default 64 MiB. */
  bufferCacheBytes?: number;
}

export interface MonitorRunOptions {
  /** Stop every VM still running after this many instructions in all (0: none). */
  maxInstructions?: number;
  onProgress?: (instructions: number, cycles: number) => void;
  progressEvery?: number;
  /** Called after every interleaving round (tests check invariants here). */
  onRound?: () => void;
}

export interface MonitorResult {
  /** 'done': every VM halted or was stopped; 'limit': the global instruction limit. */
  reason: 'done' | 'limit';
  instructions: number;
  cycles: number;
}

export const DEFAULT_SLICE = 100_000;
/** Default size of the global disk buffer cache (docs/disks.md). */
export const DEFAULT_BUFFER_CACHE = 64 * 1024 * 1024;

export class Monitor implements TrapHandler {
  readonly machine: Machine;
  readonly alloc: MachineAllocator;
  readonly memmap: Memmap;
  readonly pcpus: PCpu[];
  readonly vms: Vm[] = [];
  /** Every VCPU by gid. */
  readonly vcpus: VCpu[] = [];
  readonly costs: CostTable;
  readonly slice: number;
  /** Clock reported to guests (HC_INFO): the timing mode's, or 200 MHz. */
  readonly clockMHz: number;
  private readonly consoleSink: (vm: Vm, byte: number) => void;
  private readonly onVmStop: ((vm: Vm) => void) | null;
  private live = 0;
  private started = false;
  private nextHome = 0;
  /** Privileged instructions emulated in the current trap after the one that trapped. */
  private fused = 0;
  /** Monitor cycles (all, and page zeroing) of the VM when the current category began. */
  private catStart = 0;
  private zeroStart = 0;
  /** What the trap being handled is for (overhead breakdown); handlers may refine it. */
  private category = '';
  /** Errors the monitor caught inside itself (each stopped one VM); for tests. */
  readonly internalErrors: string[] = [];
  /** Traces and experiments attach here (events.ts); null costs nothing. */
  observer: MonitorObserver | null = null;
  /** NUMA placement, migration and replication (numa-policy.ts); null until a VM asks for it. */
  numa: NumaManager | null = null;
  /** Copy-on-write shared machine pages and the disk buffer cache (share.ts). */
  readonly share: SharedPages;
  /** When the trap being handled was taken (kept only while an observer is attached). */
  trapAt = 0;
  /** The virtual subnet (net.ts): every VM's network interface. */
  readonly net: Subnet = new Subnet(this);

  constructor(opts: MonitorOptions) {
    this.machine = new Machine({ ...opts, out: () => {} });
    const m = this.machine;
    this.costs = { ...DEFAULT_COSTS, ...(opts.costs ?? {}) };
    this.slice = opts.sliceCycles ?? DEFAULT_SLICE;
    if (!Number.isInteger(this.slice) || this.slice < 100) throw new RangeError(`time slice must be at least 100 cycles, got ${this.slice}`);
    this.clockMHz = m.mem !== null ? m.mem.cfg.clockMHz : 200;
    this.consoleSink = opts.console;
    this.onVmStop = opts.onVmStop ?? null;
    this.alloc = new MachineAllocator(m.bus.ramSize, m.nodes);
    this.memmap = new Memmap(this.alloc.totalPages, (gid) => this.vcpus[gid], (mp) => {
      this.breakLinks(mp);
      if (m.mem !== null) m.mem.flushPage(mp);
    });
    this.share = new SharedPages(this, opts.bufferCacheBytes ?? DEFAULT_BUFFER_CACHE);
    // Machine page 0: the idle loop (kernel mode, kseg0).
    this.alloc.reserve(0);
    IDLE_LOOP.forEach((w, i) => { m.bus.ram32[i] = w | 0; });
    this.pcpus = m.cpus.map((c) => new PCpu(c));
    for (const c of m.cpus) {
      c.trapHandler = this;
      c.running = true;
      this.enterIdle(this.pcpus[c.id]);
    }
  }

  // -------------------------------------------------------------------------------------
  // VMs.

  /**
   * Machine page `mp` is being remapped (its guest pages move to other machine pages, or it
   * becomes read-only shared): break every CPU's LL link into it (Cpu.breakLinkInPage).
   */
  breakLinks(mp: number): void {
    const pa = this.machine.bus.physOfRam(mp * PAGE_BYTES);
    for (const c of this.machine.cpus) c.breakLinkInPage(pa);
  }

  /** Create a VM and load its image; it starts with the next run(). */
  createVm(cfg: VmConfig): Vm {
    const vm = new Vm(this, this.vms.length, cfg);
    const n = cfg.vcpus ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 32) throw new RangeError(`${vm.name}: a VM has 1 to 32 virtual CPUs, got ${n}`);
    const tlbEntries = this.machine.cpu.tlb.size;
    for (let i = 0; i < n; i++) {
      const home = cfg.homes?.[i] ?? (this.nextHome++ % this.pcpus.length);
      if (!Number.isInteger(home) || home < 0 || home >= this.pcpus.length) throw new RangeError(`${vm.name}: no physical CPU ${home}`);
      const priv = this.alloc.alloc(this.pcpus[home].node, true);
      if (priv < 0) throw new RangeError('the machine has no memory left for the monitor');
      const v = new VCpu(vm, i, this.vcpus.length, home, cfg.pinned ?? false, priv, this.machine.bus.ram32, tlbEntries);
      v.retime(0);
      this.vcpus.push(v);
      vm.vcpus.push(v);
      this.pcpus[home].queue.push(v);
    }
    this.vms.push(vm);
    this.live++;
    try {
      if (cfg.numa !== undefined) NumaManager.configure(this, vm, cfg.numa); // bad options stop this VM only
      vm.load(cfg.image, cfg.imageName, cfg.cmdline ?? '', this.pcpus[vm.vcpus[0].home].node);
    } catch (e) {
      this.stopVm(vm, 'fault', e instanceof Error ? e.message : String(e), false);
      throw e;
    }
    const v0 = vm.vcpus[0];
    v0.regs.set(vm.bootRegs);
    v0.pc = vm.entry;
    v0.state = 'runnable';
    return vm;
  }

  /** Put the runnable VCPUs on the physical CPUs. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const p of this.pcpus) if (p.current === null) this.schedule(p);
  }

  /**
   * Run until every VM has halted or been stopped (or the global instruction limit). The
   * physical CPUs are interleaved as by Machine.run: rounds of `quantum` cycles, CPUs in id
   * order, so runs are deterministic.
   */
  run(opts: MonitorRunOptions = {}): MonitorResult {
    this.start();
    const m = this.machine, cpus = m.cpus;
    const limit = opts.maxInstructions && opts.maxInstructions > 0 ? opts.maxInstructions : Infinity;
    const every = opts.progressEvery ?? 50_000_000;
    let nextProgress = every;
    // Rounds of one quantum even with one CPU: the interpreter samples the timer only between
    // batches, and a batch is counted in instructions, so monitor time charged inside it would
    // stretch time slices and virtual timers without bound.
    const round = m.quantum;
    const stop = (): boolean => this.live === 0;
    let roundEnd = Math.max(...cpus.map((c) => c.cycles));
    let reason: 'done' | 'limit' = 'done';
    while (this.live > 0) {
      if (m.instructions() >= limit) {
        reason = 'limit';
        for (const vm of this.vms) if (vm.running) this.stopVm(vm, 'limit', `stopped by the instruction limit (${limit} instructions in all VMs)`);
        break;
      }
      roundEnd += round;
      for (const cpu of cpus) {
        const budget = roundEnd - cpu.cycles;
        if (budget > 0) {
          m.bus.currentCpu = cpu.id;
          cpu.step(budget, stop);
        }
        if (cpu.fatal !== null) throw new Error(`monitor: CPU ${cpu.id}: ${cpu.fatal}`);
        if (this.live === 0) break;
      }
      this.checkLimits();
      if (this.numa !== null) this.numa.service(); // NUMA: hot pages move between rounds
      if (opts.onRound) opts.onRound();
      if (opts.onProgress && m.instructions() >= nextProgress) {
        opts.onProgress(m.instructions(), m.cpu.cycles);
        nextProgress = m.instructions() + every;
      }
    }
    return { reason, instructions: m.instructions(), cycles: Math.max(...cpus.map((c) => c.cycles)) };
  }

  /** Per-VM instruction limits, checked between rounds. */
  private checkLimits(): void {
    for (const vm of this.vms) {
      if (vm.running && vm.maxInstructions > 0) {
        const n = vm.instructions();
        if (n >= vm.maxInstructions) this.stopVm(vm, 'limit', `instruction limit reached (${vm.maxInstructions} per VM)`);
      }
    }
  }

  /** Console byte from a VM (devices and the console monitor calls). */
  consoleOut(vm: Vm, byte: number): void {
    this.consoleSink(vm, byte);
  }

  // Console input (console_getc): the bytes given for a VM, read in order; deterministic
  // because the whole input is known before the run (disco run --console-input).
  private readonly consoleInputs = new Map<Vm, { bytes: Uint8Array; pos: number }>();

  /** Give `vm` console input: console_getc returns these bytes in order, then end of input. */
  setConsoleInput(vm: Vm, bytes: Uint8Array): void {
    this.consoleInputs.set(vm, { bytes, pos: 0 });
  }

  /** The next console input byte of `vm`, or -1 at the end of its input (or without any). */
  consoleIn(vm: Vm): number {
    const i = this.consoleInputs.get(vm);
    if (i === undefined || i.pos >= i.bytes.length) return -1;
    return i.bytes[i.pos++];
  }

  /** The guest stopped itself (halt register, SOFTRES, exit call). */
  haltVm(vm: Vm, code: number, how: string): void {
    if (!vm.running) return;
    vm.exitCode = code;
    this.stopVm(vm, 'halt', `halted by the ${how}, exit code ${code}`);
  }

  /**
   * Stop a VM alone: take its VCPUs off the physical CPUs (which go on with other VCPUs),
   * drop every translation it has, and give its memory back to the machine.
   */
  stopVm(vm: Vm, kind: StopKind, message: string, reschedule = true): void {
    if (!vm.running) return;
    vm.state = kind === 'halt' ? 'halted' : 'stopped';
    vm.stopKind = kind;
    vm.stopMessage = message;
    const affected: PCpu[] = [];
    for (const v of vm.vcpus) {
      if (v.pcpu !== null) {
        const q = v.pcpu;
        v.pc = q.cpu.pc;
        this.unload(q);
        affected.push(q);
      }
      v.state = 'stopped';
      if (v.tlbOn !== null) this.releaseTlb(v.tlbOn);
      v.dropAllL2();
    }
    for (let gpn = 0; gpn < vm.pages; gpn++) {
      if (vm.pmap.mpage[gpn] !== PMAP_NONE) this.freeGuestPage(vm, gpn, -1);
    }
    for (const v of vm.vcpus) this.alloc.release(v.privPage);
    vm.disk?.close(); // a persistent disk's lock goes with its VM
    for (const p of this.pcpus) {
      const q = p.queue.filter((v) => v.vm !== vm);
      p.queue.length = 0;
      p.queue.push(...q);
      p.rr = 0;
    }
    this.net.vmStopped(vm);
    this.live--;
    if (this.onVmStop !== null) this.onVmStop(vm);
    if (reschedule) for (const q of affected) this.schedule(q);
  }

  // -------------------------------------------------------------------------------------
  // Memory.

  /**
   * A free machine page for guest memory, on `node` if it has one; under pressure, cached disk
   * blocks no VM maps are given back first (share.ts). -1 when the machine has none.
   */
  allocPage(node: number): number {
    const mp = this.alloc.alloc(node);
    return mp < 0 && this.share.reclaim(1) > 0 ? this.alloc.alloc(node) : mp;
  }

  /** Allocate, zero and map guest page `gpn` of `vm` (Vm.page calls this on first touch). */
  allocGuestPage(vm: Vm, gpn: number, node: number): number {
    if (vm.account.held >= vm.account.limitPages) throw new VmFault(`exceeds its memory limit of ${vm.account.limitPages} pages`, 'memory');
    const mp = this.allocPage(this.numa === null ? node : this.numa.place(vm, node));
    if (mp < 0) throw new VmFault(`the machine has no free memory for guest page ${gpn} (${vm.account.held} pages held)`, 'memory');
    this.machine.bus.ram32.fill(0, mp * 1024, mp * 1024 + 1024);
    vm.pmap.set(gpn, mp);
    this.memmap.addOwner(mp, vm.id, gpn);
    vm.account.add(this.alloc.nodeOf(mp));
    vm.account.zeroed++;
    const p = this.pcpus[this.machine.bus.currentCpu];
    if (p.current !== null && p.current.vm === vm) {
      this.charge(p, p.current, 'pageAlloc');
      this.charge(p, p.current, 'pageZero');
    }
    return mp;
  }

  /** Shoot down every translation of guest page `gpn`, then free its machine page. */
  private freeGuestPage(vm: Vm, gpn: number, initiator: number): { entries: number; remoteCpus: number } {
    if (this.numa !== null) this.numa.forget(vm, gpn); // NUMA: replicas go first
    const mp = vm.pmap.mpage[gpn];
    // A shared page: only this VM's translations go; the page stays for its other users.
    if (this.share.isShared(mp)) return { entries: unmapGuestPage(this, vm, gpn, initiator), remoteCpus: 0 };
    const r = this.memmap.shootdown(mp, initiator);
    vm.pmap.clear(gpn);
    this.memmap.removeOwner(mp, vm.id, gpn);
    this.alloc.release(mp);
    vm.account.remove(this.alloc.nodeOf(mp));
    return r;
  }

  /**
   * Device DMA from a VM's disk into its memory (the virtual virtio device): whole 4 KiB
   * blocks into whole pages are mapped from the buffer cache like the disk_read monitor
   * call's (share.ts readDisk); the bytes copied.
   */
  diskToGuest(vm: Vm, disk: VmDisk, pos: number, len: number, gpa: number, node: number): number {
    return readDisk(this, vm, disk, pos, len, gpa, node);
  }

  /** A VM gives a page back (zero-page call): the next touch maps a fresh zeroed page. */
  releaseGuestPage(p: PCpu, v: VCpu, vm: Vm, gpn: number): void {
    if (vm.pmap.mpage[gpn] === PMAP_NONE) return;
    const r = this.freeGuestPage(vm, gpn, p.id);
    this.charge(p, v, 'shootdownEntry', r.entries);
    this.charge(p, v, 'ipi', r.remoteCpus);
  }

  /**
   * A guest write reached a page the pmap maps read-only (copy-on-write, replicas: the NUMA
   * and disk-sharing work). NUMA replicas are recognised by numa-policy.ts's own state; shared
   * pages (share.ts: buffer cache, remapped payloads, content scan) get a private copy through
   * breakCow.
   */
  writeFault(p: PCpu, v: VCpu, gpn: number): void {
    // NUMA replicas: collapse to one writable copy (IVY's one writer or many readers).
    if (this.numa !== null && this.numa.writeFault(p, v, gpn)) return;
    if (this.writeShared(v.vm, gpn, p.node)) return;
    throw new VmFault(`write to read-only guest page ${gpn}: copy-on-write is not implemented yet`);
  }

  /**
   * The monitor itself writes guest page `gpn` (DMA, loading): if it is a shared page, give
   * the VM its private copy first (share.ts breakCow). True if the page was shared.
   */
  writeShared(vm: Vm, gpn: number, node: number): boolean {
    const mp = vm.pmap.mpage[gpn];
    if (mp === PMAP_NONE || !this.share.isShared(mp)) return false;
    breakCow(this, vm, gpn, node);
    return true;
  }

  // -------------------------------------------------------------------------------------
  // Accounting.

  /** Charge monitor time (cost-table entry `key`, `times` times) to p's clock and v's VM. */
  charge(p: PCpu, v: VCpu, key: keyof CostTable, times = 1): void {
    const c = this.costs[key] * times;
    if (c === 0) return;
    p.cpu.stall += c;
    const k = v.vm.counters;
    k.monitorCycles += c;
    k.bump(k.monitorBy, key, c);
  }

  /** Charge `key` to whichever VCPU of `vm` the current physical CPU runs (device work). */
  chargeCurrent(vm: Vm, key: keyof CostTable, times = 1): void {
    const p = this.pcpus[this.machine.bus.currentCpu];
    if (p.current !== null && p.current.vm === vm) this.charge(p, p.current, key, times);
  }

  /** Node of the physical CPU doing the current access (placement of new pages). */
  currentNode(): number {
    return this.pcpus[this.machine.bus.currentCpu].node;
  }

  /** A virtual device drives interrupt line `ip` (2..6) of VCPU v. */
  setVirtualIrq(v: VCpu, ip: number, level: boolean): void {
    const bit = 1 << (8 + ip);
    if (level) { v.cp0.cause |= bit; this.wake(v); } else v.cp0.cause &= ~bit;
  }

  /** Count an emulated action and charge its cost. */
  emul(p: PCpu, v: VCpu, name: string): void {
    const k = v.vm.counters;
    k.bump(k.emulated, name);
    const key = EMUL_COST[name];
    if (key !== undefined) this.charge(p, v, key);
  }

  // -------------------------------------------------------------------------------------
  // The trap handler.

  onException(cpu: Cpu, code: number, epcPC: number, ds: boolean, refill: boolean): boolean {
    const p = this.pcpus[cpu.id];
    const v = p.current;
    if (v === null) {
      this.idleTrap(p, code, epcPC);
      return true;
    }
    const now = cpu.now();
    const k = v.vm.counters;
    this.catStart = k.monitorCycles;
    const monStart = k.monitorCycles;
    this.zeroStart = zeroCycles(k);
    this.category = trapCategory(code);
    if (this.observer !== null) this.trapAt = now;
    try {
      k.traps[code]++;
      this.charge(p, v, 'trap');
      v.syncIn(now, cpu);
      if (code === EXC_TLBL || code === EXC_TLBS || code === EXC_MOD) {
        const va = cpu.cp0.badVAddr;
        this.category = ((va - WINDOW_BASE) >>> 0) < v.vm.memBytes || (va & ~0x1fff) === PRIV_VA ? 'kernelTlbFaults' : 'userTlbMisses';
      }
      this.dispatch(p, v, code, epcPC, ds, refill);
    } catch (e) {
      if (e instanceof VmFault) {
        this.stopVm(e.vm ?? v.vm, e.kind, e.message);
      } else {
        const msg = e instanceof Error ? e.message : String(e);
        this.internalErrors.push(msg + (e instanceof Error && e.stack ? `\n${e.stack}` : ''));
        this.stopVm(v.vm, 'fault', `monitor error while handling ${EXC_NAMES[code]} at pc 0x${hex(epcPC)}: ${msg}`);
      }
      if (v.vm.running) throw e; // could not contain it: a monitor bug outside any VM
    }
    this.settle(k);
    const cur = p.current;
    if (cur !== null) cur.syncOut(cpu.now());
    // The cost is what the monitor charged the VM for this trap: not the elapsed cycles, which
    // include hazard barriers a fused emulation stepped over (guest time).
    if (this.observer !== null) this.observer.trap?.(cpu.id, v.vm.id, v.index, code, epcPC, now, k.monitorCycles - monStart);
    return true;
  }

  private dispatch(p: PCpu, v: VCpu, code: number, epcPC: number, ds: boolean, refill: boolean): void {
    const cpu = p.cpu;
    switch (code) {
      case EXC_INT:
        this.interrupt(p, v, epcPC);
        return;
      case EXC_TLBL: case EXC_TLBS: case EXC_MOD:
        tlbFault(this, p, v, code, cpu.cp0.badVAddr, cpu.faultAccess, epcPC, ds, refill);
        return;
      case EXC_CPU: {
        const ce = (cpu.cp0.cause >>> 28) & 3;
        if (ce === 0 && v.cop0Usable()) {
          this.emulatePrivileged(p, v, epcPC, ds);
        } else {
          this.charge(p, v, 'reflect');
          v.deliver(p, EXC_CPU, epcPC, ds, { ce });
        }
        return;
      }
      case EXC_SYS:
        if (v.mode() === 0 && isHypercall(cpu.r[2])) { this.category = 'monitorCalls'; hypercall(this, p, v); }
        else { this.charge(p, v, 'reflect'); v.deliver(p, EXC_SYS, epcPC, ds); }
        return;
      case EXC_ADEL: case EXC_ADES:
        addressError(this, p, v, code, cpu.cp0.badVAddr, cpu.faultAccess, epcPC, ds);
        return;
      case EXC_RI:
        this.reservedInstruction(p, v, epcPC, ds);
        return;
      case EXC_MCHECK:
        throw new Error('machine check in the machine TLB');
      default: // Bp, Ov, Tr, IBE, DBE, and anything else: the guest's business
        this.charge(p, v, 'reflect');
        v.deliver(p, code, epcPC, ds);
    }
  }

  /**
   * CpU with CE = 0 in virtual kernel mode: emulate the COP0 instruction or `cache`. `next` and
   * `word` are given when the instruction is one fused into the trap of the one before it.
   */
  private emulatePrivileged(p: PCpu, v: VCpu, epcPC: number, ds: boolean, next = p.cpu.resumePC, word?: number): void {
    const cpu = p.cpu, r = cpu.r;
    const w = word ?? readGuestWord(this, v, epcPC);
    if (w === null) throw new VmFault(`cannot read the privileged instruction at 0x${hex(epcPC)}`);
    const now = cpu.now();
    const reflectRI = (): void => { this.charge(p, v, 'reflect'); v.deliver(p, EXC_RI, epcPC, ds); };
    const op = w >>> 26;
    if (op === 0x2f) { // cache: no cache model, nothing to do
      this.emul(p, v, 'cache');
      this.resumeOrFuse(p, v, epcPC, next);
      return;
    }
    if (op !== 0x10) throw new Error(`coprocessor 0 unusable raised by 0x${hex(w)}`);
    const rs = (w >>> 21) & 31, rt = (w >>> 16) & 31, rd = (w >>> 11) & 31;
    if (rs === 0x00 || rs === 0x04) {
      if ((w & 0x7f8) !== 0) { reflectRI(); return; }
      if (rs === 0x00) {
        const val = v.mfc0(rd, w & 7, now);
        if (rt !== 0) r[rt] = val;
        this.emul(p, v, 'mfc0');
      } else {
        v.mtc0(cpu, rd, w & 7, r[rt], now);
        this.emul(p, v, 'mtc0');
        if (rd === 11 || rd === 9 || rd === 13) this.programTimer(p);
        cpu.sig |= 2; // SIG_END: a COP0 trap may end the batch (timer or interrupt state changed)
      }
      this.resumeOrFuse(p, v, epcPC, next);
      return;
    }
    if (rs === 0x0b) { // di / ei
      if ((w & 0xffdf) !== 0x6000) { reflectRI(); return; }
      const old = v.diEi(((w >>> 5) & 1) !== 0);
      if (rt !== 0) r[rt] = old;
      this.emul(p, v, (w >>> 5) & 1 ? 'ei' : 'di');
      this.resumeOrFuse(p, v, epcPC, next);
      return;
    }
    if (rs === 0x0a || rs === 0x0e) { // rdpgpr / wrpgpr: one register set
      if (rd !== 0) r[rd] = r[rt];
      this.emul(p, v, rs === 0x0a ? 'rdpgpr' : 'wrpgpr');
      this.resumeOrFuse(p, v, epcPC, next);
      return;
    }
    if (rs >= 0x10) {
      switch (w & 63) {
        case 0x01: this.category = 'tlbWrites'; v.tlbr(cpu); this.emul(p, v, 'tlbr'); this.resumeOrFuse(p, v, epcPC, next); return;
        case 0x08: this.category = 'tlbWrites'; v.tlbp(); this.emul(p, v, 'tlbp'); this.resumeOrFuse(p, v, epcPC, next); return;
        case 0x02: case 0x06: {
          this.category = 'tlbWrites';
          const wr = (w & 63) === 0x06;
          const i = (wr ? v.cp0.randomAt(v.vnow(now)) : v.cp0.index & 0x3f) % v.tlb.size;
          this.emul(p, v, wr ? 'tlbwr' : 'tlbwi');
          if (!guestTlbWrite(this, p, v, i)) { this.charge(p, v, 'reflect'); v.deliver(p, EXC_MCHECK, epcPC, ds); return; }
          this.resumeOrFuse(p, v, epcPC, next);
          return;
        }
        case 0x18: { // eret (no delay slot)
          this.emul(p, v, 'eret');
          const to = v.eret(cpu);
          if (this.observer !== null) this.observer.eret?.(cpu.id, v.vm.id, v.index, to, cpu.now());
          this.resumeOrFuse(p, v, epcPC, to);
          return;
        }
        case 0x20: // wait
          this.emul(p, v, 'wait');
          this.goIdle(p, v, next, 'wait');
          return;
        default: break;
      }
    }
    reflectRI();
  }

  /** Add the monitor time since the category began to it (page zeroing apart); start anew. */
  private settle(k: Vm['counters']): void {
    const zero = zeroCycles(k) - this.zeroStart;
    k.bump(k.overhead, this.category, k.monitorCycles - this.catStart - zero);
    if (zero > 0) k.bump(k.overhead, 'pageZeroing', zero);
    this.catStart = k.monitorCycles;
    this.zeroStart = zeroCycles(k);
  }

  /**
   * Continue v at pc after an emulated privileged instruction at `from`, or, if the instruction
   * at pc is another one the monitor would emulate, emulate it in the same trap: the guest's
   * sequences (`tlbwr; eret` in a refill handler, `mtc0 EntryHi; ehb; tlbp`) then pay one
   * trap entry and exit instead of one each. Only in virtual kernel mode, with no interrupt
   * to deliver first (the hardware would take it between the two), on the same page (so the
   * instruction is mapped), at most FUSE_MAX in a row; at most two `ehb`/`nop`/`ssnop` in
   * between are stepped over as executed (one cycle and one instruction each).
   */
  private resumeOrFuse(p: PCpu, v: VCpu, from: number, pc: number): void {
    if (p.current !== v || this.fused >= FUSE_MAX || v.mode() !== 0) { this.resume(p, v, pc); return; }
    const cpu = p.cpu;
    v.tick(cpu.now());
    let at = pc, skipped = 0;
    let w: number | null = null;
    if (!v.interruptPending()) {
      for (;;) {
        if (((at ^ from) & ~0xfff) !== 0) { w = null; break; }
        w = readGuestWord(this, v, at);
        if (w === null || !fusable(w)) { w = null; break; }
        if (w !== 0 && w !== 0x40 && w !== 0xc0) break; // a privileged instruction: fuse it
        if (++skipped > 2) { w = null; break; }
        at = (at + 4) | 0;
      }
    }
    if (w === null) { this.resume(p, v, pc); return; }
    cpu.instret += skipped; // the hazard barriers stepped over count as executed
    cpu.stall += skipped;
    const k = v.vm.counters;
    k.bump(k.emulated, 'fused');
    this.settle(k); // the fused instruction's time goes to its own category
    this.category = 'privileged';
    this.charge(p, v, 'fuse');
    this.fused++;
    try {
      this.emulatePrivileged(p, v, at, false, (at + 4) | 0, w);
    } finally {
      this.fused--;
    }
  }

  /** RI: rdhwr of a register the monitor virtualizes (CPUNum, CC), else the guest's RI. */
  private reservedInstruction(p: PCpu, v: VCpu, epcPC: number, ds: boolean): void {
    const cpu = p.cpu;
    const w = readGuestWord(this, v, epcPC);
    if (w !== null && (w >>> 26) === 0x1f && (w & 63) === 0x3b) {
      const val = v.rdhwr((w >>> 11) & 31, cpu.now());
      if (val !== null) {
        const next = nextPC(this, v, epcPC, ds);
        const rt = (w >>> 16) & 31;
        if (rt !== 0) cpu.r[rt] = val;
        this.emul(p, v, 'rdhwr');
        this.resume(p, v, next);
        return;
      }
    }
    this.charge(p, v, 'reflect');
    v.deliver(p, EXC_RI, epcPC, ds);
  }

  /** A physical interrupt while v runs: acknowledge, tick timers, maybe switch, resume. */
  private interrupt(p: PCpu, v: VCpu, epcPC: number): void {
    const cpu = p.cpu;
    this.ackPhysical(cpu);
    const now = cpu.now();
    v.tick(now);
    if (now >= p.sliceEnd) {
      const next = pickNext(p, this.pcpus, (u) => u !== v && this.ready(u, now));
      if (next !== null) {
        v.pc = epcPC;
        this.unload(p);
        this.load(p, next);
        return;
      }
      p.sliceEnd = now + this.slice;
    }
    this.resume(p, v, epcPC);
    this.programTimer(p);
  }

  /** A trap while the CPU ran the idle loop: only the timer or an IPI can cause one. */
  private idleTrap(p: PCpu, code: number, epcPC: number): void {
    if (code !== EXC_INT) throw new Error(`monitor: ${EXC_NAMES[code]} in the idle loop of CPU ${p.id} at 0x${hex(epcPC)}`);
    this.ackPhysical(p.cpu);
    this.schedule(p);
  }

  private ackPhysical(cpu: Cpu): void {
    const c = cpu.cp0;
    c.cause &= ~(CA_TI | CA_IP7);
    if ((c.cause & 0x4000) !== 0) cpu.setIrq(6, false);
  }

  // -------------------------------------------------------------------------------------
  // Scheduling.

  /** v can run now: runnable, or idle with an interrupt that wakes it. */
  private ready(v: VCpu, now: number): boolean {
    if (v.state === 'runnable') return true;
    return v.state === 'idle' && v.wakeable(now);
  }

  /** Continue v at pc, delivering a pending enabled virtual interrupt first. */
  resume(p: PCpu, v: VCpu, pc: number): void {
    if (p.current !== v) return;
    v.tick(p.cpu.now());
    if (v.interruptPending()) {
      this.charge(p, v, 'reflect');
      v.deliver(p, EXC_INT, pc, false);
    } else {
      p.cpu.setPC(pc);
    }
  }

  /** v executed wait (or the idle call): off the CPU until an interrupt wakes it. */
  goIdle(p: PCpu, v: VCpu, pc: number, kind: 'wait' | 'call'): void {
    v.idleKind = kind;
    // A VCPU that nothing can wake is parked for good (as a bare CPU would sleep); the VM is
    // deadlocked only when none of its VCPUs can run any more.
    const stuck = (u: VCpu): boolean => u.state === 'reset' || u.state === 'stopped' || (u.state === 'idle' && !u.canWake());
    if (!v.canWake() && v.vm.vcpus.every((u) => u === v || stuck(u))) {
      throw new VmFault(`VCPU ${v.index} ${kind === 'wait' ? 'executed wait' : 'went idle'} with interrupts disabled or masked at 0x${hex(pc)}: nothing can wake it`, 'deadlock');
    }
    const now = p.cpu.now();
    if (v.wakeable(now)) { this.resume(p, v, pc); return; }
    v.pc = pc;
    v.state = 'idle';
    this.unload(p);
    this.schedule(p);
  }

  /** Give p the next VCPU, or the idle loop. */
  private schedule(p: PCpu): void {
    const now = p.cpu.now();
    const next = pickNext(p, this.pcpus, (u) => this.ready(u, now));
    if (next !== null) this.load(p, next);
    else this.enterIdle(p);
  }

  /** Put v on p: registers, virtual mode and ASID, machine TLB (flushed if it held another VCPU's entries). */
  private load(p: PCpu, v: VCpu): void {
    const cpu = p.cpu;
    if (p.current !== null) throw new Error(`CPU ${p.id} is busy`);
    if (p.tlbOwner !== v) {
      this.releaseTlb(p);
      if (v.tlbOn !== null) this.releaseTlb(v.tlbOn);
      p.tlbOwner = v;
      v.tlbOn = p;
      this.charge(p, v, 'vcpuSwitch');
      v.vm.counters.vcpuSwitches++;
      p.switches++;
    }
    cpu.r.set(v.regs);
    cpu.hi = v.hi;
    cpu.lo = v.lo;
    cpu.llbit = 0;
    cpu.waiting = false;
    cpu.cp0.entryHi = v.cp0.entryHi & 0xff;
    v.applyHwr(cpu);
    cpu.cp0.status = v.physStatus();
    cpu.tc.flush();
    p.current = v;
    v.pcpu = p;
    v.loadInstret = cpu.instret;
    if (v.state === 'idle') v.state = 'runnable';
    const now = cpu.now();
    if (v.readySince >= 0) {
      // It waited for the CPU: that time was stolen, its virtual clock did not run.
      v.stolen += Math.max(0, now - v.readySince);
      v.readySince = -1;
      v.retime(now);
    }
    p.sliceEnd = now + this.slice;
    try {
      this.resume(p, v, v.pc);
    } catch (e) {
      // Delivering its pending interrupt failed (no usable vector): stop that VM, not the
      // one whose trap brought us here; stopVm reschedules p.
      if (!(e instanceof VmFault)) throw e;
      this.stopVm(v.vm, e.kind, e.message);
      return;
    }
    v.syncOut(now);
    this.programTimer(p);
  }

  /** Take p's VCPU off it (the caller has saved where it continues in v.pc). */
  private unload(p: PCpu): void {
    const v = p.current;
    if (v === null) return;
    const cpu = p.cpu;
    v.regs.set(cpu.r);
    v.hi = cpu.hi;
    v.lo = cpu.lo;
    v.instret += cpu.instret - v.loadInstret;
    v.pcpu = null;
    p.current = null;
    v.readySince = v.state === 'runnable' ? cpu.now() : -1;
  }

  /** Flush p's machine TLB, which held its owner's entries. */
  private releaseTlb(p: PCpu): void {
    if (p.tlbOwner !== null) p.tlbOwner.tlbOn = null;
    p.flushTlb();
  }

  /** p runs the idle loop (kernel mode, interrupts on) until its timer or an IPI. */
  private enterIdle(p: PCpu): void {
    const cpu = p.cpu;
    p.current = null;
    cpu.cp0.status = ST_IE | PHYS_IM;
    cpu.tc.flush();
    cpu.setPC(IDLE_PC);
    p.idleEntries++;
    this.programTimer(p);
  }

  /**
   * Set p's timer (physical Count/Compare) for its next event: the end of the slice or the
   * running VCPU's virtual timer; when idle, the earliest virtual timer of a VCPU it could run,
   * and at least once a slice (to take VCPUs that became runnable elsewhere).
   */
  programTimer(p: PCpu): void {
    const cpu = p.cpu;
    const now = cpu.now();
    let at: number;
    const v = p.current;
    if (v !== null) {
      at = Math.min(p.sliceEnd, v.timerDeadline);
    } else {
      at = now + this.slice;
      for (const u of this.vcpus) {
        if (u.state === 'idle' && (u.home === p.id || !u.pinned) && u.timerDeadline < at) at = u.timerDeadline;
      }
    }
    const dt = Math.min(Math.max(2, at - now), 0x40000000);
    const c = cpu.cp0;
    c.compare = (c.countAt(now) + Math.ceil(dt / 2)) | 0;
    c.cause &= ~(CA_TI | CA_IP7);
    cpu.resyncTimer();
  }

  /** v has an interrupt to take: make sure some physical CPU gets to it soon. */
  wake(v: VCpu): void {
    const cur = this.pcpus[this.machine.bus.currentCpu];
    if (v.pcpu !== null) {
      if (v.pcpu !== cur) this.ipi(cur, v.pcpu);
      return;
    }
    if (v.state !== 'idle' && v.state !== 'runnable') return;
    const home = this.pcpus[v.home];
    if (home.current === null) { if (home !== cur) this.ipi(cur, home); return; }
    if (!v.pinned) {
      const idle = this.pcpus.find((q) => q.current === null && q !== cur);
      if (idle !== undefined) this.ipi(cur, idle);
    }
  }

  private ipi(from: PCpu, to: PCpu): void {
    to.cpu.setIrq(6, true);
    if (from.current !== null) this.charge(from, from.current, 'ipi');
  }

  // -------------------------------------------------------------------------------------
  // The virtual node controller's view of a VM (devices.ts).

  nodeHostFor(vm: Vm): NodeHost {
    const mon = this;
    const current = (): VCpu | null => {
      const v = mon.pcpus[mon.machine.bus.currentCpu].current;
      return v !== null && v.vm === vm ? v : null;
    };
    return {
      get ncpus() { return vm.vcpus.length; },
      nnodes: 1,
      get cpusPerNode() { return vm.vcpus.length; },
      memPerNode: vm.memBytes,
      ramSize: vm.memBytes,
      currentCpu: () => current()?.index ?? 0,
      setIpi: (c, level) => {
        const u = vm.vcpus[c];
        if (level) { u.cp0.cause |= 0x4000; mon.wake(u); } else u.cp0.cause &= ~0x4000;
      },
      ipiPending: (c) => (vm.vcpus[c].cp0.cause & 0x4000) !== 0,
      startCpu: (c, pc, sp, arg) => mon.startVcpu(vm.vcpus[c], pc, sp, arg),
      running: (c) => vm.vcpus[c].state !== 'reset' && vm.vcpus[c].state !== 'stopped',
      cycles: () => mon.machine.cpus[mon.machine.bus.currentCpu].now(),
    };
  }

  /** Node controller START for a secondary VCPU: boot state at pc (its window alias). */
  private startVcpu(v: VCpu, pc: number, sp: number, arg: number): void {
    if (v.state !== 'reset') return;
    v.regs.fill(0);
    v.regs[29] = sp | 0;
    v.regs[4] = arg | 0;
    v.regs[5] = v.index;
    v.pc = windowAlias(pc);
    v.state = 'runnable';
    const now = this.machine.cpus[this.machine.bus.currentCpu].now();
    v.stolen = 0;
    v.readySince = now;
    v.retime(now);
    this.wake(v);
  }

  // -------------------------------------------------------------------------------------
  // Invariants (for tests; cheap enough to call every round of a small run).

  /**
   * Check the isolation invariants; returns the violations found (empty when all hold):
   * a machine page backs at most one guest page unless it is a copy-on-write shared page,
   * which every owner maps read-only, and the memmap agrees with the pmaps; every
   * machine TLB entry is a copy of an L2TLB entry of the VCPU that owns that TLB; every L2TLB
   * entry maps only its VM's own pages (or its VCPU's privileged page) and is referenced from
   * the memmap.
   */
  checkInvariants(): string[] {
    const bad: string[] = [];
    // Machine page -> the guest pages it backs ("vm:gpn"). Several only for shared pages
    // (share.ts), which every owner must map read-only.
    const owner = new Map<number, string[]>();
    for (const vm of this.vms) {
      for (let g = 0; g < vm.pages; g++) {
        const mp = vm.pmap.mpage[g];
        if (mp === PMAP_NONE) continue;
        if (!vm.running) bad.push(`${vm.name} is stopped but still holds machine page ${mp}`);
        const who = `${vm.name}:${g}`;
        const list = owner.get(mp);
        if (list !== undefined && !this.share.isShared(mp)) bad.push(`machine page ${mp} backs ${list.join(', ')} and ${who}`);
        if (this.share.isShared(mp) && (vm.pmap.flags[g] & PMAP_READONLY) === 0) bad.push(`shared machine page ${mp} is writable for ${who}`);
        if (list === undefined) owner.set(mp, [who]); else list.push(who);
        if (!this.memmap.owners(mp).some((o) => o.vm === vm.id && o.gpn === g)) bad.push(`memmap does not know ${who} -> ${mp}`);
        if (this.alloc.useOf(mp) !== 'vm') bad.push(`machine page ${mp} of ${who} is not allocated to a VM`);
      }
    }
    if (this.numa !== null) {
      // NUMA replicas: extra read-only copies of a guest page, owned by it in the memmap.
      for (const [mp, vm, g] of this.numa.mover.replicaOwners()) {
        const who = `${vm.name}:${g}`;
        if (owner.has(mp)) bad.push(`machine page ${mp} backs ${owner.get(mp)!.join(', ')} and replica ${who}`);
        owner.set(mp, [who]);
        if (!this.memmap.owners(mp).some((o) => o.vm === vm.id && o.gpn === g)) bad.push(`memmap does not know replica ${who} -> ${mp}`);
        if (this.alloc.useOf(mp) !== 'vm') bad.push(`replica ${mp} of ${who} is not allocated to a VM`);
      }
    }
    const ownedBy = (mp: number, vm: Vm): boolean => owner.get(mp)?.some((w) => w.startsWith(`${vm.name}:`)) ?? false;
    const whoText = (mp: number): string => owner.get(mp)?.join(', ') ?? 'not a guest page';
    for (const v of this.vcpus) {
      const l2 = v.l2;
      for (const s of l2.slots()) {
        for (const [mp, lo] of [[l2.mp0[s], l2.lo0[s]], [l2.mp1[s], l2.lo1[s]]]) {
          if (mp < 0) continue;
          if (!ownedBy(mp, v.vm)) bad.push(`${v.vm.name} VCPU ${v.index} L2TLB slot ${s} maps machine page ${mp} (${whoText(mp)})`);
          if (this.share.isShared(mp) && (lo & 4) !== 0) bad.push(`${v.vm.name} VCPU ${v.index} L2TLB slot ${s} maps shared machine page ${mp} writable`);
          if (!this.memmap.refs(mp).some((r) => r.gid === v.gid && r.slot === s)) bad.push(`memmap misses ${v.vm.name} VCPU ${v.index} slot ${s} -> ${mp}`);
        }
      }
    }
    const bus = this.machine.bus;
    for (const p of this.pcpus) {
      const t = p.cpu.tlb, v = p.tlbOwner;
      for (let i = 0; i < t.size; i++) {
        if (t.written[i] === 0) continue;
        if (v === null) { bad.push(`CPU ${p.id} TLB entry ${i} with no owner`); continue; }
        const key = t.global[i] !== 0 ? 0x100 : t.asid[i];
        const s = v.l2.find(t.hi[i], key & 0xff, key === 0x100);
        if (s < 0 || v.l2.hi[s] !== t.hi[i] || (v.l2.lo0[s] & 0x3ffffffe) !== t.lo0[i] || (v.l2.lo1[s] & 0x3ffffffe) !== t.lo1[i]) {
          bad.push(`CPU ${p.id} TLB entry ${i} (0x${hex(t.hi[i])}) is not in ${v.vm.name} VCPU ${v.index}'s L2TLB`);
        }
        for (const lo of [t.lo0[i], t.lo1[i]]) {
          if ((lo & 2) === 0) continue;
          const mp = bus.ramOffset(((lo >>> 6) & 0xffffff) * 4096) / 4096;
          if (mp !== v.privPage && !ownedBy(mp, v.vm)) bad.push(`CPU ${p.id} TLB entry ${i} maps machine page ${mp} (${whoText(mp)}) for ${v.vm.name}`);
          if (this.share.isShared(mp) && (lo & 4) !== 0) bad.push(`CPU ${p.id} TLB entry ${i} maps shared machine page ${mp} writable for ${v.vm.name}`);
        }
      }
    }
    return bad;
  }

  // -------------------------------------------------------------------------------------
  // Statistics.

  /** Per-VM figures for --stats (JSON-ready). */
  vmStats(vm: Vm): VmStats {
    const k = vm.counters;
    const traps: Record<string, number> = {};
    const delivered: Record<string, number> = {};
    for (let i = 0; i < 32; i++) {
      if (k.traps[i] > 0) traps[EXC_NAMES[i]] = k.traps[i];
      if (k.delivered[i] > 0) delivered[EXC_NAMES[i]] = k.delivered[i];
    }
    let l2h = 0, l2m = 0;
    const vcpus = vm.vcpus.map((v) => {
      l2h += v.l2.hits;
      l2m += v.l2.misses;
      return {
        vcpu: v.index, home: v.home, state: v.state, instructions: v.instructions(),
        l2tlb: { hits: v.l2.hits, misses: v.l2.misses, hitRate: round3(v.l2.hitRate()), entries: v.l2.count, evictions: v.l2.evictions },
      };
    });
    const a = vm.account;
    return {
      vm: vm.id,
      name: vm.name,
      state: vm.state,
      stop: vm.stopKind,
      message: vm.stopMessage,
      exitCode: vm.stopKind === 'halt' ? vm.exitCode : null,
      instructions: vm.instructions(),
      traps,
      emulated: Object.fromEntries([...k.emulated].sort()),
      hypercalls: Object.fromEntries([...k.hypercalls].sort()),
      delivered,
      overheadBy: Object.fromEntries([...k.overhead].sort()),
      tlbMisses: {
        l2tlb: k.tlbL2, l2tlbWindow: k.tlbL2Window, window: k.tlbWindow, guestTlb: k.tlbGuest, privPage: k.tlbPriv,
        reflected: { refill: k.reflectedRefill, invalid: k.reflectedInvalid, modified: k.reflectedMod },
      },
      l2tlbHitRate: round3(l2h + l2m === 0 ? 0 : l2h / (l2h + l2m)),
      monitorCycles: k.monitorCycles,
      monitorBy: Object.fromEntries([...k.monitorBy].sort()),
      vcpuSwitches: k.vcpuSwitches,
      consoleBytes: k.consoleBytes,
      memory: {
        guestBytes: vm.memBytes,
        residentBytes: a.held * PAGE_BYTES,
        peakBytes: a.peak * PAGE_BYTES,
        byNode: Array.from(a.byNode, (n) => n * PAGE_BYTES),
        pagesAllocated: a.allocated,
        pagesReleased: a.released,
        pagesZeroed: a.zeroed,
      },
      vcpuList: vcpus,
      ...(this.numa?.params(vm) ? { numa: this.numa.stats(vm) } : {}),
    };
  }
}

export interface VmStats {
  vm: number;
  name: string;
  state: string;
  stop: StopKind | null;
  message: string;
  exitCode: number | null;
  instructions: number;
  traps: Record<string, number>;
  emulated: Record<string, number>;
  hypercalls: Record<string, number>;
  delivered: Record<string, number>;
  overheadBy: Record<string, number>;
  tlbMisses: { l2tlb: number; l2tlbWindow: number; window: number; guestTlb: number; privPage: number; reflected: { refill: number; invalid: number; modified: number } };
  l2tlbHitRate: number;
  monitorCycles: number;
  monitorBy: Record<string, number>;
  vcpuSwitches: number;
  consoleBytes: number;
  memory: { guestBytes: number; residentBytes: number; peakBytes: number; byNode: number[]; pagesAllocated: number; pagesReleased: number; pagesZeroed: number };
  vcpuList: Array<{ vcpu: number; home: number; state: string; instructions: number; l2tlb: { hits: number; misses: number; hitRate: number; entries: number; evictions: number } }>;
  /** NUMA placement and moves, when the VM has a NUMA configuration (docs/numa.md). */
  numa?: NumaStats;
}

/**
 * The overhead category of a trap by its cause (refined by the handlers): kernel TLB faults
 * (window and privileged page), user TLB misses, TLB writes (tlbwi/tlbwr/tlbp/tlbr), other
 * privileged instructions, monitor calls, devices (emulated MMIO and kseg0/kseg1 accesses),
 * interrupts and scheduling, exceptions reflected to the guest; page zeroing is counted apart.
 */
function trapCategory(code: number): string {
  switch (code) {
    case EXC_INT: return 'interrupts';
    case EXC_CPU: case EXC_RI: return 'privileged';
    case EXC_ADEL: case EXC_ADES: return 'devices';
    default: return 'reflected';
  }
}

/** Monitor cycles a VM spent allocating and zeroing pages (counted apart in the breakdown). */
function zeroCycles(k: Vm['counters']): number {
  return (k.monitorBy.get('pageZero') ?? 0) + (k.monitorBy.get('pageAlloc') ?? 0);
}

/** At most this many privileged instructions are emulated in one trap after the trapping one. */
const FUSE_MAX = 3;

/**
 * Instructions resumeOrFuse looks at: COP0 moves, di/ei and the TLB instructions and eret (not
 * wait, which idles), and the hazard barriers it may step over (nop, ssnop, ehb).
 */
function fusable(w: number): boolean {
  if (w === 0 || w === 0x40 || w === 0xc0) return true;
  if ((w >>> 26) !== 0x10) return false;
  const rs = (w >>> 21) & 31;
  if (rs === 0x00 || rs === 0x04) return (w & 0x7f8) === 0;
  if (rs === 0x0b) return (w & 0xffdf) === 0x6000;
  if (rs >= 0x10) { const f = w & 63; return f === 0x01 || f === 0x02 || f === 0x06 || f === 0x08 || f === 0x18; }
  return false;
}

/** Cost-table entry charged for each emulated action (emul()). */
const EMUL_COST: Readonly<Record<string, keyof CostTable>> = {
  mfc0: 'mfc0', mtc0: 'mtc0', tlbp: 'tlbp', tlbr: 'tlbr', tlbwi: 'tlbw', tlbwr: 'tlbw', eret: 'eret',
  di: 'diEi', ei: 'diEi', wait: 'wait', cache: 'cache', rdhwr: 'rdhwr', rdpgpr: 'mfc0', wrpgpr: 'mfc0',
  kseg: 'emulMem', 'kseg0-fetch': 'emulMem', synci: 'cache', mmio: 'mmio',
};

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

