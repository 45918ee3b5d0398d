// ELF32 little-endian MIPS images: parse and validate, load into RAM, build, and YAMON boot
// arguments.
//
// Contract: parseElf either returns an image whose every PT_LOAD segment lies inside the file,
// fits the 32-bit address space and the 512 MiB physical window, and overlaps no other segment,
// or throws a LoadError whose message is one line meant for the user (printed as
// `disco: <message>`). loadElf adds the one check that needs the machine: the segment must fit
// in RAM. References: System V ABI (gABI) "Object Files", and the MIPS psABI supplement for
// e_flags.

import type { Bus } from './bus.ts';

/** A user-facing load failure; the message is a single line without the `disco:` prefix. */
export class LoadError extends Error {
  override name = 'LoadError';
}

// --- ELF constants (gABI; MIPS psABI) -----------------------------------------------------------

export const ELF_HEADER_SIZE = 52;
export const PHDR_SIZE = 32;
export const SHDR_SIZE = 40;
export const SYM_SIZE = 16;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;
export const EM_MIPS = 8;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_XINDEX = 0xffff;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STB_GLOBAL = 1;

/** e_flags (MIPS psABI): architecture level in the top nibble, ASEs and ABI below. */
export const EF_MIPS_ARCH = 0xf0000000;
export const EF_MIPS_ARCH_32R2 = 0x70000000;
export const EF_MIPS_ABI_O32 = 0x00001000;
export const EF_MIPS_ABI2 = 0x00000020;
export const EF_MIPS_MICROMIPS = 0x02000000;
export const EF_MIPS_ARCH_ASE_M16 = 0x04000000;

/** Physical RAM limits the loader knows about (Malta low memory, below the I/O hole). */
const MAX_RAM = 0x10000000;
const PHYS_WINDOW = 0x20000000;

// --- Image types ---------------------------------------------------------------------------------

/** One PT_LOAD segment with memsz > 0, as validated by parseElf. All addresses unsigned. */
export interface ElfSegment {
  /** Index in the program header table (0-based, as `readelf -l` numbers segments). */
  readonly index: number;
  readonly vaddr: number;
  /** p_paddr as written in the file. */
  readonly paddr: number;
  /** Physical load address: p_paddr with kseg0/kseg1 folded by & 0x1FFFFFFF. */
  readonly loadAddr: number;
  readonly offset: number;
  readonly filesz: number;
  readonly memsz: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
}

export type SymbolType = 'func' | 'object' | 'notype';

export interface ElfSymbol {
  readonly name: string;
  /** Virtual address, unsigned. */
  readonly value: number;
  readonly size: number;
  readonly type: SymbolType;
}

export interface ElfImage {
  /** File name given to parseElf, used as the prefix of later messages. */
  readonly name: string | undefined;
  readonly bytes: Uint8Array;
  /** Virtual entry point (e_entry), unsigned. */
  readonly entry: number;
  readonly flags: number;
  /** Loadable segments, in program-header order. */
  readonly segments: readonly ElfSegment[];
  readonly symbols: SymbolTable;
}

// --- Small helpers -------------------------------------------------------------------------------

const hex = (n: number): string => '0x' + (n >>> 0).toString(16);
const hex8 = (n: number): string => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/** "64 MiB", "4 KiB" or "N bytes": RAM sizes in messages. */
export function formatSize(bytes: number): string {
  if (bytes % 0x100000 === 0) return `${bytes / 0x100000} MiB`;
  if (bytes % 0x400 === 0) return `${bytes / 0x400} KiB`;
  return `${bytes} bytes`;
}

/**
 * Physical address of a load address: kuseg addresses are taken as physical, kseg0/kseg1 fold
 * onto the low 512 MiB (MIPS32 PRA 4.3: both are unmapped windows onto physical 0..0x1FFFFFFF).
 * Returns -1 for kseg2/kseg3, which only the TLB can translate.
 */
export function physOf(addr: number): number {
  const a = addr >>> 0;
  if (a < 0x80000000) return a;
  if (a < 0xc0000000) return a & 0x1fffffff;
  return -1;
}

