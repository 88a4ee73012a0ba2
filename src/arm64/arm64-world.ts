// The arm64 world: the hardware (src/platform: memory at PoC, the cache) composed with the
// kernel's DMA API and swiotlb (src/kernel), and a device that either reads and writes memory
// only (non-coherent) or snoops the cache (coherent). The ideal world (src/ideal) stands beside it.

import { DmaKernel } from '../kernel/dma-api.js';
import { Swiotlb } from '../kernel/swiotlb.js';
import { dmaToPhys, dmaWindow } from '../kernel/dma-ranges.js';
import type { Layout, PlacedBuffer } from '../kernel/layout.js';
import type { CpuOp, Value } from '../program/types.js';
import type { BusSegment, DeviceAddress, World } from '../exec/world.js';
import type { TraceEffect } from '../exec/trace.js';
import { zeroedBytes } from '../platform/bytes.js';
import { Cache } from '../platform/cache.js';
import { Memory } from '../platform/memory.js';
import type { Platform } from '../platform/platform.js';

export class Arm64World implements World {
  readonly weak = true;
  readonly wholeHandles = false;
  get addressBits(): number {
    return this.platform.deviceAddressBits;
  }
  readonly memory: Memory;
  readonly cache: Cache;
  kernel: DmaKernel;
  /** Set by a tracer: receives each thing the hardware or kernel did, as data. */
  private note?: (e: TraceEffect) => void;

  /** 2 ** deviceAddressBits: the first bus address the device cannot drive. */
  private readonly busLimit: number;

  /** cache: over `initial`; by default the platform's hierarchy (a test may pass a reference implementation). kernel: over that cache (a clone's). */
  constructor(readonly platform: Platform, readonly layout: Layout, initial: Memory, cache?: Cache, kernel?: DmaKernel) {
    this.busLimit = 2 ** platform.deviceAddressBits;
    this.memory = initial;
    // DminLine = CWG: one level of CWG lines, as before; CWG > DminLine: L1 at DminLine, L2 at CWG.
    this.cache = cache ?? new Cache(platform.lineSize, this.memory, platform.cwg);
    this.kernel = kernel ?? new DmaKernel(platform, this.cache, layout);
  }

  /** Route the hardware's and kernel's actions to a trace. */
  traceTo(note: (e: TraceEffect) => void): void {
    this.note = note;
    const twoLevel = this.cache.outer !== undefined;
    this.cache.onEvent = (event) => note({ kind: 'cache', event, twoLevel });
    this.kernel.onDc = (op, addr) => note({ kind: 'dc', op, addr });
    this.kernel.swiotlb.onCopy = (from, to, size) => note({ kind: 'swiotlb-copy', from, to, size });
    this.kernel.onWarn = (text) => note({ kind: 'warning', text });
    if (this.kernel.iommu) this.kernel.iommu.onNote = (text) => note({ kind: 'iommu', text });
  }

  /** Normal-NC for coherent memory of a non-coherent device (pgprot_dmacoherent); else the cacheable linear map. */
  private nonCacheable(buf: PlacedBuffer): boolean {
    return buf.kind === 'coherent' && !this.platform.declaredCoherent;
  }

  cpuLoad(buf: PlacedBuffer, off: number, size: number): Uint8Array {
    const out = zeroedBytes(size);
    return this.nonCacheable(buf) ? this.memory.read(buf.addr + off, out) : this.cache.read(buf.addr + off, out);
  }

  cpuStore(buf: PlacedBuffer, off: number, bytes: Uint8Array): void {
    if (this.nonCacheable(buf)) this.memory.write(buf.addr + off, bytes);
    else this.cache.write(buf.addr + off, bytes);
  }

  deviceAddress(handle: string, entry: number, off: number): DeviceAddress {
    const m = this.kernel.mappings.get(handle);
    if (!m) return 'unmapped';
    if (m.error) return 'error';
    const seg = m.segments[entry];
    if (!seg) return 'error';
    // The device drives only deviceAddressBits of the bus address (fmod only when it truncates).
    const addr = seg.bus + off;
    return addr >= 0 && addr < this.busLimit ? addr : addr % this.busLimit;
  }

