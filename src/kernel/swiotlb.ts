// swiotlb: 2 KiB IO TLB slots in low memory and the copies of kernel/dma/swiotlb.c, by version.
// Copies are memcpy through the cacheable linear map, so they read and dirty cache lines.

import type { Cache } from '../platform/cache.js';
import { zeroedBytes } from '../platform/bytes.js';
import { REGION } from './layout.js';

export const IO_TLB_SIZE = 2048;
const NSLABS = 128;
const INVALID = -1;
const RESERVED = -2;

/**
 * Where successive mappings of these sizes land when every one is bounced: first fit from the
 * start of the pool, whole slots each (mapSingle). What a search needs to know which bounce
 * lines a program can touch before running it.
 */
export function bounceSlots(sizes: readonly number[], iovaGranule?: number): { addr: number; size: number }[] {
  let slot = REGION.swiotlb;
  return sizes.map((size) => {
    // dma-iommu bounces into whole IOVA granules, granule-aligned (src/kernel/dma-iommu.ts)
    const unit = iovaGranule ?? IO_TLB_SIZE;
    const addr = Math.ceil(slot / unit) * unit;
    slot = addr + Math.ceil(size / unit) * unit;
    return { addr, size };
  });
}

/** How this kernel's swiotlb_bounce() treats a copy (src/kernel/version.ts). */
export interface SwiotlbRules {
  /** 16fc3cef33a0 until 5f89468e2f06: the in-slot offset of a partial sync is dropped on the original's side. */
  dropsSlotOffset: boolean;
  /** daf9514fd5eb (v5.12): a copy is clamped to the slot's alloc_size, with a WARN. */
  clampsToAllocSize: boolean;
}

// The slot tables of a pool nobody has mapped from: every fresh pool starts on these, shared.
const FREE_ORIG: readonly number[] = new Array<number>(NSLABS).fill(INVALID);
const FREE_ALLOC: readonly number[] = new Array<number>(NSLABS).fill(0);

export class Swiotlb {
  // A world is cloned at every step of a search and its pool rarely changes: the slot tables are
  // shared with the pool copied from (or the free tables) until one of the two writes (`own`),
  // and the fingerprint is kept until then.
  /** orig_addr of each slot, INVALID when free (mem->slots[i].orig_addr). */
  private origOf = FREE_ORIG as number[];
  /** Bytes of the mapping from the start of each slot to its end (mem->slots[i].alloc_size). */
  private allocSizeOf = FREE_ALLOC as number[];
  /** The tables are shared: copy them before a write. */
  private shared = true;
  private key: string | undefined;
  /** Set by a tracer: one line per copy. */
  onCopy?: (from: number, to: number, size: number) => void;
  /** Set by a tracer: the kernel's dev_WARN_ONCE text. */
  onWarn?: (text: string) => void;

  constructor(
    private readonly cache: Cache,
    private readonly rules: SwiotlbRules = { dropsSlotOffset: false, clampsToAllocSize: true },
  ) {}

  /** The same slots over another cache (for cloning a world). */
  copyTo(cache: Cache): Swiotlb {
    const s = new Swiotlb(cache, this.rules);
    s.origOf = this.origOf;
    s.allocSizeOf = this.allocSizeOf;
    s.key = this.key;
    this.shared = true;
    return s;
  }

  /** Which slots are taken, by which original: part of a world's state. */
  fingerprint(): string {
    return (this.key ??= `${this.origOf.join(',')};${this.allocSizeOf.join(',')}`);
  }

  /** About to write the slot tables: this pool's own copy, and a fingerprint to make again. */
  private own(): void {
    if (this.shared) {
      this.origOf = this.origOf.slice();
      this.allocSizeOf = this.allocSizeOf.slice();
      this.shared = false;
    }
    this.key = undefined;
  }

  /**
   * Slots handed out by swiotlb_alloc() (a restricted pool's dma_alloc_coherent memory): taken
   * for good, never a bounce slot.
   */
  reserve(addr: number, size: number): void {
    const first = Math.floor((addr - REGION.swiotlb) / IO_TLB_SIZE);
    for (let i = first; i < Math.min(NSLABS, first + Math.ceil(size / IO_TLB_SIZE)); i++) this.origOf[i] = RESERVED;
  }

  static contains(addr: number): boolean {
    return addr >= REGION.swiotlb && addr < REGION.swiotlb + NSLABS * IO_TLB_SIZE;
  }

