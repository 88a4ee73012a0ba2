// A small typed API to write programs by hand, named after the kernel calls they stand for:
//
//   const p = program('rx', {
//     buffers: [kmalloc('buf', 64)], registers: ['DOORBELL'],
//     actors: [
//       cpu('cpu0', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), writel('DOORBELL', 1), wait_irq(),
//                    dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)]),
//       device('dev', [wait_doorbell('DOORBELL', 1), dma_write('h', 0, 4, 0x11223344), raise_irq()]),
//     ],
//   });

import type { PlatformConfig } from '../platform/platform.js';
import { ProgramError } from './program-error.js';
import type {
  Actor, BarrierKind, BufRef, BufferDecl, BufferKind, CpuOp, DeviceOp, Direction, Program, Value,
} from './types.js';

export const TO_DEVICE: Direction = 'DMA_TO_DEVICE';
export const FROM_DEVICE: Direction = 'DMA_FROM_DEVICE';
export const BIDIRECTIONAL: Direction = 'DMA_BIDIRECTIONAL';

export interface MapOptions { skipCpuSync?: boolean }

/** What a scenario may write as a value: 0x5a, or 0x8000000000000000n where a number is not exact. */
export type ValueLike = number | bigint;

/** A number becomes a Value only when it is exact (a safe integer); compile() checks the range. */
export function u64(v: ValueLike): Value {
  if (typeof v === 'bigint') return v;
  if (!Number.isSafeInteger(v)) throw new ProgramError(`value ${v} is not an exact integer; write values above 2^53 as bigints (0x8000000000000000n)`);
  return BigInt(v);
}

// --- memory ---
const decl = (kind: BufferKind) => (name: string, size: number, extra: Partial<BufferDecl> = {}): BufferDecl => ({ name, kind, size, ...extra });
export const kmalloc = decl('kmalloc');
export const pages = decl('page');
export const stack = decl('stack');
export const vmalloc = decl('vmalloc');
export const coherent = decl('coherent');
/** A member of a struct: `field('rx', 'priv', 4, 8)` is priv->rx at offset 4, 8 bytes. */
export const field = (name: string, parent: string, offset: number, size: number, extra: Partial<BufferDecl> = {}): BufferDecl =>
  ({ name, kind: 'kmalloc', size, in: { parent, offset }, ...extra });

// --- CPU ---
export const store = (buf: string, off: number, size: number, value: ValueLike): CpuOp => ({ op: 'store', buf, off, size, value: u64(value) });
export const WRITE_ONCE = (buf: string, off: number, size: number, value: ValueLike): CpuOp => ({ op: 'store', buf, off, size, value: u64(value), once: true });
export const load = (buf: string, off: number, size: number): CpuOp => ({ op: 'load', buf, off, size });
export const READ_ONCE = (buf: string, off: number, size: number): CpuOp => ({ op: 'load', buf, off, size, once: true });
export const poll = (buf: string, off: number, size: number, value: ValueLike): CpuOp => ({ op: 'poll', buf, off, size, value: u64(value) });
export const barrier = (kind: BarrierKind): CpuOp => ({ op: 'barrier', kind });
export const dma_rmb = () => barrier('dma_rmb');
export const dma_wmb = () => barrier('dma_wmb');
export const mb = () => barrier('mb');
export const writel = (reg: string, value: ValueLike): CpuOp => ({ op: 'writel', reg, value: u64(value) });
export const writel_relaxed = (reg: string, value: ValueLike): CpuOp => ({ op: 'writel', reg, value: u64(value), relaxed: true });
export const readl = (reg: string): CpuOp => ({ op: 'readl', reg });
export const readl_relaxed = (reg: string): CpuOp => ({ op: 'readl', reg, relaxed: true });
export const wait_irq = (irq = 'irq'): CpuOp => ({ op: 'wait_irq', irq });
export const dma_set_mask = (bits: number): CpuOp => ({ op: 'dma_set_mask', bits });
export const dma_alloc_coherent = (buf: string): CpuOp => ({ op: 'dma_alloc_coherent', buf });
export const dma_free_coherent = (buf: string): CpuOp => ({ op: 'dma_free_coherent', buf });
export const dma_map_single = (handle: string, buf: string, off: number, size: number, dir: Direction, o: MapOptions = {}): CpuOp =>
  ({ op: 'dma_map', api: 'single', handle, buf, off, size, dir, ...o });
