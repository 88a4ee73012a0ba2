// The streaming and coherent DMA API on arm64 with dma-direct, following
// kernel/dma/mapping.c → kernel/dma/direct.{c,h} → kernel/dma/swiotlb.c and
// arch/arm64/mm/dma-mapping.c (reference §2.2, §2.6, §3); with an SMMU (platform `iommu`) the
// maps go through dma-iommu instead (src/kernel/dma-iommu.ts).

import { zeroedBytes } from '../platform/bytes.js';
import type { Cache } from '../platform/cache.js';
import type { Platform } from '../platform/platform.js';
import { cacheLineSize } from '../platform/platform.js';
import type { Direction } from '../program/types.js';
import { dcacheCleanInvalPoc, dcacheCleanPoc, dcacheInvalPoc, type MaintenanceOptions } from './cache-maintenance.js';
import { ARCH_DMA_MINALIGN, kmallocSizeRoundup, type Layout } from './layout.js';
import { Swiotlb } from './swiotlb.js';
import { MappingTable, type MappedSegment, type Mapping } from './mapping.js';
import { Iommu } from './iommu.js';
import { busDmaLimit, physToDma } from './dma-ranges.js';
import { iommuMapPage, iommuMapSg, iommuProt, type IommuHost } from './dma-iommu.js';
import {
  bouncesUnalignedKmalloc, cleansFromDeviceAtMap, iommuBounceZeroesWholeSlot, iommuBouncesUntrusted, prepCoherentCleansOnly,
  rejectsVmallocMapSingle, swiotlbClampsToAllocSize, swiotlbHonoursSkipCpuSync, swiotlbMapCopy, swiotlbSyncDropsSlotOffset,
} from './version.js';

/** Each layout's kernel-state texts by name (DmaKernel.fingerprint), dropped with the layout. */
const kernelStateNames = new WeakMap<Layout, Map<string, string>>();

export class DmaKernel {
  /** The mappings made: each handle variable's current one, and every one by id (src/kernel/mapping.ts). */
  private readonly table: MappingTable;
  swiotlb: Swiotlb;
  /** The SMMU's page table and IOVA allocator, when the platform has one. */
  iommu: Iommu | undefined;
  /** dev->dma_mask: platform devices start with DMA_BIT_MASK(32). */
  mask = 2 ** 32 - 1;
  private readonly mo: MaintenanceOptions;
  private readonly fromDeviceClean: boolean;

  /** from: a kernel to copy (copyTo), whose pool and SMMU are taken over instead of made afresh. */
  constructor(
    readonly platform: Platform,
    readonly cache: Cache,
    readonly layout: Layout,
    from?: DmaKernel,
  ) {
    this.mo = { dminLine: platform.lineSize, cleanIsCivac: platform.a53CleanUpgrade, ivacUpgrade: platform.ivacUpgrade };
    if (from) {
      this.table = from.table.copy();
      this.fromDeviceClean = from.fromDeviceClean;
      this.swiotlb = from.swiotlb.copyTo(cache);
      this.iommu = from.iommu?.copy();
      return;
    }
    this.table = new MappingTable();
    this.swiotlb = new Swiotlb(cache, {
      dropsSlotOffset: swiotlbSyncDropsSlotOffset(platform.version),
      clampsToAllocSize: swiotlbClampsToAllocSize(platform.version),
    });
    this.fromDeviceClean = cleansFromDeviceAtMap(platform.version);
    // an untrusted device gets no flush queue (82c3cefb9f16, v5.12; from v5.15 a strict
    // IOMMU_DOMAIN_DMA): iommu.strict=0 does not apply to it where its maps bounce
    const mode = platform.iommu === 'lazy' && platform.untrusted && iommuBouncesUntrusted(platform.version) ? 'strict' : platform.iommu;
    this.iommu = mode === 'none' ? undefined : new Iommu(mode, platform.iovaGranule);
    // A restricted pool's coherent buffers are its own slots (placed there by layoutProgram).
    if (platform.restrictedPool) for (const b of layout.buffers.values()) if (b.kind === 'coherent' && b.object === b.name) this.swiotlb.reserve(b.addr, b.size);
  }

