// Where each buffer lives in physical memory: the slab allocator's size classes and minimum
// alignment for the kernel version, page allocations, the stack, vmalloc and coherent pages.

import type { BufferDecl, Program } from '../program/types.js';
import { cacheLineSize, type Platform } from '../platform/platform.js';
import { bouncesUnalignedKmalloc } from './version.js';
import { MAX_MEMORY_BYTES } from '../program/limits.js';
import { ProgramError } from '../program/program-error.js';

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

/** Where each allocator's region ends (relative to REGION.high for linear and stack). */
const REGION_END = { linear: REGION.stack, stack: REGION.coherent, coherent: REGION.swiotlb };

const hexAddr = (n: number) => '0x' + n.toString(16);

function checkExplicitAddress(b: BufferDecl & { at: number }): void {
  if (!Number.isInteger(b.at) || b.at < 0 || b.at + b.size > MAX_PHYS_ADDR) {
    throw new ProgramError(`buffer '${b.name}' at ${hexAddr(b.at)}: physical addresses end at 2^48 (${hexAddr(MAX_PHYS_ADDR)})`);
  }
  for (const r of RESERVED) {
    if (b.at < r.hi && r.lo < b.at + b.size) {
      throw new ProgramError(`buffer '${b.name}' at ${hexAddr(b.at)} overlaps ${r.what} (${hexAddr(r.lo)}..${hexAddr(r.hi - 1)}); choose an address outside it`);
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
  let vmallocCursor = REGION.vmalloc;
  const slabs = new Map<number, { next: number; end: number }>();
  const buffers = new Map<string, PlacedBuffer>();

  const takePages = (size: number): number => {
    const at = pageCursor;
    pageCursor += alignUp(size, PAGE_SIZE);
    return at;
  };

  const place = (b: BufferDecl): number => {
    if (b.at !== undefined) {
      checkExplicitAddress({ ...b, at: b.at });
      return b.at;
    }
    const at = placeByKind(b);
    const fits = b.kind === 'kmalloc' || b.kind === 'page' ? pageCursor <= high + REGION_END.linear
      : b.kind === 'stack' ? stackCursor <= high + REGION_END.stack
        : b.kind === 'coherent' ? coherentCursor <= REGION_END.coherent : true;
    const region = b.kind === 'kmalloc' || b.kind === 'page' ? 'kmalloc and page' : b.kind;
    if (!fits) throw new ProgramError(`buffer '${b.name}' does not fit in the model's ${region} memory; declare smaller buffers (docs/litmus.md, Limits)`);
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
        return takePages(b.size);
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
        const at = alignUp(coherentCursor, order);
        coherentCursor = at + order;
        return at;
      }
    }
  };

  for (const b of program.buffers) {
    if (!Number.isInteger(b.size) || b.size <= 0) throw new ProgramError(`buffer '${b.name}' has size ${b.size}; sizes are positive integers`);
    if (buffers.has(b.name)) throw new ProgramError(`buffer '${b.name}' is declared twice`);
    if (b.in) {
      const parent = buffers.get(b.in.parent);
      if (!parent) throw new ProgramError(`buffer '${b.name}' is inside '${b.in.parent}', which is not declared before it`);
      if (b.in.offset < 0 || b.in.offset + b.size > parent.size) {
        throw new ProgramError(`field '${b.name}' (offset ${b.in.offset}, size ${b.size}) does not fit in '${parent.name}' (size ${parent.size})`);
      }
      buffers.set(b.name, { name: b.name, kind: parent.kind, addr: parent.addr + b.in.offset, size: b.size, object: parent.object });
    } else {
      buffers.set(b.name, { name: b.name, kind: b.kind, addr: place(b), size: b.size, object: b.name });
    }
  }
  return { buffers, kmallocMinAlign: minAlign };
}
