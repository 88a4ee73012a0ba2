import { describe, expect, it } from 'vitest';
import { explore, type Exploration } from './explore.js';

// A toy state space: counters (a, b) each stepping up to a bound, in either order, so the same
// state is reached by several paths (merging), with an optional "event" that spends one of a
// few tokens (rank).
interface S { a: number; b: number; tokens: number; bad?: boolean }
const N = 3;

function grid(o: Partial<Exploration<S>> = {}): Exploration<S> {
  return {
    start: { a: 0, b: 0, tokens: 0 },
    *successors(s) {
      if (s.a < N) yield { ...s, a: s.a + 1 };
      if (s.b < N) yield { ...s, b: s.b + 1 };
    },
    key: (s) => `${s.a},${s.b}`,
    ...o,
  };
}

describe('explore', () => {
  it('visits each state once per key and reports exhausted', () => {
    const finals: S[] = [];
    const r = explore(grid({ onFinal: (s) => void finals.push(s) }));
    expect(r).toEqual({ outcome: 'exhausted', states: (N + 1) ** 2, nodes: 2 * N * (N + 1) + 1 });
    expect(finals).toEqual([{ a: N, b: N, tokens: 0 }]);
  });

  it('stops at the first final state onFinal accepts', () => {
    const r = explore(grid({ onFinal: () => true }));
    expect(r.outcome).toBe('found');
    expect(r.states).toBe(2 * N + 1); // straight down the first successor each time
  });

  it('cuts when the states budget runs out, counting the state that went over, and never says found', () => {
    const r = explore(grid({ onFinal: () => true, budget: { states: 3 } }));
    expect(r).toMatchObject({ outcome: 'cut', states: 4 });
  });

  it('cuts when the nodes budget runs out: a state met again counts again', () => {
    const full = explore(grid());
    const r = explore(grid({ budget: { nodes: full.nodes - 1 } }));
    expect(r.outcome).toBe('cut');
    expect(explore(grid({ budget: { nodes: full.nodes } })).outcome).toBe('exhausted');
  });

  it('does not count pruned states, yet their parent is not final', () => {
    const finals: S[] = [];
    const r = explore(grid({
      *successors(s) {
        if (s.a < N) yield { ...s, a: s.a + 1, bad: s.a + 1 === N };
      },
      prune: (s) => s.bad === true,
      onFinal: (s) => void finals.push(s),
    }));
    expect(r).toEqual({ outcome: 'exhausted', states: N, nodes: N });
    expect(finals).toEqual([]);
  });

  it('explores a state again when it comes back with a higher rank, and tries events after the final judgment', () => {
    const order: string[] = [];
    const r = explore<S>({
      start: { a: 0, b: 0, tokens: 2 },
      *successors(s) {
        if (s.a < 1) yield { ...s, a: s.a + 1 };
      },
      // An event spends a token and changes nothing else: the state comes back with a lower rank.
      *events(s) {
        if (s.tokens > 0) yield { ...s, tokens: s.tokens - 1 };
      },
      key: (s) => `${s.a}`,
      rank: (s) => s.tokens,
      onFinal: (s) => void order.push(`final ${s.a}/${s.tokens}`),
    });
    // (0,2) -> (1,2) final, then its event (1,1) is merged; the event of (0,2), (0,1), is merged too.
    expect(order).toEqual(['final 1/2']);
    expect(r).toEqual({ outcome: 'exhausted', states: 2, nodes: 4 });
    const higher: string[] = [];
    explore<S>({
      start: { a: 0, b: 0, tokens: 0 },
      *successors(s) {
        if (s.b === 0) yield { ...s, b: 1, tokens: s.tokens };
      },
      *events(s) {
        // Back to b = 0 with more tokens: a higher rank, explored again.
        if (s.b === 1 && s.tokens === 0) yield { a: 0, b: 0, tokens: 1 };
      },
      key: (s) => `${s.b}`,
      rank: (s) => s.tokens,
      onFinal: (s) => void higher.push(`final ${s.b}/${s.tokens}`),
    });
    expect(higher).toEqual(['final 1/0', 'final 1/1']);
  });
});
