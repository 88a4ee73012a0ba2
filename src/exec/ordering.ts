// When may a CPU perform a later op before an earlier one? The Arm rules for the accesses our
// programs make, as seen by a DMA device (reference §4, §9.2, §9.11):
//  - loads and stores to different Normal or Normal-NC locations may be performed in any order;
//  - accesses to overlapping locations stay in order (coherence);
//  - MMIO (Device-nGnRE) accesses to the one peripheral stay in order, but not against memory;
//  - dma_rmb/rmb (dmb oshld, dsb ld) order earlier loads before later loads and stores;
//  - dma_wmb/wmb (dmb oshst, dsb st) order earlier stores before later stores;
//  - mb, dma_mb and any DMA API call that maintains the cache (trailing dsb sy) order everything;
//  - smp_* barriers are inner-shareable (dmb ish*): they order nothing a DMA master observes;
//  - writel = dmb oshst; str — readl = ldr; dmb oshld (arch/arm64/include/asm/io.h);
//  - a store never passes the load it is control-dependent on (a poll loop, a mapping check).
// A composite op (writel, readl) moves as a unit, which forbids a few reorderings Arm would allow
// around it (never adds any).

import type { Platform } from '../platform/platform.js';
import type { Layout } from '../kernel/layout.js';
import type { BarrierKind, CpuOp, Direction } from '../program/types.js';

const R = 1, W = 2, MR = 4, MW = 8, API = 16; // API: a DMA API call (they keep program order: handles flow between them)
const LOADS = R | MR, STORES = W | MW, ALL = R | W | MR | MW;

interface BarrierSpec { before: number; after: number }
const LD: BarrierSpec = { before: LOADS, after: ALL };
const ST: BarrierSpec = { before: STORES, after: STORES };

export interface OrderClass {
  fence: boolean;
  /** a barrier op, or the barrier part of writel (pre) / readl (post) */
  barrier?: BarrierSpec;
  pre?: BarrierSpec;
  post?: BarrierSpec;
  kinds: number;
  /** memory ranges touched: [lo, hi) pairs */
  ranges: number[];
  /** later stores are control dependent on this op */
  ctrl: boolean;
}

function barrierClass(kind: BarrierKind): Pick<OrderClass, 'fence' | 'barrier'> {
  switch (kind) {
    case 'mb': case 'dma_mb': return { fence: true };
    case 'rmb': case 'dma_rmb': return { fence: false, barrier: LD };
    case 'wmb': case 'dma_wmb': return { fence: false, barrier: ST };
    case 'smp_mb': case 'smp_rmb': case 'smp_wmb': return { fence: false };
  }
}

/** Whether a DMA API call runs cache maintenance (ending in dsb sy) on this platform. */
export function apiIssuesMaintenance(p: Platform, to: 'cpu' | 'device', dir: Direction, skipCpuSync: boolean): boolean {
  if (p.declaredCoherent || skipCpuSync) return false;
  return to === 'device' || dir !== 'DMA_TO_DEVICE';
}

const NONE: OrderClass = { fence: false, kinds: 0, ranges: [], ctrl: false };
const FENCE: OrderClass = { fence: true, kinds: API, ranges: [], ctrl: false };
const CALL: OrderClass = { ...NONE, kinds: API };

export function orderClassOf(op: CpuOp, p: Platform, layout: Layout): OrderClass {
  const at = (buf: string, off: number, size: number) => {
    const lo = layout.buffers.get(buf)!.addr + off;
    return [lo, lo + size];
  };
  // A coherent-declared device with bouncing possible: swiotlb's memcpy has no dsb; be conservative.
  const apiFence = (to: 'cpu' | 'device', dir: Direction, skip: boolean) =>
    apiIssuesMaintenance(p, to, dir, skip) || (p.declaredCoherent && (p.swiotlb === 'force' || p.highRam)) ? FENCE : CALL;
  switch (op.op) {
    case 'store': return { ...NONE, kinds: W, ranges: at(op.buf, op.off, op.size) };
    case 'load': return { ...NONE, kinds: R, ranges: at(op.buf, op.off, op.size) };
    case 'poll': return { ...NONE, kinds: R, ranges: at(op.buf, op.off, op.size), ctrl: true };
    case 'barrier': return p.faults?.includes('barriers-order-nothing') ? NONE : { ...NONE, ...barrierClass(op.kind) };
    case 'writel': return op.relaxed ? { ...NONE, kinds: MW } : { ...NONE, kinds: MW, pre: ST };
    case 'readl': return op.relaxed ? { ...NONE, kinds: MR } : { ...NONE, kinds: MR, post: LD };
    case 'wait_irq': return FENCE; // the handler's accesses are not issued before the interrupt is taken
    case 'dma_mapping_error': return { ...CALL, ctrl: true };
    case 'dma_set_mask': case 'dma_free_coherent': return CALL;
    case 'dma_alloc_coherent': return p.declaredCoherent ? { ...NONE, kinds: W | API, ranges: at(op.buf, 0, layout.buffers.get(op.buf)!.size) } : FENCE;
    case 'dma_map': case 'dma_map_sg': return apiFence('device', op.dir, !!op.skipCpuSync);
    case 'dma_unmap': case 'dma_unmap_sg': return apiFence('cpu', op.dir, !!op.skipCpuSync);
    case 'dma_sync': return apiFence(op.to, op.dir, false);
  }
}

function overlaps(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i += 2) for (let j = 0; j < b.length; j += 2) if (a[i] < b[j + 1] && b[j] < a[i + 1]) return true;
  return false;
}

/** Must earlier op i be performed before later op j? */
export function ordered(i: OrderClass, j: OrderClass): boolean {
  if (i.fence || j.fence) return true;
  if (i.barrier && (j.kinds & i.barrier.after || j.barrier || j.pre || j.post)) return true;
  if (j.barrier && (i.kinds & j.barrier.before || i.pre || i.post)) return true;
  if (i.post && j.kinds & i.post.after) return true;
  if (i.pre && j.kinds & i.pre.after) return true;
  if (j.pre && i.kinds & j.pre.before) return true;
  if (j.post && i.kinds & j.post.before) return true;
  if (i.kinds & (MR | MW) && j.kinds & (MR | MW)) return true; // one peripheral: Device-nGnRE order
  if (i.ctrl && j.kinds & (STORES | API)) return true;
  if (i.kinds & API && j.kinds & API) return true;
  return overlaps(i.ranges, j.ranges);
}
