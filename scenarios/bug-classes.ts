// The bug classes of DESIGN.md as hand-written programs: each buggy program, an execution that
// shows the bug on the arm64 model (often just program order), the real mechanism, and the fixed
// program. And the patterns the kernel relies on, which must never be flagged.

import type { Execution } from '../src/exec/execution.js';
import type { Program } from '../src/program/types.js';
import {
  BIDIRECTIONAL, FROM_DEVICE, TO_DEVICE, coherent, cpu, device, dma_alloc_coherent, dma_map_single, dma_poll, dma_read,
  dma_mapping_error, dma_rmb, dma_sync_single_for_cpu, dma_sync_single_for_device, dma_unmap_single, dma_wmb, dma_write, field, kmalloc, load,
  poll, program, raise_irq, store, wait_doorbell, wait_irq, writel, writel_relaxed, WRITE_ONCE, READ_ONCE,
} from '../src/program/build.js';

export interface BugClassCase {
  id: string;
  cls: number;
  title: string;
  /** How the arm64 model produces the wrong observation, in kernel terms. */
  mechanism: string;
  buggy: Program;
  /** An execution of `buggy` that shows the bug; `[]` means plain program order already does. */
  witness: (addrOf: (buf: string) => number) => Execution;
  /** Lines the model's trace of the witness must contain: the mechanism, not just the symptom. */
  evidence?: RegExp[];
  fixed: Program;
}

const DB = 'DOORBELL';
const inOrder = () => ({ steps: [] });

// --- building blocks: an RX transfer (device writes buf) and a TX transfer (device reads buf) ---

function rx(name: string, cpuOps: Parameters<typeof cpu>[1], opts: { size?: number; value?: number; platform?: Program['platform']; buffers?: Program['buffers'] } = {}): Program {
  const size = opts.size ?? 64;
  return program(name, {
    platform: opts.platform,
    buffers: opts.buffers ?? [kmalloc('buf', size)],
    registers: [DB],
    actors: [
      cpu('cpu0', cpuOps),
      device('dev', [wait_doorbell(DB, 1), dma_write('h', 0, size, opts.value ?? 0x5a), raise_irq()]),
    ],
  });
}

const RX_OK = [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)];

