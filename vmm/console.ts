// Guest console output on the host: bytes are buffered and written to a stream in chunks, so a
// chatty guest costs one write per chunk rather than one per byte.

export class ConsoleSink {
  private buf: Uint8Array;
  private len = 0;

  constructor(private readonly stream: NodeJS.WritableStream, private readonly size = 1 << 16) {
    this.buf = new Uint8Array(size);
  }

  /** Take one guest byte (a UART transmit). */
  put = (byte: number): void => {
    this.buf[this.len++] = byte;
    if (this.len === this.size) this.flush();
  };

  /** Write out what is buffered. */
  flush(): void {
    if (this.len === 0) return;
    this.stream.write(Buffer.from(this.buf.subarray(0, this.len)));
    this.buf = new Uint8Array(this.size); // the stream may still hold the old buffer
    this.len = 0;
  }
}
