// Property (b): each bug kind is found within the budget and shrunk to no more than its minimal
// form (src/selftest/minimal-forms.ts, the table in docs/fuzzing.md). A few fixed seeds here; the
// nightly run checks 100 seeds per kind.

import { describe, expect, test } from 'vitest';
import { BUG_KINDS, BUG_TITLES } from '../src/gen/bug-scenarios.js';
import { FIND_BUDGET, TEST_BUDGET } from '../src/selftest/budgets.js';
import { fuzz } from '../src/selftest/fuzz.js';
import { MINIMAL_FORMS, minimalTotal } from '../src/selftest/minimal-forms.js';
import { reportFailure } from '../src/selftest/report.js';
import { judgeCounterexample } from '../src/selftest/counterexample.js';

describe.each(BUG_KINDS)('bug class %s', (kind) => {
  test.each(TEST_BUDGET.classSeeds)(`${BUG_TITLES[kind]} — seed %i`, (seed) => {
    const r = fuzz(`bug-class:${kind}`, { seed, runs: FIND_BUDGET });
    expect(r.failure, `bug-class:${kind} not found in ${FIND_BUDGET} cases (replay: fuzz('bug-class:${kind}', { seed: ${seed}, runs: ${FIND_BUDGET} }))`).toBeDefined();
    const f = r.failure!;
    expect(judgeCounterexample(f.minimal)?.verdict).toBe('bug');
    const total = f.size.ops + f.size.events;
    if (total > minimalTotal(kind)) {
      const { ops, events } = MINIMAL_FORMS[kind];
      expect.fail(reportFailure(f, { title: `bug-class:${kind} shrunk to ${f.size.ops}+${f.size.events}, minimal form is ${ops}+${events}` }).text);
    }
  });
});