const MACHINES: Record<number, string> = {
  2: 'SPARC', 3: 'x86 (i386)', 20: 'PowerPC', 21: 'PowerPC64', 22: 's390', 40: 'ARM',
  42: 'SuperH', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 258: 'LoongArch',
};

const MIPS_ARCH_NAMES: Record<number, string> = {
  0x20000000: 'MIPS III', 0x30000000: 'MIPS IV', 0x40000000: 'MIPS V', 0x60000000: 'MIPS64',
  0x80000000: 'MIPS64r2', 0x90000000: 'MIPS32r6', 0xa0000000: 'MIPS64r6',
};

// --- Parsing -------------------------------------------------------------------------------------

/**
 * Parse and validate an ELF32 little-endian MIPS executable. Throws LoadError with a one-line
 * message (prefixed with `name:` when a name is given) for anything disco cannot run.
 */
export function parseElf(bytes: Uint8Array, name?: string): ElfImage {
  const fail = (msg: string): never => {
    throw new LoadError(name !== undefined ? `${name}: ${msg}` : msg);
  };
  const len = bytes.length;
  if (len === 0) fail('file is empty, not an ELF image');
  const magic = [0x7f, 0x45, 0x4c, 0x46];
  for (let i = 0; i < Math.min(4, len); i++) if (bytes[i] !== magic[i]) fail('not an ELF file');
  if (len < 16) fail(`truncated ELF header: file is ${len} bytes, the header needs ${ELF_HEADER_SIZE}`);
  if (bytes[4] === 2) fail('64-bit ELF; disco runs 32-bit MIPS images');
  if (bytes[4] !== 1) fail(`unknown ELF class ${bytes[4]} (expected 1, ELFCLASS32)`);
  if (bytes[5] === 2) fail('big-endian ELF; disco is little-endian (mipsel)');
  if (bytes[5] !== 1) fail(`unknown ELF data encoding ${bytes[5]} (expected 1, little-endian)`);
  if (bytes[6] !== 1) fail(`unsupported ELF version ${bytes[6]}`);
  if (len < ELF_HEADER_SIZE) fail(`truncated ELF header: file is ${len} bytes, the header needs ${ELF_HEADER_SIZE}`);

  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);

  const type = u16(16);
  const machine = u16(18);
  if (machine !== EM_MIPS) {
    const what = MACHINES[machine] ?? 'another architecture';
    fail(`ELF for ${what} (e_machine ${machine}); disco runs MIPS (e_machine ${EM_MIPS})`);
  }
  if (type !== ET_EXEC) {
    if (type === ET_REL) fail('relocatable object (ET_REL), not an executable; link it first');
    if (type === ET_DYN) fail('shared object or PIE (ET_DYN); disco needs a static executable linked at fixed addresses (-static -no-pie)');
    if (type === ET_CORE) fail('core dump (ET_CORE), not an executable');
    fail(`e_type ${type} is not an executable (expected ET_EXEC)`);
  }
  const entry = u32(24);
  const phoff = u32(28);
  const shoff = u32(32);
  const flags = u32(36);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  let shnum = u16(48);

  // MIPS psABI e_flags: refuse encodings and ABIs the MIPS32r2 interpreter cannot run.
  const arch = (flags & EF_MIPS_ARCH) >>> 0;
  const archName = MIPS_ARCH_NAMES[arch];
  if (archName !== undefined) fail(`${archName} ELF (e_flags ${hex8(flags)}); disco runs MIPS32r2 code`);
  if (flags & EF_MIPS_MICROMIPS) fail('microMIPS ELF; disco runs only the standard 32-bit MIPS encoding');
  if (flags & EF_MIPS_ARCH_ASE_M16) fail('ELF contains MIPS16 code; disco runs only the standard 32-bit MIPS encoding');
  if (flags & EF_MIPS_ABI2) fail('n32 ABI ELF; disco runs o32 (32-bit) images');

  if (phnum === 0) fail('no program headers; not a loadable image');
  if (phnum === 0xffff) fail('too many program headers (PN_XNUM)');
  if (phentsize !== PHDR_SIZE) fail(`bad program header entry size ${phentsize} (expected ${PHDR_SIZE})`);
  if (phoff < ELF_HEADER_SIZE) fail(`program header table at offset ${hex(phoff)} overlaps the ELF header`);
  const phEnd = phoff + phnum * PHDR_SIZE;
  if (phEnd > len) {
    fail(`truncated file: program header table ${hex(phoff)}-${hex(phEnd)} (${phnum} entries) ends past the end of the file (${len} bytes)`);
  }

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * PHDR_SIZE;
    const ptype = u32(p);
    if (ptype === PT_INTERP) fail('dynamically linked (has PT_INTERP); disco needs a static executable');
    if (ptype !== PT_LOAD) continue;
    const offset = u32(p + 4);
    const vaddr = u32(p + 8);
    const paddr = u32(p + 12);
    const filesz = u32(p + 16);
    const memsz = u32(p + 20);
    const pflags = u32(p + 24);
    const seg = `segment ${i}`;
    if (offset + filesz > len) {
      fail(`${seg}: file range ${hex(offset)}-${hex(offset + filesz)} lies outside the file (${len} bytes; truncated?)`);
    }
    if (filesz > memsz) fail(`${seg}: p_filesz ${hex(filesz)} exceeds p_memsz ${hex(memsz)}`);
    if (memsz === 0) continue; // nothing to load
    if (memsz > MAX_RAM) fail(`${seg}: p_memsz ${hex(memsz)} is larger than the largest RAM (${formatSize(MAX_RAM)})`);
    if (vaddr + memsz > 0x100000000) fail(`${seg} at virtual ${hex8(vaddr)} (size ${hex(memsz)}) wraps past the top of the address space`);
    const loadAddr = physOf(paddr);
    if (loadAddr < 0) {
      fail(`${seg}: load address ${hex8(paddr)} is in mapped kseg2/kseg3; give it a physical or kseg0/kseg1 load address (AT() in the linker script)`);
    }
    if (paddr >= 0x80000000 && loadAddr + memsz > PHYS_WINDOW) {
      fail(`${seg} at ${hex8(paddr)} (size ${hex(memsz)}) runs past the end of the 512 MiB kseg0/kseg1 window`);
    }
    segments.push({ index: i, vaddr, paddr, loadAddr, offset, filesz, memsz, flags: pflags });
  }
  if (segments.length === 0) fail('no loadable (PT_LOAD) segments');

  // Loading one segment over another would silently depend on load order.
  const byPa = [...segments].sort((a, b) => a.loadAddr - b.loadAddr);
  for (let i = 1; i < byPa.length; i++) {
    const a = byPa[i - 1];
    const b = byPa[i];
    if (b.loadAddr < a.loadAddr + a.memsz) {
      const [x, y] = a.index < b.index ? [a, b] : [b, a];
      fail(`segments ${x.index} and ${y.index} overlap in physical memory (${hex8(x.loadAddr)}-${hex8(x.loadAddr + x.memsz)} and ${hex8(y.loadAddr)}-${hex8(y.loadAddr + y.memsz)})`);
    }
  }

  if (entry & 1) fail(`entry point ${hex8(entry)} is a MIPS16/microMIPS address (odd); disco runs only MIPS32 code`);
  if (entry & 3) fail(`entry point ${hex8(entry)} is not word-aligned`);
  if (!segments.some((s) => entry >= s.vaddr && entry - s.vaddr < s.memsz)) {
    fail(`entry point ${hex8(entry)} is outside every loadable segment`);
  }

  // Section headers are optional for loading; when present they must be intact, because a
  // table running off the end means the file was truncated.
  const symbols: ElfSymbol[] = [];
  if (shoff !== 0) {
    if (shentsize !== SHDR_SIZE) fail(`bad section header entry size ${shentsize} (expected ${SHDR_SIZE})`);
    if (shoff + SHDR_SIZE > len) fail(`truncated file: section header table at ${hex(shoff)} lies past the end of the file (${len} bytes)`);
    if (shnum === 0) shnum = u32(shoff + 20); // extended numbering: count in section 0's sh_size (gABI)
    const shEnd = shoff + shnum * SHDR_SIZE;
    if (shEnd > len) {
      fail(`truncated file: section header table ${hex(shoff)}-${hex(shEnd)} (${shnum} entries) ends past the end of the file (${len} bytes)`);
    }
    for (let i = 0; i < shnum; i++) {
      if (u32(shoff + i * SHDR_SIZE + 4) !== SHT_SYMTAB) continue;
      symbols.push(...readSymtab(bytes, dv, shoff, shnum, i, fail));
      break; // one static symbol table per file (gABI)
    }
  }

  const ranges = segments.map((s) => ({ start: s.vaddr, end: s.vaddr + s.memsz }));
  return {
    name,
    bytes,
    entry,
    flags,
    segments,
    symbols: new SymbolTable(symbols, ranges),
  };
}

