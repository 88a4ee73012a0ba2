// Finer resources than a CWG line for memory no cache ever holds (footprints.ts). A descriptor ring
// from dma_alloc_coherent() on a non-coherent device is Normal-NC: the CPU's loads and stores and
// the device's reads and writes of it go to memory, around the cache, and no fill or eviction of
// its lines is ever tried (relevant-lines.ts: they are not among the events' targets). Two such
// accesses of disjoint bytes then commute — either order leaves memory the same and reads the same
// bytes — and neither enables or disables the other, though they share a line: the device writing
// descriptor 5 and the CPU reading descriptor 2's status are independent. So such a line is
// split into atoms, the runs of bytes between the edges of the accesses that name exact bytes; an
// exact access names the atoms it meets, every other op naming the line (its allocation, an access
// of a computed length) names all of them, and still conflicts with every access of the line.
// The same holds on a dma-coherent device for every access of known bytes, cacheable or not:
// each reads and writes the bytes every reader sees, and no fill or eviction is ever tried
// (relevant-lines.ts cacheEventsInvisible).

import type { ByteRange } from '../exec/access-ranges.js';

/** Per split CWG line, the offsets (from the line's start) where its atoms begin, ascending, 0 first. */
export type Atoms = Map<number, number[]>;

/**
 * The atoms of each line that `splittable` allows and some exact access meets (each entry of
 * `exact`: the byte ranges of one access that touches memory only).
 */
export function byteAtoms(cwg: number, splittable: (line: number) => boolean, exact: readonly (readonly ByteRange[])[]): Atoms {
  const edges = new Map<number, Set<number>>();
  for (const ranges of exact) {
    for (const r of ranges) {
      for (let L = r.addr - (r.addr % cwg); L < r.addr + r.size; L += cwg) {
        if (!splittable(L)) continue;
        let e = edges.get(L);
        if (!e) edges.set(L, (e = new Set([0])));
        if (r.addr > L) e.add(r.addr - L);
        if (r.addr + r.size < L + cwg) e.add(r.addr + r.size - L);
      }
    }
  }
  const out: Atoms = new Map();
  for (const [L, e] of edges) out.set(L, [...e].sort((x, y) => x - y));
  return out;
}

export const atomKey = (line: number, start: number): string => `atom:${line}+${start}`;

/** The atoms of line L the ranges meet. */
export function atomsMet(atoms: Atoms, cwg: number, L: number, ranges: readonly ByteRange[]): string[] {
  const starts = atoms.get(L)!;
  const out: string[] = [];
  starts.forEach((s, i) => {
    const from = L + s, to = L + (starts[i + 1] ?? cwg);
    if (ranges.some((r) => r.addr < to && from < r.addr + r.size)) out.push(atomKey(L, s));
  });
  return out;
}

/** Every atom of line L. */
export function allAtoms(atoms: Atoms, L: number): string[] {
  return atoms.get(L)!.map((s) => atomKey(L, s));
}
