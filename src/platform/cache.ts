// The data caches in front of memory, up to the Point of Coherency: PIPT, write-back,
// write-allocate. The D-side is PIPT on arm64 (arch/arm64/include/asm/cache.h), so every alias of
// a physical line — linear map, bounce buffer, coherent alias — is one line.
//
// One level when CTR_EL0.DminLine = CTR_EL0.CWG: lines of that size, written back to memory.
// Two levels when CWG > DminLine (e.g. 64-byte L1 lines and a 128-byte-line L2 before PoC, the
// reason ARCH_DMA_MINALIGN is 128 on arm64): an inner level (L1) at DminLine, "the smallest cache
// line of all the data caches" (Arm ARM, CTR_EL0.DminLine), and an outer level (L2) at CWG, "the
// maximum size of memory that can be overwritten as a result of the eviction of a cache entry
// that has had a memory location in it modified" (Arm ARM, CTR_EL0.CWG). The levels are neither
// inclusive nor exclusive: each has its own fills and evictions (hardware events), and a dirty L1
// line evicted into L2 dirties its whole CWG line.

import { copyOfBytes, zeroedBytes } from './bytes.js';
import { LineMap, type Line } from './line-map.js';
import type { Memory } from './memory.js';

export type { Line };

/**
 * A line as this cache keeps it. Searches copy a cache at every branch, so copies share lines:
 * a line is written in place only by the cache whose epoch it carries (it made or copied it),
 * and never again once shared.
 */
interface Held extends Line { epoch?: object }

/** 1 = the inner level (the only one when DminLine = CWG), 2 = the outer level at CWG. */
export type CacheLevel = 1 | 2;

/** What happened to a line, for traces and explanations. */
export type CacheEventKind = 'fill' | 'evict' | 'writeback' | 'discard-dirty' | 'invalidate';
export interface CacheEvent {
  kind: CacheEventKind;
  line: number;
  level: CacheLevel;
  /** An L1 write-back that went into this L2 line, or an L1 fill that came from it (absent: memory). */
  outer?: number;
}

export class Cache {
  /** The inner level (L1), or the only level. */
  readonly lines: LineMap;
  /** The outer level (L2) at CWG, when CWG > DminLine. */
  readonly outer?: LineMap;
  /** Set by a tracer; the hot path pays one branch when it is absent. */
  onEvent?: (e: CacheEvent) => void;
  /** Lines carrying this are this cache's alone (Held); a copy gives both caches new epochs. */
  private epoch: object = {};

  /** lineBytes: DminLine; outerLineBytes: CWG (a second level only when larger). */
  /** from: a cache whose lines this one starts with, shared (copyTo). */
  constructor(readonly lineBytes: number, readonly memory: Memory, readonly outerLineBytes = lineBytes, from?: Cache) {
    this.lines = new LineMap(from?.lines);
    if (outerLineBytes > lineBytes) this.outer = new LineMap(from?.outer);
  }

  lineOf(addr: number): number {
    return addr - (addr % this.lineBytes);
  }

  outerLineOf(addr: number): number {
    return addr - (addr % this.outerLineBytes);
  }

  has(line: number, level: CacheLevel = 1): boolean {
    return (level === 1 ? this.lines : this.outer)?.has(line) ?? false;
  }

  /** A line's state for reports: 'dirty', 'clean', or undefined when not cached at that level. */
  state(line: number, level: CacheLevel = 1): 'dirty' | 'clean' | undefined {
    const l = (level === 1 ? this.lines : this.outer)?.get(line);
    return l ? (l.dirty ? 'dirty' : 'clean') : undefined;
  }

  // --- hardware events (chosen by the search and the generator) ---

  /** Install a clean copy of an L1 line (a speculative or demand fill): from L2 when it holds the line, else memory. */
  fill(line: number): Line {
    let l = this.lines.get(line);
    if (l) return l;
    const ol = this.outer?.get(this.outerLineOf(line));
    if (ol) {
      const at = line % this.outerLineBytes;
      l = { data: zeroedBytes(this.lineBytes), dirty: false, epoch: this.epoch } as Held;
      l.data.set(ol.data.subarray(at, at + this.lineBytes));
      this.lines.set(line, l);
      this.onEvent?.({ kind: 'fill', line, level: 1, outer: this.outerLineOf(line) });
      return l;
    }
    l = { data: this.memory.read(line, zeroedBytes(this.lineBytes)), dirty: false, epoch: this.epoch } as Held;
    this.lines.set(line, l);
    this.onEvent?.({ kind: 'fill', line, level: 1 });
    return l;
  }

