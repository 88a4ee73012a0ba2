// Who owns each byte of each live streaming mapping, per Documentation/core-api/dma-api.rst and
// dma-api-howto.rst (reference §7): the device from map and sync_for_device, the CPU from
// sync_for_cpu until it hands the bytes back. dma-debug never sees CPU or device accesses, so
// none of this is in the kernel; these are the rules its documents state.

import type { Direction } from '../program/types.js';
import { byteRange, hex } from '../exec/values.js';
import { ARCH_DMA_MINALIGN } from '../kernel/layout.js';
import { ByteRuns } from './byte-runs.js';
import type { Finding } from './finding.js';

const DEVICE = 0, CPU = 1, CPU_WROTE = 2;

export interface OwnedSegment { phys: number; size: number; bounced: boolean; state: ByteRuns }
/** sg: a scatterlist (its CPU hand-over is dma_sync_sg_for_cpu()), mapped with `entries` entries (nents). */
export interface Owned { handle: string; dir: Direction; segments: OwnedSegment[]; sg?: { entries: number } }

type Report = (f: Omit<Finding, 'actor' | 'op'>) => void;

const API_RST = 'Documentation/core-api/dma-api.rst';
const HOWTO = 'Documentation/core-api/dma-api-howto.rst';

export class Ownership {
  live: Owned[] = [];

  clone(): Ownership {
    const o = new Ownership();
    o.live = this.live.map((m) => ({ ...m, segments: m.segments.map((s) => ({ ...s, state: s.state.clone() })) }));
    return o;
  }

  /** The state of every live byte, run-length encoded: a 4 KiB buffer in one state is a few characters. */
  key(): string {
    return this.live.map((m) => `${m.handle}:${m.segments.map((s) => s.state.key()).join('/')}`).join(',');
  }

  /** `sgEntries`: a scatterlist's nents (its segments may be fewer: dma-iommu merges). */
  map(handle: string, dir: Direction, segments: { phys: number; size: number; bounced: boolean }[], sgEntries?: number): void {
    this.unmap(handle);
    this.live.push({ handle, dir, segments: segments.map((s) => ({ ...s, state: ByteRuns.of(s.size, DEVICE) })), ...(sgEntries !== undefined ? { sg: { entries: sgEntries } } : {}) });
  }

  unmap(handle: string): void {
    this.live = this.live.filter((m) => m.handle !== handle);
  }

  get(handle: string): Owned | undefined {
    return this.live.find((m) => m.handle === handle);
  }

  /** dma_sync_*_for_cpu hands [off, off+size) of a segment to the CPU; _for_device hands it back. */
  sync(handle: string, toCpu: boolean, segment: number | 'all', off: number, size: number): void {
    const m = this.get(handle);
    if (!m) return;
    const segs = segment === 'all' ? m.segments : [m.segments[segment]].filter(Boolean);
    for (const s of segs) {
      const lo = segment === 'all' ? 0 : Math.max(0, off), hi = segment === 'all' ? s.size : Math.min(s.size, off + size);
      s.state.fill(lo, hi, toCpu ? CPU : DEVICE);
    }
  }

  /** A CPU load or store of [phys, phys+size) through its cacheable mapping. */
  cpuAccess(store: boolean, phys: number, size: number, report: Report): void {
    for (const m of this.live) {
      for (const s of m.segments) {
        const lo = Math.max(phys, s.phys), hi = Math.min(phys + size, s.phys + s.size);
        if (lo >= hi) continue;
        const range = byteRange(lo, hi - lo);
        const deviceOwned = s.state.has(lo - s.phys, hi - s.phys, DEVICE);
        if (store && m.dir === 'DMA_FROM_DEVICE') {
          report({ severity: 'error', rule: 'ownership/cpu-writes-from-device', source: API_RST, handle: m.handle,
            message: `CPU writes ${range}, mapped DMA_FROM_DEVICE as ${m.handle}: that memory is read-only for the driver while mapped ("If the driver needs to write to it at any point, it should be DMA_BIDIRECTIONAL")` });
        } else if (store && deviceOwned) {
          // Harmless on its own when dma_sync_single_for_device() follows before the device looks
          // (sync_for_cpu(DMA_TO_DEVICE) is a no-op in dma-direct and swiotlb); the device seeing
          // the bytes unsynced is the error, reported where it happens.
          report({ severity: 'warning', rule: 'ownership/cpu-writes-device-owned', source: API_RST, handle: m.handle,
            message: `CPU writes ${range} while the device owns it (mapped ${m.dir} as ${m.handle}): the documented hand-over is ${m.sg ? 'dma_sync_sg_for_cpu(), write, dma_sync_sg_for_device()' : 'dma_sync_single_for_cpu(), write, dma_sync_single_for_device()'}` });
        } else if (!store && deviceOwned && m.dir !== 'DMA_TO_DEVICE') {
          report({ severity: 'error', rule: 'ownership/cpu-reads-device-owned', source: API_RST, handle: m.handle,
            message: `CPU reads ${range} while the device owns it (mapped ${m.dir} as ${m.handle}): call ${m.sg ? 'dma_sync_sg_for_cpu() or dma_unmap_sg()' : 'dma_sync_single_for_cpu() or dma_unmap_*()'} before reading what the device wrote` });
        }
        if (store && m.dir !== 'DMA_FROM_DEVICE') s.state.fill(lo - s.phys, hi - s.phys, CPU_WROTE);
      }
    }
  }

