// Two RX threads, each with its own channel, for the reduction properties: small enough for the
// full searches, with independent groups unless the buffers share a cache line.

import {
  FROM_DEVICE, cpu, device, dma_map_single, dma_unmap_single, dma_write, field, load, pages, program, raise_irq, wait_doorbell, wait_irq, writel,
} from '../src/program/build.js';
import type { Program } from '../src/program/types.js';

/**
 * Two RX threads, each with its own channel (two independent groups), small enough for the full
 * search: map, doorbell, irq, unmap, read; flawed, one reads before the unmap, or the buffers
 * share a cache line (one group).
 */
export const twoChannels = (flaw: 'none' | 'read-before-unmap' | 'packed'): Program => program(`two-channels-${flaw}`, {
  buffers: [pages('arena', 8192), field('rx0', 'arena', 4091, 16), field('rx1', 'arena', flaw === 'packed' ? 4107 : 4480, 16)],
  registers: ['DB0', 'DB1'],
  actors: [0, 1].flatMap((i) => {
    const unmap = dma_unmap_single(`h${i}`, 16, FROM_DEVICE), read = load(`rx${i}`, 0, 8);
    return [
      cpu(`cpu${i}`, [dma_map_single(`h${i}`, `rx${i}`, 0, 16, FROM_DEVICE), writel(`DB${i}`, 1), wait_irq(`irq${i}`),
        ...(flaw === 'read-before-unmap' && i === 0 ? [read, unmap] : [unmap, read])]),
      device(`dev${i}`, [wait_doorbell(`DB${i}`, 1), dma_write(`h${i}`, 0, 16, 0x55 + i), raise_irq(`irq${i}`)]),
    ];
  }),
});

