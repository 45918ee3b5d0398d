// The timing mode's memory system: per-CPU L1I/L1D/L2 caches kept coherent by a directory
// (MSI, invalidate on write), local/remote miss latency by the line's home node, and FLASH
// MAGIC-style per-page, per-node miss counters for the monitor's NUMA policy.
//
// How it plugs into the interpreter at zero cost: in the timing mode each CPU's translation
// cache works at cache-line granularity and holds a line only while it sits in that CPU's L1
// with enough permission (loads: any valid state; stores: MODIFIED; fetches: L1I). A fast-path
// hit is therefore an L1 hit, whose cost is already in the one-cycle-per-instruction base.
// Everything else misses into the CPU's slow path, which calls access() here; access() runs the
// cache and directory protocol, returns the stall cycles, and enters the line into the
// translation cache. Whenever a line leaves an L1 (eviction, invalidation by another CPU's
// write) or loses write permission (another CPU's read of a dirty line), the matching
// translation-cache entries are dropped, so the fast path never hides a coherence event.
//
// Cost table (cycles at clockMHz; documented in README "Timing mode"):
//   instruction, L1 hit                     1 (base), + 0
//   L1 miss, L2 hit                         l2HitCycles
//   L2 miss, home = own node                localNs
//   L2 miss, home = another node            remoteNs
//   line dirty in another CPU's cache       localNs if the home and the owner are both on the
//                                           requester's node, else remoteNs
//   write to a SHARED line (upgrade)        the same latency as a miss to the home node
//   uncached access (kseg1, TLB C = 2)      the miss latency to the home node, every time
//   exception                               exceptionCycles
// Write-backs and invalidation messages are off the critical path (not charged).

import { CacheArray, INVALID, MODIFIED, SHARED } from './cache.ts';
import type { TimingConfig } from './config.ts';
import { TranslationCache, TC_INVALID } from './tcache.ts';

export const ACCESS_LOAD = 0;
export const ACCESS_STORE = 1;
export const ACCESS_FETCH = 2;

/** Per-CPU cache statistics (misses are exact; hits = accesses - misses). */
export interface CacheCounters {
  l1iMisses: number;
  l1dMisses: number;
  l2Hits: number;
  /** L2 misses (and upgrades) served by the requester's own node / another node. */
  localMisses: number;
  remoteMisses: number;
  upgrades: number;
  /** Lines this CPU's writes invalidated in other caches. */
  invalidationsSent: number;
  /** Dirty lines written back on eviction. */
  writebacks: number;
  uncached: number;
  /** Stall cycles spent in the memory system. */
  stallCycles: number;
}

/** Told when a page's miss counter for a node reaches the threshold. */
export type HotPageListener = (ramPage: number, node: number, count: number) => void;

const newCounters = (): CacheCounters => ({
  l1iMisses: 0, l1dMisses: 0, l2Hits: 0, localMisses: 0, remoteMisses: 0, upgrades: 0,
  invalidationsSent: 0, writebacks: 0, uncached: 0, stallCycles: 0,
});

export class MemorySystem {
  readonly cfg: TimingConfig;
  readonly lineShift: number;
  readonly localCycles: number;
  readonly remoteCycles: number;
  readonly nodes: number;
  readonly memPerNode: number;
  readonly cpuNode: readonly number[];
  private readonly l1i: CacheArray[] = [];
  private readonly l1d: CacheArray[] = [];
  private readonly l2: CacheArray[] = [];
  private readonly tcs: TranslationCache[];
  /** Directory, per memory line: the CPU holding it MODIFIED (-1: none), and the sharers. */
  private readonly dirOwner: Int8Array;
  private readonly dirSharers: Uint32Array;
  /** Per 4 KiB RAM page, per node: sampled memory misses (FLASH MAGIC counters). */
  readonly pageMisses: Uint32Array;
  private readonly sampleCtr: Int32Array;
  readonly counters: CacheCounters[];
  /** Misses served by each node's memory or caches (home node of the line). */
  readonly nodeLocal: Float64Array;
  readonly nodeRemote: Float64Array;
  /** 1 for every RAM page some CPU has missed on (memory in use, per node). */
  readonly touched: Uint8Array;
  hotPageListener: HotPageListener | null = null;

  constructor(cfg: TimingConfig, ramSize: number, nodes: number, memPerNode: number, cpuNode: readonly number[], tcs: TranslationCache[]) {
    this.cfg = cfg;
    this.lineShift = Math.log2(cfg.lineBytes);
    this.localCycles = Math.round((cfg.localNs * cfg.clockMHz) / 1000);
    this.remoteCycles = Math.round((cfg.remoteNs * cfg.clockMHz) / 1000);
    this.nodes = nodes;
    this.memPerNode = memPerNode;
    this.cpuNode = cpuNode;
    this.tcs = tcs;
    for (let c = 0; c < cpuNode.length; c++) {
      this.l1i.push(new CacheArray(cfg.l1i.size, cfg.l1i.assoc, cfg.lineBytes));
      this.l1d.push(new CacheArray(cfg.l1d.size, cfg.l1d.assoc, cfg.lineBytes));
      this.l2.push(new CacheArray(cfg.l2.size, cfg.l2.assoc, cfg.lineBytes));
      tcs[c].shift = this.lineShift;
      tcs[c].flush();
    }
    const lines = Math.ceil(ramSize / cfg.lineBytes);
    this.dirOwner = new Int8Array(lines).fill(-1);
    this.dirSharers = new Uint32Array(lines);
    this.pageMisses = new Uint32Array(Math.ceil(ramSize / 4096) * nodes);
    this.sampleCtr = new Int32Array(cpuNode.length);
    this.counters = cpuNode.map(newCounters);
    this.nodeLocal = new Float64Array(nodes);
    this.nodeRemote = new Float64Array(nodes);
    this.touched = new Uint8Array(Math.ceil(ramSize / 4096));
  }

