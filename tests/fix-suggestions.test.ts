// Every bug class gets a fix suggestion, and the suggestion is true: applying its diff to the
// litmus text gives a program that checks ok with no error finding.

import { applyPatch } from 'diff';
import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { loopback } from '../scenarios/loopback.js';
import { brokenness, DEFAULT_FIX_BUDGET, suggestFix } from '../src/check/suggest-fix.js';
import { checkLitmusFile, checkProgramAs, formatInputError } from '../src/cli/check-file.js';
import { renderJson, renderText } from '../src/report/render.js';
import { compile } from '../src/exec/compile.js';
import { DEFAULT_MAX_STATES } from '../src/oracle/exhaustive.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { makePlatform } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';
import { fixReport } from '../src/report/fix-diff.js';

const compileFor = (p: Program) => compile(p, makePlatform(p.platform));

describe('fix suggestions for every bug class', () => {
  for (const b of BUG_CLASSES) {
    test(b.id, () => {
      expect(brokenness(compileFor(b.buggy))).toBeGreaterThan(0);
      const fix = suggestFix(b.buggy, compileFor);
      expect(fix, 'no repair found').toBeDefined();
      const report = fixReport(b.buggy, fix!);
      const patched = applyPatch(printLitmus(b.buggy), report.diff);
      expect(patched, 'the diff does not apply to the printed test').not.toBe(false);
      const repaired = parseLitmus(patched as string).program;
      expect(brokenness(compileFor(repaired))).toBe(0);
    });
  }
});

// The fix search is bounded by work (states and witness nodes), never by the clock, so its answer
// does not depend on the machine or its load.
describe('the fix search is bounded by work', () => {
  const twoSteps = loopback('loopback-fill-after-map', { threads: 2, sizes: [64, 256], flaw: 'fill-after-map' });

  test('its budget is spent in place, and the same budget gives the same answer', () => {
    const a = { ...DEFAULT_FIX_BUDGET };
    const b = { ...DEFAULT_FIX_BUDGET };
    const first = suggestFix(twoSteps, compileFor, { budget: a });
    expect(first?.steps).toHaveLength(2);
    expect(suggestFix(twoSteps, compileFor, { budget: b })).toEqual(first);
    expect(a).toEqual(b);
    expect(a.states).toBeLessThan(DEFAULT_FIX_BUDGET.states);
  });

  test('a budget too small for the repair gives no suggestion, within one candidate of the budget', () => {
    const budget = { states: 300, nodes: DEFAULT_FIX_BUDGET.nodes };
    expect(suggestFix(twoSteps, compileFor, { budget })).toBeUndefined();
    expect(budget.states).toBeLessThanOrEqual(0);
    // one candidate: its contract search plus one model search per event level (0..2)
    expect(-budget.states).toBeLessThan(4 * DEFAULT_MAX_STATES);
  });

  test('no fix is searched for when the check of the test itself ran out of states', () => {
    const c = compileFor(twoSteps);
    const valueSearch = checkProgramAs('t.litmus', c, 'bug', { maxStates: 5 });
    expect([valueSearch.result.method, valueSearch.result.bound.events]).toEqual(['random', -1]);
    expect(valueSearch.fix).toBeUndefined();
    expect(valueSearch.noFix).toMatch(/ran out of states/);
    const contractSearch = checkProgramAs('t.litmus', c, 'bug', { maxStates: 20 });
    expect([contractSearch.result.method, contractSearch.contract?.complete]).toEqual(['exhaustive', false]);
    expect(contractSearch.fix).toBeUndefined();
    const full = checkProgramAs('t.litmus', c, 'bug', { maxStates: 100 });
    expect(full.fix).toBeDefined();
    expect(full.noFix).toBeUndefined();
  });

  test('a bug without a fix says why, in the text and the JSON', () => {
    const cases = [
      ['scenarios/stack-buffer-rx.litmus', /no candidate repair of up to 3 edits/],
      ['scenarios/drivers/rx-ring-two-slots-no-rmb.litmus', /has branches or loops/],
    ] as const;
    for (const [file, why] of cases) {
      const o = checkLitmusFile(file);
      if (o.kind !== 'checked') throw new Error(formatInputError(o));
      expect([o.verdict, o.fix]).toEqual(['bug', undefined]);
      expect(renderText(o)).toMatch(new RegExp(`no suggested fix: .*${why.source}`));
      expect(renderJson(o)).toHaveProperty('noFix', expect.stringMatching(why));
    }
  });
});
