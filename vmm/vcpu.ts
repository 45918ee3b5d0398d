// A virtual CPU: the guest's registers while it is not on a physical CPU, its virtual CP0
// (every privileged register the guest sees, including a virtual TLB for tlbp/tlbr), its
// L2TLB, and the emulation of every privileged instruction it executes (Disco section 4.2.1).
//
// The guest kernel runs in supervisor mode with Status.CU0 clear, so every privileged
// instruction traps to the monitor as Coprocessor Unusable; the `cache` instruction too.
// Virtual kernel mode (virtual EXL, ERL, or KSU = kernel) runs in physical supervisor mode,
// virtual user mode in physical user mode. Exceptions are delivered to the guest at the window
// alias of its vector with exactly the state the hardware would set (PRA 6.2).
//
// The virtual CP0 is a cpu/cp0.ts Cp0, so write masks and read values are the hardware's;
// Count, Random and the timer run on machine time (the physical CPU's clock). The virtual TLB
// is a cpu/tlb.ts Tlb holding the guest's entries exactly as written (guest physical PFNs).
//
// The privileged-register page (docs/monitor.md): one machine page per VCPU, mapped at
// PRIV_VA in virtual kernel mode, holding copies of the registers the guest reads most. The
// monitor writes it on every return to the guest; the read-write slots are read back on every
// entry, so the guest may update them with stores and let a later eret or tlbwi use them.

import type { Cpu } from '../cpu/cpu.ts';
import {
  Cp0, CA_BD, CA_IV, C0_CONTEXT, C0_COUNT, C0_ENTRYHI, C0_ENTRYLO0, C0_ENTRYLO1,
  C0_EPC, C0_ERROREPC, C0_HWRENA, C0_INDEX, C0_PAGEMASK, C0_STATUS, EXC_CPU, EXC_INT,
  EXC_NAMES, ST_BEV, ST_ERL, ST_EXL, ST_IE, ST_TS, W_FLUSH, W_TIMER, CA_TI, CA_IP7, ST_CU0,
} from '../cpu/cp0.ts';
import { Tlb, TLB_MISS } from '../cpu/tlb.ts';
import { L2Tlb } from './l2tlb.ts';
import type { TranslationHolder } from './memmap.ts';
import type { PCpu } from './sched.ts';
import { VmFault, WINDOW_BASE, type Vm } from './vm.ts';

/** Virtual address of the privileged-register page (a reserved ksseg page pair). */
export const PRIV_VA = 0xd0000000 | 0;

/** Byte offsets in the privileged-register page (docs/monitor.md). RO: the guest's stores are
 * overwritten at the next monitor exit; RW: read back at every monitor entry. */
export const PRIV_STATUS = 0x00; // RO, except CU0, IM, KSU, EXL, IE (PRIV_STATUS_RW): taken at the next trap
export const PRIV_CAUSE = 0x04; // RO
export const PRIV_EPC = 0x08; // RW
export const PRIV_BADVADDR = 0x0c; // RO
export const PRIV_ENTRYHI = 0x10; // RO (ASID changes need mtc0)
export const PRIV_ENTRYLO0 = 0x14; // RW
export const PRIV_ENTRYLO1 = 0x18; // RW
export const PRIV_INDEX = 0x1c; // RW
export const PRIV_PAGEMASK = 0x20; // RW
export const PRIV_CONTEXT = 0x24; // RW (PTEBase bits)
export const PRIV_ERROREPC = 0x28; // RW
export const PRIV_COMPARE = 0x2c; // RO
export const PRIV_COUNT = 0x30; // RO: Count at the last monitor exit
export const PRIV_VCPU = 0x34; // RO: VCPU number in the VM
export const PRIV_MAGIC = 0x38; // RO: PRIV_MAGIC_VALUE
export const PRIV_MAGIC_VALUE = 0x50435344; // "DSCP"
/** RO: Cause.IP & Status.IM at the last monitor exit. A guest that sets IE through the page
 * and finds this non-zero traps once (e.g. executes `ei`) to take the interrupt now. */
export const PRIV_PENDING = 0x3c;
/** Offsets 0x40-0xFFF belong to the guest: the monitor never reads or writes them (a trap
 * handler that may touch only k0/k1 saves a register there, as IRIX's did in its PDA). */
export const PRIV_GUEST = 0x40;
/**
 * Status bits the guest may write through the page: CU0, IM, KSU, EXL and IE, the bits a
 * kernel's trap entry and return change (BEV, ERL and the rest need mtc0). The change is taken
 * at the next trap into the monitor, before anything else, so a store followed by eret behaves
 * as mtc0 followed by eret. Until then the physical mode stays what it was; a kernel changes
 * KSU only with EXL set (virtual kernel mode either way), so for it nothing differs. A guest
 * that enables an interrupt this way (IE or IM) takes it at that next trap: the pending word
 * tells it whether to make one.
 */
