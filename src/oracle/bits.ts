// A set of resources (lines, handles, registers, ...) as bits (footprints.ts numbers them).

/** A set of resources as bits. */
export type Bits = Uint32Array;

export function intersects(a: Bits, b: Bits): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] & b[i]) return true;
  return false;
}
