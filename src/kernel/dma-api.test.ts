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

describe('swiotlb by kernel version (reference §2.4 history)', () => {
  test('before ddbd89deb7d3 (≤ 5.16) map copies orig → bounce only for TO_DEVICE/BIDIRECTIONAL without SKIP_CPU_SYNC; 5.17 every direction without it; 5.18+ always (901c7280ca0d)', () => {
    const copied = (kernelVersion: string, dir: Direction, skip: boolean) => {
      const { k, log } = kernel({ kernel: kernelVersion });
      k.map('h', 'page', ORIG, 64, dir, skip);
      return only(log, 'copy').length === 1;
    };
    for (const [kv, from, toSkip, fromSkip] of [['5.16', false, false, false], ['5.10.40', false, false, false], ['5.17', true, false, false], ['5.18', true, true, true], ['6.12', true, true, true]] as const) {
      expect(copied(kv, 'DMA_TO_DEVICE', false), `${kv} TO_DEVICE`).toBe(true);
      expect(copied(kv, 'DMA_BIDIRECTIONAL', false), `${kv} BIDIRECTIONAL`).toBe(true);
      expect(copied(kv, 'DMA_FROM_DEVICE', false), `${kv} FROM_DEVICE`).toBe(from);
      expect(copied(kv, 'DMA_TO_DEVICE', true), `${kv} TO_DEVICE + SKIP_CPU_SYNC`).toBe(toSkip);
      expect(copied(kv, 'DMA_FROM_DEVICE', true), `${kv} FROM_DEVICE + SKIP_CPU_SYNC`).toBe(fromSkip);
    }
  });

  test('16fc3cef33a0 (5.12.0–5.12.13, 5.10.35–5.10.46): a sync at h + off copies between bounce + off and the original + 0; 5f89468e2f06 puts the offset back', () => {
    const partial = (kernelVersion: string) => {
      const { k, log } = kernel({ kernel: kernelVersion });
      k.map('h', 'page', ORIG, 3000, 'DMA_BIDIRECTIONAL', false);
      log.length = 0;
      k.sync('cpu', 'h', 16, 16, 'DMA_FROM_DEVICE', false);
      k.sync('device', 'h', 2048 + 32, 8, 'DMA_TO_DEVICE', false);
      return only(log, 'copy');
    };
    // second slot: orig_addr of slot 1 is ORIG + 2048, so the offset inside slot 1 (32) is what is lost
    expect(partial('5.12.13')).toEqual(['copy B+10 -> O+0 16', 'copy O+0 -> B+20 8']);
    expect(partial('5.10.40')).toEqual(['copy B+10 -> O+0 16', 'copy O+0 -> B+20 8']);
    for (const fixed of ['5.12.14', '5.10.47', '5.10.34', '6.12']) expect(partial(fixed), fixed).toEqual(['copy B+10 -> O+10 16', 'copy O+20 -> B+20 8']);
  });

  test('daf9514fd5eb (v5.12): a sync larger than the mapping is clamped to the slot\'s alloc_size with a WARN; before, it copies past the mapping', () => {
    const oversize = (kernelVersion: string) => {
      const { k, log } = kernel({ kernel: kernelVersion });
      const warnings: string[] = [];
      k.onWarn = (t) => warnings.push(t);
      k.map('h', 'page', ORIG, 64, 'DMA_FROM_DEVICE', false);
      log.length = 0;
      k.sync('cpu', 'h', 0, 128, 'DMA_FROM_DEVICE', false);
      k.sync('cpu', 'h', 96, 16, 'DMA_FROM_DEVICE', false); // starts past the end of the mapping
      return { copies: only(log, 'copy'), warnings };
    };
    expect(oversize('6.12')).toEqual({
      copies: ['copy B+0 -> O+0 64'],
      warnings: ['swiotlb: Buffer overflow detected. Allocation size: 64. Mapping size: 128.', 'swiotlb: Buffer overflow detected. Allocation size: 64. Mapping size: 16+96.'],
    });
    expect(oversize('5.11')).toEqual({ copies: ['copy B+0 -> O+0 128', 'copy B+60 -> O+60 16'], warnings: [] });
  });
});

