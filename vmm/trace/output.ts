// Buffered, synchronous output for traces. The machine runs synchronously, so an asynchronous
// stream would queue every event in memory until the run ends; instead text is copied straight
// into one 1 MiB buffer that is written with writeSync when full, so memory stays flat however
// long the run and no per-chunk strings or buffers are allocated.
//
// Contract: the text is ASCII (formats.ts escapes anything else), so one character is one byte.
// The bulk formats (CSV, JSON lines, Perfetto) skip strings altogether: after need(n) they append
// pre-encoded constants, digits and hex straight into the buffer (no garbage per event).

import { closeSync, openSync, writeSync } from 'node:fs';

const CHUNK = 1 << 20;

/** Sleep `ms` milliseconds without yielding to the event loop (waiting for a full pipe). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class TraceOutput {
  /** The reader went away (EPIPE, e.g. `| head`): callers should stop producing. */
  broken = false;
  /** Bytes written so far. */
  bytes = 0;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private len = 0;
  /** Longest line a format may write after one need() (its variable parts are bounded). */
  static readonly MAX_LINE = 4096;
  private readonly fd: number;
  private readonly owned: boolean;

  /** Output to a file (created or truncated), or to `fd` (default stdout) when `file` is null. */
  constructor(file: string | null, fd = 1) {
    this.owned = file !== null;
    this.fd = file !== null ? openSync(file, 'w') : fd;
  }

  /** Append ASCII text. */
  write(s: string): void {
    if (this.len + s.length > CHUNK) {
      this.flush();
      if (s.length > CHUNK) { this.writeBytes(Buffer.from(s, 'latin1')); return; }
    }
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** Make room for `n` more bytes (n <= MAX_LINE) before the direct appends below. */
  need(n: number): void {
    if (this.len + n > CHUNK) this.flush();
  }

  /** Append one byte (after need). */
  byte(c: number): void {
    this.buf[this.len++] = c;
  }

  /** Append pre-encoded bytes (after need). */
  put(b: Uint8Array): void {
    const buf = this.buf;
    let l = this.len;
    for (let i = 0; i < b.length; i++) buf[l++] = b[i];
    this.len = l;
  }

  /** Append a non-negative integer in decimal (after need). */
  uint(n: number): void {
    const buf = this.buf;
    if (n < 10) { buf[this.len++] = 48 + n; return; }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let l = this.len + digits;
    this.len = l;
    do {
      const q = Math.floor(n / 10);
      buf[--l] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Append "0x" and eight lower-case hex digits of a 32-bit value (after need). */
  hex8(v: number): void {
    const buf = this.buf;
    let l = this.len;
    buf[l++] = 48; // 0
    buf[l++] = 120; // x
    for (let sh = 28; sh >= 0; sh -= 4) {
      const d = (v >>> sh) & 15;
      buf[l++] = d < 10 ? 48 + d : 87 + d;
    }
    this.len = l;
  }

  flush(): void {
    if (this.len === 0) return;
    const n = this.len;
    this.len = 0;
    this.writeBytes(this.buf.subarray(0, n));
  }

  private writeBytes(data: Buffer): void {
    if (this.broken) return;
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') { pause(1); continue; } // non-blocking pipe is full: wait for the reader
        if (code === 'EPIPE') { this.broken = true; return; }
        throw e;
      }
    }
    this.bytes += data.length;
  }

  close(): void {
    this.flush();
    if (this.owned) closeSync(this.fd);
  }
}
