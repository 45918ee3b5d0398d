// The monitor's side of address translation (Disco section 4.2.2): what happens when a guest
// access misses or faults in the machine TLB, how machine TLB entries are built from the
// window, the guest's TLB and the pmap, what a guest TLB write does, and the software MMU used
// to emulate loads and stores the hardware refused (kseg0/kseg1/kseg3 from supervisor mode,
// device registers).
//
// A machine TLB exception at virtual address va, in this order:
//   1. refill (no machine entry): the VCPU's L2TLB has the pair      -> insert it, restart
//   2. va in the privileged-register page pair                        -> map the VCPU's page
//   3. va in the window [0xC0000000, 0xC0000000 + VM memory)         -> map from the pmap
//      (the paper's "kernel TLB faults"; pages are allocated and zeroed on first touch)
//   4. the guest's TLB has no entry                                   -> reflect a refill
//      the guest's entry is invalid / clean for a store               -> reflect TLBL/TLBS / Mod
//      it maps a guest physical address outside RAM                   -> emulate (device) or
//                                                                        bus error
//      otherwise                                                      -> translate through the
//                                                                        pmap, insert, restart
// Inserted entries go to the L2TLB (with memmap references) and to the machine TLB.

import { ACC_FETCH, ACC_LOAD, ACC_STORE } from '../cpu/cpu.ts';
import { EXC_ADEL, EXC_ADES, EXC_DBE, EXC_IBE, EXC_MOD, EXC_TLBL, EXC_TLBS } from '../cpu/cp0.ts';
import { TLB_MISS } from '../cpu/tlb.ts';
import type { Bus } from '../cpu/bus.ts';
import { PAGE_BYTES, PAGE_SHIFT } from './alloc.ts';
import { branchTarget, decodeMem, isPartial, mergeLoadPartial, mergeStorePartial } from './insn.ts';
import { L2_GLOBAL } from './l2tlb.ts';
import { PMAP_NONE, PMAP_READONLY } from './pmap.ts';
import type { Monitor } from './monitor.ts';
import type { MissOutcome } from './events.ts';
import type { PCpu } from './sched.ts';
import { PRIV_VA, type VCpu } from './vcpu.ts';
import { VmFault, WINDOW_BASE, type Vm } from './vm.ts';

/** A machine TLB exception that keeps recurring at one pc and address this often is a livelock. */
const LIVELOCK_FAULTS = 64;

/** Cache attribute of window and privileged pages: cacheable noncoherent (PRA 9.6). */
const C_CACHED = 3;

/** Machine EntryLo (PFN, C, D, V) for RAM page `mp`. */
export function machineLo(bus: Bus, mp: number, c: number, dirty: boolean): number {
  const pfn = bus.physOfRam(mp * PAGE_BYTES) / PAGE_BYTES;
  return ((pfn << 6) | ((c & 7) << 3) | (dirty ? 4 : 0) | 2) | 0;
}

/** True if `va` lies in the VM's window (guest physical RAM at 0xC0000000). */
export function inWindow(vm: Vm, va: number): boolean {
  return ((va - WINDOW_BASE) >>> 0) < vm.memBytes;
}

/** True if `va` lies in the reserved privileged-register page pair. */
export function isPrivPair(va: number): boolean {
  return (va & ~0x1fff) === PRIV_VA;
}

interface Built { lo0: number; lo1: number; mp0: number; mp1: number }

/**
 * Machine entry for a window pair touched at `va`: the touched page from the pmap (allocated
 * on first touch), the other half only if the VM already has it. An untouched half stays
 * invalid, so touching it later traps (TLB invalid) and allocates it then: a page the guest
 * gave back (zero_pages) is not allocated again just because its neighbour is in use.
 */
