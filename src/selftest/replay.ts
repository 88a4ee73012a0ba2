// replay(): get a failure back, either from the generators (target + seed + fast-check path,
// valid while the generators are unchanged) or from a saved failure file (valid for good).

import type { ExecutionVerdict } from '../oracle/oracle.js';
import type { ModelFault } from '../platform/platform.js';
import { judgeCounterexample, type Counterexample } from './counterexample.js';
import { loadFailure, type FailureRecord } from '../run/failure-file.js';
import { fuzz } from './fuzz.js';
import { formatCounterexample } from './print.js';

export type ReplaySource =
  | { target: string; seed: number; path: string; faults?: ModelFault[] }
  | FailureRecord
  /** a failure file */
  | string;

export interface ReplayResult {
  counterexample: Counterexample;
  verdict: ExecutionVerdict;
  /** The counterexample as printed for a reader. */
  text: string;
}

export function replay(source: ReplaySource): ReplayResult {
  const loaded = typeof source === 'string' ? loadFailure(source) : undefined;
  const counterexample = loaded ? strip(loaded) : 'format' in (source as object) ? strip(source as FailureRecord & Counterexample) : fromGenerator(source as { target: string; seed: number; path: string; faults?: ModelFault[] });
  const verdict = judgeCounterexample(counterexample);
  if (!verdict) throw new Error('replay: the saved program no longer compiles');
  const text = formatCounterexample(counterexample, verdict.verdict === 'bug' ? 'counterexample' : `no longer a counterexample (${verdict.verdict})`);
  // Which litmus file was replayed, when the one the record names differs (a copied corpus).
  return { counterexample, verdict, text: loaded?.litmusNote ? `${loaded.litmusNote}\n${text}` : text };
}

function strip(r: FailureRecord & Counterexample): Counterexample {
  return { platform: r.platform, ...(r.faults?.length ? { faults: r.faults } : {}), program: r.program, execution: r.execution };
}

function fromGenerator(s: { target: string; seed: number; path: string; faults?: ModelFault[] }): Counterexample {
  const report = fuzz(s.target, { seed: s.seed, path: s.path, runs: 1, faults: s.faults });
  if (!report.failure) throw new Error(`replay: target ${s.target} seed ${s.seed} path ${s.path} does not fail (have the generators changed? replay the saved file instead)`);
  return report.failure.minimal;
}