  /**
   * swiotlb_tbl_map_single(): take whole slots, then copy orig → bounce when `copy` says so
   * (which directions and attributes copy depends on the version: swiotlbMapCopy()).
   */
  mapSingle(orig: number, size: number, copy: boolean, alloc?: { slots: number; alignSlots: number }): number | undefined {
    // dma-iommu asks for whole IOVA granules (alloc_size) aligned to the granule (alloc_align_mask);
    // the slots past the mapping count as its own (their alloc_size is what is left of it).
    const need = Math.max(Math.ceil(size / IO_TLB_SIZE), alloc?.slots ?? 0);
    const step = alloc?.alignSlots ?? 1;
    for (let first = 0; first + need <= NSLABS; first += step) {
      let free = true;
      for (let i = first; i < first + need; i++) if (this.origOf[i] !== INVALID) free = false;
      if (!free) continue;
      this.own();
      for (let i = 0; i < need; i++) {
        this.origOf[first + i] = orig + i * IO_TLB_SIZE;
        this.allocSizeOf[first + i] = size - i * IO_TLB_SIZE;
      }
      const tlb = REGION.swiotlb + first * IO_TLB_SIZE;
      // "copy the original buffer to the TLB buffer before initiating DMA ... even if it's garbage" (1132a1dc053e)
      if (copy) this.bounce(tlb, size, 'to-bounce');
      return tlb;
    }
    return undefined; // "swiotlb buffer is full"
  }

  /**
   * swiotlb_release_slots(): the slots forget their original. An unmap longer than the mapping
   * (a driver bug for the contract checker) releases at most the pool's slots, never beyond it.
   */
  unmap(tlb: number, size: number): void {
    const first = (tlb - REGION.swiotlb) / IO_TLB_SIZE;
    let end = Math.min(NSLABS, first + Math.ceil(size / IO_TLB_SIZE));
    // Every slot of this mapping goes, and no other (swiotlb_release_slots() frees
    // nr_slots(alloc_size) from the mapping's first slot): the slots a dma-iommu bounce took past
    // the mapping, up to its granule's end (alloc_size = iova_align(size)), too. A slot is the
    // mapping's while it continues both its original and its alloc_size; the next mapping's
    // first slot never does (its alloc_size is its own, above 0), even when its original lies
    // right after this one's (two 2 KiB kmalloc buffers side by side).
    const base = this.origOf[first];
    if (base >= 0) {
      while (end < NSLABS && this.origOf[end] === base + (end - first) * IO_TLB_SIZE && this.allocSizeOf[end] === this.allocSizeOf[first] - (end - first) * IO_TLB_SIZE) end++;
    }
    this.own();
    for (let i = first; i < end; i++) this.origOf[i] = INVALID;
  }

  /**
   * swiotlb_bounce(): copy `size` bytes between the bounce buffer at tlb and its original. A
   * freed slot has no original, and nothing is copied. From v5.12 (daf9514fd5eb) the copy is
   * clamped to what is left of the mapping; from v5.13 (5f89468e2f06) the in-slot offset moves
   * the original's side too, and an offset past the mapping copies nothing.
   */
  bounce(tlb: number, size: number, way: 'to-bounce' | 'to-orig'): void {
    const index = Math.floor((tlb - REGION.swiotlb) / IO_TLB_SIZE);
    const base = this.origOf[index];
    if (base === INVALID || base === RESERVED) return;
    const offset = (tlb - REGION.swiotlb) % IO_TLB_SIZE;
    let allocSize = this.allocSizeOf[index];
    let orig = base;
    if (!this.rules.dropsSlotOffset) {
      if (this.rules.clampsToAllocSize && offset > allocSize) {
        this.onWarn?.(`swiotlb: Buffer overflow detected. Allocation size: ${allocSize}. Mapping size: ${size}+${offset}.`);
        return;
      }
      orig += offset;
      allocSize -= offset;
    }
    if (this.rules.clampsToAllocSize && size > allocSize) {
      this.onWarn?.(`swiotlb: Buffer overflow detected. Allocation size: ${allocSize}. Mapping size: ${size}.`);
      size = allocSize;
    }
    const [from, to] = way === 'to-bounce' ? [orig, tlb] : [tlb, orig];
    this.onCopy?.(from, to, size);
    this.cache.write(to, this.cache.read(from, zeroedBytes(size)));
  }
}
