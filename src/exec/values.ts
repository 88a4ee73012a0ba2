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

export function formatValue(bytes: Uint8Array): string {
  if (bytes.length <= 8) {
    let s = '';
    for (let i = bytes.length - 1; i >= 0; i--) s += bytes[i].toString(16).padStart(2, '0');
    return '0x' + s;
  }
  return '[' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') + ']';
}

export function valueEquals(bytes: Uint8Array, value: number): boolean {
  const want = encodeValue(value, bytes.length);
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== want[i]) return false;
  return true;
}

export function hex(n: number): string {
  return '0x' + n.toString(16);
}
