// A program is plain data: buffers, MMIO registers, and actors (CPU threads and DMA engines)
// whose ops may use registers, expressions and control flow (src/program/expr.ts, Control);
// src/exec/paths.ts unrolls those into straight-line path programs, which is all the model runs. Values are exact u64s (`bigint`, the type C wrapping arithmetic maps onto with
// BigInt.asUintN(64, ...)); everything else is a plain number. src/program/json.ts writes and
// reads programs as JSON, so a saved counterexample survives changes to the generators and the
// text format.

import type { PlatformConfig } from '../platform/platform.js';
import type { Expr } from './expr.js';

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

/** A dma_pool as dma_pool_create(name, dev, size, align, 0) made it; zero: the block was zeroed (dma_pool_zalloc). */
export interface DmaPool { name: string; size: number; align: number; zero?: boolean }

/** An MMIO register's peripheral and width in bytes (4 when absent). */
export interface MmioDecl { peripheral?: string; bytes?: 8 }

/** Bytes an MMIO accessor moves: readb/readw/readl/readq (and ioread8/16/32). */
export type MmioWidth = 1 | 2 | 4 | 8;

export type BarrierKind =
  | 'mb' | 'rmb' | 'wmb'
  | 'dma_mb' | 'dma_rmb' | 'dma_wmb'
  | 'smp_mb' | 'smp_rmb' | 'smp_wmb';

export const BARRIERS: readonly BarrierKind[] = ['mb', 'rmb', 'wmb', 'dma_mb', 'dma_rmb', 'dma_wmb', 'smp_mb', 'smp_rmb', 'smp_wmb'];

/** A byte range of a declared buffer, as the CPU names it. */
export interface BufRef { buf: string; off: number; size: number }

/**
 * Computed parts of an access, in source programs (src/litmus) and path programs alike:
 * - offExpr: the offset when it uses registers (source only: paths fold it into `off`);
 * - valueExpr: the value when it is not a constant (`value` is then 0n and unused);
 * - values: distinct little-endian u64s of an access wider than 8 bytes (`{v0, v1}`).
 */
interface Computed {
  offExpr?: Expr; valueExpr?: Expr; values?: Value[];
  /** memcpy()/memset() of a length computed from a read (a descriptor's length): `size` is its bound, the rest of the buffer. */
  sizeExpr?: Expr;
}

/**
 * Registers and control flow. Source programs only: src/exec/paths.ts turns them into
 * straight-line ops and `assume`s, the only control op a path program has.
 */
export interface LetOp { op: 'let'; reg: string; value: Expr }
export interface IfOp<T> { op: 'if'; cond: Expr; then: T[]; else?: T[] }
/** while (cond) { body } — bounded by --unroll unless cond is constant on every lap */
export interface WhileOp<T> { op: 'while'; cond: Expr; body: T[] }
/** for (reg = from; cond; reg = step) { body } */
export interface ForOp<T> { op: 'for'; reg: string; from: Expr; cond: Expr; step: Expr; body: T[] }
/**
 * Path programs only: the thread goes on only where cond holds (its other paths cover the
 * rest). With `cut`, cond holding means a loop would run past its unroll bound: the execution is
 * cut there, counted, and never judged.
 */
export interface AssumeOp { op: 'assume'; cond: Expr; cut?: boolean }

/**
 * Registers and control flow. `let` is `reg = value;` (a register: any identifier a thread
 * assigns). Source programs only, but `assume`: src/exec/paths.ts turns the rest into
 * straight-line ops and assumes.
 */
export interface BreakOp { op: 'break' }
export interface ContinueOp { op: 'continue' }
/** return; in a cpu thread (NAPI's `if (!(status & DONE)) return 0;`): the thread ends here, on this path. */
export interface ReturnOp { op: 'return' }
export type Control<T> = LetOp | IfOp<T> | WhileOp<T> | ForOp<T> | BreakOp | ContinueOp | ReturnOp | AssumeOp;

