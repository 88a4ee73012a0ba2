// Shrink a counterexample execution: drop steps, and pull out-of-order steps closer to program
// order, while the oracle still says "bug". The model finishes every execution in program order,
// so the steps that remain are the ones the bug needs: its fills, evictions and reorderings.

import type { Compiled } from '../exec/compile.js';
import type { Execution, Step } from '../exec/execution.js';
import { DEFAULT_MINIMIZE_BUDGET, judgeExecution, type ExecutionVerdict, type OracleOptions } from './oracle.js';

type Bug = Extract<ExecutionVerdict, { verdict: 'bug' }>;

/** `judged`: the execution's verdict when the caller has it (a bug verdict is final: its witness search was exhausted). */
export function minimizeCounterexample(c: Compiled, e: Execution, opts: OracleOptions = {}, judged?: Bug): { execution: Execution; result: Bug } {
  let steps = e.steps.slice();
  let result: ExecutionVerdict = judged ?? judgeExecution(c, e, { searchBudget: opts.searchBudget });
  // Every attempt after the first shares one budget: spent, the rest are "not shown" and the
  // smallest counterexample so far stands, so minimising never costs more than a bounded search.
  const o: OracleOptions = { searchBudget: opts.searchBudget, totalBudget: { nodes: DEFAULT_MINIMIZE_BUDGET } };
  if (result.verdict !== 'bug') throw new Error('minimizeCounterexample: the execution is not a counterexample');
  const attempt = (candidate: Step[]): boolean => {
    const v = judgeExecution(c, { steps: candidate }, o);
    if (v.verdict !== 'bug') return false;
    steps = candidate;
    result = v;
    return true;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = steps.length - 1; i >= 0; i--) {
      if (i < steps.length && attempt([...steps.slice(0, i), ...steps.slice(i + 1)])) changed = true;
    }
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      if ('run' in s && s.skip && attempt([...steps.slice(0, i), s.skip > 1 ? { run: s.run, skip: s.skip - 1 } : { run: s.run }, ...steps.slice(i + 1)])) changed = true;
    }
  }
  return { execution: { steps }, result: result as Bug };
}
