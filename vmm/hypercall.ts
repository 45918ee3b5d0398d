// Monitor calls ("hypercalls"): a `syscall` executed in virtual kernel mode with
// v0 = HCALL_BASE + function. Arguments in a0..a3; results in v0 (negative: an error code
// below) and v1; every other register is preserved. docs/hypercalls.md is the reference.
//
// A syscall in virtual kernel mode whose v0 is outside [HCALL_BASE, HCALL_BASE + 0xFFFF] is
// an ordinary Sys exception, delivered to the guest's own handler as on the bare machine (so a
// kernel that knows nothing of the monitor behaves the same both ways).
//
// Buffers are named by guest physical address; the unmapped aliases a kernel may hold are
// accepted too (kseg0/kseg1 0x80000000-0xBFFFFFFF, the window 0xC0000000 + guest physical).
// The monitor checks every buffer against the VM's memory before it moves a byte: a call that
// names memory outside the VM fails with HC_EFAULT and has no effect.

import type { Monitor } from './monitor.ts';
import type { PCpu } from './sched.ts';
import type { VCpu } from './vcpu.ts';
import { PAGE_BYTES, PAGE_SHIFT } from './alloc.ts';
import { WINDOW_BASE } from './vm.ts';
import { readDisk } from './share.ts';
import { BLOCK_BYTES, PersistentDisk } from './disk.ts';

export const HCALL_BASE = 0x4d430000; // "MC"
/** The probe's answer in v0, and the interface version in v1. */
export const HCALL_MAGIC = 0x4f435344; // "DSCO"
export const HCALL_VERSION = 1;

/** Function numbers (v0 - HCALL_BASE). */
export const HC_PROBE = 0;
export const HC_CONSOLE_WRITE = 1;
export const HC_CONSOLE_PUTC = 2;
export const HC_CONSOLE_GETC = 3;
export const HC_EXIT = 4;
export const HC_IDLE = 5;
export const HC_TIME = 6;
export const HC_INFO = 7;
export const HC_ZERO_PAGES = 8;
export const HC_DISK_INFO = 9;
export const HC_DISK_READ = 10;
export const HC_DISK_WRITE = 11;
// Disks and memory sharing (issue 7; docs/disks.md).
export const HC_DISK_FLUSH = 12;
export const HC_SHARE_INFO = 13;
export const HC_NET_INFO = 16;
export const HC_NET_SEND = 17;
export const HC_NET_RECV = 18;
export const HC_NET_CTL = 19; // 20-23 reserved for the virtual subnet (net.ts)

/** HC_INFO selectors (a0). */
export const INFO_MEM_BYTES = 0;
export const INFO_VCPUS = 1;
export const INFO_VCPU_INDEX = 2;
export const INFO_CLOCK_MHZ = 3;
export const INFO_VM_ID = 4;

/** Error results (negated errno values, as Linux returns them). */
export const HC_EIO = -5;
export const HC_EFAULT = -14;
export const HC_ENODEV = -19;
export const HC_EINVAL = -22;
export const HC_ENOSYS = -38;

export const HC_NAMES: Readonly<Record<number, string>> = {
  [HC_PROBE]: 'probe', [HC_CONSOLE_WRITE]: 'console_write', [HC_CONSOLE_PUTC]: 'console_putc',
  [HC_CONSOLE_GETC]: 'console_getc', [HC_EXIT]: 'exit', [HC_IDLE]: 'idle', [HC_TIME]: 'time',
  [HC_INFO]: 'info', [HC_ZERO_PAGES]: 'zero_pages', [HC_DISK_INFO]: 'disk_info',
  [HC_DISK_READ]: 'disk_read', [HC_DISK_WRITE]: 'disk_write', [HC_DISK_FLUSH]: 'disk_flush',
  [HC_SHARE_INFO]: 'share_info', [HC_NET_INFO]: 'net_info',
  [HC_NET_SEND]: 'net_send', [HC_NET_RECV]: 'net_recv', [HC_NET_CTL]: 'net_ctl',
};

