// The kernel's behaviour switches that depend on its version (reference, version table): which
// release changed what, with the commit. The version value itself, and which versions the model
// follows, are src/platform/kernel-version.ts (a platform's configuration).

import { atLeast, series, type KernelVersion } from '../platform/kernel-version.js';

export { arm64HasVmapStack, atLeast, parseKernelVersion, stableUnknown, versionText, type KernelVersion } from '../platform/kernel-version.js';

/**
 * 4544b9f25e70 "dma-mapping: Add vmap checks to dma_map_single()" (v5.5, stable 5.4.8):
 * dma_map_single_attrs() warns "rejecting DMA map of vmalloc memory" and returns DMA_MAPPING_ERROR.
 */
export function rejectsVmallocMapSingle(v: KernelVersion): boolean {
  return atLeast(v, 5, 5) || (series(v, 5, 4) && v.patch >= 8);
}

/**
 * 5.4.0–5.4.7: the VA layout is already flipped (14c127c957c1, v5.4) but the check is not there
 * yet, so virt_to_page() of a vmalloc address names a page above all RAM. Not modelled.
 */
export function vmallocMapSingleUnmodelled(v: KernelVersion): boolean {
  return series(v, 5, 4) && v.patch < 8;
}

/** c50f11c6196f (v5.19; stable 5.18.6, 5.15.50, 5.10.125, 5.4.201): map/sync_for_device(FROM_DEVICE) cleans instead of invalidating. */
export function cleansFromDeviceAtMap(v: KernelVersion): boolean {
  if (atLeast(v, 5, 19)) return true;
  if (series(v, 5, 18)) return v.patch >= 6;
  if (series(v, 5, 15)) return v.patch >= 50;
  if (series(v, 5, 10)) return v.patch >= 125;
  if (series(v, 5, 4)) return v.patch >= 201;
  return false;
}

/**
 * What swiotlb_tbl_map_single() copies orig → bounce (kernel/dma/swiotlb.c):
 *  - 'to-device': only for TO_DEVICE/BIDIRECTIONAL and only without DMA_ATTR_SKIP_CPU_SYNC (until v5.16);
 *  - 'unless-skip': every direction, still not with SKIP_CPU_SYNC (ddbd89deb7d3, v5.17);
 *  - 'always': every direction, whatever the attributes (aa6f8dcbab47 reverted by bddac7c1e02b,
 *    the map-time copy reinstated by 901c7280ca0d; v5.18).
 * Point releases with other states are refused (stableUnknown), so the mainline minor decides.
 */
export type SwiotlbMapCopy = 'to-device' | 'to-device-always' | 'unless-skip' | 'always';
export function swiotlbMapCopy(v: KernelVersion): SwiotlbMapCopy {
  if (atLeast(v, 5, 18)) return 'always';
  if (atLeast(v, 5, 17)) return 'unless-skip';
  return swiotlbHonoursSkipCpuSync(v) ? 'to-device' : 'to-device-always'; // 'to-device-always': before 0443fa003fa1 (v4.10)
}

/**
 * 16fc3cef33a0 "swiotlb: don't modify orig_addr in swiotlb_tbl_sync_single" (v5.12; stable
 * 5.10.35) dropped the in-slot offset: a sync at tlb_addr + off copied to/from the slot's
 * orig_addr, not orig_addr + off. Fixed by 5f89468e2f06 (v5.13; stable 5.12.14, 5.10.47).
 */
export function swiotlbSyncDropsSlotOffset(v: KernelVersion): boolean {
  return (series(v, 5, 12) && v.patch <= 13) || (series(v, 5, 10) && v.patch >= 35 && v.patch <= 46);
}

/**
 * daf9514fd5eb "swiotlb: Validate bounce size in the sync/unmap path" (v5.12): each slot keeps
 * the mapping's alloc_size and swiotlb_bounce() clamps a larger copy to it with a WARN
 * ("Buffer overflow detected"). Before, a sync copied exactly what it was asked.
 */
export function swiotlbClampsToAllocSize(v: KernelVersion): boolean {
  return atLeast(v, 5, 12);
}

/**
 * dma_alloc_noncoherent(dev, size, &handle, dir, gfp): "dma-mapping: add a new dma_alloc_noncoherent
 * API" (Christoph Hellwig, in the dma-mapping pull for v5.10). Before, the name had no direction
 * argument and was dma_alloc_attrs(..., DMA_ATTR_NON_CONSISTENT): not the call modelled.
 */
export function hasDmaAllocNoncoherent(v: KernelVersion): boolean {
  return atLeast(v, 5, 10);
}

/** 7bd6680b47fa (v6.4): arch_dma_prep_coherent cleans only; before, clean+invalidate. */
export function prepCoherentCleansOnly(v: KernelVersion): boolean {
  return atLeast(v, 6, 4);
}

/** 370645f41e6e (v6.5): ARCH_KMALLOC_MINALIGN 8 and small unaligned kmalloc buffers bounced. */
export function bouncesUnalignedKmalloc(v: KernelVersion): boolean {
  return atLeast(v, 6, 5);
}