  /**
   * A CPU store next to a live DMA_FROM_DEVICE or DMA_BIDIRECTIONAL mapping, inside one of its
   * cache lines (the CWG granule): dirtying that line lets an eviction, or the dc civac of the
   * partial edge line at unmap, write old bytes over the device's (dma-api.rst: mapped regions
   * must begin and end on cache line boundaries). Bounced mappings are safe: the device writes
   * the swiotlb slot.
   */
  cpuStoreNear(phys: number, size: number, cwg: number, report: Report): void {
    for (const m of this.live) {
      if (m.dir === 'DMA_TO_DEVICE') continue;
      for (const s of m.segments) {
        if (s.bounced) continue;
        const first = s.phys - (s.phys % cwg), last = s.phys + s.size - 1 - ((s.phys + s.size - 1) % cwg);
        for (const line of new Set([first, last])) {
          const lo = Math.max(phys, line), hi = Math.min(phys + size, line + cwg);
          if (lo >= hi || (lo >= s.phys && hi <= s.phys + s.size)) continue; // not in the line, or inside the mapping (the rules above)
          report({ severity: 'error', rule: 'ownership/shares-cache-line', source: API_RST, handle: m.handle,
            message: `CPU writes ${byteRange(phys, size)}, in cache line ${hex(line)} with ${m.handle} (mapped ${m.dir}) while the device may write it: that line's write-back can put old bytes over the device's data; ${cwg <= ARCH_DMA_MINALIGN ? `align and pad the buffer to ARCH_DMA_MINALIGN (128 on arm64: __aligned(ARCH_DMA_MINALIGN); this platform's cache lines are ${cwg} bytes)` : `align and pad the buffer to this platform's ${cwg}-byte cache writeback granule (dma_get_cache_alignment(); ARCH_DMA_MINALIGN, 128, is less)`}` });
          return;
        }
      }
    }
  }

  /** A device access through a handle: inside a live mapping, in the right direction, after the CPU handed the bytes over. */
  deviceAccess(handle: string, segment: number, off: number, size: number, write: boolean, report: Report): void {
    const m = this.get(handle);
    const what = `${write ? 'writes' : 'reads'} ${handle}${segment ? `[${segment}]` : ''} + ${off} (${size} bytes)`;
    const s = m?.segments[segment];
    if (m?.sg && !s && segment < m.sg.entries) {
      // dma_map_sg() may return fewer segments than entries: dma-iommu merges entries into one IOVA
      // range (__finalise_sg()); past the count, sg_dma_address() is DMA_MAPPING_ERROR, sg_dma_len() 0.
      const n = m.segments.length;
      report({ severity: 'error', rule: 'ownership/device-outside-mapping', source: HOWTO, handle,
        message: `the device ${what}, but dma_map_sg() returned ${n} segment${n === 1 ? '' : 's'} for ${handle} (the IOMMU merged its entries: dma-iommu __finalise_sg()), so entry ${segment} has no DMA address of its own (sg_dma_address() is DMA_MAPPING_ERROR): give the device the ${n === 1 ? 'segment' : `${n} segments`} dma_map_sg() returned, not the entries mapped (for_each_sg() over its return value)` });
      return;
    }
    if (!m || !s) {
      report({ severity: 'error', rule: 'ownership/device-outside-mapping', source: HOWTO, handle,
        message: `the device ${what}, which no live mapping covers (unmapped before the device finished, or never mapped)` });
      return;
    }
    if (off < 0 || off + size > s.size) {
      report({ severity: 'error', rule: 'ownership/device-outside-mapping', source: HOWTO, handle,
        message: `the device ${what}, past the end of the mapping (${s.size} bytes)` });
      return;
    }
    if (write && m.dir === 'DMA_TO_DEVICE') {
      report({ severity: 'error', rule: 'ownership/device-writes-to-device-mapping', source: API_RST, handle,
        message: `the device ${what}, mapped DMA_TO_DEVICE ("If the device may write to it at any point, it should be DMA_BIDIRECTIONAL")` });
    }
    const unsynced = s.state.has(off, off + size, CPU_WROTE);
    s.state.fill(off, off + size, DEVICE); // the CPU handed the bytes back (howto: no sync_for_device needed if it only read)
    if (unsynced) {
      report({ severity: 'error', rule: 'ownership/device-sees-unsynced-cpu-write', source: API_RST, handle,
        message: `the device ${what} after the CPU wrote them without dma_sync_single_for_device() ("DMA_TO_DEVICE synchronisation must be done after the last modification of the memory region by the software and before it is handed off to the device")` });
    }
  }
}
