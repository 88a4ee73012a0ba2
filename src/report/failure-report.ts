// The report (src/report/report.ts) of one shrunk fuzz failure, built once and read by every
// format (JUnit, the HTML page, the index, summary.json): the counterexample explained on the path
// it ran (a test with branches, loops or values the device read compiles to one program per path;
// the saved execution names its path), its timeline, the one-line "why", the culprit, and — from
// the check pipeline the CLI passes in, so this layer does not import it — the contract findings
// and the fix of the shrunk test, as `dmafuzz check` prints them.

import { compilePaths } from '../exec/compile.js';
import type { Finding } from '../check/finding.js';
import { parseLitmus } from '../litmus/parse.js';
import type { SavedFailure } from '../fuzz/fuzz-files.js';
import { pathOf } from '../oracle/check.js';
import { judgeExecution } from '../oracle/oracle.js';
import { makePlatform } from '../platform/platform.js';
import { explainCounterexample } from './counterexample.js';
import { LAST_CHANGE, stepCulprit } from './culprit.js';
import type { FixReport } from './fix-diff.js';
import { bugTitle, counted, type FailureReport, type FoundBy } from './report.js';
import { buildTimeline } from './timeline.js';
import { traceRun } from './traced-run.js';

/** A contract finding with its place in the shrunk test, as `dmafuzz check` reports it. */
export type ReportFinding = Finding & { line?: number; col?: number };

/** What `dmafuzz check` of the shrunk test says besides the counterexample. */
export interface ShrunkCheck {
  findings: ReportFinding[];
  fix?: FixReport;
  noFix?: string;
}

/** The check pipeline, given the shrunk test's file name and text (src/run/check-file.ts). */
export type CheckShrunk = (file: string, litmus: string) => ShrunkCheck | undefined;

/**
 * The user's own fuzzed file checked on the failure's platform (`dmafuzz check FILE --platform ...`),
 * when the shrunk test is that file's program unchanged but for its platform: its fix, a diff of
 * the user's file; undefined otherwise (shrunk, placed, or no fix there).
 */
export type CheckOwnFile = (file: string, shrunkLitmus: string) => { command: string; fix: FixReport } | undefined;

/**
 * The command that reproduces a failure: check of the saved test, with its replay data when
 * check's bounds are not enough. The one place it is said: the reports, the corpus' replay file
 * and the fuzz command's output.
 */
export function reproduceCommand(reproducesWithCheck: boolean, saved: { litmus: string; replay: string } | undefined): string {
  if (!saved) return 'dmafuzz check FILE (the test below, saved as FILE.litmus)';
  return `dmafuzz check ${saved.litmus}${reproducesWithCheck ? '' : ` --replay ${saved.replay}`}`;
}

export function failureReport(f: SavedFailure, checkShrunk?: CheckShrunk, checkOwnFile?: CheckOwnFile): FailureReport {
  const reproduce = reproduceCommand(f.reproducesWithCheck, f.saved);
  const file = f.saved?.litmus ?? `${f.test}.litmus`;
  const { program, source } = parseLitmus(f.litmus);
  // The path the execution ran: the shrinker compiles with the default unroll, as check does.
  const c = pathOf(compilePaths(program, makePlatform(program.platform))[0], f.execution);
  const v = judgeExecution(c, f.execution);
  const check = checkShrunk?.(file, f.litmus);
  const own = check?.fix ? checkOwnFile?.(f.file, f.litmus) : undefined;
  const found: FoundBy = { file: f.file, trial: f.trial, platformText: f.platformText, placementNotes: f.placementNotes, alsoFoundOn: f.alsoFoundOn, key: f.key, ms: f.ms, litmus: f.litmus };
  const shared = {
    file, test: f.test, verdict: 'bug' as const, reproduce, found,
    ...(check ? { contract: counted(check.findings), ...(check.fix ? { fix: check.fix } : {}), ...(check.noFix ? { noFix: check.noFix } : {}) } : {}),
    ...(own ? { ownFix: { file: f.file, ...own } } : {}),
  };
  if (v.verdict !== 'bug') return { ...shared, title: `${f.test}: DMA bug on ${f.platformText}`, why: `DMA bug on ${f.platformText} (the saved execution no longer fails: ${reproduce} re-searches it)` };
  const run = traceRun(c, f.execution); // one replay for the report, its causes and the timeline
  const report = explainCounterexample(c, f.execution, v, run, source);
  const timeline = buildTimeline(c, f.execution, v, report.causes, run);
  // With no cause explained, the timeline's guess: the last change to the victim bytes before the read.
  const destroyer = timeline.steps.findIndex((s) => s.destroyer);
  const culprit = report.culprit ?? (destroyer >= 0 ? stepCulprit(c, run.trace, report.events.map((e) => e.text), destroyer, LAST_CHANGE, source) : undefined);
  return { ...shared, title: bugTitle(f.test, report, v.condition), why: report.why, ...(culprit ? { culprit } : {}), counterexample: report, timeline };
}
