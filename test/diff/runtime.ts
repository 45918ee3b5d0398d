// Guest-side support code shared by every harness image: UART output, hex printing, the result
// dump and the exit sequence. Emitted as MIPS code into an Asm.
//
// Machine facts (docs/HELPERS.md): PIIX4 COM1 16550 at kseg1 0xB80003F8 (stride 1; QEMU's serial0),
// halt register 0xBF000600 (disco: exit code), SOFTRES 0xBF000500 (0x42 ends the run).

import {
  Asm, R, aluImm, alu3, shift, mem, jr, nop, lui, sync, raw,
} from './asm.ts';

export const COM1 = 0xb80003f8;
/** 16550 Line Status Register offset; bit 5 = THR empty, bit 6 = transmitter empty (TEMT). */
const LSR = 5;
export const HALT = 0xbf000600;
export const SOFTRES = 0xbf000500;

/** Labels of the runtime routines, bound by emitRuntime(). */
export const RT = {
  putc: 'rt_putc',
  puthex: 'rt_puthex',
  puts: 'rt_puts',
  dumpWords: 'rt_dump_words',
  exit: 'rt_exit',
} as const;

/**
 * Emits the runtime routines. Calling convention (private to the harness):
 * - rt_putc: a0 = byte. Clobbers t8, t9.
 * - rt_puthex: a0 = word, printed as 8 lower-case hex digits. Clobbers a0, t0, t1, t7, t8, t9.
 * - rt_puts: a1 = address of a NUL-terminated string. Clobbers a0, a1, t6, t7, t8, t9.
 * - rt_dump_words: a1 = address, a2 = word count; prints 8 words a line separated by spaces.
 *   Clobbers a0..a3, t0..t9 (not s*).
 * - rt_exit: a0 = exit code; waits for LSR.TEMT, stores a0 to the halt register, then 0x42 to
 *   SOFTRES; never returns.
 */
