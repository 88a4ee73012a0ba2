// `dmafuzz check` for one file: read, parse, place on the platform, compile, explore, explain.
// Every input problem becomes one `file:line:col: message`; a bug becomes a report plus a saved
// counterexample execution the user can replay.

import { compilePaths, type Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { LitmusError, type Pos } from '../litmus/litmus-error.js';
import { locateProgramError } from '../litmus/locate.js';
import { parseLitmus, type Expectation, type ParsedLitmus } from '../litmus/parse.js';
import { readLitmusFile } from '../litmus/read-file.js';
import { checkPaths, type CheckOptions, type CheckResult } from '../oracle/check.js';
import { judgeExecution } from '../oracle/oracle.js';
import { makePlatform, platformError, PlatformError, type Platform, type PlatformConfig } from '../platform/platform.js';
import { ProgramError } from '../program/program-error.js';
import type { Program } from '../program/types.js';
import { explainCounterexample, type CounterexampleReport } from '../report/counterexample.js';
import { escapeControls, oneLine } from '../report/one-line.js';
import { readReplay } from './replay-file.js';
import { fileFindings, type LocatedFinding } from '../check/file-findings.js';
import { verdictOf } from '../check/verdict.js';
import { unknownRule, type Waiver } from '../check/waivers.js';
import { findFix } from '../check/suggest-fix.js';
import { PathMemo } from '../check/path-memo.js';
import type { SourceMap } from '../litmus/parse.js';
import { fixReport, type FixReport } from '../report/fix-diff.js';
import { finalStates, type FinalStates } from '../oracle/final-states.js';
import { mappingDecisions } from '../oracle/mapping-decisions.js';
import { locateOp } from '../litmus/locate.js';

export interface InputError { kind: 'error'; file: string; line: number; col: number; message: string }

export interface Checked {
  kind: 'checked';
  file: string;
  name: string;
  expect?: Expectation;
  /** The file's verdict: a counterexample, or an error finding of the contract checker, makes it `bug`. */
  verdict: CheckResult['verdict'];
  result: CheckResult;
  report?: CounterexampleReport;
  /** The contract checker's findings (src/check), each with its source position when the file has one. */
  contract?: { findings: LocatedFinding[]; states: number; complete: boolean; unmatched: Waiver[] };
  /** The smallest repair under which the program checks ok with no error finding, re-checked. */
  fix?: FixReport;
  /** Why a bug has no fix: none of the repairs tried works, or why the search stopped or never started. */
  noFix?: string;
  /** For --replay: the one execution judged. */
  replayed?: boolean;
  /** A CPU-only test with a condition: every final state, as herd7 lists them (src/oracle/final-states.ts). */
  states?: FinalStates;
  /** Every execution returns at this `if (dma_mapping_error(dev, h)) return ...;`: the kernel fails the map on this platform. */
  returnsAt?: { actor: string; line?: number; col?: number };
}

export type FileOutcome = InputError | Checked;

export interface FileCheckOptions extends CheckOptions {
  platform?: Partial<PlatformConfig>;
  /** The --platform text of each override, to name it in errors. */
  platformText?: Record<string, string>;
  replay?: string;
  /** Look for a fix when the verdict is bug (default true). */
  fix?: boolean;
  /** Explain a counterexample (default true; a fuzz report explains its own saved execution instead). */
  explain?: boolean;
  /** Laps of a loop whose condition depends on a read (src/exec/paths.ts; default 2). */
  unroll?: number;
  /** --waive RULE-ID: rules waived for the whole run (validated by the argument parser). */
  waive?: readonly string[];
  /** The file's `// dmafuzz: waive` comments (set by checkLitmusFile). */
  fileWaivers?: readonly Waiver[];
}

export type { LocatedFinding };

export function formatInputError(e: InputError): string {
  return `${oneLine(e.file)}:${e.line}:${e.col}: ${escapeControls(e.message)}`;
}

export function checkLitmusFile(file: string, o: FileCheckOptions = {}): FileOutcome {
  let text: string;
  try {
    text = readLitmusFile(file);
  } catch (e) {
    if (e instanceof LitmusError) return { kind: 'error', file, line: e.line, col: e.col, message: e.message };
    throw e;
  }
  const loaded = loadLitmus(file, text, o.platform ?? {}, o.platformText ?? {}, o.unroll);
  if ('kind' in loaded) return loaded;
  const fileWaivers: Waiver[] = (loaded.parsed.waivers ?? []).map((w) => ({ ...w, by: 'file' }));
  const unknown = unknownRule(fileWaivers);
  if (unknown) return { kind: 'error', file, line: unknown.line!, col: unknown.col!, message: `waiver of unknown rule '${unknown.rule}' (docs/contract.md lists the rules)` };
  const checked = checkProgramAs(file, loaded.compiled, loaded.parsed.expect, { ...o, fileWaivers }, loaded.parsed.source, text, loaded.parsed);
  const unused = checked.contract?.unmatched[0];
  if (unused) return { kind: 'error', file, line: unused.line!, col: unused.col!, message: `waiver of '${unused.rule}' matches no finding on this line or the next` };
  return checked;
}

/** Parse and compile a litmus text as `dmafuzz check` does; any problem is one InputError. */
export function loadLitmus(file: string, text: string, overrides: Partial<PlatformConfig> = {}, overrideText: Record<string, string> = {}, unroll?: number): { parsed: ParsedLitmus; compiled: Compiled } | InputError {
  let parsed: ParsedLitmus;
  try {
    parsed = parseLitmus(text);
  } catch (e) {
    if (e instanceof LitmusError) return { kind: 'error', file, line: e.line, col: e.col, message: e.message };
    throw e;
  }
  const compiled = compileParsed(file, parsed, overrides, overrideText, unroll);
  return 'kind' in compiled ? compiled : { parsed, compiled };
}

/**
 * Place and compile a parsed test, pointing any ProgramError or PlatformError at its line. The
 * platform is validated once, as a whole: the file's `platform { }` block under the overrides.
 */
/** A program with branches or loops compiles to its first path, which lists all of them (Compiled.allPaths). */
export function compileParsed(file: string, parsed: ParsedLitmus, overrides: Partial<PlatformConfig>, overrideText: Record<string, string> = {}, unroll?: number): Compiled | InputError {
  const { program, source } = parsed;
  let platform: Platform;
  try {
    platform = makePlatform(program.platform, overrides);
  } catch (e) {
    if (e instanceof PlatformError) return platformProblem(file, parsed, e, overrides, overrideText);
    throw e;
  }
  try {
    return compilePaths(program, platform, unroll)[0];
  } catch (e) {
    // an op this platform cannot do: at the op, in its own words
    if (e instanceof PlatformError && e.where) return { ...position(locateProgramError(e.where, program, source)), kind: 'error', file, message: e.message };
    if (e instanceof PlatformError) return platformProblem(file, parsed, e, overrides, overrideText);
    if (e instanceof ProgramError) return { ...position(locateProgramError(e.where, program, source)), kind: 'error', file, message: e.text };
    throw e;
  }
}

/** An impossible platform: the file's own block, or that block under the named overrides. */
function platformProblem(file: string, parsed: ParsedLitmus, e: PlatformError, overrides: Partial<PlatformConfig>, overrideText: Record<string, string>): InputError {
  const { program, source } = parsed;
  const own = platformError(program.platform);
  const problem = own ?? e;
  // the file's setting that clashes, else its first setting (a default clashes with it), else the header
  const at = source.platform[problem.option] ?? Object.values(source.platform)[0] ?? source.header;
  if (own || !Object.keys(overrides).length) return { ...position(at), kind: 'error', file, message: `impossible platform: ${problem.message}` };
  const texts = Object.entries(overrides).map(([k, v]) => overrideText[k] ?? `${k}=${v}`);
  const named = problem.option in overrides ? [overrideText[problem.option] ?? `${problem.option}=${overrides[problem.option as keyof PlatformConfig]}`] : texts;
  return { ...position(at), kind: 'error', file, message: `impossible platform with --platform ${named.map(oneLine).join(' --platform ')}: ${problem.message}` };
}


/** Only line and column: a source token's own `kind` must never replace the outcome's. */
function position(p: Pos): Pos {
  return { line: p.line, col: p.col };
}

const pos = (p: { line: number; col: number }) => ({ line: p.line, col: p.col });

/**
 * Check a compiled program (from a file or a TS scenario) and explain a counterexample. `text`,
 * the file's own text, is what a fix is a diff of (without it, the program as printed). `parsed`:
 * what `text` parsed to, when `c` is its compilation under o's platform and unroll (as
 * checkLitmusFile does): the fix search starts from them instead of parsing and compiling again.
 */
export function checkProgramAs(file: string, c: Compiled, expect: Expectation | undefined, o: FileCheckOptions = {}, source?: SourceMap, text?: string, parsed?: ParsedLitmus): Checked {
  const paths = c.allPaths ?? [c];
  if (o.replay) {
    const execution = readReplay(o.replay, c.source ?? c.program);
    return replay(file, paths[execution.path ?? 0] ?? c, expect, execution, source);
  }
  // What each path's checks said, for the fix search: it re-checks the test and its edits, whose
  // untouched paths are these same programs. Without a fix search nothing would read it.
  const memo = o.fix !== false ? new PathMemo() : undefined;
  const result = checkPaths(paths, o, memo?.recorder(o));
  const failing = paths[result.counterexample?.execution.path ?? 0];
  const report = o.explain !== false && result.counterexample ? explainCounterexample(failing, result.counterexample.execution, result.counterexample.result, undefined, source) : undefined;
  const waivers: Waiver[] = [...(o.fileWaivers ?? []), ...(o.waive ?? []).map((rule): Waiver => ({ rule, reason: 'waived with --waive', by: 'command line' }))];
  const search = { program: c.source ?? c.program, file, overrides: o.platform ?? {}, unroll: o.unroll, own: { paths, result } };
  const findings = fileFindings(paths, { maxStates: o.maxStates, source, search, waivers, memo });
  const contract = { findings: findings.list, states: findings.states, complete: findings.complete, unmatched: findings.unmatched };
  const verdict = verdictOf(result.verdict, findings.list);
  // Each candidate repair is re-checked by these same searches: where they ran out of states on
  // the test itself, every candidate would too, so no fix is searched for.
  const finished = findings.complete && (result.method === 'exhaustive' || result.bound.events >= 0);
  let fix: FixReport | undefined;
  let noFix: string | undefined;
  if (verdict === 'bug' && o.fix !== false) {
    const compileText = (p: ParsedLitmus) => {
      const r = compileParsed(file, p, o.platform ?? {}, o.platformText ?? {}, o.unroll);
      return 'kind' in r ? undefined : r.allPaths ?? [r];
    };
    const found = findFix(text, c.source ?? c.program, compileText, { maxEvents: o.maxEvents, maxStates: o.maxStates, runs: o.runs, seed: o.seed, finished, memo }, parsed && { parsed, paths });
    if ('fix' in found) fix = fixReport(found.original, found.fix, file);
    else noFix = found.noFix;
  }
  const states = finalStates(paths);
  const returnsAt = result.verdict === 'ok' ? returnsOnEveryPath(paths, source) : undefined;
  return {
    kind: 'checked', file, name: c.program.name, ...(expect ? { expect } : {}), verdict, result, ...(report ? { report } : {}),
    ...(states ? { states } : {}),
    ...(returnsAt ? { returnsAt } : {}),
    contract,
    ...(fix ? { fix } : {}),
    ...(noFix ? { noFix } : {}),
  };
}

/**
 * Where every execution returns, when the kernel fails a checked map on this platform on every
 * path: its decision depends only on the mask, the buffer and the platform (not `unsure`:
 * mapping-decisions.ts), so an ok there says nothing of the driver past it — the user is told.
 */
function returnsOnEveryPath(paths: readonly Compiled[], source: SourceMap | undefined): Checked['returnsAt'] {
  const ds = paths.map(mappingDecisions);
  const at = ds[0].bailedAt;
  if (!at || ds.some((d) => d.unsure || !d.bailedAt)) return undefined;
  const pos = source && locateOp(paths[0], at.actor, at.op, source);
  return { actor: paths[0].actors[at.actor].actor.name, ...(pos ? { line: pos.line, col: pos.col } : {}) };
}

function replay(file: string, c: Compiled, expect: Expectation | undefined, execution: Execution, source?: SourceMap): Checked {
  const v = judgeExecution(c, execution);
  const result: CheckResult = {
    verdict: v.verdict, executions: 1, exhaustive: false, maxEvents: 0, method: 'random', bound: { events: -1, lines: [] }, states: 0, randomExecutions: 1, seed: 0, runs: 1,
    cut: v.verdict === 'ok' && v.reason === 'cut' ? 1 : 0, paths: (c.allPaths ?? [c]).length,
    ...(v.verdict === 'bug' ? { counterexample: { execution, result: v } } : {}),
  };
  const report = v.verdict === 'bug' ? explainCounterexample(c, execution, v, undefined, source) : undefined;
  return { kind: 'checked', file, name: c.program.name, ...(expect ? { expect } : {}), verdict: v.verdict, result, ...(report ? { report } : {}), replayed: true };
}

export type { Program };