export const PRIV_STATUS_RW = ST_CU0 | 0xff00 | 0x18 | ST_EXL | ST_IE;

/** Read-write slots: [byte offset, CP0 register]. */
const PRIV_RW: ReadonlyArray<readonly [number, number]> = [
  [PRIV_EPC, C0_EPC], [PRIV_ENTRYLO0, C0_ENTRYLO0], [PRIV_ENTRYLO1, C0_ENTRYLO1], [PRIV_INDEX, C0_INDEX],
  [PRIV_PAGEMASK, C0_PAGEMASK], [PRIV_CONTEXT, C0_CONTEXT], [PRIV_ERROREPC, C0_ERROREPC],
];

/** reset: not started yet (secondary VCPUs before START); idle: in wait or the idle call. */
export type VState = 'reset' | 'runnable' | 'idle' | 'stopped';

export class VCpu implements TranslationHolder {
  /** Global number (memmap references), and number within the VM (EBase.CPUNum). */
  readonly gid: number;
  readonly index: number;
  readonly vm: Vm;
  /** Saved registers while not on a physical CPU. */
  readonly regs = new Int32Array(32);
  hi = 0;
  lo = 0;
  /** Where the VCPU continues (not in a delay slot). */
  pc = 0;
  readonly cp0: Cp0;
  /** The guest's TLB, as the guest wrote it. */
  readonly tlb: Tlb;
  readonly l2 = new L2Tlb();
  state: VState = 'reset';
  /** How an idle VCPU wakes: `wait` needs an enabled interrupt (IE), `call` an unmasked one. */
  idleKind: 'wait' | 'call' = 'wait';
  /** Home physical CPU and whether it may run elsewhere. */
  home: number;
  pinned: boolean;
  /** The physical CPU running this VCPU, or null. */
  pcpu: PCpu | null = null;
  /** The physical CPU whose machine TLB holds this VCPU's entries, or null. */
  tlbOn: PCpu | null = null;
  /** Machine cycle at which virtual Count next equals virtual Compare (valid while loaded or idle). */
  timerDeadline = Infinity;
  /**
   * Virtual time (docs/monitor.md): the VCPU's clock is the machine clock minus the cycles it
   * spent runnable but waiting for a physical CPU (stolen time), so that Count does not jump
   * between two of its instructions. Idle time is not stolen: timers fire on time.
   */
  stolen = 0;
  /** Machine cycle at which it became runnable without running, or -1. */
  readySince = 0;
  /** Machine page of the privileged-register page, and a word view of it. */
  readonly privPage: number;
  private readonly priv: Int32Array;
  private readonly privOut = new Int32Array(16);
  /** Instructions retired before the current load, and cpu.instret at the load. */
  instret = 0;
  loadInstret = 0;
  /** Same-fault detection (a monitor that keeps faulting at one place is a livelock). */
  lastFaultPc = 0;
  lastFaultVa = 0;
  sameFaults = 0;

  constructor(vm: Vm, index: number, gid: number, home: number, pinned: boolean, privPage: number, ram32: Int32Array, tlbEntries: number) {
    this.vm = vm;
    this.index = index;
    this.gid = gid;
    this.home = home;
    this.pinned = pinned;
    this.tlb = new Tlb(tlbEntries);
    this.cp0 = new Cp0(tlbEntries, index);
    // Boot state under the monitor (docs/monitor.md): kernel mode, BEV and ERL clear (a VM has
    // no boot ROM; EBase stays 0x80000000, so the vectors are at the window's low pages).
    this.cp0.status = 0;
    this.privPage = privPage;
    this.priv = ram32.subarray(privPage * 1024, privPage * 1024 + 1024);
    this.priv.fill(0);
    this.priv[PRIV_VCPU >> 2] = index;
    this.priv[PRIV_MAGIC >> 2] = PRIV_MAGIC_VALUE;
  }

  /** Virtual privilege: 0 kernel, 1 supervisor, 2 user (PRA 3.3). */
  mode(): number {
    return this.cp0.mode();
  }

  /** Privileged instructions are allowed: virtual kernel mode or virtual Status.CU0. */
  cop0Usable(): boolean {
    return this.cp0.mode() === 0 || (this.cp0.status & ST_CU0) !== 0;
  }

