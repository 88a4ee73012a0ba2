// The SMMU behind dma-iommu (src/kernel/iommu.ts, src/kernel/dma-iommu.ts): IOVA granule
// exposure, strict and lazy unmap, permissions, sg merging, the v6.5 kmalloc bounce, and the
// scenarios that tell strict from lazy — checked on driver-shaped programs, correct and broken.

import { describe, expect, test } from 'vitest';
import { Arm64World } from '../src/arm64/arm64-world.js';
import { Iommu } from '../src/kernel/iommu.js';
import { DmaKernel } from '../src/kernel/dma-api.js';
import { layoutProgram, REGION } from '../src/kernel/layout.js';
import { Cache } from '../src/platform/cache.js';
import { Memory } from '../src/platform/memory.js';
import { makePlatform, type PlatformConfig } from '../src/platform/platform.js';
import { checkLitmusFile, type FileOutcome } from '../src/run/check-file.js';
import type { BufferDecl } from '../src/program/types.js';

const MASK32 = 2 ** 32 - 1;
const RW = { read: true, write: true };

describe('Iommu: the page table, the IOTLB and the IOVA allocator', () => {
  test('a map exposes its whole granule: bytes outside the mapping but inside the granule translate, the next granule faults', () => {
    const mmu = new Iommu('strict', 4096);
    const iova = mmu.map(0x1040, 64, RW, MASK32)!;
    expect(iova % 4096).toBe(0x40); // __iommu_dma_map returns iova + iova_off
    expect(mmu.translate(iova - 0x40, 4, false)).toEqual({ phys: 0x1000, stale: false });
    expect(mmu.translate(iova - 0x40 + 4092, 4, false)).toEqual({ phys: 0x1ffc, stale: false });
    expect(mmu.translate(iova - 0x40 + 4096, 4, false)).toMatchObject({ fault: expect.stringContaining('F_TRANSLATION') });
  });

  test('IOVAs are allocated top down below the mask, aligned to their power-of-two size', () => {
    const mmu = new Iommu('strict', 4096);
    expect(mmu.map(0x1000, 4096, RW, MASK32)).toBe(0xffff_f000);
    expect(mmu.map(0x3000, 3 * 4096, RW, MASK32)).toBe(0xffff_8000); // 4 granules (roundup_pow_of_two), 4-aligned, below the first
    expect(mmu.map(0x9000, 64, RW, 2 ** 30 - 1)).toBe(0x3fff_f000);
    // a 64-bit mask: below the SMMU's input address size (aperture_end), not below 2^64
    expect(mmu.map(0xa000, 64, RW, 2 ** 64 - 1)).toBe(0xffff_ffff_f000);
  });

  test('strict: unmap invalidates at once, and the next map of that size gets the same IOVA back (iova_rcache, last freed first)', () => {
    const mmu = new Iommu('strict', 4096);
    const a = mmu.map(0x1000, 256, RW, MASK32)!;
    mmu.unmap(a, 256);
    expect(mmu.translate(a, 4, true)).toMatchObject({ fault: expect.stringContaining('F_TRANSLATION') });
    expect(mmu.map(0x1000, 256, RW, MASK32)).toBe(a);
  });

  test('lazy: the unmapped IOVA still reaches the buffer until the flush, and is not handed out again before it', () => {
    const mmu = new Iommu('lazy', 4096);
    const a = mmu.map(0x1000, 256, RW, MASK32)!;
    mmu.unmap(a, 256);
    expect(mmu.translate(a, 4, true)).toEqual({ phys: 0x1000, stale: true });
    expect(mmu.iovaToPhys(a)).toBeUndefined(); // the page table is cleared; only the IOTLB remembers
    const b = mmu.map(0x1000, 256, RW, MASK32)!;
    expect(b).not.toBe(a);
    mmu.flush();
    expect(mmu.translate(a, 4, true)).toMatchObject({ fault: expect.stringContaining('F_TRANSLATION') });
    mmu.unmap(b, 256);
    mmu.flush();
    expect(mmu.map(0x1000, 256, RW, MASK32)).toBe(b); // freed by the flush, into the cache
  });

  test('dma_info_to_prot: a device write to a DMA_TO_DEVICE mapping is an F_PERMISSION fault, a read of it is not', () => {
    const mmu = new Iommu('strict', 4096);
    const iova = mmu.map(0x1000, 64, { read: true, write: false }, MASK32)!;
    expect(mmu.translate(iova, 4, true)).toMatchObject({ fault: expect.stringContaining('F_PERMISSION') });
    expect(mmu.translate(iova, 4, false)).toEqual({ phys: 0x1000, stale: false });
  });
});

