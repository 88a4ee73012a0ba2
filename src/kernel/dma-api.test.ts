import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Cache } from '../platform/cache.js';
import { Memory } from '../platform/memory.js';
import { makePlatform, type PlatformConfig } from '../platform/platform.js';
import { DIRECTIONS, type Direction } from '../program/types.js';
import { DmaKernel } from './dma-api.js';
import { REGION, layoutProgram } from './layout.js';

const ORIG = 0x1000;

/** A kernel over one 4 KiB page buffer at ORIG, recording every copy and dc instruction in order. */
function kernel(config: Partial<PlatformConfig> = {}) {
  const platform = makePlatform({ swiotlb: 'force', ...config });
  const memory = new Memory();
  const cache = new Cache(platform.cwg, memory);
  const layout = layoutProgram({ name: 't', buffers: [{ name: 'buf', kind: 'page', size: 4096 }], registers: [], actors: [] }, platform);
  const k = new DmaKernel(platform, cache, layout);
  const log: string[] = [];
  k.onDc = (op) => log.push(`dc ${op}`);
  k.swiotlb.onCopy = (from, to, size) => log.push(`copy ${from === ORIG || from < REGION.swiotlb ? 'O' : 'B'}+${(from % 2048).toString(16)} -> ${to < REGION.swiotlb ? 'O' : 'B'}+${(to % 2048).toString(16)} ${size}`);
  return { k, log, cache, memory };
}

const dirArb = fc.constantFrom(...DIRECTIONS);
/** A mapping size and a partial range inside it (byte-exact, like dma_sync_single_range_*). */
const rangeArb = fc.integer({ min: 1, max: 2048 }).chain((size) =>
  fc.integer({ min: 0, max: size - 1 }).chain((off) => fc.record({ size: fc.constant(size), off: fc.constant(off), len: fc.integer({ min: 1, max: size - off }) })));

const only = (log: string[], kind: 'copy' | 'dc') => log.filter((l) => l.startsWith(kind));

describe('swiotlb copies exactly the bytes of reference §2.4, in the order of §2.2', () => {
  test('map copies orig → bounce for every direction, even with DMA_ATTR_SKIP_CPU_SYNC, then cleans the bounce lines unless skipped', () => {
    fc.assert(fc.property(dirArb, fc.integer({ min: 1, max: 4096 }), fc.boolean(), (dir, size, skip) => {
      const { k, log } = kernel();
      k.map('h', 'page', ORIG, size, dir, skip);
      expect(only(log, 'copy')).toEqual([`copy O+0 -> B+0 ${size}`]);
      expect(log[0].startsWith('copy')).toBe(true); // bounce first, then maintenance
      expect(only(log, 'dc').length > 0).toBe(!skip);
      expect(only(log, 'dc').every((l) => l === 'dc cvac')).toBe(true);
    }));
  });

  test('sync_for_device copies orig → bounce for TO_DEVICE/BIDIRECTIONAL only, exactly the synced range, before cleaning', () => {
    fc.assert(fc.property(dirArb, rangeArb, (dir, { size, off, len }) => {
      const { k, log } = kernel();
      k.map('h', 'page', ORIG, size, dir, false);
      log.length = 0;
      k.sync('device', 'h', off, len, dir, false);
      const copies = only(log, 'copy');
      expect(copies).toEqual(dir === 'DMA_FROM_DEVICE' ? [] : [`copy O+${off.toString(16)} -> B+${off.toString(16)} ${len}`]);
      if (copies.length) expect(log.indexOf(copies[0])).toBe(0);
      expect(only(log, 'dc').length).toBeGreaterThan(0);
    }));
  });

  test('sync_for_cpu invalidates the bounce lines first, then copies bounce → orig for FROM_DEVICE/BIDIRECTIONAL only', () => {
    fc.assert(fc.property(dirArb, rangeArb, (dir, { size, off, len }) => {
      const { k, log } = kernel();
      k.map('h', 'page', ORIG, size, dir, false);
      log.length = 0;
      k.sync('cpu', 'h', off, len, dir, false);
      if (dir === 'DMA_TO_DEVICE') {
        expect(log).toEqual([]);
        return;
      }
      expect(only(log, 'copy')).toEqual([`copy B+${off.toString(16)} -> O+${off.toString(16)} ${len}`]);
      expect(log[log.length - 1].startsWith('copy')).toBe(true);
      expect(log.length).toBeGreaterThan(1);
    }));
  });

  test('unmap copies bounce → orig for FROM_DEVICE/BIDIRECTIONAL unless DMA_ATTR_SKIP_CPU_SYNC, and frees the slot', () => {
    fc.assert(fc.property(dirArb, fc.integer({ min: 1, max: 4096 }), fc.boolean(), (dir, size, skip) => {
      const { k, log } = kernel();
      k.map('h', 'page', ORIG, size, dir, false);
      log.length = 0;
      k.unmap('h', size, dir, skip);
      expect(only(log, 'copy')).toEqual(dir === 'DMA_TO_DEVICE' || skip ? [] : [`copy B+0 -> O+0 ${size}`]);
      log.length = 0;
      k.sync('cpu', 'h', 0, size, dir, false); // a sync after unmap finds no original: nothing is copied
      expect(only(log, 'copy')).toEqual([]);
    }));
  });

  test('a partial copy back leaves the other bytes of the original alone', () => {
    fc.assert(fc.property(rangeArb, ({ size, off, len }) => {
      const { k, cache } = kernel();
      cache.write(ORIG, new Uint8Array(size).fill(0x11));
      const m = k.map('h', 'page', ORIG, size, 'DMA_FROM_DEVICE', false);
      cache.memory.fill(m.segments[0].bus, size, 0x22); // the device writes the whole bounce buffer
      k.sync('cpu', 'h', off, len, 'DMA_FROM_DEVICE', false);
      const view = cache.read(ORIG, new Uint8Array(size));
      view.forEach((b, i) => expect(b).toBe(i >= off && i < off + len ? 0x22 : 0x11));
    }), { numRuns: 40 });
  });
});