  /** Instructions executed (up to now, if running). */
  instructions(): number {
    return this.instret + (this.pcpu !== null ? this.pcpu.cpu.instret - this.loadInstret : 0);
  }

  /** The physical Status for the current virtual mode: supervisor or user, interrupts on. */
  physStatus(): number {
    const m = this.cp0.mode();
    const ksu = m === 2 || m === 3 ? 2 : 1;
    return (ksu << 3) | ST_IE | PHYS_IM;
  }

  /** Bring the physical CPU's mode in line with the virtual mode (flush on a change). */
  applyMode(cpu: Cpu): void {
    const s = this.physStatus();
    if (cpu.cp0.status !== s) {
      if (((cpu.cp0.status ^ s) & 0x18) !== 0) cpu.tc.flush();
      cpu.cp0.status = s;
    }
  }

  /** Bring the physical ASID in line with the virtual EntryHi.ASID. */
  applyAsid(cpu: Cpu): void {
    const a = this.cp0.entryHi & 0xff;
    if ((cpu.cp0.entryHi & 0xff) !== a) {
      cpu.cp0.entryHi = (cpu.cp0.entryHi & ~0xff) | a;
      cpu.tc.flush();
    }
  }

  /** Mirror HWREna and UserLocal: user-mode rdhwr of CPUNum and CC traps (emulated). */
  applyHwr(cpu: Cpu): void {
    cpu.cp0.hwrEna = this.cp0.hwrEna & ~0x5;
    cpu.cp0.userLocal = this.cp0.userLocal;
  }

  /** The VCPU's virtual clock at machine cycle `now` (Count, Random and Compare run on it). */
  vnow(now: number): number {
    return now - this.stolen;
  }

  /** Raise the virtual timer interrupt if Count has reached Compare by machine time `now`. */
  tick(now: number): void {
    if (now >= this.timerDeadline) {
      this.cp0.cause |= CA_TI | CA_IP7;
      this.timerDeadline = now + this.cp0.cyclesToCompare(this.vnow(now));
    }
  }

  /** Count or Compare changed, or virtual time stopped for a while: recompute the next match. */
  retime(now: number): void {
    this.timerDeadline = now + this.cp0.cyclesToCompare(this.vnow(now));
  }

  /** An enabled virtual interrupt is pending (IE set, EXL and ERL clear, PRA 6.1.1). */
  interruptPending(): boolean {
    const s = this.cp0.status;
    if ((s & (ST_IE | ST_EXL | ST_ERL)) !== ST_IE) return false;
    return (this.cp0.cause & s & 0xff00) !== 0;
  }

  /** An idle VCPU may run again at `now`. */
  wakeable(now: number): boolean {
    this.tick(now);
    if (this.idleKind === 'wait') return this.interruptPending();
    return (this.cp0.cause & this.cp0.status & 0xff00) !== 0;
  }

  /** Whether anything could ever wake this idle VCPU (else it is parked for good). */
  canWake(): boolean {
    const s = this.cp0.status;
    if (this.idleKind === 'wait' && (s & (ST_IE | ST_EXL | ST_ERL)) !== ST_IE) return false;
    const im = s & 0xff00;
    if ((im & this.cp0.cause) !== 0) return true;
    // The timer always comes round (Count wraps); IPIs need another VCPU; software
    // interrupts and device lines need someone else to raise them.
    if ((im & CA_IP7) !== 0 && (this.cp0.cause & 0x08000000) === 0) return true;
    if ((im & 0x4000) !== 0 && this.vm.vcpus.length > 1) return true;
    return false;
  }

  // -------------------------------------------------------------------------------------
  // Exceptions into the guest (PRA 6.2).