  /** Bytes of each node's memory that some CPU has used (pages with at least one miss). */
  memoryInUse(): number[] {
    const used = new Array<number>(this.nodes).fill(0);
    const perNodePages = this.memPerNode / 4096;
    for (let p = 0; p < this.touched.length; p++) if (this.touched[p] !== 0) used[Math.min(this.nodes - 1, Math.floor(p / perNodePages))] += 4096;
    return used;
  }

  /** Home node of RAM offset `off`. */
  homeOf(off: number): number {
    return Math.min(this.nodes - 1, Math.floor(off / this.memPerNode));
  }

  /**
   * CPU `c` accesses RAM offset `off` (virtual address `va`) after a translation-cache miss.
   * Returns the stall cycles and, when `cached` and `fill`, enters the line into the CPU's
   * translation cache with the permission the L1 now has (`fill` is false while another CPU
   * holds an LL/SC link on the page, whose stores must all reach the slow path).
   */
  access(c: number, off: number, va: number, kind: number, cached: boolean, fill: boolean): number {
    const cnt = this.counters[c];
    if (!cached) {
      cnt.uncached++;
      const cost = this.homeOf(off) === this.cpuNode[c] || this.cfg.uniform ? this.localCycles : this.remoteCycles;
      cnt.stallCycles += cost;
      return cost;
    }
    const line = Math.floor(off / this.cfg.lineBytes);
    const l1 = kind === ACCESS_FETCH ? this.l1i[c] : this.l1d[c];
    const store = kind === ACCESS_STORE;
    let i = l1.find(line);
    let cost = 0;
    if (i < 0 || (store && l1.state[i] !== MODIFIED)) {
      if (i < 0) { if (kind === ACCESS_FETCH) cnt.l1iMisses++; else cnt.l1dMisses++; }
      const l2 = this.l2[c];
      let j = l2.find(line);
      if (j >= 0 && (!store || l2.state[j] === MODIFIED)) {
        cost = this.cfg.l2HitCycles;
        cnt.l2Hits++;
      } else {
        cost = this.transaction(c, line, off, store, j >= 0);
        if (j < 0) j = this.l2Fill(c, line);
        l2.state[j] = store ? MODIFIED : SHARED;
      }
      l2.touch(j);
      if (i < 0) i = this.l1Fill(c, l1, line);
      l1.state[i] = l2.state[j];
    }
    l1.touch(i);
    cnt.stallCycles += cost;
    if (!fill) return cost;
    const tc = this.tcs[c];
    if (kind === ACCESS_LOAD) l1.tcR[i] = tc.fillRead(va, off);
    else if (kind === ACCESS_STORE) l1.tcW[i] = tc.fillWrite(va, off);
    else l1.tcX[i] = tc.fillFetch(va, off);
    return cost;
  }

  /** The directory transaction for a miss or upgrade of `line` by CPU c; returns its latency. */
  private transaction(c: number, line: number, off: number, write: boolean, hadCopy: boolean): number {
    const cnt = this.counters[c];
    const me = this.cpuNode[c];
    const home = this.homeOf(off);
    const owner = this.dirOwner[line];
    let remote = home !== me;
    if (owner >= 0 && owner !== c) {
      // Dirty in another cache: the owner supplies the line (and loses it on a write).
      if (this.cpuNode[owner] !== me) remote = true;
      if (write) this.invalidateIn(owner, line);
      else this.downgradeIn(owner, line);
      this.dirOwner[line] = -1;
      if (!write) this.dirSharers[line] |= 1 << owner;
    }
    if (this.cfg.uniform) remote = false;
    if (write) {
      let others = this.dirSharers[line] & ~(1 << c);
      if (owner >= 0 && owner !== c) others &= ~(1 << owner); // already invalidated
      for (let k = 0; others !== 0; k++, others >>>= 1) {
        if ((others & 1) !== 0) { this.invalidateIn(k, line); cnt.invalidationsSent++; }
      }
      this.dirSharers[line] = 1 << c;
      this.dirOwner[line] = c;
      if (hadCopy) cnt.upgrades++;
    } else {
      this.dirSharers[line] |= 1 << c;
    }
    if (remote) { cnt.remoteMisses++; this.nodeRemote[home]++; } else { cnt.localMisses++; this.nodeLocal[home]++; }
    this.touched[Math.floor(off / 4096)] = 1;
    if (!hadCopy) this.countPageMiss(c, off, me);
    return remote ? this.remoteCycles : this.localCycles;
  }

