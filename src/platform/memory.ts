// Physical memory at the Point of Coherency: sparse, byte addressed, zero unless written.
// Searches clone a memory at every branch and fingerprint every state, so chunks are shared
// copy-on-write between clones and the fingerprint is a hash kept up to date chunk by chunk:
// a clone costs nothing until it writes (then one map entry per chunk), a fingerprint only the
// chunks written since the last.

import { copyOfBytes, zeroedBytes } from './bytes.js';

const CHUNK = 256; // ≥ the largest modelled line, so a line never straddles two chunks
const SMALL = 16; // below this a byte loop beats allocating a subarray

/**
 * A chunk's bytes, and its hash as part of the memory fingerprint (key and bytes), valid while it
 * is not stale. Written in place only by the memory whose epoch it carries (it made or copied it).
 */
interface Chunk { readonly bytes: Uint8Array; lo: number; hi: number; readonly epoch: object }

export class Memory {
  private chunks: Map<number, Chunk>;
  /** The chunk table itself is shared with a clone (most steps write no memory): copied at the first write. */
  private sharedTable = false;
  /** Chunks carrying this are this memory's alone: written in place. Any other is copied before a write. A clone gives both memories new epochs. */
  private epoch: object = {};
  /** XOR of the hashes of every chunk not stale: a 64-bit fingerprint in two halves. */
  private lo = 0;
  private hi = 0;
  /** Chunks written since the last fingerprint: left out of lo/hi until it is taken. Made at the first write. */
  private stale: Set<number> | undefined;
  /** The last fingerprint, while no chunk was written since. */
  private print: string | undefined;

  /** from: a memory to clone (clone()), whose chunks are shared copy-on-write. */
  constructor(from?: Memory) {
    if (!from) {
      this.chunks = new Map();
      return;
    }
    this.chunks = from.chunks;
    this.sharedTable = from.sharedTable = true;
    this.lo = from.lo;
    this.hi = from.hi;
    if (from.stale?.size) this.stale = new Set(from.stale);
    this.print = from.print;
    from.epoch = {}; // shared from now on: both sides copy before writing
  }

  /** For reading (create false) or for writing (create true: the chunk is this memory's own). */
  private chunk(addr: number, create: boolean): Uint8Array | undefined {
    const key = Math.floor(addr / CHUNK);
    let c = this.chunks.get(key);
    if (!create) return c?.bytes;
    this.willWrite(key, c);
    if (c?.epoch !== this.epoch) {
      c = { bytes: c ? copyOfBytes(c.bytes) : zeroedBytes(CHUNK), lo: 0, hi: 0, epoch: this.epoch };
      this.chunks.set(key, c);
    }
    return c.bytes;
  }

  /** Chunk `key` (now c) is about to change: this memory's own table, and the chunk left out of the hash until the next fingerprint. */
  private willWrite(key: number, c: Chunk | undefined): void {
    if (this.sharedTable) {
      this.chunks = new Map(this.chunks);
      this.sharedTable = false;
    }
    const stale = (this.stale ??= new Set());
    if (!stale.has(key)) {
      if (c) this.toggle(c);
      stale.add(key);
      this.print = undefined;
    }
  }

  private toggle(h: { readonly lo: number; readonly hi: number }): void {
    this.lo ^= h.lo;
    this.hi ^= h.hi;
  }

  readByte(addr: number): number {
    return this.chunk(addr, false)?.[addr % CHUNK] ?? 0;
  }

  writeByte(addr: number, value: number): void {
    this.chunk(addr, true)![addr % CHUNK] = value;
  }

  /** Copy [addr, addr+out.length) into out. Chunk by chunk: this is the model's hottest loop. */
  read(addr: number, out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; ) {
      const a = addr + i, at = a % CHUNK, n = Math.min(CHUNK - at, out.length - i);
      const c = this.chunk(a, false);
      if (!c) out.fill(0, i, i + n);
      else if (n <= SMALL) for (let k = 0; k < n; k++) out[i + k] = c[at + k];
      else out.set(c.subarray(at, at + n), i);
      i += n;
    }
    return out;
  }

  write(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = addr + i, at = a % CHUNK, n = Math.min(CHUNK - at, bytes.length - i);
      const c = this.chunk(a, true)!;
      if (n <= SMALL) for (let k = 0; k < n; k++) c[at + k] = bytes[i + k];
      else c.set(bytes.subarray(i, i + n), at);
      i += n;
    }
  }

  /** A whole chunk filled (dma_alloc_coherent zeroing a page, a buffer's initial bytes) is one shared array of that byte: no allocation, nothing copied. */
  fill(addr: number, size: number, byte: number): void {
    for (let i = 0; i < size; ) {
      const a = addr + i, at = a % CHUNK, n = Math.min(CHUNK - at, size - i);
      if (n === CHUNK) {
        const key = a / CHUNK;
        this.willWrite(key, this.chunks.get(key));
        this.chunks.set(key, { bytes: uniform(byte), lo: 0, hi: 0, epoch: NOBODY });
      } else this.chunk(a, true)!.fill(byte, at, at + n);
      i += n;
    }
  }

  clone(): Memory {
    return new Memory(this);
  }

  /**
   * The contents as a 64-bit hash, for visited-state sets: two different memories share it with
   * odds of about 2^-64. A chunk never written and one written with zeroes hash differently: that
   * costs a little merging in a search, never a wrong merge.
   */
  fingerprint(): string {
    if (this.print !== undefined) return this.print;
    if (this.stale) {
      for (const key of this.stale) {
        const c = this.chunks.get(key)!;
        hashKeyed(key, c.bytes, c);
        this.toggle(c);
      }
      this.stale.clear();
    }
    return (this.print = `${(this.lo >>> 0).toString(36)}.${(this.hi >>> 0).toString(36)}.${this.chunks.size}`);
  }
}

/** The owner of the shared uniform chunks: no memory, so every memory copies one before writing it. */
const NOBODY = {};
const uniforms: Uint8Array[] = [];

/** A chunk of `byte` repeated, shared: never written (its owner is NOBODY). */
function uniform(byte: number): Uint8Array {
  const b = byte & 0xff;
  return (uniforms[b] ??= new Uint8Array(CHUNK).fill(b));
}

/**
 * Two 32-bit FNV-1a style hashes of a key (a chunk's index, a cache line's address and dirty bit:
 * any safe integer) and bytes, each finished by murmur3's fmix32, into `out`. XORed over the parts
 * of a whole (memory's chunks, a cache's lines), two different wholes share the sum with odds of
 * about 2^-64.
 */
export function hashKeyed(key: number, bytes: Uint8Array, out: { lo: number; hi: number }): void {
  const low = key | 0, high = Math.floor(key / 2 ** 32) | 0; // (0 for a chunk index)
  let h1 = 0x811c9dc5 ^ low ^ Math.imul(high, 0x27d4eb2f), h2 = Math.imul(low, 0x9e3779b1) ^ 0x01000193 ^ high;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
    h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995) ^ (h2 >>> 15);
  }
  out.lo = fmix32(h1);
  out.hi = fmix32(h2 ^ low);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
