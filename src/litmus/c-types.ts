// C types as a driver declares its descriptors, laid out as arm64 Linux (LP64, AAPCS64) lays them
// out: every scalar aligned to its size, a struct aligned to its most aligned member and padded to
// a multiple of that, `__packed` (__attribute__((packed))) dropping both; pointers, long and
// dma_addr_t are 8 bytes. The format keeps no types in a Program: a struct access becomes an
// access at its byte offset, so the types live only while a file is read.

export type CType =
  /** A scalar: `be` for __be16/32/64, whose bytes are big-endian in memory. */
  | { k: 'int'; size: number; name: string; be?: boolean; signed?: boolean }
  | { k: 'ptr'; to: CType }
  | { k: 'array'; of: CType; count: number }
  | { k: 'struct'; name: string; size: number; align: number; fields: Map<string, Field> };

export interface Field { off: number; type: CType }

/** Scalar type names: the kernel's (u8, __le16, dma_addr_t, ...) and C's (unsigned int, ...). */
const SCALARS: Record<string, { size: number; be?: boolean; signed?: boolean }> = {
  u8: { size: 1 }, u16: { size: 2 }, u32: { size: 4 }, u64: { size: 8 },
  __u8: { size: 1 }, __u16: { size: 2 }, __u32: { size: 4 }, __u64: { size: 8 },
  s8: { size: 1, signed: true }, s16: { size: 2, signed: true }, s32: { size: 4, signed: true }, s64: { size: 8, signed: true },
  __s8: { size: 1, signed: true }, __s16: { size: 2, signed: true }, __s32: { size: 4, signed: true }, __s64: { size: 8, signed: true },
  __le16: { size: 2 }, __le32: { size: 4 }, __le64: { size: 8 },
  __be16: { size: 2, be: true }, __be32: { size: 4, be: true }, __be64: { size: 8, be: true },
  dma_addr_t: { size: 8 }, phys_addr_t: { size: 8 }, size_t: { size: 8 }, ssize_t: { size: 8, signed: true },
  bool: { size: 1 }, char: { size: 1, signed: true }, short: { size: 2, signed: true }, int: { size: 4, signed: true }, long: { size: 8, signed: true },
  uint8_t: { size: 1 }, uint16_t: { size: 2 }, uint32_t: { size: 4 }, uint64_t: { size: 8 },
};

/** Words that may start a C type (a declaration), besides `struct`. */
export const TYPE_WORDS: ReadonlySet<string> = new Set([...Object.keys(SCALARS), 'unsigned', 'signed', 'const', 'volatile', 'void']);

export function scalarType(name: string): CType | undefined {
  const s = SCALARS[name];
  return s ? { k: 'int', name, size: s.size, ...(s.be ? { be: true } : {}), ...(s.signed ? { signed: true } : {}) } : undefined;
}

/** `unsigned`, `unsigned char`, `unsigned long long`, ...: C's spelled-out integer types. */
export function spelledInt(words: string[]): CType | undefined {
  const signed = !words.includes('unsigned');
  const rest = words.filter((w) => w !== 'unsigned' && w !== 'signed' && w !== 'int');
  const longs = rest.filter((w) => w === 'long').length;
  let size = 4;
  if (rest.length === 0) size = 4;
  else if (rest.length === 1 && rest[0] === 'char') size = 1;
  else if (rest.length === 1 && rest[0] === 'short') size = 2;
  else if (longs === rest.length && longs <= 2) size = 8;
  else return undefined;
  return { k: 'int', name: words.join(' '), size, ...(signed ? { signed: true } : {}) };
}

export function sizeOf(t: CType): number {
  switch (t.k) {
    case 'int': return t.size;
    case 'ptr': return 8;
    case 'array': return t.count * sizeOf(t.of);
    case 'struct': return t.size;
  }
}

export function alignOf(t: CType): number {
  switch (t.k) {
    case 'int': return t.size;
    case 'ptr': return 8;
    case 'array': return alignOf(t.of);
    case 'struct': return t.align;
  }
}

/**
 * Alignments the kernel's macros give (arm64): ____cacheline_aligned is
 * __attribute__((__aligned__(SMP_CACHE_BYTES))) and SMP_CACHE_BYTES is L1_CACHE_BYTES, 64
 * (include/linux/cache.h, arch/arm64/include/asm/cache.h: L1_CACHE_SHIFT 6); ARCH_DMA_MINALIGN is
 * 128 (the same header: "some Qualcomm Kryo cores with an L2 cache with 128-byte lines").
 */
export const KERNEL_ALIGNMENTS: Readonly<Record<string, number>> = {
  ARCH_DMA_MINALIGN: 128, SMP_CACHE_BYTES: 64, L1_CACHE_BYTES: 64,
};

/** A struct member: `aligned` is an __aligned(N) / ____cacheline_aligned written on it. */
export interface Member { name: string; type: CType; aligned?: number }

/**
 * Lay out a struct's members in order: natural alignment and tail padding unless packed. A
 * member's own alignment attribute raises its alignment (and the struct's), packed or not, as
 * GCC's aligned attribute does.
 */
export function layoutStruct(name: string, members: Member[], packed: boolean, aligned?: number): CType & { k: 'struct' } {
  const fields = new Map<string, Field>();
  let off = 0;
  let align = 1;
  for (const m of members) {
    const a = Math.max(packed ? 1 : alignOf(m.type), m.aligned ?? 1);
    off = roundUp(off, a);
    fields.set(m.name, { off, type: m.type });
    off += sizeOf(m.type);
    align = Math.max(align, a);
  }
  if (aligned) align = Math.max(align, aligned);
  return { k: 'struct', name, size: roundUp(off, align), align, fields };
}

const roundUp = (n: number, a: number) => Math.ceil(n / a) * a;

export function typeText(t: CType): string {
  switch (t.k) {
    case 'int': return t.name;
    case 'ptr': return `${typeText(t.to)} *`;
    case 'array': return `${typeText(t.of)}[${t.count}]`;
    case 'struct': return `struct ${t.name}`;
  }
}