  private countPageMiss(c: number, off: number, node: number): void {
    if (++this.sampleCtr[c] < this.cfg.missSampling) return;
    this.sampleCtr[c] = 0;
    const page = Math.floor(off / 4096);
    const k = page * this.nodes + node;
    const n = ++this.pageMisses[k];
    const t = this.cfg.hotPageThreshold;
    if (t > 0 && n === t && this.hotPageListener !== null) this.hotPageListener(page, node, n);
  }

  /** Fill `line` into CPU c's L2, evicting (and back-invalidating from the L1s) a victim. */
  private l2Fill(c: number, line: number): number {
    const l2 = this.l2[c];
    const v = l2.victim(line);
    const old = l2.tags[v];
    if (old !== -1) {
      if (l2.state[v] === MODIFIED) { this.counters[c].writebacks++; this.dirOwner[old] = -1; }
      this.dirSharers[old] &= ~(1 << c);
      this.dropFromL1(c, this.l1d[c], old);
      this.dropFromL1(c, this.l1i[c], old);
    }
    l2.clear(v);
    l2.tags[v] = line;
    return v;
  }

  /** Fill `line` into an L1 of CPU c, evicting a victim (which stays in the L2). */
  private l1Fill(c: number, l1: CacheArray, line: number): number {
    const v = l1.victim(line);
    if (l1.tags[v] !== -1) this.dropTc(c, l1, v);
    l1.clear(v);
    l1.tags[v] = line;
    return v;
  }

  private dropFromL1(c: number, l1: CacheArray, line: number): void {
    const i = l1.find(line);
    if (i >= 0) { this.dropTc(c, l1, i); l1.clear(i); }
  }

  /** Remove the translation-cache entries that point at the line in way i. */
  private dropTc(c: number, l1: CacheArray, i: number): void {
    const tc = this.tcs[c];
    const line = l1.tags[i];
    const sh = this.lineShift;
    let k = l1.tcR[i];
    if (k >= 0 && (TranslationCache.target(tc.rtag, tc.radd, k) >> sh) === line) tc.rtag[k] = TC_INVALID;
    k = l1.tcW[i];
    if (k >= 0 && (TranslationCache.target(tc.wtag, tc.wadd, k) >> sh) === line) tc.wtag[k] = TC_INVALID;
    k = l1.tcX[i];
    if (k >= 0 && (TranslationCache.target(tc.xtag, tc.xadd, k) >> sh) === line) tc.xtag[k] = TC_INVALID;
  }

  /** Another CPU writes the line: CPU k loses every copy. */
  private invalidateIn(k: number, line: number): void {
    const l2 = this.l2[k];
    const j = l2.find(line);
    if (j >= 0) l2.clear(j);
    this.dropFromL1(k, this.l1d[k], line);
    this.dropFromL1(k, this.l1i[k], line);
  }

  /** Another CPU reads the line CPU k holds MODIFIED: k keeps it SHARED, without write permission. */
  private downgradeIn(k: number, line: number): void {
    const l2 = this.l2[k];
    const j = l2.find(line);
    if (j >= 0) l2.state[j] = SHARED;
    const l1 = this.l1d[k];
    const i = l1.find(line);
    if (i >= 0) {
      l1.state[i] = SHARED;
      const tc = this.tcs[k];
      const w = l1.tcW[i];
      if (w >= 0 && (TranslationCache.target(tc.wtag, tc.wadd, w) >> this.lineShift) === line) tc.wtag[w] = TC_INVALID;
      l1.tcW[i] = -1;
    }
  }

  /** Page-miss counter of RAM page `page` for `node`. */
  misses(page: number, node: number): number {
    return this.pageMisses[page * this.nodes + node];
  }

  /** Reset the counters of one page (all nodes), or of every page. */
  resetMisses(page?: number): void {
    if (page === undefined) this.pageMisses.fill(0);
    else this.pageMisses.fill(0, page * this.nodes, (page + 1) * this.nodes);
  }

  /**
   * The monitor moved or remapped RAM page `page` (migration, replication): drop every cached
   * copy of its lines from every CPU, as a real page copy plus TLB shootdown would.
   */
  flushPage(page: number): void {
    const per = 4096 / this.cfg.lineBytes;
    for (let l = page * per; l < (page + 1) * per; l++) {
      for (let k = 0; k < this.cpuNode.length; k++) {
        if (this.dirOwner[l] === k) this.counters[k].writebacks++;
        this.invalidateIn(k, l);
      }
      this.dirOwner[l] = -1;
      this.dirSharers[l] = 0;
    }
  }

  /** Which directory state a line is in (tests and traces). */
  lineState(c: number, off: number): 'I' | 'S' | 'M' {
    const line = Math.floor(off / this.cfg.lineBytes);
    const j = this.l2[c].find(line);
    if (j < 0) return 'I';
    const s = this.l2[c].state[j];
    return s === MODIFIED ? 'M' : s === SHARED ? 'S' : (s === INVALID ? 'I' : 'I');
  }
}
