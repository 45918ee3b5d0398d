// The translation cache's invalidation rules (cpu/tcache.ts): range flushes, dropping kernel
// entries on a privilege drop while kuseg entries survive, the overflow fallback, and dropping
// the store entries to one RAM page (what another CPU's ll does).

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

  it('drops the store entries into one RAM page, through every alias, and keeps the rest', () => {
    const tc = new TranslationCache();
    const page = 0x5000, sameBucket = page + 4096 * 4096; // page numbers equal mod the mark table
    tc.fillWrite(0xc0005000 | 0, page); // the window alias
    tc.fillWrite(0x00403000, page + 0x10); // a user mapping of the same page
    tc.fillWrite(0x00404000, sameBucket);
    tc.fillWrite(0x0040a000, 0x9000);
    tc.fillRead(0x00406000, page);
    tc.dropWritesToRamPage(page + 0x123);
    expect(tc.wtag[idx(0xc0005000)]).toBe(TC_INVALID);
    expect(tc.wtag[idx(0x00403000)]).toBe(TC_INVALID);
    expect(tc.wtag[idx(0x00404000)]).toBe(0x00404000); // another page of the same bucket stays
    expect(tc.wtag[idx(0x0040a000)]).toBe(0x0040a000);
    expect(tc.rtag[idx(0x00406000)]).toBe(0x00406000); // loads are not affected
    // The bucket is still marked for the other page: dropping it must still find it.
    tc.dropWritesToRamPage(sameBucket);
    expect(tc.wtag[idx(0x00404000)]).toBe(TC_INVALID);
    // Nothing left in the bucket: a refill after the drops is found again.
    tc.dropWritesToRamPage(page);
    tc.fillWrite(0x00407000, page);
    tc.dropWritesToRamPage(page);
    expect(tc.wtag[idx(0x00407000)]).toBe(TC_INVALID);
    // After a whole flush, a new fill is found too.
    tc.fillWrite(0x00408000, 0x9000);
    tc.flush();
    tc.fillWrite(0x00409000, 0x9000);
    tc.dropWritesToRamPage(0x9000);
    expect(tc.wtag[idx(0x00409000)]).toBe(TC_INVALID);
  });
});
