// The failure corpus (--corpus DIR, default dmafuzz-corpus/): each minimal counterexample once,
// as NAME-HASH.litmus plus NAME-HASH.json (its replay data for `dmafuzz check --replay`). HASH
// is of the shrunk test without its comments, so the same failure found twice — by two workers,
// or on two nights — is one entry. Files are written whole under a temporary name in the same
// directory and then hard-linked to their final name, which fails if the name exists: a run
// never overwrites a file and never leaves a half-written one under a corpus name. The .litmus
// file appears last, so every corpus test has its replay data.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ShrunkFailure } from './shrink.js';

export const CORPUS_DIR = 'dmafuzz-corpus';

export interface CorpusEntry {
  litmus: string;
  replay: string;
}

/** The identity of a shrunk failure: its test text without comment lines. */
export function failureKey(f: Pick<ShrunkFailure, 'litmus'>): string {
  const body = f.litmus.split('\n').filter((l) => !l.startsWith('//')).join('\n');
  return createHash('sha256').update(body).digest('hex').slice(0, 12);
}

/** Replay data: what `dmafuzz check --replay` reads, and where the failure came from. */
export function replayData(f: ShrunkFailure, litmusFile: string) {
  return {
    dmafuzz: 'counterexample' as const,
    file: litmusFile,
    test: f.test,
    command: f.reproducesWithCheck ? `dmafuzz check ${litmusFile}` : `dmafuzz check ${litmusFile} --replay ${litmusFile.replace(/\.litmus$/, '.json')}`,
    reproducesWithCheck: f.reproducesWithCheck,
    foundIn: { file: f.file, trial: f.trial },
    platform: f.platform,
    placement: f.placement,
    execution: f.execution,
  };
}

/** Write `text` to `path` only if nothing is there; false if something is. */
function writeOnce(path: string, text: string): boolean {
  const tmp = join(path, '..', `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}-${basename(path)}`);
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Save a failure unless the corpus has it; the entry written, or undefined for a duplicate. */
export function saveToCorpus(dir: string, f: ShrunkFailure): CorpusEntry | undefined {
  mkdirSync(dir, { recursive: true });
  const base = `${f.test.replace(/[^A-Za-z0-9_.+-]/g, '_')}-${failureKey(f)}`;
  const litmus = join(dir, `${base}.litmus`);
  const replay = join(dir, `${base}.json`);
  if (readdirSync(dir).includes(`${base}.litmus`)) return undefined;
  writeOnce(replay, JSON.stringify(replayData(f, litmus), null, 2) + '\n');
  return writeOnce(litmus, f.litmus) ? { litmus, replay } : undefined;
}
