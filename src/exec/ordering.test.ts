import { describe, expect, test } from 'vitest';
import { layoutProgram } from '../kernel/layout.js';
import { makePlatform, type PlatformConfig } from '../platform/platform.js';
import * as b from '../program/build.js';
import type { CpuOp } from '../program/types.js';
import { compile } from './compile.js';
import { FORWARD, FREE, orderClassOf, ordered, precedence } from './ordering.js';

const layoutFor = (p: ReturnType<typeof makePlatform>) =>
  layoutProgram({ name: 't', buffers: [b.coherent('ring', 64), b.kmalloc('buf', 64)], registers: [], actors: [] }, p);

/** May the last op be performed while the first is still pending (everything between performed)? */
function relation(ops: CpuOp[], config: Partial<PlatformConfig> = {}, hasDevice = true): number {
  const p = makePlatform(config);
  const l = layoutFor(p);
  const table = precedence(ops.map((op) => orderClassOf(op, p, l, { handles: new Map(), hasDevice })));
  return table[ops.length - 1][0];
}
const mayPass = (ops: CpuOp[], config: Partial<PlatformConfig> = {}, hasDevice = true) => relation(ops, config, hasDevice) === FREE;

const st = (off: number) => b.WRITE_ONCE('ring', off, 4, 1);
const ld = (off: number) => b.READ_ONCE('ring', off, 4);

