// Find the smallest repair under which a whole program checks ok with no error finding: greedy
// over src/check/repairs.ts, one edit per round, each candidate re-checked by the same searches
// `dmafuzz check` runs. A suggestion is returned only when that re-check passed.

import type { Compiled } from '../exec/compile.js';
import { checkCompiled, type CheckOptions } from '../oracle/check.js';
import type { Program } from '../program/types.js';
import { checkContract } from './explore-contract.js';
import { candidateRepairs } from './repairs.js';

export interface FixSuggestion {
  /** The repairs, in the order applied. */
  steps: string[];
  program: Program;
}

export interface FixOptions extends CheckOptions {
  /** Rounds of one repair each. */
  maxRepairs?: number;
  /** Give up after this long (milliseconds). */
  budgetMs?: number;
}

/** Error findings plus one for a value counterexample (or an inconclusive search): 0 is fixed. */
export function brokenness(c: Compiled, o: CheckOptions = {}, cap = Infinity): number {
  const errors = checkContract(c, o.maxStates).findings.filter((f) => f.severity === 'error').length;
  if (errors >= cap) return errors; // cannot beat the best so far: skip the value search
  return errors + (checkCompiled(c, o).verdict === 'ok' ? 0 : 1);
}

export function suggestFix(program: Program, compileFor: (p: Program) => Compiled, o: FixOptions = {}): FixSuggestion | undefined {
  const deadline = Date.now() + (o.budgetMs ?? 20_000);
  const score = (p: Program, cap: number): number => {
    try {
      return brokenness(compileFor(p), o, cap);
    } catch {
      return Infinity; // the edit made the program invalid (e.g. a sync of a handle not yet mapped)
    }
  };
  let current = program;
  let currentScore = score(program, Infinity);
  const steps: string[] = [];
  for (let round = 0; round < (o.maxRepairs ?? 3) && currentScore > 0; round++) {
    let best: { title: string; program: Program; score: number } | undefined;
    for (const r of candidateRepairs(current)) {
      if (Date.now() > deadline) return undefined;
      const s = score(r.program, best?.score ?? currentScore);
      if (s < (best?.score ?? currentScore)) best = { ...r, score: s };
      if (s === 0) break;
    }
    if (!best) return undefined;
    steps.push(best.title);
    current = best.program;
    currentScore = best.score;
  }
  return currentScore === 0 ? { steps, program: current } : undefined;
}