/** The named function, object and label symbols of symbol table section `i` (gABI "Symbol Table"). */
function readSymtab(bytes: Uint8Array, dv: DataView, shoff: number, shnum: number, i: number, fail: (msg: string) => never): ElfSymbol[] {
  const len = bytes.length;
  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const sh = (k: number, field: number): number => u32(shoff + k * SHDR_SIZE + field);
  const symbols: ElfSymbol[] = [];
  const off = sh(i, 16);
  const size = sh(i, 20);
  const link = sh(i, 24);
  const entsize = sh(i, 36);
  if (off + size > len) fail(`symbol table (section ${i}) ${hex(off)}-${hex(off + size)} lies outside the file (${len} bytes)`);
  if (entsize !== SYM_SIZE) fail(`symbol table (section ${i}) has entry size ${entsize} (expected ${SYM_SIZE})`);
  if (link === 0 || link >= shnum || sh(link, 4) !== SHT_STRTAB) {
    fail(`symbol table (section ${i}) links to section ${link}, which is not a string table`);
  }
  const strOff = sh(link, 16);
  const strSize = sh(link, 20);
  if (strOff + strSize > len) fail(`string table (section ${link}) ${hex(strOff)}-${hex(strOff + strSize)} lies outside the file (${len} bytes)`);
  const decoder = new TextDecoder('utf-8');
  const count = Math.floor(size / SYM_SIZE);
  for (let k = 1; k < count; k++) {
    const s = off + k * SYM_SIZE;
    const nameOff = u32(s);
    const info = bytes[s + 12];
    const shndx = u16(s + 14);
    const stt = info & 0xf;
    if (stt !== STT_NOTYPE && stt !== STT_OBJECT && stt !== STT_FUNC) continue;
    if (shndx === SHN_UNDEF || (shndx >= SHN_LORESERVE && shndx !== SHN_XINDEX)) continue;
    if (nameOff >= strSize) fail(`symbol ${k}: name offset ${hex(nameOff)} is outside the string table (${strSize} bytes)`);
    let end = strOff + nameOff;
    while (end < strOff + strSize && bytes[end] !== 0) end++;
    if (end === strOff + strSize) fail(`symbol ${k}: name is not NUL-terminated inside the string table`);
    if (end === strOff + nameOff) continue; // unnamed
    symbols.push({
      name: decoder.decode(bytes.subarray(strOff + nameOff, end)),
      value: u32(s + 4),
      size: u32(s + 8),
      type: stt === STT_FUNC ? 'func' : stt === STT_OBJECT ? 'object' : 'notype',
    });
  }
  return symbols;
}