  /**
   * Deliver exception `code` to the guest for the instruction at `epcPC` (`ds`: in a delay
   * slot) as the hardware would: EPC and Cause.BD unless EXL was set, ExcCode, EXL, and a jump
   * to the window alias of the vector (refill at 0x000 only when EXL was clear, interrupts at
   * 0x200 when Cause.IV, the rest at 0x180). `tlbVa` also sets BadVAddr, Context.BadVPN2 and
   * EntryHi.VPN2; `badVa` sets only BadVAddr (address errors); `ce` is Cause.CE for CpU.
   */
  deliver(p: PCpu, code: number, epcPC: number, ds: boolean, opts: { refill?: boolean; tlbVa?: number; badVa?: number; ce?: number } = {}): void {
    const c = this.cp0;
    if ((c.status & ST_BEV) !== 0) {
      throw new VmFault(`${EXC_NAMES[code]} exception with Status.BEV set: a VM has no boot ROM for the BEV vectors (pc 0x${hex(epcPC)})`, 'fault', this.vm);
    }
    let offset = 0x180;
    if ((c.status & ST_EXL) === 0) {
      if (ds) { c.epc = (epcPC - 4) | 0; c.cause |= CA_BD; } else { c.epc = epcPC | 0; c.cause &= ~CA_BD; }
      if (opts.refill === true) offset = 0;
    }
    if (code === EXC_INT && (c.cause & CA_IV) !== 0) offset = 0x200;
    c.cause = (c.cause & ~0x7c) | (code << 2);
    if (code === EXC_CPU) c.cause = (c.cause & ~(3 << 28)) | ((opts.ce ?? 0) << 28);
    if (opts.tlbVa !== undefined) {
      const va = opts.tlbVa;
      c.badVAddr = va | 0;
      c.context = (c.context & 0xff800000) | ((va >>> 9) & 0x007ffff0);
      c.entryHi = (va & 0xffffe000) | (c.entryHi & 0xff);
    } else if (opts.badVa !== undefined) {
      c.badVAddr = opts.badVa | 0;
    }
    c.status |= ST_EXL;
    const gpa = (c.ebase & 0x1ffff000) + offset;
    if (gpa + 4 > this.vm.memBytes) {
      throw new VmFault(`${EXC_NAMES[code]} exception vector 0x${hex((c.ebase & 0xfffff000) + offset)} lies outside the VM's memory (pc 0x${hex(epcPC)})`, 'fault', this.vm);
    }
    this.vm.counters.delivered[code]++;
    this.applyMode(p.cpu);
    p.cpu.setPC((WINDOW_BASE + gpa) | 0);
  }

  // -------------------------------------------------------------------------------------
  // Privileged instructions (PRA 9, Vol. II MFC0 ... WAIT). Each returns where the guest
  // continues, or null when the instruction redirected the VCPU itself (exception, idle).

  /** mfc0: the virtual register; Count and Random on machine time. */
  mfc0(rd: number, sel: number, now: number): number {
    return this.cp0.read(rd, sel, this.vnow(now));
  }

  /** mtc0 with the hardware's write masks; side effects reach the physical CPU `cpu`. */
  mtc0(cpu: Cpu, rd: number, sel: number, value: number, now: number): number {
    const f = this.cp0.write(rd, sel, value, this.vnow(now));
    if ((f & W_FLUSH) !== 0) {
      if (rd === C0_ENTRYHI) this.applyAsid(cpu);
      else this.applyMode(cpu);
    }
    if (rd === C0_STATUS && sel === 0) this.applyMode(cpu);
    if ((f & W_TIMER) !== 0) this.retime(now);
    if (rd === C0_HWRENA || (rd === C0_CONTEXT && sel === 2)) this.applyHwr(cpu);
    return f;
  }

  /** tlbr: read virtual TLB entry Index into the staging registers. */
  tlbr(cpu: Cpu): void {
    const c = this.cp0, t = this.tlb;
    const i = (c.index & 0x3f) % t.size;
    c.entryHi = t.hi[i] | t.asid[i];
    c.pageMask = t.mask[i];
    c.entryLo0 = t.lo0[i] | t.global[i];
    c.entryLo1 = t.lo1[i] | t.global[i];
    this.applyAsid(cpu);
  }

  /** tlbp: probe the virtual TLB with EntryHi. */
  tlbp(): void {
    const c = this.cp0;
    const i = this.tlb.lookup(c.entryHi, c.entryHi & 0xff);
    c.index = i === TLB_MISS ? (0x80000000 | 0) : i;
  }

  /**
   * Check a virtual TLB write at index `i` for the duplicate-entry machine check (PRA 4.7):
   * true if it must be refused (Status.TS set; the caller delivers EXC_MCHECK).
   */
  tlbWriteConflicts(i: number): boolean {
    const c = this.cp0;
    const g = (c.entryLo0 & c.entryLo1 & 1) !== 0;
    if (this.tlb.findOverlap(c.entryHi, c.pageMask, g, i) !== TLB_MISS) {
      c.status |= ST_TS;
      return true;
    }
    return false;
  }

  /** eret: the return address; clears ERL or EXL (Vol. II ERET). */
  eret(cpu: Cpu): number {
    const c = this.cp0;
    let to: number;
    if ((c.status & ST_ERL) !== 0) { to = c.errorEpc; c.status &= ~ST_ERL; }
    else { to = c.epc; c.status &= ~ST_EXL; }
    cpu.llbit = 0;
    this.applyMode(cpu);
    cpu.tc.flush();
    return to | 0;
  }