  /** The same kernel state over another cache (mappings are never mutated once recorded). */
  copyTo(cache: Cache): DmaKernel {
    const k = new DmaKernel(this.platform, cache, this.layout, this);
    k.named = this.named;
    k.mask = this.mask;
    return k;
  }

  /**
   * The kernel's state as a short name: its full text (mask, mappings, swiotlb slots, SMMU) is
   * long and changes at few steps, so each distinct text is named once per layout and the name is
   * kept while the parts it was made of are the same objects. Equal names, equal texts: exact.
   */
  fingerprint(): string {
    const mappings = this.table.fingerprint();
    const slots = this.swiotlb.fingerprint();
    const named = this.named;
    if (named && !this.iommu && named.mask === this.mask && named.mappings === mappings && named.slots === slots) return named.name;
    const text = `${this.mask};${mappings};${slots}${this.iommu ? ';' + this.iommu.fingerprint() : ''}`;
    let names = kernelStateNames.get(this.layout);
    if (!names) kernelStateNames.set(this.layout, (names = new Map()));
    let name = names.get(text);
    if (name === undefined) names.set(text, (name = `k${names.size}`));
    this.named = { mask: this.mask, mappings, slots, name };
    return name;
  }

  /** The last fingerprint and what it was made of (shared with copies, like the parts). */
  private named: { readonly mask: number; readonly mappings: string; readonly slots: string; readonly name: string } | undefined;

  /** Hook for traces: every dc instruction issued. */
  set onDc(f: MaintenanceOptions['onDc']) {
    this.mo.onDc = f;
  }

  private warn?: (text: string) => void;

  /** Hook for traces: the kernel's warnings (dev_WARN_ONCE), swiotlb's included. */
  set onWarn(f: ((text: string) => void) | undefined) {
    this.warn = f;
    this.swiotlb.onWarn = f;
  }

  /** What dma-iommu needs of this kernel: its arch hooks, swiotlb and the device's settings. */
  private get host(): IommuHost {
    return {
      iommu: this.iommu!, coherent: this.coherent, limit: this.mask, swiotlbActive: this.swiotlbActive,
      untrusted: this.untrusted,
      zeroesWholeSlot: iommuBounceZeroesWholeSlot(this.platform.version),
      archSyncForDevice: (paddr, size, dir) => this.archSyncForDevice(paddr, size, dir),
      kmallocNeedsBounce: (size, dir) => this.kmallocNeedsBounce(size, dir),
      bounce: (phys, size, dir, skip, slots, alignSlots) => this.swiotlbTblMapSingle(phys, size, dir, skip, { slots, alignSlots }),
      zero: (paddr, size, what) => this.zeroSlot(paddr, size, what),
      warn: (text) => this.warn?.(text),
    };
  }

  /** dev_is_untrusted() as this kernel's dma-iommu acts on it (src/kernel/version.ts iommuBouncesUntrusted()). */
  private get untrusted(): boolean {
    return !!this.iommu && this.platform.untrusted && iommuBouncesUntrusted(this.platform.version);
  }

  /**
   * dma-iommu's memset of a bounce slot's padding, through the cacheable linear map. Traced as one
   * line instead of a fill per cache line (the lines it dirties are listed at the end as usual).
   */
  private zeroSlot(paddr: number, size: number, what: string): void {
    const onEvent = this.cache.onEvent;
    if (onEvent) this.cache.onEvent = (e) => { if (e.kind !== 'fill') onEvent(e); };
    this.cache.write(paddr, zeroedBytes(size));
    this.cache.onEvent = onEvent;
    this.iommu?.onNote?.(`iommu_dma_map_page() zeroes ${what} 0x${paddr.toString(16)}..0x${(paddr + size - 1).toString(16)}`);
  }

  private get coherent(): boolean {
    return this.platform.declaredCoherent; // dev_is_dma_coherent(): what the firmware said
  }

  // --- arch hooks (arch/arm64/mm/dma-mapping.c) ---

