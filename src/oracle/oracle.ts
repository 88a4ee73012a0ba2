// The oracle: an arm64 execution is a counterexample iff its observations are ones no ideal
// execution can produce. The ideal run of the same interleaving decides almost every case; only
// when it differs do we search the ideal executions for a witness. A cut-off search is
// "inconclusive", never "bug".

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import { diffObservations, sameObservations, type ObservationDiff, type Observations } from '../exec/observations.js';
import type { Budget } from '../search/budget.js';
import { conditionVerdict, type ConditionVerdict } from './condition.js';
import { runIdealLike, runModel } from '../model/machines.js';
import { findIdealWitness } from './witness-search.js';

export interface OracleOptions {
  /** Ideal states the witness search may visit before giving up. */
  searchBudget?: number;
  /**
   * Witness-search states left for a whole check, shared by every execution it judges: a bound on
   * the work that does not depend on the machine's speed. Spent, an execution that needs a search
   * is inconclusive, never bug.
   */
  totalBudget?: Pick<Budget, 'nodes'>;
}

export type ExecutionVerdict =
  /** infeasible: not an execution of this path (an assume failed); cut: a loop ran past --unroll */
  | { verdict: 'ok'; model: Observations; reason: 'same-interleaving' | 'witness' | 'driver-bailed-out' | 'infeasible' | 'cut' }
  | { verdict: 'bug'; model: Observations; ideal: Observations; diff: ObservationDiff[]; searched: number; condition?: ConditionVerdict }
  | { verdict: 'inconclusive'; model: Observations; ideal: Observations; diff: ObservationDiff[]; searched: number };

export const DEFAULT_SEARCH_BUDGET = 200_000;
/**
 * Witness-search states for one `dmafuzz check` (its exhaustive and random searches together).
 * No built-in scenario, test or benchmark program needs more than 85; a state costs up to ~15 µs
 * on an 11-thread program with 4 KiB buffers, so this keeps the worst check within seconds.
 */
export const DEFAULT_TOTAL_SEARCH_BUDGET = 200_000;
/** Witness-search states for shrinking one counterexample (src/oracle/minimize.ts); the tests and benchmarks need at most 850. */
export const DEFAULT_MINIMIZE_BUDGET = 100_000;

export function judgeExecution(c: Compiled, e: Execution, opts: OracleOptions = {}): ExecutionVerdict {
  return judgeRun(c, runModel(c, e), opts);
}

/**
 * The witness search's answer for a target, known without searching (src/check/known-counterexamples.ts
 * says when), or undefined: search. Given the budget the search would have.
 */
export type KnownWitnessAnswer = (target: Observations, budget: number) => { outcome: 'exhausted'; nodes: number } | undefined;

/** Judge a model run already performed (steps applied, finish() called), e.g. while generating it. */
export function judgeRun(c: Compiled, model: Machine, opts: OracleOptions = {}, known?: KnownWitnessAnswer): ExecutionVerdict {
  const obs = model.observations();
  if (model.dead) return { verdict: 'ok', model: obs, reason: model.dead };
  // A checked dma_mapping_error() that fired: the driver handled the failure, nothing to compare.
  if (obs.bailedOut !== undefined) return { verdict: 'ok', model: obs, reason: 'driver-bailed-out' };
  const idealRun = runIdealLike(c, model.order);
  const ideal = idealRun.observations();
  const condition = conditionVerdict(c, model, idealRun, opts);
  if (condition) return { verdict: 'bug', model: obs, ideal, diff: [condition.diff], searched: 0, condition };
  if (sameObservations(ideal, obs)) return { verdict: 'ok', model: obs, reason: 'same-interleaving' };
  const budget = Math.min(opts.searchBudget ?? DEFAULT_SEARCH_BUDGET, opts.totalBudget?.nodes ?? Infinity);
  const w = known?.(obs, budget) ?? findIdealWitness(c, obs, budget, { sameInterleaving: ideal });
  if (opts.totalBudget) opts.totalBudget.nodes = Math.max(0, opts.totalBudget.nodes - w.nodes);
  if (w.outcome === 'found') return { verdict: 'ok', model: obs, reason: 'witness' };
  const diff = diffObservations(obs, ideal, (actor, op) => opLabel(c, actor, op));
  return { verdict: w.outcome === 'exhausted' ? 'bug' : 'inconclusive', model: obs, ideal, diff, searched: w.nodes };
}

function opLabel(c: Compiled, actor: string, op: number): string {
  return `${actor} op ${op + 1} (${c.actors[c.actorIndex.get(actor)!].actor.ops[op].op})`;
}
