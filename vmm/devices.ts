// Virtual devices a VM reaches by plain loads and stores (kseg1, or kseg0, or a guest TLB
// entry pointing at a device address): the monitor traps the access (an address error from
// supervisor mode, or an invalid machine TLB half) and emulates it here, in guest physical
// addresses. The map is the bare machine's, so a bare image's drivers keep working:
//
//   0x180003F8  COM1 16550 (stride 1)            console
//   0x1F000500  SOFTRES: 0x42 ends the VM (exit code 0, or the halt register's)
//   0x1F000600  halt register: a 32-bit store of N ends the VM with exit code N
//   0x1F000900  CBUS UART 16550 (stride 8)       console
//   0x1F000000  rest of the FPGA window: reads 0, writes ignored
//   0x1F200000  node controller, answered for the VM's virtual CPUs (cpu/nodectl.ts)
//   0x1E400000  virtio-mmio block device on IP3 of VCPU 0, if the VM has a disk (virtio.ts;
//               DMA through the pmap); the disk monitor calls reach the same disk
//
// Anything else is a bus error in the guest (DBE), as on the bare machine.

import type { AccessSize, Device } from '../cpu/bus.ts';
import { Uart16550 } from '../cpu/uart16550.ts';
import { NodeController, NODECTL_BASE, NODECTL_SIZE, type NodeHost } from '../cpu/nodectl.ts';
import { VIRTIO_BLK_BASE, VIRTIO_BLK_IRQ, VIRTIO_BLK_SIZE, type VirtioBlk } from '../cpu/virtio_blk.ts';
import { vmVirtioBlk, type GuestDma } from './virtio.ts';
import type { BlockStore } from './disk.ts';
import { FPGA_CBUS_UART, FPGA_CBUS_UART_SIZE, FPGA_HALT, FPGA_SOFTRES, MALTA_COM1, MALTA_COM1_SIZE, MALTA_FPGA, MALTA_FPGA_SIZE, SOFTRES_MAGIC } from '../cpu/malta.ts';

/** What the devices need from their VM. */
export interface VmDeviceHost {
  /** A byte the guest wrote to a console UART. */
  console(byte: number): void;
  /** The guest asked to stop (halt register or SOFTRES). */
  halt(code: number, how: string): void;
  /** The virtual CPUs, for the node controller. */
  readonly nodeHost: NodeHost;
  /** The VM's disk and its memory as a device reaches it, or null (no disk device). */
  readonly disk: { data: BlockStore; dma: GuestDma } | null;
  /** Drive interrupt line `ip` of VCPU 0. */
  setIrq(ip: number, level: boolean): void;
}

/** The Malta FPGA window as a VM sees it: SOFTRES, the halt register and the CBUS UART. */
class VmFpga implements Device {
  readonly name = 'fpga';
  private haltCode: number | null = null;
  constructor(private readonly host: VmDeviceHost, private readonly uart: Uart16550) {}

  read(offset: number, size: AccessSize): number {
    if (offset >= FPGA_CBUS_UART && offset < FPGA_CBUS_UART + FPGA_CBUS_UART_SIZE) return this.uart.read(offset - FPGA_CBUS_UART, size);
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset >= FPGA_CBUS_UART && offset < FPGA_CBUS_UART + FPGA_CBUS_UART_SIZE) { this.uart.write(offset - FPGA_CBUS_UART, size, value); return; }
    if (offset === FPGA_HALT && size === 4) { this.haltCode = value | 0; this.host.halt(value | 0, 'halt register'); return; }
    if (offset === FPGA_SOFTRES && (value & 0xff) === SOFTRES_MAGIC) this.host.halt(this.haltCode ?? 0, 'softres');
  }

  reset(): void { this.haltCode = null; }
}

interface Region { base: number; size: number; dev: Device }

export class VmDevices {
  readonly com1: Uart16550;
  readonly cbus: Uart16550;
  readonly nodeController: NodeController;
  readonly virtio: VirtioBlk | null;
  private readonly regions: Region[];

  constructor(host: VmDeviceHost) {
    const out = (b: number): void => host.console(b);
    this.com1 = new Uart16550({ name: 'com1', stride: 1, out });
    this.cbus = new Uart16550({ name: 'cbus-uart', stride: 8, out });
    this.nodeController = new NodeController(host.nodeHost);
    this.regions = [
      { base: MALTA_COM1, size: MALTA_COM1_SIZE, dev: this.com1 },
      { base: MALTA_FPGA, size: MALTA_FPGA_SIZE, dev: new VmFpga(host, this.cbus) },
      { base: NODECTL_BASE, size: NODECTL_SIZE, dev: this.nodeController },
    ];
    this.virtio = host.disk === null ? null : vmVirtioBlk(host.disk.data, host.disk.dma, (l) => host.setIrq(VIRTIO_BLK_IRQ, l));
    if (this.virtio !== null) this.regions.push({ base: VIRTIO_BLK_BASE, size: VIRTIO_BLK_SIZE, dev: this.virtio });
  }

  private find(gpa: number): Region | null {
    for (const r of this.regions) if (gpa >= r.base && gpa < r.base + r.size) return r;
    return null;
  }

  /** True if a device decodes guest physical `gpa`. */
  decodes(gpa: number): boolean {
    return this.find(gpa) !== null;
  }

  /** Device read; NaN when nothing decodes the address (a bus error for the guest). */
  read(gpa: number, size: AccessSize): number {
    const r = this.find(gpa);
    return r === null ? NaN : r.dev.read(gpa - r.base, size);
  }

  /** Device write; false when nothing decodes the address. */
  write(gpa: number, size: AccessSize, value: number): boolean {
    const r = this.find(gpa);
    if (r === null) return false;
    r.dev.write(gpa - r.base, size, value);
    return true;
  }
}
