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

/**
 * The kernel's record of mappings: what each handle variable holds now (dma_unmap_single(dev, h)
 * unmaps that one), and every mapping ever made by id, released ones too (what the device may
 * still hold an address of). Shared between a kernel and its copies until one of them records or
 * replaces a mapping; its text for the state key is kept until a mapping changes.
 */
export class MappingTable {
  private current: Map<string, Mapping>;
  private byId: Map<string, Mapping>;
  private shared = false;
  private text: string | undefined;

  /** from: the table to share (copy()). */
  constructor(from?: MappingTable) {
    if (from) {
      this.current = from.current;
      this.byId = from.byId;
      this.shared = from.shared = true;
      this.text = from.text;
    } else {
      this.current = new Map();
      this.byId = new Map();
    }
  }

  get mappings(): ReadonlyMap<string, Mapping> {
    return this.current;
  }

  get all(): ReadonlyMap<string, Mapping> {
    return this.byId;
  }

  copy(): MappingTable {
    return new MappingTable(this);
  }

  /** A new mapping of its variable. Callers pass a fresh object: it is named in place, not copied (a copy per map is a few per cent of a fuzz run). */
  record(made: Omit<Mapping, 'id'>): Mapping {
    const m = made as Mapping;
    m.id = mappingId(made.handle, this.byId);
    this.own();
    this.current.set(m.handle, m);
    this.byId.set(m.id, m);
    return m;
  }

  /** A mapping changed (unmapped, freed): what the variable holds and the record of every mapping. */
  replace(m: Mapping): void {
    this.own();
    if (this.current.get(m.handle)?.id === m.id) this.current.set(m.handle, m);
    this.byId.set(m.id, m);
  }

  /** The table as text, the same object until a mapping changes (a state key is taken per explored state). */
  fingerprint(): string {
    return (this.text ??= `${JSON.stringify([...this.byId])};${[...this.current].map(([h, m]) => `${h}=${m.id}`).join(',')}`);
  }

  private own(): void {
    this.text = undefined;
    if (!this.shared) return;
    this.current = new Map(this.current);
    this.byId = new Map(this.byId);
    this.shared = false;
  }
}