// --- Symbols -------------------------------------------------------------------------------------

const TYPE_RANK: Record<SymbolType, number> = { func: 0, object: 1, notype: 2 };

/**
 * Symbols sorted by address, for traces. At one address a function beats an object beats a
 * plain label. A sized symbol covers [value, value+size); a size-0 label (assembler code)
 * covers everything after it up to the next symbol, but only inside its own segment.
 */
export class SymbolTable {
  /** Sorted by value, then by preference (func, object, notype), then by name. */
  readonly list: readonly ElfSymbol[];
  private readonly ranges: ReadonlyArray<{ start: number; end: number }>;

  constructor(symbols: readonly ElfSymbol[], ranges: ReadonlyArray<{ start: number; end: number }> = []) {
    this.list = [...symbols].sort(
      (a, b) => a.value - b.value || TYPE_RANK[a.type] - TYPE_RANK[b.type] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    this.ranges = ranges;
  }

  get size(): number { return this.list.length; }

  /** The symbol named `name` (the first in address order), or undefined. */
  byName(name: string): ElfSymbol | undefined {
    return this.list.find((s) => s.name === name);
  }

  /** The symbol covering virtual address `addr` and the offset into it, or null. */
  lookup(addr: number): { symbol: ElfSymbol; offset: number } | null {
    const a = addr >>> 0;
    const list = this.list;
    let lo = 0;
    let hi = list.length - 1;
    let last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].value <= a) { last = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (last < 0) return null;
    // The nearest address first (its symbols in preference order); a size-0 label there
    // covers `a` if both lie in one segment.
    let j = last;
    while (j > 0 && list[j - 1].value === list[last].value) j--;
    for (let i = j; i <= last; i++) {
      const s = list[i];
      const off = a - s.value;
      if (s.size > 0 ? off < s.size : this.sameRange(s.value, a)) return { symbol: s, offset: off };
    }
    // Further back only a sized symbol can still enclose `a` (a function around a local
    // object). Bounded, since traces call this once per line.
    for (let i = j - 1; i >= Math.max(0, j - 32); i--) {
      const s = list[i];
      if (s.size > 0 && a - s.value < s.size) return { symbol: s, offset: a - s.value };
    }
    return null;
  }

