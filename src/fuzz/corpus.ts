// The failure corpus (--corpus DIR, default dmafuzz-corpus/): each minimal counterexample once,
// as NAME-HASH.litmus plus NAME-HASH.json (the saved-failure format of src/run/failure-file.ts,
// which `dmafuzz check --replay` and `dmafuzz replay` read). HASH is of the shrunk test without
// its comments, so the same failure found twice — by two workers, or on two nights — is one
// entry, and a failure already there is reported with its entry. Files are written whole under a
// hidden temporary name and hard-linked into place (src/run/write-whole.ts: never over a file,
// never half-written); the .litmus file appears last, so every corpus test has its replay data.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
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

/** A test's text without its comment lines: what makes two corpus entries the same failure. */
const withoutComments = (text: string) => text.split('\n').filter((l) => !l.startsWith('//')).join('\n');

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Save a failure unless the corpus has it; the entry, marked `known` if it was there. Only the
 * same test (comment lines aside: another night's header) counts as there: a file under the name
 * that differs — the entry after the user fixed it, or anything else — is left alone and the
 * next free name taken (NAME-HASH-2.litmus, -3, …), as saveFailure() does.
 */
export function saveToCorpus(dir: string, f: ShrunkFailure): CorpusEntry {
  makeDir(dir);
  const stem = `${f.test.replace(/[^A-Za-z0-9_.+-]/g, '_')}-${failureKey(f)}`;
  const same = (path: string) => {
    const there = readOrUndefined(path);
    return there !== undefined && withoutComments(there) === withoutComments(f.litmus);
  };
  for (let n = 1; ; n++) {
    const base = `${stem}${n > 1 ? `-${n}` : ''}`;
    const litmus = join(dir, `${base}.litmus`);
    const replay = join(dir, `${base}.json`);
    if (existsSync(litmus)) {
      if (same(litmus)) return { litmus, replay, known: true };
      continue;
    }
    // The replay data first, so every corpus test has its own; a file of someone else's under its name: the next name.
    const json = failureJson(corpusRecord(f, litmus));
    if (!writeWhole(replay, json) && readOrUndefined(replay) !== json) continue;
    if (writeWhole(litmus, f.litmus)) return { litmus, replay };
    if (same(litmus)) return { litmus, replay, known: true }; // another writer saved it meanwhile
  }
}
