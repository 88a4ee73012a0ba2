// The words of the litmus format that both the parser and the printer need: access types,
// memory kinds, DMA directions, barriers, and the DMA API calls with their argument lists.

import { BARRIERS, DIRECTIONS, type BarrierKind, type BufferKind, type Direction } from '../program/types.js';

/** u8..u64 name 1..8-byte accesses (u24, u40, u48, u56 for the odd widths); u8[N] anything larger. */
export function typeName(size: number): string {
  return size <= 8 ? `u${size * 8}` : `u8[${size}]`;
}

const SCALAR_SIZES: ReadonlyMap<string, number> = new Map([1, 2, 3, 4, 5, 6, 7, 8].map((bytes) => [typeName(bytes), bytes]));

export function scalarTypeSize(name: string): number | undefined {
  return SCALAR_SIZES.get(name);
}

/** Declaration keyword → buffer kind (`field` declares a member of another buffer). */
export const KIND_KEYWORDS: Record<string, BufferKind> = {
  kmalloc: 'kmalloc', page: 'page', stack: 'stack', vmalloc: 'vmalloc', coherent: 'coherent',
};

export const isDirection = (s: string): s is Direction => (DIRECTIONS as readonly string[]).includes(s);
export const isBarrier = (s: string): s is BarrierKind => (BARRIERS as readonly string[]).includes(s);

export const SKIP_CPU_SYNC = 'DMA_ATTR_SKIP_CPU_SYNC';

/** Every call a CPU block understands, with its arguments as the error messages show them. */
export const CPU_CALLS: Record<string, string> = {
  READ_ONCE: '(*(u32 *)ptr)',
  WRITE_ONCE: '(*(u32 *)ptr, value)',
  memset: '(ptr, byte, size)',
  memcpy: '(r, ptr, size)',
  writel: '(value, REG)',
  writel_relaxed: '(value, REG)',
  readl: '(REG)',
  readl_relaxed: '(REG)',
  wait_for_irq: '(irq)',
  dma_set_mask: '(dev, DMA_BIT_MASK(n))',
  dma_set_mask_and_coherent: '(dev, DMA_BIT_MASK(n))',
  dma_alloc_coherent: '(dev, size, GFP_KERNEL)',
  dma_free_coherent: '(dev, size, buf)',
  dma_map_single: '(dev, ptr, size, dir)',
  dma_map_single_attrs: '(dev, ptr, size, dir, attrs)',
  dma_map_page: '(dev, buf, offset, size, dir)',
  dma_map_page_attrs: '(dev, buf, offset, size, dir, attrs)',
  dma_unmap_single: '(dev, handle, size, dir)',
  dma_unmap_single_attrs: '(dev, handle, size, dir, attrs)',
  dma_unmap_page: '(dev, handle, size, dir)',
  dma_unmap_page_attrs: '(dev, handle, size, dir, attrs)',
  sg_init_table: '(sgl, nents)',
  sg_set_buf: '(&sgl[i], ptr, size)',
  sg_alloc_table: '(sgt, nents, GFP_KERNEL)',
  dma_map_sg: '(dev, sgl, nents, dir)',
  dma_map_sg_attrs: '(dev, sgl, nents, dir, attrs)',
  dma_unmap_sg: '(dev, sgl, nents, dir)',
  dma_unmap_sg_attrs: '(dev, sgl, nents, dir, attrs)',
  dma_sync_single_for_cpu: '(dev, handle, size, dir)',
  dma_sync_single_for_device: '(dev, handle, size, dir)',
  dma_sync_single_range_for_cpu: '(dev, handle, offset, size, dir)',
  dma_sync_single_range_for_device: '(dev, handle, offset, size, dir)',
  dma_sync_sg_for_cpu: '(dev, sgl, nents, dir)',
  dma_sync_sg_for_device: '(dev, sgl, nents, dir)',
  dma_mapping_error: '(dev, handle)',
  ...Object.fromEntries(BARRIERS.map((b) => [b, '()'])),
  smp_mb__before_atomic: '()',
  smp_mb__after_atomic: '()',
  // src/litmus/cpu-calls.ts
  ...Object.fromEntries(['b', 'w', 'l', 'q'].flatMap((w) => [[`write${w}`, '(value, REG)'], [`write${w}_relaxed`, '(value, REG)'], [`read${w}`, '(REG)'], [`read${w}_relaxed`, '(REG)']])),
  ...Object.fromEntries([8, 16, 32, 64].flatMap((n) => [[`iowrite${n}`, '(value, REG)'], [`ioread${n}`, '(REG)']])),
  smp_load_acquire: '(&loc)',
  smp_store_release: '(&loc, value)',
  xchg: '(&loc, value)',
  cmpxchg: '(&loc, old, new)',
  spin_lock: '(&lock)', spin_lock_bh: '(&lock)', spin_lock_irq: '(&lock)', spin_lock_irqsave: '(&lock, flags)',
  spin_unlock: '(&lock)', spin_unlock_bh: '(&lock)', spin_unlock_irq: '(&lock)', spin_unlock_irqrestore: '(&lock, flags)',
  readl_poll_timeout: '(REG, val, cond, delay_us, timeout_us)',
  readl_poll_timeout_atomic: '(REG, val, cond, delay_us, timeout_us)',
  readl_relaxed_poll_timeout: '(REG, val, cond, delay_us, timeout_us)',
  dma_pool_create: '("name", dev, size, align, 0)',
  dma_pool_alloc: '(pool, GFP_KERNEL, &handle)',
  dma_pool_zalloc: '(pool, GFP_KERNEL, &handle)',
  dma_pool_free: '(pool, block, handle)',
  dma_pool_destroy: '(pool)',
  dma_alloc_noncoherent: '(dev, size, &handle, dir, GFP_KERNEL)',
  dma_free_noncoherent: '(dev, size, buf, handle, dir)',
  dma_map_sgtable: '(dev, sgt, dir, attrs)',
  dma_unmap_sgtable: '(dev, sgt, dir, attrs)',
  dma_sync_sgtable_for_cpu: '(dev, sgt, dir)',
  dma_sync_sgtable_for_device: '(dev, sgt, dir)',
  prefetch: '(ptr)', prefetchw: '(ptr)',
  udelay: '(us)', ndelay: '(ns)', mdelay: '(ms)', msleep: '(ms)', usleep_range: '(min_us, max_us)', cpu_relax: '()',
};

