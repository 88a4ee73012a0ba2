// herd7's final condition on a path program: `exists` flags an arm64 execution that satisfies
// it, `forall` one that violates it. Only finished executions are judged (herd7 looks at final
// states; a hang is the value oracle's business). What a reviewer asks first is whether the
// ideal platform reaches that final state too: then it is a race on any machine, not an arm64
// cache or ordering effect.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import type { ObservationDiff } from '../exec/observations.js';
import { conditionHolds } from '../exec/paths.js';
import { decodeValue } from '../exec/values.js';
import { findIdealFinalState } from './condition-search.js';
import { DEFAULT_SEARCH_BUDGET, type OracleOptions } from './oracle.js';

export interface ConditionVerdict {
  kind: 'exists' | 'forall';
  /** Does an ideal execution of the same path reach such a final state too? undefined: search budget spent. */
  anyMachine: boolean | undefined;
  diff: ObservationDiff;
}

/** Does the machine's final state satisfy the program's condition? undefined without one or before the end. */
export function conditionHoldsOn(c: Compiled, m: Machine): boolean | undefined {
  const cond = c.program.condition;
  if (!cond || !c.path || m.dead || m.bailedOut !== undefined || !c.actors.every((_, a) => m.done(a))) return undefined;
  return conditionHolds(cond.cond, c.path.threads, c.actorIndex, (a, e) => {
    if (a >= 0) return m.evaluate(a, e);
    if (e.k !== 'mem') throw new Error(`condition: '${e.k}' is not a final value`);
    return decodeValue(m.world.cpuLoad(c.layout.buffers.get(e.buf)!, e.off, e.size));
  });
}

const anyMachineCache = new WeakMap<Compiled, boolean | undefined>();

/** The condition's verdict on a finished arm64 execution, when it flags it. */
export function conditionVerdict(c: Compiled, model: Machine, idealLike: Machine, opts: OracleOptions = {}): ConditionVerdict | undefined {
  const cond = c.program.condition;
  const holds = conditionHoldsOn(c, model);
  if (!cond || holds === undefined) return undefined;
  const flags = (h: boolean | undefined) => h !== undefined && (cond.kind === 'exists' ? h : !h);
  if (!flags(holds)) return undefined;
  let anyMachine: boolean | undefined;
  if (flags(conditionHoldsOn(c, idealLike))) anyMachine = true;
  else if (anyMachineCache.has(c)) anyMachine = anyMachineCache.get(c);
  else {
    const budget = Math.min(opts.searchBudget ?? DEFAULT_SEARCH_BUDGET, opts.totalBudget?.nodes ?? Infinity);
    const r = findIdealFinalState(c, (m) => flags(conditionHoldsOn(c, m)), budget);
    if (opts.totalBudget) opts.totalBudget.nodes = Math.max(0, opts.totalBudget.nodes - r.nodes);
    anyMachine = r.outcome === 'found' ? true : r.outcome === 'exhausted' ? false : undefined;
    anyMachineCache.set(c, anyMachine);
  }
  const what = cond.kind === 'exists' ? 'the exists clause' : 'the forall clause';
  const ideal = anyMachine === true
    ? `${cond.kind === 'exists' ? 'holds' : 'fails'} on the ideal platform too: a race on any machine`
    : anyMachine === false
      ? `never ${cond.kind === 'exists' ? 'holds' : 'fails'} on the ideal platform: arm64 only`
      : 'not decided on the ideal platform (search budget spent)';
  return { kind: cond.kind, anyMachine, diff: { what, model: cond.kind === 'exists' ? 'holds' : 'fails', ideal } };
}
