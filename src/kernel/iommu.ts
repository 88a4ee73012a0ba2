// The SMMU behind dma-iommu: the device's page table (IOVA → physical, per IOVA granule, with
// read/write permission), the IOTLB entries a lazy unmap leaves behind, and the IOVA allocator
// with its per-size cache (drivers/iommu/iova.c) and flush queue (drivers/iommu/dma-iommu.c).
// A device access that no translation covers is an arm-smmu-v3 fault event.

/** IOMMU_READ / IOMMU_WRITE of one granule: dma_info_to_prot() (drivers/iommu/dma-iommu.c). */
interface Pte {
  /** Physical address of the granule's first byte. */
  phys: number;
  read: boolean;
  write: boolean;
}

/** Where a device access goes through the SMMU: a physical address, or a fault event's text. */
export type Translated = { phys: number; stale: boolean } | { fault: string };

/**
 * The SMMU's input address size: iommu_dma_alloc_iova() clamps the DMA limit to
 * domain->geometry.aperture_end, (1 << ias) - 1 for arm-smmu-v3 (48-bit IAS here).
 */
const APERTURE_END = 2 ** 48 - 1;

/** iova.c: sizes below 2^(IOVA_RANGE_CACHE_MAX_SIZE - 1) granules are cached on free and rounded up to a power of two. */
const IOVA_RANGE_CACHE_MAX_SIZE = 6;

const hex = (n: number) => '0x' + n.toString(16);

export class Iommu {
  /** The page table, by IOVA granule number (iommu_map / iommu_unmap_fast). */
  private readonly pte = new Map<number, Pte>();
  /** Unmapped granules whose IOTLB entries the lazy mode has not invalidated yet. */
  private readonly stale = new Map<number, Pte>();
  /** Allocated IOVA ranges [pfn, pfn + len): the iova rbtree (entries in the rcache stay allocated). */
  private readonly allocated: { pfn: number; len: number }[] = [];
  /** iova_rcache: freed ranges by length, last freed first (iova_magazine_push / _pop). */
  private readonly rcache = new Map<number, number[]>();
  /** The flush queue: ranges unmapped but not yet invalidated nor freed (queue_iova). */
  private readonly queue: { pfn: number; len: number }[] = [];
  /** Set by a tracer: the IOMMU's own actions. */
  onNote?: (text: string) => void;

  constructor(
    readonly mode: 'strict' | 'lazy',
    readonly granule: number,
  ) {}

  copy(): Iommu {
    const c = new Iommu(this.mode, this.granule);
    for (const [k, v] of this.pte) c.pte.set(k, v);
    for (const [k, v] of this.stale) c.stale.set(k, v);
    c.allocated.push(...this.allocated);
    for (const [k, v] of this.rcache) c.rcache.set(k, [...v]);
    c.queue.push(...this.queue);
    return c;
  }

  fingerprint(): string {
    const ptes = (m: Map<number, Pte>) => [...m].map(([k, p]) => `${k}:${p.phys}${p.read ? 'r' : ''}${p.write ? 'w' : ''}`).join(',');
    return `${ptes(this.pte)}|${ptes(this.stale)}|${this.allocated.map((a) => `${a.pfn}+${a.len}`).join(',')}|${[...this.rcache].map(([k, v]) => `${k}:${v.join('.')}`).join(',')}`;
  }

  /** iova_offset(): the offset of an address within its granule. */
  offset(addr: number): number {
    return addr % this.granule;
  }

  /** iova_align(): a size rounded up to whole granules. */
  align(size: number): number {
    return Math.ceil(size / this.granule) * this.granule;
  }

  /**
   * __iommu_dma_map(): allocate an IOVA range for the granules holding [phys, phys + size) and map
   * them all — the granule's other bytes too — returning the IOVA of `phys`; undefined when the
   * IOVA space below `limit` is exhausted (DMA_MAPPING_ERROR).
   */
  map(phys: number, size: number, prot: { read: boolean; write: boolean }, limit: number): number | undefined {
    const off = this.offset(phys);
    const base = this.mapRuns([{ phys: phys - off, size: this.align(size + off) }], prot, limit);
    return base === undefined ? undefined : base + off;
  }

  /**
   * One IOVA range for granule-aligned physical runs laid out one after another (iommu_map_sg()
   * of the list iommu_dma_map_sg() prepared): the IOVA of the first run's first byte.
   */
  mapRuns(runs: { phys: number; size: number }[], prot: { read: boolean; write: boolean }, limit: number): number | undefined {
    const len = runs.reduce((n, r) => n + r.size, 0) / this.granule;
    const pfn = this.allocIova(len, Math.floor((Math.min(limit, APERTURE_END) + 1) / this.granule) - 1);
    if (pfn === undefined) return undefined;
    let g = pfn;
    for (const r of runs) for (let at = 0; at < r.size; at += this.granule) this.pte.set(g++, { phys: r.phys + at, ...prot });
    return pfn * this.granule;
  }

