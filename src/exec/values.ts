// Values as the kernel sees them: a store of size ≤ 8 writes a little-endian integer; a larger
// store (memset-like) writes its low byte everywhere. Reads print as hex integers (≤ 8 bytes) or
// as a byte list, so a stale byte stands out.

export function encodeValue(value: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size > 8) return out.fill(value & 0xff);
  let v = value;
  for (let i = 0; i < size; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** Two hex digits per byte value: formatting runs once per read. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function formatValue(bytes: Uint8Array): string {
  if (bytes.length <= 8) {
    let s = '';
    for (let i = bytes.length - 1; i >= 0; i--) s += HEX[bytes[i]];
    return '0x' + s;
  }
  return '[' + Array.from(bytes, (b) => HEX[b]).join(' ') + ']';
}

export function valueEquals(bytes: Uint8Array, value: number): boolean {
  return bytesEqual(bytes, encodeValue(value, bytes.length));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function hex(n: number): string {
  return '0x' + n.toString(16);
}
