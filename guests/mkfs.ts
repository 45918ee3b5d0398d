// mkfs: build a disk image in the guest kernel's file system format (guests/kernel/fs.h) from
// host files and directories. The output depends only on the inputs (names, contents, order of
// the arguments, options): no timestamps, no host metadata, so images are reproducible.
//
// Format (all integers little-endian; one block = 4096 bytes = 8 virtio sectors):
//
//   block 0                 superblock
//   inodestart ..           inode table, 64-byte inodes, 64 per block; inode 0 unused, 1 = "/"
//   bmapstart ..            free bitmap, one bit per block of the image (1 = in use)
//   datastart .. size-1     data blocks (file contents, directories, indirect blocks)
//
//   superblock: magic "DSF1" (0x31465344), size (blocks), ninodes, inodestart, bmapstart, datastart
//   inode:      u16 type (0 free, 1 dir, 2 file, 3 device), u16 nlink, u16 major, u16 minor,
//               u32 size, u32 addrs[13]: 11 direct, 1 single-indirect, 1 double-indirect
//               (an indirect block holds 1024 block numbers; 0 = hole, reads as zeros)
//   directory:  32-byte entries: u32 inum (0 = free slot), name (up to 28 bytes, NUL padded)
//
// usage: node bin/run-ts.js guests/mkfs.ts -o IMAGE [--size 16M] [--inodes N] [--from IMAGE] SPEC...
//   SPEC is FILE (copied to /basename), DIR/ (its contents, recursively, into /),
//   or DEST=SRC (file or directory placed at the absolute path DEST). --from starts from the
//   tree of an existing image (e.g. a larger disk for experiment-size workloads:
//   mkfs -o big.img --size 256M --from guests/user/fs.img).

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const BSIZE = 4096;
export const FS_MAGIC = 0x31465344;
export const INODE_SIZE = 64;
export const IPB = BSIZE / INODE_SIZE;
export const NDIRECT = 11;
export const NINDIRECT = BSIZE / 4;
export const DIRENT_SIZE = 32;
export const DIRSIZ = 28;
export const ROOTINO = 1;
export const T_DIR = 1;
export const T_FILE = 2;
export const T_DEV = 3;
/** Largest file: direct + single-indirect + double-indirect blocks. */
export const MAXFILE_BLOCKS = NDIRECT + NINDIRECT + NINDIRECT * NINDIRECT;

/** A tree to put in the image: a directory maps names to subtrees, a file is its bytes. */
export type FsTree = Map<string, FsTree | Uint8Array>;

export interface MkfsOptions {
  /** Image size in bytes (a multiple of BSIZE). */
  sizeBytes: number;
  /** Number of inodes (default: one per 4 blocks, at least 64). */
  inodes?: number;
}

export class MkfsError extends Error {}

interface Layout { size: number; ninodes: number; inodestart: number; bmapstart: number; datastart: number }

function layout(opts: MkfsOptions): Layout {
  if (!Number.isInteger(opts.sizeBytes) || opts.sizeBytes % BSIZE !== 0 || opts.sizeBytes < 16 * BSIZE) {
    throw new MkfsError(`image size must be a multiple of ${BSIZE} bytes and at least ${16 * BSIZE}, got ${opts.sizeBytes}`);
  }
  const size = opts.sizeBytes / BSIZE;
  const ninodes = opts.inodes ?? Math.max(64, Math.floor(size / 4));
  const ninodeblocks = Math.ceil(ninodes / IPB);
  const nbitmap = Math.ceil(size / (BSIZE * 8));
  const inodestart = 1;
  const bmapstart = inodestart + ninodeblocks;
  const datastart = bmapstart + nbitmap;
  if (datastart >= size) throw new MkfsError(`image of ${size} blocks has no room for data`);
  return { size, ninodes, inodestart, bmapstart, datastart };
}

