// The test assembler (helpers.ts) must produce the same words as GNU as, or every other test in
// this folder would be checking the wrong program.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, CODE } from './helpers.ts';

const SRC = `
start:
  addu $v0, $a0, $a1
  addiu $sp, $sp, -32
  lw $ra, 28($sp)
  sw $t0, -4($s8)
  lui $t1, 0xbfc0
  ori $t1, $t1, 0xffff
  andi $t2, $t3, 0x8000
  sll $t0, $t1, 31
  srl $t0, $t1, 1
  rotr $t0, $t1, 7
  rotrv $t0, $t1, $t2
  sra $t0, $t1, 4
  sllv $t0, $t1, $t2
  mult $a0, $a1
  divu $a0, $a1
  mfhi $v0
  mflo $v1
  mthi $a2
  mtlo $a3
  madd $a0, $a1
  msubu $a0, $a1
  mul $v0, $a0, $a1
  clz $v0, $a0
  clo $v1, $a1
  ext $t0, $t1, 3, 5
  ins $t0, $t1, 8, 16
  seb $t0, $t1
  seh $t0, $t1
  wsbh $t0, $t1
  movn $t0, $t1, $t2
  movz $t0, $t1, $t2
  beq $t0, $t1, start
  bne $t0, $zero, fwd
  bltzall $a0, start
  bgezl $a0, fwd
  blez $a0, fwd
  bgtzl $a0, fwd
  jalr $t9
  jalr $s0, $t9
  jr $ra
  jr.hb $ra
  j start
  jal fwd
  syscall
  break
  teq $a0, $a1
  tgeiu $a0, -1
  tnei $a0, 5
  mfc0 $t0, $12
  mtc0 $t0, $15, 1
  tlbp
  tlbr
  tlbwi
  tlbwr
  eret
  wait
  di $v0
  ei
  rdhwr $v1, $29
  lwl $t0, 3($a0)
  lwr $t0, 0($a0)
  swl $t0, 3($a0)
  swr $t0, 0($a0)
  ll $t0, 0($a0)
  sc $t0, 0($a0)
  lb $t0, -1($a0)
  lhu $t0, 2($a0)
  cache 0x14, 0($a0)
  sync
fwd:
  nop
`;

/** GNU as expands `divu rs, rt` with a divide-by zero check; the three-operand form with $zero is the bare instruction. */
function gasSource(src: string): string {
  return src.replace(/^(\s*)(divu?) /gm, '$1$2 $$zero, ');
}

describe('test assembler', () => {
  it('encodes a few words known from the manual', () => {
    const p = assemble('addu v0, a0, a1\nmfc0 t0, $12\neret\nb 0x80001000\n', CODE);
    // addu: SPECIAL rs=4 rt=5 rd=2 funct 0x21; mfc0: COP0 MF rt=8 rd=12; eret: COP0 CO 0x18;
    // b . at CODE + 12: offset (CODE - (CODE + 16)) / 4 = -4.
    expect(p.words.map((w) => w >>> 0)).toEqual([0x00851021, 0x40086000, 0x42000018, 0x1000fffc]);
  });

  it('matches GNU as on every form the tests use', (ctx) => {
    const tmp = mkdtempSync(join(tmpdir(), 'disco-asm-'));
    try {
      const s = join(tmp, 'a.s'), o = join(tmp, 'a.o'), e = join(tmp, 'a.elf'), b = join(tmp, 'a.bin');
      writeFileSync(s, `.set noreorder\n.set noat\n.text\n.globl start\n${gasSource(SRC)}`);
      try {
        execFileSync('mipsel-linux-gnu-as', ['--version'], { stdio: 'ignore' });
      } catch {
        console.warn('skipped: mipsel-linux-gnu-as not installed');
        ctx.skip();
        return;
      }
      execFileSync('mipsel-linux-gnu-as', ['-march=mips32r2', '-mno-fix-loongson3-llsc', '-EL', '-o', o, s]);
      execFileSync('mipsel-linux-gnu-ld', ['-EL', `-Ttext=0x${(CODE >>> 0).toString(16)}`, '-e', 'start', '-o', e, o]);
      execFileSync('mipsel-linux-gnu-objcopy', ['-O', 'binary', '-j', '.text', e, b]);
      const bin = readFileSync(b);
      const gnu: number[] = [];
      for (let i = 0; i + 4 <= bin.length; i += 4) gnu.push(bin.readUInt32LE(i));
      const ours = assemble(SRC, CODE).words.map((w) => w >>> 0);
      const lines = SRC.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.endsWith(':'));
      const diffs = ours.flatMap((w, i) => (w === gnu[i] ? [] : [`${lines[i]}: ours ${w.toString(16)} gnu ${gnu[i]?.toString(16)}`]));
      expect(diffs).toEqual([]);
      // ld pads .text to 16 bytes with zero words.
      expect(gnu.length - ours.length).toBeLessThan(4);
      expect(gnu.slice(ours.length).every((w) => w === 0)).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
