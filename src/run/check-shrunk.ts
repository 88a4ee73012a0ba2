// What `dmafuzz check` says of a shrunk fuzz failure besides its counterexample — the contract
// findings and the suggested fix (or why there is none) — for the reports of `dmafuzz fuzz`,
// which live below the CLI and get this function passed in (src/report/failure-report.ts).

import type { CheckOwnFile, CheckShrunk } from '../report/failure-report.js';
import { parseLitmus } from '../litmus/parse.js';
import { readLitmusFile } from '../litmus/read-file.js';
import type { Program } from '../program/types.js';
import { toJson } from '../program/json.js';
import { checkLitmusFile, checkProgramAs, loadLitmus } from './check-file.js';

export const checkShrunk: CheckShrunk = (file, litmus) => {
  const loaded = loadLitmus(file, litmus);
  if ('kind' in loaded) return undefined; // never expected: the shrinker printed and re-parsed it
  // The report explains the failure's own execution (one traced replay): no explanation of check's.
  // The text as saved (its `// Found by` header included), so the fix's diff and line numbers are the saved file's.
  const c = checkProgramAs(file, loaded.compiled, loaded.parsed.expect, { explain: false }, loaded.parsed.source, litmus, loaded.parsed);
  return { findings: c.contract?.findings ?? [], ...(c.fix ? { fix: c.fix } : {}), ...(c.noFix ? { noFix: c.noFix } : {}) };
};

/** A program as data, without its name and platform: equal for the user's file and a test of it on another platform. */
const asTested = (p: Program): string => toJson({ ...p, name: undefined, platform: undefined }, 0);

/**
 * The fix of the user's own file, as `dmafuzz check FILE --platform K=V ...` gives it, when the
 * shrunk test is that file's program on another platform (no op cut, no buffer placed); its diff
 * is of the user's file, so it applies there with `patch -p1` or `git apply`.
 */
export const checkOwnFile: CheckOwnFile = (file, shrunkLitmus) => {
  const shrunk = parseLitmus(shrunkLitmus).program;
  let own: Program;
  try {
    own = parseLitmus(readLitmusFile(file)).program;
  } catch {
    return undefined; // changed or gone since the run: the saved test's fix stands alone
  }
  if (asTested(own) !== asTested(shrunk)) return undefined; // shrunk or placed: not the user's text
  const platform = shrunk.platform ?? {};
  const c = checkLitmusFile(file, { platform, explain: false });
  if (c.kind !== 'checked' || !c.fix) return undefined;
  const pins = Object.entries(platform).map(([k, v]) => ` --platform ${k}=${String(v)}`).join('');
  return { command: `dmafuzz check ${file}${pins}`, fix: c.fix };
};
