// Machine pages shared copy-on-write between guest pages (Disco sections 4.2.5-4.2.6; ESX-style
// content sharing beyond the paper). A shared page is mapped read-only into every pmap that
// names it (PMAP_READONLY), so a guest store to it reaches Monitor.writeFault, which calls
// breakCow: the writer gets a private copy and only its own cached translations of the old
// page are dropped; the other VMs keep theirs.
//
// Pages become shared by
//   - the buffer cache: a 4 KiB page-aligned disk read of a cached block (readDisk below);
//   - shareIntoVm, the entry point for anything that remaps a machine page into a VM (the
//     virtual subnet maps page-aligned payloads with it, section 4.2.6);
//   - the content scan (scanAndMerge, `--share-scan`): pages with identical contents merged.
// A shared page is freed when the last guest page mapping it goes and the buffer cache does
// not hold it (unmapped). The memmap lists every owner (memmap.ts supports several).

import { PAGE_BYTES, PAGE_SHIFT } from './alloc.ts';
import { BufferCache } from './bufcache.ts';
import { BLOCK_BYTES, type VmDisk } from './disk.ts';
import { PMAP_NONE, PMAP_READONLY } from './pmap.ts';
import { VmFault, type Vm } from './vm.ts';
import type { Monitor } from './monitor.ts';
import type { PageEventKind } from './events.ts';

export interface SharingStats {
  /** Guest pages mapped to a shared machine page (cache reads, remaps, merges). */
  shares: number;
  /** Writes to shared pages that made a private copy, and those that found the writer the
   * last user of the page and only made it writable again. */
  cowCopies: number;
  cowReuses: number;
  /** Disk blocks remapped instead of copied, and copied (not aligned, not cacheable). */
  blocksRemapped: number;
  blocksCopied: number;
  /** Content scans run, pages hashed, pages merged (and so freed). */
  scans: number;
  scanned: number;
  merged: number;
}

/** The monitor's state for shared pages: a flag per machine page and the buffer cache. */
export class SharedPages {
  /** 1 if the machine page is copy-on-write (shared, cached or merged). */
  private readonly cow: Uint8Array;
  readonly cache: BufferCache | null;
  readonly stats: SharingStats = { shares: 0, cowCopies: 0, cowReuses: 0, blocksRemapped: 0, blocksCopied: 0, scans: 0, scanned: 0, merged: 0 };

  constructor(private readonly m: Monitor, cacheBytes: number) {
    this.cow = new Uint8Array(m.alloc.totalPages);
    this.cache = cacheBytes <= 0 ? null : new BufferCache(cacheBytes, {
      allocPage: (node) => {
        const mp = m.alloc.alloc(node);
        if (mp >= 0) this.cow[mp] = 1;
        return mp;
      },
      releasePage: (mp) => { this.cow[mp] = 0; m.alloc.release(mp); },
      mapped: (mp) => m.memmap.owners(mp).length > 0,
      ram8: m.machine.bus.ram8,
    });
  }

  /** True if machine page `mp` is copy-on-write: every pmap maps it read-only. */
  isShared(mp: number): boolean {
    return this.cow[mp] === 1;
  }

  /** Mark `mp` copy-on-write; owners that map it writable lose their writable translations. */
  markShared(mp: number, initiator: number): void {
    if (this.cow[mp] === 1) return;
    this.cow[mp] = 1;
    let writable = false;
    for (const o of this.m.memmap.owners(mp)) {
      const vm = this.m.vms[o.vm];
      if ((vm.pmap.flags[o.gpn] & PMAP_READONLY) === 0) { vm.pmap.flags[o.gpn] |= PMAP_READONLY; writable = true; }
    }
    if (writable) this.m.memmap.shootdown(mp, initiator);
  }

  /** A guest page stopped mapping shared page `mp`: free it if nothing else holds it. */
  unmapped(mp: number): void {
    if (this.m.memmap.owners(mp).length > 0 || (this.cache !== null && this.cache.holds(mp))) return;
    this.cow[mp] = 0;
    this.m.alloc.release(mp);
  }

