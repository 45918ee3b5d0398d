// The translation cache's invalidation rules (cpu/tcache.ts): range flushes, dropping kernel
// entries on a privilege drop while kuseg entries survive, and the overflow fallback.

import { describe, expect, it } from 'vitest';
import { TranslationCache, TC_INVALID, TC_MASK, TC_SIZE } from '../cpu/tcache.ts';

const idx = (va: number): number => (va >>> 12) & TC_MASK;

describe('translation cache', () => {
  it('a privilege drop removes kernel-segment entries and keeps kuseg ones', () => {
    const tc = new TranslationCache();
    tc.fillRead(0x00400000, 0x1000);
    tc.fillWrite(0x00401000, 0x2000);
    tc.fillFetch(0x80100000 | 0, 0x100000);
    tc.fillRead(0xc0002000 | 0, 0x2000);
    tc.dropKernel();
    expect(tc.rtag[idx(0x00400000)]).toBe(0x00400000);
    expect(tc.wtag[idx(0x00401000)]).toBe(0x00401000);
    expect(tc.xtag[idx(0x80100000)]).toBe(TC_INVALID);
    expect(tc.rtag[idx(0xc0002000)]).toBe(TC_INVALID);
    expect(tc.flushes).toBe(1); // only the constructor's
    expect(tc.kernelDrops).toBe(1);
  });

  it('does not drop a user entry that reused the slot of an earlier kernel entry', () => {
    const tc = new TranslationCache();
    tc.fillRead(0x80000000 | 0, 0);
    tc.fillRead(0x00000000 + TC_SIZE * 0x1000 * 0, 0x3000); // same index 0, a user address
    tc.dropKernel();
    expect(tc.rtag[0]).toBe(0);
  });

  it('falls back to a whole flush when too many kernel fills were not tracked', () => {
    const tc = new TranslationCache();
    for (let i = 0; i < 2000; i++) tc.fillRead((0x80000000 + i * 0x1000) | 0, i * 0x1000);
    tc.fillRead(0x00400000, 0x1000);
    tc.dropKernel();
    expect(tc.rtag[idx(0x00400000)]).toBe(TC_INVALID);
    expect(tc.flushes).toBe(2);
  });

  it('flushes a virtual range by granule, and everything for large ranges', () => {
    const tc = new TranslationCache();
    tc.fillRead(0x00400000, 0x1000);
    tc.fillRead(0x00402000, 0x2000);
    tc.flushRange(0x00400000, 0x2000);
    expect(tc.rtag[idx(0x00400000)]).toBe(TC_INVALID);
    expect(tc.rtag[idx(0x00402000)]).toBe(0x00402000);
    tc.flushRange(0, 16 << 20);
    expect(tc.rtag[idx(0x00402000)]).toBe(TC_INVALID);
  });
});
