// The one verdict rule of `dmafuzz check` and `dmafuzz fuzz`: a counterexample, or a contract
// error (witnessed, not waived: src/check/judge-findings.ts), makes it `bug`. Warnings and waived
// findings never change it.

import { hasErrors, type Finding } from './finding.js';

export type Verdict = 'ok' | 'bug' | 'inconclusive';

export function verdictOf(value: Verdict, findings: readonly Finding[]): Verdict {
  return value === 'bug' || hasErrors(findings) ? 'bug' : value;
}
