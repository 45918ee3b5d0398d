// The VM's virtio block device (vmm/virtio.ts) driven from the host like a guest driver would:
// reads of whole blocks into whole pages are mapped from the monitor's buffer cache (one
// machine page for every VM that reads the block, as with the disk_read monitor call), other
// reads are copied, writes go to the VM's overlay, and a request outside the VM's memory
// completes with IOERR without touching anything else.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Monitor } from '../../vmm/monitor.ts';
import { BaseImage, OverlayDisk } from '../../vmm/disk.ts';
import { PMAP_READONLY } from '../../vmm/pmap.ts';
import type { Vm } from '../../vmm/vm.ts';
import { DEFAULT_CONFIG } from '../../cpu/config.ts';
import {
  STATUS_ACKNOWLEDGE, STATUS_DRIVER, STATUS_DRIVER_OK, STATUS_FEATURES_OK, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK,
  VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL,
  VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_NOTIFY,
  VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_QUEUE_SEL, VIRTIO_MMIO_STATUS, VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
} from '../../cpu/virtio_blk.ts';

const MiB = 1024 * 1024;
const kernel = readFileSync('guests/kernel/kernel.elf');
const QN = 8;
// Guest physical addresses the kernel image does not use (it loads at 1 MiB).
const DESC = 0x300000, AVAIL = 0x301000, USED = 0x302000, HDR = 0x303000, STATUS = 0x303100;
const BUF = 0x310000;

/** A disk whose block k is filled with the byte k + 1. */
function patternDisk(blocks: number): BaseImage {
  const b = new Uint8Array(blocks * 4096);
  for (let k = 0; k < blocks; k++) b.fill(k + 1, k * 4096, (k + 1) * 4096);
  return BaseImage.fromBytes('pattern', b);
}

/** A host-side driver of one VM's virtio device: one queue, one request at a time. */
class Driver {
  private availIdx = 0;
  constructor(readonly vm: Vm) {
    this.wr(VIRTIO_MMIO_STATUS, 0);
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    this.wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    this.wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); // VIRTIO_F_VERSION_1
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    this.wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    this.wr(VIRTIO_MMIO_QUEUE_NUM, QN);
    this.wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
    this.wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL);
    this.wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED);
    this.wr(VIRTIO_MMIO_QUEUE_READY, 1);
    this.wr(VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
  }

  private wr(off: number, v: number): void { this.vm.devices.virtio!.write(off, 4, v); }

  private put(gpa: number, bytes: Uint8Array): void { this.vm.copyIn(gpa, bytes, 0); }

  private desc(i: number, addr: number, len: number, flags: number, next: number): void {
    const d = new DataView(new ArrayBuffer(16));
    d.setUint32(0, addr, true);
    d.setUint32(8, len, true);
    d.setUint16(12, flags, true);
    d.setUint16(14, next, true);
    this.put(DESC + 16 * i, new Uint8Array(d.buffer));
  }

  /** One read (IN) or write (OUT) of `len` bytes at `sector` through the buffer at `buf`; the status byte. */
  request(type: number, sector: number, buf: number, len: number): number {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, type, true);
    h.setUint32(8, sector, true);
    this.put(HDR, new Uint8Array(h.buffer));
    this.put(STATUS, Uint8Array.of(0xff));
    this.desc(0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
    this.desc(1, buf, len, VIRTQ_DESC_F_NEXT | (type === VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0), 2);
    this.desc(2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
    const slot = new DataView(new ArrayBuffer(2));
    slot.setUint16(0, 0, true);
    this.put(AVAIL + 4 + 2 * (this.availIdx % QN), new Uint8Array(slot.buffer));
    this.availIdx = (this.availIdx + 1) & 0xffff;
    slot.setUint16(0, this.availIdx, true);
    this.put(AVAIL + 2, new Uint8Array(slot.buffer));
    this.wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    return this.vm.copyOut(STATUS, 1, 0)[0];
  }
}

function setup(vms: number, base: BaseImage): { mon: Monitor; drivers: Driver[] } {
  const mon = new Monitor({ ...DEFAULT_CONFIG, timing: { ...DEFAULT_CONFIG.timing }, console: () => {} });
  for (let i = 0; i < vms; i++) mon.createVm({ memBytes: 8 * MiB, image: kernel, imageName: 'kernel.elf', disk: new OverlayDisk(base) });
  return { mon, drivers: mon.vms.map((vm) => new Driver(vm)) };
}