function windowEntry(m: Monitor, p: PCpu, v: VCpu, pair: number, va: number): Built {
  const vm = v.vm;
  const b: Built = { lo0: 0, lo1: 0, mp0: -1, mp1: -1 };
  const touched = (va & PAGE_BYTES) !== 0 ? 1 : 0;
  for (let h = 0; h < 2; h++) {
    const gpa = (pair - WINDOW_BASE + h * PAGE_BYTES) >>> 0;
    if (gpa >= vm.memBytes) continue;
    const gpn = gpa >>> PAGE_SHIFT;
    if (h !== touched && vm.pmap.mpage[gpn] === PMAP_NONE) continue;
    const mp = m.numa === null ? vm.page(gpn, p.node) : m.numa.mapFor(vm, gpn, p.node); // the node's replica
    const lo = machineLo(m.machine.bus, mp, C_CACHED, (vm.pmap.flags[gpn] & PMAP_READONLY) === 0);
    if (h === 0) { b.lo0 = lo; b.mp0 = mp; } else { b.lo1 = lo; b.mp1 = mp; }
  }
  return b;
}

/**
 * Machine entry for the 4 KiB pair at `pair` from guest TLB entry `i`: each half translated
 * through the pmap; halves the guest marked invalid, or that map no RAM, stay invalid (an access
 * then traps and the fault path decides). D is the guest's D unless the pmap says read-only.
 */
function guestEntry(m: Monitor, p: PCpu, v: VCpu, i: number, pair: number): Built {
  const vm = v.vm, t = v.tlb;
  const pb = t.pageBytes(i);
  const b: Built = { lo0: 0, lo1: 0, mp0: -1, mp1: -1 };
  for (let h = 0; h < 2; h++) {
    const hva = (pair + h * PAGE_BYTES) | 0;
    const glo = (hva & pb) !== 0 ? t.lo1[i] : t.lo0[i];
    if ((glo & 2) === 0) continue;
    const base = ((glo >>> 6) & 0xffffff) * PAGE_BYTES;
    const gpa = base - (base % pb) + ((hva >>> 0) % pb);
    if (gpa >= vm.memBytes) continue;
    const gpn = Math.floor(gpa / PAGE_BYTES);
    const mp = m.numa === null ? vm.page(gpn, p.node) : m.numa.mapFor(vm, gpn, p.node); // the node's replica
    const dirty = (glo & 4) !== 0 && (vm.pmap.flags[gpn] & PMAP_READONLY) === 0;
    const lo = machineLo(m.machine.bus, mp, (glo >>> 3) & 7, dirty);
    if (h === 0) { b.lo0 = lo; b.mp0 = mp; } else { b.lo1 = lo; b.mp1 = mp; }
  }
  return b;
}

/** Cache a translation in v's L2TLB (with memmap references) and p's machine TLB. */
export function install(m: Monitor, p: PCpu, v: VCpu, va: number, asidKey: number, b: Built): void {
  const l2 = v.l2;
  const g = asidKey === L2_GLOBAL;
  let s = l2.find(va, asidKey & 0xff, g);
  if (s >= 0) {
    v.dropL2(s);
  } else {
    s = l2.victim(va);
    if (l2.valid(s)) { l2.evictions++; v.dropL2(s); }
  }
  l2.set(s, va, asidKey & 0xff, g, b.lo0, b.lo1, b.mp0, b.mp1);
  if (b.mp0 >= 0) m.memmap.addRef(b.mp0, v.gid, s);
  if (b.mp1 >= 0) m.memmap.addRef(b.mp1, v.gid, s);
  if (v.tlbOn === p) p.insert(va, asidKey, b.lo0, b.lo1);
}

/** Drop every cached translation a guest TLB entry over [va, va+bytes) could have produced. */
export function invalidateGuestRange(v: VCpu, va: number, bytes: number, asid: number, global: boolean): void {
  for (const s of v.l2.slotsInRange(va, bytes, asid, global)) v.dropL2(s);
}

/** Guest physical address of guest TLB entry `i` for `va`, or -1 if that half is invalid. */
function guestPhys(v: VCpu, i: number, va: number): number {
  const t = v.tlb;
  const pb = t.pageBytes(i);
  const glo = (va & pb) !== 0 ? t.lo1[i] : t.lo0[i];
  if ((glo & 2) === 0) return -1;
  const base = ((glo >>> 6) & 0xffffff) * PAGE_BYTES;
  return base - (base % pb) + ((va >>> 0) % pb);
}

