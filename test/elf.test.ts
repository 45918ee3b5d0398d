// ELF loader: every validation message, loading, symbols, boot arguments, and cross-checks
// against the mipsel toolchain and QEMU (skipped with a visible line when they are missing).

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bus } from '../cpu/bus.ts';
import {
  BOOT_ARGS_END, BOOT_ARGS_PADDR, LoadError, PF_R, PF_W, PF_X, SymbolTable, buildElf, loadElf, parseElf,
  writeBootArgs, type BuildSegment, type ElfSymbol,
} from '../cpu/elf.ts';

const MiB = 0x100000;

/** Little-endian instruction words as bytes. */
function words(...ws: number[]): Uint8Array {
  const b = new Uint8Array(ws.length * 4);
  const dv = new DataView(b.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return b;
}

const TEXT = words(0x3c08b800, 0x350803f8, 0x2409004f, 0xa1090000, 0x1000ffff, 0x00000000);

/** A valid image: text at kseg0 0x80100000, data+bss at 0x80200000, with symbols. */
function sample(): Uint8Array {
  return buildElf(
    [
      { vaddr: 0x80100000, data: TEXT, flags: PF_R | PF_X },
      { vaddr: 0x80200000, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), memsz: 0x20, flags: PF_R | PF_W },
    ],
    0x80100000,
    {
      symbols: [
        { name: '_start', value: 0x80100000, size: 0x10, type: 'func' },
        { name: 'loop', value: 0x80100010, size: 0, type: 'notype' },
        { name: 'data', value: 0x80200000, size: 8, type: 'object' },
      ],
    },
  );
}

/** Mutate a copy of `bytes` through a DataView. */
function patch(bytes: Uint8Array, f: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  f(new DataView(b.buffer), b);
  return b;
}

const PH = 52; // first program header
const phField = (i: number, o: number): number => PH + i * 32 + o;

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LoadError);
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('expected a LoadError');
}

describe('parseElf accepts and describes a valid image', () => {
  it('reads header, segments and symbols', () => {
    const img = parseElf(sample(), 'sample.elf');
    expect(img.name).toBe('sample.elf');
    expect(img.entry).toBe(0x80100000);
    expect(img.segments.map((s) => [s.index, s.vaddr, s.loadAddr, s.filesz, s.memsz])).toEqual([
      [0, 0x80100000, 0x00100000, TEXT.length, TEXT.length],
      [1, 0x80200000, 0x00200000, 8, 0x20],
    ]);
    expect(img.symbols.list.map((s) => s.name)).toEqual(['_start', 'loop', 'data']);
    expect(img.symbols.byName('data')).toEqual({ name: 'data', value: 0x80200000, size: 8, type: 'object' });
  });
});

