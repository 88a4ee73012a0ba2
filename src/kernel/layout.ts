// Where each buffer lives in physical memory: the slab allocator's size classes and minimum
// alignment for the kernel version, page allocations, the stack, vmalloc and coherent pages.

import type { BufferDecl, CpuOp, DeviceOp, Program } from '../program/types.js';
import { cacheLineSize, type Platform } from '../platform/platform.js';
import { atLeast, bouncesUnalignedKmalloc, hasDmaAllocNoncoherent, iommuBouncesUntrusted, stableUnknown, versionText, vmallocMapSingleUnmodelled } from './version.js';
import { MAX_MEMORY_BYTES } from '../program/limits.js';
import { opSite, ProgramError } from '../program/program-error.js';
import { PlatformError } from '../platform/platform-error.js';

export const PAGE_SIZE = 4096;
export const ARCH_DMA_MINALIGN = 128;
export const ARCH_KMALLOC_MINALIGN = 8;

/** Physical address map (all below 4 GiB unless highRam). */
export const REGION = {
  linear: 0x1000, // kmalloc slabs and page allocations
  stack: 0x8_0000, // the kernel stack region
  coherent: 0x10_0000, // dma_alloc_coherent pages
  swiotlb: 0x20_0000, // IO TLB slots
  vmalloc: 0x30_0000, // vmalloc backing pages (not in the linear map)
  high: 0x1_0000_0000, // added to linear and stack addresses when the platform has RAM above 4 GiB
};

/**
 * What virt_to_page() makes of a vmalloc address before the vmalloc check (kernels up to 5.3:
 * arch/arm64/include/asm/memory.h, SPARSEMEM_VMEMMAP, no DEBUG_VIRTUAL): it masks off
 * PAGE_OFFSET, `(kaddr & ~PAGE_OFFSET) / PAGE_SIZE`, as if the address were in the linear map.
 * The vmalloc area then began at VA_START + MODULES_VSIZE (128 MiB, without KASAN), so an
 * address `off` bytes into it names the page at PHYS_OFFSET + 128 MiB + off: unrelated RAM.
 * The model starts RAM at 0 and puts vmalloc buffers at the start of the vmalloc area, in
 * declaration order, and the (CONFIG_VMAP_STACK) task stack 16 MiB into it.
 */
export const VIRT_TO_PAGE_OF_VMALLOC = 0x0800_0000;
export const VMAP_STACK_OFFSET = 0x100_0000;

/** The model's physical addresses stop at 2^48 (ARMv8.0's largest PARange without LPA). */
export const MAX_PHYS_ADDR = 2 ** 48;

/**
 * Pools the model hands out behind the program's back: a buffer placed `at` one of them would
 * alias dma_alloc_coherent pages, swiotlb slots or vmalloc backing pages.
 */
const RESERVED = [
  { what: 'the dma_alloc_coherent pool', lo: REGION.coherent, hi: REGION.swiotlb },
  { what: 'the swiotlb pool', lo: REGION.swiotlb, hi: REGION.vmalloc },
  { what: 'the vmalloc area', lo: REGION.vmalloc, hi: REGION.vmalloc + MAX_MEMORY_BYTES },
];

/** The swiotlb pool's size (src/kernel/swiotlb.ts: 128 slots of 2 KiB), and the part a restricted pool keeps for bounces. */
export const SWIOTLB_POOL_BYTES = 128 * 2048;
const RESTRICTED_BOUNCE_ROOM = 64 * 1024;

/** Where each allocator's region ends (relative to REGION.high for linear and stack). */
const REGION_END = { linear: REGION.stack, stack: REGION.coherent, coherent: REGION.swiotlb };

const hexAddr = (n: number) => '0x' + n.toString(16);

function checkExplicitAddress(b: BufferDecl & { at: number }): void {
  if (!Number.isInteger(b.at) || b.at < 0 || b.at + b.size > MAX_PHYS_ADDR) {
    throw new ProgramError(`buffer '${b.name}' at ${hexAddr(b.at)}: physical addresses end at 2^48 (${hexAddr(MAX_PHYS_ADDR)})`, { kind: 'buffer', buffer: b.name });
  }
  for (const r of RESERVED) {
    if (b.at < r.hi && r.lo < b.at + b.size) {
      throw new ProgramError(`buffer '${b.name}' at ${hexAddr(b.at)} overlaps ${r.what} (${hexAddr(r.lo)}..${hexAddr(r.hi - 1)}); choose an address outside it`, { kind: 'buffer', buffer: b.name });
    }
  }
}

