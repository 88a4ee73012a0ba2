// Values as the kernel sees them: a store of size ≤ 8 writes a little-endian integer; a larger
// store (memset-like) writes its low byte everywhere. Reads print as hex integers (≤ 8 bytes) or
// as a byte list, so a stale byte stands out. Values are exact u64s (bigint); compile() has
// checked each fits its access, and each op is encoded once per compiled program.

import type { Value } from '../program/types.js';

export function encodeValue(value: Value, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size > 8) return out.fill(Number(value & 0xffn));
  let v = value;
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** `{v0, v1, ...}`: consecutive little-endian u64s filling `size` bytes (compile() checks the count). */
/** memset(p, byte, n) with n ≤ 8 is a store of n copies of the byte; wider, the byte fills it (encodeValue). */
export function memsetValue(byte: Value, size: number): Value {
  if (size > 8) return byte;
  let v = 0n;
  for (let k = 0; k < size; k++) v = (v << 8n) | byte;
  return v;
}

export function encodeValues(values: readonly Value[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  values.forEach((v, k) => out.set(encodeValue(v, 8), 8 * k));
  return out;
}

/** The little-endian number in the first 8 bytes: what a register holds after the read. */
export function decodeValue(bytes: Uint8Array): Value {
  let v = 0n;
  for (let i = Math.min(bytes.length, 8) - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** The largest value an access of `size` bytes holds: a memset (size > 8) stores one byte. */
export function maxValue(size: number): Value {
  return size > 8 ? 0xffn : (1n << BigInt(8 * size)) - 1n;
}

/** MMIO registers are 32 bits wide: writel/readl (and wait_doorbell, set_reg) move a u32. */
export const REGISTER_BYTES = 4;

/**
 * Why a value cannot be what an access of `size` bytes stores or compares (undefined when it
 * fits). C would truncate `*(u32 *)p = 1ULL << 32`, and memset() converts its int to unsigned
 * char, so a wider value in a test is a mistake in the test, not a value the hardware sees.
 */
export function valueProblem(value: Value, size: number, register = false): string | undefined {
  if (typeof value !== 'bigint') return `value ${String(value)} is not a u64 (bigint)`;
  if (value < 0n) return `value ${valueText(value)} is negative`;
  const max = maxValue(size);
  if (value <= max) return undefined;
  const what = register ? 'a 32-bit MMIO register' : size > 8 ? 'a memset byte' : `a ${size * 8}-bit access`;
  return `value ${valueText(value)} does not fit in ${what} (at most ${valueText(max)})`;
}

/** A value as a driver writes it: 1, 9, 0x5a, 0x8000000000000000. */
export function valueText(v: Value): string {
  return v < 10n && v >= 0n ? v.toString() : v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16);
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

export function valueEquals(bytes: Uint8Array, value: Value): boolean {
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

/** Bytes [lo, lo + size) as a report names them: `0x1040..0x107f`, or `0x1042` for one byte. */
export function byteRange(lo: number, size: number): string {
  return size === 1 ? hex(lo) : `${hex(lo)}..${hex(lo + size - 1)}`;
}