/** Build an image holding `tree` as the root directory. */
export function buildFs(tree: FsTree, opts: MkfsOptions): Uint8Array {
  const L = layout(opts);
  const img = new Uint8Array(L.size * BSIZE);
  const dv = new DataView(img.buffer);
  let nextBlock = L.datastart;
  let nextInode = ROOTINO;

  const allocBlock = (): number => {
    if (nextBlock >= L.size) throw new MkfsError(`image full: ${L.size} blocks are not enough (use a larger --size)`);
    return nextBlock++;
  };
  const allocInode = (): number => {
    if (nextInode >= L.ninodes) throw new MkfsError(`out of inodes: ${L.ninodes} are not enough (use --inodes)`);
    return nextInode++;
  };
  const inodeOff = (inum: number): number => (L.inodestart + Math.floor(inum / IPB)) * BSIZE + (inum % IPB) * INODE_SIZE;

  /** Write `data` as the contents of inode `inum` (type set by the caller). */
  const writeData = (inum: number, data: Uint8Array): void => {
    const nblocks = Math.ceil(data.length / BSIZE);
    if (nblocks > MAXFILE_BLOCKS) throw new MkfsError(`file of ${data.length} bytes exceeds the largest file`);
    const off = inodeOff(inum);
    dv.setUint32(off + 8, data.length, true);
    let ind = 0, dind = 0;
    const dindTables = new Map<number, number>();
    for (let b = 0; b < nblocks; b++) {
      const blk = allocBlock();
      img.set(data.subarray(b * BSIZE, Math.min(data.length, (b + 1) * BSIZE)), blk * BSIZE);
      if (b < NDIRECT) {
        dv.setUint32(off + 12 + 4 * b, blk, true);
      } else if (b < NDIRECT + NINDIRECT) {
        if (ind === 0) { ind = allocBlock(); dv.setUint32(off + 12 + 4 * NDIRECT, ind, true); }
        dv.setUint32(ind * BSIZE + 4 * (b - NDIRECT), blk, true);
      } else {
        const k = b - NDIRECT - NINDIRECT;
        if (dind === 0) { dind = allocBlock(); dv.setUint32(off + 12 + 4 * (NDIRECT + 1), dind, true); }
        const hi = Math.floor(k / NINDIRECT);
        let t = dindTables.get(hi);
        if (t === undefined) { t = allocBlock(); dindTables.set(hi, t); dv.setUint32(dind * BSIZE + 4 * hi, t, true); }
        dv.setUint32(t * BSIZE + 4 * (k % NINDIRECT), blk, true);
      }
    }
  };

  const setInode = (inum: number, type: number, nlink: number): void => {
    const off = inodeOff(inum);
    dv.setUint16(off, type, true);
    dv.setUint16(off + 2, nlink, true);
  };

  /** Lay out directory `dir` at inode `inum` with parent `parent`; children first, depth first. */
  const putDir = (dir: FsTree, inum: number, parent: number, path: string): void => {
    const names = [...dir.keys()].sort();
    const entries: Array<[string, number]> = [['.', inum], ['..', parent]];
    const subdirs: Array<[FsTree, number, string]> = [];
    let nsub = 0;
    for (const name of names) {
      checkName(name, path);
      const child = dir.get(name)!;
      const ci = allocInode();
      entries.push([name, ci]);
      if (child instanceof Map) {
        subdirs.push([child, ci, `${path}${name}/`]);
        nsub++;
      } else {
        setInode(ci, T_FILE, 1);
        writeData(ci, child);
      }
    }
    const data = new Uint8Array(entries.length * DIRENT_SIZE);
    const ddv = new DataView(data.buffer);
    entries.forEach(([name, ci], i) => {
      ddv.setUint32(i * DIRENT_SIZE, ci, true);
      for (let k = 0; k < name.length; k++) data[i * DIRENT_SIZE + 4 + k] = name.charCodeAt(k);
    });
    setInode(inum, T_DIR, 2 + nsub);
    writeData(inum, data);
    for (const [sub, ci, p] of subdirs) putDir(sub, ci, inum, p);
  };

  const root = allocInode();
  putDir(tree, root, root, '/');

  // superblock
  dv.setUint32(0, FS_MAGIC, true);
  dv.setUint32(4, L.size, true);
  dv.setUint32(8, L.ninodes, true);
  dv.setUint32(12, L.inodestart, true);
  dv.setUint32(16, L.bmapstart, true);
  dv.setUint32(20, L.datastart, true);
  // bitmap: metadata and every allocated data block are in use
  for (let b = 0; b < nextBlock; b++) img[L.bmapstart * BSIZE + (b >> 3)] |= 1 << (b & 7);
  return img;
}

function checkName(name: string, path: string): void {
  if (name.length === 0 || name.length > DIRSIZ || name === '.' || name === '..' || name.includes('/') ||
      !/^[\x21-\x7e]+$/.test(name)) {
    throw new MkfsError(`${path}${name}: names must be 1..${DIRSIZ} printable ASCII characters without '/'`);
  }
}

// --- Reading (for tests and for inspecting images) -----------------------------------------

export interface FsSuper { size: number; ninodes: number; inodestart: number; bmapstart: number; datastart: number }
export interface FsInode { type: number; nlink: number; size: number; addrs: number[] }

/** A read-only view of an image, with a consistency check. */
export class FsImage {
  readonly sb: FsSuper;
  private readonly dv: DataView;

