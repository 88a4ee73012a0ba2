// Failure files: a counterexample saved as JSON (platform, program, execution as data, plus the
// seed and path that generated it) under dmafuzz-failures/, always in a fresh file. Values are
// written as "0x…" strings (src/program/json.ts) so a u64 survives exactly.

import { mkdirSync, openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFault } from '../platform/platform.js';
import { programFromJson, toJson } from '../program/json.js';
import type { Counterexample } from './counterexample.js';
import type { FuzzFailure } from './fuzz.js';

export const FAILURE_FORMAT = 'dmafuzz-failure/1';
export const FAILURE_DIR = 'dmafuzz-failures';

export interface FailureRecord extends Counterexample {
  format: typeof FAILURE_FORMAT;
  /** How the generators found it; replaying from the file does not need them. */
  found: { target: string; seed: number; path: string; faults?: ModelFault[] };
  /** The observations that differ from the ideal platform, as found (for readers of the file). */
  differs?: { what: string; model: string; ideal: string }[];
}

export function failureRecord(f: FuzzFailure, differs?: FailureRecord['differs']): FailureRecord {
  return {
    format: FAILURE_FORMAT,
    found: { target: f.target, seed: f.seed, path: f.path, ...(f.faults?.length ? { faults: f.faults } : {}) },
    ...f.minimal,
    ...(differs ? { differs } : {}),
  };
}

/** Write to a name nobody has used: `<target>-seed<seed>-<time>[-n].json`, opened with O_EXCL. */
export function saveFailure(record: FailureRecord, dir = FAILURE_DIR): string {
  mkdirSync(dir, { recursive: true });
  const base = `${record.found.target.replace(/[^a-z0-9-]/gi, '-')}-seed${record.found.seed}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (let n = 0; ; n++) {
    const file = join(dir, `${base}${n ? `-${n}` : ''}.json`);
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    writeSync(fd, toJson(record, 2) + '\n');
    closeSync(fd);
    return file;
  }
}

export function loadFailure(file: string): FailureRecord {
  let r: FailureRecord;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as FailureRecord;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (r.format !== FAILURE_FORMAT) throw new Error(`${file}: not a ${FAILURE_FORMAT} file (format: ${String(r.format)})`);
  return { ...r, program: programFromJson(r.program) };
}
