// Program families that grow like real drivers, for the scale benchmark (bench/scale.ts) and the
// differential property of the reduced search (properties/reduction.test.ts). Each is a correct
// driver (expect ok) unless a flaw is asked for.

import { loopback } from '../scenarios/loopback.js';
import {
  FROM_DEVICE, READ_ONCE, WRITE_ONCE, coherent, cpu, device, dma_alloc_coherent, dma_map_single, dma_mapping_error, dma_poll,
  dma_read, dma_rmb, dma_unmap_single, dma_wmb, dma_write, field, kmalloc, load, poll, program, raise_irq, wait_doorbell, wait_irq,
  writel,
} from '../src/program/build.js';
import type { Actor, BufferDecl, CpuOp, DeviceOp, Program } from '../src/program/types.js';

export type Family = 'loopback' | 'loopback-read-before-unmap' | 'threads' | 'ring' | 'rx-seq';

export const FAMILIES: Family[] = ['loopback', 'loopback-read-before-unmap', 'threads', 'ring', 'rx-seq'];

export function familyProgram(f: Family, n: number): Program {
  switch (f) {
    case 'loopback': return loopback(`loopback-${n}`, { threads: n, sizes: [64, 256, 1024, 4096], flaw: 'none' });
    case 'loopback-read-before-unmap': return loopbackOneFlawed(n);
    case 'threads': return threads(n);
    case 'ring': return ring(n);
    case 'rx-seq': return rxSequence(n);
  }
}

/**
 * The bug case: n loopback threads (odd page-crossing offsets), thread 0 reading its RX
 * buffer before dma_unmap_single; the other threads correct.
 */
function loopbackOneFlawed(n: number): Program {
  const good = loopback(`loopback-${n}-read-before-unmap`, { threads: n, sizes: [64, 256, 1024, 4096], flaw: 'none' });
  const bad = loopback('x', { threads: n, sizes: [64, 256, 1024, 4096], flaw: 'read-before-unmap' });
  return { ...good, actors: good.actors.map((a, i) => (i === 0 ? bad.actors[0] : a)) };
}

/** n CPU threads, each receiving into its own kmalloc buffer, served in turn by one device. */
function threads(n: number): Program {
  const actors: Actor[] = [];
  const dev: DeviceOp[] = [];
  for (let i = 0; i < n; i++) {
    actors.push(cpu(`cpu${i}`, [
      dma_map_single(`h${i}`, `buf${i}`, 0, 64, FROM_DEVICE), dma_mapping_error(`h${i}`),
      writel(`DB${i}`, 1), wait_irq(`irq${i}`),
      dma_unmap_single(`h${i}`, 64, FROM_DEVICE), load(`buf${i}`, 0, 8),
    ]));
    dev.push(wait_doorbell(`DB${i}`, 1), dma_write(`h${i}`, 0, 8, 0x1100 + i), raise_irq(`irq${i}`));
  }
  return program(`threads-${n}`, {
    buffers: Array.from({ length: n }, (_, i) => kmalloc(`buf${i}`, 64)),
    registers: Array.from({ length: n }, (_, i) => `DB${i}`),
    actors: [...actors, device('dev', dev)],
  });
}

/**
 * An RX descriptor ring of n 16-byte descriptors in coherent memory: the CPU maps a buffer per
 * descriptor, writes its address, dma_wmb(), hands it to the device (status 1) and rings the
 * doorbell; the device takes each descriptor it owns, reads the address, fills the buffer and
 * marks it done (status 2); the CPU polls each status, dma_rmb(), unmaps and reads the buffer.
 */
function ring(n: number): Program {
  const buffers: BufferDecl[] = [coherent('ring', 16 * n)];
  const cpuOps: CpuOp[] = [dma_alloc_coherent('ring')];
  const devOps: DeviceOp[] = [wait_doorbell('DB', 1)];
  for (let i = 0; i < n; i++) {
    buffers.push(field(`addr${i}`, 'ring', 16 * i, 4), field(`status${i}`, 'ring', 16 * i + 12, 4), kmalloc(`rx${i}`, 64));
    cpuOps.push(dma_map_single(`h${i}`, `rx${i}`, 0, 64, FROM_DEVICE), dma_mapping_error(`h${i}`),
      WRITE_ONCE(`addr${i}`, 0, 4, 0x1000 + 64 * i), dma_wmb(), WRITE_ONCE(`status${i}`, 0, 4, 1));
  }
  cpuOps.push(writel('DB', 1));
  for (let i = 0; i < n; i++) {
    cpuOps.push(poll(`status${i}`, 0, 4, 2), dma_rmb(), dma_unmap_single(`h${i}`, 64, FROM_DEVICE), load(`rx${i}`, 0, 8));
    devOps.push(dma_poll('ring', 16 * i + 12, 4, 1), dma_read('ring', 16 * i, 4), dma_write(`h${i}`, 0, 8, 0x2200 + i), dma_write('ring', 16 * i + 12, 4, 2));
  }
  return program(`ring-${n}`, { buffers, registers: ['DB'], actors: [cpu('cpu0', cpuOps), device('dev', devOps)] });
}

/** One CPU and its device handling n RX buffers one after the other: map, doorbell, irq, unmap, read. */
function rxSequence(n: number): Program {
  const cpuOps: CpuOp[] = [];
  const devOps: DeviceOp[] = [];
  for (let i = 0; i < n; i++) {
    cpuOps.push(dma_map_single(`h${i}`, `rx${i}`, 0, 64, FROM_DEVICE), dma_mapping_error(`h${i}`), writel('DB', i + 1), wait_irq(),
      dma_unmap_single(`h${i}`, 64, FROM_DEVICE), READ_ONCE(`rx${i}`, 0, 8));
    devOps.push(wait_doorbell('DB', i + 1), dma_write(`h${i}`, 0, 8, 0x3300 + i), raise_irq());
  }
  return program(`rx-seq-${n}`, {
    buffers: Array.from({ length: n }, (_, i) => kmalloc(`rx${i}`, 64)),
    registers: ['DB'],
    actors: [cpu('cpu0', cpuOps), device('dev', devOps)],
  });
}
