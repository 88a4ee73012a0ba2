import { describe, expect, test } from 'vitest';
import { layoutProgram } from '../kernel/layout.js';
import { makePlatform, type PlatformConfig } from '../platform/platform.js';
import * as b from '../program/build.js';
import type { CpuOp } from '../program/types.js';
import { orderClassOf, ordered } from './ordering.js';

const layoutFor = (p: ReturnType<typeof makePlatform>) =>
  layoutProgram({ name: 't', buffers: [b.coherent('ring', 64), b.kmalloc('buf', 64)], registers: [], actors: [] }, p);

/** May `later` be performed before `earlier` (nothing in between)? */
function mayPass(earlier: CpuOp, later: CpuOp, config: Partial<PlatformConfig> = {}): boolean {
  const p = makePlatform(config);
  const l = layoutFor(p);
  return !ordered(orderClassOf(earlier, p, l), orderClassOf(later, p, l));
}

/** May `later` be performed before both `earlier` and the barrier op between them? */
function mayPassAcross(earlier: CpuOp, bar: CpuOp, later: CpuOp): boolean {
  return mayPass(earlier, later) && mayPass(bar, later);
}

const st = (off: number) => b.WRITE_ONCE('ring', off, 4, 1);
const ld = (off: number) => b.READ_ONCE('ring', off, 4);

describe('Arm ordering as seen by a DMA device', () => {
  test('different Normal-NC locations: loads and stores pass each other', () => {
    expect(mayPass(ld(0), ld(8))).toBe(true);
    expect(mayPass(st(0), st(8))).toBe(true);
    expect(mayPass(st(0), ld(8))).toBe(true);
    expect(mayPass(ld(0), st(8))).toBe(true);
  });
  test('overlapping locations stay in order', () => {
    expect(mayPass(st(0), ld(2))).toBe(false);
    expect(mayPass(ld(0), ld(0))).toBe(false);
  });
  test('dma_rmb orders earlier loads before later loads and stores; dma_wmb only store→store', () => {
    expect(mayPassAcross(ld(0), b.dma_rmb(), ld(8))).toBe(false);
    expect(mayPassAcross(ld(0), b.dma_rmb(), st(8))).toBe(false);
    expect(mayPassAcross(st(0), b.dma_wmb(), st(8))).toBe(false);
    expect(mayPassAcross(st(0), b.dma_wmb(), ld(8))).toBe(true);
    expect(mayPassAcross(ld(0), b.dma_wmb(), ld(8))).toBe(true);
  });
  test('smp_* barriers (dmb ish*) order nothing for an outer-shareable DMA master', () => {
    expect(mayPassAcross(st(0), b.barrier('smp_wmb'), st(8))).toBe(true);
    expect(mayPassAcross(ld(0), b.barrier('smp_rmb'), ld(8))).toBe(true);
  });
  test('mb and dma_mb order everything', () => {
    expect(mayPass(b.mb(), ld(8))).toBe(false);
    expect(mayPass(st(0), b.barrier('dma_mb'))).toBe(false);
  });
  test('writel (dmb oshst; str) waits for earlier stores; writel_relaxed does not', () => {
    expect(mayPass(st(0), b.writel('DB', 1))).toBe(false);
    expect(mayPass(st(0), b.writel_relaxed('DB', 1))).toBe(true);
    expect(mayPass(b.writel('DB', 1), ld(0))).toBe(true); // a later load may still be satisfied early
  });
  test('readl (ldr; dmb oshld) keeps later accesses after it; MMIO accesses keep their order', () => {
    expect(mayPass(b.readl('ST'), ld(0))).toBe(false);
    expect(mayPass(b.readl_relaxed('ST'), ld(0))).toBe(true);
    expect(mayPass(b.writel_relaxed('A', 1), b.writel_relaxed('B', 1))).toBe(false);
  });
  test('a store never passes the poll loop it is control dependent on; a load may', () => {
    const pollOp = b.poll('ring', 8, 4, 1);
    expect(mayPass(pollOp, st(0))).toBe(false);
    expect(mayPass(pollOp, ld(0))).toBe(true);
  });
  test('DMA API calls that maintain the cache end in dsb sy; on a dma-coherent device they order nothing', () => {
    const unmap = b.dma_unmap_single('h', 64, b.FROM_DEVICE);
    expect(mayPass(unmap, b.load('buf', 0, 4))).toBe(false);
    expect(mayPass(unmap, b.load('buf', 0, 4), { deviceCoherent: true, declaredCoherent: true })).toBe(true);
    expect(mayPass(b.dma_sync_single_for_cpu('h', 64, b.TO_DEVICE), b.load('buf', 0, 4))).toBe(true); // a no-op on arm64
  });
  test('a deliberately broken model whose barriers order nothing', () => {
    const p = { ...makePlatform(), faults: ['barriers-order-nothing' as const] };
    const l = layoutFor(p);
    expect(ordered(orderClassOf(b.dma_rmb(), p, l), orderClassOf(ld(8), p, l))).toBe(false);
  });
});
