// A device tree `dma-ranges` window: the device sees RAM [0, size) at bus addresses
// [bus, bus + size), e.g. the Raspberry Pi 4's legacy peripherals, which reach the first GiB
// at bus 0xc0000000 (`dma-ranges = <0xc0000000 0x0 0x0 0x40000000>`). The conversions of
// include/linux/dma-direct.h, by version.

import type { Platform } from '../platform/platform.js';
import { atLeast } from './version.js';

/** The platform's window, or undefined without `dma-ranges` (bus address = physical address). */
export function dmaWindow(p: Platform): { bus: number; size: number } | undefined {
  return p.dmaRangesSize > 0 ? { bus: p.dmaRangesBus, size: p.dmaRangesSize } : undefined;
}

/**
 * phys_to_dma(): translate_phys_to_dma() from v5.10 (the DMA range map): a physical address
 * outside every range has no bus address (DMA_MAPPING_ERROR, so dma_capable() fails: undefined
 * here). Before, __phys_to_dma() only subtracted dev->dma_pfn_offset: the address is offset
 * whatever it is, and only the bus limit stops it.
 */
export function physToDma(p: Platform, phys: number): number | undefined {
  const w = dmaWindow(p);
  if (!w) return phys;
  if (atLeast(p.version, 5, 10) && !(phys >= 0 && phys < w.size)) return undefined;
  return w.bus + phys;
}

/**
 * dev->bus_dma_limit, which dma_capable() takes with the mask (min_not_zero): the last bus
 * address of the window (of_dma_configure()). Before v5.5 it was dev->bus_dma_mask, the window's
 * end rounded up to a power of two ("dma-mapping: treat dev->bus_dma_mask as a DMA limit",
 * a7ba70f1787f). bus_dma_mask itself came with v4.19 (6c2fb2ea7636): before, the window only set
 * the initial dma_mask, which the driver's dma_set_mask() replaced, so makePlatform() refuses a
 * window on 4.9 and 4.14. Infinity: no limit.
 */
export function busDmaLimit(p: Platform): number {
  const w = dmaWindow(p);
  if (!w) return Infinity;
  const end = w.bus + w.size - 1;
  return atLeast(p.version, 5, 5) ? end : 2 ** Math.ceil(Math.log2(end + 1)) - 1;
}

/**
 * Where a bus address the device drives lands in RAM (the interconnect's side of dma_to_phys()):
 * undefined outside the window, where no memory answers.
 */
export function dmaToPhys(p: Platform, bus: number): number | undefined {
  const w = dmaWindow(p);
  if (!w) return bus;
  return bus >= w.bus && bus < w.bus + w.size ? bus - w.bus : undefined;
}