  /** The last mapper of `mp` writes it: it is an ordinary private page again. */
  unshareLast(mp: number): void {
    this.cow[mp] = 0;
  }

  /**
   * Load one whole page of a boot image into guest page `gpn` of `vm` through the buffer cache
   * (key: the image's digest and the page's address), so VMs booting the same kernel share its
   * text as Disco's VMs shared IRIX's (section 4.2.5); pages the kernel writes (its data)
   * become private on the first store. False (the caller copies) without a cache or a page.
   */
  loadPage(vm: Vm, key: string, gpn: number, data: Uint8Array, node: number): boolean {
    if (this.cache === null) return false;
    let mp = this.cache.lookup(key);
    if (mp < 0) mp = this.cache.insert(key, data, node);
    if (mp < 0) return false;
    mapShared(this.m, vm, gpn, mp, false);
    return true;
  }

  /** Give cached pages that no VM maps back to the machine (allocation under pressure). */
  reclaim(n: number): number {
    return this.cache === null ? 0 : this.cache.reclaim(n);
  }

  /** Machine pages shared now (by two guest pages or more), and cached pages no VM maps. */
  census(): { sharedPages: number; sharedMappings: number; cacheOnlyPages: number } {
    let sharedPages = 0, sharedMappings = 0, cacheOnly = 0;
    for (let mp = 0; mp < this.cow.length; mp++) {
      if (this.cow[mp] === 0) continue;
      const n = this.m.memmap.owners(mp).length;
      if (n >= 2) { sharedPages++; sharedMappings += n; }
      if (n === 0) cacheOnly++;
    }
    return { sharedPages, sharedMappings, cacheOnlyPages: cacheOnly };
  }
}

/**
 * Drop `vm`'s cached translations of machine page `mp` (other VMs keep theirs) and break the
 * LL links into it: `vm`'s guest page is about to move off `mp`.
 */
function dropVmTranslations(m: Monitor, vm: Vm, mp: number): number {
  m.breakLinks(mp);
  let n = 0;
  for (const r of m.memmap.refs(mp)) {
    const v = m.vcpus[r.gid];
    if (v.vm === vm) { v.dropL2(r.slot); n++; }
  }
  return n;
}

function event(m: Monitor, kind: PageEventKind, vm: Vm, gpn: number, fromMp: number, toMp: number, cost: number): void {
  const obs = m.observer;
  if (obs?.page === undefined) return;
  const cpu = m.machine.bus.currentCpu;
  obs.page({
    kind, vm: vm.id, gpn, fromMp, toMp, fromNode: fromMp < 0 ? -1 : m.alloc.nodeOf(fromMp), toNode: toMp < 0 ? -1 : m.alloc.nodeOf(toMp),
    cost, cpu, now: m.machine.cpus[cpu].now(),
  });
}

/**
 * Take guest page `gpn` of `vm` off its machine page (shared or private): its translations are
 * shot down, the page is freed if nothing else holds it. Returns translations removed.
 */
export function unmapGuestPage(m: Monitor, vm: Vm, gpn: number, initiator: number): number {
  const mp = vm.pmap.mpage[gpn];
  if (mp === PMAP_NONE) return 0;
  const shared = m.share.isShared(mp);
  const n = shared ? dropVmTranslations(m, vm, mp) : m.memmap.shootdown(mp, initiator).entries;
  vm.pmap.clear(gpn);
  m.memmap.removeOwner(mp, vm.id, gpn);
  vm.account.remove(m.alloc.nodeOf(mp));
  if (shared) m.share.unmapped(mp);
  else m.alloc.release(mp);
  return n;
}

/**
 * Map machine page `mp` copy-on-write into `vm`'s pmap at guest page `gpn`: the page becomes
 * read-only for every VM that maps it, the VM's previous page at `gpn` (if any) is unmapped
 * first, and the first guest store to it gives the writer a private copy (Monitor.writeFault
 * -> breakCow -> shootdown of the writer's translations). `mp` must hold data every mapper
 * may see (a cached disk block, a network payload the sender gave away, a page merged by
 * content); its other owners keep their mappings. Used by the buffer cache reads, the content
 * scan and the virtual subnet (page-aligned payloads remapped, Disco section 4.2.6).
 */
