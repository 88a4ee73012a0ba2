// Shrink a counterexample execution: drop steps, and pull out-of-order steps closer to program
// order, while the oracle still says "bug". The model finishes every execution in program order,
// so the steps that remain are the ones the bug needs: its fills, evictions and reorderings.

import type { Compiled } from '../exec/compile.js';
import type { Execution, Step } from '../exec/execution.js';
import { shrink, sweeps, type Candidates, type Pass, type ShrinkBudget } from '../shrink/shrink.js';
import { DEFAULT_MINIMIZE_BUDGET, judgeExecution, type ExecutionVerdict, type OracleOptions } from './oracle.js';

type Bug = Extract<ExecutionVerdict, { verdict: 'bug' }>;

/** Each step dropped, last first; after a drop the sweep goes on with the step before it. */
const dropStep: Pass<readonly Step[]> = function* (steps, from) {
  for (let i = (from as number | undefined) ?? steps.length - 1; i >= 0; i--) yield { value: [...steps.slice(0, i), ...steps.slice(i + 1)], resume: i - 1 };
};

/** Each out-of-order step one op closer to program order (skip - 1), first first. */
const lessSkip: Pass<readonly Step[]> = function* (steps, from) {
  for (let i = (from as number | undefined) ?? 0; i < steps.length; i++) {
    const s = steps[i];
    if ('run' in s && s.skip) yield { value: [...steps.slice(0, i), s.skip > 1 ? { run: s.run, skip: s.skip - 1 } : { run: s.run }, ...steps.slice(i + 1)], resume: i + 1 };
  }
};

/** Smaller executions: steps dropped, then steps less out of order, until a round changes nothing. */
export const stepCandidates: Candidates<readonly Step[]> = sweeps([dropStep, lessSkip]);

/**
 * `judged`: the execution's verdict when the caller has it (a bug verdict is final: its witness
 * search was exhausted). `budget`: a deadline (fuzz FILES' time box) ends it with the smallest so far.
 */
export function minimizeCounterexample(c: Compiled, e: Execution, opts: OracleOptions = {}, judged?: Bug, budget?: ShrinkBudget): { execution: Execution; result: Bug } {
  const first: ExecutionVerdict = judged ?? judgeExecution(c, e, { searchBudget: opts.searchBudget });
  if (first.verdict !== 'bug') throw new Error('minimizeCounterexample: the execution is not a counterexample');
  // Every attempt after the first shares one budget: spent, the rest are "not shown" and the
  // smallest counterexample so far stands, so minimising never costs more than a bounded search.
  const o: OracleOptions = { searchBudget: opts.searchBudget, totalBudget: { nodes: DEFAULT_MINIMIZE_BUDGET } };
  let result: Bug = first;
  const r = shrink<readonly Step[]>(e.steps.slice(), stepCandidates, (steps) => {
    const v = judgeExecution(c, { steps: steps as Step[] }, o);
    if (v.verdict !== 'bug') return false;
    result = v;
    return true;
  }, budget);
  return { execution: { steps: r.value as Step[] }, result };
}
