// What `dmafuzz check` says of a shrunk fuzz failure besides its counterexample — the contract
// findings and the suggested fix (or why there is none) — for the reports of `dmafuzz fuzz`,
// which live below the CLI and get this function passed in (src/report/failure-report.ts).

import type { CheckShrunk } from '../report/failure-report.js';
import { checkProgramAs, loadLitmus } from './check-file.js';

export const checkShrunk: CheckShrunk = (file, litmus) => {
  const loaded = loadLitmus(file, litmus);
  if ('kind' in loaded) return undefined; // never expected: the shrinker printed and re-parsed it
  // The report explains the failure's own execution (one traced replay): no explanation of check's.
  // The text as saved (its `// Found by` header included), so the fix's diff and line numbers are the saved file's.
  const c = checkProgramAs(file, loaded.compiled, loaded.parsed.expect, { explain: false }, loaded.parsed.source, litmus, loaded.parsed);
  return { findings: c.contract?.findings ?? [], ...(c.fix ? { fix: c.fix } : {}), ...(c.noFix ? { noFix: c.noFix } : {}) };
};
