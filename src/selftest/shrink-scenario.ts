// The middle shrinking phase, on the generator's own terms. fast-check shrinks a scenario and its
// execution together, so it cannot take a simpler scenario whose bug needs a different execution.
// Here each simpler scenario — one transfer fewer, one choice moved toward the start of its
// CHOICES list — gets a fresh search for an execution that fails, and is kept if one is found.
// Every candidate is still built by the driver builder, so it keeps the DMA-API discipline
// everywhere except in the injected bug.

import fc from 'fast-check';
import { CHOICES } from '../gen/driver-arb.js';
import type { TransferSpec } from '../gen/driver-spec.js';
import { refit, type Scenario } from '../gen/bug-scenarios.js';
import { rawExecutionArb } from '../gen/execution-arb.js';
import { judgeRun } from '../oracle/oracle.js';
import type { ModelFault } from '../platform/platform.js';
import { materialize, type Materialized } from './targets.js';
import { fresh, on, shrink, type Candidates } from '../shrink/shrink.js';

export interface ScenarioSearchOptions {
  seed: number;
  /** Executions tried per candidate scenario. */
  runs?: number;
  maxSteps?: number;
  faults?: readonly ModelFault[];
  searchBudget?: number;
  /** Candidate scenarios tried in all. */
  maxCandidates?: number;
}

/** Search one scenario's executions for a counterexample (no shrinking: the next phases do that). */
export function findCounterexample(s: Scenario, o: ScenarioSearchOptions): Materialized | undefined {
  let found: Materialized | undefined;
  fc.check(fc.property(rawExecutionArb(o.maxSteps), (steps) => {
    const m = materialize({ scenario: s, steps }, o.faults);
    if (judgeRun(m.compiled, m.model, { searchBudget: o.searchBudget }).verdict !== 'bug') return true;
    found = m;
    return false;
  }), { seed: o.seed, numRuns: o.runs ?? 200, endOnFailure: true });
  return found;
}

export function shrinkScenario(start: Scenario, found: Materialized, o: ScenarioSearchOptions): { scenario: Scenario; found: Materialized; tries: number } {
  const r = shrink({ scenario: start, found }, on((x) => x.scenario, (x, scenario) => ({ ...x, scenario }), scenarioCandidates), (x) => {
    const f = findCounterexample(x.scenario, o);
    return f ? { keep: { scenario: x.scenario, found: f } } : false;
  }, { tries: o.maxCandidates ?? 80 });
  return { ...r.value, tries: r.tries };
}

/** The generator-spec candidates, afresh from each one taken. */
export const scenarioCandidates: Candidates<Scenario> = fresh(candidates);

/** Simpler scenarios, most promising first: fewer transfers, then simpler choices. */
function* candidates(s: Scenario): Generator<Scenario> {
  const seen = new Set([JSON.stringify(s.spec)]);
  const fresh = (c: Scenario) => {
    const key = JSON.stringify(c.spec);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const target = s.bug?.target;
  for (let i = 0; i < s.spec.transfers.length; i++) {
    if (i === target || s.spec.transfers.length === 1) continue;
    const transfers = s.spec.transfers.filter((_, k) => k !== i);
    const bug = s.bug && { ...s.bug, target: s.bug.target > i ? s.bug.target - 1 : s.bug.target };
    const c = refit({ ...s, spec: { ...s.spec, transfers }, ...(bug ? { bug } : {}) });
    if (fresh(c)) yield c;
  }
  if (s.spec.setMask) {
    const c = refit({ ...s, spec: { ...s.spec, setMask: false } });
    if (fresh(c)) yield c;
  }
  for (let i = 0; i < s.spec.transfers.length; i++) {
    const t = s.spec.transfers[i];
    const lock = i === target ? s.bug!.lock : [];
    for (const [key, values] of Object.entries(CHOICES[t.kind]) as [string, readonly unknown[]][]) {
      if (lock.includes(key)) continue;
      const current = values.indexOf((t as unknown as Record<string, unknown>)[key]);
      for (let v = 0; v < current; v++) {
        const transfers = s.spec.transfers.map((u, k) => (k === i ? ({ ...u, [key]: values[v] } as TransferSpec) : u));
        const c = refit({ ...s, spec: { ...s.spec, transfers } });
        if (fresh(c)) yield c;
      }
    }
  }
}
