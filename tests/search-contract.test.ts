// What every search on the one engine (src/search/explore.ts) promises, checked on each of them
// over the bug catalogue at budgets too small to finish: a search the budget cut says so and is
// never a bug; a cut search never contradicts the same search with room to finish; the same
// input gives the same result.

import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { checkContract } from '../src/check/explore-contract.js';
import { compile } from '../src/exec/compile.js';
import { exploreExhaustively } from '../src/oracle/exhaustive.js';
import { findIdealWitness } from '../src/oracle/witness-search.js';
import { makePlatform } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';

const compiled = (p: Program) => compile(p, makePlatform(p.platform));
const programs = BUG_CLASSES.slice(0, 6).flatMap((k) => [[`${k.id} buggy`, compiled(k.buggy)], [`${k.id} fixed`, compiled(k.fixed)]] as const);
const BUDGETS = [1, 10, 100];

describe.each(programs)('%s', (_, c) => {
  test('the arm64 searches, full and reduced: cut means not complete and never bug; deterministic', () => {
    for (const reduce of [true, false]) {
      const roomy = exploreExhaustively(c, { reduce, maxEvents: 1, maxStates: 20_000 });
      for (const maxStates of BUDGETS) {
        const r = exploreExhaustively(c, { reduce, maxEvents: 1, maxStates });
        expect(exploreExhaustively(c, { reduce, maxEvents: 1, maxStates })).toEqual(r);
        if (r.complete) expect(r.verdict === 'bug').toBe(roomy.verdict === 'bug');
        else {
          expect(r.gaveUp).toBeDefined();
          expect(r.verdict).not.toBe('bug');
        }
      }
    }
  });

  test('the contract walk: cut means not complete, within its budget; deterministic', () => {
    const roomy = checkContract(c);
    for (const budget of BUDGETS) {
      const r = checkContract(c, budget);
      expect(checkContract(c, budget)).toEqual(r);
      expect(r.states).toBeLessThanOrEqual(budget);
      if (r.complete) expect(r).toEqual(roomy);
    }
  });

  test('the ideal witness search: a cut one never contradicts one with room to finish', () => {
    const found = exploreExhaustively(c, { maxEvents: 1 }).counterexample;
    if (!found) return;
    const roomy = findIdealWitness(c, found.result.model, 200_000);
    expect(roomy.outcome).not.toBe('cut');
    for (const budget of BUDGETS) {
      const r = findIdealWitness(c, found.result.model, budget);
      expect(r.nodes).toBeLessThanOrEqual(budget + 1);
      if (r.outcome !== 'cut') expect(r.outcome).toBe(roomy.outcome);
    }
  });
});