describe('Arm ordering as seen by a DMA device', () => {
  test('different Normal-NC locations: loads and stores pass each other', () => {
    expect(mayPass([ld(0), ld(8)])).toBe(true);
    expect(mayPass([st(0), st(8)])).toBe(true);
    expect(mayPass([st(0), ld(8)])).toBe(true);
    expect(mayPass([ld(0), st(8)])).toBe(true);
  });
  test('overlapping locations stay in order, except a load reading its own pending store (forwarding)', () => {
    expect(relation([st(0), ld(2)])).toBe(FORWARD);
    expect(mayPass([ld(0), ld(0)])).toBe(false);
    expect(mayPass([ld(0), st(0)])).toBe(false);
  });
  test('dma_rmb orders earlier loads before later loads and stores; dma_wmb only store→store', () => {
    expect(mayPass([ld(0), b.dma_rmb(), ld(8)])).toBe(false);
    expect(mayPass([ld(0), b.dma_rmb(), st(8)])).toBe(false);
    expect(mayPass([st(0), b.dma_wmb(), st(8)])).toBe(false);
    expect(mayPass([st(0), b.dma_wmb(), ld(8)])).toBe(true);
    expect(mayPass([ld(0), b.dma_wmb(), ld(8)])).toBe(true);
  });
  test('wmb() is dsb st: earlier stores complete before any later access, loads and MMIO reads included', () => {
    expect(mayPass([st(0), b.barrier("wmb"), ld(8)])).toBe(false);
    expect(mayPass([st(0), b.barrier("wmb"), b.readl_relaxed('ST')])).toBe(false);
    expect(mayPass([ld(0), b.barrier("wmb"), ld(8)])).toBe(true); // dsb st waits for stores only
  });
  test('a barrier is not an access: it waits for nothing, and later ops do not wait for it', () => {
    expect(mayPass([b.dma_rmb(), ld(8)])).toBe(true);
    expect(mayPass([st(0), b.dma_wmb(), ld(8)])).toBe(true);
  });
  test('smp_* barriers (dmb ish*) order for the device too (AARCH-24234); strictShareability keeps the older reading', () => {
    expect(mayPass([st(0), b.barrier('smp_wmb'), st(8)])).toBe(false);
    expect(mayPass([ld(0), b.barrier('smp_rmb'), ld(8)])).toBe(false);
    expect(mayPass([st(0), b.barrier('smp_mb'), ld(8)])).toBe(false);
    expect(mayPass([st(0), b.barrier('smp_wmb'), st(8)], { strictShareability: true })).toBe(true);
    expect(mayPass([st(0), b.barrier('smp_wmb'), st(8)], { strictShareability: true }, false)).toBe(false); // CPUs only
  });
  test('mb and dma_mb order everything', () => {
    expect(mayPass([st(0), b.mb(), ld(8)])).toBe(false);
    expect(mayPass([st(0), b.barrier('dma_mb'), ld(8)])).toBe(false);
  });
  test('writel = dmb oshst; str — two steps: earlier stores wait, a later store may pass the MMIO store', () => {
    expect(mayPass([st(0), b.writel('DB', 1)])).toBe(false);
    expect(mayPass([st(0), b.writel_relaxed('DB', 1)])).toBe(true);
    expect(mayPass([b.writel('DB', 1), st(8)])).toBe(true);
    expect(mayPass([st(0), b.writel('DB', 1), st(8)])).toBe(false); // the later store is behind the barrier
    expect(mayPass([b.writel('DB', 1), ld(0)])).toBe(true);
    expect(mayPass([ld(0), b.writel('DB', 1)])).toBe(true); // dmb oshst orders stores only
  });
  test('writel before v5.4 is dsb st; str (22ec71615d82): earlier stores also before later loads', () => {
    expect(mayPass([st(0), b.writel('DB', 1), ld(8)])).toBe(true);
    expect(mayPass([st(0), b.writel('DB', 1), ld(8)], { kernel: '5.3' })).toBe(false);
    expect(mayPass([b.writel('DB', 1), st(8)], { kernel: '5.3' })).toBe(true);
  });
  test('readl = ldr; dmb oshld — two steps: later accesses wait, an earlier load may be satisfied after it', () => {
    expect(mayPass([b.readl('ST'), ld(0)])).toBe(false);
    expect(mayPass([b.readl_relaxed('ST'), ld(0)])).toBe(true);
    expect(mayPass([ld(0), b.readl('ST')])).toBe(true);
    expect(mayPass([ld(0), b.readl('ST'), ld(8)])).toBe(false);
    expect(mayPass([st(0), b.readl('ST')])).toBe(true);
  });
  test('Device-nGnRE accesses to the one peripheral keep their order', () => {
    expect(mayPass([b.writel_relaxed('A', 1), b.writel_relaxed('B', 1)])).toBe(false);
    expect(mayPass([b.readl_relaxed('A'), b.writel_relaxed('B', 1)])).toBe(false);
  });
  test('a store never passes the poll loop it is control dependent on; a load may', () => {
    const pollOp = b.poll('ring', 8, 4, 1);
    expect(mayPass([pollOp, st(0)])).toBe(false);
    expect(mayPass([pollOp, ld(0)])).toBe(true);
  });
  test('DMA API calls that maintain the cache end in dsb sy; on a dma-coherent device they order nothing', () => {
    const unmap = b.dma_unmap_single('h', 64, b.FROM_DEVICE);
    expect(mayPass([unmap, b.load('buf', 0, 4)])).toBe(false);
    expect(mayPass([unmap, b.load('buf', 0, 4)], { deviceCoherent: true, declaredCoherent: true })).toBe(true);
    expect(mayPass([b.dma_sync_single_for_cpu('h', 64, b.TO_DEVICE), b.load('buf', 0, 4)])).toBe(true); // a no-op on arm64
  });
  test('a call that may bounce is ordered with the same CPU\'s accesses to its bytes, whatever made it bounce', () => {
    // CPU ops: [dma_set_mask?] map, unmap, load buf, load other. Returns table rows of the two loads against the unmap.
    const unmapOrder = (config: Partial<PlatformConfig>, at: number | undefined, maskBits?: number) => {
      const ops = [...(maskBits ? [b.dma_set_mask(maskBits)] : []), b.dma_map_single('h', 'buf', 0, 64, b.FROM_DEVICE),
        b.dma_unmap_single('h', 64, b.FROM_DEVICE), b.load('buf', 0, 4), b.load('other', 0, 4)];
      const c = compile(b.program('t', { buffers: [b.kmalloc('buf', 64, at === undefined ? {} : { at }), b.kmalloc('other', 64)], actors: [b.cpu('cpu0', ops)] }),
        makePlatform({ deviceCoherent: true, declaredCoherent: true, ...config }));
      const t = c.actors[0].precedence, u = ops.length - 3;
      return [t[u + 1][u], t[u + 2][u]];
    };
    expect(unmapOrder({}, 2 ** 32 + 0x1000)).toEqual([1, FREE]); // above DMA_BIT_MASK(32): bounced; other bytes stay free
    expect(unmapOrder({}, 2 ** 32 + 0x1000, 64)).toEqual([FREE, FREE]); // dma_set_mask(64) first: no bounce, no copy
    expect(unmapOrder({ swiotlb: 'force' }, undefined)).toEqual([1, FREE]);
    expect(unmapOrder({ highRam: true }, undefined)).toEqual([1, FREE]);
    expect(unmapOrder({}, undefined)).toEqual([FREE, FREE]);
    expect(unmapOrder({ swiotlb: 'absent' }, 2 ** 32 + 0x1000)).toEqual([FREE, FREE]); // mapping fails instead
    // a partial sync copies only its bytes: a load of bytes 0..3 may pass a sync of bytes 32..63, not of 0..31
    const syncThenLoad = (off: number) => {
      const ops = [b.dma_map_single('h', 'buf', 0, 64, b.FROM_DEVICE), b.dma_sync_single_range_for_cpu('h', off, 32, b.FROM_DEVICE), b.load('buf', 0, 4)];
      const c = compile(b.program('t', { buffers: [b.kmalloc('buf', 64)], actors: [b.cpu('cpu0', ops)] }), makePlatform({ deviceCoherent: true, declaredCoherent: true, swiotlb: 'force' }));
      return c.actors[0].precedence[2][1];
    };
    expect(syncThenLoad(0)).toBe(1);
    expect(syncThenLoad(32)).toBe(FREE);
  });
  test('a deliberately broken model whose barriers order nothing', () => {
    const p = { ...makePlatform(), faults: ['barriers-order-nothing' as const] };
    const l = layoutFor(p);
    const cs = [ld(0), b.dma_rmb(), ld(8)].map((op) => orderClassOf(op, p, l));
    expect(precedence(cs)[2][0]).toBe(FREE);
    expect(ordered(cs[0], cs[2])).toBe(false);
  });
});
