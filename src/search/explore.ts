// The one depth-first exploration engine the exhaustive searches of dmafuzz run on: the value
// oracle's full and reduced arm64 searches, the ideal witness search, the exists/forall search on
// the ideal platform, the contract walk, and herd7's list of final states
// (src/oracle/final-states.ts: a fold over the graph this walks, each state's counts summed from
// its successors' as each is explored). What differs between the searches is what a step is (every interleaving or one
// per commuting set, hardware events or none), what makes two states one (the merge key), and
// what is done with a final state (judge it, match a target, check the contract at the end);
// those are the parameters. GenMC's one driver over a model it sees only through an interface is
// the pattern.
//
// A state is visited once per merge key (or again when it comes back with a higher rank: more
// hardware events left). A search stops when onFinal says it found what it looked for, or when
// the budget runs out ('cut', never a verdict of its own).

import type { Budget } from './budget.js';

export type Outcome = 'found' | 'exhausted' | 'cut';

export interface SearchResult {
  /** found: onFinal accepted a state; exhausted: every state was covered; cut: the budget ran out first. */
  outcome: Outcome;
  /** Distinct states recorded, the one that went over the budget included. */
  states: number;
  /** States visited, one met again counted again (pruned ones not at all). */
  nodes: number;
}

export interface Exploration<S> {
  start: S;
  /**
   * The steps the program can take from s, in the order to explore them. Asked lazily: each is
   * explored, whole, before the next is asked for. A state with none is final.
   */
  successors(s: S): Iterable<S>;
  /** Two states with one key are one state (with the same rank, or a lower one). */
  key(s: S): string;
  /** A state met again with a higher rank is explored again (hardware events left). Default 0. */
  rank?(s: S): number;
  /**
   * Not a state worth exploring (not an execution of this path, a read the target does not
   * have): not counted, but still a step its parent could take, so the parent is not final.
   */
  prune?(s: S): boolean;
  /** A final state: true stops the search with outcome 'found'. */
  onFinal?(s: S): boolean | void;
  /** Steps outside the program (hardware events), tried after the program's own and after onFinal. */
  events?(s: S, moved: boolean): Iterable<S>;
  budget?: Partial<Budget>;
}

export function explore<S>(x: Exploration<S>): SearchResult {
  const maxStates = x.budget?.states ?? Infinity;
  const maxNodes = x.budget?.nodes ?? Infinity;
  const rankAt = new Map<string, number>();
  let nodes = 0;
  let outcome: Outcome = 'exhausted';

  const visit = (s: S): void => {
    if (x.prune?.(s)) return;
    if (++nodes > maxNodes) {
      outcome = 'cut';
      return;
    }
    const key = x.key(s);
    const rank = x.rank?.(s) ?? 0;
    if ((rankAt.get(key) ?? -Infinity) >= rank) return;
    rankAt.set(key, rank);
    if (rankAt.size > maxStates) {
      outcome = 'cut';
      return;
    }
    let moved = false;
    for (const next of x.successors(s)) {
      moved = true;
      visit(next);
      if (outcome !== 'exhausted') return;
    }
    if (!moved && x.onFinal?.(s)) {
      outcome = 'found';
      return;
    }
    if (!x.events) return;
    for (const next of x.events(s, moved)) {
      visit(next);
      if (outcome !== 'exhausted') return;
    }
  };

  visit(x.start);
  return { outcome, states: rankAt.size, nodes };
}
