// A batch of trials, the unit a worker thread runs: plain data in, plain data out, so it crosses
// the thread boundary by structured clone. Workers keep the parsed files and the outcome of check's
// search per platform × placement between batches.

import type { Execution } from '../exec/execution.js';
import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import { failureKey } from './corpus.js';
import { MATRIX_KEYS, platformKey, type MatrixOptions } from './matrix.js';
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

export interface BatchResult {
  /** `ms`: how long the trial took (for a failure, with its shrinking): the JUnit report's times. */
  trials: { index: number; covered: string; verdict: TrialResult['verdict']; executions: number; ms: number; contract?: TrialResult['contract']; contractOn?: string }[];
  failures: (ShrunkFailure & { fileIndex: number; ms: number })[];
  /** Failing trials counted as a known failure: its key, and the trial's platform. */
  repeats: { key: string; foundOn: string }[];
}

function covers(k: KnownFailure, f: TrialFailure): boolean {
  if (k.file !== f.file) return false;
  for (const key of MATRIX_KEYS) if (k.platform[key] !== DEFAULT_PLATFORM[key] && f.platform[key] !== k.platform[key]) return false;
  return k.placement.every((x) => f.placement.some((y) => y.buffer === x.buffer && y.slot === x.slot && (y.neighbours || !x.neighbours)));
}

let cached: { key: string; parsed: ParsedLitmus[]; checked: Map<string, Execution | undefined> } | undefined;

export function runBatch(task: BatchTask): BatchResult {
  const key = JSON.stringify([task.files, task.matrix]);
  if (cached?.key !== key) cached = { key, parsed: task.files.map(([, text]) => parseLitmus(text)), checked: new Map() };
  const { parsed, checked } = cached;
  const out: BatchResult = { trials: [], failures: [], repeats: [] };
  const known = [...task.known];
  for (const k of task.trials) {
    if (Date.now() >= task.deadline) break;
    const plan = planTrial(parsed, k, task.runSeed, task.matrix);
    if (!plan) {
      out.trials.push({ index: k, covered: `${k % parsed.length}|none`, verdict: 'invalid', executions: 0, ms: 0 });
      continue;
    }
    const started = performance.now();
    const r = runTrial(parsed, plan, checked, task.waive);
    const trial = { index: k, covered: r.covered, verdict: r.verdict, executions: r.executions, ms: performance.now() - started, ...(r.contract ? { contract: r.contract, contractOn: r.contractOn } : {}) };
    out.trials.push(trial);
    if (!r.failure) continue;
    const same = known.find((k) => covers(k, r.failure!));
    if (same) {
      out.repeats.push({ key: same.key, foundOn: platformKey(r.failure.platform) });
      continue;
    }
    const shrunk = { ...shrinkFailure(task.files[plan.file][0], parsed[plan.file], r.failure, task.matrix), fileIndex: plan.file, ms: 0 };
    trial.ms = shrunk.ms = performance.now() - started;
    out.failures.push(shrunk);
    known.push({ file: plan.file, key: failureKey(shrunk), platform: shrunk.platform, placement: shrunk.placement });
  }
  return out;
}
