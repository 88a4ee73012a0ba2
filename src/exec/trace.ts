// What a traced run records, as data: each performed op or hardware event, and what the
// hardware, the kernel and the scheduler did for it. Reports read the fields and render text
// only at the edge (src/report/trace-text.ts); nothing parses a trace back from its words.

import type { DcOp } from '../kernel/cache-maintenance.js';
import type { CacheEvent } from '../platform/cache.js';
import type { Step } from './execution.js';
import type { DeviceAddress } from './world.js';

/** A speculative fill or an eviction (a step that is not an actor's op). */
export type HardwareEvent = Exclude<Step, { run: string }>;

export type TraceEffect =
  /** A line filled, evicted, written back, invalidated or discarded; twoLevel: the cache has an L2 (CWG > DminLine). */
  | { kind: 'cache'; event: CacheEvent; twoLevel: boolean }
  /** A data cache maintenance instruction the kernel issued by VA (arch/arm64/mm/cache.S dcache_*_poc). */
  | { kind: 'dc'; op: DcOp; addr: number }
  /** swiotlb_bounce(): a copy between the original buffer and its bounce slot. */
  | { kind: 'swiotlb-copy'; from: number; to: number; size: number }
  /** A kernel WARN (dma-debug, swiotlb's overflow check): its text as the kernel prints it. */
  | { kind: 'warning'; text: string }
  /** What the IOMMU did (src/kernel/iommu.ts: an IOVA queued for the lazy flush, a fault), as it says it. */
  | { kind: 'iommu'; text: string }
  /** A device access the way to memory refused: an SMMU fault, outside the dma-ranges window or a restricted pool. */
  | { kind: 'fault'; text: string }
  /**
   * What a map call handed the device: dma_map_single/page (the first segment), dma_map_sg (every
   * segment), or dma_alloc_noncoherent (the buffer's own address); error: DMA_MAPPING_ERROR.
   * wrongPage: a vmalloc buffer whose virt_to_page() named unrelated memory.
   */
  | { kind: 'mapping'; call: 'single' | 'sg' | 'alloc-noncoherent'; error: boolean; segments: readonly { bus: number; bounced: boolean }[]; wrongPage?: string }
  /** Where a device access landed, as the hardware resolves the bus address. */
  | { kind: 'device-access'; write: boolean; addr: DeviceAddress }
  /** A bus address the device computed, named as observations name it, and what is wrong with it. */
  | { kind: 'device-address'; bus: string; problem?: string }
  /** A device write to DMA_MAPPING_ERROR: it reaches no memory. */
  | { kind: 'write-nowhere' }
  /** A load took bytes from its own CPU's pending store `op` (index from 0) in the store buffer. */
  | { kind: 'forwarded'; op: number };

/** One performed op (actor and op index) or hardware event, with what was done for it. */
export interface TraceEntry {
  actor?: string;
  op?: number;
  event?: HardwareEvent;
  effects: TraceEffect[];
}
