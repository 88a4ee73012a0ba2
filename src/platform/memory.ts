// Physical memory at the Point of Coherency: sparse, byte addressed, zero unless written.

import { copyOfBytes, zeroedBytes } from './bytes.js';

const CHUNK = 256; // ≥ the largest modelled line, so a line never straddles two chunks
const SMALL = 16; // below this a byte loop beats allocating a subarray

export class Memory {
  private chunks = new Map<number, Uint8Array>();

  private chunk(addr: number, create: boolean): Uint8Array | undefined {
    const key = Math.floor(addr / CHUNK);
    let c = this.chunks.get(key);
    if (!c && create) {
      c = zeroedBytes(CHUNK);
      this.chunks.set(key, c);
    }
    return c;
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

  fill(addr: number, size: number, byte: number): void {
    for (let i = 0; i < size; ) {
      const a = addr + i, at = a % CHUNK, n = Math.min(CHUNK - at, size - i);
      this.chunk(a, true)!.fill(byte, at, at + n);
      i += n;
    }
  }

  clone(): Memory {
    const m = new Memory();
    for (const [k, c] of this.chunks) m.chunks.set(k, copyOfBytes(c));
    return m;
  }

  /** A canonical text of the contents, for visited-state sets. */
  fingerprint(): string {
    const keys = [...this.chunks.keys()].sort((a, b) => a - b);
    return keys.map((k) => `${k}:${Buffer.from(this.chunks.get(k)!).toString('base64')}`).join('|');
  }
}
