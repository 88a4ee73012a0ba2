// `dmafuzz check`'s saved counterexamples and --replay: the one saved-failure format of
// src/selftest/failure-file.ts, under dmafuzz-failures/ or --save-failures DIR (content-addressed:
// the same failure saved twice is one file, a user's file is never overwritten).

import type { Execution, Step } from '../exec/execution.js';
import type { PlatformConfig } from '../platform/platform.js';
import type { Program } from '../program/types.js';
import { FAILURE_DIR, FAILURE_FORMAT, MAX_SAVED_BYTES, saveFailure as saveRecord } from '../selftest/failure-file.js';
import { FileReadError, readRegularFile } from '../litmus/read-file.js';
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

export function readReplay(path: string, program: Program): Execution {
  let data: unknown;
  try {
    data = JSON.parse(readRegularFile(path, MAX_SAVED_BYTES, 'a saved counterexample').toString('utf8'));
  } catch (e) {
    throw new UsageError(`--replay ${oneLine(path)}: ${e instanceof FileReadError ? e.message : 'not a JSON file'}`);
  }
  const steps = (data as { execution?: { steps?: unknown } })?.execution?.steps;
  if (!Array.isArray(steps) || !steps.every((s) => isStep(s, program))) {
    throw new UsageError(`--replay ${oneLine(path)}: not a saved counterexample of '${program.name}' (expected a ${FAILURE_FORMAT} file, whose "execution" has "steps")`);
  }
  const which = (data as { execution?: { path?: unknown } }).execution?.path;
  if (which === undefined) return { steps: steps as Step[] };
  if (typeof which !== 'number' || !Number.isInteger(which) || which < 0) throw new UsageError(`--replay ${oneLine(path)}: "path" must be a path number`);
  return { steps: steps as Step[], path: which };
}

function isStep(s: unknown, p: Program): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  if (typeof o.run === 'string') return p.actors.some((a) => a.name === o.run) && (o.skip === undefined || Number.isInteger(o.skip));
  return Number.isInteger(o.fill) || Number.isInteger(o.evict);
}