  deviceRead(addr: DeviceAddress, size: number): Uint8Array {
    const out = zeroedBytes(size);
    if (typeof addr !== 'number') return out.fill(0xff); // DMA_MAPPING_ERROR: the bus returns all ones
    const iommu = this.kernel.iommu;
    if (!iommu) {
      const phys = this.reachable(addr, size);
      return phys === undefined ? out.fill(0xff) : this.readPhys(phys, out);
    }
    // Through the SMMU, one transaction per IOVA granule (a burst does not cross a page): a
    // terminated one returns the device an abort, modelled as all ones.
    for (const p of iommu.pieces(addr, size)) {
      const t = iommu.translate(p.iova, p.size, false);
      const part = out.subarray(p.iova - addr, p.iova - addr + p.size);
      if ('fault' in t) {
        this.note?.({ kind: 'fault', text: t.fault });
        part.fill(0xff);
      } else this.readPhys(t.phys, part);
    }
    return out;
  }

  private readPhys(phys: number, out: Uint8Array): Uint8Array {
    return this.platform.deviceCoherent ? this.cache.snoopRead(phys, out) : this.memory.read(phys, out);
  }

  deviceWrite(addr: DeviceAddress, bytes: Uint8Array): void {
    if (typeof addr !== 'number') {
      this.note?.({ kind: 'write-nowhere' });
      return;
    }
    const iommu = this.kernel.iommu;
    if (!iommu) {
      const phys = this.reachable(addr, bytes.length);
      if (phys === undefined) this.note?.({ kind: 'fault', text: `${this.blockedText(addr, bytes.length)}: the write is dropped` });
      else this.writePhys(phys, bytes);
      return;
    }
    for (const p of iommu.pieces(addr, bytes.length)) {
      const t = iommu.translate(p.iova, p.size, true);
      if ('fault' in t) this.note?.({ kind: 'fault', text: `${t.fault}: the write is dropped` });
      else this.writePhys(t.phys, bytes.subarray(p.iova - addr, p.iova - addr + p.size));
    }
  }

  private writePhys(phys: number, bytes: Uint8Array): void {
    if (this.platform.deviceCoherent) this.cache.snoopWrite(phys, bytes);
    else this.memory.write(phys, bytes);
  }

  /**
   * Without an SMMU: the RAM a bus access reaches (through a dma-ranges window), or undefined when
   * nothing answers — outside the window, or outside a restricted pool (the firewall blocks it).
   */
  private reachable(bus: number, size: number): number | undefined {
    const phys = dmaToPhys(this.platform, bus);
    if (phys === undefined || dmaToPhys(this.platform, bus + size - 1) === undefined) return undefined;
    if (this.platform.restrictedPool && !(Swiotlb.contains(phys) && Swiotlb.contains(phys + size - 1))) return undefined;
    return phys;
  }

  private blockedText(bus: number, size: number): string {
    const hexs = (n: number) => '0x' + n.toString(16);
    if (dmaToPhys(this.platform, bus) === undefined || dmaToPhys(this.platform, bus + size - 1) === undefined) {
      const w = dmaWindow(this.platform)!;
      return `bus address ${hexs(bus)} is outside the device's dma-ranges window (${hexs(w.bus)}..${hexs(w.bus + w.size - 1)}): no memory answers`;
    }
    return `${hexs(dmaToPhys(this.platform, bus)!)} is outside the device's restricted DMA pool: the memory firewall blocks it`;
  }

  /**
   * What the platform reports of a device access (an observation, like an access outside every
   * mapping): an arm-smmu-v3 fault event, a lazy unmap's stale IOTLB entry still letting the
   * device through to the unmapped buffer, a bus address outside the dma-ranges window, or one
   * outside a restricted pool. undefined: nothing to report.
   */
  deviceFault(addr: DeviceAddress, size: number, write: boolean): string | undefined {
    if (typeof addr !== 'number') return undefined;
    const iommu = this.kernel.iommu;
    if (!iommu) return this.reachable(addr, size) === undefined ? this.blockedText(addr, size) : undefined;
    for (const p of iommu.pieces(addr, size)) {
      const t = iommu.translate(p.iova, p.size, write);
      if ('fault' in t) return t.fault;
      if (t.stale) return `IOVA 0x${p.iova.toString(16)} is unmapped, but the lazy IOTLB invalidation (iommu.strict=0) has not happened yet: the device still reaches the old buffer`;
    }
    return undefined;
  }

  /** dma_direct_map_sg() returns nents (no merging without an IOMMU), 0 on failure. */
  mapResult(handle: string): { failed: boolean; count: number } {
    const m = this.kernel.mappings.get(handle);
    return { failed: !m || m.error, count: m && !m.error ? m.segments.length : 0 };
  }

