// The ideal platform: one flat memory, no cache, no bounce buffers, every access performed at
// once in program order. DMA API calls are no-ops that return the physical address, except
// that dma_alloc_coherent still hands back zeroed memory (that is its contract, not a cache effect).

import type { Layout, PlacedBuffer } from '../kernel/layout.js';
import { zeroedBytes } from '../platform/bytes.js';
import type { Memory } from '../platform/memory.js';
import type { CpuOp, Value } from '../program/types.js';
import type { BusSegment, DeviceAddress, World } from '../exec/world.js';

export class IdealWorld implements World {
  readonly weak = false;

  constructor(
    readonly layout: Layout,
    readonly memory: Memory,
    /** handle → physical address of each segment */
    readonly handles: Map<string, number[]> = new Map(),
    /** handle → size of each segment, and whether it is still mapped (for computed device addresses) */
    readonly segments: Map<string, { sizes: number[]; live: boolean; sg?: boolean; failed?: boolean }> = new Map(),
    /**
     * The map calls the arm64 kernel fails (DMA_MAPPING_ERROR; dma_map_sg() returns 0) and the
     * driver goes on from: a failed map is the platform's answer, not a coherence effect, so the
     * ideal platform gives the same one and the driver's error path is judged like any other
     * (src/oracle/run.ts failingMaps).
     */
    readonly failing: ReadonlySet<CpuOp> = new Set(),
  ) {}

  cpuLoad(buf: PlacedBuffer, off: number, size: number): Uint8Array {
    return this.memory.read(buf.addr + off, zeroedBytes(size));
  }

  cpuStore(buf: PlacedBuffer, off: number, bytes: Uint8Array): void {
    this.memory.write(buf.addr + off, bytes);
  }

  deviceAddress(handle: string, entry: number, off: number): DeviceAddress {
    const segs = this.handles.get(handle);
    if (!segs) return 'unmapped';
    return entry < segs.length ? segs[entry] + off : 'error';
  }

  deviceRead(addr: DeviceAddress, size: number): Uint8Array {
    const out = zeroedBytes(size);
    return typeof addr === 'number' ? this.memory.read(addr, out) : out.fill(0xff);
  }

  deviceWrite(addr: DeviceAddress, bytes: Uint8Array): void {
    if (typeof addr === 'number') this.memory.write(addr, bytes);
  }

  mapResult(handle: string): { failed: boolean; count: number } {
    const s = this.segments.get(handle);
    return { failed: !s || !!s.failed, count: s && !s.failed ? s.sizes.length : 0 };
  }

  dmaApi(op: CpuOp): boolean {
    const addr = (name: string) => this.layout.buffers.get(name)!.addr;
    if ((op.op === 'dma_map' || op.op === 'dma_map_sg') && this.failing.has(op)) {
      this.handles.set(op.handle, []); // the device is given DMA_MAPPING_ERROR
      this.segments.set(op.handle, { sizes: [], live: false, failed: true, ...(op.op === 'dma_map_sg' ? { sg: true } : {}) });
      return true;
    }
    switch (op.op) {
      case 'dma_mapping_error': return op.reg !== undefined || !this.segments.get(op.handle)?.failed;
      case 'dma_map':
        if (op.alloc === 'noncoherent') this.memory.fill(addr(op.buf) + op.off, op.size, 0); // dma_alloc_pages zeroes
        this.handles.set(op.handle, [addr(op.buf) + op.off]);
        this.segments.set(op.handle, { sizes: [op.size], live: true });
        break;
      case 'dma_map_sg':
        this.handles.set(op.handle, op.entries.map((e) => addr(e.buf) + e.off));
        this.segments.set(op.handle, { sizes: op.entries.map((e) => e.size), live: true, sg: true });
        break;
      case 'dma_alloc_coherent': {
        const b = this.layout.buffers.get(op.buf)!;
        this.handles.set(op.buf, [b.addr]);
        this.segments.set(op.buf, { sizes: [b.size], live: true });
        if (!op.pool || op.pool.zero) this.memory.fill(b.addr, b.size, 0); // a dma_pool block is zeroed only by dma_pool_zalloc
        break;
      }
      case 'dma_unmap': case 'dma_unmap_sg': this.release(op.handle); break;
      case 'dma_free_coherent': this.release(op.buf); break;
    }
    return true;
  }

  private release(handle: string): void {
    const s = this.segments.get(handle);
    if (s) this.segments.set(handle, { ...s, live: false });
  }

  handleBus(handle: string): number | undefined {
    return this.handles.get(handle)?.[0];
  }

  busSegments(): readonly BusSegment[] {
    const out: BusSegment[] = [];
    for (const [name, addrs] of this.handles) {
      const s = this.segments.get(name)!;
      addrs.forEach((bus, k) => out.push({ name: s.sg ? `${name}[${k}]` : name, handle: name, entry: k, bus, size: s.sizes[k], live: s.live }));
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
    return new IdealWorld(this.layout, this.memory.clone(), new Map(this.handles), new Map(this.segments), this.failing);
  }

  fingerprint(): string {
    let released = '';
    for (const [name, s] of this.segments) if (!s.live) released += name + ',';
    return [...this.handles.keys()].join(',') + '#' + released + '#' + this.memory.fingerprint();
  }
}
