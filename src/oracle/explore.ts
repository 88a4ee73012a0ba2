// Search one program's arm64 executions for a counterexample with fast-check: random
// executions from a seed, and on failure fast-check's shrinking to the smallest execution that
// still shows the bug.

import fc from 'fast-check';
import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { rawExecutionArb, resolveAndRun, resolveExecution, type ExecutionArbOptions } from '../gen/execution-arb.js';
import { judgeExecution, judgeRun, type ExecutionVerdict, type OracleOptions } from './oracle.js';

export interface ExploreOptions extends OracleOptions, ExecutionArbOptions {
  runs?: number;
  seed?: number;
}

export interface ExploreResult {
  verdict: 'bug' | 'ok' | 'inconclusive';
  executions: number;
  inconclusive: number;
  /** Executions cut where a loop would run past --unroll (not judged). */
  cut: number;
  seed: number;
  /** fast-check's replay path of the shrunk counterexample */
  path?: string;
  counterexample?: { execution: Execution; result: Extract<ExecutionVerdict, { verdict: 'bug' }> };
}

export function explore(c: Compiled, o: ExploreOptions = {}): ExploreResult {
  const seed = o.seed ?? 1;
  let executions = 0;
  let inconclusive = 0;
  let cut = 0;
  const ops = c.actors.reduce((n, a) => n + a.actor.ops.length, 0);
  // Raw steps, resolved inside the property (executionArb(c) maps the same raw arbitrary, so the
  // same seed draws and shrinks the same executions): the model run made while resolving is the
  // one judged, not run a second time.
  const property = fc.property(rawExecutionArb(o.maxSteps ?? Math.max(8, 2 * ops)), (steps) => {
    executions++;
    const v = judgeRun(c, resolveAndRun(c, steps, o).model, o);
    if (v.verdict === 'inconclusive') inconclusive++;
    if (v.verdict === 'ok' && v.reason === 'cut') cut++;
    return v.verdict !== 'bug';
  });
  const details = fc.check(property, { seed, numRuns: o.runs ?? 300, endOnFailure: false });
  if (details.failed) {
    const steps = details.counterexample?.[0];
    const execution = steps && resolveExecution(c, steps, o);
    // Judged again on its own budget: the check's shared one may be spent by now.
    const result = execution && judgeExecution(c, execution, { searchBudget: o.searchBudget });
    if (!execution || result?.verdict !== 'bug') throw details.errorInstance; // the model itself failed
    return { verdict: 'bug', executions, inconclusive, cut, seed, path: details.counterexamplePath ?? undefined, counterexample: { execution, result } };
  }
  return { verdict: inconclusive ? 'inconclusive' : 'ok', executions, inconclusive, cut, seed };
}