  /** "name" or "name+0x10" for `addr`, or null when no symbol covers it. */
  symbolize(addr: number): string | null {
    const hit = this.lookup(addr);
    if (hit === null) return null;
    return hit.offset === 0 ? hit.symbol.name : `${hit.symbol.name}+0x${hit.offset.toString(16)}`;
  }

  private sameRange(x: number, y: number): boolean {
    if (this.ranges.length === 0) return true;
    for (const r of this.ranges) if (x >= r.start && x < r.end) return y >= r.start && y < r.end;
    return false;
  }
}

// --- Loading -------------------------------------------------------------------------------------

/**
 * Copy every loadable segment of `img` into RAM at its physical load address and zero the
 * part of memsz beyond filesz. Throws LoadError if a segment does not fit in RAM. Returns the
 * virtual entry point (unsigned) and the physical ranges written.
 */
export function loadElf(img: ElfImage, bus: Bus): { entry: number; loaded: Array<{ paddr: number; memsz: number }> } {
  const loaded: Array<{ paddr: number; memsz: number }> = [];
  for (const s of img.segments) {
    // RAM, or a window that holds loader contents (the boot ROM at 0x1FC00000).
    if (!bus.loadImage(s.loadAddr, img.bytes.subarray(s.offset, s.offset + s.filesz), s.memsz)) {
      throw new LoadError(
        `${img.name !== undefined ? img.name + ': ' : ''}segment ${s.index} at ${hex8(s.loadAddr)}-${hex8(s.loadAddr + s.memsz)} lies outside RAM (${formatSize(bus.ramSize)}) and the boot ROM`,
      );
    }
    if (s.loadAddr < bus.ramSize) loaded.push({ paddr: s.loadAddr, memsz: s.memsz });
  }
  return { entry: img.entry >>> 0, loaded };
}

// --- Building ------------------------------------------------------------------------------------

/** A segment for buildElf. */
export interface BuildSegment {
  /** Virtual address. */
  vaddr: number;
  /** Load address (p_paddr); defaults to vaddr. */
  paddr?: number;
  data: Uint8Array;
  /** Defaults to data.length; the rest is zero-filled (bss). */
  memsz?: number;
  /** PF_R | PF_W | PF_X; defaults to R|W|X. */
  flags?: number;
}

export interface BuildOptions {
  /** Written to .symtab/.strtab; each gets the section containing its value, else SHN_ABS. */
  symbols?: readonly ElfSymbol[];
  /** e_flags; defaults to MIPS32r2, o32. */
  flags?: number;
}

/**
 * Build a static ELF32 little-endian MIPS executable: ELF header, program headers, segment
 * data (16-byte aligned, offset congruent to vaddr mod 16), one section per segment (.text
 * for executable ones, else .data or .rodata, plus .bss for the zero-filled tail), .symtab
 * and .strtab when symbols are given, and .shstrtab. Readable by readelf/objdump and loadable by
 * QEMU's -kernel. Does not validate; run parseElf on the result for that.
 */
