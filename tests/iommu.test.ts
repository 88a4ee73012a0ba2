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
import { checkSetting, makePlatform, platformError, type PlatformConfig } from '../src/platform/platform.js';
import { checkLitmusFile, loadLitmus, type FileOutcome } from '../src/run/check-file.js';
import { readLitmusFile } from '../src/litmus/read-file.js';
import { mappingDecisions } from '../src/oracle/mapping-decisions.js';
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
    // the unmap frees the whole granule of slots (swiotlb_release_slots(): nr_slots(alloc_size)), so the next bounce gets it again
    now.k.unmap('h', 96, 'DMA_FROM_DEVICE', false);
    expect(now.k.map('g', 'single', now.layout.buffers.get('buf')!.addr, 96, 'DMA_FROM_DEVICE', false).segments[0].phys).toBe(REGION.swiotlb);
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
  // The driver reads rx_buf (r0), maps it again, stores the handle and rings writel(2, DB). On a
  // dma-coherent device the map does no maintenance (no dsb), and writel()'s dma_wmb() (dmb
  // oshst) orders only earlier stores: with dma-direct, nothing orders the load before the
  // doorbell, and the device's second write can be what r0 reads — a real bug of this driver on
  // such a device. Behind an SMMU the map allocates its IOVA under a spinlock whose release
  // (STLR) orders the load, and writel()'s dmb orders the release: ok (src/exec/ordering.ts).
  test('smmu-lazy-stale-iova-fixed on a dma-coherent device: ok behind an SMMU (the IOVA allocator\'s spin_unlock orders the earlier load), bug with dma-direct', () => {
    const coherent = (iommu: PlatformConfig['iommu']) => {
      const o = checkLitmusFile('scenarios/platforms/smmu-lazy-stale-iova-fixed.litmus', { fix: false, platform: { iommu, deviceCoherent: true, declaredCoherent: true } });
      return o.kind === 'checked' ? o.verdict : `error: ${o.message}`;
    };
    expect(coherent('lazy')).toBe('ok');
    expect(coherent('strict')).toBe('ok');
    expect(coherent('none')).toBe('bug');
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

describe('an untrusted device (external-facing port): dma-iommu bounces what does not fill its granules (82612d66d51d, v5.11+)', () => {
  // Two kmalloc objects in one page: the rx buffer and a neighbour holding other kernel data.
  const buffers: BufferDecl[] = [{ name: 'buf', kind: 'kmalloc', size: 256 }, { name: 'secret', kind: 'kmalloc', size: 256 }];
  const world = (config: Partial<PlatformConfig>) => {
    const platform = makePlatform({ iommu: 'strict', untrusted: true, ...config });
    const layout = layoutProgram({ name: 't', buffers, registers: [], actors: [] }, platform);
    return new Arm64World(platform, layout, new Memory());
  };
  const coherent = { deviceCoherent: true, declaredCoherent: true };
  const bytes = (n: number, v: number) => new Uint8Array(n).fill(v);
  const addr = (w: Arm64World, name: string) => w.layout.buffers.get(name)!.addr;

  test('trusted, the device reaches the neighbour through the mapped granule; untrusted, it sees the buffer\'s bytes and zeroed padding only', () => {
    for (const untrusted of [false, true]) {
      const w = world({ ...coherent, untrusted });
      expect(addr(w, 'secret') - addr(w, 'buf')).toBeLessThan(4096); // same page
      w.cpuStore(w.layout.buffers.get('buf')!, 0, bytes(256, 0x11));
      w.cpuStore(w.layout.buffers.get('secret')!, 0, bytes(256, 0x5e));
      const m = w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_TO_DEVICE', false);
      expect(m.segments[0].bounced).toBe(untrusted);
      const iova = w.deviceAddress('h', 0, 0) as number;
      expect([...w.deviceRead(iova, 4)]).toEqual([0x11, 0x11, 0x11, 0x11]);
      const beyond = iova + (addr(w, 'secret') - addr(w, 'buf'));
      expect(w.deviceFault(beyond, 4, false)).toBeUndefined(); // inside the mapped granule either way
      expect([...w.deviceRead(beyond, 4)]).toEqual(untrusted ? [0, 0, 0, 0] : [0x5e, 0x5e, 0x5e, 0x5e]);
    }
  });

  test('the trace says what the map did: one line for the padding memset (not a fill per line), the whole slot before v6.10', () => {
    const notes = (kernel: string, dir: 'DMA_FROM_DEVICE' | 'DMA_TO_DEVICE') => {
      const w = world({ kernel });
      const said: string[] = [];
      let fills = 0;
      w.traceTo((e) => {
        if (e.kind === 'iommu') said.push(e.text);
        if (e.kind === 'cache' && e.event.kind === 'fill') fills++;
      });
      w.kernel.map('h', 'single', addr(w, 'buf'), 256, dir, false);
      expect(fills).toBeLessThanOrEqual(4); // the swiotlb memcpy's 4 lines; the memset's 60 are not traced one by one
      return said;
    };
    expect(notes('6.12', 'DMA_FROM_DEVICE')).toEqual(["iommu_dma_map_page() zeroes the bounce slot's padding (the device sees only the buffer's bytes) 0x200100..0x200fff"]);
    expect(notes('6.9', 'DMA_FROM_DEVICE')).toEqual(["iommu_dma_map_page() zeroes the whole bounce slot, over the buffer's bytes swiotlb copied in (before 2650073f1b58, v6.10) 0x200000..0x200fff"]);
    expect(notes('6.9', 'DMA_TO_DEVICE')).toEqual(["iommu_dma_map_page() zeroes the bounce slot's padding (the device sees only the buffer's bytes) 0x200100..0x200fff"]);
  });

  test('FROM_DEVICE: the device writes the slot; the buffer gets the bytes at dma_sync_single_for_cpu(), not before', () => {
    for (const config of [coherent, {}]) {
      const w = world(config);
      w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_FROM_DEVICE', false);
      w.deviceWrite(w.deviceAddress('h', 0, 0), bytes(8, 0x77));
      expect([...w.cpuLoad(w.layout.buffers.get('buf')!, 0, 4)], JSON.stringify(config)).toEqual([0, 0, 0, 0]);
      w.kernel.sync('cpu', 'h', 0, 256, 'DMA_FROM_DEVICE', false);
      expect([...w.cpuLoad(w.layout.buffers.get('buf')!, 0, 4)], JSON.stringify(config)).toEqual([0x77, 0x77, 0x77, 0x77]);
    }
  });

  test('non-coherent TO_DEVICE: the map cleans the slot the device reads (without that clean the device reads the slot\'s old bytes)', () => {
    const read = (faults: boolean) => {
      const w = world({});
      if (faults) (w.platform as { faults?: string[] }).faults = ['map-skips-clean'];
      w.cpuStore(w.layout.buffers.get('buf')!, 0, bytes(256, 0x11));
      w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_TO_DEVICE', false);
      return [...w.deviceRead(w.deviceAddress('h', 0, 0), 4)];
    };
    expect(read(false)).toEqual([0x11, 0x11, 0x11, 0x11]);
    expect(read(true)).toEqual([0, 0, 0, 0]); // the swiotlb memcpy is still in the CPU cache
  });

  test('FROM_DEVICE, a partial device write: before 2650073f1b58 (v6.10) the map zeroed the whole slot, so the unwritten bytes come back as zeros', () => {
    const after = (kernel: string) => {
      const w = world({ ...coherent, kernel });
      w.cpuStore(w.layout.buffers.get('buf')!, 0, bytes(256, 0x33));
      w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_FROM_DEVICE', false);
      w.deviceWrite(w.deviceAddress('h', 0, 0), bytes(4, 0x77));
      w.kernel.unmap('h', 256, 'DMA_FROM_DEVICE', false);
      return [...w.cpuLoad(w.layout.buffers.get('buf')!, 0, 8)];
    };
    expect(after('6.10')).toEqual([0x77, 0x77, 0x77, 0x77, 0x33, 0x33, 0x33, 0x33]); // swiotlb copied the buffer in (v5.18+)
    expect(after('6.9')).toEqual([0x77, 0x77, 0x77, 0x77, 0, 0, 0, 0]);
  });

  test('before v5.11 arm64 dma-iommu ignores untrusted: no bounce, the device reaches the neighbour', () => {
    const w = world({ ...coherent, kernel: '5.10' });
    expect(w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_TO_DEVICE', false).segments[0].bounced).toBe(false);
  });

  test('a map that fills whole granules is not bounced (iova_offset(iovad, phys | size) == 0)', () => {
    const platform = makePlatform({ iommu: 'strict', untrusted: true });
    const layout = layoutProgram({ name: 't', buffers: [{ name: 'pg', kind: 'page', size: 8192 }], registers: [], actors: [] }, platform);
    const w = new Arm64World(platform, layout, new Memory());
    expect(w.kernel.map('h', 'page', addr(w, 'pg'), 4096, 'DMA_FROM_DEVICE', false).segments[0].bounced).toBe(false);
    expect(w.kernel.map('g', 'page', addr(w, 'pg') + 4096, 1500, 'DMA_FROM_DEVICE', false).segments[0].bounced).toBe(true);
  });

  test('lazy: an untrusted device gets no flush queue (82c3cefb9f16), so a late write faults; a trusted one, or an untrusted one before 5.11, still reaches the buffer', () => {
    const late = (config: Partial<PlatformConfig>) => {
      const w = world({ ...coherent, iommu: 'lazy', ...config });
      w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_FROM_DEVICE', false);
      const a = w.deviceAddress('h', 0, 0);
      w.kernel.unmap('h', 256, 'DMA_FROM_DEVICE', false);
      return w.deviceFault(a, 4, true);
    };
    expect(late({})).toContain('F_TRANSLATION');
    expect(late({ untrusted: false })).toContain('lazy IOTLB invalidation');
    expect(late({ kernel: '5.10' })).toContain('lazy IOTLB invalidation');
  });

  test('dma_map_sg: each entry bounced on its own, never merged (iommu_dma_map_sg_swiotlb); dma_sync_sg_for_cpu() copies each slot back', () => {
    const sgRead = (kernel: string) => {
      const w = world({ ...coherent, kernel });
      const m = w.kernel.mapSg('s', [{ phys: addr(w, 'buf'), size: 256 }, { phys: addr(w, 'secret'), size: 256 }], 'DMA_FROM_DEVICE', false);
      expect(m.segments.map((s) => s.bounced)).toEqual([true, true]);
      w.deviceWrite(w.deviceAddress('s', 1, 0), bytes(4, 0x66));
      w.kernel.sync('cpu', 's', 0, 0, 'DMA_FROM_DEVICE', true);
      const synced = [...w.cpuLoad(w.layout.buffers.get('secret')!, 0, 4)];
      w.kernel.unmap('s', undefined, 'DMA_FROM_DEVICE', false);
      return { synced, unmapped: [...w.cpuLoad(w.layout.buffers.get('secret')!, 0, 4)] };
    };
    expect(sgRead('6.12')).toEqual({ synced: [0x66, 0x66, 0x66, 0x66], unmapped: [0x66, 0x66, 0x66, 0x66] });
    expect(sgRead('5.16')).toEqual({ synced: [0x66, 0x66, 0x66, 0x66], unmapped: [0x66, 0x66, 0x66, 0x66] });
  });

  test('platform settings: behind an SMMU, 5.11–5.15 (a broken bounce path) and point releases whose backports are unknown are refused; with dma-direct the setting changes nothing', () => {
    const why = (c: Partial<PlatformConfig>) => platformError({ untrusted: true, ...c })?.message;
    expect(why({})).toBeUndefined(); // dma-direct ignores pci_dev->untrusted
    expect(why({ kernel: '5.15' })).toBeUndefined();
    expect(() => checkSetting('untrusted', true)).not.toThrow();
    expect(why({ iommu: 'strict' })).toBeUndefined();
    expect(why({ iommu: 'strict', kernel: '5.15' })).toMatch(/broken for every driver until 5.16 \(06e620345d54/);
    expect(why({ iommu: 'lazy', kernel: '5.11' })).toMatch(/broken for every driver until 5.16/);
    expect(why({ iommu: 'strict', kernel: '5.10' })).toBeUndefined(); // no bounce yet: the setting changes nothing
    expect(why({ iommu: 'strict', kernel: '6.6.30' })).toMatch(/2650073f1b58 .* not pinned down; use the mainline release 6.6/);
    expect(why({ iommu: 'strict', kernel: '6.6' })).toBeUndefined();
    expect(why({ iommu: 'strict', kernel: '6.10.3' })).toBeUndefined();
  });

  test('with dma-direct an untrusted device maps like any other (nothing bounces)', () => {
    const platform = makePlatform({ untrusted: true, deviceCoherent: true, declaredCoherent: true });
    const layout = layoutProgram({ name: 't', buffers, registers: [], actors: [] }, platform);
    const w = new Arm64World(platform, layout, new Memory());
    expect(w.kernel.map('h', 'single', addr(w, 'buf'), 256, 'DMA_FROM_DEVICE', false).segments[0].bounced).toBe(false);
  });
});

describe('scenarios: reading an untrusted device\'s rx buffer without dma_sync_single_for_cpu()', () => {
  const verdict = (file: string, platform: Partial<PlatformConfig>): string => {
    const o = checkLitmusFile(`scenarios/platforms/${file}`, { fix: false, platform });
    return o.kind === 'checked' ? o.verdict : `error: ${o.message}`;
  };
  test('untrusted-bounce-no-sync: a bug behind the external port (coherent or not, strict or lazy, from 5.11); ok on the on-board port and before 5.11', () => {
    expect(verdict('untrusted-bounce-no-sync.litmus', {})).toBe('bug');
    expect(verdict('untrusted-bounce-no-sync.litmus', { iommu: 'lazy' })).toBe('bug');
    expect(verdict('untrusted-bounce-no-sync.litmus', { untrusted: false })).toBe('ok');
    expect(verdict('untrusted-bounce-no-sync.litmus', { kernel: '5.10' })).toBe('ok');
  });
  test('untrusted-bounce-no-sync-fixed: ok on both ports, coherent or not', () => {
    for (const platform of [{}, { untrusted: false }, { deviceCoherent: false, declaredCoherent: false }, { iommu: 'lazy' as const }]) {
      expect(verdict('untrusted-bounce-no-sync-fixed.litmus', platform), JSON.stringify(platform)).toBe('ok');
    }
  });
});

describe('correct drivers stay ok behind an external-facing port (untrusted, no false alarm)', () => {
  // Each maps a sub-granule buffer, so every one of its maps bounces (checked below): map, sync
  // for the device, device writes, sync for the CPU, read (rfd-behind-el-bit); map and unmap of a
  // sub-granule rx buffer read after the unmap (rx-unmap-received-length-fixed, rx-handback-read-race-fixed);
  // a tx buffer re-synced for the device (net-tx-complete-fixed).
  const files = ['contract/rfd-behind-el-bit.litmus', 'contract/rx-unmap-received-length-fixed.litmus', 'rx-handback-read-race-fixed.litmus', 'net-tx-complete-fixed.litmus'];
  const platforms: Partial<PlatformConfig>[] = [{ iommu: 'strict', untrusted: true }, { iommu: 'lazy', untrusted: true, deviceCoherent: true, declaredCoherent: true }, { iommu: 'strict', untrusted: true, kernel: '6.6' }];
  for (const file of files) {
    for (const platform of platforms) {
      test(`${file}, ${JSON.stringify(platform)}`, () => {
        const loaded = loadLitmus(`scenarios/${file}`, readLitmusFile(`scenarios/${file}`), platform);
        if ('kind' in loaded) throw new Error(loaded.message);
        const made = mappingDecisions(loaded.compiled).made;
        const streaming = [...made.values()].flat().filter((m) => m.api === 'single' || m.api === 'sg');
        expect(streaming.length).toBeGreaterThan(0);
        expect(streaming.every((m) => m.segments.every((seg) => seg.bounced))).toBe(true); // the untrusted bounce path is what is checked
        const o = checkLitmusFile(`scenarios/${file}`, { fix: false, platform });
        expect(o.kind === 'checked' ? o.verdict : o.message).toBe('ok');
      });
    }
  }
});
