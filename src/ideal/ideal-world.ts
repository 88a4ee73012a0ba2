// The ideal platform: one flat memory, no cache, no bounce buffers, every access performed at
// once in program order. DMA API calls are no-ops that return the physical address, except
// that dma_alloc_coherent still hands back zeroed memory (that is its contract, not a cache effect).

import type { Layout, PlacedBuffer } from '../kernel/layout.js';
import { zeroedBytes } from '../platform/bytes.js';
import type { Memory } from '../platform/memory.js';
import type { CpuOp, Value } from '../program/types.js';
import type { BusSegment, DeviceAddress, World } from '../exec/world.js';
import { mappingId } from '../kernel/mapping.js';

/** One mapping on the ideal platform: the buffer's physical addresses, no bounce. */
interface IdealMapping { handle: string; addrs: number[]; sizes: number[]; live: boolean; sg?: boolean; failed?: boolean }

export class IdealWorld implements World {
  readonly weak = false;
  readonly wholeHandles = true;
  /** No address-bit limit (deviceAt: the model's physical addresses end below 2^52). */
  readonly addressBits = 64;

  constructor(
    readonly layout: Layout,
    readonly memory: Memory,
    /** handle variable → the id of the mapping it holds now (src/kernel/dma-api.ts Mapping.id) */
    readonly current: Map<string, string> = new Map(),
    /** every mapping made, by id, in order; released ones stay (for computed device addresses) */
    readonly maps: Map<string, IdealMapping> = new Map(),
    /**
     * The map calls the arm64 kernel fails (DMA_MAPPING_ERROR; dma_map_sg() returns 0) and the
     * driver goes on from: a failed map is the platform's answer, not a coherence effect, so the
     * ideal platform gives the same one and the driver's error path is judged like any other
     * (src/model/machines.ts failingMaps).
     */
    readonly failing: ReadonlySet<CpuOp> = new Set(),
    /**
     * The DMA segments (their lengths) the arm64 kernel made of a scatterlist the driver keeps the
     * count of (`n = dma_map_sg(...)`): dma-iommu merges entries that meet at an IOVA granule
     * (__finalise_sg()), so it may return fewer than nents. How many segments, and how long, is
     * the platform's answer, not a coherence effect: the ideal platform gives the same one.
     */
    readonly sgSegments: ReadonlyMap<CpuOp, readonly number[]> = new Map(),
  ) {}

  cpuLoad(buf: PlacedBuffer, off: number, size: number): Uint8Array {
    return this.memory.read(buf.addr + off, zeroedBytes(size));
  }

  cpuStore(buf: PlacedBuffer, off: number, bytes: Uint8Array): void {
    this.memory.write(buf.addr + off, bytes);
  }

  private mapping(handle: string): IdealMapping | undefined {
    const id = this.current.get(handle);
    return id === undefined ? undefined : this.maps.get(id);
  }

  deviceAddress(handle: string, entry: number, off: number): DeviceAddress {
    const m = this.mapping(handle);
    if (!m) return 'unmapped';
    return entry < m.addrs.length ? m.addrs[entry] + off : 'error';
  }

  deviceRead(addr: DeviceAddress, size: number): Uint8Array {
    const out = zeroedBytes(size);
    return typeof addr === 'number' ? this.memory.read(addr, out) : out.fill(0xff);
  }

  deviceWrite(addr: DeviceAddress, bytes: Uint8Array): void {
    if (typeof addr === 'number') this.memory.write(addr, bytes);
  }

  mapResult(handle: string): { failed: boolean; count: number } {
    const m = this.mapping(handle);
    return { failed: !m || !!m.failed, count: m && !m.failed ? m.sizes.length : 0 };
  }

