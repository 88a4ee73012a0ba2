// What `dmafuzz selftest` saves of a failure: the minimal counterexample, in the one saved-failure
// format (src/run/failure-file.ts), with the generator target, seed and path that found it.

import { FAILURE_FORMAT, type FailureRecord } from '../run/failure-file.js';
import type { FuzzFailure } from './fuzz.js';

export function failureRecord(f: FuzzFailure, differs?: FailureRecord['differs']): FailureRecord {
  return {
    format: FAILURE_FORMAT,
    test: f.minimal.program.name,
    found: { target: f.target, seed: f.seed, path: f.path },
    ...f.minimal,
    ...(differs ? { differs } : {}),
  };
}