describe('parseElf error messages', () => {
  const base = sample();
  const cases: Array<[string, Uint8Array, string]> = [
    ['empty', new Uint8Array(0), 'file is empty, not an ELF image'],
    ['bad magic', new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'not an ELF file'],
    ['short prefix of the magic', Uint8Array.from([0x7f, 0x45]), 'truncated ELF header: file is 2 bytes, the header needs 52'],
    ['truncated ident', base.slice(0, 10), 'truncated ELF header: file is 10 bytes, the header needs 52'],
    ['64-bit', patch(base, (_, b) => { b[4] = 2; }), '64-bit ELF; disco runs 32-bit MIPS images'],
    ['class 0', patch(base, (_, b) => { b[4] = 0; }), 'unknown ELF class 0 (expected 1, ELFCLASS32)'],
    ['big-endian', patch(base, (_, b) => { b[5] = 2; }), 'big-endian ELF; disco is little-endian (mipsel)'],
    ['data 3', patch(base, (_, b) => { b[5] = 3; }), 'unknown ELF data encoding 3 (expected 1, little-endian)'],
    ['version', patch(base, (_, b) => { b[6] = 0; }), 'unsupported ELF version 0'],
    ['truncated header', base.slice(0, 40), 'truncated ELF header: file is 40 bytes, the header needs 52'],
    ['x86-64', patch(base, (dv) => dv.setUint16(18, 62, true)), 'ELF for x86-64 (e_machine 62); disco runs MIPS (e_machine 8)'],
    ['unknown machine', patch(base, (dv) => dv.setUint16(18, 999, true)), 'ELF for another architecture (e_machine 999); disco runs MIPS (e_machine 8)'],
    ['ET_REL', patch(base, (dv) => dv.setUint16(16, 1, true)), 'relocatable object (ET_REL), not an executable; link it first'],
    ['ET_DYN', patch(base, (dv) => dv.setUint16(16, 3, true)), 'shared object or PIE (ET_DYN); disco needs a static executable linked at fixed addresses (-static -no-pie)'],
    ['ET_CORE', patch(base, (dv) => dv.setUint16(16, 4, true)), 'core dump (ET_CORE), not an executable'],
    ['e_type 9', patch(base, (dv) => dv.setUint16(16, 9, true)), 'e_type 9 is not an executable (expected ET_EXEC)'],
    ['MIPS32r6', patch(base, (dv) => dv.setUint32(36, 0x90001000, true)), 'MIPS32r6 ELF (e_flags 0x90001000); disco runs MIPS32r2 code'],
    ['MIPS64', patch(base, (dv) => dv.setUint32(36, 0x60000000, true)), 'MIPS64 ELF (e_flags 0x60000000); disco runs MIPS32r2 code'],
    ['microMIPS', patch(base, (dv) => dv.setUint32(36, 0x72001000, true)), 'microMIPS ELF; disco runs only the standard 32-bit MIPS encoding'],
    ['MIPS16', patch(base, (dv) => dv.setUint32(36, 0x74001000, true)), 'ELF contains MIPS16 code; disco runs only the standard 32-bit MIPS encoding'],
    ['n32', patch(base, (dv) => dv.setUint32(36, 0x70000020, true)), 'n32 ABI ELF; disco runs o32 (32-bit) images'],
    ['no program headers', patch(base, (dv) => dv.setUint16(44, 0, true)), 'no program headers; not a loadable image'],
    ['PN_XNUM', patch(base, (dv) => dv.setUint16(44, 0xffff, true)), 'too many program headers (PN_XNUM)'],
    ['phentsize', patch(base, (dv) => dv.setUint16(42, 56, true)), 'bad program header entry size 56 (expected 32)'],
    ['phoff 0', patch(base, (dv) => dv.setUint32(28, 0, true)), 'program header table at offset 0x0 overlaps the ELF header'],
    ['phdrs past end', patch(base, (dv) => dv.setUint32(28, base.length - 40, true)),
      `truncated file: program header table 0x${(base.length - 40).toString(16)}-0x${(base.length + 24).toString(16)} (2 entries) ends past the end of the file (${base.length} bytes)`],
    ['PT_INTERP', patch(base, (dv) => dv.setUint32(phField(1, 0), 3, true)), 'dynamically linked (has PT_INTERP); disco needs a static executable'],
    ['segment outside file', patch(base, (dv) => dv.setUint32(phField(1, 4), base.length - 4, true)),
      `segment 1: file range 0x${(base.length - 4).toString(16)}-0x${(base.length + 4).toString(16)} lies outside the file (${base.length} bytes; truncated?)`],
    ['filesz > memsz', patch(base, (dv) => dv.setUint32(phField(1, 20), 4, true)), 'segment 1: p_filesz 0x8 exceeds p_memsz 0x4'],
    ['absurd memsz', patch(base, (dv) => dv.setUint32(phField(1, 20), 0x40000000, true)), 'segment 1: p_memsz 0x40000000 is larger than the largest RAM (256 MiB)'],
    ['wraps', patch(base, (dv) => { dv.setUint32(phField(1, 8), 0xfffffff0, true); dv.setUint32(phField(1, 12), 0x00200000, true); }),
      'segment 1 at virtual 0xfffffff0 (size 0x20) wraps past the top of the address space'],
    ['paddr in kseg2', patch(base, (dv) => dv.setUint32(phField(1, 12), 0xc0000000, true)),
      'segment 1: load address 0xc0000000 is in mapped kseg2/kseg3; give it a physical or kseg0/kseg1 load address (AT() in the linker script)'],
    ['past kseg1 end', patch(base, (dv) => dv.setUint32(phField(1, 12), 0xbffffff0, true)),
      'segment 1 at 0xbffffff0 (size 0x20) runs past the end of the 512 MiB kseg0/kseg1 window'],
    ['overlap', patch(base, (dv) => dv.setUint32(phField(1, 12), 0xa0100010, true)),
      'segments 0 and 1 overlap in physical memory (0x00100000-0x00100018 and 0x00100010-0x00100030)'],
    ['no PT_LOAD', patch(base, (dv) => { dv.setUint32(phField(0, 0), 4, true); dv.setUint32(phField(1, 0), 4, true); }), 'no loadable (PT_LOAD) segments'],
    ['only empty PT_LOAD', patch(base, (dv) => { dv.setUint32(phField(0, 0), 4, true); dv.setUint32(phField(1, 16), 0, true); dv.setUint32(phField(1, 20), 0, true); }),
      'no loadable (PT_LOAD) segments'],
    ['odd entry', patch(base, (dv) => dv.setUint32(24, 0x80100001, true)), 'entry point 0x80100001 is a MIPS16/microMIPS address (odd); disco runs only MIPS32 code'],
    ['unaligned entry', patch(base, (dv) => dv.setUint32(24, 0x80100002, true)), 'entry point 0x80100002 is not word-aligned'],
    ['entry outside', patch(base, (dv) => dv.setUint32(24, 0x80300000, true)), 'entry point 0x80300000 is outside every loadable segment'],
    ['shentsize', patch(base, (dv) => dv.setUint16(46, 64, true)), 'bad section header entry size 64 (expected 40)'],
    ['shoff past end', patch(base, (dv) => dv.setUint32(32, base.length, true)),
      `truncated file: section header table at 0x${base.length.toString(16)} lies past the end of the file (${base.length} bytes)`],
    ['truncated sections', base.slice(0, base.length - 1),
      'truncated file: section header table'],
  ];
  for (const [what, bytes, msg] of cases) {
    it(what, () => {
      const m = errorOf(() => parseElf(bytes));
      if (what === 'truncated sections') expect(m.startsWith(msg)).toBe(true);
      else expect(m).toBe(msg);
    });
  }

  it('prefixes the file name', () => {
    expect(errorOf(() => parseElf(new Uint8Array(64), 'kernel.bin'))).toBe('kernel.bin: not an ELF file');
  });

  // Symbol-table faults: locate .symtab through the section headers buildElf wrote.
  function symtabIndex(b: Uint8Array): { dv: DataView; shoff: number; sym: number } {
    const dv = new DataView(b.buffer, b.byteOffset);
    const shoff = dv.getUint32(32, true);
    const n = dv.getUint16(48, true);
    for (let i = 0; i < n; i++) if (dv.getUint32(shoff + i * 40 + 4, true) === 2) return { dv, shoff, sym: i };
    throw new Error('no symtab');
  }
  it('symbol table outside the file', () => {
    const b = patch(base, () => {});
    const { dv, shoff, sym } = symtabIndex(b);
    dv.setUint32(shoff + sym * 40 + 20, 0x100000, true);
    expect(errorOf(() => parseElf(b))).toMatch(new RegExp(`^symbol table \\(section ${sym}\\) 0x[0-9a-f]+-0x[0-9a-f]+ lies outside the file \\(${b.length} bytes\\)$`));
  });
  it('symbol table entry size', () => {
    const b = patch(base, () => {});
    const { dv, shoff, sym } = symtabIndex(b);
    dv.setUint32(shoff + sym * 40 + 36, 12, true);
    expect(errorOf(() => parseElf(b))).toBe(`symbol table (section ${sym}) has entry size 12 (expected 16)`);
  });
  it('symbol table linked to a non-string table', () => {
    const b = patch(base, () => {});
    const { dv, shoff, sym } = symtabIndex(b);
    dv.setUint32(shoff + sym * 40 + 24, 1, true);
    expect(errorOf(() => parseElf(b))).toBe(`symbol table (section ${sym}) links to section 1, which is not a string table`);
  });
  it('string table outside the file', () => {
    const b = patch(base, () => {});
    const { dv, shoff, sym } = symtabIndex(b);
    dv.setUint32(shoff + (sym + 1) * 40 + 16, b.length, true);
    expect(errorOf(() => parseElf(b))).toMatch(new RegExp(`^string table \\(section ${sym + 1}\\) 0x[0-9a-f]+-0x[0-9a-f]+ lies outside the file \\(${b.length} bytes\\)$`));
  });
  it('symbol name without its NUL', () => {
    const b = patch(base, () => {});
    const { dv, shoff, sym } = symtabIndex(b);
    const strEnd = dv.getUint32(shoff + (sym + 1) * 40 + 16, true) + dv.getUint32(shoff + (sym + 1) * 40 + 20, true);
    b[strEnd - 1] = 0x78;
    expect(errorOf(() => parseElf(b))).toBe('symbol 3: name is not NUL-terminated inside the string table');
  });
  it('symbol name outside the string table', () => {
    const b = patch(base, () => {});
    const { dv, shoff, sym } = symtabIndex(b);
    const off = dv.getUint32(shoff + sym * 40 + 16, true);
    dv.setUint32(off + 16, 0x7777, true); // symbol 1's st_name
    expect(errorOf(() => parseElf(b))).toMatch(/^symbol 1: name offset 0x7777 is outside the string table \(\d+ bytes\)$/);
  });
});

