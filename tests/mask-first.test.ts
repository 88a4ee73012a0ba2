// A probe() sets the DMA mask before it maps anything: DMA API calls keep program order, so every
// execution maps under the mask the run in program order does, and the kernel's bounce decisions
// are known. Only where a map can run before the mask is set (another thread, or earlier in the
// thread) may every map bounce, and the swiotlb slots' lines are then relevant to the search.

import { describe, expect, test } from 'vitest';
import { loadLitmus } from '../src/run/check-file.js';
import { relevantLines } from '../src/oracle/exhaustive.js';
import { REGION } from '../src/kernel/layout.js';

const text = (maskWhere: 'first' | 'after-map' | 'other-thread') => `DMA mask-first
{ page blk0[4096]; mmio DB; }
cpu probe {
${maskWhere === 'first' ? '  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));\n' : ''}  h = dma_map_single(dev, blk0, 4096, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
${maskWhere === 'after-map' ? '  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));\n' : ''}  writel(1, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, 4096, DMA_FROM_DEVICE);
  r = *(u32 *)blk0;
}
${maskWhere === 'other-thread' ? 'cpu other {\n  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));\n}\n' : ''}device d {
  wait_doorbell(DB, 1);
  dma_write(h, 4, 0x11);
  raise_irq(irq);
}
`;

const slotLines = (t: string) => {
  const l = loadLitmus('t.litmus', t);
  if ('kind' in l) throw new Error(l.message);
  return (l.compiled.allPaths ?? [l.compiled]).flatMap((c) => relevantLines(c)).filter((x) => x >= REGION.swiotlb && x < REGION.vmalloc).length;
};

describe('the mask set before every map', () => {
  test('first in the thread that maps: nothing bounces, no swiotlb slot line is relevant', () => {
    expect(slotLines(text('first'))).toBe(0);
  });
  test('after a map, or by another thread: any map may bounce, the slots are relevant', () => {
    expect(slotLines(text('after-map'))).toBeGreaterThan(0);
    expect(slotLines(text('other-thread'))).toBeGreaterThan(0);
  });
});
