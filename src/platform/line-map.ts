// One cache level's lines, by address. Searches copy a cache at every branch and fingerprint every
// state, and a driver can hold thousands of lines (dma-iommu zeroes an untrusted device's bounce
// slot padding through the cache: 1,024 lines for one map under a 64 KiB IOVA granule), so the
// map is kept as memory's chunks are (memory.ts): lines grouped by 4 KiB page, the groups shared
// copy-on-write between copies, and the fingerprint a hash kept up to date line by line — a copy
// costs one entry per page, a fingerprint only the lines changed since the last.

import { hashKeyed } from './memory.js';

export interface Line { data: Uint8Array; dirty: boolean }

/** A line as kept here: its hash (address, dirty bit, bytes), valid while it is not stale. */
interface Hashed extends Line { lo?: number; hi?: number }

/** The lines of one page, written in place only by the map whose epoch it carries. */
interface Group { readonly lines: Map<number, Hashed>; readonly epoch: object }

const PAGE = 4096;

export class LineMap {
  private groups: Map<number, Group>;
  /** The group table itself is shared with a copy: copied at the first change. */
  private sharedTable = false;
  /** Groups carrying this are this map's alone; a copy gives both maps new epochs. */
  private epoch: object = {};
  private count = 0;
  /** Hashes are kept from the first fingerprint on: a run that never asks for one (a replay) pays nothing. */
  private hashing = false;
  /** XOR of the hashes of every line not stale: a 64-bit fingerprint in two halves. */
  private lo = 0;
  private hi = 0;
  /** Lines set, deleted or about to change since the last fingerprint: left out of lo/hi. Made at the first change. */
  private stale: Set<number> | undefined;
  /** The group last looked up (a search's accesses stay on a few pages), while it is the table's. */
  private lastKey = -1;
  private last: Group | undefined;

  /** from: a map to copy, sharing its groups and lines. */
  constructor(from?: LineMap) {
    if (!from) {
      this.groups = new Map();
      return;
    }
    this.groups = from.groups;
    this.sharedTable = from.sharedTable = true;
    this.count = from.count;
    this.hashing = from.hashing;
    this.lo = from.lo;
    this.hi = from.hi;
    if (from.stale?.size) this.stale = new Set(from.stale);
    from.epoch = {};
  }

  get size(): number {
    return this.count;
  }

  get(line: number): Line | undefined {
    return this.find(line);
  }

  has(line: number): boolean {
    return this.get(line) !== undefined;
  }

  set(line: number, l: Line): void {
    const lines = this.own(line);
    const old = lines.get(line);
    if (!old) this.count++;
    if (this.hashing) {
      if (old) this.leaveOut(line, old);
      (this.stale ??= new Set()).add(line);
    }
    lines.set(line, l);
  }

  delete(line: number): void {
    const old = this.find(line);
    if (!old) return;
    if (this.hashing) {
      this.leaveOut(line, old);
      this.stale?.delete(line);
    }
    this.count--;
    const key = Math.floor(line / PAGE);
    const lines = this.own(line);
    lines.delete(line);
    if (!lines.size) {
      this.groups.delete(key);
      this.lastKey = -1;
    }
  }

  /** The line's bytes or dirty bit are about to change in place (`held`: the line, when the caller has it): its hash is worked out again at the next fingerprint. */
  touch(line: number, held?: Line): void {
    if (!this.hashing) return;
    const l = held ?? this.find(line);
    if (l) this.leaveOut(line, l);
    (this.stale ??= new Set()).add(line);
  }

  *[Symbol.iterator](): IterableIterator<[number, Line]> {
    for (const g of this.groups.values()) yield* g.lines;
  }

  /** The lines whose dirty bit is clear. */
  clean(): number[] {
    const out: number[] = [];
    for (const g of this.groups.values()) for (const [line, l] of g.lines) if (!l.dirty) out.push(line);
    return out;
  }

  /** Every line's address, dirty bit and bytes hashed, the hashes XORed, and the count. */
  fingerprint(): string {
    if (!this.hashing) {
      this.hashing = true;
      this.stale = new Set([...this].map(([line]) => line));
    }
    if (this.stale?.size) {
      for (const line of this.stale) {
        const l = this.find(line);
        if (!l) continue;
        hashKeyed(line * 2 + (l.dirty ? 1 : 0), l.data, l as Required<Hashed>);
        this.toggle(l);
      }
      this.stale.clear();
    }
    return `${(this.lo >>> 0).toString(36)}.${(this.hi >>> 0).toString(36)}.${this.count}`;
  }

  private find(line: number): Hashed | undefined {
    const key = Math.floor(line / PAGE);
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.last = this.groups.get(key);
    }
    return this.last?.lines.get(line);
  }

  /** A line's hash leaves lo/hi (it is in there unless stale). */
  private leaveOut(line: number, l: Hashed): void {
    if (!this.stale?.has(line)) this.toggle(l);
  }

  private toggle(l: Hashed): void {
    this.lo ^= l.lo!;
    this.hi ^= l.hi!;
  }

  /** The group of `line`, this map's own (copied first when shared), made when absent. */
  private own(line: number): Map<number, Hashed> {
    const key = Math.floor(line / PAGE);
    if (key === this.lastKey && this.last?.epoch === this.epoch && !this.sharedTable) return this.last.lines;
    if (this.sharedTable) {
      this.groups = new Map(this.groups);
      this.sharedTable = false;
    }
    const g = this.groups.get(key);
    this.lastKey = key;
    if (g?.epoch === this.epoch) return (this.last = g).lines;
    const mine: Group = { lines: new Map(g?.lines), epoch: this.epoch };
    this.groups.set(key, mine);
    this.last = mine;
    return mine.lines;
  }
}