describe('loadElf', () => {
  it('copies segments to physical RAM and zero-fills bss', () => {
    const bus = new Bus(4 * MiB);
    bus.ram8.fill(0xaa);
    const r = loadElf(parseElf(sample()), bus);
    expect(r.entry).toBe(0x80100000);
    expect(r.loaded).toEqual([{ paddr: 0x100000, memsz: TEXT.length }, { paddr: 0x200000, memsz: 0x20 }]);
    expect(Array.from(bus.ram8.subarray(0x100000, 0x100000 + TEXT.length))).toEqual(Array.from(TEXT));
    expect(bus.ram8[0x100000 + TEXT.length]).toBe(0xaa); // nothing written past memsz
    expect(Array.from(bus.ram8.subarray(0x200000, 0x200008))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(bus.ram8.subarray(0x200008, 0x200020).every((x) => x === 0)).toBe(true);
    expect(bus.ram8[0x200020]).toBe(0xaa);
  });

  it('uses p_paddr: kseg1 folds, kuseg is physical; entry stays virtual', () => {
    const bus = new Bus(4 * MiB);
    const img = parseElf(buildElf([
      { vaddr: 0x00001000, paddr: 0xa0300000, data: words(0x11111111) },
      { vaddr: 0x80000000, paddr: 0x00010000, data: words(0x22222222) },
    ], 0x00001000));
    const r = loadElf(img, bus);
    expect(r.entry).toBe(0x1000);
    expect(bus.ram32[0x300000 >> 2] >>> 0).toBe(0x11111111);
    expect(bus.ram32[0x10000 >> 2] >>> 0).toBe(0x22222222);
  });

  it('refuses a segment outside RAM, naming it', () => {
    const bus = new Bus(64 * MiB);
    const img = parseElf(buildElf([
      { vaddr: 0x80100000, data: TEXT },
      { vaddr: 0x80200000, data: words(1) },
      { vaddr: 0x84000000, data: new Uint8Array(0), memsz: 0x10000 },
    ], 0x80100000));
    expect(errorOf(() => loadElf(img, bus))).toBe('segment 2 at 0x04000000-0x04010000 lies outside RAM (64 MiB) and the boot ROM');
    const named = parseElf(buildElf([{ vaddr: 0x80000000, data: new Uint8Array(16), memsz: 0x400001 }], 0x80000000), 'big.elf');
    expect(errorOf(() => loadElf(named, new Bus(4 * MiB)))).toBe('big.elf: segment 0 at 0x00000000-0x00400001 lies outside RAM (4 MiB) and the boot ROM');
  });
});

describe('symbols', () => {
  const img = parseElf(sample());
  it('symbolizes inside sized functions and after labels', () => {
    expect(img.symbols.symbolize(0x80100000)).toBe('_start');
    expect(img.symbols.symbolize(0x8010000c)).toBe('_start+0xc');
    expect(img.symbols.symbolize(0x80100014)).toBe('loop+0x4');
    expect(img.symbols.symbolize(0x80200004)).toBe('data+0x4');
  });
  it('returns null where no symbol covers the address', () => {
    expect(img.symbols.symbolize(0x800fffff)).toBeNull();
    expect(img.symbols.symbolize(0x80200010)).toBeNull(); // past sized 'data', in bss
    expect(img.symbols.symbolize(0x80300000)).toBeNull(); // label 'loop' does not leak out of its segment
  });
  it('prefers functions at one address and finds enclosing functions', () => {
    const t = new SymbolTable([
      { name: 'lbl', value: 0x100, size: 0, type: 'notype' },
      { name: 'fn', value: 0x100, size: 0x100, type: 'func' },
      { name: 'obj', value: 0x120, size: 4, type: 'object' },
    ] satisfies ElfSymbol[]);
    expect(t.symbolize(0x100)).toBe('fn');
    expect(t.symbolize(0x122)).toBe('obj+0x2');
    expect(t.symbolize(0x130)).toBe('fn+0x30');
    expect(t.symbolize(0x200)).toBeNull(); // past fn and obj: only the nearest address's labels reach on
  });
});

describe('writeBootArgs', () => {
  function cstr(bus: Bus, kseg0: number): string {
    let pa = kseg0 & 0x1fffffff;
    let s = '';
    while (bus.ram8[pa] !== 0) s += String.fromCharCode(bus.ram8[pa++]);
    return s;
  }
  it('lays out argv/envp like QEMU Malta at 0x2000', () => {
    const bus = new Bus(64 * MiB);
    const r = writeBootArgs(bus, 64 * MiB, 'console=ttyS0 root=/dev/ram', { extra: 'yes', modetty0: '115200n8r' });
    expect(r).toEqual({ a0: 2, a1: 0x80002000, a2: 0x80002008, a3: 64 * MiB });
    const ptr = (i: number): number => bus.ram32[(BOOT_ARGS_PADDR >> 2) + i] >>> 0;
    expect(ptr(0)).toBe(0x80002040);
    expect(ptr(1)).toBe(0x80002140);
    const strs: string[] = [];
    for (let i = 0; ptr(i) !== 0; i++) strs.push(cstr(bus, ptr(i)));
    expect(strs).toEqual([
      'disco', 'console=ttyS0 root=/dev/ram',
      'memsize', String(64 * MiB), 'ememsize', String(64 * MiB), 'modetty0', '115200n8r', 'extra', 'yes',
    ]);
    expect(BOOT_ARGS_END).toBe(0x3040);
  });
  it('refuses what would not fit or would collide', () => {
    const bus = new Bus(4 * MiB);
    expect(errorOf(() => writeBootArgs(bus, 4 * MiB, 'x'.repeat(256), {}))).toBe('kernel command line is 256 bytes; at most 255 fit');
    writeBootArgs(bus, 4 * MiB, 'x'.repeat(255), {}, { argv0: '/long/path/'.repeat(40) });
    expect(bus.ram8[0x2040 + 254]).not.toBe(0);
    expect(bus.ram8[0x2040 + 255]).toBe(0);
    expect(errorOf(() => writeBootArgs(bus, 4 * MiB, '', { a: '1', b: '2', c: '3', d: '4' }))).toBe('too many boot environment variables (7); the YAMON table holds 6');
    expect(errorOf(() => writeBootArgs(bus, 4 * MiB, '', { 'a=b': '1' }))).toBe('bad boot environment name "a=b"');
    expect(errorOf(() => writeBootArgs(bus, 4 * MiB, '', {}, { loaded: [{ paddr: 0x1000, memsz: 0x1001 }] })))
      .toBe('segment at 0x00001000-0x00002001 overlaps the boot arguments at 0x00002000-0x00003040 (QEMU refuses this too)');
  });
});

// --- Cross-checks against the real tools -------------------------------------------------------

function have(tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  if (r.error !== undefined) {
    console.warn(`skipped: ${tool} not installed`);
    return false;
  }
  return true;
}

describe('toolchain and QEMU agree', () => {
  it('readelf reads buildElf output without complaint', () => {
    if (!have('mipsel-linux-gnu-readelf')) return;
    const dir = mkdtempSync(join(tmpdir(), 'disco-elf-'));
    try {
      const f = join(dir, 'b.elf');
      writeFileSync(f, sample());
      const r = spawnSync('mipsel-linux-gnu-readelf', ['-W', '-h', '-l', '-S', '-s', f], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/Entry point address:\s+0x80100000/);
      expect(r.stdout).toMatch(/FUNC\s+GLOBAL\s+DEFAULT\s+\d+ _start/);
      expect(r.stdout).toMatch(/LOAD\s+0x[0-9a-f]+ 0x80200000 0x80200000 0x00008 0x00020 RW/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses a gcc-built static image like readelf and nm do', () => {
    if (!have('mipsel-linux-gnu-gcc')) return;
    const dir = mkdtempSync(join(tmpdir(), 'disco-elf-'));
    try {
      const src = join(dir, 't.c');
      const out = join(dir, 't.elf');
      writeFileSync(src, [
        'volatile int counter = 3; int table[16];',
        'int helper(int x) { return x * counter + table[x & 15]; }',
        'void _start(void) { *(volatile int *)0xbf000600 = helper(2); for (;;) ; }',
      ].join('\n'));
      const cc = spawnSync('mipsel-linux-gnu-gcc', ['-nostdlib', '-static', '-no-pie', '-ffreestanding', '-O1', '-march=mips32r2',
        '-mno-abicalls', '-fno-pic', '-Wl,-Ttext=0x80100000', '-Wl,-e,_start', '-o', out, src], { encoding: 'utf8' });
      expect(cc.status, cc.stderr).toBe(0);
      const img = parseElf(readFileSync(out), 't.elf');
      expect(img.entry).toBe(img.symbols.byName('_start')?.value);
      const nm = spawnSync('mipsel-linux-gnu-nm', ['--defined-only', out], { encoding: 'utf8' });
      const want = new Map<string, number>();
      for (const line of nm.stdout.trim().split('\n')) {
        const [addr, kind, name] = line.split(/\s+/);
        if (kind !== 'A' && kind !== 'a') want.set(name, parseInt(addr.slice(-8), 16));
      }
      for (const [name, addr] of want) expect(img.symbols.byName(name)?.value, name).toBe(addr);
      expect(img.symbols.byName('helper')?.type).toBe('func');
      expect(img.symbols.byName('counter')?.type).toBe('object');
      expect(img.symbols.symbolize(img.symbols.byName('helper')!.value + 4)).toBe('helper+0x4');
      const bus = new Bus(64 * MiB);
      loadElf(img, bus);
      const text = img.segments.find((s) => s.vaddr === 0x80100000)!;
      expect(bus.ram32[text.loadAddr >> 2]).toBe(new DataView(img.bytes.buffer, img.bytes.byteOffset).getInt32(text.offset, true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('QEMU Malta runs a buildElf image: COM1 output, halt register ignored, SOFTRES exits', () => {
    if (!have('qemu-system-mipsel')) return;
    const dir = mkdtempSync(join(tmpdir(), 'disco-elf-'));
    try {
      const f = join(dir, 'q.elf');
      const prog: BuildSegment = {
        vaddr: 0x80100000,
        flags: PF_R | PF_X,
        data: words(
          0x3c08b800, 0x350803f8, // lui/ori t0, 0xb80003f8 (COM1)
          0x2409004f, 0xa1090000, // li t1,'O'; sb t1,0(t0)
          0x2409004b, 0xa1090000, // li t1,'K'
          0x2409000a, 0xa1090000, // li t1,'\n'
          0x3c08bf00, 0x24090007, 0xad090600, // lui t0,0xbf00; li t1,7; sw t1,0x600(t0) (halt, disco only)
          0x24090042, 0xa1090500, // li t1,0x42; sb t1,0x500(t0) (SOFTRES)
          0x1000ffff, 0x00000000, // b .; nop
        ),
      };
      writeFileSync(f, buildElf([prog], 0x80100000));
      const r = spawnSync('qemu-system-mipsel', ['-M', 'malta', '-m', '64', '-display', 'none', '-serial', 'stdio',
        '-monitor', 'none', '-no-reboot', '-kernel', f], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe('OK\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
