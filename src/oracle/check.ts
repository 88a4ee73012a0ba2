// Check one compiled program: exhaustively within a bound when the program is small enough,
// else by seeded random search (explore()). A counterexample is minimized either way.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import type { ExecutionVerdict, OracleOptions } from './oracle.js';
import { explore } from './explore.js';
import { exploreExhaustively, type ExhaustiveBound } from './exhaustive.js';
import { minimizeCounterexample } from './minimize.js';

export interface CheckOptions extends OracleOptions {
  /** Random executions when the exhaustive search gives up. */
  runs?: number;
  seed?: number;
  /** Exhaustive bound: fills plus evictions per execution. */
  maxEvents?: number;
  /** Exhaustive search gives up beyond this many distinct states. */
  maxStates?: number;
}

export interface CheckResult {
  verdict: 'bug' | 'ok' | 'inconclusive';
  /** Executions judged (exhaustive: distinct end states; random: generated executions). */
  executions: number;
  /** The whole bounded space was covered and had no counterexample. */
  exhaustive: boolean;
  method: 'exhaustive' | 'random';
  bound: ExhaustiveBound;
  /** Distinct states the exhaustive search visited. */
  states: number;
  /** Why the search was random: the program had too many interleavings, or too many states. */
  gaveUp?: 'interleavings' | 'states';
  seed: number;
  runs: number;
  counterexample?: { execution: Execution; result: Extract<ExecutionVerdict, { verdict: 'bug' }> };
}

export const DEFAULT_RUNS = 300;
export const DEFAULT_SEED = 1;

export function checkCompiled(c: Compiled, o: CheckOptions = {}): CheckResult {
  const seed = o.seed ?? DEFAULT_SEED;
  const runs = o.runs ?? DEFAULT_RUNS;
  const ex = exploreExhaustively(c, o);
  const base = { bound: ex.bound, states: ex.states, seed, runs, ...(ex.gaveUp ? { gaveUp: ex.gaveUp } : {}) };
  if (ex.complete) {
    const counterexample = ex.counterexample && minimizeCounterexample(c, ex.counterexample.execution, o);
    return { ...base, verdict: ex.verdict, executions: ex.executions, exhaustive: ex.verdict !== 'bug', method: 'exhaustive', ...(counterexample ? { counterexample } : {}) };
  }
  const r = explore(c, { ...o, runs, seed });
  const counterexample = r.counterexample && minimizeCounterexample(c, r.counterexample.execution, o);
  const verdict = r.verdict === 'ok' && ex.verdict === 'inconclusive' ? 'inconclusive' : r.verdict;
  return { ...base, verdict, executions: r.executions, exhaustive: false, method: 'random', ...(counterexample ? { counterexample } : {}) };
}