  /** arch_sync_dma_for_device(): clean to PoC, all directions (v5.19+); before, FROM_DEVICE invalidated. */
  private archSyncForDevice(paddr: number, size: number, dir: Direction): void {
    if (this.platform.faults?.includes('map-skips-clean')) return;
    if (dir === 'DMA_FROM_DEVICE' && !this.fromDeviceClean) dcacheInvalPoc(this.cache, paddr, paddr + size, this.mo); // __dma_inv_area
    else dcacheCleanPoc(this.cache, paddr, paddr + size, this.mo);
  }

  /** arch_sync_dma_for_cpu(): nothing for TO_DEVICE, else dcache_inval_poc. */
  private archSyncForCpu(paddr: number, size: number, dir: Direction): void {
    if (dir === 'DMA_TO_DEVICE' || this.platform.faults?.includes('sync-for-cpu-skips-invalidate')) return;
    dcacheInvalPoc(this.cache, paddr, paddr + size, this.mo);
  }

  // --- dma-direct ---

  /**
   * dma_capable() on the bus address: not DMA_MAPPING_ERROR (no bus address: undefined), and
   * end <= min_not_zero(*dev->dma_mask, dev->bus_dma_limit) (src/kernel/dma-ranges.ts).
   */
  private capable(bus: number | undefined, size: number): boolean {
    return bus !== undefined && bus + size - 1 <= Math.min(this.mask, busDmaLimit(this.platform));
  }

  /** dma_kmalloc_needs_bounce() (include/linux/dma-map-ops.h, v6.5+). */
  private kmallocNeedsBounce(size: number, dir: Direction): boolean {
    if (!bouncesUnalignedKmalloc(this.platform.version)) return false;
    if (this.coherent || dir === 'DMA_TO_DEVICE') return false; // dma_kmalloc_safe()
    const aligned = size >= 2 * ARCH_DMA_MINALIGN || kmallocSizeRoundup(size, this.layout.kmallocMinAlign) % cacheLineSize(this.platform) === 0;
    return !aligned;
  }

  private get swiotlbActive(): boolean {
    return this.platform.swiotlb !== 'absent' || this.platform.restrictedPool;
  }

  /** swiotlb_tbl_map_single(): slots, and the copy in this version makes at map (swiotlbMapCopy()). */
  private swiotlbTblMapSingle(phys: number, size: number, dir: Direction, skipCpuSync: boolean, alloc?: { slots: number; alignSlots: number }): number | undefined {
    const copy = swiotlbMapCopy(this.platform.version);
    const copies = copy === 'always' || (copy === 'to-device-always' && dir !== 'DMA_FROM_DEVICE') || (!skipCpuSync && (copy === 'unless-skip' || dir !== 'DMA_FROM_DEVICE'));
    return this.swiotlb.mapSingle(phys, size, copies, alloc);
  }

  /** dma-direct's swiotlb_map(): bounce, then clean the bounce lines unless coherent or SKIP_CPU_SYNC. */
  private swiotlbMap(phys: number, size: number, dir: Direction, skipCpuSync: boolean): MappedSegment | undefined {
    const tlb = this.swiotlbTblMapSingle(phys, size, dir, skipCpuSync);
    if (tlb === undefined) return undefined;
    // swiotlb_map(): the bounce slot's bus address must be capable too (a mask below the
    // dma-ranges window), else the slot is released: "swiotlb addr ... overflow"
    const bus = physToDma(this.platform, tlb);
    if (!this.capable(bus, size)) {
      this.swiotlb.unmap(tlb, size);
      this.warn?.(`swiotlb addr ${bus === undefined ? 'DMA_MAPPING_ERROR' : '0x' + bus.toString(16)}+${size} overflow (mask ${this.mask.toString(16)}, bus limit ${busDmaLimit(this.platform).toString(16)}).`);
      return undefined;
    }
    if (!this.coherent && !skipCpuSync) this.archSyncForDevice(tlb, size, dir);
    return { bus: bus!, phys: tlb, orig: phys, size, bounced: true };
  }

