// What every failure prints: the counterexample for a reader, how to replay it, and where its
// JSON file is.

import { judgeCounterexample } from './counterexample.js';
import { saveFailure } from '../run/failure-file.js';
import { failureRecord } from './failure-record.js';
import { howToReplay, type FuzzFailure } from './fuzz.js';
import { formatCounterexample } from './print.js';

export interface ReportOptions {
  /** Write the failure file (default true). */
  save?: boolean;
  dir?: string;
  title?: string;
}

/** The text to print for a failure; saves its JSON file unless told not to. */
export function reportFailure(f: FuzzFailure, o: ReportOptions = {}): { text: string; file?: string } {
  const v = judgeCounterexample(f.minimal);
  const differs = v && v.verdict !== 'ok' ? v.diff : undefined;
  const file = o.save === false ? undefined : saveFailure(failureRecord(f, differs), o.dir);
  const text = [formatCounterexample(f.minimal, o.title ?? `counterexample (${f.target})`), howToReplay(f, file)].join('\n');
  return { text, ...(file ? { file } : {}) };
}