  /** Eviction of an L1 line: a dirty one is written back whole — into L2 when there is one, which allocates. */
  evict(line: number): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) this.writeDown(line, l, true);
    this.lines.delete(line);
    this.onEvent?.({ kind: 'evict', line, level: 1 });
  }

  /** Speculative fill of an L2 line from memory. */
  fillOuter(line: number): Line | undefined {
    if (!this.outer) return undefined;
    let l = this.outer.get(line);
    if (l) return l;
    l = { data: this.memory.read(line, zeroedBytes(this.outerLineBytes)), dirty: false, epoch: this.epoch } as Held;
    this.outer.set(line, l);
    this.onEvent?.({ kind: 'fill', line, level: 2 });
    return l;
  }

  /** Eviction of an L2 line: a dirty one is written back to memory whole (all CWG bytes, CTR_EL0.CWG). */
  evictOuter(line: number): void {
    const l = this.outer?.get(line);
    if (!l) return;
    if (l.dirty) this.writeBackOuter(line, l);
    this.outer!.delete(line);
    this.onEvent?.({ kind: 'evict', line, level: 2 });
  }

  // --- dc by VA to the PoC ---
  // Arm ARM, "Data cache maintenance instructions": DC CVAC / CIVAC / IVAC by VA to the PoC act on
  // every cache before the PoC, each on its own line holding the VA (line size per level:
  // CCSIDR_EL1.LineSize). So one dc on a DminLine-aligned address also acts on the whole CWG line
  // around it at L2, and on nothing else at L1. L1 first: its dirty data passes through L2.

  /** dc cvac: every level writes a dirty line holding addr back; the lines stay, clean. */
  cleanToPoc(addr: number): void {
    if (!this.outer) return this.clean(this.lineOf(addr));
    const line = this.lineOf(addr);
    const l = this.lines.get(line);
    if (l?.dirty) this.writeDown(line, l, false);
    const ol = this.outerLineOf(addr), o = this.outer.get(ol);
    if (o?.dirty) this.writeBackOuter(ol, o);
  }

  /** dc civac: every level writes its line holding addr back if dirty, then drops it. */
  cleanInvalidateToPoc(addr: number): void {
    if (!this.outer) return this.cleanInvalidate(this.lineOf(addr));
    const line = this.lineOf(addr);
    const l = this.lines.get(line);
    if (l) {
      if (l.dirty) this.writeDown(line, l, false);
      this.lines.delete(line);
      this.onEvent?.({ kind: 'invalidate', line, level: 1 });
    }
    const ol = this.outerLineOf(addr), o = this.outer.get(ol);
    if (o) {
      if (o.dirty) this.writeBackOuter(ol, o);
      this.outer.delete(ol);
      this.onEvent?.({ kind: 'invalidate', line: ol, level: 2 });
    }
  }

  /**
   * dc ivac: every level drops its line holding addr; a dirty one is discarded — at L2 with the
   * whole CWG line, other L1 lines' evicted data included — or written back if the core upgrades
   * IVAC to CIVAC.
   */
  invalidateToPoc(addr: number, upgradeToCivac: boolean): void {
    if (!this.outer) return this.invalidate(this.lineOf(addr), upgradeToCivac);
    if (upgradeToCivac) return this.cleanInvalidateToPoc(addr);
    const line = this.lineOf(addr);
    if (this.lines.has(line)) {
      if (this.lines.get(line)!.dirty) this.onEvent?.({ kind: 'discard-dirty', line, level: 1 });
      this.lines.delete(line);
      this.onEvent?.({ kind: 'invalidate', line, level: 1 });
    }
    const ol = this.outerLineOf(addr);
    if (this.outer.has(ol)) {
      if (this.outer.get(ol)!.dirty) this.onEvent?.({ kind: 'discard-dirty', line: ol, level: 2 });
      this.outer.delete(ol);
      this.onEvent?.({ kind: 'invalidate', line: ol, level: 2 });
    }
  }

  // --- the single level's own line operations (also what dc does there) ---

  /** dc cvac on the only level: write a dirty line back; the line stays, clean. */
  clean(line: number): void {
    const l = this.lines.get(line);
    if (l?.dirty) this.writeBack(line, l);
  }

  /** dc civac on the only level: write back if dirty, then drop. */
  cleanInvalidate(line: number): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) this.writeBack(line, l);
    this.lines.delete(line);
    this.onEvent?.({ kind: 'invalidate', line, level: 1 });
  }

  /** dc ivac on the only level: drop the line; a dirty one is discarded, or written back if the core upgrades IVAC to CIVAC. */
  invalidate(line: number, upgradeToCivac: boolean): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) {
      if (upgradeToCivac) this.writeBack(line, l);
      else this.onEvent?.({ kind: 'discard-dirty', line, level: 1 });
    }
    this.lines.delete(line);
    this.onEvent?.({ kind: 'invalidate', line, level: 1 });
  }

  /** An L1 line's write-back: to memory with one level; else into L2 (allocating it on an eviction, dirtying the whole CWG line). */
  private writeDown(line: number, l: Line, allocate: boolean): void {
    if (!this.outer) return this.writeBack(line, l);
    const ol = this.outerLineOf(line);
    const found = this.outer.get(ol) ?? (allocate ? this.fillOuter(ol) : undefined);
    if (!found) return this.writeBack(line, l); // maintenance to PoC: straight through an absent L2 line
    const o = this.mine(this.outer, ol, found);
    o.data.set(l.data, line - ol);
    o.dirty = true;
    this.cleaned(this.lines, line, l);
    this.onEvent?.({ kind: 'writeback', line, level: 1, outer: ol });
  }

  private writeBack(line: number, l: Line): void {
    this.memory.write(line, l.data);
    this.cleaned(this.lines, line, l);
    this.onEvent?.({ kind: 'writeback', line, level: 1 });
  }

  private writeBackOuter(line: number, l: Line): void {
    this.memory.write(line, l.data);
    this.cleaned(this.outer!, line, l);
    this.onEvent?.({ kind: 'writeback', line, level: 2 });
  }

  /** The line to write in place: this cache's own, copied first when it is shared. */
  /** The line to write in place: this cache's own, copied first when it is shared. The caller changes it. */
  private mine(lines: LineMap, line: number, l: Held): Line {
    if (l.epoch === this.epoch) {
      lines.touch(line, l);
      return l;
    }
    const own: Held = { data: copyOfBytes(l.data), dirty: l.dirty, epoch: this.epoch };
    lines.set(line, own);
    return own;
  }

  /** The line is clean now: in place when it is this cache's own, else a new line over the same (shared) bytes. */
  private cleaned(lines: LineMap, line: number, l: Held): void {
    if (l.epoch === this.epoch) {
      lines.touch(line, l);
      l.dirty = false;
    } else lines.set(line, { data: l.data, dirty: false });
  }

  // --- accesses ---

  /** A load through a cacheable mapping: L1 hits, then L2 hits, then memory (fills are separate events). */
  read(addr: number, out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, out.length - i);
      const l = this.lines.get(a - at);
      if (!l) {
        const o = this.outer?.get(this.outerLineOf(a));
        if (o) {
          const oat = a % this.outerLineBytes;
          out.set(o.data.subarray(oat, oat + n), i);
        } else if (n === out.length) this.memory.read(a, out);
        else this.memory.read(a, out.subarray(i, i + n));
      } else if (n <= 16) for (let k = 0; k < n; k++) out[i + k] = l.data[at + k];
      else out.set(l.data.subarray(at, at + n), i);
      i += n;
    }
    return out;
  }

  /** A store through a cacheable mapping: write-allocate, so the whole L1 line is filled and becomes dirty. */
  write(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, bytes.length - i);
      const l = this.mine(this.lines, a - at, this.fill(a - at));
      if (n <= 16) for (let k = 0; k < n; k++) l.data[at + k] = bytes[i + k];
      else l.data.set(bytes.subarray(i, i + n), at);
      l.dirty = true;
      i += n;
    }
  }

  /**
   * A snooping (coherent) device read sees both levels: an L1 copy, clean or dirty, answers first
   * (an L1-dirty line is the newest copy of its bytes), then L2, then memory.
   */
  snoopRead(addr: number, out: Uint8Array): Uint8Array {
    return this.read(addr, out);
  }

  /**
   * A snooping device write. Every present copy of the bytes, at either level, takes the data and
   * becomes dirty (the data lives in the cache, as with a snooped write that hits; the rest of an
   * L1-dirty line keeps the CPU's bytes): an invalidate then loses it — Robin Murphy's "coherent
   * hardware declared non-coherent" failure. Bytes cached nowhere: memory is written.
   */
  snoopWrite(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, bytes.length - i);
      const held = this.lines.get(a - at);
      const ol = this.outerLineOf(a), heldOuter = this.outer?.get(ol);
      const l = held && this.mine(this.lines, a - at, held);
      const o = heldOuter && this.mine(this.outer!, ol, heldOuter);
      if (l) {
        l.data.set(bytes.subarray(i, i + n), at);
        l.dirty = true;
      }
      if (o) {
        o.data.set(bytes.subarray(i, i + n), a % this.outerLineBytes);
        o.dirty = true;
      }
      if (!l && !o) this.memory.write(a, bytes.subarray(i, i + n));
      i += n;
    }
  }

  // --- copies, for searches that branch ---

  /** The same cache contents over another memory: the lines are shared until either cache writes one. */
  copyTo(memory: Memory): Cache {
    const c = new Cache(this.lineBytes, memory, this.outerLineBytes, this);
    this.epoch = {}; // shared from now on: both sides copy a line before writing it
    return c;
  }

  /**
   * Each level's lines, as memory's chunks are (memory.ts): every line's address, dirty bit and
   * bytes hashed, the hashes XORed, and the count (line-map.ts keeps them up to date).
   */
  fingerprint(): string {
    return this.outer ? `${this.lines.fingerprint()}~${this.outer.fingerprint()}` : this.lines.fingerprint();
  }
}