/** Count repeated faults at one place; a VM stuck there is stopped instead of spinning. */
function noteFault(v: VCpu, pc: number, va: number): void {
  if (pc === v.lastFaultPc && va === v.lastFaultVa) {
    if (++v.sameFaults >= LIVELOCK_FAULTS) {
      throw new VmFault(`livelock: ${LIVELOCK_FAULTS} machine TLB faults in a row at pc 0x${hex(pc)} for address 0x${hex(va)}`);
    }
  } else {
    v.lastFaultPc = pc;
    v.lastFaultVa = va;
    v.sameFaults = 0;
  }
}

/** Tell the attached observer how v's miss at va ended (only called when there is one). */
function observed(m: Monitor, p: PCpu, v: VCpu, va: number, outcome: MissOutcome): void {
  const now = p.cpu.now();
  m.observer!.tlbMiss?.(p.id, v.vm.id, v.index, va >>> 0, outcome, now - m.trapAt, now);
}

/** Handle a machine TLBL/TLBS/Mod exception of VCPU v on p (see the table at the top). */
export function tlbFault(m: Monitor, p: PCpu, v: VCpu, code: number, va: number, acc: number, epcPC: number, ds: boolean, refill: boolean): void {
  const cpu = p.cpu, vm = v.vm, k = vm.counters;
  const restart = ds ? (epcPC - 4) | 0 : epcPC;
  const asid = v.cp0.entryHi & 0xff;
  noteFault(v, restart, va);
  if (refill) {
    const s = v.l2.lookup(va, asid);
    if (s >= 0) {
      v.l2.hits++;
      k.tlbL2++;
      if (inWindow(vm, va) || (va & ~0x1fff) === PRIV_VA) k.tlbL2Window++;
      if (v.tlbOn === p) p.insert(v.l2.hi[s], v.l2.asid[s], v.l2.lo0[s], v.l2.lo1[s]);
      m.charge(p, v, 'refillL2');
      if (m.observer !== null) observed(m, p, v, va, 'l2tlb');
      cpu.setPC(restart);
      return;
    }
    v.l2.misses++;
  }
  const pair = va & ~0x1fff;
  const kind = acc === ACC_STORE ? EXC_TLBS : EXC_TLBL;
  if (pair === PRIV_VA) {
    if ((va & PAGE_BYTES) !== 0) { // the reserved odd page: unmapped for the guest
      k.reflectedRefill++;
      m.charge(p, v, 'reflect');
      v.deliver(p, kind, epcPC, ds, { refill: true, tlbVa: va });
      if (m.observer !== null) observed(m, p, v, va, 'reflected');
      return;
    }
    install(m, p, v, pair, L2_GLOBAL, { lo0: machineLo(m.machine.bus, v.privPage, C_CACHED, true), lo1: 0, mp0: -1, mp1: -1 });
    k.tlbPriv++;
    m.charge(p, v, 'refillPmap');
    if (m.observer !== null) observed(m, p, v, va, 'window');
    cpu.setPC(restart);
    return;
  }
  if (inWindow(vm, va)) {
    const gpn = ((va - WINDOW_BASE) >>> 0) >>> PAGE_SHIFT;
    if (code === EXC_MOD && (vm.pmap.flags[gpn] & PMAP_READONLY) !== 0) m.writeFault(p, v, gpn);
    install(m, p, v, pair, L2_GLOBAL, windowEntry(m, p, v, pair, va));
    k.tlbWindow++;
    m.charge(p, v, 'refillPmap');
    if (m.observer !== null) observed(m, p, v, va, 'window');
    cpu.setPC(restart);
    return;
  }
  // A guest-mapped address: the guest's own TLB decides.
  const i = v.tlb.lookup(va, asid);
  if (i === TLB_MISS) {
    k.reflectedRefill++;
    m.charge(p, v, 'reflect');
    v.deliver(p, kind, epcPC, ds, { refill: true, tlbVa: va });
    if (m.observer !== null) observed(m, p, v, va, 'reflected');
    return;
  }
  const gpa = guestPhys(v, i, va);
  if (gpa < 0) {
    k.reflectedInvalid++;
    m.charge(p, v, 'reflect');
    v.deliver(p, kind, epcPC, ds, { tlbVa: va });
    if (m.observer !== null) observed(m, p, v, va, 'reflected');
    return;
  }
  const pb = v.tlb.pageBytes(i);
  const glo = (va & pb) !== 0 ? v.tlb.lo1[i] : v.tlb.lo0[i];
  if (acc === ACC_STORE && (glo & 4) === 0) {
    k.reflectedMod++;
    m.charge(p, v, 'reflect');
    v.deliver(p, EXC_MOD, epcPC, ds, { tlbVa: va });
    if (m.observer !== null) observed(m, p, v, va, 'reflected');
    return;
  }
  if (gpa >= vm.memBytes) {
    // Not RAM: a device register mapped through the guest's TLB, or nothing (bus error).
    if (acc === ACC_FETCH) { m.charge(p, v, 'reflect'); v.deliver(p, EXC_IBE, epcPC, ds); }
    else emulateAccess(m, p, v, epcPC, ds);
    if (m.observer !== null) observed(m, p, v, va, acc === ACC_FETCH ? 'reflected' : 'emulated');
    return;
  }
  const gpn = Math.floor(gpa / PAGE_BYTES);
  if (acc === ACC_STORE && (vm.pmap.flags[gpn] & PMAP_READONLY) !== 0) m.writeFault(p, v, gpn);
  install(m, p, v, pair, v.tlb.global[i] !== 0 ? L2_GLOBAL : v.tlb.asid[i], guestEntry(m, p, v, i, pair));
  k.tlbGuest++;
  m.charge(p, v, 'refillPmap');
  if (m.observer !== null) observed(m, p, v, va, 'pmap');
  cpu.setPC(restart);
}

