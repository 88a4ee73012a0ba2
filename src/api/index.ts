// The package's typed API, for driver teams that check their litmus tests from their own code
// and tests: check a file or a text, parse one, fuzz files across the platform matrix, or build
// programs in TypeScript. `dmafuzz/vitest` adds expect(...).toBeDmaSafe().

import { checkLitmusFile, checkProgramAs, compileParsed, formatInputError, type Checked, type FileCheckOptions } from '../run/check-file.js';
import { parseLitmus as parseLitmusText, type ParsedLitmus } from '../litmus/parse.js';
import { LitmusError } from '../litmus/litmus-error.js';
import { renderText } from '../report/render.js';

export type { Checked, FileCheckOptions, ParsedLitmus };
export type { PlatformConfig } from '../platform/platform.js';
export { DEFAULT_PLATFORM } from '../platform/platform.js';
export type { Program, BufferDecl, CpuOp, DeviceOp, Actor, Direction } from '../program/types.js';
export * from '../program/build.js';
export { fuzzFiles, type FuzzFilesOptions, type FuzzSummary, type SavedFailure, type FuzzProgress } from '../fuzz/fuzz-files.js';
export { MATRIX, TIED } from '../kernel/platform-matrix.js'; // TIED: settings that vary only with another (declaredCoherent with deviceCoherent)
export { writeReports } from '../report/fuzz-reports.js';

/** A litmus test that cannot be read or parsed: message is `file:line:col: problem`. */
export class LitmusInputError extends Error {}

export interface LitmusCheck extends Checked {
  /** What `dmafuzz check` prints for it (the whole counterexample for a bug). */
  text: string;
}

/** Parse a litmus test's text; a problem throws LitmusInputError with its line and column. */
export function parseLitmus(text: string, file = '<text>'): ParsedLitmus {
  try {
    return parseLitmusText(text);
  } catch (e) {
    if (e instanceof LitmusError) throw new LitmusInputError(`${file}:${e.line}:${e.col}: ${e.message}`);
    throw e;
  }
}

/**
 * Check a litmus file as `dmafuzz check FILE` does (exhaustive when small, else seeded random
 * search), or a text with `{ text }`. Resolves to the verdict, the counterexample if any, and
 * the report text; rejects with LitmusInputError for a file that cannot be read or parsed.
 */
export async function checkLitmus(source: string | { text: string; file?: string }, o: FileCheckOptions = {}): Promise<LitmusCheck> {
  let outcome;
  if (typeof source === 'string') outcome = checkLitmusFile(source, o);
  else {
    const file = source.file ?? '<text>';
    const parsed = parseLitmus(source.text, file);
    const compiled = compileParsed(file, parsed, o.platform ?? {}, o.platformText ?? {}, o.unroll); // as checkLitmusFile compiles a file
    outcome = 'kind' in compiled ? compiled : checkProgramAs(file, compiled, parsed.expect, o, parsed.source, source.text);
  }
  if (outcome.kind === 'error') throw new LitmusInputError(formatInputError(outcome));
  return { ...outcome, text: renderText(outcome) }; // verdict: a counterexample or an error finding makes it 'bug'
}
