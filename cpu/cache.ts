// One set-associative cache array with LRU replacement, holding line numbers (RAM offset >>
// line shift) and a coherence state. Used for each CPU's L1I, L1D and L2 in the timing mode.
// Data never lives here: every CPU reads and writes the one RAM array, so the caches only
// decide how long an access takes and which coherence actions it causes.

export const INVALID = 0;
export const SHARED = 1;
export const MODIFIED = 2;

export class CacheArray {
  readonly sets: number;
  readonly assoc: number;
  /** Line number per way (index = set * assoc + way), -1 when empty. */
  readonly tags: Int32Array;
  readonly state: Uint8Array;
  /** Last use, for LRU. */
  private readonly stamp: Float64Array;
  private clock = 0;
  /**
   * L1 only: the translation-cache entries (load, store, fetch tables) last filled for the line
   * in this way, or -1, so that the entries can be dropped when the line leaves the L1.
   */
  readonly tcR: Int32Array;
  readonly tcW: Int32Array;
  readonly tcX: Int32Array;

  constructor(bytes: number, assoc: number, lineBytes: number) {
    this.assoc = assoc;
    this.sets = bytes / (assoc * lineBytes);
    if (!Number.isInteger(this.sets) || this.sets < 1 || (this.sets & (this.sets - 1)) !== 0) {
      throw new RangeError(`cache of ${bytes} bytes, ${assoc} ways, ${lineBytes}-byte lines: sets must be a power of two`);
    }
    const n = this.sets * assoc;
    this.tags = new Int32Array(n).fill(-1);
    this.state = new Uint8Array(n);
    this.stamp = new Float64Array(n);
    this.tcR = new Int32Array(n).fill(-1);
    this.tcW = new Int32Array(n).fill(-1);
    this.tcX = new Int32Array(n).fill(-1);
  }

  /** Way index holding `line`, or -1. */
  find(line: number): number {
    const base = (line & (this.sets - 1)) * this.assoc;
    for (let w = 0; w < this.assoc; w++) if (this.tags[base + w] === line) return base + w;
    return -1;
  }

  touch(i: number): void {
    this.stamp[i] = ++this.clock;
  }

  /** The way to fill for `line`: an empty one, else the least recently used. */
  victim(line: number): number {
    const base = (line & (this.sets - 1)) * this.assoc;
    let best = base;
    for (let w = 0; w < this.assoc; w++) {
      const i = base + w;
      if (this.tags[i] === -1) return i;
      if (this.stamp[i] < this.stamp[best]) best = i;
    }
    return best;
  }

  clear(i: number): void {
    this.tags[i] = -1;
    this.state[i] = INVALID;
    this.tcR[i] = -1;
    this.tcW[i] = -1;
    this.tcX[i] = -1;
  }
}