/**
 * tlbwi/tlbwr of VCPU v at virtual TLB index `i`: the duplicate-entry check, removal of every
 * translation cached from the old entry, the write, and (as Disco did) the corrected entry put
 * straight into the machine TLB for the pair the guest is refilling. Returns false if the write
 * was refused with a machine check (the caller delivers it).
 */
export function guestTlbWrite(m: Monitor, p: PCpu, v: VCpu, i: number): boolean {
  if (v.tlbWriteConflicts(i)) return false;
  const t = v.tlb, c = v.cp0;
  if (t.written[i] !== 0) {
    const s = t.span(i);
    invalidateGuestRange(v, s.va, s.bytes, t.asid[i], t.global[i] !== 0);
  }
  t.write(i, c.entryHi, c.pageMask, c.entryLo0, c.entryLo1);
  const s = t.span(i);
  if ((t.global[i] !== 0 || t.asid[i] === (c.entryHi & 0xff)) && ((t.lo0[i] | t.lo1[i]) & 2) !== 0) {
    const bad = c.badVAddr;
    const pair = (((bad - s.va) >>> 0) < s.bytes ? bad : s.va) & ~0x1fff;
    if (!isPrivPair(pair) && !inWindow(v.vm, pair)) {
      install(m, p, v, pair, t.global[i] !== 0 ? L2_GLOBAL : t.asid[i], guestEntry(m, p, v, i, pair));
    }
  }
  return true;
}

/**
 * The software MMU: guest physical address of `va` for an access by v in its current virtual
 * mode, or -1 after delivering the exception the hardware would raise (address error, TLB
 * refill/invalid/modified). Used only for accesses the machine refused.
 */