describe('the VM virtio block device and the buffer cache', () => {
  it('whole blocks read into whole pages by two VMs are one read-only machine page', () => {
    const { mon, drivers: [a, b] } = setup(2, patternDisk(8));
    expect(a.request(VIRTIO_BLK_T_IN, 3 * 8, BUF, 8192)).toBe(VIRTIO_BLK_S_OK); // blocks 3 and 4
    expect(b.request(VIRTIO_BLK_T_IN, 4 * 8, BUF + 0x4000, 4096)).toBe(VIRTIO_BLK_S_OK); // block 4
    const [va, vb] = mon.vms;
    const g = BUF >>> 12;
    expect(va.copyOut(BUF, 4096, 0).every((x) => x === 4)).toBe(true);
    expect(va.copyOut(BUF + 4096, 4096, 0).every((x) => x === 5)).toBe(true);
    expect(vb.copyOut(BUF + 0x4000, 4096, 0).every((x) => x === 5)).toBe(true);
    expect(vb.pmap.mpage[g + 4]).toBe(va.pmap.mpage[g + 1]);
    expect(va.pmap.flags[g + 1] & PMAP_READONLY).toBe(PMAP_READONLY);
    expect(mon.share.stats.blocksRemapped).toBe(3);
    expect(mon.checkInvariants()).toEqual([]);
    // a's write to its page gives it a private copy; b keeps the block
    mon.writeFault(mon.pcpus[0], va.vcpus[0], g + 1);
    va.copyIn(BUF + 4096, Uint8Array.of(0x77), 0);
    expect(vb.copyOut(BUF + 0x4000, 1, 0)[0]).toBe(5);
    expect(mon.checkInvariants()).toEqual([]);
  });

  it('a read into a buffer that is not page aligned is copied; writes go to the VM\'s overlay only', () => {
    const base = patternDisk(8);
    const { mon, drivers: [a, b] } = setup(2, base);
    expect(a.request(VIRTIO_BLK_T_IN, 2 * 8, BUF + 512, 4096)).toBe(VIRTIO_BLK_S_OK);
    expect(mon.share.stats.blocksRemapped).toBe(0);
    expect(mon.vms[0].copyOut(BUF + 512, 4096, 0).every((x) => x === 3)).toBe(true);
    mon.vms[0].copyIn(BUF + 0x8000, new Uint8Array(4096).fill(0xee), 0);
    expect(a.request(VIRTIO_BLK_T_OUT, 6 * 8, BUF + 0x8000, 4096)).toBe(VIRTIO_BLK_S_OK);
    expect(a.request(VIRTIO_BLK_T_IN, 6 * 8, BUF + 0xc000, 4096)).toBe(VIRTIO_BLK_S_OK);
    expect(mon.vms[0].copyOut(BUF + 0xc000, 4096, 0).every((x) => x === 0xee)).toBe(true);
    expect(b.request(VIRTIO_BLK_T_IN, 6 * 8, BUF, 4096)).toBe(VIRTIO_BLK_S_OK);
    expect(mon.vms[1].copyOut(BUF, 4096, 0).every((x) => x === 7)).toBe(true);
    expect(base.bytes.subarray(6 * 4096, 7 * 4096).every((x) => x === 7)).toBe(true);
    expect(mon.checkInvariants()).toEqual([]);
  });

  it('a request whose buffer leaves the VM\'s memory completes with IOERR and moves nothing', () => {
    const { mon, drivers: [a] } = setup(2, patternDisk(8));
    const before = mon.vms[1].copyOut(BUF, 4096, 0);
    expect(a.request(VIRTIO_BLK_T_IN, 0, 8 * MiB - 2048, 4096)).toBe(VIRTIO_BLK_S_IOERR);
    expect(a.request(VIRTIO_BLK_T_IN, 8 * 8, BUF, 4096)).toBe(VIRTIO_BLK_S_IOERR); // past the disk's end
    expect(mon.vms[1].copyOut(BUF, 4096, 0)).toEqual(before);
    expect(mon.share.stats.blocksRemapped).toBe(0);
    expect(a.request(VIRTIO_BLK_T_IN, 0, BUF, 4096)).toBe(VIRTIO_BLK_S_OK); // and the device still works
    expect(mon.checkInvariants()).toEqual([]);
  });
});
