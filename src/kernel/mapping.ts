// What the DMA API hands out and records: a mapping of a driver's handle variable, its segments
// (bus address, where it lands, the CPU's buffer), and the names successive maps of one variable
// get. The kernels that make them: src/kernel/dma-api.ts (dma-direct), dma-iommu.ts.

import type { Direction } from '../program/types.js';

export interface MappedSegment {
  /** dma_addr_t handed to the device. */
  bus: number;
  /**
   * The physical address the bus address reaches: the buffer or its bounce slot. Equal to `bus`
   * with dma-direct; with an IOMMU, what the IOVA translates to.
   */
  phys: number;
  /** Physical address of the CPU's buffer. */
  orig: number;
  size: number;
  bounced: boolean;
}

export interface Mapping {
  /** The driver's variable the dma_addr_t was assigned to (`h`): a register, not the mapping. */
  handle: string;
  /**
   * This mapping's own name: the handle for its first map, `h#2`, `h#3`, ... for each later map
   * into the same variable. A loop mapping frame after frame into `h` leaves the earlier
   * mappings live (the device still holds their addresses); only the variable moves on.
   */
  id: string;
  api: 'single' | 'page' | 'sg' | 'coherent';
  dir: Direction;
  /** dma_mapping_error() would return true: the device was handed DMA_MAPPING_ERROR. */
  error: boolean;
  /** vmalloc memory mapped through virt_to_page() (dma_map_single before 4544b9f25e70, sg_set_buf): an unrelated page. */
  wrongPage?: boolean;
  /** Unmapped or freed: the handle's number is still known, but the device was not given it any more. */
  released?: boolean;
  segments: MappedSegment[];
  /**
   * A scatterlist dma-iommu laid out in one IOVA range (src/kernel/dma-iommu.ts IommuSg): the
   * driver's entries, which its syncs maintain, and the range an unmap releases. The segments
   * may be fewer than the entries (merged).
   */
  iommuSg?: { cpuEntries: { phys: number; size: number }[]; span: { bus: number; size: number } };
}

/** The id of the next mapping assigned to variable `handle`: `h`, then `h#2`, `h#3`, ... */
export function mappingId(handle: string, all: ReadonlyMap<string, unknown>): string {
  if (!all.has(handle)) return handle;
  let n = 2;
  while (all.has(`${handle}#${n}`)) n++;
  return `${handle}#${n}`;
}