export type CpuOp =
  /** release: smp_store_release() (STLR) — every earlier access is performed before it */
  | ({ op: 'store'; buf: string; off: number; size: number; value: Value; once?: boolean; release?: boolean } & Computed)
  /** reg: the register the value goes to, when the program names one; acquire: smp_load_acquire() (LDAR) */
  | ({ op: 'load'; buf: string; off: number; size: number; once?: boolean; reg?: string; acquire?: boolean } & Computed)
  /**
   * while (READ_ONCE(x) != value) cpu_relax(); or, with `until`, while (!until) cpu_relax();
   * where until's {k:'polled'} leaf is the value just loaded. acquire: each lap's load is
   * smp_load_acquire() (LDAR): while (smp_load_acquire(&done) != 1) cpu_relax();
   */
  | ({ op: 'poll'; buf: string; off: number; size: number; value: Value; until?: Expr; acquire?: boolean } & Computed)
  | { op: 'barrier'; kind: BarrierKind }
  /** width: bytes moved, 4 unless writeb/writew/writeq (1, 2, 8); io: spelt iowriteN/ioreadN (the same on arm64) */
  | ({ op: 'writel'; reg: string; value: Value; relaxed?: boolean; width?: MmioWidth; io?: boolean } & Pick<Computed, 'valueExpr'>)
  | { op: 'readl'; reg: string; relaxed?: boolean; dst?: string; width?: MmioWidth; io?: boolean }
  /**
   * An atomic read-modify-write of a 1, 2, 4 or 8-byte location, performed as one access:
   * xchg (stores value, reg gets the old one), cmpxchg (stores value if the location holds old),
   * spin_lock (waits until the word is 0 and stores 1; ACQUIRE). valueExpr / oldExpr: computed
   * new and expected values (`cmpxchg(&x, old, old + 1)`; old is then 0n and unused). xchg and cmpxchg are fully
   * ordered (arch/arm64/include/asm/cmpxchg.h: SWPAL/CASAL, or LL/SC then dmb ish).
   */
  | ({ op: 'rmw'; fn: 'xchg' | 'cmpxchg' | 'spin_lock'; buf: string; off: number; size: number; value: Value; old?: Value; reg?: string; oldExpr?: Expr } & Pick<Computed, 'valueExpr'>)
  | { op: 'wait_irq'; irq: string }
  | { op: 'dma_set_mask'; bits: number; coherent?: boolean }
  /**
   * pool: the block comes from dma_pool_alloc() of a pool dma_pool_create() made (mm/dmapool.c:
   * blocks carved from dma_alloc_coherent pages); zero: dma_pool_zalloc or __GFP_ZERO, else a
   * block keeps whatever its memory held.
   */
  | { op: 'dma_alloc_coherent'; buf: string; pool?: DmaPool }
  /** freeSize: what the driver passes when it is not the allocation's size (dma-debug: "frees DMA memory with different size") */
  | { op: 'dma_free_coherent'; buf: string; pool?: string; freeSize?: number }
  /**
   * alloc: the mapping comes from an allocator instead of a map call — 'noncoherent' is
   * dma_alloc_noncoherent() (cacheable pages zeroed through the cache, no sync: the driver
   * syncs; kernel/dma/mapping.c dma_alloc_pages); it is then api 'page' with skipCpuSync.
   */
  /**
   * sizeExpr (source only): a size computed in registers (`len = ETH_FRAME_LEN + 4;`), a constant on
   * each path (src/exec/paths.ts folds it into `size`, which bounds it until then).
   */
  | { op: 'dma_map'; api: 'single' | 'page'; handle: string; buf: string; off: number; size: number; dir: Direction; skipCpuSync?: boolean; alloc?: 'noncoherent'; sizeExpr?: Expr }
  /**
   * free: dma_free_noncoherent(dev, size, free, handle, dir) — the buffer dma_alloc_noncoherent gave;
   * sizeExpr (source only): a size computed from registers; src/exec/paths.ts folds it into `size`.
   */
  | { op: 'dma_unmap'; api: 'single' | 'page'; handle: string; size: number; dir: Direction; skipCpuSync?: boolean; free?: string; sizeExpr?: Expr }
  /** count: the register `n = dma_map_sg(...)` assigns: the entries mapped (dma-direct: nents), 0 on failure */
  | { op: 'dma_map_sg'; handle: string; entries: BufRef[]; dir: Direction; skipCpuSync?: boolean; count?: string }
  | { op: 'dma_unmap_sg'; handle: string; dir: Direction; skipCpuSync?: boolean }
  /**
   * dma_sync_single_for_{cpu,device}(h, size, dir), the _range_ form (off > 0 or range: true),
   * and dma_sync_sg_for_{cpu,device}(sg, nents, dir) when sg is set. offExpr: the range form's
   * offset when it uses registers (`128 * i`: the slot of a ring); off is then 0.
   */
  | ({ op: 'dma_sync'; to: 'cpu' | 'device'; handle: string; off: number; size: number; dir: Direction; range?: boolean; sg?: boolean; sizeExpr?: Expr } & Pick<Computed, 'offExpr'>)
  /**
   * if (dma_mapping_error(dev, h)) return -ENOMEM; — the driver bails out on failure. With `reg`
   * (`e = dma_mapping_error(dev, h);`, or the condition of an if/else) it goes on: reg is 1 on
   * failure, else 0, and the branches take it from there.
   */
  | { op: 'dma_mapping_error'; handle: string; reg?: string }
  | LetOp | IfOp<CpuOp> | WhileOp<CpuOp> | ForOp<CpuOp> | BreakOp | ContinueOp | ReturnOp | AssumeOp; // Control<CpuOp>