  /** dma_direct_map_page(); undefined means DMA_MAPPING_ERROR. */
  private mapPage(phys: number, size: number, dir: Direction, skipCpuSync: boolean): MappedSegment | undefined {
    if (this.iommu) return iommuMapPage(this.host, phys, size, dir, skipCpuSync);
    // is_swiotlb_force_bounce(): swiotlb=force, or a restricted pool (mem->force_bounce, rmem_swiotlb_device_init)
    if (this.platform.swiotlb === 'force' || this.platform.restrictedPool) return this.swiotlbMap(phys, size, dir, skipCpuSync);
    const bus = physToDma(this.platform, phys);
    if (!this.capable(bus, size) || this.kmallocNeedsBounce(size, dir)) {
      if (this.swiotlbActive) return this.swiotlbMap(phys, size, dir, skipCpuSync);
      return undefined; // dev_WARN_ONCE "DMA addr ... overflow"
    }
    if (!this.coherent && !skipCpuSync) this.archSyncForDevice(phys, size, dir);
    return { bus: bus!, phys, orig: phys, size, bounced: false };
  }

  /**
   * dma_map_single()/dma_map_page(). `virtToPage` is set when the buffer is vmalloc memory (a
   * vmalloc buffer, or the stack with CONFIG_VMAP_STACK): the physical address virt_to_page()
   * computes for it. dma_map_single_attrs() rejects such a buffer since 4544b9f25e70 (v5.5,
   * 5.4.8); before, it mapped virt_to_page(ptr), unrelated memory (src/kernel/layout.ts).
   * dma_map_page() has no such check: the driver hands over the page itself.
   */
  map(handle: string, api: 'single' | 'page', phys: number, size: number, dir: Direction, skipCpuSync: boolean, virtToPage?: number): Mapping {
    if (api === 'single' && virtToPage !== undefined) {
      if (rejectsVmallocMapSingle(this.platform.version)) {
        this.warn?.('rejecting DMA map of vmalloc memory');
        return this.table.record({ handle, api, dir, error: true, segments: [] });
      }
      const seg = this.mapPage(virtToPage, size, dir, skipCpuSync);
      return this.table.record({ handle, api, dir, error: !seg, wrongPage: true, segments: seg ? [seg] : [] });
    }
    const seg = this.mapPage(phys, size, dir, skipCpuSync);
    return this.table.record({ handle, api, dir, error: !seg, segments: seg ? [seg] : [] });
  }

  /**
   * dma_direct_map_sg(): map each entry, no merging; on failure unmap the mapped ones with
   * SKIP_CPU_SYNC. An entry of vmalloc memory was built by sg_set_buf(), which takes
   * virt_to_page(buf): `virtToPage` (there is no vmalloc check on this path, on any version;
   * from 5.4 on such programs are refused in layout.ts).
   */
  mapSg(handle: string, entries: { phys: number; size: number; virtToPage?: number }[], dir: Direction, skipCpuSync: boolean): Mapping {
    const wrongPage = entries.some((e) => e.virtToPage !== undefined);
    if (this.iommu) {
      const made = iommuMapSg(this.host, entries.map((e) => ({ phys: e.virtToPage ?? e.phys, size: e.size })), dir, skipCpuSync);
      if (!made) return this.table.record({ handle, api: 'sg', dir, error: true, segments: [] });
      const base = { handle, api: 'sg' as const, dir, error: false, ...(wrongPage ? { wrongPage } : {}) };
      if (Array.isArray(made)) return this.table.record({ ...base, segments: made });
      return this.table.record({ ...base, segments: made.segments, iommuSg: { cpuEntries: made.cpuEntries, span: made.span } });
    }
    const segments: MappedSegment[] = [];
    for (const e of entries) {
      const seg = this.mapPage(e.virtToPage ?? e.phys, e.size, dir, skipCpuSync);
      if (!seg) {
        for (const s of segments) this.unmapSegment(s, dir, true);
        return this.table.record({ handle, api: 'sg', dir, error: true, segments: [] });
      }
      segments.push(seg);
    }
    return this.table.record({ handle, api: 'sg', dir, error: false, ...(wrongPage ? { wrongPage } : {}), segments });
  }

  /** Each handle variable's current mapping (what `h` holds now). */
  get mappings(): ReadonlyMap<string, Mapping> {
    return this.table.mappings;
  }