/** The kernels of dmaDebugQuietOverlapUnderSwiotlb() below, as reports name them. */
export const QUIET_OVERLAP_KERNELS = 'v6.18 and the stable releases 6.17.6, 6.12.56 and 6.6.115';

/**
 * 03521c892bb8 "dma-debug: don't report false positives with DMA_BOUNCE_UNALIGNED_KMALLOC"
 * (v6.18-rc; stable 6.17.6, 6.12.56, 6.6.115, reviewed 2025-10-27): add_dma_entry() prints no
 * "cacheline tracking EEXIST" while swiotlb is active for the device (is_swiotlb_active(): a
 * default or restricted pool), arm64 selecting DMA_BOUNCE_UNALIGNED_KMALLOC from 6.5.
 */
export function dmaDebugQuietOverlapUnderSwiotlb(v: KernelVersion): boolean {
  if (atLeast(v, 6, 18)) return true;
  if (series(v, 6, 17)) return v.patch >= 6;
  if (series(v, 6, 12)) return v.patch >= 56;
  if (series(v, 6, 6)) return v.patch >= 115;
  return false;
}

/**
 * dma-debug's debug_dma_map_single() ("device driver maps memory from vmalloc area", called from
 * dma_map_single_attrs()): absent from 4.18 and earlier (4.9 and 4.14 have no such check: a
 * vmapped stack buffer mapped with dma_map_single() passes dma-debug silently, as check_for_stack()
 * compares the wrong page virt_to_page() gives). Kept from 4.19 on as the model had it.
 */
export function hasDebugDmaMapSingle(v: KernelVersion): boolean {
  return atLeast(v, 4, 19);
}

/**
 * Where a kernel source file cited in a finding lives on this kernel: cf65a0f6f6ff ("dma-mapping:
 * move all DMA mapping code to kernel/dma", v4.17) moved lib/dma-debug.c to kernel/dma/debug.c
 * (and lib/swiotlb.c to kernel/dma/swiotlb.c); a 4.9 or 4.14 user greps the old names.
 */
export function kernelSourcePath(source: string, v: KernelVersion): string {
  if (atLeast(v, 4, 17)) return source;
  return source.replace(/^kernel\/dma\/debug\.c\b/, 'lib/dma-debug.c').replace(/^kernel\/dma\/swiotlb\.c\b/, 'lib/swiotlb.c');
}

/**
 * 0443fa003fa1 "swiotlb: Add support for DMA_ATTR_SKIP_CPU_SYNC" (v4.10): before,
 * swiotlb_tbl_map_single() copied orig → slot for TO_DEVICE/BIDIRECTIONAL and
 * swiotlb_tbl_unmap_single() copied back for FROM_DEVICE/BIDIRECTIONAL whatever the attributes.
 */
export function swiotlbHonoursSkipCpuSync(v: KernelVersion): boolean {
  return atLeast(v, 4, 10);
}

/**
 * 22ec71615d82 (v5.4, "arm64: io: Relax implicit barriers in default I/O accessors"): __iowmb()
 * became dma_wmb() (dmb oshst); before, it was wmb() (dsb st), so writel = dsb st; str.
 */
export function writelIsDsb(v: KernelVersion): boolean {
  return !atLeast(v, 5, 4);
}

/**
 * 82612d66d51d "iommu: Allow the dma-iommu api to use bounce buffers" (v5.11): dma-iommu bounces
 * a map of an untrusted device (pci_dev->untrusted: behind an "external-facing" port, 9cb30a71acd4,
 * or ACPI ExternalFacingPort) through swiotlb when the buffer does not fill its IOVA granules
 * (dev_use_swiotlb() && iova_offset(iovad, phys | size)); 82c3cefb9f16 (v5.12) took such a device
 * off the lazy flush queue. Before v5.11, arm64's dma-iommu maps an untrusted device like any
 * other: the device reaches the whole granules. The path was broken until v5.16 (06e620345d54
 * "iommu/dma: Fix arch_sync_dma for map": the map cleaned the original, not the slot;
 * 08ae5d4a1ae9 "iommu/dma: Fix sync_sg with swiotlb": dma_sync_sg_*() copied nothing), so
 * 5.11–5.15 are refused with an untrusted device (src/platform/platform.ts) rather than have
 * every correct driver go wrong there.
 */
export function iommuBouncesUntrusted(v: KernelVersion): boolean {
  return atLeast(v, 5, 11);
}

/**
 * The padding iommu_dma_map_page() zeroes in an untrusted device's bounce slot: until
 * 2650073f1b58 "iommu/dma: fix zeroing of bounce buffer padding used by untrusted devices"
 * (v6.10, CVE-2024-35814) the whole granule-aligned slot unless the map copied the buffer in
 * (TO_DEVICE or BIDIRECTIONAL without DMA_ATTR_SKIP_CPU_SYNC): a FROM_DEVICE map zeroed the bytes
 * swiotlb had just copied in (v5.18+ copies in every direction, 901c7280ca0d), so bytes the
 * device does not write come back as zeros. From v6.10 only the bytes of the slot's granules
 * outside the buffer.
 */
export function iommuBounceZeroesWholeSlot(v: KernelVersion): boolean {
  return !atLeast(v, 6, 10);
}
