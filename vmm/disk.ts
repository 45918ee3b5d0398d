// Virtual disks (Disco section 4.2.5): a disk image is a file; what a VM writes goes either to
// its own copy-on-write overlay (non-persistent, the default: the base image is never written,
// so any number of VMs share one base) or through to the file (persistent: one VM at a time,
// guarded by a lock file so that a second VM, in this process or another, is refused).
//
// Blocks are 4 KiB (the guest kernel's BSIZE and the machine page size), so that a block read
// by a VM can be a machine page of the monitor's buffer cache mapped into the VM (bufcache.ts,
// share.ts). Disk.shareKey names the content a block has for every VM that reads it: a block
// of the base image that this VM never wrote; null for blocks only this VM can see.
//
// Overlay file format (`--disk-overlay FILE`, optional; docs/disks.md):
//   header (64 bytes): "DISCOCOW" | u32 version (1) | u32 block bytes (4096) | u32 base bytes
//                      low, high | 32 bytes SHA-256 of the base image | 8 bytes zero
//   records, appended: u32 block | u32 FNV-1a of (block, data) | 4096 bytes of data
// The last record of a block wins. Anything else is refused with a one-line error.

import {
  closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

export const SECTOR_BYTES = 512;
export const BLOCK_BYTES = 4096;

/** A disk image or overlay that cannot be used; the message is one line naming the file. */
export class DiskError extends Error {}

/** What the devices and monitor calls see of a VM's disk. */
export interface BlockStore {
  /** Bytes (a whole number of sectors). */
  readonly length: number;
  /** A copy of [pos, pos + len) (the caller checked the bounds). */
  read(pos: number, len: number): Uint8Array;
  write(pos: number, data: Uint8Array): void;
  /** Make every write so far durable (persistent disks and overlay files: fsync). */
  flush(): void;
}

let nextImageId = 0;

/** A base image file, read once and shared (read-only) by every VM that boots from it. */
export class BaseImage {
  readonly id = nextImageId++;
  private digestHex: string | null = null;

  private constructor(readonly path: string, readonly bytes: Uint8Array) {}

  /** Read and check an image file: it must exist and be a non-empty whole number of sectors. */
  static open(path: string): BaseImage {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      throw new DiskError(`disk ${path}: ${errnoText(e)}`);
    }
    checkImageSize(path, bytes.length);
    return new BaseImage(path, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  /** An image held in memory (tests, generated disks). */
  static fromBytes(name: string, bytes: Uint8Array): BaseImage {
    checkImageSize(name, bytes.length);
    return new BaseImage(name, bytes);
  }

  /** SHA-256 of the contents (ties an overlay file to its base). */
  digest(): string {
    this.digestHex ??= createHash('sha256').update(this.bytes).digest('hex');
    return this.digestHex;
  }
}

function checkImageSize(path: string, n: number): void {
  if (n === 0) throw new DiskError(`disk ${path}: the image is empty`);
  if (n % SECTOR_BYTES !== 0) throw new DiskError(`disk ${path}: the image is truncated or not a disk image (${n} bytes is not a whole number of ${SECTOR_BYTES}-byte sectors)`);
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a disk image';
  return `cannot read (${code ?? String(e)})`;
}

/** FNV-1a over the block number and the data: the overlay record checksum. */
function recordSum(block: number, data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < 4; k++) h = Math.imul(h ^ ((block >>> (8 * k)) & 0xff), 0x01000193);
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return h >>> 0;
}

const OVERLAY_MAGIC = 'DISCOCOW';
const OVERLAY_HEADER = 64;
const RECORD_BYTES = 8 + BLOCK_BYTES;

/** Common part: bounds, and the per-block bookkeeping the buffer cache uses. */
export abstract class VmDisk implements BlockStore {
  abstract readonly length: number;
  abstract read(pos: number, len: number): Uint8Array;
  abstract write(pos: number, data: Uint8Array): void;
  abstract flush(): void;
  /** Give up the file (lock, descriptors). Idempotent. */
  abstract close(): void;
  /** Key of block `b`'s content in the global buffer cache, or null if only this VM sees it. */
  abstract shareKey(block: number): string | null;
  /** Blocks of BLOCK_BYTES (a last partial block is not counted). */
  get blocks(): number {
    return Math.floor(this.length / BLOCK_BYTES);
  }
  /** Bytes written by the VM and flushes (statistics). */
  bytesWritten = 0;
  flushes = 0;
}

/**
 * Non-persistent disk: reads come from the VM's overlay where it wrote, else from the shared
 * base; writes go to the overlay (in memory, and appended to the overlay file if there is one).
 */
export class OverlayDisk extends VmDisk {
  readonly length: number;
  private readonly blocksWritten = new Map<number, Uint8Array>();
  private fd: number | null = null;

  constructor(readonly base: BaseImage, readonly overlayPath: string | null = null) {
    super();
    this.length = base.bytes.length;
    if (overlayPath !== null) this.openOverlay(overlayPath);
  }

  /** Blocks this VM has written (its private blocks). */
  get privateBlocks(): number {
    return this.blocksWritten.size;
  }

  private openOverlay(path: string): void {
    const header = new Uint8Array(OVERLAY_HEADER);
    header.set(new TextEncoder().encode(OVERLAY_MAGIC));
    const hv = new DataView(header.buffer);
    hv.setUint32(8, 1, true);
    hv.setUint32(12, BLOCK_BYTES, true);
    hv.setUint32(16, this.length % 0x100000000, true);
    hv.setUint32(20, Math.floor(this.length / 0x100000000), true);
    header.set(Buffer.from(this.base.digest(), 'hex'), 24);
    if (!existsSync(path)) {
      writeFileSync(path, header);
    } else {
      let bytes: Uint8Array;
      try { bytes = readFileSync(path); } catch (e) { throw new DiskError(`overlay ${path}: ${errnoText(e)}`); }
      if (bytes.length < OVERLAY_HEADER || new TextDecoder().decode(bytes.subarray(0, 8)) !== OVERLAY_MAGIC) {
        throw new DiskError(`overlay ${path}: not a disco overlay file (bad magic or shorter than its ${OVERLAY_HEADER}-byte header)`);
      }
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      if (v.getUint32(8, true) !== 1 || v.getUint32(12, true) !== BLOCK_BYTES) throw new DiskError(`overlay ${path}: unsupported version or block size`);
      if (Buffer.compare(Buffer.from(bytes.subarray(16, 56)), Buffer.from(header.subarray(16, 56))) !== 0) {
        throw new DiskError(`overlay ${path}: made for another base image than ${this.base.path}`);
      }
      const body = bytes.length - OVERLAY_HEADER;
      if (body % RECORD_BYTES !== 0) {
        throw new DiskError(`overlay ${path}: truncated (${body % RECORD_BYTES} bytes after the last whole record)`);
      }
      for (let at = OVERLAY_HEADER; at < bytes.length; at += RECORD_BYTES) {
        const block = v.getUint32(at, true), sum = v.getUint32(at + 4, true);
        const data = bytes.slice(at + 8, at + RECORD_BYTES);
        if (block >= Math.ceil(this.length / BLOCK_BYTES)) throw new DiskError(`overlay ${path}: record at byte ${at} names block ${block}, past the end of the disk`);
        if (recordSum(block, data) !== sum) throw new DiskError(`overlay ${path}: corrupt record at byte ${at} (checksum mismatch)`);
        this.blocksWritten.set(block, data);
      }
    }
    try {
      this.fd = openSync(path, 'a');
    } catch (e) {
      throw new DiskError(`overlay ${path}: cannot open for writing (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
  }

  read(pos: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = pos + done, b = Math.floor(at / BLOCK_BYTES), off = at % BLOCK_BYTES;
      const n = Math.min(len - done, BLOCK_BYTES - off);
      const mine = this.blocksWritten.get(b);
      if (mine !== undefined) out.set(mine.subarray(off, off + n), done);
      else out.set(this.base.bytes.subarray(at, at + n), done);
      done += n;
    }
    return out;
  }

  write(pos: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const at = pos + done, b = Math.floor(at / BLOCK_BYTES), off = at % BLOCK_BYTES;
      const n = Math.min(data.length - done, BLOCK_BYTES - off);
      let mine = this.blocksWritten.get(b);
      if (mine === undefined) {
        // First write to this block: the private copy starts as the base's block.
        mine = new Uint8Array(BLOCK_BYTES);
        const from = b * BLOCK_BYTES;
        mine.set(this.base.bytes.subarray(from, Math.min(from + BLOCK_BYTES, this.length)));
        this.blocksWritten.set(b, mine);
      }
      mine.set(data.subarray(done, done + n), off);
      if (this.fd !== null) {
        const rec = new Uint8Array(RECORD_BYTES);
        const v = new DataView(rec.buffer);
        v.setUint32(0, b, true);
        v.setUint32(4, recordSum(b, mine), true);
        rec.set(mine, 8);
        writeSync(this.fd, rec);
      }
      done += n;
    }
    this.bytesWritten += data.length;
  }

  flush(): void {
    this.flushes++;
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }

  shareKey(block: number): string | null {
    return this.blocksWritten.has(block) ? null : `base${this.base.id}:${block}`;
  }
}

/** Persistent disks open in this process (the lock file covers other processes). */
const openPersistent = new Set<string>();

/**
 * Persistent disk: the VM's writes reach the file (write(2) at once, fsync on flush). One VM
 * at a time: `FILE.lock` holds the owner's pid; a lock left by a process that no longer
 * exists (killed) is taken over.
 */
export class PersistentDisk extends VmDisk {
  readonly length: number;
  readonly lockPath: string;
  private fd: number | null;
  private readonly bytes: Uint8Array;
  private readonly id = nextImageId++;
  /** Bumped on every write of a block, so that a stale cached copy is never found again. */
  private readonly generation = new Map<number, number>();

  constructor(readonly path: string) {
    super();
    const full = resolve(path);
    this.lockPath = `${full}.lock`;
    if (openPersistent.has(full)) throw new DiskError(`disk ${path}: persistent disk already in use by another VM (a persistent disk takes one VM at a time)`);
    takeLock(path, this.lockPath);
    openPersistent.add(full);
    try {
      this.fd = openSync(path, 'r+');
      const size = fstatSync(this.fd).size;
      checkImageSize(path, size);
      this.bytes = new Uint8Array(size);
      let got = 0;
      while (got < size) {
        const n = readSync(this.fd, this.bytes, got, size - got, got);
        if (n <= 0) throw new DiskError(`disk ${path}: short read at byte ${got}`);
        got += n;
      }
    } catch (e) {
      openPersistent.delete(full);
      try { unlinkSync(this.lockPath); } catch { /* already gone */ }
      if (e instanceof DiskError) throw e;
      throw new DiskError(`disk ${path}: ${errnoText(e)}`);
    }
    this.length = this.bytes.length;
  }

  read(pos: number, len: number): Uint8Array {
    return this.bytes.slice(pos, pos + len);
  }

  write(pos: number, data: Uint8Array): void {
    if (this.fd === null) throw new DiskError(`disk ${this.path}: closed`);
    this.bytes.set(data, pos);
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, pos + done);
    for (let b = Math.floor(pos / BLOCK_BYTES); b * BLOCK_BYTES < pos + data.length; b++) this.generation.set(b, (this.generation.get(b) ?? 0) + 1);
    this.bytesWritten += data.length;
  }

  flush(): void {
    this.flushes++;
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    openPersistent.delete(resolve(this.path));
    try { unlinkSync(this.lockPath); } catch { /* already gone */ }
  }

  shareKey(block: number): string | null {
    return `disk${this.id}:${block}:${this.generation.get(block) ?? 0}`;
  }
}

/** Create the lock file, or explain who holds it. */
function takeLock(path: string, lock: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new DiskError(`disk ${path}: cannot create the lock file ${lock} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    let pid = NaN;
    try { pid = Number.parseInt(readFileSync(lock, 'utf8'), 10); } catch { /* vanished: retry */ }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new DiskError(`disk ${path}: persistent disk in use by process ${pid} (lock file ${lock})`);
    }
    // A stale lock (its process is gone): take it over.
    try { unlinkSync(lock); } catch { /* raced: retry */ }
  }
  throw new DiskError(`disk ${path}: cannot take the lock file ${lock}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