function virtualTranslate(m: Monitor, p: PCpu, v: VCpu, va: number, acc: number, epcPC: number, ds: boolean): number {
  const u = va >>> 0, mode = v.mode();
  const adErr = (): number => {
    m.charge(p, v, 'reflect');
    v.deliver(p, acc === ACC_STORE ? EXC_ADES : EXC_ADEL, epcPC, ds, { badVa: va });
    return -1;
  };
  if (u >= 0x80000000 && u < 0xc0000000) return mode === 0 ? u & 0x1fffffff : adErr();
  if (u >= 0xe0000000 && mode !== 0) return adErr();
  if (u >= 0xc0000000 && mode === 2) return adErr();
  if (u >= 0xc0000000 && inWindow(v.vm, va)) return u - 0xc0000000;
  const kind = acc === ACC_STORE ? EXC_TLBS : EXC_TLBL;
  const i = v.tlb.lookup(va, v.cp0.entryHi & 0xff);
  if (i === TLB_MISS) {
    v.vm.counters.reflectedRefill++;
    m.charge(p, v, 'reflect');
    v.deliver(p, kind, epcPC, ds, { refill: true, tlbVa: va });
    return -1;
  }
  const gpa = guestPhys(v, i, va);
  if (gpa < 0) {
    v.vm.counters.reflectedInvalid++;
    m.charge(p, v, 'reflect');
    v.deliver(p, kind, epcPC, ds, { tlbVa: va });
    return -1;
  }
  const pb = v.tlb.pageBytes(i);
  if (acc === ACC_STORE && (((va & pb) !== 0 ? v.tlb.lo1[i] : v.tlb.lo0[i]) & 4) === 0) {
    v.vm.counters.reflectedMod++;
    m.charge(p, v, 'reflect');
    v.deliver(p, EXC_MOD, epcPC, ds, { tlbVa: va });
    return -1;
  }
  return gpa;
}

/**
 * The instruction word at guest virtual `va` as the VCPU sees it, without side effects, or null
 * if it has no translation (the window, kseg0/kseg1, the guest TLB; pages never touched read
 * as zero).
 */
export function readGuestWord(m: Monitor, v: VCpu, va: number): number | null {
  const u = va >>> 0, vm = v.vm;
  let gpa: number;
  if (u >= 0x80000000 && u < 0xc0000000) gpa = u & 0x1fffffff;
  else if (u >= 0xc0000000 && inWindow(vm, va)) gpa = u - 0xc0000000;
  else {
    const i = v.tlb.lookup(va, v.cp0.entryHi & 0xff);
    if (i === TLB_MISS) return null;
    gpa = guestPhys(v, i, va);
  }
  if (gpa < 0 || gpa + 4 > vm.memBytes || (gpa & 3) !== 0) return null;
  const mp = vm.pmap.get(Math.floor(gpa / PAGE_BYTES));
  if (mp === PMAP_NONE) return 0;
  return m.machine.bus.ram32[(mp * PAGE_BYTES + (gpa & (PAGE_BYTES - 1))) >>> 2];
}

/** Where v continues after the instruction at epcPC (the branch target if it sat in a slot). */
export function nextPC(m: Monitor, v: VCpu, epcPC: number, ds: boolean): number {
  if (!ds) return (epcPC + 4) | 0;
  const bpc = (epcPC - 4) | 0;
  const w = readGuestWord(m, v, bpc);
  const t = w === null ? null : branchTarget(bpc, w, v.pcpu!.cpu.r);
  if (t === null) throw new VmFault(`cannot find the branch before the delay slot at 0x${hex(epcPC)}`);
  return t;
}

/**
 * Emulate the load or store at epcPC that the machine refused (a kseg0/kseg1/kseg3 address
 * in virtual kernel mode, or a device register): translate in the virtual mode, do the access
 * on the VM's RAM or devices, write the result, continue after it.
 */