export const BUG_CLASSES: BugClassCase[] = [
  {
    id: 'c1-read-without-sync', cls: 1,
    title: 'CPU reads a FROM_DEVICE buffer after completion without sync_for_cpu/unmap',
    mechanism: 'a speculative fill during the transfer leaves a clean line holding the old bytes; nothing invalidates it, so the load hits the stale line',
    buggy: rx('c1', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)]),
    witness: (at) => ({ steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { fill: at('buf') }] }),
    evidence: [/speculative fill of line 0x1000/],
    fixed: rx('c1-fixed', RX_OK),
  },
  {
    id: 'c2-write-after-map', cls: 2,
    title: 'CPU writes a TO_DEVICE buffer after dma_map_single without sync_for_device',
    mechanism: 'the store dirties a cache line after map cleaned it; the non-coherent device reads memory and sees the old bytes',
    buggy: tx('c2', [dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), store('buf', 0, 4, 0x11223344), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)]),
    witness: inOrder,
    fixed: tx('c2-fixed', [store('buf', 0, 4, 0x11223344), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)]),
  },
  {
    id: 'c3-write-while-device-owns', cls: 3,
    title: 'CPU writes a FROM_DEVICE buffer while the device owns it',
    mechanism: 'the store write-allocates the line with the old buffer bytes and dirties it; its eviction after the device wrote puts those old bytes back over the device data',
    buggy: rx('c3', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), store('buf', 60, 4, 0x77777777), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)]),
    witness: (at) => ({ steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0' }, { run: 'dev' }, { run: 'dev' }, { evict: at('buf') }] }),
    evidence: [/eviction of line 0x1000/, /line 0x1000 written back to memory/],
    fixed: rx('c3-fixed', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), store('buf', 60, 4, 0x77777777), load('buf', 0, 4)]),
  },
  {
    id: 'c4-shared-cache-line', cls: 4,
    title: 'A FROM_DEVICE buffer shares a cache line with data the CPU writes during the transfer (8 bytes at offset 4)',
    mechanism: "the neighbour's store dirties the line holding the old rx bytes; unmap's dcache_inval_poc cleans+invalidates the partial edge line (dc civac), writing those old bytes over the device's data — the device's bytes are the victim",
    buggy: sharedLine('c4', 4, 0),
    witness: inOrder,
    evidence: [/dc civac, 0x1000/, /line 0x1000 written back to memory/],
    fixed: sharedLine('c4-fixed', 128, 0), // rx __aligned(ARCH_DMA_MINALIGN): its own line even with 128-byte CWG
  },
  {
    id: 'c5-wrong-direction', cls: 5,
    title: 'Wrong direction at map: the device writes a DMA_TO_DEVICE mapping',
    mechanism: 'map(TO_DEVICE) cleans but leaves the line valid, unmap(TO_DEVICE) does nothing, so the CPU keeps reading its cached copy',
    buggy: rx('c5', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE), load('buf', 0, 4)]),
    witness: inOrder,
    fixed: rx('c5-fixed', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, BIDIRECTIONAL), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, BIDIRECTIONAL), load('buf', 0, 4)]),
  },
  {
    id: 'c6-sync-direction', cls: 6,
    title: "dma_sync_single_for_cpu with a direction other than the mapping's",
    mechanism: 'sync_for_cpu(DMA_TO_DEVICE) is a no-op on arm64, so the line cached before the transfer is never invalidated',
    buggy: rx('c6', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 64, TO_DEVICE), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)]),
    witness: inOrder,
    fixed: rx('c6-fixed', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)]),
  },
  {
    id: 'c7-partial-sync', cls: 7,
    title: 'Partial sync that misses bytes the device wrote',
    mechanism: 'sync_for_cpu of the first 64 bytes invalidates only the first line; the second line, cached before the transfer, still holds the old bytes',
    buggy: rx('c7', [store('buf', 0, 128, 0x33), dma_map_single('h', 'buf', 0, 128, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 64, FROM_DEVICE), load('buf', 64, 4), dma_unmap_single('h', 128, FROM_DEVICE)], { size: 128 }),
    witness: inOrder,
    fixed: rx('c7-fixed', [store('buf', 0, 128, 0x33), dma_map_single('h', 'buf', 0, 128, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_sync_single_for_cpu('h', 128, FROM_DEVICE), load('buf', 64, 4), dma_unmap_single('h', 128, FROM_DEVICE)], { size: 128 }),
  },
  {
    id: 'c8-missing-dma-rmb', cls: 8,
    title: 'Missing dma_rmb() between the descriptor status word and the payload',
    mechanism: 'the payload load is satisfied before the status load that saw DESC_DONE (load→load reordering on Normal-NC memory)',
    buggy: ring('c8', [dma_alloc_coherent('ring'), writel(DB, 1), poll('ring', 8, 4, 1), READ_ONCE('ring', 0, 4)]),
    witness: () => ({ steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0', skip: 1 }] }),
    fixed: ring('c8-fixed', [dma_alloc_coherent('ring'), writel(DB, 1), poll('ring', 8, 4, 1), dma_rmb(), READ_ONCE('ring', 0, 4)]),
  },
  {
    id: 'c9-missing-dma-wmb', cls: 9,
    title: 'Missing dma_wmb() between the payload and the ownership word',
    mechanism: 'the ownership store becomes visible before the payload store (store→store reordering on Normal-NC memory); the polling device reads the old payload',
    buggy: ownership('c9', false),
    witness: () => ({ steps: [{ run: 'cpu0' }, { run: 'cpu0', skip: 1 }, { run: 'dev' }, { run: 'dev' }] }),
    fixed: ownership('c9-fixed', true),
  },
  {
    id: 'c10-writel-relaxed-doorbell', cls: 10,
    title: 'writel_relaxed() doorbell without a barrier after the descriptor writes',
    mechanism: 'writel_relaxed has no dmb oshst: the MMIO store reaches the device before the descriptor store to Normal-NC memory',
    buggy: doorbell('c10', [dma_alloc_coherent('ring'), WRITE_ONCE('ring', 0, 4, 0x11223344), writel_relaxed(DB, 1)]),
    witness: () => ({ steps: [{ run: 'cpu0' }, { run: 'cpu0', skip: 1 }, { run: 'dev' }, { run: 'dev' }] }),
    fixed: doorbell('c10-fixed', [dma_alloc_coherent('ring'), WRITE_ONCE('ring', 0, 4, 0x11223344), writel(DB, 1)]),
  },
  {
    id: 'c11-swiotlb-missing-sync', cls: 11,
    title: 'swiotlb bouncing (RAM above a 32-bit dma_mask): the CPU reads without sync_for_cpu',
    mechanism: 'the device wrote the bounce buffer; only sync_for_cpu/unmap copies it back to the original, so the original keeps the old bytes on every schedule',
    buggy: rx('c11', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), load('buf', 0, 4), dma_unmap_single('h', 64, FROM_DEVICE)], { platform: { highRam: true } }),
    witness: inOrder,
    evidence: [/device is given 0x200000 \(swiotlb bounce buffer\)/],
    // the mapping is checked: without swiotlb (or before v5.x bouncing) it fails and the driver bails out
    fixed: rx('c11-fixed', [RX_OK[0], dma_mapping_error('h'), ...RX_OK.slice(1)], { platform: { highRam: true } }),
  },
  {
    id: 'c11-swiotlb-write-after-map', cls: 11,
    title: 'swiotlb bouncing (RAM above a 32-bit dma_mask): the CPU writes a TO_DEVICE buffer after map',
    mechanism: 'map copied the original into the bounce buffer; the later store changes only the original, which the device never reads',
    buggy: tx('c11b', [dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), store('buf', 0, 4, 0x11223344), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], { highRam: true }),
    witness: inOrder,
    evidence: [/swiotlb memcpy 0x100001000 → 0x200000/],
    fixed: tx('c11b-fixed', [dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), store('buf', 0, 4, 0x11223344), dma_sync_single_for_device('h', 64, TO_DEVICE), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], { highRam: true }),
  },
  {
    id: 'c12-unmap-before-completion', cls: 12,
    title: 'dma_unmap_single before the device completed',
    mechanism: "unmap invalidated before the device wrote; a speculative fill after it caches the old bytes, and nothing invalidates them again",
    buggy: rx('c12', [dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), dma_unmap_single('h', 64, FROM_DEVICE), wait_irq(), load('buf', 0, 4)]),
    witness: (at) => ({ steps: [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0' }, { fill: at('buf') }] }),
    evidence: [/dc ivac, 0x1000/, /speculative fill of line 0x1000/],
    fixed: rx('c12-fixed', RX_OK),
  },
  {
    id: 'c14-snooping-device-declared-non-coherent', cls: 14,
    title: 'Coherent (snooping) hardware declared non-coherent',
    mechanism: "the device's snooped write lands in the still-present cache line; unmap's dc ivac then discards it (Robin Murphy: 'the new data is lost')",
    buggy: rx('c14a', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)], { platform: { deviceCoherent: true, declaredCoherent: false } }),
    witness: inOrder,
    evidence: [/dirty line 0x1000 discarded/],
    fixed: rx('c14a-fixed', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 0, 4)], { platform: { deviceCoherent: true, declaredCoherent: true } }),
  },
  {
    id: 'c14-non-snooping-device-declared-coherent', cls: 14,
    title: 'Non-coherent hardware declared dma-coherent',
    mechanism: 'the kernel skips the clean at map, the store stays dirty in the cache, and the device reads memory',
    buggy: tx('c14b', [store('buf', 0, 4, 0x11223344), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], { deviceCoherent: false, declaredCoherent: true }),
    witness: inOrder,
    fixed: tx('c14b-fixed', [store('buf', 0, 4, 0x11223344), dma_map_single('h', 'buf', 0, 64, TO_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, TO_DEVICE)], { deviceCoherent: false, declaredCoherent: false }),
  },
  {
    id: 'c15-pre-5.19-invalidate-at-map', cls: 15,
    title: 'Kernels before v5.19 invalidate at FROM_DEVICE map: bytes a partial device write did not cover are lost',
    mechanism: "map(FROM_DEVICE) runs __dma_inv_area: dc ivac discards the CPU's dirty line, so bytes the device does not overwrite read back as stale memory (fixed by c50f11c6196f)",
    buggy: partialRx('c15', '5.15'),
    witness: inOrder,
    evidence: [/dc ivac, 0x1000/, /dirty line 0x1000 discarded/],
    fixed: partialRx('c15-fixed', '5.19'),
  },
];