describe('vmalloc memory and the stack (CONFIG_VMAP_STACK)', () => {
  const ALIAS = 0x0800_0000; // virt_to_page() of the start of the vmalloc area (layout.ts)
  test('dma_map_single() of vmalloc memory: DMA_MAPPING_ERROR since 4544b9f25e70 (v5.5, 5.4.8); before, the page virt_to_page() names', () => {
    for (const kv of ['6.12', '5.5', '5.4.8']) {
      const { k } = kernel({ kernel: kv, swiotlb: 'present' });
      expect(k.map('h', 'single', ORIG, 64, 'DMA_TO_DEVICE', false, ALIAS), kv).toMatchObject({ error: true, segments: [] });
    }
    for (const kv of ['5.3', '4.19']) {
      const { k } = kernel({ kernel: kv, swiotlb: 'present' });
      expect(k.map('h', 'single', ORIG, 64, 'DMA_TO_DEVICE', false, ALIAS), kv).toMatchObject({ error: false, wrongPage: true, segments: [{ bus: ALIAS, orig: ALIAS, bounced: false }] });
    }
  });

  test('dma_map_page() has no vmalloc check: the page the driver hands over is mapped, on every version', () => {
    for (const kv of ['6.12', '4.19']) {
      const { k } = kernel({ kernel: kv, swiotlb: 'present' });
      expect(k.map('h', 'page', ORIG, 64, 'DMA_TO_DEVICE', false, ALIAS), kv).toMatchObject({ error: false, segments: [{ bus: ORIG, bounced: false }] });
    }
  });

  test('layout: vmalloc buffers and, with vmapStack, stack buffers carry the virt_to_page() address; without vmapStack the stack is linear-map memory', () => {
    const prog = { name: 't', buffers: [{ name: 'v', kind: 'vmalloc' as const, size: 64 }, { name: 's', kind: 'stack' as const, size: 16 }, { name: 'k', kind: 'kmalloc' as const, size: 64 }], registers: [], actors: [] };
    const vmap = layoutProgram(prog, makePlatform()).buffers;
    expect([vmap.get('v')!.virtToPage, vmap.get('s')!.virtToPage, vmap.get('k')!.virtToPage]).toEqual([ALIAS, ALIAS + 0x100_0000, undefined]);
    expect(layoutProgram(prog, makePlatform({ vmapStack: false })).buffers.get('s')!.virtToPage).toBeUndefined();
  });
});

describe('before 0443fa003fa1 (v4.10) swiotlb ignores DMA_ATTR_SKIP_CPU_SYNC (kernel 4.9)', () => {
  test('4.9: map copies TO_DEVICE/BIDIRECTIONAL and unmap copies FROM_DEVICE/BIDIRECTIONAL back, skip or not; 4.14 honours the attribute', () => {
    for (const dir of DIRECTIONS) {
      for (const kernelVersion of ['4.9', '4.14']) {
        const { k, log } = kernel({ kernel: kernelVersion });
        k.map('h', 'page', ORIG, 64, dir, true);
        k.unmap('h', 64, dir, true);
        const copies = only(log, 'copy');
        const old = kernelVersion === '4.9';
        const expected = [
          ...(old && dir !== 'DMA_FROM_DEVICE' ? ['copy O+0 -> B+0 64'] : []),
          ...(old && dir !== 'DMA_TO_DEVICE' ? ['copy B+0 -> O+0 64'] : []),
        ];
        expect(copies, `${kernelVersion} ${dir}`).toEqual(expected);
        expect(only(log, 'dc'), 'no cache maintenance with the attribute').toEqual([]);
      }
    }
  });
});

describe('the kernel fingerprint names each distinct state once', () => {
  test('equal states share a name, different ones never do, and a copy keeps it until it changes', () => {
    fc.assert(fc.property(fc.array(fc.record({ size: fc.integer({ min: 1, max: 600 }), dir: dirArb, unmap: fc.boolean() }), { maxLength: 4 }), (ops) => {
      const { k } = kernel();
      // A state's full text, as the fingerprint's name stands for it.
      const text = (x: DmaKernel) => `${x.mask};${JSON.stringify([...x.all])};${[...x.mappings].map(([h, m]) => `${h}=${m.id}`).join(',')};${x.swiotlb.fingerprint()}`;
      const seen = new Map<string, string>();
      const check = (x: DmaKernel) => {
        const name = x.fingerprint(), t = text(x);
        const before = seen.get(name);
        if (before !== undefined) expect(t).toBe(before);
        else for (const [n, u] of seen) if (u === t) expect(name).toBe(n);
        seen.set(name, t);
      };
      check(k);
      ops.forEach(({ size, dir, unmap }, i) => {
        const copy = k.copyTo(k.cache);
        check(copy);
        copy.map(`h${i}`, 'page', ORIG + 1024 * (i % 3), size, dir, false);
        check(copy);
        check(k); // the original is untouched by its copy's map
        k.map(`h${i}`, 'page', ORIG + 1024 * (i % 3), size, dir, false);
        check(k);
        if (unmap) {
          k.unmap(`h${i}`, size, dir, false);
          check(k);
        }
      });
    }), { seed: 20, numRuns: 60 });
  });
});

describe('swiotlb_release_slots() frees the mapping\'s own slots', () => {
  test('two bounced mappings whose originals are one slot apart: unmapping the first leaves the second\'s slot, whose unmap copies back', () => {
    const { k, log } = kernel();
    k.map('h0', 'page', ORIG, 24, 'DMA_FROM_DEVICE', false);
    k.map('h1', 'page', ORIG + 2048, 24, 'DMA_FROM_DEVICE', false);
    log.length = 0;
    k.unmap('h0', 24, 'DMA_FROM_DEVICE', false);
    k.unmap('h1', 24, 'DMA_FROM_DEVICE', false);
    // each unmap copies its slot back to its own original (swiotlb_tbl_unmap_single() before the release)
    expect(only(log, 'copy')).toEqual(['copy B+0 -> O+0 24', 'copy B+0 -> O+0 24']);
  });
});
