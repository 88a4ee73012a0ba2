// Restricted DMA pools (platform restrictedPool; kernel/dma/swiotlb.c rmem_swiotlb_device_init):
// every streaming map bounces through the device's own pool, dma_alloc_coherent() memory comes
// from it, and the device is blocked everywhere else.

import { describe, expect, test } from 'vitest';
import { Arm64World } from '../src/arm64/arm64-world.js';
import { layoutProgram, REGION, SWIOTLB_POOL_BYTES } from '../src/kernel/layout.js';
import { Swiotlb } from '../src/kernel/swiotlb.js';
import { Memory } from '../src/platform/memory.js';
import { makePlatform, PlatformError } from '../src/platform/platform.js';
import { checkLitmusFile } from '../src/run/check-file.js';
import type { Program } from '../src/program/types.js';

const program: Program = {
  name: 't', registers: [], actors: [],
  buffers: [{ name: 'ring', kind: 'coherent', size: 64 }, { name: 'buf', kind: 'kmalloc', size: 256 }],
};

function world(config = {}) {
  const platform = makePlatform({ restrictedPool: true, deviceCoherent: true, declaredCoherent: true, ...config });
  return new Arm64World(platform, layoutProgram(program, platform), new Memory());
}

describe('restricted DMA pool', () => {
  test('the setting needs 5.15+ and dma-direct: one PlatformError naming it', () => {
    expect(() => makePlatform({ restrictedPool: true, kernel: '5.10' })).toThrow(PlatformError);
    expect(() => makePlatform({ restrictedPool: true, iommu: 'strict' })).toThrow(/restrictedPool is a dma-direct setting/);
    expect(makePlatform({ restrictedPool: true, kernel: '5.15' }).restrictedPool).toBe(true);
  });

  test('dma_alloc_coherent memory is in the pool, and a streaming map of a buffer well within the mask bounces into the pool beside it', () => {
    const w = world();
    const ring = w.layout.buffers.get('ring')!;
    expect(Swiotlb.contains(ring.addr)).toBe(true);
    expect(ring.addr).toBe(REGION.swiotlb + SWIOTLB_POOL_BYTES - 4096);
    const m = w.kernel.map('h', 'single', w.layout.buffers.get('buf')!.addr, 256, 'DMA_TO_DEVICE', false);
    expect(m.segments[0]).toMatchObject({ bounced: true, bus: REGION.swiotlb });
    // the pool's slots under the coherent buffer are never a bounce slot
    for (let i = 0; i < 40; i++) {
      const s = w.kernel.map(`x${i}`, 'single', w.layout.buffers.get('buf')!.addr, 2048, 'DMA_TO_DEVICE', false).segments[0];
      if (s) expect(s.bus + 2048 <= ring.addr || s.bus >= ring.addr + 4096).toBe(true);
    }
  });

  test('the device reaching outside the pool is blocked (an observation); inside it, it is not', () => {
    const w = world();
    const buf = w.layout.buffers.get('buf')!.addr;
    expect(w.deviceFault(buf, 4, true)).toContain('outside the device\'s restricted DMA pool');
    w.deviceWrite(buf, new Uint8Array([1, 2, 3, 4]));
    expect([...w.memory.read(buf, new Uint8Array(4))]).toEqual([0, 0, 0, 0]);
    const ring = w.layout.buffers.get('ring')!.addr;
    expect(w.deviceFault(ring, 8, false)).toBeUndefined();
    expect(world({ restrictedPool: false }).deviceFault(buf, 4, true)).toBeUndefined();
  });

  test('dma_alloc_noncoherent from a restricted pool is refused in one line', () => {
    const p: Program = { ...program, actors: [{ name: 'cpu0', kind: 'cpu', ops: [{ op: 'dma_map', api: 'page', handle: 'h', buf: 'buf', off: 0, size: 256, dir: 'DMA_FROM_DEVICE', alloc: 'noncoherent' }] }] };
    expect(() => layoutProgram(p, makePlatform({ restrictedPool: true }))).toThrow(/dma_alloc_noncoherent\(\) from a restricted DMA pool \(restrictedPool = true\) is not modelled/);
  });

  test('scenarios: reading before the sync is a bug (its counterexample on the pool itself); the fixed form is ok with and without the pool', () => {
    const check = (file: string, restrictedPool: boolean) => {
      const o = checkLitmusFile(`scenarios/platforms/${file}`, { fix: false, platform: { restrictedPool } });
      return o.kind === 'checked' ? { verdict: o.verdict, counterexample: !!o.result.counterexample } : { verdict: o.message, counterexample: false };
    };
    expect(check('restricted-pool-bounce.litmus', true)).toEqual({ verdict: 'bug', counterexample: true });
    expect(check('restricted-pool-bounce-fixed.litmus', true).verdict).toBe('ok');
    expect(check('restricted-pool-bounce-fixed.litmus', false).verdict).toBe('ok');
  });
});