export function buildElf(segments: readonly BuildSegment[], entry: number, opts: BuildOptions = {}): Uint8Array {
  const align = (n: number, a: number): number => Math.ceil(n / a) * a;
  const enc = new TextEncoder();

  // Sections: [0] null, per-segment PROGBITS (+NOBITS), then symtab, strtab, shstrtab.
  interface Sec { name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; align: number; entsize: number }
  const sections: Sec[] = [{ name: '', type: 0, flags: 0, addr: 0, offset: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 }];
  const used = new Map<string, number>();
  const uniq = (n: string): string => {
    const k = used.get(n) ?? 0;
    used.set(n, k + 1);
    return k === 0 ? n : `${n}.${k}`;
  };

  let off = ELF_HEADER_SIZE + segments.length * PHDR_SIZE;
  const segOff: number[] = [];
  for (const s of segments) {
    off = align(off, 16) + ((s.vaddr >>> 0) % 16);
    segOff.push(off);
    off += s.data.length;
  }
  segments.forEach((s, i) => {
    const pf = s.flags ?? (PF_R | PF_W | PF_X);
    const shf = SHF_ALLOC | (pf & PF_X ? SHF_EXECINSTR : 0) | (pf & PF_W ? SHF_WRITE : 0);
    const base = pf & PF_X ? '.text' : pf & PF_W ? '.data' : '.rodata';
    if (s.data.length > 0) {
      sections.push({ name: uniq(base), type: SHT_PROGBITS, flags: shf, addr: s.vaddr >>> 0, offset: segOff[i], size: s.data.length, link: 0, info: 0, align: 4, entsize: 0 });
    }
    const memsz = s.memsz ?? s.data.length;
    if (memsz > s.data.length) {
      sections.push({ name: uniq('.bss'), type: SHT_NOBITS, flags: SHF_ALLOC | SHF_WRITE, addr: (s.vaddr + s.data.length) >>> 0, offset: segOff[i] + s.data.length, size: memsz - s.data.length, link: 0, info: 0, align: 4, entsize: 0 });
    }
  });

  const syms = opts.symbols ?? [];
  let symtab = new Uint8Array(0);
  let strtab = new Uint8Array(0);
  if (syms.length > 0) {
    const strs: number[] = [0];
    symtab = new Uint8Array((syms.length + 1) * SYM_SIZE);
    const sdv = new DataView(symtab.buffer);
    syms.forEach((sym, k) => {
      const o = (k + 1) * SYM_SIZE;
      sdv.setUint32(o, strs.length, true);
      strs.push(...enc.encode(sym.name), 0);
      sdv.setUint32(o + 4, sym.value >>> 0, true);
      sdv.setUint32(o + 8, sym.size >>> 0, true);
      const stt = sym.type === 'func' ? STT_FUNC : sym.type === 'object' ? STT_OBJECT : STT_NOTYPE;
      symtab[o + 12] = (STB_GLOBAL << 4) | stt;
      const v = sym.value >>> 0;
      let shndx = SHN_ABS;
      for (let i = 1; i < sections.length; i++) {
        const sec = sections[i];
        if (v >= sec.addr && v - sec.addr < Math.max(sec.size, 1)) { shndx = i; break; }
      }
      sdv.setUint16(o + 14, shndx, true);
    });
    strtab = Uint8Array.from(strs);
    const symIdx = sections.length;
    off = align(off, 4);
    sections.push({ name: '.symtab', type: SHT_SYMTAB, flags: 0, addr: 0, offset: off, size: symtab.length, link: symIdx + 1, info: 1, align: 4, entsize: SYM_SIZE });
    off += symtab.length;
    sections.push({ name: '.strtab', type: SHT_STRTAB, flags: 0, addr: 0, offset: off, size: strtab.length, link: 0, info: 0, align: 1, entsize: 0 });
    off += strtab.length;
  }
  const shstrs: number[] = [0];
  const nameOff: number[] = [];
  sections.push({ name: '.shstrtab', type: SHT_STRTAB, flags: 0, addr: 0, offset: 0, size: 0, link: 0, info: 0, align: 1, entsize: 0 });
  for (const sec of sections) {
    if (sec.name === '') { nameOff.push(0); continue; }
    nameOff.push(shstrs.length);
    shstrs.push(...enc.encode(sec.name), 0);
  }
  const shstrtab = sections[sections.length - 1];
  shstrtab.offset = off;
  shstrtab.size = shstrs.length;
  off += shstrs.length;
  const shoff = align(off, 4);
  const total = shoff + sections.length * SHDR_SIZE;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  dv.setUint16(16, ET_EXEC, true);
  dv.setUint16(18, EM_MIPS, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, entry >>> 0, true);
  dv.setUint32(28, ELF_HEADER_SIZE, true);
  dv.setUint32(32, shoff, true);
  dv.setUint32(36, (opts.flags ?? (EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32)) >>> 0, true);
  dv.setUint16(40, ELF_HEADER_SIZE, true);
  dv.setUint16(42, PHDR_SIZE, true);
  dv.setUint16(44, segments.length, true);
  dv.setUint16(46, SHDR_SIZE, true);
  dv.setUint16(48, sections.length, true);
  dv.setUint16(50, sections.length - 1, true);
  segments.forEach((s, i) => {
    const p = ELF_HEADER_SIZE + i * PHDR_SIZE;
    dv.setUint32(p, PT_LOAD, true);
    dv.setUint32(p + 4, segOff[i], true);
    dv.setUint32(p + 8, s.vaddr >>> 0, true);
    dv.setUint32(p + 12, (s.paddr ?? s.vaddr) >>> 0, true);
    dv.setUint32(p + 16, s.data.length, true);
    dv.setUint32(p + 20, (s.memsz ?? s.data.length) >>> 0, true);
    dv.setUint32(p + 24, s.flags ?? (PF_R | PF_W | PF_X), true);
    dv.setUint32(p + 28, 16, true);
    out.set(s.data, segOff[i]);
  });
  const symSec = sections.findIndex((s) => s.type === SHT_SYMTAB);
  if (symSec > 0) {
    out.set(symtab, sections[symSec].offset);
    out.set(strtab, sections[symSec + 1].offset);
  }
  out.set(shstrs, shstrtab.offset);
  sections.forEach((sec, i) => {
    const o = shoff + i * SHDR_SIZE;
    dv.setUint32(o, nameOff[i], true);
    dv.setUint32(o + 4, sec.type, true);
    dv.setUint32(o + 8, sec.flags, true);
    dv.setUint32(o + 12, sec.addr, true);
    dv.setUint32(o + 16, sec.offset, true);
    dv.setUint32(o + 20, sec.size, true);
    dv.setUint32(o + 24, sec.link, true);
    dv.setUint32(o + 28, sec.info, true);
    dv.setUint32(o + 32, sec.align, true);
    dv.setUint32(o + 36, sec.entsize, true);
  });
  return out;
}

