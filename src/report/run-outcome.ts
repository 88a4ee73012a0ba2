// What a `dmafuzz fuzz FILES` run found, and whether it may read as a pass: counted once here for
// every rendering (the console's last line, summary.json, junit.xml, index.html), so they never
// contradict each other. A run interrupted by a signal, or one in which no trial ran, found
// nothing but tested nothing to the end either: never a pass (exit 3, as check's inconclusive).

import type { FileSummary, FuzzSummary } from '../fuzz/fuzz-files.js';

export interface RunOutcome {
  /** Distinct shrunk counterexamples. */
  failures: number;
  /** Contract errors found with no counterexample (a dma-debug WARN, an order the device can observe), all files. */
  contractErrors: number;
  /** A signal stopped the run. */
  interrupted: boolean;
  /** Files to fuzz (not skipped) that no trial reached. */
  untried: string[];
  /** `bug` if anything was found; else `interrupted`, or `untried` if no trial ran at all; else `ok`. */
  status: 'bug' | 'interrupted' | 'untried' | 'ok';
}

export const fileTrials = (f: FileSummary): number => f.cases.reduce((n, c) => n + c.trials, 0);

export function runOutcome(s: FuzzSummary): RunOutcome {
  const failures = s.failures.length;
  const contractErrors = s.files.reduce((n, f) => n + (f.contract?.length ?? 0), 0);
  const interrupted = s.stoppedBy === 'signal';
  const untried = s.files.filter((f) => !f.skipped && fileTrials(f) === 0).map((f) => f.file);
  // No trial at all is never a pass, even when every file was skipped (a directory of `expect bug` tests).
  const status = failures + contractErrors ? 'bug' : interrupted ? 'interrupted' : s.trials === 0 && s.files.length ? 'untried' : 'ok';
  return { failures, contractErrors, interrupted, untried, status };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "2 failures", "0 failures and 2 contract errors". */
export function foundText(o: RunOutcome): string {
  return `${plural(o.failures, 'failure')}${o.contractErrors ? ` and ${plural(o.contractErrors, 'contract error')}` : ''}`;
}

/** Why a run with nothing found is not a pass, or undefined when it is one (or found something). */
export function notAPass(o: RunOutcome, trials: number): string | undefined {
  if (o.status === 'interrupted') return `interrupted by a signal after ${plural(trials, 'trial')}: nothing found so far, which is not a pass`;
  if (o.status === 'untried') return 'no trial ran: nothing was tested, which is not a pass';
  return undefined;
}
