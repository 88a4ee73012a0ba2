// Everything a report says about one shrunk fuzz failure, computed once and read by every format
// (JUnit, HTML, the index): the counterexample explained on the path it ran (a test with
// branches, loops or values the device read compiles to one program per path; the saved
// execution names its path), its timeline, the one-line "why", and — from the check pipeline
// the CLI passes in, so this layer does not import it — the contract findings and the fix of the
// shrunk test, as `dmafuzz check` prints them.

import { compilePaths } from '../exec/compile.js';
import type { Finding } from '../check/finding.js';
import { parseLitmus } from '../litmus/parse.js';
import type { SavedFailure } from '../fuzz/fuzz-files.js';
import { pathOf } from '../oracle/check.js';
import { judgeExecution } from '../oracle/oracle.js';
import { makePlatform } from '../platform/platform.js';
import type { Cause } from './cause.js';
import { explainCounterexample, type CounterexampleReport } from './counterexample.js';
import type { FixReport } from './fix-diff.js';
import { buildTimeline, type Timeline } from './timeline.js';
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

export interface AnalyzedFailure {
  failure: SavedFailure;
  /** A short name: the test, the mechanism and the read it broke ("rx: stale cache line read by cpu0's `r0 = ...`"). */
  title: string;
  /** One line: what went wrong and why. */
  why: string;
  /** The command that reproduces it. */
  reproduce: string;
  /** Undefined only if the saved execution no longer fails (never expected: the shrinker judged it). */
  report?: CounterexampleReport;
  timeline?: Timeline;
  check?: ShrunkCheck;
}

/** The command that reproduces a failure: check of the saved test, with its replay data when check's bounds are not enough. */
export function reproduceCommand(f: SavedFailure): string {
  if (!f.saved) return 'dmafuzz check FILE (the test below, saved as FILE.litmus)';
  return `dmafuzz check ${f.saved.litmus}${f.reproducesWithCheck ? '' : ` --replay ${f.saved.replay}`}`;
}

export function analyzeFailure(f: SavedFailure, checkShrunk?: CheckShrunk): AnalyzedFailure {
  const reproduce = reproduceCommand(f);
  const program = parseLitmus(f.litmus).program;
  // The path the execution ran: the shrinker compiles with the default unroll, as check does.
  const c = pathOf(compilePaths(program, makePlatform(program.platform))[0], f.execution);
  const v = judgeExecution(c, f.execution);
  const check = checkShrunk?.(f.saved?.litmus ?? `${f.test}.litmus`, f.litmus);
  if (v.verdict !== 'bug') return { failure: f, title: `${f.test}: DMA bug on ${f.platformText}`, why: `DMA bug on ${f.platformText} (the saved execution no longer fails: ${reproduce} re-searches it)`, reproduce, ...(check ? { check } : {}) };
  const run = traceRun(c, f.execution); // one replay for the report, its causes and the timeline
  const report = explainCounterexample(c, f.execution, v, run);
  const timeline = buildTimeline(c, f.execution, v, report.causes, run);
  const first = report.causes[0];
  const what = first ? `${MECHANISM[first.kind]} at ${first.reader}` : program.condition ? 'the exists condition holds on arm64 only' : 'an observation the ideal platform cannot make';
  return { failure: f, title: `${f.test}: ${what}`, why: report.why, reproduce, report, timeline, ...(check ? { check } : {}) };
}

/** Each mechanism of src/report/cause.ts in a few words, for a testcase's name. */
const MECHANISM: Record<Cause['kind'], string> = {
  'reordered-read': 'a read performed early',
  'reordered-write': 'a write performed late',
  'stale-hit': 'a stale cache line read',
  discarded: 'a dirty line discarded',
  'written-back': 'a stale write-back over DMA data',
  'not-copied': 'a bounce buffer not copied back',
  'not-cleaned': 'a dirty line the device did not see',
  missed: "a write that missed the device's memory",
};
