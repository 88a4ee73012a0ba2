// Kernel versions, the set the model can represent, and the behaviour switches that depend on
// them (reference, version table). A version is a mainline release X.Y (= X.Y.0) or a stable
// point release X.Y.Z; a stable release is accepted only where the model knows which of the
// modelled changes its series had backported by then (STABLE_KNOWN below).

import { PlatformError } from '../platform/platform-error.js';

export interface KernelVersion { major: number; minor: number; patch: number }

/** The last minor of each major the model follows (4.19 is the oldest release it follows, but for the vendor kernels below). */
const LAST_MINOR: Record<number, number> = { 4: 20, 5: 19, 6: 19, 7: 99 };
/**
 * Older long-term releases still shipped in vendor BSPs, mainline only (which DMA fixes a 4.9.y
 * or 4.14.y point release had backported is not known to the model). What differs from 4.19 is
 * listed where it is modelled: arm64HasVmapStack, hasDebugDmaMapSingle, swiotlbHonoursSkipCpuSync.
 */
const VENDOR_LTS = new Set(['4.9', '4.14']);

export function parseKernelVersion(text: string): KernelVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!m) throw new PlatformError('kernel', `kernel must look like 6.12 or 5.15.50, not '${text}'`);
  const v = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
  const lts = VENDOR_LTS.has(`${v.major}.${v.minor}`);
  if (!(v.major in LAST_MINOR) || v.minor > LAST_MINOR[v.major] || (v.major === 4 && v.minor < 19 && !lts)) {
    throw new PlatformError('kernel', `kernel ${text} is outside what the model follows: 4.9, 4.14, and mainline 4.19 to 7.x`);
  }
  if (lts && v.patch) throw new PlatformError('kernel', `kernel ${text}: the model does not know which DMA changes ${v.major}.${v.minor}.y had backported by then; use the release ${v.major}.${v.minor}`);
  const unknown = stableUnknown(v, false);
  if (unknown) throw new PlatformError('kernel', unknown);
  return v;
}

export function atLeast(v: KernelVersion, major: number, minor: number): boolean {
  return v.major !== major ? v.major > major : v.minor >= minor;
}

function series(v: KernelVersion, major: number, minor: number): boolean {
  return v.major === major && v.minor === minor;
}

export function versionText(v: KernelVersion): string {
  return v.patch ? `${v.major}.${v.minor}.${v.patch}` : `${v.major}.${v.minor}`;
}

/**
 * For each stable series before 6.5 (the last modelled mainline change, 370645f41e6e): the
 * highest point release whose modelled behaviour is known — `all` for everything but swiotlb,
 * `swiotlb` when a mapping may bounce. Sources (docs/litmus.md, "kernel"):
 *  - 4544b9f25e70 (vmalloc check) went to 5.4.8 (stable review 2020-01-02); no other tree seen.
 *  - c50f11c6196f went to 5.18.6, 5.15.50, 5.10.125, 5.4.201 (stable mails 2022-06-23).
 *  - swiotlb: the min_align_mask series with 16fc3cef33a0 went to 5.10.35 and 5.11.19, its fix
 *    5f89468e2f06 to 5.10.47 and 5.12.14 (stable-rc revlists); daf9514fd5eb (alloc_size clamp)
 *    to 5.12.y only (Chanho Park, stable@ 2021-06); the CVE-2022-0854 work went to 5.10.y as
 *    ddbd89deb7d3 + aa6f8dcbab47 (queue 2022-03-25) then a revert + 901c7280ca0d (5.10.118),
 *    and to 5.15.y, 5.16.y, 5.17.y, 5.4.y, 4.x at releases the model does not pin down.
 *  - Series that ended before a change was written cannot have it (5.5–5.9 ended in 2020, before
 *    any swiotlb change above; 5.12–5.14 ended in 2021, before the CVE work; 5.16–5.18 and 6.0
 *    ended before 7bd6680b47fa and 370645f41e6e of 2023).
 *  - swiotlb < 0: not even the mainline release is known for a program that bounces.
 * Series missing here accept no point release (4.19.y, 5.0–5.3, 6.1–6.4: backports not known).
 */
