// Turn a DriverSpec into a Program for one platform: one CPU thread (the driver) and one DMA
// engine, transfers one after another, each handed over by a doorbell or an ownership word and
// completed by an interrupt or a status word. Ops an injected bug adds or changes are marked, so
// the minimiser keeps them and the shrunk counterexample still shows that bug.

import { ARCH_DMA_MINALIGN } from '../kernel/layout.js';
import type { PlatformConfig } from '../platform/platform.js';
import {
  FROM_DEVICE, TO_DEVICE, coherent, cpu, device, dma_alloc_coherent, dma_map_page, dma_map_single, dma_mapping_error,
  dma_poll, dma_read, dma_rmb, dma_set_mask, dma_sync_single_for_cpu, dma_sync_single_for_device, dma_unmap_page,
  dma_unmap_single, dma_wmb, dma_write, field, kmalloc, load, pages, poll, program, raise_irq, READ_ONCE, store,
  wait_doorbell, wait_irq, writel, writel_relaxed, WRITE_ONCE,
} from '../program/build.js';
import type { BufferDecl, CpuOp, DeviceOp, Direction, Program } from '../program/types.js';
import type { DriverSpec, RingRxSpec, RingTxSpec, RxSpec, TransferSpec, TxSpec } from './driver-spec.js';

export const DOORBELL = 'DOORBELL';
export const RING = 'ring';
const RING_SLOT = 32; // bytes per descriptor
const STATUS = 16; // offset of the status / ownership word in a descriptor

/** Which ops an injected bug added or changed, per actor, parallel to its ops. */
export type Marks = Record<string, boolean[]>;

export interface BuiltDriver { program: Program; marks: Marks }

/** Alignment a driver gives a device-writable struct member: ARCH_DMA_MINALIGN, or the CWG if larger. */
export function dmaAlign(p: PlatformConfig): number {
  return Math.max(ARCH_DMA_MINALIGN, p.cwg);
}

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;
const isDeviceWritable = (t: TransferSpec) => t.kind === 'rx' || (t.kind === 'tx' && t.dir !== TO_DEVICE);
const usesRing = (t: TransferSpec) => t.kind === 'ring-rx' || t.kind === 'ring-tx' || t.completion === 'poll';
const hasCpuWork = (t: TransferSpec) => (t.kind === 'rx' || t.kind === 'tx') && t.cpuWork;

/**
 * Distinct values, none equal to fresh memory (0), coherent garbage (0xa5) or a failed mapping
 * (0xff): one byte repeated over the access (8-byte stores are full u64s such as
 * 0x2222222222222222), or the byte itself for a memset.
 */
class Values {
  private k = 0;
  next(size: number): bigint {
    const k = this.k++;
    const byte = BigInt(0x11 * (1 + (k % 14)) + Math.floor(k / 14));
    if (size > 8) return byte;
    let v = byte;
    for (let i = 1; i < size; i++) v = (v << 8n) | byte;
    return v;
  }
}

class Builder {
  readonly cpuOps: CpuOp[] = [];
  readonly devOps: DeviceOp[] = [];
  readonly cpuMarks: boolean[] = [];
  readonly devMarks: boolean[] = [];
  readonly values = new Values();
  private seqNo = 0;
  seq(): number {
    return ++this.seqNo;
  }
  cpu(op: CpuOp, marked = false): void {
    this.cpuOps.push(op);
    this.cpuMarks.push(marked);
  }
  dev(op: DeviceOp, marked = false): void {
    this.devOps.push(op);
    this.devMarks.push(marked);
  }
}

/** Where the driver's buffers live: own objects, pages, or members of one kmalloc'd priv struct. */
function layoutBuffers(spec: DriverSpec, p: PlatformConfig): BufferDecl[] {
  const align = dmaAlign(p);
  const decls: BufferDecl[] = [];
  const fields: BufferDecl[] = [];
  let cursor = 0;
  const counterNeeded = spec.transfers.some(hasCpuWork);
  const sharedRx = spec.transfers.findIndex((t) => t.kind === 'rx' && t.bug === 'shared-line');
  // Packed members first: TO_DEVICE buffers may share lines with anything (dma_kmalloc_safe()).
  spec.transfers.forEach((t, i) => {
    if (t.kind !== 'tx' || t.placement !== 'field' || isDeviceWritable(t)) return;
    fields.push(field(`tx${i}`, 'priv', cursor, t.size));
    cursor += alignUp(t.size, 4);
  });
  // The counter ends the packed area, so it sits just before the first device-writable group.
  if (counterNeeded && sharedRx < 0) {
    if (spec.transfers.some((t) => (t.kind === 'rx' || t.kind === 'tx') && t.placement === 'field')) {
      fields.push(field('counter', 'priv', cursor, 4));
      cursor += 4;
    } else {
      decls.push(kmalloc('counter', 4));
    }
  }
  // Device-writable members each get whole lines (__dma_from_device_group_begin/end), except the
  // one whose bug is to share its first line with the counter.
  spec.transfers.forEach((t, i) => {
    if ((t.kind !== 'rx' && t.kind !== 'tx') || t.placement !== 'field' || !isDeviceWritable(t)) return;
    cursor = alignUp(cursor, align);
    const name = t.kind === 'rx' ? `rx${i}` : `tx${i}`;
    if (i === sharedRx) {
      fields.push(field('counter', 'priv', cursor, 4));
      cursor += 4;
    }
    fields.push(field(name, 'priv', cursor, t.size));
    cursor = alignUp(cursor + t.size, align);
  });
  if (fields.length) decls.push(kmalloc('priv', Math.max(2 * ARCH_DMA_MINALIGN, alignUp(cursor, align))), ...fields);
  spec.transfers.forEach((t, i) => {
    if ((t.kind !== 'rx' && t.kind !== 'tx') || t.placement === 'field') return;
    const name = t.kind === 'rx' ? `rx${i}` : `tx${i}`;
    decls.push(t.placement === 'page' ? pages(name, t.size) : kmalloc(name, t.size));
  });
  if (spec.transfers.some(usesRing)) decls.push(coherent(RING, Math.max(256, RING_SLOT * spec.transfers.length)));
  return decls;
}

