// The ideal platform: one flat memory, no cache, no bounce buffers, every access performed at
// once in program order. DMA API calls are no-ops that return the physical address, except
// that dma_alloc_coherent still hands back zeroed memory (that is its contract, not a cache effect).

import type { Layout, PlacedBuffer } from '../kernel/layout.js';
import { zeroedBytes } from '../platform/bytes.js';
import type { Memory } from '../platform/memory.js';
import type { CpuOp, Value } from '../program/types.js';
import type { BusSegment, DeviceAddress, World } from '../exec/world.js';
import { mappingId } from '../kernel/mapping.js';

/**
 * One mapping on the ideal platform: the buffer's physical addresses, no bounce. A segment the
 * kernel merged from entries that are not side by side in memory (dma-iommu lays them out in one
 * IOVA range) is a window: its bus address lies above all memory, and each byte of it is the
 * byte of the entry it falls in (`pieces`, per segment).
 */
interface IdealMapping { handle: string; addrs: number[]; sizes: number[]; live: boolean; sg?: boolean; failed?: boolean; pieces?: (readonly Piece[] | undefined)[] }

interface Piece { addr: number; size: number }

/** Bus addresses of merged segments' windows: above every physical address the layout places (src/kernel/layout.ts). */
const WINDOW_BASE = 2 ** 50;
const WINDOW_SIZE = 2 ** 32;

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
    if (typeof addr !== 'number') return out.fill(0xff);
    if (addr < WINDOW_BASE) return this.memory.read(addr, out);
    for (const p of this.throughWindow(addr, size)) this.memory.read(p.phys, out.subarray(p.at, p.at + p.size));
    return out;
  }

  deviceWrite(addr: DeviceAddress, bytes: Uint8Array): void {
    if (typeof addr !== 'number') return;
    if (addr < WINDOW_BASE) this.memory.write(addr, bytes);
    else for (const p of this.throughWindow(addr, bytes.length)) this.memory.write(p.phys, bytes.subarray(p.at, p.at + p.size));
  }

  /** The physical bytes an access to a merged segment's window reaches, piece by piece (none outside every window). */
  private throughWindow(addr: number, size: number): { at: number; phys: number; size: number }[] {
    const out: { at: number; phys: number; size: number }[] = [];
    for (const m of this.maps.values()) {
      m.pieces?.forEach((pieces, k) => {
        if (!pieces || addr < m.addrs[k] || addr >= m.addrs[k] + m.sizes[k]) return;
        let off = addr - m.addrs[k], at = 0;
        for (const p of pieces) {
          if (at >= size) break;
          if (off >= p.size) { off -= p.size; continue; }
          const n = Math.min(p.size - off, size - at);
          out.push({ at, phys: p.addr + off, size: n });
          at += n;
          off = 0;
        }
      });
    }
    return out;
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
        // a merged segment of entries apart in memory: a window of its own, above all memory
        const windows = segments.map((g, k) => (g.pieces ? WINDOW_BASE + (this.maps.size * 16 + k) * WINDOW_SIZE : g.addr));
        const pieces = segments.some((g) => g.pieces) ? segments.map((g) => g.pieces) : undefined;
        this.record(op.handle, { handle: op.handle, addrs: windows, sizes: segments.map((e) => e.size), live: true, sg: true, ...(pieces ? { pieces } : {}) });
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
      m.addrs.forEach((bus, k) => out.push({ name: m.sg ? `${id}[${k}]` : id, handle: id, entry: k, bus, size: m.sizes[k], live: m.live, cpu: m.pieces?.[k]?.[0].addr ?? bus }));
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
 * segment's length is the sum of theirs: __finalise_sg()); a segment of entries that are not
 * side by side in memory keeps them as its pieces. Entries as they are when no lengths are given
 * or they do not add up so.
 */
function mergedSegments(entries: Piece[], lengths: readonly number[] | undefined): (Piece & { pieces?: readonly Piece[] })[] {
  if (!lengths) return entries;
  const out: (Piece & { pieces?: readonly Piece[] })[] = [];
  let k = 0;
  for (const length of lengths) {
    if (k >= entries.length) return entries;
    const group: Piece[] = [];
    let sum = 0;
    while (k < entries.length && sum < length) { group.push(entries[k]); sum += entries[k++].size; }
    if (sum !== length) return entries;
    const apart = group.some((p, i) => i > 0 && p.addr !== group[i - 1].addr + group[i - 1].size);
    out.push({ addr: group[0].addr, size: length, ...(apart ? { pieces: group } : {}) });
  }
  return k === entries.length ? out : entries;
}
