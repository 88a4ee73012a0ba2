// The shape of a generated driver: a sequence of DMA transfers, each one of the patterns real
// drivers use. A spec is small plain data that fast-check generates and shrinks; build-driver.ts
// turns it into a Program. A transfer may carry one injected bug (a broken DMA-API discipline);
// without one, the program follows the discipline and must be correct on every platform.

import type { Direction } from '../program/types.js';

export type Completion = 'irq' | 'poll'; // raise_irq/wait_irq, or a status word in the coherent ring
export type Placement = 'kmalloc' | 'page' | 'field'; // own kmalloc object, alloc_pages, or a member of the driver's priv struct

/** The device writes a buffer the CPU then reads (DMA_FROM_DEVICE or DMA_BIDIRECTIONAL). */
export interface RxSpec {
  kind: 'rx';
  dir: Extract<Direction, 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL'>;
  size: number;
  placement: Placement;
  completion: Completion;
  /** How the CPU takes the buffer back: dma_unmap, or dma_sync_*_for_cpu (and unmap at the end). */
  handBack: 'unmap' | 'sync';
  /** The CPU initialises the buffer before map (kzalloc/memset-like). */
  prefill: boolean;
  /** The device writes every byte, or only the first 4. */
  deviceWrites: 'all' | 'head';
  /** The CPU reads the first or the last 4 bytes. */
  readAt: 'head' | 'tail';
  /** Transfers on one mapping (the second reuses it with sync pairs). */
  rounds: 1 | 2;
  /** During the transfer the CPU bumps a counter in the driver's private data. */
  cpuWork: boolean;
  bug?: RxBug;
}

/** The CPU fills a buffer the device then reads (DMA_TO_DEVICE or DMA_BIDIRECTIONAL). */
export interface TxSpec {
  kind: 'tx';
  dir: Extract<Direction, 'DMA_TO_DEVICE' | 'DMA_BIDIRECTIONAL'>;
  size: number;
  placement: Placement;
  completion: Completion;
  rounds: 1 | 2;
  /** Second round: unmap/modify/map, or sync_for_cpu/modify/sync_for_device. */
  reuse: 'remap' | 'sync';
  /** The CPU reads the buffer while the device owns it (allowed for TO_DEVICE). */
  peek: boolean;
  cpuWork: boolean;
  bug?: TxBug;
}

/** A descriptor in dma_alloc_coherent memory that the device fills (payload words, then status). */
export interface RingRxSpec {
  kind: 'ring-rx';
  words: 1 | 2;
  completion: Completion;
  bug?: 'no-dma-rmb';
}

/** A descriptor in coherent memory that the CPU fills and hands over by doorbell or ownership word. */
export interface RingTxSpec {
  kind: 'ring-tx';
  words: 1 | 2;
  handoff: 'doorbell' | 'ownership';
  bug?: 'no-dma-wmb' | 'relaxed-doorbell';
}

export type RxBug =
  | 'read-before-sync' // class 1 (and 11 when bouncing)
  | 'write-while-device-owns' // class 3
  | 'shared-line' // class 4
  | 'map-wrong-direction' // class 5
  | 'sync-wrong-direction' // class 6
  | 'partial-sync' // class 7
  | 'unmap-before-completion'; // class 12
export type TxBug = 'write-after-map'; // class 2 (and 11 when bouncing)

export type TransferSpec = RxSpec | TxSpec | RingRxSpec | RingTxSpec;

export interface DriverSpec {
  transfers: TransferSpec[];
  /** The driver calls dma_set_mask(DMA_BIT_MASK(n)) for the device's real n (it must when n < 32). */
  setMask: boolean;
}
