// A virtual machine: its guest physical memory (pmap over machine pages allocated on first
// touch and zeroed by the monitor), its virtual CPUs, its virtual devices, its console and its
// fate (running, halted by the guest, or stopped by the monitor with a reason).
//
// Guest physical memory is [0, memBytes): RAM as on the bare machine. The guest kernel sees it
// through the window (0xC0000000 + guest physical, filled by the monitor) and, in its boot
// stub only, through kseg0/kseg1 (emulated).

import { parseElf, writeBootArgs, LoadError, BOOT_ARGS_END, BOOT_ARGS_PADDR } from '../cpu/elf.ts';
import { Bus } from '../cpu/bus.ts';
import { createHash } from 'node:crypto';
import { MemoryAccount, PAGE_BYTES, PAGE_SHIFT } from './alloc.ts';
import { Pmap, PMAP_NONE, PMAP_READONLY } from './pmap.ts';
import { BaseImage, OverlayDisk, VmDisk } from './disk.ts';
import { VmDevices } from './devices.ts';
import type { Monitor } from './monitor.ts';
import type { VCpu } from './vcpu.ts';
import type { NumaOptions } from './numa-policy.ts';

/** Guest kernels run in ksseg at WINDOW_BASE + guest physical (DESIGN.md 3). */
export const WINDOW_BASE = 0xc0000000 | 0;
/** The window covers at most 256 MiB (ksseg up to 0xD0000000). */
export const WINDOW_MAX = 0x10000000;
/** Initial stack pointer of VCPU 0: the bare machine's 0x80001FC0, at its window alias. */
export const VM_BOOT_SP = (WINDOW_BASE + 0x1fc0) | 0;

/** Why the monitor stops a VM (`halt` is the guest's own doing). */
export type StopKind = 'halt' | 'fault' | 'limit' | 'deadlock' | 'memory';

/**
 * Thrown by emulation code to stop the VM whose trap is being handled. The monitor catches it,
 * stops that VM alone and carries on.
 */
export class VmFault extends Error {
  constructor(message: string, readonly kind: StopKind = 'fault', readonly vm: Vm | null = null) {
    super(message);
  }
}

export interface VmConfig {
  /** Name used in messages and console prefixes (default vmN). */
  name?: string;
  /** Guest physical memory bytes: a multiple of 1 MiB, at most 256 MiB. */
  memBytes: number;
  /** Virtual CPUs (default 1). VCPU 0 boots; the others wait for the node controller's START. */
  vcpus?: number;
  /** The ELF image and its name (argv[0]). */
  image: Uint8Array;
  imageName: string;
  cmdline?: string;
  /** Physical CPU per VCPU (default: the monitor spreads VCPUs over CPUs round-robin). */
  homes?: number[];
  /** Keep VCPUs on their home CPU (no stealing by idle CPUs). */
  pinned?: boolean;
  /**
   * The VM's disk (disk.ts): an overlay on a shared base image or a persistent disk. Bytes
   * are taken as a private base image of their own (the VM's writes go to its overlay).
   */
  disk?: VmDisk | Uint8Array;
  /** Stop the VM after this many instructions (all its VCPUs). */
  maxInstructions?: number;
  /** NUMA placement and dynamic policy (numa-policy.ts, docs/numa.md); default: first touch. */
  numa?: NumaOptions;
}

/** Counters per VM (monitor statistics; see Monitor.vmStats for the JSON shape). */
export class VmCounters {
  /** Traps into the monitor by ExcCode. */
  readonly traps = new Float64Array(32);
  /** Emulated instructions and other monitor actions, by name. */
  readonly emulated = new Map<string, number>();
  /** Machine TLB misses: answered from the L2TLB, built from the pmap (window / guest TLB). */
  tlbL2 = 0;
  tlbWindow = 0;
  tlbGuest = 0;
  tlbPriv = 0;
  /** Misses and faults passed to the guest, by kind. */
  reflectedRefill = 0;
  reflectedInvalid = 0;
  reflectedMod = 0;
  /** Every exception delivered to the guest, by ExcCode. */
  readonly delivered = new Float64Array(32);
  /** Monitor calls by function name. */
  readonly hypercalls = new Map<string, number>();
  /** Cycles charged for monitor work, total and by cost-table entry. */
  monitorCycles = 0;
  readonly monitorBy = new Map<string, number>();
  vcpuSwitches = 0;
  consoleBytes = 0;
  /** Refills answered from the L2TLB that were window pages (kernel TLB faults). */
  tlbL2Window = 0;
  /** Monitor cycles by what the guest was doing (Disco Table 2 / Figure 5 style). */
  readonly overhead = new Map<string, number>();

