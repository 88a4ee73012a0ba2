// Search the ideal platform's executions of a path for one that ends in a state a predicate
// accepts (an exists clause satisfied, a forall clause violated): whether a final condition
// is reachable on a machine with no caches and no reordering — "a race on any machine" — or
// only on arm64. Depth-first over interleavings (src/search/explore.ts) with a node budget.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { explore, type SearchResult } from '../search/explore.js';
import { newIdealMachine } from '../model/machines.js';
import { stateKey } from './state-key.js';

/** found: an ideal execution ends in a state `accept` takes; cut: the node budget ran out first. */
export function findIdealFinalState(c: Compiled, accept: (m: Machine) => boolean, budget: number): SearchResult {
  function* successors(m: Machine): Iterable<Machine> {
    for (let a = 0; a < c.actors.length; a++) {
      const j = m.pendingOp(a, 0);
      if (j < 0 || m.blocked(a, j)) continue;
      const next = m.clone();
      if (next.run(a, 0)) yield next;
    }
  }
  return explore<Machine>({
    start: newIdealMachine(c),
    successors,
    key: (m) => stateKey(m), // what each thread read: its registers, which the condition reads
    prune: (m) => m.dead !== undefined, // another path, or cut
    onFinal: (m) => m.bailedOut === undefined && c.actors.every((_, a) => m.done(a)) && accept(m),
    budget: { nodes: budget },
  });
}
