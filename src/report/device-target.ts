// Where a device access went, in kernel words, as the hardware resolved its bus address at that
// moment: through the SMMU's page table (or a lazy unmap's stale IOTLB entry), through the
// dma-ranges window, into a bounce slot, or nowhere (a fault). src/report/cause.ts tells the story.

import type { Compiled } from '../exec/compile.js';
import { hex } from '../exec/values.js';
import type { Arm64World } from '../arm64/arm64-world.js';
import type { TraceEffect } from '../exec/trace.js';
import { dmaToPhys, dmaWindow } from '../kernel/dma-ranges.js';
import { Swiotlb } from '../kernel/swiotlb.js';

/**
 * The physical address a device read of `size` bytes at bus address `addr` reached, as the hardware resolved it
 * just before the read (`before`): through the SMMU's page table or a lazy unmap's stale IOTLB
 * entry, or through the dma-ranges window; or the fault that terminated it.
 */
export function deviceReadTarget(c: Compiled, before: Arm64World, addr: number, size: number): { phys: number } | { fault: string } | undefined {
  const iommu = before.kernel.iommu;
  if (iommu) {
    const t = iommu.translate(addr, size, false);
    return 'fault' in t ? { fault: t.fault } : { phys: t.phys };
  }
  const fault = before.deviceFault(addr, size, false);
  if (fault) return { fault };
  const phys = dmaToPhys(c.platform, addr);
  return phys === undefined ? undefined : { phys };
}

/**
 * Where a device write that left the read bytes untouched went, in kernel words: dropped (an
 * arm-smmu-v3 fault, outside the dma-ranges window, outside the restricted DMA pool), or taken to
 * other memory — a bounce slot (which kind: swiotlb, the restricted-dma-pool, dma-iommu's), the
 * memory an IOVA the lazy flush queue still holds reaches, or RAM a bus address reaches through
 * the dma-ranges window. `before`: the world just before the write, whose SMMU and mappings
 * resolve its address. undefined: nothing known about it.
 */
export function whereWriteWent(c: Compiled, effects: readonly TraceEffect[], before: Arm64World): { dropped?: boolean; slot?: boolean; text: string; short: string } | undefined {
  const fault = effects.find((e): e is Extract<TraceEffect, { kind: 'fault' }> => e.kind === 'fault');
  if (fault) {
    const reason = fault.text.replace(/: the write is dropped$/, '');
    if (c.platform.iommu !== 'none') return { dropped: true, text: `the SMMU terminated it: ${reason}`, short: `the SMMU terminated it (${reason.replace(/\): .*$/, ')')})` };
    const short = /dma-ranges/.test(reason) ? `bus address outside the dma-ranges window` : `outside the restricted DMA pool (the memory firewall blocks it)`;
    return { dropped: true, text: reason, short };
  }
  const access = effects.find((e): e is Extract<TraceEffect, { kind: 'device-access' }> => e.kind === 'device-access' && e.write);
  if (!access) return undefined;
  if (typeof access.addr !== 'number') return { dropped: true, text: 'the device was handed DMA_MAPPING_ERROR (the map failed), and a write there goes nowhere', short: 'DMA_MAPPING_ERROR, nowhere' };
  const bus = access.addr;
  const p = c.platform;
  let phys: number | undefined;
  let stale = false;
  const iommu = before.kernel.iommu;
  if (iommu) {
    const t = iommu.translate(bus, 1, true);
    if ('fault' in t) return undefined;
    ({ phys, stale } = t);
  } else phys = dmaToPhys(p, bus);
  if (phys === undefined) return undefined;
  const at = hex(phys);
  const viaStale = stale ? `IOVA ${hex(bus)}, which dma_unmap_*() left in the SMMU's lazy flush queue (iommu.strict=0): the stale IOTLB entry took the write to ${at}` : '';
  if (Swiotlb.contains(phys)) {
    const slot = p.restrictedPool
      ? `the restricted-dma-pool bounce slot at ${at} (every map of this device bounces through its own pool, rmem_swiotlb_device_init())`
      : iommu && p.untrusted
        ? `dma-iommu's swiotlb bounce slot at ${at} (the device is untrusted: iommu_dma_map_page() bounces what does not fill its IOVA granule)`
        : iommu
          ? `dma-iommu's swiotlb bounce slot at ${at} (a small kmalloc buffer, dma_kmalloc_needs_bounce())`
          : `the swiotlb bounce slot at ${at}`;
    if (stale) {
      // swiotlb hands a released slot out again at once: whose is it now?
      const owner = [...before.kernel.all.values()].find((m) => !m.released && m.segments.some((g) => g.bounced && phys! >= g.phys && phys! < g.phys + g.size));
      const whose = owner ? `, the bounce slot that mapping \`${owner.handle}\` now holds` : ', the bounce slot of the unmapped buffer';
      return { text: `${viaStale}${whose}`, short: `a stale IOVA still in the SMMU's lazy flush queue (iommu.strict=0)` };
    }
    return { slot: true, text: slot, short: slot.replace(/ at 0x[0-9a-f]+ \(.*\)$/, '').replace(/ at 0x[0-9a-f]+$/, '') };
  }
  if (stale) return { text: viaStale, short: `a stale IOVA still in the SMMU's lazy flush queue (iommu.strict=0)` };
  const w = dmaWindow(p);
  if (!iommu && w && w.bus !== 0) return { text: `bus address ${hex(bus)} is RAM ${at} through the dma-ranges window (phys_to_dma() adds ${hex(w.bus)})`, short: `RAM ${at} through the dma-ranges window` };
  if (iommu) return { text: `IOVA ${hex(bus)} translates to ${at}, other memory`, short: `${at}, where IOVA ${hex(bus)} translates` };
  // dma-direct: the device dropped address bits, or was given an unrelated page
  const segments = [...before.kernel.all.values()].flatMap((m) => m.segments.map((g) => ({ m, g })));
  const limit = 2 ** p.deviceAddressBits;
  const cut = p.deviceAddressBits < 64 ? segments.find(({ g }) => g.bus >= limit && bus >= g.bus % limit && bus < (g.bus % limit) + g.size) : undefined;
  if (cut) return { text: `the device drives only ${p.deviceAddressBits} address bits: it dropped the high bits of ${hex(cut.g.bus + (bus - (cut.g.bus % limit)))} and wrote ${at}, other memory`, short: `${at}: the device drives only ${p.deviceAddressBits} address bits` };
  const wrong = segments.find(({ m, g }) => m.wrongPage && phys! >= g.phys && phys! < g.phys + g.size);
  if (wrong) return { text: `it wrote ${at}, the unrelated page dma_map_*() mapped for the vmalloc buffer (virt_to_page() of a vmalloc address names some other page)`, short: `${at}, the page virt_to_page() named for the vmalloc buffer` };
  return { text: `it wrote ${at}, other memory`, short: `${at}, other memory` };
}
