// dma-iommu's streaming maps (drivers/iommu/dma-iommu.c): the same cache maintenance as
// dma-direct for a non-coherent master, an IOVA instead of the physical address, and swiotlb for
// an untrusted device's maps that do not fill their IOVA granules (v5.11+) and for small
// unaligned kmalloc buffers (v6.5+): dev_use_swiotlb().

import type { Direction } from '../program/types.js';
import type { MappedSegment } from './mapping.js';
import type { Iommu } from './iommu.js';
import { IO_TLB_SIZE } from './swiotlb.js';

/** What dma-iommu uses of the kernel around it (src/kernel/dma-api.ts). */
export interface IommuHost {
  iommu: Iommu;
  /** dev_is_dma_coherent() */
  coherent: boolean;
  /** dma_get_mask(dev): IOVAs are allocated below it (iommu_dma_alloc_iova). */
  limit: number;
  swiotlbActive: boolean;
  /** dev_is_untrusted() where this kernel's dma-iommu bounces for it (iommuBouncesUntrusted()). */
  untrusted: boolean;
  /** iommuBounceZeroesWholeSlot(): before v6.10 a FROM_DEVICE map zeroed the whole slot. */
  zeroesWholeSlot: boolean;
  archSyncForDevice(paddr: number, size: number, dir: Direction): void;
  /** dma_kmalloc_needs_bounce() */
  kmallocNeedsBounce(size: number, dir: Direction): boolean;
  /**
   * swiotlb_tbl_map_single(dev, phys, size, alloc_size = iova_align(size), alloc_align_mask =
   * iova_mask()): `slots` slots starting on a multiple of `alignSlots`, the copy in that this
   * version's swiotlb makes at map; the slot's address, undefined when the pool is full.
   */
  bounce(phys: number, size: number, dir: Direction, skipCpuSync: boolean, slots: number, alignSlots: number): number | undefined;
  /** memset(phys_to_virt(paddr), 0, size): through the cacheable linear map; `what` names it for a trace. */
  zero(paddr: number, size: number, what: string): void;
  warn(text: string): void;
}

/** dma_info_to_prot(): TO_DEVICE maps read-only for the device, FROM_DEVICE write-only. */
export function iommuProt(dir: Direction): { read: boolean; write: boolean } {
  return { read: dir !== 'DMA_FROM_DEVICE', write: dir !== 'DMA_TO_DEVICE' };
}

/**
 * dev_use_swiotlb(dev, size, dir): an untrusted device (v5.11+), or a kmalloc buffer that
 * dma-direct would bounce (v6.5+, dma_kmalloc_needs_bounce()).
 */
function useSwiotlb(h: IommuHost, size: number, dir: Direction): boolean {
  return h.untrusted || h.kmallocNeedsBounce(size, dir);
}

/**
 * iommu_dma_map_page(): when dev_use_swiotlb() and the buffer does not fill its IOVA granules
 * (iova_offset(iovad, phys | size)), bounce it into granule-aligned swiotlb slots and, for an
 * untrusted device, zero the slot's padding so the device sees only the buffer's bytes; then
 * arch_sync_dma_for_device() on what the device will read (the slot, or the buffer) unless
 * coherent or DMA_ATTR_SKIP_CPU_SYNC; then __iommu_dma_map(): an IOVA for the whole granules, so
 * the device can reach every byte of them, not only the mapped ones. undefined: DMA_MAPPING_ERROR.
 */
export function iommuMapPage(h: IommuHost, phys: number, size: number, dir: Direction, skipCpuSync: boolean): MappedSegment | undefined {
  const { iommu } = h;
  let target = phys;
  let bounced = false;
  if (useSwiotlb(h, size, dir) && (iommu.offset(phys) !== 0 || iommu.offset(size) !== 0)) {
    if (!h.swiotlbActive) {
      h.warn('DMA bounce buffers are inactive, unable to map unaligned transaction.');
      return undefined;
    }
    const slot = h.bounce(phys, size, dir, skipCpuSync, iommu.align(size) / IO_TLB_SIZE, iommu.granule / IO_TLB_SIZE);
    if (slot === undefined) return undefined;
    target = slot;
    bounced = true;
    // (6.5–6.9 zeroed a kmalloc bounce's slot too, before 2650073f1b58 made it untrusted-only:
    // not modelled, the model zeroes for an untrusted device only)
    if (h.untrusted) zeroPadding(h, slot, size, dir, skipCpuSync);
  }
  if (!h.coherent && !skipCpuSync) h.archSyncForDevice(target, size, dir);
  const iova = iommu.map(target, size, iommuProt(dir), h.limit);
  if (iova === undefined) return undefined;
  return { bus: iova, phys: target, orig: phys, size, bounced };
}