function tx(name: string, cpuOps: Parameters<typeof cpu>[1], platform?: Program['platform']): Program {
  return program(name, {
    platform,
    buffers: [kmalloc('buf', 64)],
    registers: [DB],
    actors: [cpu('cpu0', cpuOps), device('dev', [wait_doorbell(DB, 1), dma_read('h', 0, 4), raise_irq()])],
  });
}

/** The seed article's layout: an 8-byte rx buffer at `rxOffset` of a kmalloc'd 256-byte struct, a counter the CPU bumps during the transfer. */
function sharedLine(name: string, rxOffset: number, counterOffset: number): Program {
  return program(name, {
    platform: { kernel: '6.1' },
    buffers: [kmalloc('priv', 256), field('counter', 'priv', counterOffset, 4), field('rx', 'priv', rxOffset, 8)],
    registers: [DB],
    actors: [
      cpu('cpu0', [dma_map_single('h', 'rx', 0, 8, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), store('counter', 0, 4, 1), wait_irq(), dma_unmap_single('h', 8, FROM_DEVICE), load('rx', 0, 8)]),
      device('dev', [wait_doorbell(DB, 1), dma_write('h', 0, 8, 0x11223344556677), raise_irq()]),
    ],
  });
}

/** Descriptor in coherent memory: the device writes the payload, then the status word, and the CPU polls the status. */
function ring(name: string, cpuOps: Parameters<typeof cpu>[1]): Program {
  return program(name, {
    buffers: [coherent('ring', 64)],
    registers: [DB],
    actors: [cpu('cpu0', cpuOps), device('dev', [wait_doorbell(DB, 1), dma_write('ring', 0, 4, 0x11223344), dma_write('ring', 8, 4, 1)])],
  });
}

