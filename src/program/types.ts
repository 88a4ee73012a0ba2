// A program is plain data: buffers, MMIO registers, and straight-line actors (CPU threads and
// DMA engines). Values are exact u64s (`bigint`, the type C wrapping arithmetic maps onto with
// BigInt.asUintN(64, ...)); everything else is a plain number. src/program/json.ts writes and
// reads programs as JSON, so a saved counterexample survives changes to the generators and the
// text format.

import type { PlatformConfig } from '../platform/platform.js';

export type Direction = 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL';

export const DIRECTIONS: readonly Direction[] = ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'];

/** Where a buffer's memory comes from; decides its address, its CPU mapping and what map does. */
export type BufferKind =
  | 'kmalloc' // slab object: linear map, Normal write-back, packed by size class
  | 'page' // alloc_pages: page aligned, linear map
  | 'stack' // on-stack array: vmalloc memory with CONFIG_VMAP_STACK (platform vmapStack), else linear map; never DMA-safe
  | 'vmalloc' // vmalloc area: dma_map_single rejects it (v5.5+) or maps virt_to_page()'s wrong page
  | 'coherent'; // dma_alloc_coherent: Normal-NC CPU mapping on a non-coherent device

export interface BufferDecl {
  name: string;
  kind: BufferKind;
  size: number;
  /** A field inside another buffer (a struct member): shares that object's cache lines. */
  in?: { parent: string; offset: number };
  /** Explicit physical address, overriding the allocator. */
  at?: number;
  /** Initial byte of every location of the buffer (default 0; coherent pages start as 0xa5 garbage). */
  init?: number;
}

/** A value a CPU or device stores, writes or waits for: an unsigned integer of at most 64 bits. */
export type Value = bigint;

export type BarrierKind =
  | 'mb' | 'rmb' | 'wmb'
  | 'dma_mb' | 'dma_rmb' | 'dma_wmb'
  | 'smp_mb' | 'smp_rmb' | 'smp_wmb';

export const BARRIERS: readonly BarrierKind[] = ['mb', 'rmb', 'wmb', 'dma_mb', 'dma_rmb', 'dma_wmb', 'smp_mb', 'smp_rmb', 'smp_wmb'];

/** A byte range of a declared buffer, as the CPU names it. */
export interface BufRef { buf: string; off: number; size: number }

export type CpuOp =
  | { op: 'store'; buf: string; off: number; size: number; value: Value; once?: boolean }
  | { op: 'load'; buf: string; off: number; size: number; once?: boolean }
  /** while (READ_ONCE(x) != value) cpu_relax(); */
  | { op: 'poll'; buf: string; off: number; size: number; value: Value }
  | { op: 'barrier'; kind: BarrierKind }
  | { op: 'writel'; reg: string; value: Value; relaxed?: boolean }
  | { op: 'readl'; reg: string; relaxed?: boolean }
  | { op: 'wait_irq'; irq: string }
  | { op: 'dma_set_mask'; bits: number; coherent?: boolean }
  | { op: 'dma_alloc_coherent'; buf: string }
  | { op: 'dma_free_coherent'; buf: string }
  | { op: 'dma_map'; api: 'single' | 'page'; handle: string; buf: string; off: number; size: number; dir: Direction; skipCpuSync?: boolean }
  | { op: 'dma_unmap'; api: 'single' | 'page'; handle: string; size: number; dir: Direction; skipCpuSync?: boolean }
  | { op: 'dma_map_sg'; handle: string; entries: BufRef[]; dir: Direction; skipCpuSync?: boolean }
  | { op: 'dma_unmap_sg'; handle: string; dir: Direction; skipCpuSync?: boolean }
  /**
   * dma_sync_single_for_{cpu,device}(h, size, dir), the _range_ form (off > 0 or range: true),
   * and dma_sync_sg_for_{cpu,device}(sg, nents, dir) when sg is set.
   */
  | { op: 'dma_sync'; to: 'cpu' | 'device'; handle: string; off: number; size: number; dir: Direction; range?: boolean; sg?: boolean }
  /** if (dma_mapping_error(dev, h)) return -ENOMEM; — the driver bails out on failure. */
  | { op: 'dma_mapping_error'; handle: string };

export type DeviceOp =
  | { op: 'wait_doorbell'; reg: string; value: Value }
  | { op: 'dma_read'; handle: string; entry?: number; off: number; size: number }
  | { op: 'dma_write'; handle: string; entry?: number; off: number; size: number; value: Value }
  /** the device polls a word in memory until it holds value (descriptor ownership) */
  | { op: 'dma_poll'; handle: string; entry?: number; off: number; size: number; value: Value }
  | { op: 'raise_irq'; irq: string }
  | { op: 'set_reg'; reg: string; value: Value };

export type Op = CpuOp | DeviceOp;

export interface CpuActor { name: string; kind: 'cpu'; ops: CpuOp[] }
export interface DeviceActor { name: string; kind: 'device'; ops: DeviceOp[] }
export type Actor = CpuActor | DeviceActor;

export interface Program {
  name: string;
  /** Settings this program needs; the rest come from the platform it is checked on. */
  platform?: Partial<PlatformConfig>;
  buffers: BufferDecl[];
  registers: string[];
  actors: Actor[];
  /** Byte ranges whose final contents, as the CPU would read them, are observed. */
  final?: BufRef[];
}