const STABLE_KNOWN: Record<string, { all: number; swiotlb: number }> = {
  '5.4': { all: Infinity, swiotlb: 85 }, // 5.4.85 (Dec 2020) predates every swiotlb change modelled
  '5.5': { all: Infinity, swiotlb: Infinity },
  '5.6': { all: Infinity, swiotlb: Infinity },
  '5.7': { all: Infinity, swiotlb: Infinity },
  '5.8': { all: Infinity, swiotlb: Infinity },
  '5.9': { all: Infinity, swiotlb: Infinity },
  '5.10': { all: Infinity, swiotlb: 60 }, // 5.10.60 (Aug 2021) predates the 868c9ddc182b AUTOSEL and the CVE work
  '5.11': { all: Infinity, swiotlb: 0 }, // daf9514fd5eb and the 5.11.19 series: not pinned down
  '5.12': { all: Infinity, swiotlb: Infinity },
  '5.13': { all: Infinity, swiotlb: -1 }, // 5f89468e2f06 was pulled 2021-06-22: v5.13 itself or 5.13.y, not pinned down
  '5.14': { all: Infinity, swiotlb: Infinity },
  '5.15': { all: Infinity, swiotlb: 26 },
  '5.16': { all: Infinity, swiotlb: 0 },
  '5.17': { all: Infinity, swiotlb: 0 },
  '5.18': { all: Infinity, swiotlb: Infinity },
  '5.19': { all: Infinity, swiotlb: Infinity },
  '6.0': { all: Infinity, swiotlb: Infinity },
};

/**
 * Why the model cannot represent this point release (undefined if it can). `mayBounce`: the
 * program can reach swiotlb, so its backports matter too.
 */
export function stableUnknown(v: KernelVersion, mayBounce: boolean): string | undefined {
  if (atLeast(v, 6, 5)) return undefined;
  const known = STABLE_KNOWN[`${v.major}.${v.minor}`];
  const text = versionText(v);
  if (v.patch === 0) {
    if (!mayBounce || !known || known.swiotlb >= 0) return undefined;
    return `kernel ${text}: whether ${text} already has the swiotlb fix 5f89468e2f06 (partial syncs at an offset) is not pinned down, and this program can bounce through swiotlb; use 5.12.14, 5.14, or swiotlb = absent`;
  }
  if (!known || v.patch > known.all) {
    return `kernel ${text}: the model does not know which DMA changes ${v.major}.${v.minor}.y had backported by then; use the mainline release ${v.major}.${v.minor}, or a point release listed in docs/litmus.md`;
  }
  if (mayBounce && v.patch > known.swiotlb) {
    const nearest = known.swiotlb < 0 ? '' : ` the mainline release ${v.major}.${v.minor},${known.swiotlb > 0 ? ` ${v.major}.${v.minor}.${known.swiotlb},` : ''}`;
    return `kernel ${text}: the model does not know which swiotlb fixes ${v.major}.${v.minor}.y had by then (CVE-2022-0854 work, 5f89468e2f06, daf9514fd5eb), and this program can bounce through swiotlb; use${nearest} swiotlb = absent, or another kernel`;
  }
  return undefined;
}

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

/** 7bd6680b47fa (v6.4): arch_dma_prep_coherent cleans only; before, clean+invalidate. */
export function prepCoherentCleansOnly(v: KernelVersion): boolean {
  return atLeast(v, 6, 4);
}

/** 370645f41e6e (v6.5): ARCH_KMALLOC_MINALIGN 8 and small unaligned kmalloc buffers bounced. */
export function bouncesUnalignedKmalloc(v: KernelVersion): boolean {
  return atLeast(v, 6, 5);
}

/**
 * e3067861ba66 "arm64: add basic VMAP_STACK support" (v4.14): before, arm64 cannot select
 * CONFIG_VMAP_STACK and every task stack is in the linear map.
 */
export function arm64HasVmapStack(v: KernelVersion): boolean {
  return atLeast(v, 4, 14);
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