/**
 * iommu_dma_map_page()'s padding memset ("Untrusted devices should not see padding areas with
 * random leftover kernel data"). The slot starts on a granule (no min_align_mask in the model: no
 * pre-padding); from v6.10 (2650073f1b58) the bytes after the buffer up to the granule end are
 * zeroed; before, the whole granule-aligned slot unless the map copied the buffer in
 * (TO_DEVICE/BIDIRECTIONAL without DMA_ATTR_SKIP_CPU_SYNC) — wiping a FROM_DEVICE copy-in.
 */
function zeroPadding(h: IommuHost, slot: number, size: number, dir: Direction, skipCpuSync: boolean): void {
  const aligned = h.iommu.align(size);
  const keepsBuffer = !h.zeroesWholeSlot || (!skipCpuSync && dir !== 'DMA_FROM_DEVICE');
  if (keepsBuffer) {
    if (aligned > size) h.zero(slot + size, aligned - size, "the bounce slot's padding (the device sees only the buffer's bytes)");
  } else h.zero(slot, aligned, "the whole bounce slot, over the buffer's bytes swiotlb copied in (before 2650073f1b58, v6.10)");
}

/** A scatterlist mapped by dma-iommu: the DMA segments the device is given, and what the CPU side needs back. */
export interface IommuSg {
  segments: MappedSegment[];
  /** The entries as the driver built them (iommu_dma_sync_sg_*() maintains sg_phys(sg), sg->length of each). */
  cpuEntries: { phys: number; size: number }[];
  /** The one IOVA range of the whole list (iommu_dma_unmap_sg() unmaps first segment .. end of last). */
  span: { bus: number; size: number };
}

/** dma_get_max_seg_size() without dma_parms: SZ_64K; dma_get_seg_boundary() without them: ULONG_MAX (32 bits here suffice). */
const MAX_SEG_SIZE = 0x1_0000;
const SEG_BOUNDARY = 2 ** 32;

/**
 * iommu_dma_map_sg(): sync every entry for the device, lay the entries out in ONE IOVA range,
 * each from the start of its first granule, and map them (iommu_map_sg); then __finalise_sg()
 * merges an entry that starts on a granule boundary into the previous segment when that one
 * ended on a granule boundary (and the segment stays within 64 KiB): dma_map_sg() returns how many
 * segments there are, maybe fewer than nents. With an entry that needs a kmalloc bounce
 * (dev_use_sg_swiotlb(), v6.5+) every entry is mapped on its own (iommu_dma_map_sg_swiotlb()).
 * undefined: the map failed (0).
 */
export function iommuMapSg(h: IommuHost, entries: { phys: number; size: number }[], dir: Direction, skipCpuSync: boolean): IommuSg | MappedSegment[] | undefined {
  const { iommu } = h;
  // dev_use_sg_swiotlb(): every entry of an untrusted device's list, or a list with an entry
  // that needs a kmalloc bounce, is mapped on its own (iommu_dma_map_sg_swiotlb())
  if (h.untrusted || entries.some((e) => h.kmallocNeedsBounce(e.size, dir))) {
    const out: MappedSegment[] = [];
    for (const e of entries) {
      const s = iommuMapPage(h, e.phys, e.size, dir, skipCpuSync);
      if (!s) return undefined; // (the model leaves the earlier entries mapped: the IOVA space never runs out in a test)
      out.push(s);
    }
    return out;
  }
  if (!h.coherent && !skipCpuSync) for (const e of entries) h.archSyncForDevice(e.phys, e.size, dir);
  const laidOut = entries.map((e) => ({ ...e, off: iommu.offset(e.phys), len: iommu.align(e.size + iommu.offset(e.phys)) }));
  const base = iommu.mapRuns(laidOut.map((e) => ({ phys: e.phys - e.off, size: e.len })), iommuProt(dir), h.limit);
  if (base === undefined) return undefined;
  const segments: MappedSegment[] = [];
  let dmaAddr = base;
  let curLen = 0;
  for (const e of laidOut) {
    const cur = segments[segments.length - 1];
    if (curLen && !e.off && dmaAddr % SEG_BOUNDARY !== 0 && MAX_SEG_SIZE - curLen >= e.size) {
      curLen += e.size; // concatenate with the previous segment
      cur.size = curLen;
    } else {
      curLen = e.size;
      segments.push({ bus: dmaAddr + e.off, phys: e.phys, orig: e.phys, size: e.size, bounced: false });
    }
    dmaAddr += e.len;
    if (e.size + e.off < e.len) curLen = 0; // this entry ends inside its granule: nothing may follow it in the segment
  }
  const total = laidOut.reduce((n, e) => n + e.len, 0);
  return { segments, cpuEntries: entries.map((e) => ({ phys: e.phys, size: e.size })), span: { bus: base, size: total } };
}
