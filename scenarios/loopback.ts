// The seed article's shell stress test (dd loops against /dev/my_uart from 4 threads, sizes 64
// to 4096, odd start addresses, buffers crossing a page), replaced by programs: a loopback
// device with one channel per CPU thread. Each thread fills its TX buffer, maps TX and RX,
// rings its doorbell; the device reads what was sent and writes it back into RX; the thread
// unmaps and reads RX. The oracle checks that the device read what was sent and the thread
// read what came back, on every explored execution.

import type { Actor, BufferDecl, CpuOp, Program } from '../src/program/types.js';
import {
  FROM_DEVICE, TO_DEVICE, cpu, device, dma_map_single, dma_mapping_error, dma_read, dma_unmap_single, dma_write, field, load, pages, program,
  raise_irq, store, wait_doorbell, wait_irq, writel,
} from '../src/program/build.js';

export type LoopbackFlaw =
  | 'none'
  /** the thread fills TX after dma_map_single (no dma_sync_single_for_device) */
  | 'fill-after-map'
  /** the thread reads RX before dma_unmap_single */
  | 'read-before-unmap'
  /** buffers packed back to back at odd addresses: one thread's RX shares a line with the next thread's TX */
  | 'packed';

export interface LoopbackOptions {
  threads: number;
  /** Transfer size of each thread, cycled (64 to 4096 in the article). */
  sizes: number[];
  flaw: LoopbackFlaw;
  kernel?: string;
}

const PAGE = 4096;
const GAP = 256; // two 128-byte lines: a buffer in its own slot never shares a line

export function loopback(name: string, o: LoopbackOptions): Program {
  const size = (i: number) => o.sizes[i % o.sizes.length];
  // Odd start addresses; thread 0's TX straddles the first page boundary.
  const buffers: BufferDecl[] = [];
  let cursor = PAGE - 37;
  const place = (buf: string, n: number) => {
    buffers.push(field(buf, 'arena', cursor, n));
    cursor += o.flaw === 'packed' ? n + 1 : n + GAP + 3;
  };
  for (let i = 0; i < o.threads; i++) {
    place(`tx${i}`, size(i));
    place(`rx${i}`, size(i));
  }
  const arenaSize = Math.ceil((cursor + GAP) / PAGE) * PAGE;
  const actors: Actor[] = [];
  for (let i = 0; i < o.threads; i++) {
    const n = size(i);
    const sent = 0x11 * (i + 1);
    const fill = store(`tx${i}`, 0, n, sent);
    const mapTx = [dma_map_single(`tx${i}_dma`, `tx${i}`, 0, n, TO_DEVICE), dma_mapping_error(`tx${i}_dma`)];
    const read = load(`rx${i}`, 0, n);
    const unmapRx = dma_unmap_single(`rx${i}_dma`, n, FROM_DEVICE);
    const ops: CpuOp[] = [
      ...(o.flaw === 'fill-after-map' ? [...mapTx, fill] : [fill, ...mapTx]),
      dma_map_single(`rx${i}_dma`, `rx${i}`, 0, n, FROM_DEVICE), dma_mapping_error(`rx${i}_dma`),
      writel(`DOORBELL${i}`, 1),
      wait_irq(`irq${i}`),
      ...(o.flaw === 'read-before-unmap' ? [read, unmapRx] : [unmapRx, read]),
      dma_unmap_single(`tx${i}_dma`, n, TO_DEVICE),
    ];
    actors.push(cpu(`cpu${i}`, ops));
  }
  for (let i = 0; i < o.threads; i++) {
    const n = size(i);
    actors.push(device(`chan${i}`, [
      wait_doorbell(`DOORBELL${i}`, 1), dma_read(`tx${i}_dma`, 0, n), dma_write(`rx${i}_dma`, 0, n, 0x11 * (i + 1)), raise_irq(`irq${i}`),
    ]));
  }
  return program(name, {
    ...(o.kernel ? { platform: { kernel: o.kernel } } : {}),
    buffers: [pages('arena', arenaSize), ...buffers],
    registers: Array.from({ length: o.threads }, (_, i) => `DOORBELL${i}`),
    actors,
  });
}
