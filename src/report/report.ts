// What dmafuzz says about one checked test or one fuzz failure, as data: built once — checkReport
// here from `dmafuzz check`'s result, failureReport (src/report/failure-report.ts) from a shrunk
// fuzz failure — and rendered, each rendering reading only this: the text `dmafuzz check` prints
// and its --json (src/report/render.ts), the JUnit XML (junit.ts) and the HTML pages
// (failure-page.ts, index-page.ts). No rendering decides on its own what the why, the culprit,
// the findings, the fix or the command to reproduce are.

import { countsAsError } from '../check/finding.js';
import type { LocatedFinding } from '../check/file-findings.js';
import { hex } from '../exec/values.js';
import type { Expectation } from '../litmus/parse.js';
import type { CheckResult } from '../oracle/check.js';
import type { ConditionVerdict } from '../oracle/condition.js';
import type { FinalStates } from '../oracle/final-states.js';
import type { Checked } from '../run/check-file.js';
import type { Cause } from './cause.js';
import type { CounterexampleReport } from './counterexample.js';
import type { Culprit } from './culprit.js';
import type { FixReport } from './fix-diff.js';
import type { Timeline } from './timeline.js';

export interface Report {
  /** The test file: as `dmafuzz check` was given it, or the saved minimal test of a fuzz failure. */
  file: string;
  test: string;
  /** The file's verdict: a counterexample, or an error finding of the contract checker, makes it `bug`. */
  verdict: CheckResult['verdict'];
  expect?: Expectation;
  /** A short name: the test and what went wrong ("rx: a stale cache line read at cpu0's `r0 = ...`"). */
  title: string;
  /** One line: what went wrong and why (absent when nothing did). */
  why?: string;
  /** The step the explanation blames, and where its op is written. */
  culprit?: Culprit;
  /** The counterexample: platform, program, every step (as words and as typed trace events), the causes, observations, lines. */
  counterexample?: CounterexampleReport;
  /** The contract checker's findings, errors, warnings and waived ones, in source order. */
  contract?: ContractFindings;
  /** The smallest repair that re-checks ok with no error finding (steps and the diff of the file). */
  fix?: FixReport;
  /** Why a bug has no fix. */
  noFix?: string;
  /** What `dmafuzz check` searched (absent for a fuzz failure: its search is the fuzz run). */
  search?: Search;
  /** A CPU-only test with a condition: every final state, as herd7 lists them. */
  states?: FinalStates;
  /** The command that finds it again (absent when nothing was found). */
  reproduce?: string;
  /** `dmafuzz check`: the command, the saved execution for --replay. */
  replay?: ReplayInfo;
  /** A fuzz failure: where the run found it, and the minimal test. */
  found?: FoundBy;
  /** A fuzz failure: its timeline, for the HTML page. */
  timeline?: Timeline;
  /**
   * A fuzz failure whose test is the user's file unchanged but for platform settings: the fix of
   * that file (`fix` is of the saved test), as `command` (check FILE --platform ...) gives it.
   */
  ownFix?: { file: string; command: string; fix: FixReport };
}

/** The report of a checked file: it always says what was searched. */
export type CheckReport = Report & { search: Search };

/** The report of a fuzz failure: it always says where it was found and how to reproduce it. */
export type FailureReport = Report & { found: FoundBy; reproduce: string };

export interface ReplayInfo {
  command: string;
  saved?: string;
}

export interface ContractFindings {
  findings: LocatedFinding[];
  errors: number;
  warnings: number;
  waived: number;
  /** How far the contract walk went (`dmafuzz check` only). */
  states?: number;
  complete?: boolean;
}

export interface Search {
  /** The search's own verdict (ok, bug or inconclusive), before the contract findings. */
  verdict: CheckResult['verdict'];
  /** What was searched, in words: "42 executions (310 states), exhaustive: every interleaving ...". */
  text: string;
  /** How the counterexample was found ("by exhaustive search with up to 2 fills/evictions after 9 executions"). */
  foundBy?: string;
  replayed: boolean;
  executions: number;
  exhaustive: boolean;
  method: CheckResult['method'];
  /** The deepest level covered completely (-1: none), of maxEvents asked, and the lines it covered. */
  bound: { events: number; lines: string[]; outerLines?: string[] };
  maxEvents: number;
  seed: number;
  paths: number;
  cut: number;
  /** Inconclusive because every execution was cut at the loop bound (none judged). */
  allCut?: boolean;
  /** Every execution returns at this checked map, which the kernel fails on this platform. */
  returnsAt?: { actor: string; line?: number; col?: number };
}

export interface FoundBy {
  /** The file the run fuzzed, and the trial. */
  file: string;
  trial: number;
  platformText: string;
  placementNotes: string[];
  /** Other platforms whose trials shrank to this same counterexample. */
  alsoFoundOn: string[];
  /** The failure's identity (src/fuzz/corpus.ts failureKey). */
  key: string;
  /** Time finding and shrinking it took (ms). */
  ms: number;
  /** The minimal litmus test. */
  litmus: string;
}

