// Find the smallest repair under which a whole program checks ok with no error finding: greedy
// over src/check/repairs.ts, one edit per round, each candidate re-checked by the same searches
// `dmafuzz check` runs. A suggestion is returned only when that re-check passed.
//
// The search is bounded by work, not by the clock, so its answer does not depend on the machine:
// every candidate's states (contract and model searches) and ideal-witness nodes come out of one
// FixBudget. A candidate starts only while both remain, so the search ends within the budget plus
// one candidate's own bounds; running out means no suggestion, never a guess.

import type { Compiled } from '../exec/compile.js';
import { checkCompiled, type CheckOptions } from '../oracle/check.js';
import { DEFAULT_TOTAL_SEARCH_BUDGET } from '../oracle/oracle.js';
import type { Program } from '../program/types.js';
import { checkContract } from './explore-contract.js';
import { candidateRepairs } from './repairs.js';

export interface FixSuggestion {
  /** The repairs, in the order applied. */
  steps: string[];
  program: Program;
}

/** Work left for a fix search: contract plus model-search states, and ideal-witness nodes. */
export interface FixBudget {
  states: number;
  nodes: number;
}

/**
 * The most any bug class or built-in bug scenario needs is 13,300 states and 140 nodes
 * (2-threads-packed); a state costs up to ~0.1 ms on the largest programs, so the whole search
 * stays within seconds.
 */
export const DEFAULT_FIX_BUDGET: FixBudget = { states: 100_000, nodes: DEFAULT_TOTAL_SEARCH_BUDGET };

/** Rounds of one repair each, unless FixOptions.maxRepairs says otherwise. */
export const DEFAULT_MAX_REPAIRS = 3;

export interface FixOptions extends CheckOptions {
  /** Rounds of one repair each. */
  maxRepairs?: number;
  /** Shared by every candidate; spent in place, so a caller can see what was used. */
  budget?: FixBudget;
  /** brokenness() of the program itself when the caller has it (its check already ran). */
  brokenness?: number;
}

/**
 * Error findings plus one for a value counterexample (or an inconclusive search): 0 is fixed.
 * `work`, when given, pays for the searches (states and witness nodes).
 */
export function brokenness(c: Compiled, o: CheckOptions = {}, cap = Infinity, work?: FixBudget): number {
  const contract = checkContract(c, o.maxStates);
  if (work) work.states -= contract.states;
  const errors = contract.findings.filter((f) => f.severity === 'error').length;
  if (errors >= cap) return errors; // cannot beat the best so far: skip the value search
  // The fix budget's nodes are the witness budget itself: checkCompiled spends them in place.
  const r = checkCompiled(c, work ? { ...o, totalBudget: work } : o);
  if (work) work.states -= r.states;
  return errors + (r.verdict === 'ok' ? 0 : 1);
}

export function suggestFix(program: Program, compileFor: (p: Program) => Compiled, o: FixOptions = {}): FixSuggestion | undefined {
  const work = o.budget ?? { ...DEFAULT_FIX_BUDGET };
  const spent = () => work.states <= 0 || work.nodes <= 0;
  const score = (p: Program, cap: number): number => {
    let c: Compiled;
    try {
      c = compileFor(p);
    } catch {
      return Infinity; // the edit made the program invalid (e.g. a sync of a handle not yet mapped)
    }
    return brokenness(c, o, cap, work);
  };
  let current = program;
  let currentScore = o.brokenness ?? score(program, Infinity);
  const steps: string[] = [];
  for (let round = 0; round < (o.maxRepairs ?? DEFAULT_MAX_REPAIRS) && currentScore > 0; round++) {
    let best: { title: string; program: Program; score: number } | undefined;
    for (const r of candidateRepairs(current)) {
      if (spent()) return undefined;
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
