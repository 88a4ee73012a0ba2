// Every bug class gets a fix suggestion, and the suggestion is true: applying its diff to the
// litmus text gives a program that checks ok with no error finding.

import { applyPatch } from 'diff';
import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { brokenness, suggestFix } from '../src/check/suggest-fix.js';
import { compile } from '../src/exec/compile.js';
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