export function shareIntoVm(m: Monitor, vm: Vm, gpn: number, mp: number): void {
  mapShared(m, vm, gpn, mp, true);
}

/** shareIntoVm; `charge`: charge the remap to the VM (not for the background scan). */
function mapShared(m: Monitor, vm: Vm, gpn: number, mp: number, charge: boolean): void {
  if (gpn < 0 || gpn >= vm.pages) throw new RangeError(`${vm.name}: guest page ${gpn} outside its memory`);
  const old = vm.pmap.mpage[gpn];
  if (old === mp) {
    m.share.markShared(mp, m.machine.bus.currentCpu);
    vm.pmap.flags[gpn] |= PMAP_READONLY;
    return;
  }
  const cpu = m.machine.bus.currentCpu;
  if (old !== PMAP_NONE) unmapGuestPage(m, vm, gpn, cpu);
  m.share.markShared(mp, cpu);
  vm.pmap.set(gpn, mp, PMAP_READONLY);
  m.memmap.addOwner(mp, vm.id, gpn);
  vm.account.add(m.alloc.nodeOf(mp));
  m.share.stats.shares++;
  if (charge) m.chargeCurrent(vm, 'pageAlloc');
  event(m, 'share', vm, gpn, old, mp, m.costs.pageAlloc);
}

/**
 * A guest store reached shared page `gpn` of `vm` (Monitor.writeFault, or monitor DMA into
 * it): give the VM a private copy (or, if it is the page's last user, make it writable again)
 * and drop the VM's translations of the shared page. Returns the machine page now backing
 * `gpn`. Throws VmFault when the machine has no page for the copy.
 */
export function breakCow(m: Monitor, vm: Vm, gpn: number, node: number): number {
  const mp = vm.pmap.mpage[gpn];
  const share = m.share;
  const owners = m.memmap.owners(mp).length;
  const dropped = dropVmTranslations(m, vm, mp);
  if (owners <= 1 && (share.cache === null || !share.cache.holds(mp))) {
    // Nobody else can see it any more: no copy needed.
    vm.pmap.flags[gpn] &= ~PMAP_READONLY;
    share.unshareLast(mp);
    share.stats.cowReuses++;
    m.chargeCurrent(vm, 'shootdownEntry', dropped);
    event(m, 'cow-break', vm, gpn, mp, mp, m.costs.shootdownEntry * dropped);
    return mp;
  }
  const nmp = m.allocPage(node);
  if (nmp < 0) throw new VmFault(`the machine has no free memory for a private copy of shared guest page ${gpn}`, 'memory');
  const ram = m.machine.bus.ram32;
  ram.copyWithin(nmp * 1024, mp * 1024, mp * 1024 + 1024);
  vm.pmap.set(gpn, nmp, 0);
  m.memmap.removeOwner(mp, vm.id, gpn);
  m.memmap.addOwner(nmp, vm.id, gpn);
  vm.account.remove(m.alloc.nodeOf(mp));
  vm.account.add(m.alloc.nodeOf(nmp));
  share.unmapped(mp);
  share.stats.cowCopies++;
  m.chargeCurrent(vm, 'pageAlloc');
  m.chargeCurrent(vm, 'copyWord', PAGE_BYTES / 4);
  m.chargeCurrent(vm, 'shootdownEntry', dropped);
  event(m, 'cow-break', vm, gpn, mp, nmp, m.costs.pageAlloc + m.costs.copyWord * (PAGE_BYTES / 4) + m.costs.shootdownEntry * dropped);
  return nmp;
}

/**
 * A disk read by monitor call or device: [pos, pos + len) of `disk` into guest physical `gpa`
 * of `vm`. Each whole 4 KiB block that lands on a whole guest page is mapped from the buffer
 * cache (read in on a miss) instead of copied; the rest is copied. Bounds were checked by
 * the caller. Returns the bytes copied (the caller charges them; remaps charge themselves).
 */