export function buildDriver(spec: DriverSpec, p: PlatformConfig, name = 'driver'): BuiltDriver {
  const b = new Builder();
  if (spec.setMask || p.deviceAddressBits < 32) b.cpu(dma_set_mask(p.deviceAddressBits));
  if (spec.transfers.some(usesRing)) b.cpu(dma_alloc_coherent(RING));
  spec.transfers.forEach((t, i) => {
    switch (t.kind) {
      case 'rx': return rx(b, t, i, p);
      case 'tx': return tx(b, t, i);
      case 'ring-rx': return ringRx(b, t, i);
      case 'ring-tx': return ringTx(b, t, i);
    }
  });
  const prog = program(name, {
    buffers: layoutBuffers(spec, p),
    registers: [DOORBELL],
    actors: [cpu('cpu0', b.cpuOps), device('dev', b.devOps)],
  });
  return { program: prog, marks: { cpu0: b.cpuMarks, dev: b.devMarks } };
}

// --- handing over and completing ---

function doorbell(b: Builder): void {
  const seq = b.seq();
  b.cpu(writel(DOORBELL, seq));
  b.dev(wait_doorbell(DOORBELL, seq));
}

/** The device signals completion; the CPU waits for it (a poll is followed by dma_rmb). */
function complete(b: Builder, how: 'irq' | 'poll', slot: number): void {
  if (how === 'irq') {
    b.dev(raise_irq());
    b.cpu(wait_irq());
    return;
  }
  const seq = b.seq();
  b.dev(dma_write(RING, slot + STATUS, 4, seq));
  b.cpu(poll(RING, slot + STATUS, 4, seq));
  b.cpu(dma_rmb());
}

const map = (api: 'single' | 'page', h: string, buf: string, size: number, dir: Direction) =>
  api === 'page' ? dma_map_page(h, buf, 0, size, dir) : dma_map_single(h, buf, 0, size, dir);
const unmap = (api: 'single' | 'page', h: string, size: number, dir: Direction) =>
  api === 'page' ? dma_unmap_page(h, size, dir) : dma_unmap_single(h, size, dir);

// --- the four transfer patterns ---

function rx(b: Builder, t: RxSpec, i: number, p: PlatformConfig): void {
  const buf = `rx${i}`, h = `h${i}`, slot = RING_SLOT * i;
  const api = t.placement === 'page' ? 'page' : 'single';
  const mapDir: Direction = t.bug === 'map-wrong-direction' ? TO_DEVICE : t.dir;
  const readOff = t.readAt === 'head' ? 0 : t.size - 4;
  const devBytes = t.deviceWrites === 'all' ? t.size : 4;
  let mapped = true;

  if (t.prefill) b.cpu(store(buf, 0, t.size, b.values.next(t.size)));
  b.cpu(map(api, h, buf, t.size, mapDir), t.bug === 'map-wrong-direction');
  b.cpu(dma_mapping_error(h));
  for (let r = 0; r < t.rounds; r++) {
    const last = r === t.rounds - 1;
    doorbell(b);
    if (last && t.bug === 'unmap-before-completion') {
      b.cpu(unmap(api, h, t.size, mapDir), true);
      mapped = false;
    }
    if (t.cpuWork) b.cpu(store('counter', 0, 4, b.values.next(4)), t.bug === 'shared-line');
    // The store write-allocates the line holding bytes 0..3, which the CPU reads later.
    if (r === 0 && t.bug === 'write-while-device-owns') b.cpu(store(buf, 4, 4, b.values.next(4)), true);
    b.dev(dma_write(h, 0, devBytes, b.values.next(devBytes)));
    complete(b, t.completion, slot);
    if (last && t.bug === 'read-before-sync') {
      b.cpu(load(buf, readOff, 4), true);
      b.cpu(unmap(api, h, t.size, mapDir));
      return;
    }
    if (mapped) {
      if (!last || t.handBack === 'sync') {
        const syncDir = t.bug === 'sync-wrong-direction' ? TO_DEVICE : mapDir;
        const syncSize = t.bug === 'partial-sync' ? p.cwg : t.size;
        b.cpu(dma_sync_single_for_cpu(h, syncSize, syncDir), t.bug === 'sync-wrong-direction' || t.bug === 'partial-sync');
      } else {
        b.cpu(unmap(api, h, t.size, mapDir));
        mapped = false;
      }
    }
    b.cpu(load(buf, readOff, 4));
    if (!last && t.dir !== FROM_DEVICE) {
      // BIDIRECTIONAL: the CPU may modify between sync_for_cpu and sync_for_device.
      b.cpu(store(buf, readOff, 4, b.values.next(4)));
      b.cpu(dma_sync_single_for_device(h, t.size, mapDir));
    } else if (!last) {
      // Handing the buffer back without sync_for_device is fine (DMA-API-HOWTO), but writel's
      // dmb oshst does not order the CPU's reads of it before the doorbell: dma_rmb() does.
      b.cpu(dma_rmb());
    }
  }
  if (mapped) b.cpu(unmap(api, h, t.size, mapDir));
}