// --- YAMON boot arguments ------------------------------------------------------------------------

// Where the arguments live: the same block QEMU's Malta -kernel loader writes (hw/mips/malta.c,
// ENVP_PADDR), so a kernel finds them at the same place under disco and under QEMU.
//
//   0x2000  16 table slots of 4 bytes: kseg0 pointers, argv[0..1] then envp pairs, NULL ends
//   0x2040  string slot 0 (256 bytes each, NUL-terminated, at most 255 bytes of text)
//   ...
//   0x2F40  string slot 15; the block ends at 0x3040
//
// argv and envp share the one table: a1 points at slot 0, a2 at slot 2 (YAMON convention:
// envp holds "name", "value" pairs; Linux's fw_getenv detects this by the missing '=').

/** Physical start of the boot-argument block. */
export const BOOT_ARGS_PADDR = 0x2000;
export const BOOT_ARGS_SLOTS = 16;
export const BOOT_ARGS_SLOT_SIZE = 256;
/** Physical end (exclusive) of the boot-argument block: 0x3040. */
export const BOOT_ARGS_END = BOOT_ARGS_PADDR + BOOT_ARGS_SLOTS * (4 + BOOT_ARGS_SLOT_SIZE);
/** Initial stack pointer QEMU's boot stub uses (just below the block), for loaders that set sp. */
export const BOOT_STACK_TOP = (0x80000000 | BOOT_ARGS_PADDR) - 64;

export interface BootArgs { a0: number; a1: number; a2: number; a3: number }

