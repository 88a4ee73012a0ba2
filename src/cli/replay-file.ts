// Saved counterexamples: dmafuzz-failures/<test>-<n>.json, written with a fresh name (never over
// an existing file), read back by --replay.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Execution, Step } from '../exec/execution.js';
import type { Program } from '../program/types.js';
import { FileReadError, readRegularFile } from '../litmus/read-file.js';
import { oneLine } from './one-line.js';
import { UsageError } from './usage-error.js';

export const FAILURE_DIR = 'dmafuzz-failures';

/** Saved executions are a few KiB; 16 MiB leaves room and still refuses /dev/zero. */
export const MAX_SAVED_BYTES = 16 << 20;

export interface SavedFailure {
  dmafuzz: 'counterexample';
  file: string;
  test: string;
  command: string;
  execution: Execution;
}

/** Save under ./dmafuzz-failures/ with a name nobody has used; undefined if that is impossible. */
export function saveFailure(f: SavedFailure, dir = FAILURE_DIR): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  const base = f.test.replace(/[^A-Za-z0-9_.+-]/g, '_');
  for (let n = 1; n < 10_000; n++) {
    const path = join(dir, `${base}-${n}.json`);
    try {
      writeFileSync(path, JSON.stringify(f, null, 2) + '\n', { flag: 'wx' });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  }
  return undefined;
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
    throw new UsageError(`--replay ${path}: not a saved counterexample of '${program.name}' (expected {"execution": {"steps": [...]}})`);
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
