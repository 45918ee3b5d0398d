// Machine memory allocation: free 4 KiB machine pages per NUMA node, and per-VM accounting.
//
// A machine page is named by its RAM page number (RAM offset / 4096, see cpu/bus.ts); node n
// owns RAM pages [n * pagesPerNode, (n + 1) * pagesPerNode). Allocation takes the lowest free
// page of the preferred node (deterministic), falling back to the other nodes in order of
// distance (n+1, n+2, ... wrapping) when the node is full. The monitor reserves its own pages
// first (the idle loop, the per-VCPU privileged-register pages); everything else is for VMs.

export const PAGE_BYTES = 4096;
export const PAGE_SHIFT = 12;

/** Who owns a machine page, for statistics. */
export type PageUse = 'free' | 'monitor' | 'vm';

export class MachineAllocator {
  readonly nodes: number;
  readonly pagesPerNode: number;
  readonly totalPages: number;
  /** Per node: a stack of free pages, lowest page on top. */
  private readonly free: Int32Array[];
  private readonly top: Int32Array;
  /** 0 free, 1 monitor, 2 VM. */
  private readonly use: Uint8Array;
  private monitorCount = 0;

  constructor(ramBytes: number, nodes: number) {
    this.nodes = nodes;
    this.totalPages = Math.floor(ramBytes / PAGE_BYTES);
    this.pagesPerNode = Math.floor(this.totalPages / nodes);
    this.free = [];
    this.top = new Int32Array(nodes);
    this.use = new Uint8Array(this.totalPages);
    for (let n = 0; n < nodes; n++) {
      const s = new Int32Array(this.pagesPerNode);
      // Highest first, so that popping from the top yields ascending page numbers.
      for (let i = 0; i < this.pagesPerNode; i++) s[i] = (n + 1) * this.pagesPerNode - 1 - i;
      this.free.push(s);
      this.top[n] = this.pagesPerNode;
    }
  }

  /** NUMA node of machine page `mp`. */
  nodeOf(mp: number): number {
    return Math.min(this.nodes - 1, Math.floor(mp / this.pagesPerNode));
  }

  /** Free pages on node `n`. */
  freePages(n: number): number {
    return this.top[n];
  }

  /** Free pages on all nodes. */
  freeTotal(): number {
    let t = 0;
    for (let n = 0; n < this.nodes; n++) t += this.top[n];
    return t;
  }

  /** Pages the monitor holds for itself. */
  get monitorPages(): number {
    return this.monitorCount;
  }

  /**
   * Take a free page, preferably on `node`; other nodes in order n+1, n+2, ... when it is full
   * (unless `strict`). Returns -1 when no page is free.
   */
  alloc(node: number, forMonitor = false, strict = false): number {
    for (let k = 0; k < (strict ? 1 : this.nodes); k++) {
      const n = (node + k) % this.nodes;
      if (this.top[n] > 0) {
        const mp = this.free[n][--this.top[n]];
        this.use[mp] = forMonitor ? 1 : 2;
        if (forMonitor) this.monitorCount++;
        return mp;
      }
    }
    return -1;
  }

  /**
   * Take a specific page (the monitor's fixed low pages). Throws if it is not free: that is a
   * monitor bug, not a guest action.
   */
  reserve(mp: number): void {
    const n = this.nodeOf(mp);
    const s = this.free[n];
    for (let i = 0; i < this.top[n]; i++) {
      if (s[i] === mp) {
        s.copyWithin(i, i + 1, this.top[n]);
        this.top[n]--;
        this.use[mp] = 1;
        this.monitorCount++;
        return;
      }
    }
    throw new Error(`machine page ${mp} is not free`);
  }

  /** Return a page to its node's free list. */
  release(mp: number): void {
    if (this.use[mp] === 0) throw new Error(`machine page ${mp} freed twice`);
    if (this.use[mp] === 1) this.monitorCount--;
    this.use[mp] = 0;
    const n = this.nodeOf(mp);
    // Keep the stack sorted (lowest on top) so that allocation order stays deterministic and
    // compact no matter the order of frees. Pages come back rarely (VM stop, zero-page calls).
    const s = this.free[n];
    let i = this.top[n];
    while (i > 0 && s[i - 1] < mp) { s[i] = s[i - 1]; i--; }
    s[i] = mp;
    this.top[n]++;
  }

  /** What page `mp` is used for. */
  useOf(mp: number): PageUse {
    const u = this.use[mp];
    return u === 0 ? 'free' : u === 1 ? 'monitor' : 'vm';
  }
}

/** Per-VM memory accounting: machine pages held, per node, and the limit. */
export class MemoryAccount {
  /** Pages held now, per node. */
  readonly byNode: Int32Array;
  /** Most pages held at once. */
  peak = 0;
  held = 0;
  /** Pages allocated over the VM's life (demand-zero fills, after zero-page calls too). */
  allocated = 0;
  /** Pages given back (zero-page calls, VM stop). */
  released = 0;
  /** Pages zeroed by the monitor. */
  zeroed = 0;

  constructor(nodes: number, readonly limitPages: number) {
    this.byNode = new Int32Array(nodes);
  }

  add(node: number): void {
    this.byNode[node]++;
    this.held++;
    this.allocated++;
    if (this.held > this.peak) this.peak = this.held;
  }

  remove(node: number): void {
    this.byNode[node]--;
    this.held--;
    this.released++;
  }
}