function tx(b: Builder, t: TxSpec, i: number): void {
  const buf = `tx${i}`, slot = RING_SLOT * i;
  const api = t.placement === 'page' ? 'page' : 'single';
  let h = `h${i}`;
  const late = t.bug === 'write-after-map';
  if (!late) b.cpu(store(buf, 0, t.size, b.values.next(t.size)));
  b.cpu(map(api, h, buf, t.size, t.dir));
  b.cpu(dma_mapping_error(h));
  if (late) b.cpu(store(buf, 0, t.size, b.values.next(t.size)), true);
  for (let r = 0; r < t.rounds; r++) {
    doorbell(b);
    // Reading while the device owns it is allowed for DMA_TO_DEVICE only: a BIDIRECTIONAL buffer is
    // read after dma_sync_single_for_cpu() (Documentation/core-api/dma-api.rst).
    if (t.peek && t.dir === TO_DEVICE) b.cpu(load(buf, 0, Math.min(4, t.size)));
    if (t.cpuWork) b.cpu(store('counter', 0, 4, b.values.next(4)));
    b.dev(dma_read(h, 0, Math.min(8, t.size)));
    if (t.size > 8) b.dev(dma_read(h, t.size - 4, 4));
    complete(b, t.completion, slot);
    if (r === t.rounds - 1) break;
    if (t.reuse === 'sync') {
      b.cpu(dma_sync_single_for_cpu(h, t.size, t.dir));
      b.cpu(store(buf, 0, t.size, b.values.next(t.size)));
      b.cpu(dma_sync_single_for_device(h, t.size, t.dir));
    } else {
      b.cpu(unmap(api, h, t.size, t.dir));
      b.cpu(store(buf, 0, t.size, b.values.next(t.size)));
      h += 'b';
      b.cpu(map(api, h, buf, t.size, t.dir));
      b.cpu(dma_mapping_error(h));
    }
  }
  b.cpu(unmap(api, h, t.size, t.dir));
}

function ringRx(b: Builder, t: RingRxSpec, i: number): void {
  const slot = RING_SLOT * i;
  doorbell(b);
  for (let w = 0; w < t.words; w++) b.dev(dma_write(RING, slot + 4 * w, 4, b.values.next(4)));
  if (t.completion === 'irq') {
    b.dev(raise_irq());
    b.cpu(wait_irq());
  } else {
    const seq = b.seq();
    b.dev(dma_write(RING, slot + STATUS, 4, seq));
    b.cpu(poll(RING, slot + STATUS, 4, seq));
    if (t.bug !== 'no-dma-rmb') b.cpu(dma_rmb());
  }
  for (let w = 0; w < t.words; w++) b.cpu(READ_ONCE(RING, slot + 4 * w, 4), t.bug === 'no-dma-rmb');
}

function ringTx(b: Builder, t: RingTxSpec, i: number): void {
  const slot = RING_SLOT * i;
  for (let w = 0; w < t.words; w++) b.cpu(WRITE_ONCE(RING, slot + 4 * w, 4, b.values.next(4)));
  const seq = b.seq();
  if (t.handoff === 'doorbell') {
    b.cpu(t.bug === 'relaxed-doorbell' ? writel_relaxed(DOORBELL, seq) : writel(DOORBELL, seq), t.bug === 'relaxed-doorbell');
    b.dev(wait_doorbell(DOORBELL, seq));
  } else {
    if (t.bug !== 'no-dma-wmb') b.cpu(dma_wmb());
    b.cpu(WRITE_ONCE(RING, slot + STATUS, 4, seq), t.bug === 'no-dma-wmb');
    b.dev(dma_poll(RING, slot + STATUS, 4, seq));
  }
  for (let w = 0; w < t.words; w++) b.dev(dma_read(RING, slot + 4 * w, 4));
  b.dev(raise_irq());
  b.cpu(wait_irq());
}
