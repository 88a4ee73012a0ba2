// A fix suggestion as a reviewer reads it: the repairs in words and a unified diff of the user's
// own file, the text as it was against the text that re-checked ok. The paths are `a/PATH` and
// `b/PATH` with PATH relative to the directory dmafuzz ran in, so `git apply` (in a git work
// tree or not) and `patch -p1` apply it from there.

import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { FixSuggestion } from '../check/suggest-fix.js';

export interface FixReport {
  steps: string[];
  /** The unified diff: `--- a/PATH`, `+++ b/PATH`, hunks with 3 lines of context; every line ends with a newline, so written out as it is it applies. */
  diff: string;
  /** PATH, relative to applyIn, with '/' separators. */
  path: string;
  /** Where to apply it: '.', the directory dmafuzz ran in, or the file's own directory when it is outside that. */
  applyIn: string;
}

/**
 * The path a diff names the file by, and the directory that path is relative to: `cwd`, or, for
 * a file outside it (`../x.litmus`, another drive), the file's own directory.
 */
export function diffPath(file: string, cwd = process.cwd()): { path: string; applyIn: string } {
  const abs = resolve(cwd, file);
  const rel = relative(cwd, abs).split('\\').join('/');
  if (!rel || rel.startsWith('../') || rel === '..' || isAbsolute(rel)) return { path: basename(abs), applyIn: dirname(abs) };
  return { path: rel, applyIn: '.' };
}

export function fixReport(original: string, fix: FixSuggestion, file: string, cwd = process.cwd()): FixReport {
  const { path, applyIn } = diffPath(file, cwd);
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, original, fix.text, undefined, undefined, { context: 3 });
  // Drop the "=====" banner line jsdiff puts first and the tab it leaves after each file name.
  const lines = patch.split('\n').filter((l) => !/^=+$/.test(l)).map((l) => (/^(---|\+\+\+) /.test(l) ? l.replace(/\t$/, '') : l));
  // Ends with a newline: without it `git apply` says "corrupt patch" and patch "unexpectedly ends in middle of line".
  return { steps: fix.steps, diff: lines.join('\n').replace(/\n+$/, '') + '\n', path, applyIn };
}

/** A diff's lines, for renderings that indent or mark each one. */
export function diffLines(diff: string): string[] {
  return diff.replace(/\n$/, '').split('\n');
}
