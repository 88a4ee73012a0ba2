// The shrinker contract, for any candidate generator run by the one shrink runner
// (src/shrink/shrink.ts): every candidate is no larger than the value it edits, the result still
// fails and is no larger than the start, and the same start gives the same result.

import { isDeepStrictEqual } from 'node:util';
import { shrink, type Candidates, type ShrinkBudget, type StillFails } from '../../src/shrink/shrink.js';

export interface ShrinkerCase<T> {
  start: T;
  candidates: Candidates<T>;
  stillFails: StillFails<T>;
  /** What "no larger" measures: steps, ops, settings off their defaults… */
  size: (x: T) => number;
  /** What "the same result" compares (by default the whole value). */
  key?: (x: T) => unknown;
  budget?: ShrinkBudget;
  /** This start has something to shrink: a result as large as the start is a problem too (the test is not vacuous). */
  shrinks?: boolean;
}

/** What breaks the contract for this start value: [] when nothing does. */
export function contractProblems<T>(c: ShrinkerCase<T>): string[] {
  const problems: string[] = [];
  const key = c.key ?? ((x: T) => x);
  if (c.stillFails(c.start) === false) return ['the start value does not fail'];
  const watched: Candidates<T> = function* (current, context) {
    const before = c.size(current);
    for (const cand of c.candidates(current, context)) {
      const size = c.size(cand.value);
      if (size > before) problems.push(`a candidate is larger than the value it edits (${size} > ${before})`);
      yield cand;
    }
  };
  const a = shrink(c.start, watched, c.stillFails, c.budget);
  if (c.stillFails(a.value) === false) problems.push('the result no longer fails');
  if (c.size(a.value) > c.size(c.start)) problems.push(`the result is larger than the start (${c.size(a.value)} > ${c.size(c.start)})`);
  if (c.shrinks && c.size(a.value) >= c.size(c.start)) problems.push(`nothing shrank (size ${c.size(c.start)})`);
  const b = shrink(c.start, c.candidates, c.stillFails, c.budget);
  if (!isDeepStrictEqual(key(a.value), key(b.value)) || a.tries !== b.tries) problems.push('the same start gave a different result');
  return [...new Set(problems)];
}