  bump(map: Map<string, number>, key: string, n = 1): void {
    map.set(key, (map.get(key) ?? 0) + n);
  }
}

export class Vm {
  readonly id: number;
  readonly name: string;
  readonly memBytes: number;
  readonly pages: number;
  readonly pmap: Pmap;
  readonly account: MemoryAccount;
  readonly vcpus: VCpu[] = [];
  readonly devices: VmDevices;
  readonly counters = new VmCounters();
  readonly disk: VmDisk | null;
  readonly maxInstructions: number;
  state: 'running' | 'halted' | 'stopped' = 'running';
  stopKind: StopKind | null = null;
  /** One line: how the VM ended. */
  stopMessage = '';
  exitCode = 0;
  /** Entry point (window alias) and boot registers, set by load(). */
  entry = 0;
  readonly bootRegs = new Int32Array(32);

  constructor(readonly monitor: Monitor, id: number, cfg: VmConfig) {
    this.id = id;
    this.name = cfg.name ?? `vm${id}`;
    if (!Number.isInteger(cfg.memBytes) || cfg.memBytes <= 0 || cfg.memBytes % 0x100000 !== 0 || cfg.memBytes > WINDOW_MAX) {
      throw new RangeError(`${this.name}: VM memory must be a multiple of 1 MiB from 1 MiB to 256 MiB, got ${cfg.memBytes} bytes`);
    }
    this.memBytes = cfg.memBytes;
    this.pages = cfg.memBytes >>> PAGE_SHIFT;
    this.pmap = new Pmap(this.pages);
    this.account = new MemoryAccount(monitor.alloc.nodes, this.pages);
    this.disk = cfg.disk === undefined ? null : cfg.disk instanceof VmDisk ? cfg.disk : new OverlayDisk(BaseImage.fromBytes(`${this.name} disk`, cfg.disk));
    this.maxInstructions = cfg.maxInstructions ?? 0;
    const node = (): number => monitor.currentNode();
    this.devices = new VmDevices({
      console: (b) => { this.counters.consoleBytes++; monitor.consoleOut(this, b); },
      halt: (code, how) => monitor.haltVm(this, code, how),
      nodeHost: monitor.nodeHostFor(this),
      disk: this.disk === null ? null : {
        data: this.disk,
        dma: {
          inRam: (gpa, len) => this.inRam(gpa, len),
          read: (gpa, len) => this.copyOut(gpa, len, node()),
          write: (gpa, data) => this.copyIn(gpa, data, node()),
          charge: (bytes) => monitor.chargeCurrent(this, 'copyWord', Math.ceil(bytes / 4)),
          readDisk: (pos, len, gpa) => monitor.diskToGuest(this, this.disk!, pos, len, gpa, node()),
        },
      },
      setIrq: (ip, level) => monitor.setVirtualIrq(this.vcpus[0], ip, level),
    });
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Instructions executed by all VCPUs so far (the running ones included). */
  instructions(): number {
    let n = 0;
    for (const v of this.vcpus) n += v.instructions();
    return n;
  }

  /**
   * Machine page backing guest page `gpn`, allocated (preferably on `node`) and zeroed on
   * first use. Throws VmFault when the machine has no free page.
   */
  page(gpn: number, node: number): number {
    const mp = this.pmap.mpage[gpn];
    if (mp !== PMAP_NONE) return mp;
    return this.monitor.allocGuestPage(this, gpn, node);
  }

  /** Machine RAM offset of guest physical `gpa` (inside the VM), allocating the page. */
  ramOffset(gpa: number, node: number): number {
    return this.page(gpa >>> PAGE_SHIFT, node) * PAGE_BYTES + (gpa & (PAGE_BYTES - 1));
  }

  /** True if [gpa, gpa + len) lies inside the VM's RAM. */
  inRam(gpa: number, len: number): boolean {
    return gpa >= 0 && len >= 0 && gpa + len <= this.memBytes;
  }

  /** Copy bytes into guest physical memory (bounds already checked by the caller). */
  copyIn(gpa: number, data: Uint8Array, node: number): void {
    const ram = this.monitor.machine.bus.ram8;
    let done = 0;
    while (done < data.length) {
      const a = gpa + done;
      const n = Math.min(data.length - done, PAGE_BYTES - (a & (PAGE_BYTES - 1)));
      this.monitor.numa?.beforeMonitorWrite(this, a >>> PAGE_SHIFT); // replicas collapse first
      // A shared (copy-on-write) page is the VM's own again before the monitor writes it.
      if ((this.pmap.flags[a >>> PAGE_SHIFT] & PMAP_READONLY) !== 0) this.monitor.writeShared(this, a >>> PAGE_SHIFT, node);
      ram.set(data.subarray(done, done + n), this.ramOffset(a, node));
      done += n;
    }
  }

  /** Copy bytes out of guest physical memory (bounds already checked by the caller). */
  copyOut(gpa: number, len: number, node: number): Uint8Array {
    const ram = this.monitor.machine.bus.ram8;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = gpa + done;
      const n = Math.min(len - done, PAGE_BYTES - (a & (PAGE_BYTES - 1)));
      const gpn = a >>> PAGE_SHIFT;
      // Reading a page never touched is reading zeros: no need to allocate it.
      const mp = this.pmap.get(gpn);
      if (mp !== PMAP_NONE) {
        const off = mp * PAGE_BYTES + (a & (PAGE_BYTES - 1));
        out.set(ram.subarray(off, off + n), done);
      }
      done += n;
    }
    return out;
  }

