// dma_alloc_noncoherent() gets pages the device can reach (kernel/dma/direct.c
// __dma_direct_alloc_pages(): a zone below the coherent DMA mask, retried lower until
// dma_coherent_ok()), so RAM above 4 GiB, a 32-bit device or a dma-ranges window never puts them
// out of its reach: a correct driver stays ok on those platforms of the fuzz matrix.

import { describe, expect, test } from 'vitest';
import { checkLitmusFile } from '../src/run/check-file.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const rx = `DMA noncoherent-rx
expect ok
{ page buf[4096]; mmio DB; }
cpu c {
  buf = dma_alloc_noncoherent(dev, 256, &h, DMA_FROM_DEVICE, GFP_KERNEL);
  dma_sync_single_for_device(dev, h, 256, DMA_FROM_DEVICE);
  writel(1, DB);
  wait_for_irq(irq);
  dma_sync_single_for_cpu(dev, h, 256, DMA_FROM_DEVICE);
  r = *(u32 *)buf;
}
device d {
  wait_doorbell(DB, 1);
  dma_write(h, 64, 0x11);
  raise_irq(irq);
}
`;

describe('dma_alloc_noncoherent() memory is memory the device reaches', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'dmafuzz-nc-')), 'rx.litmus');
  writeFileSync(file, rx);
  const platforms: [string, Record<string, unknown>][] = [
    ['RAM above 4 GiB and a 1 GiB dma-ranges window', { highRam: true, dmaRangesSize: 0x4000_0000 }],
    ['RAM above 4 GiB and a device that drives 32 address bits', { highRam: true, deviceAddressBits: 32 }],
    ['RAM above 4 GiB', { highRam: true }],
  ];
  for (const [what, platform] of platforms) {
    test(`${what}: ok`, () => {
      const c = checkLitmusFile(file, { platform, fix: false });
      if (c.kind !== 'checked') throw new Error(c.message);
      expect(c.verdict).toBe('ok');
    });
  }
});