function kernel(config: Partial<PlatformConfig>, buffers: BufferDecl[] = [{ name: 'buf', kind: 'page', size: 8192 }]) {
  const platform = makePlatform({ iommu: 'strict', ...config });
  const memory = new Memory();
  const cache = new Cache(platform.cwg, memory);
  const layout = layoutProgram({ name: 't', buffers, registers: [], actors: [] }, platform);
  const k = new DmaKernel(platform, cache, layout);
  const log: string[] = [];
  k.onDc = (op, addr) => log.push(`dc ${op} ${addr.toString(16)}`);
  return { k, log, layout, platform, memory, cache };
}

describe('dma-iommu over the arm64 kernel', () => {
  test('a non-coherent map cleans the buffer\'s physical lines and hands out an IOVA; sync and unmap maintain the same physical lines', () => {
    const { k, log, layout } = kernel({});
    const buf = layout.buffers.get('buf')!.addr;
    const m = k.map('h', 'single', buf, 128, 'DMA_FROM_DEVICE', false);
    expect(m.segments[0]).toMatchObject({ bus: 0xffff_f000, phys: buf, bounced: false });
    expect(log).toEqual([`dc cvac ${buf.toString(16)}`, `dc cvac ${(buf + 64).toString(16)}`]);
    log.length = 0;
    k.sync('cpu', 'h', 0, 128, 'DMA_FROM_DEVICE', false);
    expect(log).toEqual([`dc ivac ${buf.toString(16)}`, `dc ivac ${(buf + 64).toString(16)}`]);
    log.length = 0;
    k.unmap('h', 128, 'DMA_FROM_DEVICE', false);
    expect(log.length).toBe(2);
    log.length = 0;
    k.sync('cpu', 'h', 0, 128, 'DMA_FROM_DEVICE', false); // after unmap: iommu_iova_to_phys() finds nothing
    expect(log).toEqual([]);
  });

  test('declared coherent: no cache maintenance, still an IOVA', () => {
    const { k, log, layout } = kernel({ deviceCoherent: true, declaredCoherent: true });
    const m = k.map('h', 'single', layout.buffers.get('buf')!.addr, 128, 'DMA_TO_DEVICE', false);
    expect(m.segments[0].bus).toBeGreaterThan(0xf000_0000);
    expect(log).toEqual([]);
  });

  test('dma_map_sg: entries that meet on granule boundaries merge into one segment (the count is smaller than nents), others do not', () => {
    const { k, layout } = kernel({});
    const buf = layout.buffers.get('buf')!.addr;
    const merged = k.mapSg('s', [{ phys: buf, size: 4096 }, { phys: buf + 4096, size: 4096 }], 'DMA_TO_DEVICE', false);
    expect(merged.segments.length).toBe(1);
    expect(merged.segments[0].size).toBe(8192);
    const apart = k.mapSg('t', [{ phys: buf, size: 64 }, { phys: buf + 4096, size: 64 }], 'DMA_TO_DEVICE', false);
    expect(apart.segments.map((s) => s.size)).toEqual([64, 64]);
    expect(apart.segments[1].bus - apart.segments[0].bus).toBe(4096); // each entry from its own granule
  });

  test('v6.5+: a small unaligned FROM_DEVICE kmalloc buffer bounces through granule-aligned swiotlb slots; before 6.5 it is mapped in place', () => {
    const small: BufferDecl[] = [{ name: 'buf', kind: 'kmalloc', size: 96 }];
    const now = kernel({}, small);
    const m = now.k.map('h', 'single', now.layout.buffers.get('buf')!.addr, 96, 'DMA_FROM_DEVICE', false);
    expect(m.segments[0]).toMatchObject({ bounced: true, phys: REGION.swiotlb });
    const old = kernel({ kernel: '6.1' }, small);
    expect(old.k.map('h', 'single', old.layout.buffers.get('buf')!.addr, 96, 'DMA_FROM_DEVICE', false).segments[0].bounced).toBe(false);
  });
});

