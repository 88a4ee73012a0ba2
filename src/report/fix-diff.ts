// A fix suggestion as a reviewer reads it: the repairs in words and a unified diff of the
// litmus text (both sides printed by the same printer, so only the repair differs).

import { createTwoFilesPatch } from 'diff';
import type { FixSuggestion } from '../check/suggest-fix.js';
import { printLitmus } from '../litmus/print.js';
import type { Program } from '../program/types.js';

export interface FixReport {
  steps: string[];
  diff: string;
}

export function fixReport(original: Program, fix: FixSuggestion, file = `${original.name}.litmus`): FixReport {
  const patch = createTwoFilesPatch(`a/${file}`, `b/${file}`, printLitmus(original), printLitmus(fix.program), undefined, undefined, { context: 2 });
  // Drop the "=====" banner line jsdiff puts first; keep ---/+++ and the hunks.
  return { steps: fix.steps, diff: patch.split('\n').filter((l) => !/^=+$/.test(l)).join('\n').replace(/\n+$/, '') };
}
