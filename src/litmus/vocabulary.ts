// The words of the litmus format that both the parser and the printer need: access types,
// memory kinds, DMA directions, barriers, and the DMA API calls with their argument lists.

import { BARRIERS, DIRECTIONS, type BarrierKind, type BufferKind, type Direction } from '../program/types.js';

/** u8..u64 name 1..8-byte accesses (u24, u40, u48, u56 for the odd widths); u8[N] anything larger. */
export function typeName(size: number): string {
  return size <= 8 ? `u${size * 8}` : `u8[${size}]`;
}

export function scalarTypeSize(name: string): number | undefined {
  const m = /^u(8|16|24|32|40|48|56|64)$/.exec(name);
  return m ? Number(m[1]) / 8 : undefined;
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
  sg_set_buf: '(&sgl[i], ptr, size)',
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
};

/** Every call a device block understands. */
export const DEVICE_CALLS: Record<string, string> = {
  wait_doorbell: '(REG, value)',
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