  dmaApi(op: CpuOp): boolean {
    const k = this.kernel;
    const buf = (name: string) => this.layout.buffers.get(name)!;
    switch (op.op) {
      case 'dma_map': {
        const b = buf(op.buf);
        if (op.alloc === 'noncoherent') {
          k.allocPages(op.handle, b.addr + op.off, op.size, op.dir);
          this.note?.({ kind: 'mapping', call: 'alloc-noncoherent', error: false, segments: [{ bus: b.addr + op.off, bounced: false }] });
          return true;
        }
        const m = k.map(op.handle, op.api, b.addr + op.off, op.size, op.dir, !!op.skipCpuSync, b.virtToPage === undefined ? undefined : b.virtToPage + op.off);
        this.noteMapping('single', m, m.wrongPage ? op.buf : undefined);
        return true;
      }
      case 'dma_map_sg': {
        const at = (e: { buf: string; off: number }) => ({ phys: buf(e.buf).addr + e.off, virtToPage: buf(e.buf).virtToPage === undefined ? undefined : buf(e.buf).virtToPage! + e.off });
        const m = k.mapSg(op.handle, op.entries.map((e) => ({ ...at(e), size: e.size })), op.dir, !!op.skipCpuSync);
        this.noteMapping('sg', m);
        return true;
      }
      case 'dma_unmap': k.unmap(op.handle, op.size, op.dir, !!op.skipCpuSync); return true;
      case 'dma_unmap_sg': k.unmap(op.handle, undefined, op.dir, !!op.skipCpuSync); return true;
      case 'dma_sync': k.sync(op.to, op.handle, op.off, op.size, op.dir, !!op.sg); return true;
      case 'dma_mapping_error': return op.reg !== undefined || !k.mappings.get(op.handle)?.error;
      case 'dma_alloc_coherent': {
        const b = buf(op.buf);
        k.allocCoherent(op.buf, b.addr, b.size, !op.pool || !!op.pool.zero);
        return true;
      }
      case 'dma_free_coherent': k.freeCoherent(op.buf); return true;
      case 'dma_set_mask': k.mask = 2 ** op.bits - 1; return true;
      default: return true;
    }
  }

  private noteMapping(call: 'single' | 'sg', m: { error: boolean; segments: readonly { bus: number; bounced: boolean }[] }, wrongPage?: string): void {
    this.note?.({ kind: 'mapping', call, error: m.error, segments: m.segments.map((s) => ({ bus: s.bus, bounced: s.bounced })), ...(wrongPage ? { wrongPage } : {}) });
  }

  fill(addr: number, level: 1 | 2): void {
    if (level === 1) this.cache.fill(this.cache.lineOf(addr));
    else this.cache.fillOuter(this.cache.outerLineOf(addr));
  }

  evict(addr: number, level: 1 | 2): void {
    if (level === 1) this.cache.evict(this.cache.lineOf(addr));
    else this.cache.evictOuter(this.cache.outerLineOf(addr));
  }

  handleBus(handle: string): number | undefined {
    const m = this.kernel.mappings.get(handle);
    return m && !m.error ? m.segments[0].bus : undefined;
  }

  sgSegment(handle: string, entry: number): { bus: number; size: number } | undefined {
    const m = this.kernel.mappings.get(handle);
    const s = m && !m.error ? m.segments[entry] : undefined;
    return s && { bus: s.bus, size: s.size };
  }

  busSegments(): readonly BusSegment[] {
    const out: BusSegment[] = [];
    // Every mapping made, in order, by its own id: a variable mapped again (`h#2`) leaves the
    // earlier mapping's address with the device, live until it is unmapped.
    for (const m of this.kernel.all.values()) {
      if (m.error) continue;
      m.segments.forEach((s, k) => out.push({ name: m.api === 'sg' ? `${m.id}[${k}]` : m.id, handle: m.id, entry: k, bus: s.bus, size: s.size, live: !m.released, cpu: s.orig }));
    }
    return out;
  }

  deviceAt(bus: Value): DeviceAddress {
    // The device drives only deviceAddressBits of the bus address.
    return Number(BigInt.asUintN(Math.min(this.platform.deviceAddressBits, 52), bus));
  }

  /** A copy without trace hooks, for searches that branch (src/oracle/exhaustive.ts). */
  clone(): Arm64World {
    const memory = this.memory.clone();
    const cache = this.cache.copyTo(memory);
    return new Arm64World(this.platform, this.layout, memory, cache, this.kernel.copyTo(cache));
  }

  /** Memory, every cache line with its dirty bit, and the kernel's mappings and swiotlb slots. */
  fingerprint(): string {
    return `${this.memory.fingerprint()}#${this.cache.fingerprint()}#${this.kernel.fingerprint()}`;
  }
}