/**
 * Write YAMON-style arguments into RAM at BOOT_ARGS_PADDR and return the registers a kernel
 * expects at entry (unsigned 32-bit values): a0 = argc (2), a1 = argv, a2 = envp,
 * a3 = memsize. argv is [argv0, cmdline]. envp starts with memsize, ememsize (both `memSize`
 * in decimal, as QEMU writes them when RAM <= 256 MiB) and modetty0=38400n8r; `env` overrides
 * or extends them. QEMU also passes a random "rngseed"; disco leaves it out so runs repeat.
 * argv0 (default "disco") is cut to 255 bytes. Throws LoadError if another string does not fit
 * its 255-byte slot, the table overflows (at most 6 variables), or a segment in `opts.loaded`
 * overlaps the block.
 */
export function writeBootArgs(
  bus: Bus,
  memSize: number,
  cmdline: string,
  env: Record<string, string>,
  opts: { argv0?: string; loaded?: ReadonlyArray<{ paddr: number; memsz: number }> } = {},
): BootArgs {
  if (!Number.isInteger(memSize) || memSize <= 0 || memSize > 0xffffffff) throw new LoadError(`bad memory size ${memSize}`);
  if (bus.ramSize < BOOT_ARGS_END) throw new LoadError(`RAM (${formatSize(bus.ramSize)}) is too small for the boot arguments at ${hex(BOOT_ARGS_PADDR)}-${hex(BOOT_ARGS_END)}`);
  for (const l of opts.loaded ?? []) {
    if (l.paddr < BOOT_ARGS_END && BOOT_ARGS_PADDR < l.paddr + l.memsz) {
      throw new LoadError(`segment at ${hex8(l.paddr)}-${hex8(l.paddr + l.memsz)} overlaps the boot arguments at ${hex8(BOOT_ARGS_PADDR)}-${hex8(BOOT_ARGS_END)} (QEMU refuses this too)`);
    }
  }
  const merged = new Map<string, string>([
    ['memsize', String(memSize)],
    ['ememsize', String(memSize)],
    ['modetty0', '38400n8r'],
  ]);
  for (const [k, v] of Object.entries(env)) {
    if (k === '' || k.includes('=') || k.includes('\0')) throw new LoadError(`bad boot environment name ${JSON.stringify(k)}`);
    merged.set(k, v);
  }
  const strings = [opts.argv0 ?? 'disco', cmdline];
  for (const [k, v] of merged) strings.push(k, v);
  if (strings.length + 1 > BOOT_ARGS_SLOTS) {
    throw new LoadError(`too many boot environment variables (${merged.size}); the YAMON table holds ${(BOOT_ARGS_SLOTS - 3) >> 1}`);
  }
  const enc = new TextEncoder();
  const ram = bus.ram8;
  const dv = new DataView(bus.ram);
  ram.fill(0, BOOT_ARGS_PADDR, BOOT_ARGS_END);
  strings.forEach((s, i) => {
    let b = enc.encode(s);
    // argv[0] is informational (Linux skips it): shorten a long path as QEMU's snprintf would.
    if (i === 0) b = b.subarray(0, BOOT_ARGS_SLOT_SIZE - 1);
    if (b.length > BOOT_ARGS_SLOT_SIZE - 1 || b.includes(0)) {
      const what = i === 0 ? 'argv[0]' : i === 1 ? 'kernel command line' : i % 2 === 0 ? `boot environment name ${JSON.stringify(s)}` : `boot environment value for ${strings[i - 1]}`;
      throw new LoadError(b.includes(0) ? `${what} contains a NUL byte` : `${what} is ${b.length} bytes; at most ${BOOT_ARGS_SLOT_SIZE - 1} fit`);
    }
    const at = BOOT_ARGS_PADDR + BOOT_ARGS_SLOTS * 4 + i * BOOT_ARGS_SLOT_SIZE;
    ram.set(b, at);
    dv.setUint32(BOOT_ARGS_PADDR + i * 4, (0x80000000 | at) >>> 0, true);
  });
  // The slot after the last string stays 0: the NULL that ends envp.
  const kseg0 = (0x80000000 | BOOT_ARGS_PADDR) >>> 0;
  return { a0: 2, a1: kseg0, a2: kseg0 + 8, a3: memSize >>> 0 };
}
