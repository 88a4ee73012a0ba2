// `dmafuzz check`'s saved counterexamples and --replay, in the one saved-failure format of
// src/run/failure-file.ts, under dmafuzz-failures/ or --save-failures DIR (content-addressed:
// the same failure saved twice is one file, a user's file is never overwritten). --replay reads
// any saved failure through the same reader as `dmafuzz replay`: check's, the corpus's,
// selftest's, and the shapes older versions wrote.

import type { Execution, Step } from '../exec/execution.js';
import type { PlatformConfig } from '../platform/platform.js';
import type { Program } from '../program/types.js';
import { FAILURE_DIR, FAILURE_FORMAT, FailureFileError, MAX_SAVED_BYTES, readFailureFile, saveFailure as saveRecord, type FailureRecord } from './failure-file.js';
import { oneLine } from '../report/one-line.js';
import { UsageError } from './usage-error.js';

export { FAILURE_DIR, MAX_SAVED_BYTES };

export interface CheckFailure {
  file: string;
  test: string;
  command: string;
  /** --platform settings over the file's own. */
  platformOverrides: Partial<PlatformConfig>;
  execution: Execution;
}

/** Save in `dir`; the path, or undefined if it cannot be written (the verdict is printed anyway). */
export function saveFailure(f: CheckFailure, dir = FAILURE_DIR): string | undefined {
  try {
    return saveRecord({
      format: FAILURE_FORMAT, test: f.test, file: f.file, command: f.command,
      ...(Object.keys(f.platformOverrides).length ? { platformOverrides: f.platformOverrides } : {}),
      execution: f.execution, found: { by: 'dmafuzz check' },
    }, dir);
  } catch {
    return undefined;
  }
}

/** The execution a saved failure holds, as one of `program`'s (its threads named, its path a number). */
export function readReplay(path: string, program: Program): Execution {
  let record: FailureRecord;
  try {
    record = readFailureFile(path);
  } catch (e) {
    // FailureFileError messages begin with the path; say which option it came from
    if (e instanceof FailureFileError) throw new UsageError(`--replay ${oneLine(e.message)}`);
    throw e;
  }
  // a counterexample of another test may name the same threads and replay as "ok": refuse it
  if (record.test !== undefined && record.test !== program.name) {
    throw new UsageError(`--replay ${oneLine(path)}: not a saved counterexample of '${program.name}' (it is of '${oneLine(record.test)}')`);
  }
  const { steps, path: which } = record.execution;
  if (!steps.every((s) => isStep(s, program))) {
    throw new UsageError(`--replay ${oneLine(path)}: not a saved counterexample of '${program.name}' (its steps name threads the test does not have)`);
  }
  if (which === undefined) return { steps };
  if (typeof which !== 'number' || !Number.isInteger(which) || which < 0) throw new UsageError(`--replay ${oneLine(path)}: "path" must be a path number`);
  return { steps, path: which };
}

function isStep(s: unknown, p: Program): s is Step {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  if (typeof o.run === 'string') return p.actors.some((a) => a.name === o.run) && (o.skip === undefined || Number.isInteger(o.skip));
  return Number.isInteger(o.fill) || Number.isInteger(o.evict);
}
