// The two kinds of work a worker thread runs: a batch of trials, and the shrinking of one failure
// a batch found. Plain data in, plain data out, so both cross the thread boundary by structured
// clone. Shrinking is its own task so the main thread knows of a failure the moment its trial
// ends: a shrink that the time box or a signal cuts short loses the shrinking, not the failure.
// Workers keep the parsed files and the outcome of check's search per platform × placement.

import type { Execution } from '../exec/execution.js';
import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import { MATRIX_KEYS, type MatrixOptions } from '../kernel/platform-matrix.js';
import { shrinkFailure, type ShrunkFailure } from './shrink.js';
import { planTrial, runTrial, type TrialFailure, type TrialResult } from './trial.js';
import { DEFAULT_PLATFORM, type PlatformConfig } from '../platform/platform.js';

/**
 * A minimal failure already found: a later failing trial of the same file whose platform has
 * all its settings and whose placement includes its placement is counted as that failure
 * rather than shrunk again (shrinking is the expensive part of a failing trial).
 */
export interface KnownFailure {
  file: number;
  key: string;
  platform: PlatformConfig;
  placement: ShrunkFailure['placement'];
}

export interface BatchTask {
  kind: 'trials';
  /** The files to fuzz, as [path, text]; identical for every batch of a run. */
  files: [string, string][];
  runSeed: number;
  matrix: MatrixOptions;
  /** Global trial indices to run, in order. */
  trials: number[];
  /** Stop starting trials after this time (ms since the epoch). */
  deadline: number;
  known: KnownFailure[];
  /** --waive RULE-ID: rules waived for the whole run. */
  waive?: string[];
}

export interface ShrinkTask {
  kind: 'shrink';
  files: [string, string][];
  matrix: MatrixOptions;
  failure: TrialFailure;
  /** Stop shrinking at this time (ms since the epoch) and return what is smallest so far. */
  deadline: number;
}

export interface BatchResult {
  /** `ms`: how long the trial took: the JUnit report's times. */
  trials: { index: number; covered: string; verdict: TrialResult['verdict']; executions: number; ms: number; unrepresentable?: string; contract?: TrialResult['contract']; contractOn?: string; waived?: TrialResult['waived'] }[];
  /** Failing trials no known failure covers, as found (not shrunk). */
  failures: TrialFailure[];
  /** Failing trials counted as a known failure: its key, and the trial's platform. */
  repeats: { key: string; foundOn: string }[];
}

export function covers(k: KnownFailure, f: TrialFailure): boolean {
  if (k.file !== f.file) return false;
  for (const key of MATRIX_KEYS) if (k.platform[key] !== DEFAULT_PLATFORM[key] && f.platform[key] !== k.platform[key]) return false;
  return k.placement.every((x) => f.placement.some((y) => y.buffer === x.buffer && y.slot === x.slot && (y.neighbours || !x.neighbours)));
}

let cached: { key: string; parsed: ParsedLitmus[]; checked: Map<string, Execution | undefined> } | undefined;

/** The files parsed once per worker, and which platform × placement each has had its check at (per waiver set: the check judges findings). */
function parsedFiles(files: [string, string][], matrix: MatrixOptions, waive: readonly string[] = []) {
  const key = JSON.stringify([files, matrix, waive]);
  if (cached?.key !== key) cached = { key, parsed: files.map(([, text]) => parseLitmus(text)), checked: new Map() };
  return cached;
}

export function runBatch(task: BatchTask, now: () => number = Date.now): BatchResult {
  const { parsed, checked } = parsedFiles(task.files, task.matrix, task.waive);
  const out: BatchResult = { trials: [], failures: [], repeats: [] };
  for (const k of task.trials) {
    if (now() >= task.deadline) break;
    const plan = planTrial(parsed, k, task.runSeed, task.matrix);
    if (!plan) {
      out.trials.push({ index: k, covered: `${k % parsed.length}|none`, verdict: 'invalid', executions: 0, ms: 0 });
      continue;
    }
    const started = performance.now();
    const r = runTrial(parsed, plan, checked, task.waive);
    out.trials.push({ index: k, covered: r.covered, verdict: r.verdict, executions: r.executions, ms: performance.now() - started, ...(r.unrepresentable ? { unrepresentable: r.unrepresentable } : {}), ...(r.contract ? { contract: r.contract, contractOn: r.contractOn } : {}), ...(r.waived ? { waived: r.waived } : {}) });
    if (!r.failure) continue;
    const same = task.known.find((k) => covers(k, r.failure!));
    if (same) out.repeats.push({ key: same.key, foundOn: r.covered.split('|')[1] });
    else out.failures.push(r.failure);
  }
  return out;
}

export function runShrink(task: ShrinkTask, now: () => number = Date.now): ShrunkFailure {
  const { parsed } = parsedFiles(task.files, task.matrix);
  const f = task.failure;
  return shrinkFailure(task.files[f.file][0], parsed[f.file], f, task.matrix, task.deadline, now);
}