describe('a device access after unmap: an SMMU fault (strict) or the stale IOTLB entry (lazy), each an observation', () => {
  const world = (iommu: 'strict' | 'lazy') => {
    const platform = makePlatform({ iommu });
    const layout = layoutProgram({ name: 't', buffers: [{ name: 'buf', kind: 'page', size: 4096 }], registers: [], actors: [] }, platform);
    return new Arm64World(platform, layout, new Memory());
  };
  for (const mode of ['strict', 'lazy'] as const) {
    test(`${mode}: a late device write after dma_unmap_single()`, () => {
      const w = world(mode);
      const buf = w.layout.buffers.get('buf')!.addr;
      w.kernel.map('h', 'single', buf, 64, 'DMA_FROM_DEVICE', false);
      const addr = w.deviceAddress('h', 0, 0);
      expect(w.deviceFault(addr, 4, true)).toBeUndefined(); // a live mapping: nothing to report
      w.kernel.unmap('h', 64, 'DMA_FROM_DEVICE', false);
      w.deviceWrite(addr, new Uint8Array([1, 2, 3, 4]));
      const landed = w.memory.read(buf, new Uint8Array(4));
      if (mode === 'strict') {
        expect(w.deviceFault(addr, 4, true)).toContain('F_TRANSLATION');
        expect([...landed]).toEqual([0, 0, 0, 0]); // the write was terminated
        expect([...w.deviceRead(addr, 2)]).toEqual([0xff, 0xff]); // an aborted read
      } else {
        expect(w.deviceFault(addr, 4, true)).toContain('lazy IOTLB invalidation');
        expect([...landed]).toEqual([1, 2, 3, 4]); // the use-after-unmap reached the buffer
      }
    });
  }
});

describe('scenarios: the stale-IOVA driver is a bug under lazy invalidation only; its fix is ok everywhere', () => {
  const verdict = (file: string, iommu: PlatformConfig['iommu']): string => {
    const o: FileOutcome = checkLitmusFile(`scenarios/platforms/${file}`, { fix: false, platform: { iommu } });
    return o.kind === 'checked' ? o.verdict : `error: ${o.message}`;
  };
  test('smmu-lazy-stale-iova: bug with iommu=lazy, ok with strict and with dma-direct', () => {
    expect(verdict('smmu-lazy-stale-iova.litmus', 'lazy')).toBe('bug');
    expect(verdict('smmu-lazy-stale-iova.litmus', 'strict')).toBe('ok');
    expect(verdict('smmu-lazy-stale-iova.litmus', 'none')).toBe('ok');
  });
  test('smmu-lazy-stale-iova-fixed: ok with lazy, strict and dma-direct', () => {
    for (const iommu of ['lazy', 'strict', 'none'] as const) expect(verdict('smmu-lazy-stale-iova-fixed.litmus', iommu), iommu).toBe('ok');
  });
});

describe('correct drivers stay ok behind an SMMU, strict or lazy (no false alarm)', () => {
  // rx-refill-keep-old-buffer maps a buffer above 4 GiB that dma-direct cannot map: behind an SMMU
  // both maps succeed, which once made dma-debug's cacheline tracker alias RAM above 4 GiB with low RAM.
  for (const file of ['drivers/rx-refill-keep-old-buffer.litmus', 'drivers/dma-pool-cmd-ring.litmus', 'net-tx-complete-fixed.litmus']) {
    for (const iommu of ['strict', 'lazy'] as const) {
      test(`${file}, iommu=${iommu}`, () => {
        const o = checkLitmusFile(`scenarios/${file}`, { fix: false, platform: { iommu } });
        expect(o.kind === 'checked' ? o.verdict : o.message).toBe('ok');
      });
    }
  }
});

describe('dma_map_sg merging behind an SMMU, seen by a driver', () => {
  test('modem-4g hands the device nents segments: ok with dma-direct, a bug when dma-iommu merges them into one, with no dma-debug nents false alarm', () => {
    const run = (iommu: PlatformConfig['iommu']) => {
      const o = checkLitmusFile('scenarios/modem-4g.litmus', { fix: false, platform: { iommu } });
      if (o.kind !== 'checked') throw new Error(o.message);
      return { verdict: o.verdict, counterexample: !!o.result.counterexample, rules: (o.contract?.findings ?? []).filter((f) => f.severity === 'error').map((f) => f.rule) };
    };
    expect(run('none').verdict).toBe('ok');
    const strict = run('strict');
    expect(strict).toMatchObject({ verdict: 'bug', counterexample: true });
    expect(strict.rules).not.toContain('dma-debug/free-different-nents'); // debug_dma_unmap_sg compares the nents passed, not the merged count
  });
});
