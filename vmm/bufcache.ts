// The monitor's global buffer cache (Disco section 4.2.5): disk blocks held in machine pages,
// keyed by what the block contains for every VM that reads it (VmDisk.shareKey). A 4 KiB
// page-aligned read of a cached block by any VM maps that machine page read-only into the
// VM's pmap (share.ts shareIntoVm) instead of copying it, so VMs booting and running from one
// base image share those pages.
//
// The cache is bounded (lru-cache, `--buffer-cache SIZE`): the least recently used block goes
// when a new one needs room. Eviction never frees a page a VM still maps: the page leaves the
// cache but stays shared among the VMs that map it, and is freed by the last one to drop it
// (SharedPages.unmapped). Pages that only the cache holds are also given back when the machine
// runs out of free pages (reclaim).

import { LRUCache } from 'lru-cache';
import { PAGE_BYTES } from './alloc.ts';

/** What the cache needs from the monitor. */
export interface CacheHost {
  /** A free machine page (preferably on `node`), or -1. */
  allocPage(node: number): number;
  releasePage(mp: number): void;
  /** True if some VM maps machine page `mp`. */
  mapped(mp: number): boolean;
  readonly ram8: Uint8Array;
}

export interface BufferCacheStats {
  capacityPages: number;
  pages: number;
  /** Cached pages that some VM maps now. */
  mappedPages: number;
  hits: number;
  misses: number;
  inserts: number;
  evictions: number;
  /** Evicted while still mapped: left to the VMs, freed by the last one. */
  evictedMapped: number;
  invalidations: number;
  reclaimed: number;
}

export class BufferCache {
  readonly capacityPages: number;
  private readonly lru: LRUCache<string, number>;
  /** Machine page -> its key, for the pages in the cache. */
  private readonly keyOf = new Map<number, string>();
  hits = 0;
  misses = 0;
  inserts = 0;
  evictions = 0;
  evictedMapped = 0;
  invalidations = 0;
  reclaimed = 0;

  constructor(capacityBytes: number, private readonly host: CacheHost) {
    this.capacityPages = Math.floor(capacityBytes / PAGE_BYTES);
    if (this.capacityPages < 1) throw new RangeError(`the buffer cache needs at least one 4 KiB page, got ${capacityBytes} bytes`);
    this.lru = new LRUCache<string, number>({
      max: this.capacityPages,
      dispose: (mp, _key, reason) => {
        this.keyOf.delete(mp);
        if (reason === 'evict') this.evictions++;
        if (this.host.mapped(mp)) {
          if (reason === 'evict') this.evictedMapped++;
          return; // the VMs that map it keep it; the last unmap frees it
        }
        this.host.releasePage(mp);
      },
    });
  }

  /** The machine page holding `key`, or -1 (counts a hit or a miss). */
  lookup(key: string): number {
    const mp = this.lru.get(key);
    if (mp === undefined) { this.misses++; return -1; }
    this.hits++;
    return mp;
  }

  /**
   * Put `data` (one block) in a fresh machine page under `key`; returns the page, or -1 when
   * the machine has no page to spare (the caller then copies instead).
   */
  insert(key: string, data: Uint8Array, node: number): number {
    let mp = this.host.allocPage(node);
    if (mp < 0 && this.reclaim(1) > 0) mp = this.host.allocPage(node);
    if (mp < 0) return -1;
    const ram = this.host.ram8;
    ram.set(data.subarray(0, PAGE_BYTES), mp * PAGE_BYTES);
    if (data.length < PAGE_BYTES) ram.fill(0, mp * PAGE_BYTES + data.length, (mp + 1) * PAGE_BYTES);
    this.lru.set(key, mp);
    this.keyOf.set(mp, key);
    this.inserts++;
    return mp;
  }

  /** Forget `key` (its block changed); a mapped page stays with its VMs. */
  invalidate(key: string): void {
    if (this.lru.has(key)) { this.invalidations++; this.lru.delete(key); }
  }

  /** True if machine page `mp` is in the cache. */
  holds(mp: number): boolean {
    return this.keyOf.has(mp);
  }

  /** Give back up to `n` cached pages no VM maps, least recently used first; returns how many. */
  reclaim(n: number): number {
    let freed = 0;
    for (const key of [...this.lru.rkeys()]) {
      if (freed >= n) break;
      const mp = this.lru.peek(key);
      if (mp === undefined || this.host.mapped(mp)) continue;
      this.lru.delete(key); // dispose releases it
      freed++;
    }
    this.reclaimed += freed;
    return freed;
  }

  /** Pages in the cache now. */
  get pages(): number {
    return this.lru.size;
  }

  /** Every cached machine page (memory reports, tests). */
  cachedPages(): number[] {
    return [...this.keyOf.keys()];
  }

  stats(): BufferCacheStats {
    let mapped = 0;
    for (const mp of this.keyOf.keys()) if (this.host.mapped(mp)) mapped++;
    return {
      capacityPages: this.capacityPages, pages: this.lru.size, mappedPages: mapped, hits: this.hits, misses: this.misses,
      inserts: this.inserts, evictions: this.evictions, evictedMapped: this.evictedMapped, invalidations: this.invalidations,
      reclaimed: this.reclaimed,
    };
  }
}