  /**
   * Load an ELF image as the bare machine's loader would (PT_LOAD segments at their physical
   * addresses, YAMON boot arguments at 0x2000), into guest physical memory. VCPU 0 will start
   * at the window alias of the entry point with a0..a3 = argc, argv, envp, memsize and
   * sp = VM_BOOT_SP. Throws LoadError for images that do not fit the VM.
   */
  load(bytes: Uint8Array, name: string, cmdline: string, node: number): void {
    const img = parseElf(bytes, name);
    const loaded: Array<{ paddr: number; memsz: number }> = [];
    // Whole pages of the image are shared by every VM that boots it (docs/disks.md).
    const key = `image:${createHash('sha256').update(bytes).digest('hex')}`;
    // A VM under a NUMA policy places, migrates and replicates its image pages like any other
    // (docs/numa.md); a page shared through the cache is read-only to the policy, so none are.
    const shareImage = this.monitor.numa?.params(this) == null;
    for (const s of img.segments) {
      if (!this.inRam(s.loadAddr, s.memsz)) {
        throw new LoadError(`${name}: segment ${s.index} at 0x${s.loadAddr.toString(16).padStart(8, '0')}-0x${(s.loadAddr + s.memsz).toString(16).padStart(8, '0')} lies outside the VM's ${this.memBytes >> 20} MiB of memory (a VM has no boot ROM)`);
      }
      const data = img.bytes.subarray(s.offset, s.offset + s.filesz);
      let done = 0;
      while (shareImage && (s.loadAddr + done) % PAGE_BYTES === 0 && data.length - done >= PAGE_BYTES) {
        const gpa = s.loadAddr + done;
        if (!this.monitor.share.loadPage(this, `${key}:${gpa}`, gpa >>> PAGE_SHIFT, data.subarray(done, done + PAGE_BYTES), node)) break;
        done += PAGE_BYTES;
      }
      this.copyIn(s.loadAddr + done, data.subarray(done), node);
      // The bss part is zero already: fresh pages are zeroed.
      loaded.push({ paddr: s.loadAddr, memsz: s.memsz });
    }
    // The boot arguments are built in a scratch bus and copied in (same bytes as bare).
    const scratch = new Bus(0x4000);
    const args = writeBootArgs(scratch, this.memBytes, cmdline, {}, { loaded, argv0: name });
    this.copyIn(BOOT_ARGS_PADDR, scratch.ram8.subarray(BOOT_ARGS_PADDR, BOOT_ARGS_END), node);
    const r = this.bootRegs;
    r[4] = args.a0 | 0;
    r[5] = args.a1 | 0;
    r[6] = args.a2 | 0;
    r[7] = args.a3 | 0;
    r[29] = VM_BOOT_SP;
    this.entry = windowAlias(img.entry);
  }
}

/**
 * The address a guest kernel runs at under the monitor for an address of its bare-machine
 * image: kseg0/kseg1 addresses move to the window; window and other addresses stay.
 */
export function windowAlias(va: number): number {
  const u = va >>> 0;
  if (u >= 0x80000000 && u < 0xc0000000) return (WINDOW_BASE + (u & 0x1fffffff)) | 0;
  return va | 0;
}