/**
 * A device access's bus address is `handle` (+ `entry` of an sg list) + `off`, or, with `addr`,
 * a computed bus address (e.g. one the device read from a descriptor): then handle is '' and off
 * 0, and the hardware resolves the number as it would (src/exec/bus.ts).
 */
interface BusComputed { addr?: Expr; valueExpr?: Expr; values?: Value[]; offExpr?: Expr }

export type DeviceOp =
  /** anyWrite: wait_write(REG) — any CPU write to REG since the device last looked starts it (value unused, 0) */
  | { op: 'wait_doorbell'; reg: string; value: Value; anyWrite?: boolean }
  | ({ op: 'dma_read'; handle: string; entry?: number; off: number; size: number; reg?: string } & BusComputed)
  | ({ op: 'dma_write'; handle: string; entry?: number; off: number; size: number; value: Value } & BusComputed)
  /** the device polls a word in memory until it holds value (descriptor ownership) */
  | ({ op: 'dma_poll'; handle: string; entry?: number; off: number; size: number; value: Value } & BusComputed)
  | { op: 'raise_irq'; irq: string }
  | { op: 'set_reg'; reg: string; value: Value }
  /** r = read_reg(REG): the device samples an MMIO register (its own, or one of a peripheral wired to it) */
  | { op: 'read_reg'; reg: string; dst?: string }
  | LetOp | IfOp<DeviceOp> | WhileOp<DeviceOp> | ForOp<DeviceOp> | BreakOp | ContinueOp | AssumeOp; // Control<DeviceOp>

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
  /**
   * Per MMIO register, when not the default (one 32-bit peripheral for all): the peripheral it
   * belongs to (`mmio RDAR @ nic;` — Arm orders Device accesses only to the same peripheral)
   * and its width (`mmio u64 DB;`).
   */
  mmio?: Record<string, MmioDecl>;
  actors: Actor[];
  /** Byte ranges whose final contents, as the CPU would read them, are observed. */
  final?: BufRef[];
  /**
   * herd7's final condition: `exists` — a bug iff some arm64 execution satisfies it; `forall` —
   * a bug iff some arm64 execution violates it (either way also when arm64 diverges from the
   * ideal platform, as without one).
   */
  condition?: { kind: 'exists' | 'forall'; cond: Expr };
  /**
   * `unbind;`: the test is the whole life of its mappings — the driver is unbound when its threads
   * end, so a mapping or allocation still live is dma-debug's leak report, an error
   * (kernel/dma/debug.c dma_debug_device_change()); without it, only a warning (a snippet).
   */
  unbind?: boolean;
}

/** Op kinds that only source programs have: a program without them is straight-line. */
export const CONTROL_OPS: ReadonlySet<string> = new Set(['let', 'if', 'while', 'for', 'break', 'continue', 'return']);
