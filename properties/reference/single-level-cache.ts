// The single-level cache as it was before the second level (commit 4a798f5, src/platform/cache.ts
// and the dc dispatch of src/kernel/cache-maintenance.ts), kept as the reference implementation
// for the differential property in properties/single-level.test.ts: with DminLine = CWG the
// hierarchy must behave exactly like this. It subclasses Cache only so that the arm64 world can
// take it; every behaviour below is the old code, none is inherited.

import { copyOfBytes, zeroedBytes } from '../../src/platform/bytes.js';
import { Cache, type Line } from '../../src/platform/cache.js';
import { hashKeyed, Memory } from '../../src/platform/memory.js';

export class ReferenceCache extends Cache {
  constructor(lineBytes: number, memory: Memory) {
    super(lineBytes, memory);
  }

  override fill(line: number): Line {
    let l = this.lines.get(line);
    if (l) return l;
    l = { data: this.memory.read(line, zeroedBytes(this.lineBytes)), dirty: false };
    this.lines.set(line, l);
    this.onEvent?.({ kind: 'fill', line, level: 1 });
    return l;
  }

  override evict(line: number): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) this.refWriteBack(line, l);
    this.lines.delete(line);
    this.onEvent?.({ kind: 'evict', line, level: 1 });
  }

  override fillOuter(): undefined {
    throw new Error('the single-level cache has no L2');
  }

  override evictOuter(): void {
    throw new Error('the single-level cache has no L2');
  }

  // The old dc dispatch (cache-maintenance.ts): the op on the line holding the address.
  override cleanToPoc(addr: number): void {
    this.clean(this.lineOf(addr));
  }

  override cleanInvalidateToPoc(addr: number): void {
    this.cleanInvalidate(this.lineOf(addr));
  }

  override invalidateToPoc(addr: number, upgradeToCivac: boolean): void {
    this.invalidate(this.lineOf(addr), upgradeToCivac);
  }

  override clean(line: number): void {
    const l = this.lines.get(line);
    if (l?.dirty) this.refWriteBack(line, l);
  }

  override cleanInvalidate(line: number): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) this.refWriteBack(line, l);
    this.lines.delete(line);
    this.onEvent?.({ kind: 'invalidate', line, level: 1 });
  }

  override invalidate(line: number, upgradeToCivac: boolean): void {
    const l = this.lines.get(line);
    if (!l) return;
    if (l.dirty) {
      if (upgradeToCivac) this.refWriteBack(line, l);
      else this.onEvent?.({ kind: 'discard-dirty', line, level: 1 });
    }
    this.lines.delete(line);
    this.onEvent?.({ kind: 'invalidate', line, level: 1 });
  }

  private refWriteBack(line: number, l: Line): void {
    this.memory.write(line, l.data);
    l.dirty = false;
    this.onEvent?.({ kind: 'writeback', line, level: 1 });
  }

  override read(addr: number, out: Uint8Array): Uint8Array {
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

  override write(addr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; ) {
      const a = addr + i, at = a % this.lineBytes, n = Math.min(this.lineBytes - at, bytes.length - i);
      const l = this.fill(a - at);
      if (n <= 16) for (let k = 0; k < n; k++) l.data[at + k] = bytes[i + k];
      else l.data.set(bytes.subarray(i, i + n), at);
      l.dirty = true;
      i += n;
    }
  }

  override snoopRead(addr: number, out: Uint8Array): Uint8Array {
    return this.read(addr, out);
  }

  override snoopWrite(addr: number, bytes: Uint8Array): void {
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

  // The old Arm64World.clone and .fingerprint, cache part.
  override copyTo(memory: Memory): Cache {
    const c = new ReferenceCache(this.lineBytes, memory);
    for (const [line, l] of this.lines) c.lines.set(line, { data: copyOfBytes(l.data), dirty: l.dirty });
    return c;
  }

  // (each line's address, dirty bit and bytes, hashed and summed as Cache.fingerprint() does since
  // it stopped writing every line's bytes out: the same contents give the same text)
  override fingerprint(): string {
    let lo = 0, hi = 0;
    for (const [a, l] of this.lines) {
      const h = { lo: 0, hi: 0 };
      hashKeyed(a * 2 + (l.dirty ? 1 : 0), l.data, h);
      lo ^= h.lo;
      hi ^= h.hi;
    }
    return `${(lo >>> 0).toString(36)}.${(hi >>> 0).toString(36)}.${this.lines.size}`;
  }
}
