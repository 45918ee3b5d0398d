// Small guests for monitor tests: assembled code that runs in the VM's window.
import { buildElf } from '../../cpu/elf.ts';
import { assemble } from '../cpu/helpers.ts';

/** Where the window images are linked: the window at 0xC0100000 (guest physical 0x100000). */
export const WINDOW_ORG = 0xc0100000 | 0;

/** An ELF image of `src` assembled at WINDOW_ORG, with a page of room after the code. */
export function windowImage(src: string): Uint8Array {
  const prog = assemble(src, WINDOW_ORG);
  const data = new Uint8Array(prog.words.length * 4);
  const dv = new DataView(data.buffer);
  prog.words.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return buildElf([{ vaddr: WINDOW_ORG, paddr: 0x100000, data, memsz: data.length + 0x1000, flags: 7 }], WINDOW_ORG);
}

/** Assembly for monitor call `fn` (docs/hypercalls.md: v0 = 0x4D430000 + fn, syscall). */
export const HC = (fn: number): string => `lui v0, 0x4d43\nori v0, v0, ${fn}\nsyscall\n`;
