// Patterns the kernel relies on (DESIGN.md "What must never be flagged", reference §9.10).
// Each must be `ok` on every execution of the arm64 model.

import type { Program } from '../src/program/types.js';
import {
  FROM_DEVICE, TO_DEVICE, cpu, device, dma_map_single, dma_mapping_error, dma_read, dma_rmb, dma_sync_single_for_cpu, dma_unmap_single, dma_write, field,
  kmalloc, load, program, raise_irq, store, wait_doorbell, wait_irq, writel,
} from '../src/program/build.js';

export interface NeverFlagCase { id: string; title: string; program: Program }

const DB = 'DOORBELL';

export const NEVER_FLAG: NeverFlagCase[] = [
  {
    id: 'n1-to-device-shares-line',
    title: 'A TO_DEVICE mapping shares its cache lines with data the CPU writes during the transfer',
    program: program('n1', {
      platform: { kernel: '6.1' },
      buffers: [kmalloc('priv', 128), field('counter', 'priv', 0, 4), field('tx', 'priv', 4, 8)],
      registers: [DB],
      actors: [
        cpu('cpu0', [store('tx', 0, 8, 0x11223344556677), dma_map_single('h', 'tx', 0, 8, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), store('counter', 0, 4, 1), wait_irq(), dma_unmap_single('h', 8, TO_DEVICE), load('counter', 0, 4)]),
        device('dev', [wait_doorbell(DB, 1), dma_read('h', 0, 8), raise_irq()]),
      ],
    }),
  },
  {
    id: 'n2-cpu-reads-to-device-buffer',
    title: 'The CPU reads a TO_DEVICE buffer while it is mapped',
    program: program('n2', {
      buffers: [kmalloc('buf', 64)],
      registers: [DB],
      actors: [
        cpu('cpu0', [store('buf', 0, 4, 0x11223344), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), load('buf', 0, 4), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)]),
        device('dev', [wait_doorbell(DB, 1), dma_read('h', 0, 4), raise_irq()]),
      ],
    }),
  },
  {
    id: 'n3-rx-buffer-back-without-sync-for-device',
    title: 'An RX buffer handed back to the device without sync_for_device after the CPU only read it',
    program: program('n3', {
      buffers: [kmalloc('buf', 64)],
      registers: [DB],
      actors: [
        cpu('cpu0', [
          dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 0, 4),
          // writel() is dmb oshst; str: it does not order the load above before the doorbell. The
          // howto's driver branches on what it read, and that control dependency orders it; our
          // programs have no branches, so dma_rmb() stands for it. Without it the device may refill
          // the buffer before the CPU read it (scenarios/rx-handback-read-race.litmus).
          dma_rmb(), writel(DB, 2), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE),
        ]),
        device('dev', [wait_doorbell(DB, 1), dma_write('h', 0, 4, 0x11111111), raise_irq(), wait_doorbell(DB, 2), dma_write('h', 0, 4, 0x22222222), raise_irq()]),
      ],
    }),
  },
  {
    id: 'n4-several-to-device-mappings',
    title: 'Several TO_DEVICE mappings of one buffer',
    program: program('n4', {
      buffers: [kmalloc('buf', 64)],
      registers: [DB],
      actors: [
        cpu('cpu0', [store('buf', 0, 4, 0x11223344), dma_map_single('a', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('a'), dma_map_single('b', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('b'), writel(DB, 1), wait_irq(), dma_unmap_single('a', 64, TO_DEVICE), dma_unmap_single('b', 64, TO_DEVICE)]),
        device('dev', [wait_doorbell(DB, 1), dma_read('a', 0, 4), dma_read('b', 0, 4), raise_irq()]),
      ],
    }),
  },
  {
    id: 'n5-skip-cpu-sync-remap',
    title: 'A DMA_ATTR_SKIP_CPU_SYNC re-map of a buffer already synced for the device',
    program: program('n5', {
      buffers: [kmalloc('buf', 64)],
      registers: [DB],
      actors: [
        cpu('cpu0', [
          store('buf', 0, 4, 0x11223344), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), dma_unmap_single('h', 64, TO_DEVICE, { skipCpuSync: true }),
          dma_map_single('h2', 'buf', 0, 64, TO_DEVICE, { skipCpuSync: true }), dma_mapping_error('h2'), writel(DB, 1), wait_irq(), dma_unmap_single('h2', 64, TO_DEVICE),
        ]),
        device('dev', [wait_doorbell(DB, 1), dma_read('h2', 0, 4), raise_irq()]),
      ],
    }),
  },
  {
    id: 'n6-unmap-modify-map',
    title: "unmap, modify, map instead of a sync pair (the seed article's net_tx_complete, claim (e))",
    program: program('n6', {
      buffers: [kmalloc('tx_buf', 64)],
      registers: [DB],
      actors: [
        cpu('cpu0', [
          store('tx_buf', 0, 64, 0x11), dma_map_single('h', 'tx_buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(),
          // net_tx_complete(): unmap; build_next_packet(tx_buf); dma_map_single(TO_DEVICE); start_tx
          dma_unmap_single('h', 64, TO_DEVICE), store('tx_buf', 0, 64, 0x22), dma_map_single('h2', 'tx_buf', 0, 64, TO_DEVICE), dma_mapping_error('h2'), writel(DB, 2), wait_irq(), dma_unmap_single('h2', 64, TO_DEVICE),
        ]),
        device('dev', [wait_doorbell(DB, 1), dma_read('h', 0, 64), raise_irq(), wait_doorbell(DB, 2), dma_read('h2', 0, 64), raise_irq()]),
      ],
    }),
  },
];