  constructor(readonly img: Uint8Array) {
    this.dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
    if (img.length < BSIZE || this.dv.getUint32(0, true) !== FS_MAGIC) throw new MkfsError('not a file system image (bad magic)');
    const u = (o: number): number => this.dv.getUint32(o, true);
    this.sb = { size: u(4), ninodes: u(8), inodestart: u(12), bmapstart: u(16), datastart: u(20) };
  }

  inode(inum: number): FsInode {
    const off = (this.sb.inodestart + Math.floor(inum / IPB)) * BSIZE + (inum % IPB) * INODE_SIZE;
    const addrs: number[] = [];
    for (let i = 0; i < NDIRECT + 2; i++) addrs.push(this.dv.getUint32(off + 12 + 4 * i, true));
    return { type: this.dv.getUint16(off, true), nlink: this.dv.getUint16(off + 2, true), size: this.dv.getUint32(off + 8, true), addrs };
  }

  /** Block number holding file block `bn` of inode `ip` (0 = hole). */
  bmap(ip: FsInode, bn: number): number {
    if (bn < NDIRECT) return ip.addrs[bn];
    bn -= NDIRECT;
    const word = (blk: number, i: number): number => (blk === 0 ? 0 : this.dv.getUint32(blk * BSIZE + 4 * i, true));
    if (bn < NINDIRECT) return word(ip.addrs[NDIRECT], bn);
    bn -= NINDIRECT;
    return word(word(ip.addrs[NDIRECT + 1], Math.floor(bn / NINDIRECT)), bn % NINDIRECT);
  }

  read(inum: number): Uint8Array {
    const ip = this.inode(inum);
    const out = new Uint8Array(ip.size);
    for (let b = 0; b * BSIZE < ip.size; b++) {
      const blk = this.bmap(ip, b);
      if (blk !== 0) out.set(this.img.subarray(blk * BSIZE, blk * BSIZE + Math.min(BSIZE, ip.size - b * BSIZE)), b * BSIZE);
    }
    return out;
  }

  /** Directory entries of `inum`, in on-disk order. */
  dir(inum: number): Array<{ name: string; inum: number }> {
    const d = this.read(inum);
    const dv = new DataView(d.buffer);
    const out: Array<{ name: string; inum: number }> = [];
    for (let o = 0; o + DIRENT_SIZE <= d.length; o += DIRENT_SIZE) {
      const n = dv.getUint32(o, true);
      if (n === 0) continue;
      let name = '';
      for (let k = 0; k < DIRSIZ && d[o + 4 + k] !== 0; k++) name += String.fromCharCode(d[o + 4 + k]);
      out.push({ name, inum: n });
    }
    return out;
  }

  /** Inode number of an absolute path, or 0. */
  lookup(path: string): number {
    let inum = ROOTINO;
    for (const part of path.split('/').filter((p) => p !== '')) {
      const e = this.dir(inum).find((x) => x.name === part);
      if (e === undefined) return 0;
      inum = e.inum;
    }
    return inum;
  }

  /** The whole tree, as buildFs takes it. */
  tree(inum = ROOTINO): FsTree {
    const t: FsTree = new Map();
    for (const e of this.dir(inum)) {
      if (e.name === '.' || e.name === '..') continue;
      t.set(e.name, this.inode(e.inum).type === T_DIR ? this.tree(e.inum) : this.read(e.inum));
    }
    return t;
  }

