// The monitor's cost model: simulated cycles charged (through cpu.stall) for the time the
// monitor's own code would take on the real machine. The monitor is TypeScript, so its host
// time says nothing about the simulated machine; these figures stand in for what Disco's
// kernel-mode handlers cost on an R10000-class CPU, so that virtualization overheads are
// comparable with the paper's (SOSP '97, section 5.3, Table 2 and Figure 5).
//
// Every charge is made through Monitor.charge(), which also adds it to the VM's monitor time.
// docs/monitor.md prints this table; keep the two in step.

export interface CostTable {
  /** Any trap into the monitor and the return to the guest: state save/restore, dispatch. */
  trap: number;
  /** Emulated privileged instructions, by kind. */
  mfc0: number;
  mtc0: number;
  tlbp: number;
  tlbr: number;
  /** tlbwi/tlbwr: the virtual TLB write, pmap translation, L2TLB and machine TLB insertion. */
  tlbw: number;
  eret: number;
  diEi: number;
  wait: number;
  cache: number;
  rdhwr: number;
  /** A machine TLB refill satisfied from the VCPU's L2TLB. */
  refillL2: number;
  /** A refill built from the pmap: a window page ("kernel TLB fault") or a guest TLB entry. */
  refillPmap: number;
  /** Reflecting an exception into the guest (virtual EPC/Cause/Status, vector). */
  reflect: number;
  /** Emulating a load or store to kseg0/kseg1/kseg3 RAM. */
  emulMem: number;
  /** Emulating an access to a virtual device register (MMIO). */
  mmio: number;
  /** A hypercall, before any data it moves. */
  hypercall: number;
  /** Data moved by the monitor (console, disk DMA), per 4-byte word. */
  copyWord: number;
  /** Allocating a machine page (free list, pmap, memmap). */
  pageAlloc: number;
  /** Zeroing a 4 KiB machine page (1024 word stores). */
  pageZero: number;
  /** Switching the physical CPU to another VCPU (state swap, machine TLB flush). */
  vcpuSwitch: number;
  /** Removing one cached translation during a shootdown. */
  shootdownEntry: number;
  /** Inter-processor interrupt sent for a shootdown or a wakeup on another CPU. */
  ipi: number;
  // NUMA page moves (numa-policy.ts, migrate.ts; docs/numa.md).
  /** The hot-page interrupt and the policy's decision (reading every node's counter). */
  numaFault: number;
  /** Copying a 4 KiB page between nodes: 1024 loads and stores, plus 32 remote line misses
   * and 32 local ones at the default timing (32 x (180 + 60) + 2048 = 9728). */
  pageCopy: number;
  /**
   * Reading and decoding the next guest instruction while still in the monitor, when it is a
   * privileged one emulated in the same trap (Monitor.resumeOrFuse): a load through the
   * guest's mapping and a decode, instead of a return to the guest and a new trap.
   */
  fuse: number;
}

/** The default table (cycles). */
export const DEFAULT_COSTS: Readonly<CostTable> = {
  trap: 40,
  mfc0: 10,
  mtc0: 20,
  tlbp: 30,
  tlbr: 20,
  tlbw: 90,
  eret: 20,
  diEi: 10,
  wait: 20,
  cache: 10,
  rdhwr: 10,
  refillL2: 30,
  refillPmap: 80,
  reflect: 40,
  emulMem: 80,
  mmio: 120,
  hypercall: 60,
  copyWord: 1,
  pageAlloc: 50,
  pageZero: 1024,
  vcpuSwitch: 400,
  shootdownEntry: 30,
  ipi: 200,
  numaFault: 300,
  pageCopy: 9728,
  fuse: 5,
};