  /**
   * __iommu_dma_unmap(): clear the page-table entries of the granules holding [iova, iova + size),
   * then in strict mode invalidate the IOTLB (iommu_iotlb_sync) and free the IOVA at once
   * (free_iova_fast); in lazy mode queue both (queue_iova): the old translations stay usable by
   * the device until the flush queue is flushed (fq_flush_timeout(), every 10 ms, or a full queue).
   */
  unmap(iova: number, size: number): void {
    const off = this.offset(iova);
    const first = (iova - off) / this.granule;
    const len = this.align(size + off) / this.granule;
    for (let i = first; i < first + len; i++) {
      const p = this.pte.get(i);
      this.pte.delete(i);
      if (p && this.mode === 'lazy') this.stale.set(i, p);
    }
    if (this.mode === 'strict') this.freeIova(first);
    else {
      this.queue.push({ pfn: first, len });
      this.onNote?.(`IOVA ${hex(first * this.granule)}..${hex((first + len) * this.granule - 1)} queued for the IOTLB flush (iommu.strict=0): the device can still reach it`);
    }
  }

  /**
   * fq_flush_timeout() → fq_flush_iotlb() + fq_ring_free(): invalidate the IOTLB and free every
   * queued IOVA. A test never waits for the 10 ms timer: the model flushes only when asked (tests).
   */
  flush(): void {
    this.stale.clear();
    for (const q of this.queue.splice(0)) this.freeIova(q.pfn);
  }

  /** iommu_iova_to_phys(): the page table only (no stale IOTLB entry); undefined when unmapped. */
  iovaToPhys(iova: number): number | undefined {
    const p = this.pte.get(Math.floor(iova / this.granule));
    return p ? p.phys + this.offset(iova) : undefined;
  }

  /**
   * A device access of `size` bytes at `iova` through the SMMU, every granule it touches: the
   * physical address of its first byte, or the arm-smmu-v3 event (F_TRANSLATION: no entry,
   * F_PERMISSION: a write to a DMA_TO_DEVICE mapping, a read of a DMA_FROM_DEVICE one). `stale`:
   * only a lazy unmap's leftover IOTLB entry translates it.
   */
  translate(iova: number, size: number, write: boolean): Translated {
    let stale = false;
    let phys: number | undefined;
    for (let g = Math.floor(iova / this.granule); g * this.granule < iova + size; g++) {
      let p = this.pte.get(g);
      if (!p && (p = this.stale.get(g))) stale = true;
      const at = hex(Math.max(iova, g * this.granule));
      if (!p) return { fault: `arm-smmu-v3 event 0x10 (F_TRANSLATION): ${write ? 'write' : 'read'} of IOVA ${at}, which no mapping translates` };
      if (write ? !p.write : !p.read) return { fault: `arm-smmu-v3 event 0x13 (F_PERMISSION): ${write ? 'write to' : 'read of'} IOVA ${at}, mapped ${p.write ? 'write-only (DMA_FROM_DEVICE)' : 'read-only (DMA_TO_DEVICE)'}` };
      // Contiguous in IOVA need not be contiguous in memory: a crossing access is split by the caller.
      if (phys === undefined) phys = p.phys + this.offset(iova);
    }
    return { phys: phys!, stale };
  }

  /** The granules of [iova, iova + size) as physically contiguous runs: [iova, size] pieces a device access is split into. */
  pieces(iova: number, size: number): { iova: number; size: number }[] {
    const out: { iova: number; size: number }[] = [];
    let at = iova;
    while (at < iova + size) {
      const end = Math.min(iova + size, (Math.floor(at / this.granule) + 1) * this.granule);
      out.push({ iova: at, size: end - at });
      at = end;
    }
    return out;
  }

  /**
   * alloc_iova_fast(): a cached range of this length below the limit (iova_rcache_get, last freed
   * first), else the highest free range below the limit aligned to its power-of-two size
   * (alloc_iova(..., size_aligned = true), top down).
   */
  private allocIova(len: number, limitPfn: number): number | undefined {
    if (len < 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1)) len = 2 ** Math.ceil(Math.log2(len)); // iommu_dma_alloc_iova(): roundup_pow_of_two
    const cached = this.rcache.get(len);
    if (cached) {
      for (let i = cached.length - 1; i >= 0; i--) {
        if (cached[i] + len - 1 > limitPfn) continue;
        const [pfn] = cached.splice(i, 1);
        return pfn;
      }
    }
    const align = 2 ** Math.ceil(Math.log2(len));
    let top = limitPfn + 1;
    for (;;) {
      const pfn = Math.floor((top - len) / align) * align;
      if (pfn < 1) return undefined; // iommu_dma_init_domain(): base_pfn is at least 1 (IOVA 0 stays invalid)
      const clash = this.allocated.find((a) => a.pfn < pfn + len && pfn < a.pfn + a.len);
      if (!clash) {
        this.allocated.push({ pfn, len });
        return pfn;
      }
      top = clash.pfn;
    }
  }

  /** free_iova_fast(): into the rcache for small ranges (still allocated in the tree), else back to the tree. */
  private freeIova(pfn: number): void {
    const i = this.allocated.findIndex((a) => a.pfn === pfn);
    if (i < 0) return;
    const { len } = this.allocated[i];
    if (len < 1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1)) this.rcache.set(len, [...(this.rcache.get(len) ?? []), pfn]);
    else this.allocated.splice(i, 1);
  }
}