/** The CPU fills a descriptor and hands it over with an ownership word the device polls. */
function ownership(name: string, withBarrier: boolean): Program {
  const ops = [dma_alloc_coherent('ring'), WRITE_ONCE('ring', 0, 4, 0x11223344), ...(withBarrier ? [dma_wmb()] : []), WRITE_ONCE('ring', 8, 4, 1)];
  return program(name, {
    buffers: [coherent('ring', 64)],
    actors: [cpu('cpu0', ops), device('dev', [dma_poll('ring', 8, 4, 1), dma_read('ring', 0, 4)])],
  });
}

function doorbell(name: string, cpuOps: Parameters<typeof cpu>[1]): Program {
  return program(name, {
    buffers: [coherent('ring', 64)],
    registers: [DB],
    actors: [cpu('cpu0', cpuOps), device('dev', [wait_doorbell(DB, 1), dma_read('ring', 0, 4)])],
  });
}

/** The CPU prepares the whole buffer, the device writes only its first 4 bytes, the CPU reads bytes it did not write. */
function partialRx(name: string, kernel: string): Program {
  return program(name, {
    platform: { kernel },
    buffers: [kmalloc('buf', 64)],
    registers: [DB],
    actors: [
      cpu('cpu0', [store('buf', 0, 64, 0x33), dma_map_single('h', 'buf', 0, 64, FROM_DEVICE), dma_mapping_error('h'), writel(DB, 1), wait_irq(), dma_unmap_single('h', 64, FROM_DEVICE), load('buf', 4, 4)]),
      device('dev', [wait_doorbell(DB, 1), dma_write('h', 0, 4, 0x11223344), raise_irq()]),
    ],
  });
}
