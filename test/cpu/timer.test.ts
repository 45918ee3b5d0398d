// Interrupts and the CP0 timer (MIPS32 PRA 6.1 interrupts, 9.10 Count, 9.13 Compare, 9.15
// Status.IE/IM, 9.16 Cause.IP/TI; Vol. II WAIT, DI, EI).
//   - Count increments at a constant rate; when Count = Compare, Cause.TI and the timer
//     interrupt line (IP7 here: IntCtl.IPTI = 7) are set, and stay set until Compare is written.
//   - An interrupt is taken when Status.IE = 1, EXL = ERL = 0 and (Cause.IP & Status.IM) != 0.
//   - IP1..IP0 are software interrupts, written through Cause.
// Everything runs through Cpu.step, which is where the CPU samples interrupts.

import { describe, expect, it } from 'vitest';
import { CAUSE, CODE, EXC, R, Rig, ST, V } from './helpers.ts';

/** Handler that acknowledges the timer (rewrites Compare), counts entries in s7, and returns. */
const TIMER_HANDLER = `
  addiu s7, s7, 1
  mfc0 k0, $13
  move s6, k0          # Cause as seen by the handler
  mfc0 k1, $11
  mtc0 k1, $11         # writing Compare clears TI / IP7
  mfc0 s5, $9          # Count inside the handler
  ehb
  eret
`;

describe('Count', () => {
  it('advances at a constant rate of one tick per CCRes cycles (rdhwr $3)', () => {
    const nops = Array<string>(200).fill('nop').join('\n');
    const rig = new Rig().exec(`
      rdhwr s0, $3         # CCRes: cycles per Count tick
      mfc0 s1, $9
      ${nops}
      mfc0 s2, $9
    `, {}, 1000);
    const ccres = rig.reg(R.s0);
    expect(ccres).toBeGreaterThanOrEqual(1);
    // 201 instructions between the two reads (one cycle each in this model).
    const delta = (rig.reg(R.s2) - rig.reg(R.s1)) | 0;
    expect(delta).toBeGreaterThanOrEqual(Math.floor(201 / ccres) - 1);
    expect(delta).toBeLessThanOrEqual(Math.ceil(201 / ccres) + 1);
  });
  it('can be written', () => {
    const rig = new Rig().exec(`
      li t0, 0x7ffffff0
      mtc0 t0, $9
      mfc0 t1, $9
    `);
    expect(rig.reg(R.t1) - 0x7ffffff0).toBeGreaterThanOrEqual(0);
    expect(rig.reg(R.t1) - 0x7ffffff0).toBeLessThanOrEqual(2);
  });
});

describe('Count = Compare raises Cause.TI and IP7', () => {
  const POLL = `
      mtc0 zero, $9        # Count = 0
      li t0, 50
      mtc0 t0, $11         # Compare = 50
      ehb
    poll:
      mfc0 t2, $9          # Count, read before Cause
      mfc0 t1, $13
      ext t3, t1, 30, 1    # Cause.TI
      bne t3, zero, fired
      nop
      b poll
      move s0, t2          # Count before a Cause read that still showed TI = 0
    fired:
      mfc0 s2, $9          # Count after TI was seen
      ext s3, t1, 15, 1    # Cause.IP7
  `;
  it('not before Count reaches Compare, and as soon as it does (interrupts disabled)', () => {
    const rig = new Rig().exec(POLL, {}, 5000);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s0)).toBeLessThan(50);
    expect(rig.reg(R.s2)).toBeGreaterThanOrEqual(50);
    expect(rig.reg(R.s2)).toBeLessThan(60);
    expect(rig.reg(R.s3)).toBe(1);
    expect(rig.exc).toBe(0); // nothing was taken: ExcCode still from reset
  });
  it('writing Compare clears TI and IP7', () => {
    const rig = new Rig().exec(`${POLL}
      mtc0 t0, $11
      ehb
      mfc0 s4, $13
    `, {}, 5000);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s4) & (CAUSE.TI | CAUSE.IP7)).toBe(0);
  });
  it('writing Count does not clear a pending timer interrupt', () => {
    const rig = new Rig().exec(`${POLL}
      mtc0 zero, $9
      ehb
      mfc0 s4, $13
    `, {}, 5000);
    expect(rig.reg(R.s4) & CAUSE.IP7).toBe(CAUSE.IP7);
  });
});

