// guests/mkfs.ts: images round-trip (tree in, same tree out), are consistent, reproducible, and
// refuse what the format cannot hold.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  BSIZE, DIRSIZ, FS_MAGIC, FsImage, MkfsError, NDIRECT, NINDIRECT, ROOTINO, T_DIR, T_FILE, buildFs, type FsTree,
} from '../guests/mkfs.ts';

const MiB = 1024 * 1024;

/** path -> hex digest-ish summary (deep equality on multi-MiB arrays is slow in vitest). */
function flatten(t: FsTree, prefix = '/'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of t) {
    if (v instanceof Map) Object.assign(out, { [prefix + k + '/']: 'dir' }, flatten(v, prefix + k + '/'));
    else out[prefix + k] = createHash('sha256').update(v).digest('hex');
  }
  return out;
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
}

describe('mkfs', () => {
  it('round-trips a tree with small, indirect and double-indirect files', () => {
    const big = bytes((NDIRECT + NINDIRECT + 3) * BSIZE + 17, 3); // reaches the double-indirect block
    const tree: FsTree = new Map<string, FsTree | Uint8Array>([
      ['empty', new Uint8Array(0)],
      ['hello', new TextEncoder().encode('hello, disk\n')],
      ['mid', bytes(NDIRECT * BSIZE + 1, 2)],
      ['big', big],
      ['sub', new Map<string, FsTree | Uint8Array>([['a', bytes(10, 4)], ['deeper', new Map([['b', bytes(5000, 5)]])]])],
    ]);
    const img = buildFs(tree, { sizeBytes: 8 * MiB });
    expect(img.length).toBe(8 * MiB);
    const fs = new FsImage(img);
    expect(new DataView(img.buffer).getUint32(0, true)).toBe(FS_MAGIC);
    expect(fs.check()).toEqual([]);
    expect(flatten(fs.tree())).toEqual(flatten(tree));
    expect(fs.inode(ROOTINO).type).toBe(T_DIR);
    expect(fs.inode(ROOTINO).nlink).toBe(3); // ".", "..", and sub's ".."
    expect(fs.inode(fs.lookup('/sub/deeper/b')).type).toBe(T_FILE);
    expect(fs.dir(ROOTINO).map((e) => e.name)).toEqual(['.', '..', 'big', 'empty', 'hello', 'mid', 'sub']);
    const sub = fs.lookup('/sub');
    expect(fs.dir(fs.lookup('/sub/deeper')).find((e) => e.name === '..')?.inum).toBe(sub);
    expect(fs.lookup('/nope')).toBe(0);
  });

  it('is reproducible: the same tree gives the same bytes', () => {
    const tree = (): FsTree => new Map<string, FsTree | Uint8Array>([['x', bytes(100, 1)], ['d', new Map([['y', bytes(9000, 7)]])]]);
    const mk = (): Uint8Array => buildFs(tree(), { sizeBytes: MiB });
    expect(Buffer.from(mk()).equals(Buffer.from(mk()))).toBe(true);
  });

  it('refuses bad names, a full image and too few inodes', () => {
    expect(() => buildFs(new Map([['a'.repeat(DIRSIZ + 1), new Uint8Array(1)]]), { sizeBytes: MiB })).toThrow(MkfsError);
    expect(() => buildFs(new Map([['..', new Uint8Array(1)]]), { sizeBytes: MiB })).toThrow(MkfsError);
    expect(() => buildFs(new Map([['f', new Uint8Array(2 * MiB)]]), { sizeBytes: MiB })).toThrow(/image full/);
    const many: FsTree = new Map();
    for (let i = 0; i < 10; i++) many.set(`f${i}`, new Uint8Array(1));
    expect(() => buildFs(many, { sizeBytes: MiB, inodes: 8 })).toThrow(/out of inodes/);
    expect(() => buildFs(new Map(), { sizeBytes: 1000 })).toThrow(MkfsError);
  });

  it('the check finds a corrupted bitmap', () => {
    const img = buildFs(new Map([['x', bytes(100, 1)]]), { sizeBytes: MiB });
    const fs = new FsImage(img);
    img[fs.sb.bmapstart * BSIZE + (fs.sb.datastart >> 3)] &= ~(1 << (fs.sb.datastart & 7));
    expect(fs.check().length).toBeGreaterThan(0);
  });

  it('command line: FILE, DIR/ and DEST=SRC specs, --from an existing image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkfs-'));
    try {
      mkdirSync(join(dir, 'tree/etc'), { recursive: true });
      writeFileSync(join(dir, 'tree/etc/motd'), 'hi\n');
      writeFileSync(join(dir, 'prog'), 'ELF?');
      const out = join(dir, 'fs.img');
      const root = resolve(import.meta.dirname, '..');
      const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/run-ts.js'), join(root, 'guests/mkfs.ts'), ...args], { encoding: 'utf8' });
      const p = run('-o', out, '--size', '1M', join(dir, 'prog'), join(dir, 'tree') + '/', `/bin/p2=${join(dir, 'prog')}`);
      expect(p.stderr).toBe('');
      expect(p.status).toBe(0);
      const fs = new FsImage(new Uint8Array(readFileSync(out)));
      expect(fs.check()).toEqual([]);
      expect(new TextDecoder().decode(fs.read(fs.lookup('/etc/motd')))).toBe('hi\n');
      expect(new TextDecoder().decode(fs.read(fs.lookup('/prog')))).toBe('ELF?');
      expect(new TextDecoder().decode(fs.read(fs.lookup('/bin/p2')))).toBe('ELF?');
      const bigger = join(dir, 'big.img');
      const q = run('-o', bigger, '--size', '2M', '--from', out, `/extra=${join(dir, 'prog')}`);
      expect(q.status).toBe(0);
      const fs2 = new FsImage(new Uint8Array(readFileSync(bigger)));
      expect(fs2.sb.size).toBe(512);
      expect(fs2.check()).toEqual([]);
      expect(new TextDecoder().decode(fs2.read(fs2.lookup('/etc/motd')))).toBe('hi\n');
      expect(fs2.lookup('/extra')).not.toBe(0);
      const bad = run('-o', out, '--size', 'huge', join(dir, 'prog'));
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/^mkfs: bad size/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
