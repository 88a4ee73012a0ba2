// One PIPT write-back, write-allocate data cache in front of memory, modelled at the granule of
// the largest line before PoC (CTR_EL0.CWG). A smaller DminLine only changes how the kernel's
// maintenance loops step and detect partial lines (src/kernel/cache-maintenance.ts); the data a
// line holds and writes back is always the whole CWG line, which is what makes CWG > DminLine
// dangerous. The D-side is PIPT on arm64 (arch/arm64/include/asm/cache.h), so every alias of a
// physical line — linear map, bounce buffer, coherent alias — is this one line.

import { zeroedBytes } from './bytes.js';
import { Memory } from './memory.js';

export interface Line { data: Uint8Array; dirty: boolean }

/** What happened to a line, for traces and explanations. */
export type CacheEventKind = 'fill' | 'evict' | 'writeback' | 'discard-dirty' | 'invalidate';
export interface CacheEvent { kind: CacheEventKind; line: number }

export class Cache {
  readonly lines = new Map<number, Line>();
  /** Set by a tracer; the hot path pays one branch when it is absent. */
  onEvent?: (e: CacheEvent) => void;

  constructor(readonly lineBytes: number, readonly memory: Memory) {}

  lineOf(addr: number): number {
    return addr - (addr % this.lineBytes);
  }

  /** Install a clean copy of the line from memory (a speculative or demand fill). */
  fill(line: number): Line {
    let l = this.lines.get(line);
    if (l) return l;
    l = { data: this.memory.read(line, zeroedBytes(this.lineBytes)), dirty: false };
    this.lines.set(line, l);
    this.onEvent?.({ kind: 'fill', line });
    return l;
  }

  /** Eviction: a dirty line is written back whole; either way it leaves the cache. */
  evict(line: number): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) this.writeBack(line, l);
    this.lines.delete(line);
    this.onEvent?.({ kind: 'evict', line });
  }

  /** dc cvac: write a dirty line back; the line stays, clean. */
  clean(line: number): void {
    const l = this.lines.get(line);
    if (l?.dirty) this.writeBack(line, l);
  }

  /** dc civac: write back if dirty, then drop. */
  cleanInvalidate(line: number): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) this.writeBack(line, l);
    this.lines.delete(line);
    this.onEvent?.({ kind: 'invalidate', line });
  }

  /** dc ivac: drop the line; a dirty one is discarded, or written back if the core upgrades IVAC to CIVAC. */
  invalidate(line: number, upgradeToCivac: boolean): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) {
      if (upgradeToCivac) this.writeBack(line, l);
      else this.onEvent?.({ kind: 'discard-dirty', line });
    }
    this.lines.delete(line);
    this.onEvent?.({ kind: 'invalidate', line });
  }

  private writeBack(line: number, l: Line): void {
    this.memory.write(line, l.data);
    l.dirty = false;
    this.onEvent?.({ kind: 'writeback', line });
  }

  /** A load through a cacheable mapping: hits read the line, misses read memory (fills are separate events). */
  read(addr: number, out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, out.length - i);
      const l = this.lines.get(a - at);
      if (!l) {
        if (n === out.length) this.memory.read(a, out);
        else this.memory.read(a, out.subarray(i, i + n));
      } else if (n <= 16) for (let k = 0; k < n; k++) out[i + k] = l.data[at + k];
      else out.set(l.data.subarray(at, at + n), i);
      i += n;
    }
    return out;
  }

  /** A store through a cacheable mapping: write-allocate, so the whole line is filled and becomes dirty. */
  write(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, bytes.length - i);
      const l = this.fill(a - at);
      if (n <= 16) for (let k = 0; k < n; k++) l.data[at + k] = bytes[i + k];
      else l.data.set(bytes.subarray(i, i + n), at);
      l.dirty = true;
      i += n;
    }
  }

  /** A snooping (coherent) device read: a cached copy, clean or dirty, answers instead of memory. */
  snoopRead(addr: number, out: Uint8Array): Uint8Array {
    return this.read(addr, out);
  }

  /**
   * A snooping device write. A present line takes the data and becomes dirty (the data lives in
   * the cache, as with a snooped write that hits): an invalidate then loses it — Robin Murphy's
   * "coherent hardware declared non-coherent" failure. Absent lines: memory is written.
   */
  snoopWrite(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, bytes.length - i);
      const l = this.lines.get(a - at);
      if (l) {
        l.data.set(bytes.subarray(i, i + n), at);
        l.dirty = true;
      } else {
        this.memory.write(a, bytes.subarray(i, i + n));
      }
      i += n;
    }
  }
}