  /**
   * Consistency problems, empty when the image is sound: every block reachable from an inode is
   * a data block marked in the bitmap and used once; every marked data block is reachable;
   * directory entries name allocated inodes; link counts match.
   */
  check(): string[] {
    const errs: string[] = [];
    const sb = this.sb;
    const used = new Map<number, string>();
    const refs = new Map<number, number>();
    const mark = (b: number, what: string): void => {
      if (b === 0) return;
      if (b < sb.datastart || b >= sb.size) errs.push(`${what}: block ${b} outside the data area`);
      else if (used.has(b)) errs.push(`${what}: block ${b} also used by ${used.get(b)}`);
      else used.set(b, what);
    };
    for (let i = 1; i < sb.ninodes; i++) {
      const ip = this.inode(i);
      if (ip.type === 0) continue;
      const what = `inode ${i}`;
      for (let k = 0; k < NDIRECT; k++) mark(ip.addrs[k], what);
      const ind = ip.addrs[NDIRECT];
      if (ind !== 0) { mark(ind, what); for (let k = 0; k < NINDIRECT; k++) mark(this.dv.getUint32(ind * BSIZE + 4 * k, true), what); }
      const dind = ip.addrs[NDIRECT + 1];
      if (dind !== 0) {
        mark(dind, what);
        for (let k = 0; k < NINDIRECT; k++) {
          const t = this.dv.getUint32(dind * BSIZE + 4 * k, true);
          if (t === 0) continue;
          mark(t, what);
          for (let j = 0; j < NINDIRECT; j++) mark(this.dv.getUint32(t * BSIZE + 4 * j, true), what);
        }
      }
      if (ip.type === T_DIR) {
        for (const e of this.dir(i)) {
          if (e.inum >= sb.ninodes || this.inode(e.inum).type === 0) errs.push(`${what}: entry ${e.name} names free inode ${e.inum}`);
          else if (e.name !== '.' && e.name !== '..') refs.set(e.inum, (refs.get(e.inum) ?? 0) + 1);
        }
      }
    }
    for (let b = 0; b < sb.size; b++) {
      const bit = (this.img[sb.bmapstart * BSIZE + (b >> 3)] >> (b & 7)) & 1;
      const inUse = b < sb.datastart || used.has(b);
      if (bit === 1 && !inUse) errs.push(`block ${b} marked in use but unreachable`);
      if (bit === 0 && inUse) errs.push(`block ${b} in use but free in the bitmap`);
    }
    for (let i = 2; i < sb.ninodes; i++) {
      const ip = this.inode(i);
      if (ip.type === T_FILE && ip.nlink !== (refs.get(i) ?? 0)) errs.push(`inode ${i}: nlink ${ip.nlink}, ${refs.get(i) ?? 0} entries`);
    }
    return errs;
  }
}

// --- Command line -----------------------------------------------------------------------------

/** Read a host file or directory into a tree node (directory entries sorted by name). */
export function readHost(path: string): FsTree | Uint8Array {
  const st = statSync(path);
  if (st.isDirectory()) {
    const t: FsTree = new Map();
    for (const name of readdirSync(path).sort()) t.set(name, readHost(join(path, name)));
    return t;
  }
  return new Uint8Array(readFileSync(path));
}

/** Insert `node` at absolute `dest` in `tree`, creating directories on the way. */
export function place(tree: FsTree, dest: string, node: FsTree | Uint8Array): void {
  const parts = dest.split('/').filter((p) => p !== '');
  if (parts.length === 0) {
    if (!(node instanceof Map)) throw new MkfsError('only a directory can be placed at /');
    for (const [k, v] of node) place(tree, '/' + k, v);
    return;
  }
  let dir = tree;
  for (const p of parts.slice(0, -1)) {
    let next = dir.get(p);
    if (next === undefined) { next = new Map(); dir.set(p, next); }
    if (!(next instanceof Map)) throw new MkfsError(`${dest}: ${p} is a file`);
    dir = next;
  }
  const last = parts[parts.length - 1];
  const old = dir.get(last);
  if (old instanceof Map && node instanceof Map) { for (const [k, v] of node) place(old, `${dest}/${k}`, v); return; }
  if (old !== undefined) throw new MkfsError(`${dest} given twice`);
  dir.set(last, node);
}

function parseSize(text: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(text);
  if (!m) throw new MkfsError(`bad size "${text}" (examples: 16M, 65536K)`);
  const mult = { '': 1, k: 1024, m: 1024 * 1024, g: 1024 * 1024 * 1024 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

export function main(argv: string[]): number {
  let out = '';
  let sizeBytes = 16 * 1024 * 1024;
  let inodes: number | undefined;
  let from = '';
  const specs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o') out = argv[++i] ?? '';
    else if (a === '--size') sizeBytes = parseSize(argv[++i] ?? '');
    else if (a === '--inodes') inodes = Number(argv[++i]);
    else if (a === '--from') from = argv[++i] ?? '';
    else if (a.startsWith('-')) throw new MkfsError(`unknown option ${a}`);
    else specs.push(a);
  }
  if (out === '') throw new MkfsError('usage: mkfs -o IMAGE [--size 16M] [--inodes N] [--from IMAGE] FILE | DIR/ | DEST=SRC ...');
  const tree: FsTree = from === '' ? new Map() : new FsImage(new Uint8Array(readFileSync(from))).tree();
  for (const s of specs) {
    const eq = s.indexOf('=');
    if (eq > 0) place(tree, s.slice(0, eq), readHost(s.slice(eq + 1)));
    else if (s.endsWith('/')) place(tree, '/', readHost(s));
    else place(tree, '/' + basename(s), readHost(s));
  }
  writeFileSync(out, buildFs(tree, { sizeBytes, inodes }));
  return 0;
}

if (process.argv[1] !== undefined && /mkfs\.ts$/.test(process.argv[1])) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`mkfs: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