describe('timer interrupt', () => {
  const ARM = (status: number): string => `
      mfc0 t0, $9
      addiu t0, t0, 40
      mtc0 t0, $11         # Compare = Count + 40
      li t1, ${status}
      mtc0 t1, $12
      ehb
    spin:
      b spin
      nop
  `;
  it('is taken with IE = 1 and IM7 = 1: ExcCode Int, Cause.IP7 and TI set, EPC in the loop', () => {
    const rig = new Rig();
    rig.asm(ARM(ST.IE | ST.IM7));
    rig.run({ budget: 1000 });
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Int);
    expect(rig.cause & (CAUSE.IP7 | CAUSE.TI)).toBe(CAUSE.IP7 | CAUSE.TI);
    // spin + 4 is always the delay slot of `b spin`: either way EPC names spin.
    expect(rig.epc).toBe(rig.labels['spin']!);
  });
  it('with Cause.IV = 1 goes to the interrupt vector', () => {
    const rig = new Rig().exec(`
      li t0, ${CAUSE.IV}
      mtc0 t0, $13
      ${ARM(ST.IE | ST.IM7)}
    `, {}, 1000);
    expect(rig.where()).toBe('interrupt');
  });
  for (const [what, status] of [
    ['IE = 0', ST.IM7],
    ['IM7 = 0', ST.IE | ST.IM0 | ST.IM1],
    ['EXL = 1', ST.IE | ST.IM7 | ST.EXL],
    ['ERL = 1', ST.IE | ST.IM7 | ST.ERL],
  ] as const) {
    it(`is masked by ${what}, though Cause.IP7 is set`, () => {
      const rig = new Rig();
      rig.asm(ARM(status));
      rig.run({ budget: 1000 });
      expect(rig.where()).toMatch(/^0x/); // still spinning
      expect(rig.cpu.pc === rig.labels['spin'] || rig.cpu.pc === rig.labels['spin']! + 4).toBe(true);
      expect(rig.cause & CAUSE.IP7).toBe(CAUSE.IP7);
    });
  }
  it('a masked pending interrupt is taken as soon as IM7 is enabled', () => {
    const rig = new Rig().exec(`
      mfc0 t0, $9
      addiu t0, t0, 10
      mtc0 t0, $11
      li t1, ${ST.IE}
      mtc0 t1, $12
      ehb
      li t3, 200
    wait200:
      addiu t3, t3, -1
      bne t3, zero, wait200
      nop
      li t1, ${ST.IE | ST.IM7}
      mtc0 t1, $12         # enable IM7: the pending timer interrupt fires now
      ehb
    after:
      addiu t4, zero, 1
    `, {}, 2000);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Int);
    expect(rig.reg(R.t4)).toBe(0);
    const after = rig.labels['after']!;
    expect(rig.epc === after || rig.epc === after - 4).toBe(true);
  });
  it('a handler that acknowledges it returns to the loop, and the next match interrupts again', () => {
    const rig = new Rig();
    rig.place(TIMER_HANDLER, V.general);
    rig.exec(`
      li t1, ${ST.IE | ST.IM7}
      mtc0 t1, $12
      mfc0 t0, $9
      addiu t0, t0, 30
      mtc0 t0, $11
      ehb
    count:
      addiu s0, s0, 1
      b count
      nop
    `, {}, 20000);
    // Compare is rewritten with its own value: the next match is a full Count wrap away, so
    // exactly one interrupt in this budget, and the loop kept running afterwards.
    expect(rig.reg(R.s7)).toBe(1);
    expect(rig.reg(R.s6) & (CAUSE.IP7 | 0x7c)).toBe(CAUSE.IP7); // Int, IP7
    expect(rig.reg(R.s5)).toBeGreaterThanOrEqual(rig.cpu.cp0.compare);
    expect(rig.reg(R.s0)).toBeGreaterThan(1000);
    expect(rig.status & ST.EXL).toBe(0);
  });
});

