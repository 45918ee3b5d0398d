// Where the monitor puts a guest page when it is first touched (Disco section 4.2.3: initial
// placement, before the dynamic policy sees any miss counter). docs/numa.md explains each one.
//
//   round-robin   the VM's pages in allocation order over nodes 0, 1, 2, ... (NUMA-unaware,
//                 like IRIX's default placement; the baseline of `disco numa`)
//   first-touch   the node of the physical CPU whose access allocates the page
//   vcpu          the home node of the faulting VCPU (its affinity), wherever it runs now
//   node:K        always node K (a fixed node)

export type PlacementKind = 'round-robin' | 'first-touch' | 'vcpu' | 'fixed';

export interface Placement {
  kind: PlacementKind;
  /** The node of 'fixed'. */
  node: number;
}

export const PLACEMENTS = ['round-robin', 'first-touch', 'vcpu', 'node:K'] as const;

/** Parse a placement name; throws a one-line RangeError naming the choices. */
export function parsePlacement(text: string, nodes: number): Placement {
  const t = text.trim();
  if (t === 'round-robin' || t === 'first-touch' || t === 'vcpu') return { kind: t, node: 0 };
  const m = /^node:(\d+)$/.exec(t);
  if (m !== null) {
    const node = Number(m[1]);
    if (node >= nodes) throw new RangeError(`placement ${t}: the machine has nodes 0 to ${nodes - 1}`);
    return { kind: 'fixed', node };
  }
  throw new RangeError(`unknown placement '${text}' (expected ${PLACEMENTS.join(', ')})`);
}

export function placementName(p: Placement): string {
  return p.kind === 'fixed' ? `node:${p.node}` : p.kind;
}

/** Per-VM placement state (the round-robin cursor). */
export class Placer {
  private next = 0;

  constructor(readonly placement: Placement, private readonly nodes: number) {}

  /**
   * Node for a new page. `cpuNode` is the node of the physical CPU making the access (or
   * doing the DMA); `homeNode` the home node of the VCPU it runs, or -1 for none.
   */
  place(cpuNode: number, homeNode: number): number {
    switch (this.placement.kind) {
      case 'round-robin': { const n = this.next; this.next = (n + 1) % this.nodes; return n; }
      case 'first-touch': return cpuNode;
      case 'vcpu': return homeNode >= 0 ? homeNode : cpuNode;
      case 'fixed': return this.placement.node;
    }
  }
}
