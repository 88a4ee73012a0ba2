// Placement candidates (`fuzz FILES`): each buffer the fuzzer re-placed goes back to where the
// allocator puts it, or else keeps its place without the neighbour objects the fuzzer added
// around it. One pass, in the order the buffers were placed.

import type { BufferPlacement, Placement } from '../kernel/placement.js';
import type { Candidate } from './shrink.js';

interface At {
  /** The placement as the pass found it: its entries are matched by identity. */
  entries: readonly BufferPlacement[];
  next: number;
}

export function* placementCandidates(placement: Placement, context: unknown): Generator<Candidate<Placement>> {
  const at = (context as At | undefined) ?? { entries: [...placement], next: 0 };
  for (let k = at.next; k < at.entries.length; k++) {
    const entry = at.entries[k];
    const resume: At = { entries: at.entries, next: k + 1 };
    yield { value: placement.filter((x) => x !== entry), context: resume };
    if (entry.neighbours) yield { value: placement.map((x) => (x === entry ? { ...x, neighbours: false } : x)), context: resume };
  }
}
