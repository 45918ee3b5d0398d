// Directed exception and TLB programs (placeholder while being written).
import { buildBatch } from './gen.ts';
export function buildDirected(): { elf: Uint8Array; tests: number } {
  return { elf: buildBatch([]).elf, tests: 0 };
}