  /** Every mapping ever made, by id, released ones too. */
  get all(): ReadonlyMap<string, Mapping> {
    return this.table.all;
  }

  /** dma_direct_sync_single_for_device(): bounce-copy first, then clean the bounce (or original) lines. */
  private syncSegmentForDevice(s: MappedSegment, off: number, size: number, dir: Direction): void {
    const paddr = this.physAt(s, off);
    if (paddr === undefined) return;
    if (s.bounced && dir !== 'DMA_FROM_DEVICE') this.swiotlb.bounce(paddr, size, 'to-bounce'); // swiotlb_sync_single_for_device
    if (!this.coherent) this.archSyncForDevice(paddr, size, dir);
  }

  /** dma_direct_sync_single_for_cpu(): invalidate first, then copy the bounce buffer back. */
  private syncSegmentForCpu(s: MappedSegment, off: number, size: number, dir: Direction): void {
    const paddr = this.physAt(s, off);
    if (paddr === undefined) return;
    if (!this.coherent) this.archSyncForCpu(paddr, size, dir);
    if (s.bounced && dir !== 'DMA_TO_DEVICE' && !this.platform.faults?.includes('swiotlb-skips-copy-back')) {
      this.swiotlb.bounce(paddr, size, 'to-orig'); // swiotlb_sync_single_for_cpu
    }
  }

  /**
   * The physical address a sync at `off` into the segment acts on: dma-direct's dma_to_phys(),
   * or dma-iommu's iommu_iova_to_phys() (iommu_dma_sync_single_for_cpu), which finds nothing for
   * an unmapped IOVA (the kernel then maintains physical address 0, where no buffer of a test lies).
   */
  private physAt(s: MappedSegment, off: number): number | undefined {
    return this.iommu ? this.iommu.iovaToPhys(s.bus + off) : s.phys + off;
  }

  private unmapSegment(s: MappedSegment, dir: Direction, skipCpuSync: boolean): void {
    if (!skipCpuSync) this.syncSegmentForCpu(s, 0, s.size, dir);
    else if (s.bounced && dir !== 'DMA_TO_DEVICE' && !swiotlbHonoursSkipCpuSync(this.platform.version)) this.swiotlb.bounce(s.phys, s.size, 'to-orig'); // before 0443fa003fa1 (v4.10)
    if (this.iommu) this.iommu.unmap(s.bus, s.size); // iommu_dma_unmap_page() → __iommu_dma_unmap()
    if (s.bounced) this.swiotlb.unmap(s.phys, s.size); // swiotlb_tbl_unmap_single(..., attrs | SKIP_CPU_SYNC)
  }

  /**
   * dma_sync_single{,_range}_for_{cpu,device}(h, off, size, dir) and dma_sync_sg_*: dma-direct acts
   * on the address it is given, mapped or not, with the direction it is given.
   */
  sync(to: 'cpu' | 'device', handle: string, off: number, size: number, dir: Direction, sg: boolean): void {
    const m = this.mappings.get(handle);
    if (!m || m.error) return; // nothing real to sync (dma-debug reports it)
    if (sg && m.iommuSg) {
      // iommu_dma_sync_sg_for_{cpu,device}(): arch_sync_dma_for_*(sg_phys(sg), sg->length) per entry
      if (m.released || this.coherent) return; // (an unmapped list: the model has no sg left to walk)
      for (const e of m.iommuSg.cpuEntries) {
        if (to === 'cpu') this.archSyncForCpu(e.phys, e.size, dir);
        else this.archSyncForDevice(e.phys, e.size, dir);
      }
      return;
    }
    if (sg) {
      for (const s of m.segments) this.syncSegment(to, s, 0, s.size, dir);
      return;
    }
    const s = m.segments[0];
    this.syncSegment(to, s, off, size, dir);
  }

  private syncSegment(to: 'cpu' | 'device', s: MappedSegment, off: number, size: number, dir: Direction): void {
    if (to === 'cpu') this.syncSegmentForCpu(s, off, size, dir);
    else this.syncSegmentForDevice(s, off, size, dir);
  }

