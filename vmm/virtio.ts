// The virtio block device of a VM: cpu/virtio_blk.ts's device (virtio-mmio version 2, one
// split virtqueue; OASIS virtio 1.1: 4.2, 2.7, 5.2) at the bare machine's address (guest
// physical 0x1E400000, interrupt IP3 of VCPU 0), so a guest kernel's virtio driver works
// unchanged under the monitor. What differs is where its DMA goes: every ring, descriptor and
// buffer address is guest physical and goes through the VM's pmap, checked against the VM's
// memory (the monitor does the DMA, Disco section 4.2.4), and whole 4 KiB blocks read into
// whole pages are mapped from the monitor's buffer cache instead of copied (share.ts). A
// request whose buffers leave the VM's memory or whose sectors leave the disk completes with
// IOERR; unusable rings set DEVICE_NEEDS_RESET. Nothing a guest writes here can reach another VM.

import { VirtioBlk, type VirtioDisk, type VirtioMemory } from '../cpu/virtio_blk.ts';

/** Guest physical memory as the device reaches it (vm.ts implements it over the pmap). */
export interface GuestDma {
  /** True if guest physical [gpa, gpa + len) is the VM's RAM. */
  inRam(gpa: number, len: number): boolean;
  read(gpa: number, len: number): Uint8Array;
  write(gpa: number, data: Uint8Array): void;
  /** Charge the monitor's time for `bytes` bytes moved. */
  charge(bytes: number): void;
  /**
   * The VM's disk bytes [pos, pos + len) into guest memory at gpa, mapping whole 4 KiB blocks
   * into whole pages from the monitor's buffer cache instead of copying them (share.ts
   * readDisk); the bytes it copied.
   */
  readDisk(pos: number, len: number, gpa: number): number;
}

/** The device's view of a VM's memory. */
export function guestMemory(dma: GuestDma): VirtioMemory {
  const bytes = (gpa: number, len: number): Uint8Array => dma.read(gpa, len);
  return {
    inRam: (gpa, len) => dma.inRam(gpa, len),
    u16: (gpa) => { const b = bytes(gpa, 2); return b[0] | (b[1] << 8); },
    u32: (gpa) => { const b = bytes(gpa, 4); return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0; },
    set8: (gpa, v) => dma.write(gpa, Uint8Array.of(v & 0xff)),
    set16: (gpa, v) => dma.write(gpa, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff)),
    set32: (gpa, v) => dma.write(gpa, Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff)),
    read: bytes,
    write: (gpa, data) => dma.write(gpa, data),
    readDisk: (pos, len, gpa) => dma.readDisk(pos, len, gpa),
    moved: (n) => dma.charge(n),
  };
}

/** A VM's virtio block device on `disk`, interrupting through `irq`. */
export function vmVirtioBlk(disk: VirtioDisk, dma: GuestDma, irq: (level: boolean) => void): VirtioBlk {
  return new VirtioBlk({ memory: guestMemory(dma), disk, irq, id: 'disco-vm-virtio-blk' });
}
