// The failure corpus (--corpus DIR, default dmafuzz-corpus/): each minimal counterexample once,
// as NAME-HASH.litmus plus NAME-HASH.json (the saved-failure format of src/run/failure-file.ts,
// which `dmafuzz check --replay` and `dmafuzz replay` read). HASH is of the shrunk test without
// its comments, so the same failure found twice — by two workers, or on two nights — is one
// entry, and a failure already there is reported with its entry. Files are written whole under a
// hidden temporary name and hard-linked into place (src/run/write-whole.ts: never over a file,
// never half-written); the .litmus file appears last, so every corpus test has its replay data.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { makeDir } from '../report/make-dir.js';
import { join } from 'node:path';
import { FAILURE_FORMAT, failureJson, type FailureRecord } from '../run/failure-file.js';
import { reproduceCommand } from '../report/failure-report.js';
import { writeWhole } from '../report/write-whole.js';
import type { ShrunkFailure } from './shrink.js';

export const CORPUS_DIR = 'dmafuzz-corpus';

export interface CorpusEntry {
  litmus: string;
  replay: string;
  /** The corpus had it already (an earlier night, or another run sharing the corpus). */
  known?: boolean;
}

/** The identity of a shrunk failure: its test text without comment lines. */
export function failureKey(f: Pick<ShrunkFailure, 'litmus'>): string {
  const body = f.litmus.split('\n').filter((l) => !l.startsWith('//')).join('\n');
  return createHash('sha256').update(body).digest('hex').slice(0, 12);
}


/** The saved failure of a corpus entry. */
export function corpusRecord(f: ShrunkFailure, litmusFile: string): FailureRecord {
  return {
    format: FAILURE_FORMAT,
    test: f.test,
    file: litmusFile,
    command: reproduceCommand(f.reproducesWithCheck, { litmus: litmusFile, replay: litmusFile.replace(/\.litmus$/, '.json') }),
    platform: f.platform,
    execution: f.execution,
    found: { by: 'dmafuzz fuzz', file: f.file, trial: f.trial, placement: f.placement, reproducesWithCheck: f.reproducesWithCheck },
  };
}

/** Save a failure unless the corpus has it; the entry, marked `known` if it was there. */
export function saveToCorpus(dir: string, f: ShrunkFailure): CorpusEntry {
  makeDir(dir);
  const base = `${f.test.replace(/[^A-Za-z0-9_.+-]/g, '_')}-${failureKey(f)}`;
  const litmus = join(dir, `${base}.litmus`);
  const replay = join(dir, `${base}.json`);
  if (existsSync(litmus)) return { litmus, replay, known: true };
  writeWhole(replay, failureJson(corpusRecord(f, litmus)));
  return writeWhole(litmus, f.litmus) ? { litmus, replay } : { litmus, replay, known: true };
}