  /** dma_unmap_{single,page,sg}(): sync for the CPU unless SKIP_CPU_SYNC, release bounce slots. */
  unmap(handle: string, size: number | undefined, dir: Direction, skipCpuSync: boolean): void {
    const m = this.mappings.get(handle);
    if (!m || m.error || (m.released && this.iommu)) return; // dma-iommu: nothing mapped there any more (iommu_unmap finds no entry)
    if (m.iommuSg) {
      // iommu_dma_unmap_sg(): sync every entry for the CPU, then unmap the list's one IOVA range
      if (!skipCpuSync && !this.coherent) for (const e of m.iommuSg.cpuEntries) this.archSyncForCpu(e.phys, e.size, dir);
      this.iommu!.unmap(m.iommuSg.span.bus, m.iommuSg.span.size);
      this.table.replace({ ...m, released: true });
      return;
    }
    for (const s of m.segments) this.unmapSegment(size === undefined ? s : { ...s, size }, dir, skipCpuSync);
    this.table.replace({ ...m, released: true });
  }

  /**
   * dma_direct_alloc() on the remap path: clean the linear alias, remap Normal-NC, memset 0
   * through it. `zero` false: a dma_pool block (mm/dmapool.c dma_pool_alloc without
   * __GFP_ZERO) keeps what the pool's page held — modelled as the buffer's initial bytes.
   */
  allocCoherent(handle: string, phys: number, size: number, zero = true): Mapping {
    if (this.coherent) {
      if (zero) this.cache.write(phys, zeroedBytes(size)); // plain cacheable pages, zeroed through the cache
    } else {
      if (prepCoherentCleansOnly(this.platform.version)) dcacheCleanPoc(this.cache, phys, phys + size, this.mo);
      else dcacheCleanInvalPoc(this.cache, phys, phys + size, this.mo); // arch_dma_prep_coherent before v6.4
      if (zero) this.cache.memory.fill(phys, size, 0); // memset through the NC mapping reaches memory directly
    }
    return this.table.record({ handle, api: 'coherent', dir: 'DMA_BIDIRECTIONAL', error: false, segments: [this.iommuOrDirect(phys, size, 'DMA_BIDIRECTIONAL')] });
  }

  /**
   * dma_alloc_noncoherent() → dma_alloc_pages() → dma_direct_alloc_pages(): pages from the
   * allocator within the mask (never a swiotlb bounce), memset 0 through the cacheable linear
   * map — dirty lines — and no cache maintenance: the driver syncs (kernel/dma/direct.c).
   */
  allocPages(handle: string, phys: number, size: number, dir: Direction): Mapping {
    this.cache.write(phys, zeroedBytes(size));
    return this.table.record({ handle, api: 'page', dir, error: false, segments: [this.iommuOrDirect(phys, size, dir)] });
  }

  /**
   * The segment of an allocation: its physical address (dma-direct), or an IOVA mapping it,
   * readable and writable by the device for a coherent buffer (iommu_dma_alloc(): __iommu_dma_map
   * with dma_info_to_prot(DMA_BIDIRECTIONAL)), as `dir` allows for noncoherent pages
   * (iommu_dma_alloc_noncoherent()). The IOVA space is never exhausted in a test.
   */
  private iommuOrDirect(phys: number, size: number, dir: Direction): MappedSegment {
    // dma-direct: phys_to_dma_direct(); the model's coherent pages lie inside any dma-ranges window
    const bus = this.iommu ? this.iommu.map(phys, size, iommuProt(dir), this.mask) : physToDma(this.platform, phys);
    return { bus: bus ?? phys, phys, orig: phys, size, bounced: false };
  }

  /** dma_direct_free(): no cache maintenance. The handle stays known so a late device access lands somewhere. */
  freeCoherent(handle: string): void {
    const m = this.mappings.get(handle);
    if (m && this.iommu && !m.released) for (const s of m.segments) this.iommu.unmap(s.bus, s.size); // iommu_dma_free() → __iommu_dma_unmap()
    if (m) this.table.replace({ ...m, released: true });
  }
}
