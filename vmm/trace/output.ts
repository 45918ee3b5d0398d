// Buffered, synchronous output for traces. The machine runs synchronously, so an asynchronous
// stream would queue every event in memory until the run ends; instead text is gathered into
// chunks of about 256 KiB and written with writeSync, so memory stays flat however long the run.

import { closeSync, openSync, writeSync } from 'node:fs';

const CHUNK = 1 << 18;

/** Sleep `ms` milliseconds without yielding to the event loop (waiting for a full pipe). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class TraceOutput {
  /** The reader went away (EPIPE, e.g. `| head`): callers should stop producing. */
  broken = false;
  /** Bytes written so far. */
  bytes = 0;
  private buf = '';
  private readonly fd: number;
  private readonly owned: boolean;

  /** Output to a file (created or truncated), or to `fd` (default stdout) when `file` is null. */
  constructor(file: string | null, fd = 1) {
    this.owned = file !== null;
    this.fd = file !== null ? openSync(file, 'w') : fd;
  }

  write(s: string): void {
    this.buf += s;
    if (this.buf.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    const data = Buffer.from(this.buf, 'utf8');
    this.buf = '';
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
