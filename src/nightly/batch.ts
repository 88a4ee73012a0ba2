// A batch of trials, the unit a worker thread runs: plain data in, plain data out, so it crosses
// the thread boundary by structured clone. Workers keep the parsed files and which
// platform×placement they already checked at check's bounds between batches.

import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import type { MatrixOptions } from './matrix.js';
import { shrinkFailure, type ShrunkFailure } from './shrink.js';
import { planTrial, runTrial, type TrialResult } from './trial.js';

export interface BatchTask {
  /** The files to fuzz, as [path, text]; identical for every batch of a run. */
  files: [string, string][];
  runSeed: number;
  matrix: MatrixOptions;
  /** Global trial indices to run, in order. */
  trials: number[];
  /** Stop starting trials after this time (ms since the epoch). */
  deadline: number;
}

export interface BatchResult {
  trials: { index: number; covered: string; verdict: TrialResult['verdict']; executions: number }[];
  failures: ShrunkFailure[];
}

let cached: { key: string; parsed: ParsedLitmus[]; seen: Set<string> } | undefined;

export function runBatch(task: BatchTask): BatchResult {
  const key = JSON.stringify([task.files, task.matrix]);
  if (cached?.key !== key) cached = { key, parsed: task.files.map(([, text]) => parseLitmus(text)), seen: new Set() };
  const { parsed, seen } = cached;
  const out: BatchResult = { trials: [], failures: [] };
  for (const k of task.trials) {
    if (Date.now() >= task.deadline) break;
    const plan = planTrial(parsed, k, task.runSeed, task.matrix);
    if (!plan) {
      out.trials.push({ index: k, covered: `${k % parsed.length}|none`, verdict: 'invalid', executions: 0 });
      continue;
    }
    const r = runTrial(parsed, plan, seen);
    out.trials.push({ index: k, covered: r.covered, verdict: r.verdict, executions: r.executions });
    if (r.failure) out.failures.push(shrinkFailure(task.files[plan.file][0], parsed[plan.file], r.failure, task.matrix));
  }
  return out;
}