/** Longest console write and disk transfer in one call. */
export const CONSOLE_MAX = 65536;
export const DISK_MAX_SECTORS = 2048;
export const SECTOR_BYTES = 512;

/** True if v0 names a monitor call. */
export function isHypercall(v0: number): boolean {
  return (v0 >>> 16) === (HCALL_BASE >>> 16);
}

/** Guest physical address of a buffer argument, or -1 if it names no guest physical memory. */
export function bufferAddress(a: number): number {
  const u = a >>> 0;
  if (u < 0x80000000) return u;
  if (u < 0xc0000000) return u & 0x1fffffff;
  if (u < 0xd0000000) return u - (WINDOW_BASE >>> 0);
  return -1;
}

/**
 * Perform the monitor call in v0 for VCPU v (loaded on p). Sets v0/v1 and continues after the
 * syscall, or idles / stops the VM for the calls that do.
 */
export function hypercall(m: Monitor, p: PCpu, v: VCpu): void {
  const cpu = p.cpu, r = cpu.r, vm = v.vm;
  const fn = r[2] & 0xffff;
  const a0 = r[4], a1 = r[5], a2 = r[6];
  const next = cpu.resumePC;
  vm.counters.bump(vm.counters.hypercalls, HC_NAMES[fn] ?? 'unknown');
  m.charge(p, v, 'hypercall');
  let v0 = 0, v1 = r[3];
  /** Guest physical range of a buffer, or -1 (outside the VM). */
  const buffer = (addr: number, len: number): number => {
    const g = bufferAddress(addr);
    return g >= 0 && vm.inRam(g, len) ? g : -1;
  };
  switch (fn) {
    case HC_PROBE:
      v0 = HCALL_MAGIC;
      v1 = HCALL_VERSION;
      break;
    case HC_CONSOLE_WRITE: {
      const len = a1 >>> 0;
      if (len > CONSOLE_MAX) { v0 = HC_EINVAL; break; }
      const g = buffer(a0, len);
      if (g < 0) { v0 = HC_EFAULT; break; }
      const bytes = vm.copyOut(g, len, p.node);
      for (const b of bytes) m.consoleOut(vm, b);
      vm.counters.consoleBytes += len;
      m.charge(p, v, 'copyWord', Math.ceil(len / 4));
      v0 = len;
      break;
    }
    case HC_CONSOLE_PUTC:
      m.consoleOut(vm, a0 & 0xff);
      vm.counters.consoleBytes++;
      break;
    case HC_CONSOLE_GETC: {
      // v0 = the next input byte, or -1 with v1 = 1: the input has ended (all of it is known
      // before the run, so "nothing yet" does not happen; v1 = 0 is kept for it).
      const c = m.consoleIn(vm);
      v0 = c;
      v1 = c < 0 ? 1 : 0;
      break;
    }
    case HC_EXIT:
      m.haltVm(vm, a0 | 0, 'exit monitor call');
      return;
    case HC_IDLE:
      r[2] = 0;
      m.goIdle(p, v, next, 'call');
      return;
    case HC_TIME: {
      // a0 = 0: the VCPU's virtual clock (Count's timebase); 1: the machine clock.
      const now = a0 === 1 ? cpu.now() : v.vnow(cpu.now());
      v0 = now % 0x100000000 | 0;
      v1 = Math.floor(now / 0x100000000) | 0;
      break;
    }
    case HC_INFO:
      switch (a0) {
        case INFO_MEM_BYTES: v0 = vm.memBytes | 0; break;
        case INFO_VCPUS: v0 = vm.vcpus.length; break;
        case INFO_VCPU_INDEX: v0 = v.index; break;
        case INFO_CLOCK_MHZ: v0 = m.clockMHz; break;
        case INFO_VM_ID: v0 = vm.id; break;
        default: v0 = HC_EINVAL;
      }
      break;
    case HC_ZERO_PAGES: {
      // Give the pages back; the next touch gets a freshly zeroed machine page (Disco's
      // monitor-zeroed pages). Every cached translation goes first, through the memmap.
      const n = a1 >>> 0;
      const g = bufferAddress(a0);
      if (g < 0) { v0 = HC_EFAULT; break; }
      if ((g & (PAGE_BYTES - 1)) !== 0 || n > vm.pages) { v0 = HC_EINVAL; break; }
      if (!vm.inRam(g, n * PAGE_BYTES)) { v0 = HC_EFAULT; break; }
      for (let k = 0; k < n; k++) m.releaseGuestPage(p, v, vm, (g >>> PAGE_SHIFT) + k);
      break;
    }
    case HC_DISK_INFO:
      if (vm.disk === null) { v0 = HC_ENODEV; break; }
      v0 = Math.floor(vm.disk.length / SECTOR_BYTES) | 0;
      v1 = SECTOR_BYTES;
      break;
    case HC_DISK_READ:
    case HC_DISK_WRITE: {
      const disk = vm.disk;
      if (disk === null) { v0 = HC_ENODEV; break; }
      const sector = a0 >>> 0, count = a1 >>> 0;
      const capacity = Math.floor(disk.length / SECTOR_BYTES);
      if (count === 0 || count > DISK_MAX_SECTORS || sector >= capacity || count > capacity - sector) { v0 = HC_EINVAL; break; }
      const len = count * SECTOR_BYTES;
      const g = buffer(a2, len);
      if (g < 0) { v0 = HC_EFAULT; break; }
      // The monitor's DMA moves words: a buffer must be word aligned (docs/disks.md).
      if ((g & 3) !== 0) { v0 = HC_EINVAL; break; }
      const at = sector * SECTOR_BYTES;
      if (fn === HC_DISK_READ) {
        // Whole 4 KiB blocks into whole pages are mapped from the buffer cache (share.ts).
        m.charge(p, v, 'copyWord', readDisk(m, vm, disk, at, len, g, p.node) / 4);
      } else {
        if (disk instanceof PersistentDisk && m.share.cache !== null) {
          // Cached copies of these blocks are stale now (an overlay's base blocks are not).
          for (let b = Math.floor(at / BLOCK_BYTES); b * BLOCK_BYTES < at + len; b++) {
            const key = disk.shareKey(b);
            if (key !== null) m.share.cache.invalidate(key);
          }
        }
        disk.write(at, vm.copyOut(g, len, p.node));
        m.charge(p, v, 'copyWord', len / 4);
      }
      break;
    }
    case HC_DISK_FLUSH:
      // The VM's writes so far become durable (persistent disks, overlay files: fsync).
      if (vm.disk === null) { v0 = HC_ENODEV; break; }
      vm.disk.flush();
      break;
    case HC_SHARE_INFO: {
      // a0 = 0: how many of this VM's guest pages are mapped to shared machine pages now;
      // a0 = 1: how many guest pages the VM has backed by machine pages (its footprint).
      if (a0 === 1) { v0 = vm.account.held | 0; break; }
      if (a0 !== 0) { v0 = HC_EINVAL; break; }
      let n = 0;
      for (let g = 0; g < vm.pages; g++) { const mp = vm.pmap.mpage[g]; if (mp >= 0 && m.share.isShared(mp)) n++; }
      v0 = n;
      break;
    }
    // The virtual subnet (net.ts; docs/hypercalls.md "Virtual subnet").
    case HC_NET_INFO: {
      const r2 = m.net.info(vm, a0);
      if (r2 === null) { v0 = HC_EINVAL; break; }
      [v0, v1] = r2;
      break;
    }
    case HC_NET_SEND:
      [v0, v1] = m.net.send(p, v, a0, bufferAddress(a1));
      break;
    case HC_NET_RECV:
      v0 = m.net.recv(p, v, bufferAddress(a0));
      break;
    case HC_NET_CTL:
      if ((a0 >>> 0) > 1) { v0 = HC_EINVAL; break; }
      v0 = m.net.setIrq(vm, a0 === 1);
      break;
    default:
      v0 = HC_ENOSYS;
  }
  r[2] = v0 | 0;
  r[3] = v1 | 0;
  m.resume(p, v, next);
}