/**
 * Calls drivers make that the format does not model, with what to write instead (a test that
 * names one gets this line, not "unknown function").
 */
export const UNSUPPORTED_CALLS: Record<string, string> = {
  dma_alloc_attrs: 'write dma_alloc_coherent(dev, size, GFP_KERNEL)',
  dma_alloc_pages: 'write dma_alloc_noncoherent(dev, size, &handle, dir, GFP_KERNEL): the same pages',
  dma_map_resource: 'MMIO of another device is not memory the model caches',
  dmam_alloc_coherent: 'write dma_alloc_coherent(dev, size, GFP_KERNEL)',
  dmam_pool_create: 'write dma_pool_create("name", dev, size, align, 0)',
  atomic_set: 'write WRITE_ONCE(*(u32 *)v, value)',
  atomic_read: 'write READ_ONCE(*(u32 *)v)',
  atomic_xchg: 'write xchg(&v, value)',
  atomic_cmpxchg: 'write cmpxchg(&v, old, new)',
  atomic_inc: 'write the retry loop: old = READ_ONCE(*(u32 *)v); r = cmpxchg(&v, old, old + 1);',
  atomic_add: 'write the retry loop: old = READ_ONCE(*(u32 *)v); r = cmpxchg(&v, old, old + n);',
  spin_trylock: 'write spin_lock(&lock)',
  mutex_lock: 'a sleeping lock orders as spin_lock(&lock) does; write that',
  mutex_unlock: 'write spin_unlock(&lock)',
  wait_irq: 'write wait_for_irq(name), and raise_irq(name) in the device block',
  wait_for_completion: 'the wait for the interrupt that completes the transfer: write wait_for_irq(name), and raise_irq(name) where the device block raises it',
  wait_for_completion_timeout: 'write wait_for_irq(name) for the interrupt that completes the transfer, and raise_irq(name) in the device block',
  readx_poll_timeout: 'write readl_poll_timeout(REG, val, cond, delay_us, timeout_us)',
  read_poll_timeout: 'write readl_poll_timeout(REG, val, cond, delay_us, timeout_us)',
  dma_sync_single_range_for_cpu_attrs: 'write dma_sync_single_range_for_cpu(dev, handle, offset, size, dir)',
};

/**
 * Printing, which touches no DMA memory: a statement calling one is dropped, whatever its
 * arguments (format strings, `skb->len`, `&pdev->dev`), so a driver's error paths read as written.
 */
export const PRINTING_CALLS = new Set([
  'printk', 'pr_err', 'pr_warn', 'pr_info', 'pr_notice', 'pr_debug', 'pr_err_ratelimited', 'pr_warn_ratelimited', 'pr_warn_once', 'pr_err_once',
  'dev_err', 'dev_warn', 'dev_info', 'dev_notice', 'dev_dbg', 'dev_err_ratelimited', 'dev_warn_ratelimited', 'dev_err_once', 'dev_warn_once', 'dev_info_once', 'dev_dbg_ratelimited',
  'netdev_err', 'netdev_warn', 'netdev_info', 'netdev_notice', 'netdev_dbg', 'netif_err', 'netif_warn', 'netif_info', 'netif_dbg', 'net_err_ratelimited', 'net_warn_ratelimited',
]);

/** Every call a device block understands. */
export const DEVICE_CALLS: Record<string, string> = {
  wait_doorbell: '(REG, value)',
  wait_write: '(REG)',
  read_reg: '(REG)',
  dma_read: '(handle + offset, size)',
  dma_write: '(handle + offset, size, value)',
  dma_poll: '(handle + offset, size, value)',
  raise_irq: '(irq)',
  set_reg: '(REG, value)',
};

/** The closest known word, for "did you mean" hints (Levenshtein distance ≤ 1/3 of the length). */
export function closest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) { best = k; bestD = d; }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Where a call's signature (CPU_CALLS, DEVICE_CALLS) takes the struct device: `(dev, ptr, size, dir)` 0, none -1. */
export function deviceParameter(signature: string): number {
  let i = DEVICE_PARAMETER.get(signature);
  if (i === undefined) DEVICE_PARAMETER.set(signature, (i = signature.startsWith('(') ? signature.slice(1, -1).split(',').findIndex((p) => p.trim() === 'dev') : -1));
  return i;
}

const DEVICE_PARAMETER = new Map<string, number>();
