// Saved failures: ONE format for every counterexample dmafuzz writes — by `dmafuzz check`
// (dmafuzz-failures/, src/run/replay-file.ts), by `dmafuzz fuzz FILES` (the corpus, next to its
// .litmus, src/fuzz/corpus.ts) and by `dmafuzz selftest` (src/selftest/failure-record.ts) — one
// writer, saveFailure(), and one reader, readFailureFile(), behind `dmafuzz replay FILE.json`,
// `dmafuzz check FILE --replay FILE.json` and the corpus tests. The execution is data; the program is in the file itself, or
// in the litmus file it names. Values are written as "0x…" strings (src/program/json.ts) so a u64
// survives exactly. Files users saved in the older shapes still read: {"dmafuzz":
// "counterexample"} (check and the corpus, until 0.1) and "format": "dmafuzz-failure/1" (selftest).
//
// Files are content-addressed: the same failure saved twice is one file, and a different file
// already under that name (a user's) is never overwritten — the next free name is taken. Every
// file is written whole under a hidden temporary name and hard-linked into place (write-whole.ts).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Execution } from '../exec/execution.js';
import { parseLitmus } from '../litmus/parse.js';
import { FileReadError, readLitmusFile, readRegularFile } from '../litmus/read-file.js';
import { DEFAULT_PLATFORM, makePlatform, type ModelFault, type PlatformConfig } from '../platform/platform.js';
import { programFromJson, toJson } from '../program/json.js';
import type { Program } from '../program/types.js';
import type { Counterexample } from './counterexample.js';
import { writeWhole } from '../report/write-whole.js';
import { makeDir } from '../report/make-dir.js';

export const FAILURE_FORMAT = 'dmafuzz-counterexample/1';
/** Where `dmafuzz check` and `dmafuzz selftest` save failures unless told otherwise. */
export const FAILURE_DIR = 'dmafuzz-failures';
/** Saved executions are a few KiB; 16 MiB leaves room and still refuses /dev/zero. */
export const MAX_SAVED_BYTES = 16 << 20;

export interface FailureRecord {
  format: typeof FAILURE_FORMAT;
  /** The test's name (its DMA line). */
  test?: string;
  /** The litmus file the failure is of: the user's (check) or the shrunk test in the corpus (fuzz). */
  file?: string;
  /** The command that reproduces it. */
  command?: string;
  /** The platform it fails on, every setting named. */
  platform?: PlatformConfig;
  /** --platform settings over the file's own (check). */
  platformOverrides?: Partial<PlatformConfig>;
  /** Deliberate model breakages the failure was found under (tests of the harness only). */
  faults?: ModelFault[];
  /** The program, when no litmus file holds it (selftest). */
  program?: Program;
  execution: Execution;
  /** How it was found (generator target, seed and path; or the fuzzed file and trial). */
  found?: Record<string, unknown>;
  /** The observations that differ from the ideal platform, as found (for readers of the file). */
  differs?: { what: string; model: string; ideal: string }[];
}

/** A failure as its file holds it: the one serialisation of the format. */
export function failureJson(record: FailureRecord): string {
  return toJson(record, 2) + '\n';
}

/**
 * Save a failure as `<stem>-<hash>.json` in `dir` (created if needed); the path it is in. Saved
 * twice, it is the same file; a different file under the name is kept and `-2`, `-3`… taken.
 */
export function saveFailure(record: FailureRecord, dir = FAILURE_DIR, stem = record.test ?? 'failure'): string {
  makeDir(dir);
  const text = failureJson(record);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const base = `${stem.replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 100)}-${hash}`;
  for (let n = 1; ; n++) {
    const path = join(dir, `${base}${n > 1 ? `-${n}` : ''}.json`);
    if (writeWhole(path, text)) return path;
    let there: string | undefined;
    try {
      there = readFileSync(path, 'utf8');
    } catch {
      there = undefined;
    }
    if (there === text) return path;
  }
}

export class FailureFileError extends Error {}

/**
 * Any saved failure, read as this format; a FailureFileError says why it is not one. The shapes
 * older versions wrote read too: {"dmafuzz": "counterexample"} (check's, and the corpus's with
 * "foundIn" and "placement"), and "format": "dmafuzz-failure/1" (selftest's).
 */
export function readFailureFile(file: string): FailureRecord {
  let text: string;
  try {
    // a FIFO or /dev/zero must not hang or fill memory: the same checks as a litmus file
    text = readRegularFile(file, MAX_SAVED_BYTES, 'a saved counterexample').toString('utf8');
  } catch (e) {
    if (e instanceof FileReadError) throw new FailureFileError(`${file}: ${e.message}`);
    throw e;
  }
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new FailureFileError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const steps = (data?.execution as { steps?: unknown } | undefined)?.steps;
  const known = data?.format === FAILURE_FORMAT || data?.format === 'dmafuzz-failure/1' || data?.dmafuzz === 'counterexample';
  if (typeof data !== 'object' || data === null || !known || !Array.isArray(steps)) {
    throw new FailureFileError(`${file}: not a saved failure (expected "format": "${FAILURE_FORMAT}" and an "execution" with "steps")`);
  }
  const { dmafuzz: _old, foundIn, placement, reproducesWithCheck, ...rest } = data;
  return {
    ...(rest as Omit<FailureRecord, 'format'>),
    format: FAILURE_FORMAT,
    ...(rest.program ? { program: programFromJson(rest.program) } : {}),
    ...(foundIn || placement ? { found: { ...(rest.found as object), ...(foundIn as object), ...(placement ? { placement } : {}) } } : {}),
  };
}

/** The counterexample a saved failure holds: its program from the file or from the litmus file it names. */
export function loadFailure(file: string): FailureRecord & Counterexample & { litmusNote?: string } {
  const r = readFailureFile(file);
  let program = r.program;
  let litmusNote: string | undefined;
  if (!program) {
    if (!r.file) throw new FailureFileError(`${file}: names no litmus file and holds no program`);
    // First the test next to the failure file under its own name (a corpus entry NAME-HASH.json
    // beside NAME-HASH.litmus: a copied corpus replays its own test, not the one the record names
    // relative to where fuzz ran); then as saved, relative to where the command ran; then next to
    // the failure file under the recorded name (a corpus moved whole).
    const beside = join(dirname(file), `${basename(file).replace(/\.json$/i, '')}.litmus`);
    const litmus = [beside, r.file, join(dirname(file), basename(r.file)), resolve(dirname(file), r.file)].find((p) => existsSync(p));
    if (!litmus) throw new FailureFileError(`${file}: the litmus file it is of, ${r.file}, is not there`);
    const text = readLitmusFile(litmus);
    if (litmus === beside && resolve(r.file) !== resolve(beside) && existsSync(r.file) && readLitmusFile(r.file) !== text) {
      litmusNote = `note: replaying ${beside} (next to ${file}); ${r.file}, the file it records, differs`;
    }
    program = parseLitmus(text).program;
  }
  const { version: _v, faults: _f, ...own } = makePlatform({ ...(program.platform ?? {}), ...(r.platformOverrides ?? {}) });
  const platform: PlatformConfig = r.platform ?? { ...DEFAULT_PLATFORM, ...own };
  return { ...r, program, platform, ...(litmusNote ? { litmusNote } : {}) };
}