  dmaApi(op: CpuOp): boolean {
    const addr = (name: string) => this.layout.buffers.get(name)!.addr;
    if ((op.op === 'dma_map' || op.op === 'dma_map_sg') && this.failing.has(op)) {
      // the device is given DMA_MAPPING_ERROR
      this.record(op.handle, { handle: op.handle, addrs: [], sizes: [], live: false, failed: true, ...(op.op === 'dma_map_sg' ? { sg: true } : {}) });
      return true;
    }
    switch (op.op) {
      case 'dma_mapping_error': return op.reg !== undefined || !this.mapping(op.handle)?.failed;
      case 'dma_map':
        if (op.alloc === 'noncoherent') this.memory.fill(addr(op.buf) + op.off, op.size, 0); // dma_alloc_pages zeroes
        this.record(op.handle, { handle: op.handle, addrs: [addr(op.buf) + op.off], sizes: [op.size], live: true });
        break;
      case 'dma_map_sg': {
        const entries = op.entries.map((e) => ({ addr: addr(e.buf) + e.off, size: e.size }));
        const segments = mergedSegments(entries, this.sgSegments.get(op));
        this.record(op.handle, { handle: op.handle, addrs: segments.map((e) => e.addr), sizes: segments.map((e) => e.size), live: true, sg: true });
        break;
      }
      case 'dma_alloc_coherent': {
        const b = this.layout.buffers.get(op.buf)!;
        this.record(op.buf, { handle: op.buf, addrs: [b.addr], sizes: [b.size], live: true });
        if (!op.pool || op.pool.zero) this.memory.fill(b.addr, b.size, 0); // a dma_pool block is zeroed only by dma_pool_zalloc
        break;
      }
      case 'dma_unmap': case 'dma_unmap_sg': this.release(op.handle); break;
      case 'dma_free_coherent': this.release(op.buf); break;
    }
    return true;
  }

  /** A map assigns a new mapping to the variable; the one it held stays as it was (live until unmapped). */
  private record(handle: string, m: IdealMapping): void {
    const id = mappingId(handle, this.maps);
    this.maps.set(id, m);
    this.current.set(handle, id);
  }

  private release(handle: string): void {
    const id = this.current.get(handle);
    const m = id === undefined ? undefined : this.maps.get(id);
    if (id !== undefined && m) this.maps.set(id, { ...m, live: false });
  }

  handleBus(handle: string): number | undefined {
    return this.mapping(handle)?.addrs[0];
  }

  sgSegment(handle: string, entry: number): { bus: number; size: number } | undefined {
    const m = this.mapping(handle);
    return m && !m.failed && entry < m.addrs.length ? { bus: m.addrs[entry], size: m.sizes[entry] } : undefined;
  }

  busSegments(): readonly BusSegment[] {
    const out: BusSegment[] = [];
    for (const [id, m] of this.maps) {
      m.addrs.forEach((bus, k) => out.push({ name: m.sg ? `${id}[${k}]` : id, handle: id, entry: k, bus, size: m.sizes[k], live: m.live, cpu: bus }));
    }
    return out;
  }

  /** No IOMMU, no offset, no address-bit limit: the ideal bus address is the physical address. */
  deviceAt(bus: Value): DeviceAddress {
    return bus < 2n ** 52n ? Number(bus) : 'error';
  }

  fill(): void {}
  evict(): void {}

  clone(): World {
    return new IdealWorld(this.layout, this.memory.clone(), new Map(this.current), new Map(this.maps), this.failing, this.sgSegments);
  }

  /** Joined once from its parts: a flat string, which a Map (the witness search's visited states) hashes without first copying a rope. */
  fingerprint(): string {
    const out: string[] = [];
    for (const id of this.maps.keys()) out.push(id, ',');
    if (out.length) out.pop();
    out.push('#');
    for (const h of this.current.values()) out.push(h, ',');
    if (this.current.size) out.pop();
    out.push('#');
    for (const [id, m] of this.maps) if (!m.live) out.push(id, ',');
    out.push('#', this.memory.fingerprint());
    return out.join('');
  }
}

/**
 * The entries grouped as the arm64 kernel's segments: each segment starts at its first entry's
 * physical address and is as long as the kernel said (merged entries are consecutive, and a
 * segment's length is the sum of theirs: __finalise_sg()). Entries as they are when no lengths
 * are given or they do not add up so.
 */
function mergedSegments(entries: { addr: number; size: number }[], lengths: readonly number[] | undefined): { addr: number; size: number }[] {
  if (!lengths) return entries;
  const out: { addr: number; size: number }[] = [];
  let k = 0;
  for (const length of lengths) {
    if (k >= entries.length) return entries;
    const first = entries[k];
    let sum = 0;
    while (k < entries.length && sum < length) sum += entries[k++].size;
    if (sum !== length) return entries;
    out.push({ addr: first.addr, size: length });
  }
  return k === entries.length ? out : entries;
}
