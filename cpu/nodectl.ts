// The node controller: a small MMIO device through which software learns the machine's
// topology, starts secondary CPUs and sends inter-processor interrupts. It answers per CPU
// (reads of CPU_ID return the id of the CPU doing the access).
//
// Registers (32-bit, offsets from NODECTL_BASE = physical 0x1F200000; kseg1 0xBF200000):
//
//   0x00 CPU_ID        r   id of the accessing CPU (0 .. NCPUS-1)
//   0x04 NODE_ID       r   node of the accessing CPU
//   0x08 NCPUS         r   CPUs in the machine
//   0x0C NNODES        r   nodes in the machine
//   0x10 CPUS_PER_NODE r   CPUs per node; CPU c is on node floor(c / CPUS_PER_NODE)
//   0x14 MEM_PER_NODE  r   bytes of memory per node (RAM offset [n*M, (n+1)*M) is node n's)
//   0x18 RAM_SIZE      r   total RAM bytes
//   0x20 IPI_SEND      w   raise the IPI line (Cause.IP6) of CPU <value>
//   0x24 IPI_ACK       w   lower the accessing CPU's IPI line (value ignored)
//   0x28 IPI_PENDING   r   1 if the accessing CPU's IPI line is raised
//   0x30 START_PC      rw  entry point for the next START
//   0x34 START_SP      rw  initial sp for the next START
//   0x38 START_ARG     rw  initial a0 for the next START
//   0x3C START         w   start CPU <value> at START_PC (kernel mode, Status = BEV, like CPU 0
//                          at boot) with sp = START_SP, a0 = START_ARG, a1 = its CPU id; ignored if
//                          that CPU already runs
//   0x40 RUNNING       r   bit i set when CPU i runs
//   0x48 CYCLES_LO     r   the accessing CPU's simulated clock, low 32 bits
//   0x4C CYCLES_HI     r   high bits
//
// Boot protocol: only CPU 0 runs at power-on. Secondary CPUs are held in reset until a START
// names them; they then begin at START_PC with the state above. Software passes them
// anything else through memory.

import type { AccessSize, Device } from './bus.ts';

export const NODECTL_BASE = 0x1f200000;
export const NODECTL_SIZE = 0x1000;
/** Cause.IP line used for inter-processor interrupts (hardware interrupt 4; Malta leaves it to the core card). */
export const IPI_IP = 6;

export const NC_CPU_ID = 0x00;
export const NC_NODE_ID = 0x04;
export const NC_NCPUS = 0x08;
export const NC_NNODES = 0x0c;
export const NC_CPUS_PER_NODE = 0x10;
export const NC_MEM_PER_NODE = 0x14;
export const NC_RAM_SIZE = 0x18;
export const NC_IPI_SEND = 0x20;
export const NC_IPI_ACK = 0x24;
export const NC_IPI_PENDING = 0x28;
export const NC_START_PC = 0x30;
export const NC_START_SP = 0x34;
export const NC_START_ARG = 0x38;
export const NC_START = 0x3c;
export const NC_RUNNING = 0x40;
export const NC_CYCLES_LO = 0x48;
export const NC_CYCLES_HI = 0x4c;

/** What the node controller needs from the machine. */
export interface NodeHost {
  readonly ncpus: number;
  readonly nnodes: number;
  readonly cpusPerNode: number;
  readonly memPerNode: number;
  readonly ramSize: number;
  /** The CPU doing the current bus access. */
  currentCpu(): number;
  setIpi(cpu: number, level: boolean): void;
  ipiPending(cpu: number): boolean;
  startCpu(cpu: number, pc: number, sp: number, arg: number): void;
  running(cpu: number): boolean;
  cycles(cpu: number): number;
}

export class NodeController implements Device {
  readonly name = 'node-controller';
  private startPC = 0;
  private startSP = 0;
  private startArg = 0;

  constructor(private readonly host: NodeHost) {}

  read(offset: number, size: AccessSize): number {
    if (size !== 4 || (offset & 3) !== 0) return 0;
    const h = this.host;
    const me = h.currentCpu();
    switch (offset) {
      case NC_CPU_ID: return me;
      case NC_NODE_ID: return Math.floor(me / h.cpusPerNode);
      case NC_NCPUS: return h.ncpus;
      case NC_NNODES: return h.nnodes;
      case NC_CPUS_PER_NODE: return h.cpusPerNode;
      case NC_MEM_PER_NODE: return h.memPerNode | 0;
      case NC_RAM_SIZE: return h.ramSize | 0;
      case NC_IPI_PENDING: return h.ipiPending(me) ? 1 : 0;
      case NC_START_PC: return this.startPC;
      case NC_START_SP: return this.startSP;
      case NC_START_ARG: return this.startArg;
      case NC_RUNNING: {
        let m = 0;
        for (let i = 0; i < Math.min(h.ncpus, 32); i++) if (h.running(i)) m |= 1 << i;
        return m;
      }
      case NC_CYCLES_LO: return h.cycles(me) % 0x100000000 | 0;
      case NC_CYCLES_HI: return Math.floor(h.cycles(me) / 0x100000000) | 0;
      default: return 0;
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (size !== 4 || (offset & 3) !== 0) return;
    const h = this.host;
    switch (offset) {
      case NC_IPI_SEND: if ((value >>> 0) < h.ncpus) h.setIpi(value >>> 0, true); return;
      case NC_IPI_ACK: h.setIpi(h.currentCpu(), false); return;
      case NC_START_PC: this.startPC = value | 0; return;
      case NC_START_SP: this.startSP = value | 0; return;
      case NC_START_ARG: this.startArg = value | 0; return;
      case NC_START:
        if ((value >>> 0) < h.ncpus && !h.running(value >>> 0)) h.startCpu(value >>> 0, this.startPC, this.startSP, this.startArg);
        return;
      default: return;
    }
  }

  reset(): void {
    this.startPC = 0;
    this.startSP = 0;
    this.startArg = 0;
  }
}
