// Partial-order reduction for the searches over interleavings (Godefroid, "Partial-Order Methods
// for the Verification of Concurrent Systems", ch. 4: persistent sets by conflicting processes).
//
// At a state, a set P of actors is closed when no op any actor outside P may still perform
// conflicts (src/oracle/footprints.ts) with an op some actor in P may perform next — blocked or
// not: an op outside that enables it would conflict with it. Then whatever the actors outside P
// do first, they commute with, and never enable or disable, the next ops of P's actors, so the
// enabled ops of P are a persistent set: exploring only those, from every state, still reaches
// every state in which no actor can move (the state space is acyclic: every step performs an op),
// which is every state a search judges. Closed sets are built from each actor in turn and the
// smallest one with an op that runs is explored.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { footprints, intersects, type Bits, type Footprints } from './footprints.js';

/** The pending ops actor a may perform next (CPUs: ahead of earlier ones where the ordering rules allow), as skip counts. */
export function nextSkips(c: Compiled, m: Machine, a: number): number[] {
  const out: number[] = [];
  const cpu = c.actors[a].actor.kind === 'cpu' && m.world.weak;
  for (let skip = 0; ; skip++) {
    const j = m.pendingOp(a, skip);
    if (j < 0) break;
    if (skip === 0 || m.mayPerform(a, j)) out.push(skip);
    if (!cpu) break;
  }
  return out;
}

/**
 * Closed sets of actors (among `scope`) to try at this state, smallest first. The caller runs
 * every next op of the first set's actors; if none can run, those of the next set, and so on.
 */
export function closedSets(c: Compiled, m: Machine, scope: readonly number[], f: Footprints = footprints(c)): number[][] {
  const next = new Map<number, Bits>();
  for (const a of scope) {
    const skips = nextSkips(c, m, a);
    if (!skips.length) continue;
    next.set(a, union(f, skips.map((s) => f.op[a][m.pendingOp(a, s)])));
  }
  const remaining = (a: number) => f.suffix[a][m.next[a]];
  const candidates = [...next.keys()];
  const sets: number[][] = [];
  const seen = new Set<string>();
  for (const start of candidates) {
    const inP = new Set<number>([start]);
    const work = [start];
    while (work.length) {
      const b = work.pop()!;
      const nb = next.get(b);
      if (!nb) continue;
      for (const other of candidates) {
        if (inP.has(other)) continue;
        if (intersects(remaining(other), nb)) {
          inP.add(other);
          work.push(other);
        }
      }
    }
    const set = [...inP].sort((x, y) => x - y);
    const key = set.join(',');
    if (!seen.has(key)) {
      seen.add(key);
      sets.push(set);
    }
  }
  return sets.sort((x, y) => x.length - y.length);
}

function union(f: Footprints, bits: Bits[]): Bits {
  if (bits.length === 1) return bits[0];
  const out = new Uint32Array(bits[0].length);
  for (const b of bits) for (let w = 0; w < out.length; w++) out[w] |= b[w];
  return out;
}
