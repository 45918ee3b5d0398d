// What the monitor tells an observer (tracers, experiment drivers): traps it handled, how it
// dealt with each TLB miss, and every change it made to where a guest page lives. The monitor
// calls these only when an observer is attached (Monitor.observer), so they cost nothing otherwise.
// Times are simulated cycles of the physical CPU that did the work.

/**
 * How the monitor dealt with a guest TLB miss (Disco section 4.2.2): copied in from the VCPU's
 * L2TLB; built from the guest's TLB entry and the pmap; a window or privileged-page pair mapped
 * by the monitor itself (a "kernel TLB fault"); delivered to the guest's own handler; or, for a
 * guest entry mapping a device register, the access emulated.
 */
export type MissOutcome = 'l2tlb' | 'pmap' | 'window' | 'reflected' | 'emulated';

/** A change to a guest page's machine placement or sharing. */
export type PageEventKind =
  | 'migrate'      // page copied to another node, old page freed
  | 'replicate'    // read-only copy made on another node
  | 'collapse'     // write to a replicated page: replicas dropped, one writable page left
  | 'cow-break'    // write to a copy-on-write shared page: private copy made
  | 'share'        // page mapped shared (buffer cache, network remap, content sharing)
  | 'zero';        // page handed out zeroed by the monitor

export interface PageEvent {
  kind: PageEventKind;
  vm: number;
  /** Guest physical page number. */
  gpn: number;
  /** Machine pages before/after (-1 when none). */
  fromMp: number;
  toMp: number;
  fromNode: number;
  toNode: number;
  /** Simulated cycles the monitor charged for the move. */
  cost: number;
  /** Physical CPU that did the work and its simulated time. */
  cpu: number;
  now: number;
}

export interface MonitorObserver {
  /**
   * A trap the monitor handled for VM `vm` VCPU `vcpu` (ExcCode as in Cause; pc = the faulting
   * instruction). Told once the handling is over (after any tlbMiss and page events it caused):
   * `now` is when the trap was taken, `cost` the cycles the monitor charged for it.
   */
  trap?(cpu: number, vm: number, vcpu: number, code: number, pc: number, now: number, cost: number): void;
  /**
   * A machine TLB miss of a guest and how it was satisfied (told during the trap); cost = cycles
   * charged from the trap up to now.
   */
  tlbMiss?(cpu: number, vm: number, vcpu: number, va: number, outcome: MissOutcome, cost: number, now: number): void;
  /** The monitor emulated an eret of the guest, which continues at `to`. */
  eret?(cpu: number, vm: number, vcpu: number, to: number, now: number): void;
  page?(e: PageEvent): void;
}
