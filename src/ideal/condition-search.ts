// Search the ideal platform's executions of a path for one that ends in a state a predicate
// accepts (an exists clause satisfied, a forall clause violated): whether a final condition
// is reachable on a machine with no caches and no reordering — "a race on any machine" — or
// only on arm64. Depth-first over interleavings with a visited-state set and a node budget.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { newIdealMachine } from '../oracle/run.js';

export type ConditionSearch = { found: true; nodes: number } | { found: false; exhausted: boolean; nodes: number };

export function findIdealFinalState(c: Compiled, accept: (m: Machine) => boolean, budget: number): ConditionSearch {
  const visited = new Set<string>();
  let nodes = 0;
  let cut = false;
  const search = (m: Machine): boolean => {
    if (++nodes > budget) {
      cut = true;
      return false;
    }
    const key = m.fingerprint();
    if (visited.has(key)) return false;
    visited.add(key);
    let moved = false;
    for (let a = 0; a < c.actors.length; a++) {
      const j = m.pendingOp(a, 0);
      if (j < 0 || m.blocked(a, j)) continue;
      const next = m.clone();
      if (!next.run(a, 0)) continue;
      moved = true;
      if (next.dead) continue; // another path, or cut
      if (search(next)) return true;
      if (cut) return false;
    }
    return !moved && m.bailedOut === undefined && c.actors.every((_, a) => m.done(a)) && accept(m);
  };
  const found = search(newIdealMachine(c));
  return found ? { found: true, nodes } : { found: false, exhausted: !cut, nodes };
}