  /** di/ei: old Status into rt, IE cleared or set. */
  diEi(set: boolean): number {
    const old = this.cp0.status;
    this.cp0.status = set ? (old | ST_IE) : (old & ~ST_IE);
    return old;
  }

  /** Emulated rdhwr (Vol. II RDHWR): null if the guest may not read register `rd` (RI). */
  rdhwr(rd: number, now: number): number | null {
    const c = this.cp0;
    const implemented = rd <= 3 || rd === 29;
    if (!implemented || (c.mode() !== 0 && (c.hwrEna & (1 << rd)) === 0)) return null;
    switch (rd) {
      case 0: return this.index; // CPUNum
      case 1: return 32; // SYNCI_Step
      case 2: return c.countAt(this.vnow(now)); // CC
      case 3: return 1 << c.countShift; // CCRes
      default: return c.userLocal;
    }
  }

  // -------------------------------------------------------------------------------------
  // The privileged-register page.

  /** Take the guest's stores to the read-write slots into the virtual CP0 (`cpu` runs it). */
  syncIn(now: number, cpu: Cpu): void {
    const pg = this.priv, out = this.privOut;
    const st = pg[PRIV_STATUS >> 2];
    if (((st ^ out[PRIV_STATUS >> 2]) & PRIV_STATUS_RW) !== 0) {
      this.cp0.status = (this.cp0.status & ~PRIV_STATUS_RW) | (st & PRIV_STATUS_RW);
      this.applyMode(cpu);
    }
    for (const [off, reg] of PRIV_RW) {
      const k = off >> 2;
      if (pg[k] !== out[k]) this.cp0.write(reg, 0, pg[k], this.vnow(now));
    }
  }

  /** Write the virtual registers into the page (the guest's view until the next exit). */
  syncOut(now: number): void {
    const c = this.cp0, pg = this.priv, out = this.privOut;
    pg[PRIV_STATUS >> 2] = out[PRIV_STATUS >> 2] = c.status;
    pg[PRIV_CAUSE >> 2] = c.cause;
    pg[PRIV_EPC >> 2] = out[PRIV_EPC >> 2] = c.epc;
    pg[PRIV_BADVADDR >> 2] = c.badVAddr;
    pg[PRIV_ENTRYHI >> 2] = c.entryHi;
    pg[PRIV_ENTRYLO0 >> 2] = out[PRIV_ENTRYLO0 >> 2] = c.entryLo0;
    pg[PRIV_ENTRYLO1 >> 2] = out[PRIV_ENTRYLO1 >> 2] = c.entryLo1;
    pg[PRIV_INDEX >> 2] = out[PRIV_INDEX >> 2] = c.index;
    pg[PRIV_PAGEMASK >> 2] = out[PRIV_PAGEMASK >> 2] = c.pageMask;
    pg[PRIV_CONTEXT >> 2] = out[PRIV_CONTEXT >> 2] = c.context;
    pg[PRIV_ERROREPC >> 2] = out[PRIV_ERROREPC >> 2] = c.errorEpc;
    pg[PRIV_COMPARE >> 2] = c.compare;
    pg[PRIV_COUNT >> 2] = c.read(C0_COUNT, 0, this.vnow(now));
    pg[PRIV_VCPU >> 2] = this.index;
    pg[PRIV_MAGIC >> 2] = PRIV_MAGIC_VALUE;
    pg[PRIV_PENDING >> 2] = c.cause & c.status & 0xff00;
  }

  // -------------------------------------------------------------------------------------
  // TranslationHolder (memmap.ts).

  /** Remove L2TLB slot `slot`, its memmap references and its machine TLB copy. */
  dropL2(slot: number): void {
    const l2 = this.l2;
    if (!l2.valid(slot)) return;
    const mm = this.vm.monitor.memmap;
    if (l2.mp0[slot] >= 0) mm.removeRef(l2.mp0[slot], this.gid, slot);
    if (l2.mp1[slot] >= 0) mm.removeRef(l2.mp1[slot], this.gid, slot);
    if (this.tlbOn !== null) this.tlbOn.drop(l2.hi[slot], l2.asid[slot]);
    l2.clear(slot);
  }

  /** Drop every L2TLB entry (and so every machine TLB entry of this VCPU). */
  dropAllL2(): void {
    for (const s of this.l2.slots()) this.dropL2(s);
  }

  tlbCpu(): number {
    return this.tlbOn !== null ? this.tlbOn.id : -1;
  }
}

/** Physical interrupt lines the monitor keeps enabled while a guest runs: timer, IPI. */
export const PHYS_IM = CA_IP7 | 0x4000;

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
