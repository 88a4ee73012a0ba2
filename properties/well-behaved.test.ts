// Property (a): a driver that follows the DMA-API discipline has no counterexample on any
// honestly described platform. Fixed seeds and a bounded budget here; `npm run nightly` runs
// ≥ 10,000 drivers from a fresh seed.
//
// Property (c) — every counterexample is explained by a contract finding, and findings without a
// counterexample are warnings — needs the contract checker (src/check/, mirroring dma-debug's
// messages), which does not exist yet. TODO(check): when src/check/ lands, add
// properties/contract.test.ts: for every bug kind the shrunk counterexample has at least one
// finding, and well-behaved drivers have none.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { TEST_BUDGET } from '../src/selftest/budgets.js';
import { fuzz } from '../src/selftest/fuzz.js';
import { reportFailure } from '../src/selftest/report.js';
import { materialize, fuzzTarget } from '../src/selftest/targets.js';
import { judgeExecution } from '../src/oracle/oracle.js';

describe('well-behaved drivers never produce a counterexample', () => {
  for (const seed of TEST_BUDGET.wellBehavedSeeds) {
    test(`seed ${seed}, ${TEST_BUDGET.wellBehavedRuns} drivers`, () => {
      const r = fuzz('well-behaved', { seed, runs: TEST_BUDGET.wellBehavedRuns });
      if (r.failure) expect.fail(reportFailure(r.failure, { title: 'a well-behaved driver has a counterexample' }).text);
      expect(r.executions).toBeGreaterThanOrEqual(TEST_BUDGET.wellBehavedRuns);
    });
  }

  // The property is only as good as what it generates: check the drivers are varied and that
  // few runs end early in a failed mapping (which the oracle accepts without comparing).
  test('the generated drivers cover the patterns and rarely bail out', () => {
    const cases = fc.sample(fuzzTarget('well-behaved').cases, { seed: 1, numRuns: 500 });
    const kinds = new Set<string>();
    let bailed = 0, big = 0, events = 0, reorders = 0;
    for (const k of cases) {
      for (const t of k.scenario.spec.transfers) kinds.add(`${t.kind}${'placement' in t ? ':' + t.placement : ''}${'completion' in t ? ':' + t.completion : ''}`);
      const m = materialize(k);
      if (m.counterexample.program.actors.reduce((n, a) => n + a.ops.length, 0) >= 30) big++;
      for (const s of m.counterexample.execution.steps) {
        if (!('run' in s)) events++;
        else if (s.skip) reorders++;
      }
      if (judgeExecution(m.compiled, m.counterexample.execution).model.bailedOut !== undefined) bailed++;
    }
    expect(kinds.size).toBe(15); // rx/tx × 3 placements × 2 completions, ring-rx × 2, ring-tx
    expect(bailed / cases.length).toBeLessThan(0.1);
    expect(big).toBeGreaterThan(10);
    expect(events / cases.length).toBeGreaterThan(3);
    expect(reorders / cases.length).toBeGreaterThan(0.25);
  });
});