export function readDisk(m: Monitor, vm: Vm, disk: VmDisk, pos: number, len: number, gpa: number, node: number): number {
  const cache = m.share.cache;
  const stats = m.share.stats;
  let copied = 0, done = 0;
  while (done < len) {
    const at = pos + done, g = gpa + done;
    const whole = cache !== null && at % BLOCK_BYTES === 0 && (g & (PAGE_BYTES - 1)) === 0 && len - done >= BLOCK_BYTES;
    if (whole) {
      const block = at / BLOCK_BYTES;
      const key = disk.shareKey(block);
      if (key !== null) {
        let mp = cache.lookup(key);
        if (mp < 0) {
          mp = cache.insert(key, disk.read(at, BLOCK_BYTES), node);
          if (mp >= 0) m.chargeCurrent(vm, 'copyWord', BLOCK_BYTES / 4); // the disk into the cache page
        }
        if (mp >= 0) {
          shareIntoVm(m, vm, g >>> PAGE_SHIFT, mp);
          stats.blocksRemapped++;
          done += BLOCK_BYTES;
          continue;
        }
      }
    }
    const n = whole ? BLOCK_BYTES : Math.min(len - done, BLOCK_BYTES - (at % BLOCK_BYTES), PAGE_BYTES - (g & (PAGE_BYTES - 1)));
    // A whole shared page about to be overwritten: drop it rather than copy it first.
    if (n === PAGE_BYTES && (g & (PAGE_BYTES - 1)) === 0) {
      const mp = vm.pmap.mpage[g >>> PAGE_SHIFT];
      if (mp !== PMAP_NONE && m.share.isShared(mp)) unmapGuestPage(m, vm, g >>> PAGE_SHIFT, m.machine.bus.currentCpu);
    }
    vm.copyIn(g, disk.read(at, n), node);
    stats.blocksCopied += n === BLOCK_BYTES ? 1 : 0;
    copied += n;
    done += n;
  }
  return copied;
}

/** FNV-1a over a machine page's words (the content scan's hash; equal pages are compared in full). */
function pageHash(ram: Int32Array, mp: number): number {
  let h = 0x811c9dc5;
  const base = mp * 1024;
  for (let i = 0; i < 1024; i++) h = Math.imul(h ^ ram[base + i], 0x01000193);
  return h >>> 0;
}

function samePage(ram: Int32Array, a: number, b: number): boolean {
  const x = a * 1024, y = b * 1024;
  for (let i = 0; i < 1024; i++) if (ram[x + i] !== ram[y + i]) return false;
  return true;
}

export interface ScanResult {
  scanned: number;
  merged: number;
}

/**
 * Content-based sharing (VMware ESX's scan, beyond Disco): hash every resident page of every
 * running VM, and map each page whose contents equal an earlier one's to that page
 * copy-on-write, freeing it. Runs between interleaving rounds (deterministic); its host time
 * is not charged to any VM (a background activity of idle cycles, as in ESX).
 */
export function scanAndMerge(m: Monitor): ScanResult {
  const ram = m.machine.bus.ram32;
  const byHash = new Map<number, number[]>();
  let scanned = 0, merged = 0;
  for (const vm of m.vms) {
    if (!vm.running) continue;
    for (let gpn = 0; gpn < vm.pages; gpn++) {
      const mp = vm.pmap.mpage[gpn];
      if (mp === PMAP_NONE) continue;
      scanned++;
      const h = pageHash(ram, mp);
      const list = byHash.get(h);
      if (list === undefined) { byHash.set(h, [mp]); continue; }
      if (list.includes(mp)) continue;
      const twin = list.find((c) => samePage(ram, c, mp));
      if (twin === undefined) { list.push(mp); continue; }
      mapShared(m, vm, gpn, twin, false);
      merged++;
    }
  }
  const s = m.share.stats;
  s.scans++;
  s.scanned += scanned;
  s.merged += merged;
  return { scanned, merged };
}