describe('software interrupts IP0 / IP1', () => {
  for (const [ip, im] of [[CAUSE.IP0, ST.IM0], [CAUSE.IP1, ST.IM1]] as const) {
    const name = ip === CAUSE.IP0 ? 'IP0' : 'IP1';
    it(`${name} set through Cause is taken right away when enabled`, () => {
      const rig = new Rig({ status: ST.IE | im }).exec(`
        li t0, ${ip}
        mtc0 t0, $13
        ehb
      next:
        addiu t1, zero, 1
      `);
      expect(rig.where()).toBe('general');
      expect(rig.exc).toBe(EXC.Int);
      expect(rig.cause & ip).toBe(ip); // stays set until software clears it
      const next = rig.labels['next']!;
      expect(rig.epc === next || rig.epc === next - 4).toBe(true);
    });
    it(`${name} is masked by its IM bit`, () => {
      const rig = new Rig({ status: ST.IE | (im === ST.IM0 ? ST.IM1 : ST.IM0) }).exec(`
        li t0, ${ip}
        mtc0 t0, $13
        ehb
        addiu t1, zero, 1
      `);
      expect(rig.where()).toBe('end');
      expect(rig.cause & ip).toBe(ip);
    });
  }
  it('a handler clears IP0 and returns; the program continues', () => {
    const rig = new Rig({ status: ST.IE | ST.IM0 });
    rig.place(`
      addiu s7, s7, 1
      mtc0 zero, $13       # clear IP0
      ehb
      eret
    `, V.general);
    rig.exec(`
      li t0, ${CAUSE.IP0}
      mtc0 t0, $13
      ehb
      addiu t1, zero, 1
      addiu t2, zero, 2
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s7)).toBe(1);
    expect([rig.reg(R.t1), rig.reg(R.t2)]).toEqual([1, 2]);
  });
  it('an interrupt raised by an instruction in a delay slot is taken consistently', () => {
    // Either on the next instruction (BD = 0, EPC = the target) or on the slot's own boundary
    // (BD = 1, EPC = the branch); in both cases the program completes exactly once.
    const rig = new Rig({ status: ST.IE | ST.IM0 });
    rig.place(`
      addiu s7, s7, 1
      mfc0 s6, $13
      mfc0 s5, $14
      mtc0 zero, $13
      ehb
      eret
    `, V.general);
    rig.exec(`
      li t0, ${CAUSE.IP0}
    br:
      b target
      mtc0 t0, $13         # slot
      addiu t5, zero, 1    # skipped
    target:
      addiu t1, t1, 1
    `);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s7)).toBe(1);
    expect(rig.reg(R.t1)).toBe(1);
    expect(rig.reg(R.t5)).toBe(0);
    const bd = (rig.reg(R.s6) & CAUSE.BD) !== 0;
    expect(rig.reg(R.s5)).toBe(bd ? rig.labels['br']! : rig.labels['target']!);
  });
});

describe('WAIT', () => {
  it('sleeps until the timer interrupt; EPC is the instruction after WAIT', () => {
    const rig = new Rig();
    rig.place(TIMER_HANDLER, V.general);
    rig.exec(`
      mfc0 t0, $9
      li t1, 100000
      addu t0, t0, t1
      mtc0 t0, $11         # Compare = Count + 100000
      li t1, ${ST.IE | ST.IM7}
      mtc0 t1, $12
      ehb
      wait
    woke:
      addiu t2, zero, 1
    `, {}, 1_000_000);
    expect(rig.where()).toBe('end');
    expect(rig.reg(R.s7)).toBe(1);
    expect(rig.reg(R.t2)).toBe(1);
    // The handler saw Count at or past Compare: the CPU really slept until the match.
    expect(rig.reg(R.s5) - rig.cpu.cp0.compare).toBeGreaterThanOrEqual(0);
    expect(rig.cpu.cp0.epc).toBe(rig.labels['woke']!);
  });
  it('with interrupts disabled nothing can wake it: step returns early with waiting set', () => {
    const rig = new Rig();
    rig.asm('wait\naddiu t0, zero, 1');
    rig.cpu.setPC(CODE);
    const elapsed = rig.cpu.step(100_000, () => false);
    expect(elapsed).toBeLessThan(100_000);
    expect(rig.cpu.waiting).toBe(true);
    expect(rig.reg(R.t0)).toBe(0);
  });
  it('a hardware interrupt line (setIrq) wakes it', () => {
    const rig = new Rig({ status: ST.IE | 0x400 }); // IM2
    rig.asm('wait\nwoke: addiu t0, zero, 1');
    rig.cpu.setPC(CODE);
    rig.cpu.step(1000, () => false);
    expect(rig.cpu.waiting).toBe(true);
    rig.cpu.setIrq(2, true);
    rig.cpu.step(1000, () => false);
    expect(rig.where()).toBe('general');
    expect(rig.exc).toBe(EXC.Int);
    expect(rig.cause & 0x400).toBe(0x400);
    expect(rig.epc).toBe(rig.labels['woke']!);
    expect(rig.reg(R.t0)).toBe(0);
  });
});

describe('di / ei (Vol. II DI, EI): rt = Status before the change', () => {
  it('di clears IE and returns the old Status; ei sets it and returns the old Status', () => {
    const st = ST.IE | ST.IM7 | ST.IM0;
    const rig = new Rig({ status: st }).exec(`
      di t0
      mfc0 t1, $12
      ei t2
      mfc0 t3, $12
      di
      mfc0 t4, $12
    `);
    expect(rig.where()).toBe('end');
    expect(rig.ureg(R.t0)).toBe(st);
    expect(rig.ureg(R.t1)).toBe(st & ~ST.IE);
    expect(rig.ureg(R.t2)).toBe(st & ~ST.IE);
    expect(rig.ureg(R.t3)).toBe(st);
    expect(rig.ureg(R.t4)).toBe(st & ~ST.IE);
  });
  it('ei with a pending enabled interrupt: it is taken right after', () => {
    const rig = new Rig({ status: ST.IM0 }).exec(`
      li t0, ${CAUSE.IP0}
      mtc0 t0, $13
      ehb
      addiu t1, zero, 1    # still disabled
      ei
      ehb
    after:
      addiu t2, zero, 1
    `);
    expect(rig.where()).toBe('general');
    expect(rig.reg(R.t1)).toBe(1);
    expect(rig.reg(R.t2)).toBe(0);
  });
});