describe('bounce triggers (reference §2.3)', () => {
  const bounced = (config: Partial<PlatformConfig>, size: number, dir: Direction, phys = ORIG) => {
    const { k } = kernel(config);
    return k.map('h', 'single', phys, size, dir, false).segments[0]?.bounced;
  };
  test('v6.5+: small FROM_DEVICE buffers whose kmalloc class is not line-aligned are bounced; TO_DEVICE never is', () => {
    expect(bounced({ swiotlb: 'present' }, 8, 'DMA_FROM_DEVICE')).toBe(true);
    expect(bounced({ swiotlb: 'present' }, 96, 'DMA_BIDIRECTIONAL')).toBe(true);
    expect(bounced({ swiotlb: 'present' }, 8, 'DMA_TO_DEVICE')).toBe(false);
    expect(bounced({ swiotlb: 'present' }, 64, 'DMA_FROM_DEVICE')).toBe(false);
    expect(bounced({ swiotlb: 'present', cwg: 128 }, 64, 'DMA_FROM_DEVICE')).toBe(true);
    expect(bounced({ swiotlb: 'present' }, 256, 'DMA_FROM_DEVICE')).toBe(false);
    expect(bounced({ swiotlb: 'present', kernel: '6.1' }, 8, 'DMA_FROM_DEVICE')).toBe(false);
    expect(bounced({ swiotlb: 'present', declaredCoherent: true, deviceCoherent: true }, 8, 'DMA_FROM_DEVICE')).toBe(false);
  });
  test('a buffer beyond the 32-bit default dma_mask is bounced, or fails to map without swiotlb', () => {
    expect(bounced({ swiotlb: 'present' }, 64, 'DMA_TO_DEVICE', 0x1_0000_1000)).toBe(true);
    const { k } = kernel({ swiotlb: 'absent' });
    expect(k.map('h', 'single', 0x1_0000_1000, 64, 'DMA_TO_DEVICE', false).error).toBe(true);
    k.mask = 2 ** 64 - 1;
    expect(k.map('h', 'single', 0x1_0000_1000, 64, 'DMA_TO_DEVICE', false).error).toBe(false);
  });
  test('dma_map_single rejects vmalloc memory', () => {
    const { k } = kernel({ swiotlb: 'present' });
    expect(k.map('h', 'single', ORIG, 64, 'DMA_TO_DEVICE', false, 0x0800_0000).error).toBe(true);
  });
});