export interface PlacedBuffer {
  name: string;
  kind: BufferDecl['kind'];
  addr: number;
  size: number;
  /** The top-level object (the struct) this buffer is part of. */
  object: string;
  /**
   * vmalloc memory (a vmalloc buffer, or the stack with vmapStack): the physical address
   * virt_to_page() computes for its first byte (VIRT_TO_PAGE_OF_VMALLOC).
   */
  virtToPage?: number;
}

export interface Layout {
  buffers: Map<string, PlacedBuffer>;
  kmallocMinAlign: number;
}

/** __kmalloc_minalign() (mm/slab_common.c): 8 from v6.5 when swiotlb exists, else the DMA alignment. */
export function kmallocMinAlign(p: Platform): number {
  if (bouncesUnalignedKmalloc(p.version)) return p.swiotlb !== 'absent' ? ARCH_KMALLOC_MINALIGN : cacheLineSize(p);
  return ARCH_DMA_MINALIGN; // before v6.5 ARCH_KMALLOC_MINALIGN defaulted to ARCH_DMA_MINALIGN
}

const KMALLOC_CLASSES = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/** kmalloc_size_roundup(): the slab size class (classes not a multiple of minalign do not exist). */
export function kmallocSizeRoundup(size: number, minAlign: number): number {
  for (const c of KMALLOC_CLASSES) if (c >= size && c % minAlign === 0) return c;
  let pages = PAGE_SIZE;
  while (pages < size) pages *= 2;
  return pages;
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

export function layoutProgram(program: Program, p: Platform): Layout {
  const minAlign = kmallocMinAlign(p);
  const high = p.highRam ? REGION.high : 0;
  let pageCursor = high + REGION.linear;
  let stackCursor = high + REGION.stack;
  let coherentCursor = REGION.coherent;
  let restrictedCursor = REGION.swiotlb + SWIOTLB_POOL_BYTES;
  let vmallocCursor = REGION.vmalloc;
  const stackBase = high + REGION.stack;
  const slabs = new Map<number, { next: number; end: number }>();
  const buffers = new Map<string, PlacedBuffer>();

  const takePages = (size: number): number => {
    const at = pageCursor;
    pageCursor += alignUp(size, PAGE_SIZE);
    return at;
  };
  // dma_alloc_noncoherent() gets pages the device can reach: __dma_direct_alloc_pages() takes them
  // from a zone below the coherent DMA mask (dma_direct_optimal_gfp_mask()) and retries lower until
  // dma_coherent_ok() (the mask and the bus limit of dma-ranges). Low memory, whatever highRam.
  const reachable = noncoherentAllocations(program);
  let lowPageCursor = REGION.linear;
  const takeLowPages = (size: number): number => {
    const at = lowPageCursor;
    lowPageCursor += alignUp(size, PAGE_SIZE);
    return at;
  };

  const place = (b: BufferDecl): number => {
    if (b.at !== undefined) {
      checkExplicitAddress({ ...b, at: b.at });
      return b.at;
    }
    const at = placeByKind(b);
    const fits = b.kind === 'page' && high && reachable.has(b.name) ? lowPageCursor <= REGION_END.linear
      : b.kind === 'kmalloc' || b.kind === 'page' ? pageCursor <= high + REGION_END.linear
      : b.kind === 'stack' ? stackCursor <= high + REGION_END.stack
        : b.kind === 'coherent' ? coherentCursor <= REGION_END.coherent : true;
    const region = b.kind === 'kmalloc' || b.kind === 'page' ? 'kmalloc and page' : b.kind;
    if (!fits) throw new ProgramError(`buffer '${b.name}' does not fit in the model's ${region} memory; declare smaller buffers (docs/litmus.md, Limits)`, { kind: 'buffer', buffer: b.name });
    return at;
  };

  const placeByKind = (b: BufferDecl): number => {
    switch (b.kind) {
      case 'kmalloc': {
        const cls = kmallocSizeRoundup(b.size, minAlign);
        if (cls >= PAGE_SIZE) return takePages(cls);
        let slab = slabs.get(cls);
        if (!slab || slab.next + cls > slab.end) {
          const page = takePages(PAGE_SIZE);
          slab = { next: page, end: page + PAGE_SIZE };
          slabs.set(cls, slab);
        }
        const at = slab.next;
        slab.next += cls;
        return at;
      }
      case 'page':
        return high && reachable.has(b.name) ? takeLowPages(b.size) : takePages(b.size);
      case 'stack': {
        const at = alignUp(stackCursor, 8);
        stackCursor = at + b.size;
        return at;
      }
      case 'vmalloc': {
        const at = vmallocCursor;
        vmallocCursor += alignUp(b.size, PAGE_SIZE);
        return at;
      }
      case 'coherent': {
        // aligned to the smallest page order ≥ size (dma-api-howto)
        let order = PAGE_SIZE;
        while (order < b.size) order *= 2;
        if (p.restrictedPool) {
          // swiotlb_alloc() from the device's restricted pool (dma_direct_alloc_swiotlb): the
          // model takes it from the pool's top, leaving the bottom to streaming bounces (bounceSlots)
          restrictedCursor = Math.floor((restrictedCursor - order) / order) * order;
          if (restrictedCursor < REGION.swiotlb + RESTRICTED_BOUNCE_ROOM) throw new ProgramError(`buffer '${b.name}' does not fit in the model's restricted DMA pool beside its bounce slots; declare smaller coherent buffers`);
          return restrictedCursor;
        }
        const at = alignUp(coherentCursor, order);
        coherentCursor = at + order;
        return at;
      }
    }
  };

  for (const b of program.buffers) {
    if (!Number.isInteger(b.size) || b.size <= 0) throw new ProgramError(`buffer '${b.name}' has size ${b.size}; sizes are positive integers`, { kind: 'buffer', buffer: b.name });
    if (buffers.has(b.name)) throw new ProgramError(`buffer '${b.name}' is declared twice`, { kind: 'buffer', buffer: b.name });
    if (b.in) {
      const parent = buffers.get(b.in.parent);
      if (!parent) throw new ProgramError(`buffer '${b.name}' is inside '${b.in.parent}', which is not declared before it`, { kind: 'buffer', buffer: b.name });
      if (b.in.offset < 0 || b.in.offset + b.size > parent.size) {
        throw new ProgramError(`field '${b.name}' (offset ${b.in.offset}, size ${b.size}) does not fit in '${parent.name}' (size ${parent.size})`, { kind: 'buffer', buffer: b.name });
      }
      buffers.set(b.name, { name: b.name, kind: parent.kind, addr: parent.addr + b.in.offset, size: b.size, object: parent.object });
      if (parent.virtToPage !== undefined) buffers.get(b.name)!.virtToPage = parent.virtToPage + b.in.offset;
    } else {
      const addr = place(b);
      const placed: PlacedBuffer = { name: b.name, kind: b.kind, addr, size: b.size, object: b.name };
      if (b.kind === 'vmalloc') placed.virtToPage = VIRT_TO_PAGE_OF_VMALLOC + (addr - REGION.vmalloc);
      if (b.kind === 'stack' && p.vmapStack) placed.virtToPage = VIRT_TO_PAGE_OF_VMALLOC + VMAP_STACK_OFFSET + (addr - stackBase);
      buffers.set(b.name, placed);
    }
  }
  refuseUnmodelled(program, buffers, p);
  return { buffers, kmallocMinAlign: minAlign };
}

/**
 * Programs the model cannot represent on this kernel (src/kernel/version.ts): a scatterlist entry
 * of vmalloc memory from 5.4 on; vmalloc memory handed to dma_map_single() on 5.4.0–5.4.7; on a
 * stable release whose swiotlb backports are unknown, a program that can bounce.
 */
function refuseUnmodelled(program: Program, buffers: Map<string, PlacedBuffer>, p: Platform): void {
  const vmapped = (name: string) => buffers.get(name)?.virtToPage !== undefined;
  for (const a of program.actors) {
    if (a.kind !== 'cpu') continue;
    a.ops.forEach((op, i) => {
      const sgEntry = op.op === 'dma_map_sg' && atLeast(p.version, 5, 4) ? op.entries.find((e) => vmapped(e.buf)) : undefined;
      if (sgEntry) {
        const hint = buffers.get(sgEntry.buf)!.kind === 'stack' ? ', or vmapStack = false' : '';
        throw new ProgramError(`sg_set_buf() of vmalloc memory ('${sgEntry.buf}') is not modelled from 5.4 on: virt_to_page() names no RAM page there (14c127c957c1), and dma_map_sg() has no vmalloc check; use a kmalloc or page buffer${hint}`, opSite(a.name, i, 'dma_map_sg'));
      }
      if (op.op === 'dma_map' && op.alloc === 'noncoherent' && !hasDmaAllocNoncoherent(p.version)) {
        throw new PlatformError('kernel', `kernel ${versionText(p.version)}: dma_alloc_noncoherent(dev, size, &handle, dir, gfp) arrived in v5.10 ("dma-mapping: add a new dma_alloc_noncoherent API"); before, the call had no direction and was dma_alloc_attrs(DMA_ATTR_NON_CONSISTENT). Use dma_alloc_coherent(), or kernel = 5.10 or later`, opSite(a.name, i, 'dma_alloc_noncoherent'));
      }
      if (op.op === 'dma_map' && op.alloc === 'noncoherent' && p.restrictedPool) {
        throw new PlatformError('restrictedPool', 'dma_alloc_noncoherent() from a restricted DMA pool (restrictedPool = true) is not modelled; use dma_alloc_coherent(), or restrictedPool = false', opSite(a.name, i, 'dma_alloc_noncoherent'));
      }
      if (op.op === 'dma_map' && op.api === 'single' && vmapped(op.buf) && vmallocMapSingleUnmodelled(p.version)) {
        throw new PlatformError('kernel', `kernel ${versionText(p.version)}: dma_map_single() of vmalloc memory ('${op.buf}') is not modelled on 5.4.0–5.4.7 (virt_to_page() names no RAM page there); use 5.4.8 or later, or 5.3`, opSite(a.name, i, 'dma_map_single'));
      }
    });
  }
  const reason = stableUnknown(p.version, (p.swiotlb !== 'absent' || p.restrictedPool) && mayBounce(program, buffers, p));
  if (reason) throw new PlatformError('kernel', reason);
}

/**
 * Whether a mapping of this program can go through swiotlb: forced, or some buffer lies above
 * the smallest DMA mask the program can have (the default DMA_BIT_MASK(32) or a dma_set_mask()).
 */
function mayBounce(program: Program, buffers: Map<string, PlacedBuffer>, p: Platform): boolean {
  if (p.swiotlb === 'force' || p.restrictedPool || p.dmaRangesSize > 0) return true; // (a window: conservatively, any map may bounce)
  if (p.iommu !== 'none' && p.untrusted && iommuBouncesUntrusted(p.version)) return true; // dma-iommu bounces an untrusted device's unaligned maps
  let mask = 2 ** 32 - 1;
  for (const a of program.actors) {
    if (a.kind !== 'cpu') continue;
    for (const op of a.ops) if (op.op === 'dma_set_mask') mask = Math.min(mask, 2 ** op.bits - 1);
  }
  for (const b of buffers.values()) if (b.kind !== 'coherent' && Math.max(b.addr, b.virtToPage ?? 0) + b.size - 1 > mask) return true;
  return false;
}

/** The buffers a dma_alloc_noncoherent() of the program allocates (in any branch or loop). */
function noncoherentAllocations(program: Program): Set<string> {
  const out = new Set<string>();
  const walk = (ops: readonly (CpuOp | DeviceOp)[]) => {
    for (const op of ops) {
      if (op.op === 'dma_map' && op.alloc === 'noncoherent') out.add(op.buf);
      const o = op as { then?: (CpuOp | DeviceOp)[]; else?: (CpuOp | DeviceOp)[]; body?: (CpuOp | DeviceOp)[] };
      for (const inner of [o.then, o.else, o.body]) if (inner) walk(inner);
    }
  };
  for (const a of program.actors) walk(a.ops);
  return out;
}