export const dma_map_page = (handle: string, buf: string, off: number, size: number, dir: Direction, o: MapOptions = {}): CpuOp =>
  ({ op: 'dma_map', api: 'page', handle, buf, off, size, dir, ...o });
export const dma_unmap_single = (handle: string, size: number, dir: Direction, o: MapOptions = {}): CpuOp =>
  ({ op: 'dma_unmap', api: 'single', handle, size, dir, ...o });
export const dma_unmap_page = (handle: string, size: number, dir: Direction, o: MapOptions = {}): CpuOp =>
  ({ op: 'dma_unmap', api: 'page', handle, size, dir, ...o });
export const dma_map_sg = (handle: string, entries: BufRef[], dir: Direction, o: MapOptions = {}): CpuOp => ({ op: 'dma_map_sg', handle, entries, dir, ...o });
export const dma_unmap_sg = (handle: string, dir: Direction, o: MapOptions = {}): CpuOp => ({ op: 'dma_unmap_sg', handle, dir, ...o });
export const dma_sync_single_for_cpu = (handle: string, size: number, dir: Direction): CpuOp => ({ op: 'dma_sync', to: 'cpu', handle, off: 0, size, dir });
export const dma_sync_single_for_device = (handle: string, size: number, dir: Direction): CpuOp => ({ op: 'dma_sync', to: 'device', handle, off: 0, size, dir });
export const dma_sync_single_range_for_cpu = (handle: string, off: number, size: number, dir: Direction): CpuOp =>
  ({ op: 'dma_sync', to: 'cpu', handle, off, size, dir, range: true });
export const dma_sync_single_range_for_device = (handle: string, off: number, size: number, dir: Direction): CpuOp =>
  ({ op: 'dma_sync', to: 'device', handle, off, size, dir, range: true });
export const dma_sync_sg_for_cpu = (handle: string, dir: Direction): CpuOp => ({ op: 'dma_sync', to: 'cpu', handle, off: 0, size: 0, dir, sg: true });
export const dma_sync_sg_for_device = (handle: string, dir: Direction): CpuOp => ({ op: 'dma_sync', to: 'device', handle, off: 0, size: 0, dir, sg: true });
export const dma_mapping_error = (handle: string): CpuOp => ({ op: 'dma_mapping_error', handle });

// --- device ---
export const wait_doorbell = (reg: string, value: ValueLike): DeviceOp => ({ op: 'wait_doorbell', reg, value: u64(value) });
export const dma_read = (handle: string, off: number, size: number, entry?: number): DeviceOp =>
  ({ op: 'dma_read', handle, off, size, ...(entry === undefined ? {} : { entry }) });
export const dma_write = (handle: string, off: number, size: number, value: ValueLike, entry?: number): DeviceOp =>
  ({ op: 'dma_write', handle, off, size, value: u64(value), ...(entry === undefined ? {} : { entry }) });
export const dma_poll = (handle: string, off: number, size: number, value: ValueLike): DeviceOp => ({ op: 'dma_poll', handle, off, size, value: u64(value) });
export const raise_irq = (irq = 'irq'): DeviceOp => ({ op: 'raise_irq', irq });
export const set_reg = (reg: string, value: ValueLike): DeviceOp => ({ op: 'set_reg', reg, value: u64(value) });

// --- actors and programs ---
export const cpu = (name: string, ops: CpuOp[]): Actor => ({ name, kind: 'cpu', ops });
export const device = (name: string, ops: DeviceOp[]): Actor => ({ name, kind: 'device', ops });

export function program(
  name: string,
  parts: { platform?: Partial<PlatformConfig>; buffers: BufferDecl[]; registers?: string[]; actors: Actor[]; final?: BufRef[] },
): Program {
  return { name, buffers: parts.buffers, registers: parts.registers ?? [], actors: parts.actors, ...(parts.platform ? { platform: parts.platform } : {}), ...(parts.final ? { final: parts.final } : {}) };
}