/** The report of a checked file; replay: how the CLI lets the user find its counterexample again. */
export function checkReport(o: Checked, replay?: ReplayInfo): CheckReport {
  const r = o.result;
  const replayed = o.replayed ?? false;
  const findings = o.contract?.findings;
  const contract = findings && { ...counted(findings), states: o.contract!.states, complete: o.contract!.complete };
  const firstError = findings?.find(countsAsError);
  const why = o.report?.why ?? (firstError && `contract error: ${firstError.message} (${firstError.rule})`);
  const search: Search = {
    verdict: r.verdict, text: describeSearch(r, replayed), ...(o.report ? { foundBy: foundBy(r, replayed) } : {}), replayed,
    executions: r.executions, exhaustive: r.exhaustive, method: r.method,
    bound: { events: r.bound.events, lines: r.bound.lines.map(hex), ...(r.bound.outerLines ? { outerLines: r.bound.outerLines.map(hex) } : {}) },
    maxEvents: r.maxEvents, seed: r.seed, paths: r.paths, cut: r.cut, ...(r.allCut ? { allCut: true } : {}),
    ...(o.returnsAt ? { returnsAt: o.returnsAt } : {}),
  };
  return {
    file: o.file, test: o.name, verdict: o.verdict, ...(o.expect ? { expect: o.expect } : {}),
    title: o.report ? bugTitle(o.name, o.report, r.counterexample?.result.condition) : `${o.name}: ${o.verdict === 'bug' ? 'contract error' : o.verdict}`,
    ...(why ? { why } : {}),
    ...(o.report?.culprit ? { culprit: o.report.culprit } : {}),
    ...(o.report ? { counterexample: o.report } : {}),
    ...(contract ? { contract } : {}),
    ...(o.fix ? { fix: o.fix } : {}),
    ...(o.noFix ? { noFix: o.noFix } : {}),
    search,
    ...(o.states ? { states: o.states } : {}),
    ...(replay ? { reproduce: replay.command, replay } : {}),
  };
}

/** A counterexample's short name: the test, the mechanism and the read it broke ("rx: a stale cache line read at cpu0's `r0 = ...`"). */
export function bugTitle(test: string, rep: CounterexampleReport, condition: ConditionVerdict | undefined): string {
  const first = rep.causes[0];
  const what = first ? `${MECHANISM[first.kind]} at ${first.reader}` : condition ? conditionTitle(condition) : 'an observation the ideal platform cannot make';
  return `${test}: ${what}`;
}

/** As the condition's verdict says it (src/oracle/condition.ts): arm64 only, any machine, or not decided. */
function conditionTitle(c: ConditionVerdict): string {
  const does = `the ${c.kind} condition ${c.kind === 'exists' ? 'holds' : 'fails'}`;
  return c.anyMachine === true ? `${does} on the ideal platform too (a race on any machine)`
    : c.anyMachine === false ? `${does} on arm64 only` : `${does} on arm64 (not decided on the ideal platform)`;
}

/** Each mechanism of src/report/cause.ts in a few words, for a report's title. */
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

/** The findings with how many are errors, warnings (any other severity) and waived. */
export function counted(findings: LocatedFinding[]): ContractFindings {
  const waived = findings.filter((f) => f.waived).length;
  const errors = findings.filter(countsAsError).length;
  return { findings, errors, warnings: findings.filter((f) => !f.waived && !countsAsError(f)).length, waived };
}

/** What was searched, in words: "42 executions (310 states), exhaustive: every interleaving ...". */
function describeSearch(r: CheckResult, replayed = false): string {
  if (replayed) return 'the replayed execution';
  // Paths of branches and loops, and executions cut at the loop bound: said whenever there are any.
  const paths = r.paths > 1 ? `${r.paths} paths, ` : '';
  const cut = r.cut ? `; ${r.cut} execution${r.cut === 1 ? '' : 's'} cut at the loop bound (--unroll), not judged` : '';
  return paths + searched(r) + cut;
}

function searched(r: CheckResult): string {
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  // No line where a fill or eviction could change what is read (relevant-lines.ts): then every
  // number of them is covered, and a bound "of 0 lines" would only puzzle.
  const bound = (events: number) => !r.bound.lines.length && !r.bound.outerLines?.length
    ? 'every interleaving and CPU reordering, with any fills/evictions (none can change what is read)'
    : `every interleaving and CPU reordering with up to ${n(events, 'fill')}/eviction${events === 1 ? '' : 's'} of ${r.bound.outerLines ? `${n(r.bound.lines.length, 'L1 line')} and ${n(r.bound.outerLines.length, 'L2 line')}` : n(r.bound.lines.length, 'line')}`;
  const exhaustive = r.bound.events >= 0 ? `exhaustive: ${bound(r.bound.events)}` : '';
  if (r.randomExecutions === 0) return `${n(r.executions, 'execution')} (${r.states} states), ${exhaustive}`;
  // the states of every path and level searched; the bound that stopped one is --max-states
  const why = r.gaveUp === 'interleavings' ? 'too many interleavings to enumerate' : `more than ${r.states} states with ${n(r.bound.events + 1, 'event')}; a larger --max-states, per path and level, searches further`;
  const random = `${r.randomExecutions} random executions (seed ${r.seed})`;
  return exhaustive ? `${n(r.executions - r.randomExecutions, 'execution')} (${exhaustive}) and ${random} beyond that bound (${why})` : `${random}, not exhaustive (${why})`;
}

function foundBy(r: CheckResult, replayed: boolean): string {
  if (replayed) return 'in the replayed execution';
  if (r.method === 'random') return `by random search (seed ${r.seed}) after ${r.randomExecutions} executions`;
  return `by exhaustive search with up to ${r.bound.events} fill${r.bound.events === 1 ? '' : 's'}/eviction${r.bound.events === 1 ? '' : 's'} after ${r.executions} execution${r.executions === 1 ? '' : 's'}`;
}