export function emitRuntime(a: Asm): void {
  // putc: poll LSR.THRE then write THR.
  a.label(RT.putc);
  a.emit(lui(R.t9, COM1 >>> 16));
  a.emit(aluImm('ori', R.t9, R.t9, COM1 & 0xffff));
  const wait = a.newLabel('putc_wait');
  a.label(wait);
  a.emit(mem('lbu', R.t8, LSR, R.t9));
  a.emit(aluImm('andi', R.t8, R.t8, 0x20));
  a.br('beq', R.t8, R.zero, wait);
  a.emit(nop());
  a.emit(mem('sb', R.a0, 0, R.t9));
  a.emit(jr(R.ra));
  a.emit(nop());

  // puthex: 8 nibbles, most significant first.
  a.label(RT.puthex);
  a.emit(alu3('or', R.t7, R.ra, R.zero));
  a.emit(alu3('or', R.t0, R.a0, R.zero));
  a.emit(aluImm('addiu', R.t1, R.zero, 8));
  const nib = a.newLabel('hex_nib');
  const digit = a.newLabel('hex_digit');
  a.label(nib);
  a.emit(shift('srl', R.a0, R.t0, 28));
  a.emit(aluImm('sltiu', R.t8, R.a0, 10));
  a.br('bne', R.t8, R.zero, digit);
  a.emit(aluImm('addiu', R.a0, R.a0, 0x30)); // delay slot: '0' + n
  a.emit(aluImm('addiu', R.a0, R.a0, 0x61 - 0x30 - 10)); // 'a' + n - 10
  a.label(digit);
  a.j('jal', RT.putc);
  a.emit(nop());
  a.emit(shift('sll', R.t0, R.t0, 4));
  a.emit(aluImm('addiu', R.t1, R.t1, -1));
  a.br('bne', R.t1, R.zero, nib);
  a.emit(nop());
  a.emit(jr(R.t7));
  a.emit(nop());

  // puts
  a.label(RT.puts);
  a.emit(alu3('or', R.t6, R.ra, R.zero));
  const ploop = a.newLabel('puts_loop');
  const pdone = a.newLabel('puts_done');
  a.label(ploop);
  a.emit(mem('lbu', R.a0, 0, R.a1));
  a.br('beq', R.a0, R.zero, pdone);
  a.emit(nop());
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a1, R.a1, 1));
  a.br('beq', R.zero, R.zero, ploop);
  a.emit(nop());
  a.label(pdone);
  a.emit(jr(R.t6));
  a.emit(nop());

  // dump_words: a1 = address, a2 = count; t2 = column, t3 = saved ra.
  a.label(RT.dumpWords);
  a.emit(alu3('or', R.t3, R.ra, R.zero));
  a.emit(alu3('or', R.t2, R.zero, R.zero));
  const dloop = a.newLabel('dump_loop');
  const sep = a.newLabel('dump_sep');
  const dend = a.newLabel('dump_end');
  a.label(dloop);
  a.br('beq', R.a2, R.zero, dend);
  a.emit(nop());
  a.j('jal', RT.puthex);
  a.emit(mem('lw', R.a0, 0, R.a1));
  a.emit(aluImm('addiu', R.a1, R.a1, 4));
  a.emit(aluImm('addiu', R.a2, R.a2, -1));
  a.emit(aluImm('addiu', R.t2, R.t2, 1));
  a.emit(aluImm('andi', R.a3, R.t2, 7));
  a.br('bne', R.a3, R.zero, sep);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x20)); // ' '
  a.emit(aluImm('addiu', R.a0, R.zero, 0x0a)); // '\n' every 8 words
  a.label(sep);
  a.br('beq', R.a2, R.zero, dend); // no trailing separator after the last word
  a.emit(nop());
  a.j('jal', RT.putc);
  a.emit(nop());
  a.br('beq', R.zero, R.zero, dloop);
  a.emit(nop());
  a.label(dend);
  a.j('jal', RT.putc);
  a.emit(aluImm('addiu', R.a0, R.zero, 0x0a));
  a.emit(jr(R.t3));
  a.emit(nop());

  // exit: wait until the UART has sent everything (LSR.TEMT: QEMU may still hold the last byte
  // when its host-side write was deferred, and SOFTRES ends QEMU at once), then the halt register
  // (disco), then SOFTRES (both); spin in case neither stops us.
  a.label(RT.exit);
  a.emit(lui(R.t9, COM1 >>> 16));
  a.emit(aluImm('ori', R.t9, R.t9, COM1 & 0xffff));
  const drain = a.newLabel('exit_drain');
  a.label(drain);
  a.emit(mem('lbu', R.t8, LSR, R.t9));
  a.emit(aluImm('andi', R.t8, R.t8, 0x40));
  a.br('beq', R.t8, R.zero, drain);
  a.emit(nop());
  a.emit(sync());
  a.emit(lui(R.t9, HALT >>> 16));
  a.emit(mem('sw', R.a0, HALT & 0xffff, R.t9));
  a.emit(aluImm('addiu', R.t8, R.zero, 0x42));
  a.emit(mem('sw', R.t8, SOFTRES & 0xffff, R.t9));
  const spin = a.newLabel('spin');
  a.label(spin);
  a.br('beq', R.zero, R.zero, spin);
  a.emit(nop());
}

/** Emits code printing the NUL-terminated string at `label` (clobbers as rt_puts, plus ra). */
export function emitPuts(a: Asm, label: string): void {
  a.la(R.a1, label);
  a.j('jal', RT.puts);
  a.emit(nop());
}

/** Emits a NUL-terminated ASCII string as data words at label `name` (inline in the code). */
export function emitString(a: Asm, name: string, s: string): void {
  a.label(name);
  const n = (s.length + 4) & ~3;
  for (let i = 0; i < n; i += 4) {
    let w = 0;
    for (let k = 0; k < 4; k++) w |= (i + k < s.length ? s.charCodeAt(i + k) & 0x7f : 0) << (8 * k);
    a.emit(raw(w, `.ascii ${JSON.stringify(s.slice(i, i + 4))}`));
  }
}