export function emulateAccess(m: Monitor, p: PCpu, v: VCpu, epcPC: number, ds: boolean): void {
  const cpu = p.cpu, vm = v.vm, r = cpu.r;
  const w = readGuestWord(m, v, epcPC);
  if (w === null) throw new VmFault(`cannot read the instruction at 0x${hex(epcPC)} to emulate it`);
  const op = decodeMem(w);
  if (op === null) {
    // synci to an unmapped-segment address: nothing to synchronise (no cache model).
    if ((w >>> 26) === 0x01 && ((w >>> 16) & 31) === 0x1f) {
      m.emul(p, v, 'synci');
      m.resume(p, v, nextPC(m, v, epcPC, ds));
      return;
    }
    throw new VmFault(`cannot emulate instruction 0x${hex(w)} at 0x${hex(epcPC)} (address 0x${hex(cpu.cp0.badVAddr)})`);
  }
  const va = (r[op.base] + op.offset) | 0;
  const acc = op.store ? ACC_STORE : ACC_LOAD;
  const partial = isPartial(op.op);
  if (!partial && (va & (op.size - 1)) !== 0) {
    m.charge(p, v, 'reflect');
    v.deliver(p, op.store ? EXC_ADES : EXC_ADEL, epcPC, ds, { badVa: va });
    return;
  }
  const gpa = virtualTranslate(m, p, v, va, acc, epcPC, ds);
  if (gpa < 0) return;
  const next = nextPC(m, v, epcPC, ds); // before rt changes: the branch may read it
  const ga = partial ? gpa - (gpa % 4) : gpa;
  const bus = m.machine.bus;
  let value = 0;
  if (vm.inRam(ga, op.size)) {
    const gpn = Math.floor(ga / PAGE_BYTES);
    if (op.store && (vm.pmap.flags[gpn] & PMAP_READONLY) !== 0) m.writeFault(p, v, gpn);
    const off = vm.ramOffset(ga, p.node);
    if (op.store) {
      const rt = r[op.rt];
      if (partial) bus.ram32[off >>> 2] = mergeStorePartial(op.op, va, rt, bus.ram32[off >>> 2]);
      else if (op.size === 4) bus.ram32[off >>> 2] = rt;
      else if (op.size === 2) bus.ram16[off >>> 1] = rt;
      else bus.ram8[off] = rt;
    } else {
      value = op.size === 4 ? bus.ram32[off >>> 2] : op.size === 2 ? bus.ram16[off >>> 1] : bus.ram8[off];
    }
    m.emul(p, v, 'kseg');
  } else {
    if (partial || op.op === 0x30 || op.op === 0x38) {
      throw new VmFault(`${partial ? 'unaligned' : 'linked'} access to device address 0x${hex(gpa)} at pc 0x${hex(epcPC)} cannot be emulated`);
    }
    if (op.store) {
      if (!vm.devices.write(ga, op.size, r[op.rt])) { m.charge(p, v, 'reflect'); v.deliver(p, EXC_DBE, epcPC, ds); return; }
    } else {
      value = vm.devices.read(ga, op.size);
      if (value !== value) { m.charge(p, v, 'reflect'); v.deliver(p, EXC_DBE, epcPC, ds); return; }
    }
    m.emul(p, v, 'mmio');
  }
  if (p.current !== v) return; // the access stopped the VM (halt register)
  if (!op.store && op.rt !== 0) {
    if (partial) r[op.rt] = mergeLoadPartial(op.op, va, value, r[op.rt]);
    else if (op.signed) r[op.rt] = op.size === 1 ? (value << 24) >> 24 : (value << 16) >> 16;
    else r[op.rt] = value | 0;
  }
  if (op.op === 0x38 && op.rt !== 0) r[op.rt] = 1; // sc to an unmapped segment always succeeds
  m.resume(p, v, next);
}

/**
 * An address error from the machine (supervisor or user mode refused the segment, or the
 * address was misaligned). In virtual kernel mode: instruction fetches from kseg0/kseg1 move to
 * the window alias; loads and stores are emulated. Otherwise the guest gets the address error.
 */
export function addressError(m: Monitor, p: PCpu, v: VCpu, code: number, va: number, acc: number, epcPC: number, ds: boolean): void {
  const u = va >>> 0;
  if (v.mode() === 0) {
    if (acc === ACC_FETCH) {
      if ((u & 3) === 0 && u >= 0x80000000 && u < 0xc0000000) {
        const gpa = u & 0x1fffffff;
        if (gpa < v.vm.memBytes) {
          m.emul(p, v, 'kseg0-fetch');
          p.cpu.setPC((WINDOW_BASE + gpa) | 0);
          return;
        }
        m.charge(p, v, 'reflect');
        v.deliver(p, EXC_IBE, epcPC, ds);
        return;
      }
      if ((u & 3) === 0 && u >= 0xe0000000) throw new VmFault(`executing from kseg3 (0x${hex(va)}) is not supported under the monitor`);
    } else if (u >= 0x80000000) {
      // kseg0/kseg1/kseg3 (or a misaligned ksseg address): emulated; emulateAccess checks the
      // alignment for the instruction's own size. Misaligned kuseg accesses are genuine errors.
      emulateAccess(m, p, v, epcPC, ds);
      return;
    }
  }
  m.charge(p, v, 'reflect');
  v.deliver(p, code, epcPC, ds, { badVa: va });
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
