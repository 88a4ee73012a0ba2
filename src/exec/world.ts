// What differs between the arm64 model and the ideal platform: how memory answers CPU and
// device accesses, what the DMA API does, and which hardware events exist. The scheduler
// (src/exec/machine.ts) is shared, so both platforms run programs by the same rules.

import type { PlacedBuffer } from '../kernel/layout.js';
import type { CpuOp, Value } from '../program/types.js';

/** A device address: a bus address to access, a handle not mapped yet (the device waits), or DMA_MAPPING_ERROR. */
export type DeviceAddress = number | 'unmapped' | 'error';

/** Byte arrays passed in (stores, device writes) are borrowed: a world copies them, never keeps them. */
export interface World {
  /** May CPU ops be performed out of program order, and do hardware events exist? */
  readonly weak: boolean;
  /**
   * Does a field of any width hold a stored DMA handle whole? The ideal platform: it stands for
   * what the driver means. arm64 keeps the low bits, as the hardware does (src/exec/handle-fields.ts).
   */
  readonly wholeHandles: boolean;
  /** How many address bits the device drives: a bus address at or above 2^bits loses its high bits. */
  readonly addressBits: number;
  cpuLoad(buf: PlacedBuffer, off: number, size: number): Uint8Array;
  cpuStore(buf: PlacedBuffer, off: number, bytes: Uint8Array): void;
  deviceAddress(handle: string, entry: number, off: number): DeviceAddress;
  deviceRead(addr: DeviceAddress, size: number): Uint8Array;
  deviceWrite(addr: DeviceAddress, bytes: Uint8Array): void;
  /** Run a DMA API call; returns false when dma_mapping_error() finds the mapping failed. */
  dmaApi(op: CpuOp): boolean;
  /** After a map: did it fail (DMA_MAPPING_ERROR), and how many entries did dma_map_sg() return? */
  mapResult(handle: string): { failed: boolean; count: number };
  /** Hardware events: fill or evict the line holding addr at cache level 1 (inner) or 2 (outer). */
  fill(addr: number, level: 1 | 2): void;
  evict(addr: number, level: 1 | 2): void;
  clone(): World;
  fingerprint(): string;
  /** A DMA handle as a value: the bus address of its (first) segment; undefined before it is mapped. */
  handleBus(handle: string): number | undefined;
  /**
   * A scatterlist's DMA segment `entry` (sg_dma_address(), sg_dma_len()): undefined when the list
   * is not mapped, its map failed, or the kernel made fewer segments (dma-iommu's merge).
   */
  sgSegment(handle: string, entry: number): { bus: number; size: number } | undefined;
  /** Every segment of every handle mapped so far, unmapped ones too (`live` false). */
  busSegments(): readonly BusSegment[];
  /** Where a device access to a computed bus address goes (the device drives only its address bits). */
  deviceAt(bus: Value): DeviceAddress;
  /**
   * What an IOMMU reports of a device access to `addr` (an arm-smmu-v3 fault, a stale IOTLB
   * entry's use after unmap): an observation, like an access outside every mapping. Absent or
   * undefined: nothing to report.
   */
  deviceFault?(addr: DeviceAddress, size: number, write: boolean): string | undefined;
}

export interface BusSegment {
  /** As a report names it: h (or h#2 for the second mapping assigned to h), h[k] for an entry of an sg list. */
  name: string;
  /** The mapping's id (src/kernel/dma-api.ts Mapping.id): `h`, `h#2`, ... */
  handle: string;
  entry: number;
  bus: number;
  size: number;
  live: boolean;
  /** The CPU's physical address of the segment's first byte (a bounce slot's original). */
  cpu: number;
}

/**
 * The segment a bus address names: a live one before a released one (a swiotlb slot reused by a
 * later mapping is that mapping's), the newest first among equals (mapping order). `prefer`: the
 * live segment of that name when it covers the address (the handle the value was computed from:
 * two mappings of one buffer share their bus address under dma-direct).
 */
export function segmentAt(w: World, bus: Value, size = 1, prefer?: string): BusSegment | undefined {
  let found: BusSegment | undefined;
  for (const x of w.busSegments()) {
    if (bus < BigInt(x.bus) || bus + BigInt(size) > BigInt(x.bus + x.size)) continue;
    if (x.live && x.name === prefer) return x;
    if (!found || x.live || !found.live) found = x;
  }
  return found;
}

/** The live mapping a device access to a computed bus address falls in, as mapping id + offset. */
export function resolveBus(w: World, bus: Value, size: number, prefer?: string): { handle: string; entry: number; off: number } | undefined {
  const s = segmentAt(w, bus, size, prefer);
  return s?.live ? { handle: s.handle, entry: s.entry, off: Number(bus - BigInt(s.bus)) } : undefined;
}

/** Does a live mapping cover the whole access? If not, the device wrote or read memory it was not given. */
export function coveredByLiveMapping(w: World, bus: Value, size: number): boolean {
  return resolveBus(w, bus, size) !== undefined;
}

/** The CPU's physical address of the bytes a device address reaches: a bounce slot's original, else itself. */
export function cpuAddressOf(w: World, addr: number): number {
  const s = segmentAt(w, BigInt(addr));
  return s ? s.cpu + (addr - s.bus) : addr;
}
