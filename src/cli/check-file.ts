// `dmafuzz check` for one file: read, parse, place on the platform, compile, explore, explain.
// Every input problem becomes one `file:line:col: message`; a bug becomes a report plus a saved
// counterexample execution the user can replay.

import { compile, type Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { LitmusError, type Pos } from '../litmus/litmus-error.js';
import { locateProgramError, stripLocation } from '../litmus/locate.js';
import { parseLitmus, type Expectation, type ParsedLitmus } from '../litmus/parse.js';
import { readLitmusFile } from '../litmus/read-file.js';
import { checkCompiled, type CheckOptions, type CheckResult } from '../oracle/check.js';
import { judgeExecution } from '../oracle/oracle.js';
import { makePlatform, PlatformError, type Platform, type PlatformConfig } from '../platform/platform.js';
import { ProgramError } from '../program/program-error.js';
import type { Program } from '../program/types.js';
import { explainCounterexample, type CounterexampleReport } from '../report/counterexample.js';
import { escapeControls, oneLine } from './one-line.js';
import { readReplay } from './replay-file.js';
import { checkContract } from '../check/explore-contract.js';
import type { Finding } from '../check/finding.js';
import { suggestFix } from '../check/suggest-fix.js';
import type { SourceMap } from '../litmus/parse.js';
import { fixReport, type FixReport } from '../report/fix-diff.js';

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
  contract?: { findings: LocatedFinding[]; states: number; complete: boolean };
  /** The smallest repair under which the program checks ok with no error finding, re-checked. */
  fix?: FixReport;
  /** For --replay: the one execution judged. */
  replayed?: boolean;
}

export type FileOutcome = InputError | Checked;

export interface FileCheckOptions extends CheckOptions {
  platform?: Partial<PlatformConfig>;
  /** The --platform text of each override, to name it in errors. */
  platformText?: Record<string, string>;
  replay?: string;
  /** Look for a fix when the verdict is bug (default true). */
  fix?: boolean;
}

export type LocatedFinding = Finding & { line?: number; col?: number };

/** Programs larger than this get no fix suggestion: each candidate repair is a whole re-check. */
const MAX_OPS_TO_REPAIR = 60;

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
  const loaded = loadLitmus(file, text, o.platform ?? {}, o.platformText ?? {});
  if ('kind' in loaded) return loaded;
  return checkProgramAs(file, loaded.compiled, loaded.parsed.expect, o, loaded.parsed.source);
}

/** Parse and compile a litmus text as `dmafuzz check` does; any problem is one InputError. */
export function loadLitmus(file: string, text: string, overrides: Partial<PlatformConfig> = {}, overrideText: Record<string, string> = {}): { parsed: ParsedLitmus; compiled: Compiled } | InputError {
  let parsed: ParsedLitmus;
  try {
    parsed = parseLitmus(text);
  } catch (e) {
    if (e instanceof LitmusError) return { kind: 'error', file, line: e.line, col: e.col, message: e.message };
    throw e;
  }
  const compiled = compileParsed(file, parsed, overrides, overrideText);
  return 'kind' in compiled ? compiled : { parsed, compiled };
}

/**
 * Place and compile a parsed test, pointing any ProgramError or PlatformError at its line. The
 * platform is validated once, as a whole: the file's `platform { }` block under the overrides.
 */
export function compileParsed(file: string, parsed: ParsedLitmus, overrides: Partial<PlatformConfig>, overrideText: Record<string, string> = {}): Compiled | InputError {
  const { program, source } = parsed;
  let platform: Platform;
  try {
    platform = makePlatform(program.platform, overrides);
  } catch (e) {
    if (e instanceof PlatformError) return platformProblem(file, parsed, e, overrides, overrideText);
    throw e;
  }
  try {
    return compile(program, platform);
  } catch (e) {
    if (e instanceof PlatformError) return platformProblem(file, parsed, e, overrides, overrideText);
    if (e instanceof ProgramError) return { ...position(locateProgramError(e.message, program, source)), kind: 'error', file, message: stripLocation(e.message) };
    throw e;
  }
}

/** An impossible platform: the file's own block, or that block under the named overrides. */
function platformProblem(file: string, parsed: ParsedLitmus, e: PlatformError, overrides: Partial<PlatformConfig>, overrideText: Record<string, string>): InputError {
  const { program, source } = parsed;
  const own = platformErrorOf(program.platform);
  const problem = own ?? e;
  // the file's setting that clashes, else its first setting (a default clashes with it), else the header
  const at = source.platform[problem.option] ?? Object.values(source.platform)[0] ?? source.header;
  if (own || !Object.keys(overrides).length) return { ...position(at), kind: 'error', file, message: `impossible platform: ${problem.message}` };
  const texts = Object.entries(overrides).map(([k, v]) => overrideText[k] ?? `${k}=${v}`);
  const named = problem.option in overrides ? [overrideText[problem.option] ?? `${problem.option}=${overrides[problem.option as keyof PlatformConfig]}`] : texts;
  return { ...position(at), kind: 'error', file, message: `impossible platform with --platform ${named.map(oneLine).join(' --platform ')}: ${problem.message}` };
}

function platformErrorOf(config: Partial<PlatformConfig> | undefined): PlatformError | undefined {
  try {
    makePlatform(config);
    return undefined;
  } catch (e) {
    if (e instanceof PlatformError) return e;
    throw e;
  }
}

/** Only line and column: a source token's own `kind` must never replace the outcome's. */
function position(p: Pos): Pos {
  return { line: p.line, col: p.col };
}

const pos = (p: { line: number; col: number }) => ({ line: p.line, col: p.col });

/** Check a compiled program (from a file or a TS scenario) and explain a counterexample. */
export function checkProgramAs(file: string, c: Compiled, expect: Expectation | undefined, o: FileCheckOptions = {}, source?: SourceMap): Checked {
  if (o.replay) return replay(file, c, expect, readReplay(o.replay, c.program));
  const result = checkCompiled(c, o);
  const report = result.counterexample && explainCounterexample(c, result.counterexample.execution, result.counterexample.result);
  const contract = checkContract(c, o.maxStates);
  const findings = contract.findings.map((f): LocatedFinding => {
    const pos = source?.ops[c.actorIndex.get(f.actor)!]?.[f.op];
    return pos ? { ...f, line: pos.line, col: pos.col } : f;
  }).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
  const verdict = result.verdict === 'bug' || findings.some((f) => f.severity === 'error') ? 'bug' : result.verdict;
  const size = c.program.actors.reduce((n, a) => n + a.ops.length, 0);
  const repaired = verdict === 'bug' && o.fix !== false && size <= MAX_OPS_TO_REPAIR
    ? suggestFix(c.program, (p) => compile(p, makePlatform(p.platform, o.platform)), { maxEvents: o.maxEvents, maxStates: o.maxStates, runs: o.runs, seed: o.seed })
    : undefined;
  return {
    kind: 'checked', file, name: c.program.name, ...(expect ? { expect } : {}), verdict, result, ...(report ? { report } : {}),
    contract: { findings, states: contract.states, complete: contract.complete },
    ...(repaired ? { fix: fixReport(c.program, repaired, file.replace(/^.*\//, '')) } : {}),
  };
}

function replay(file: string, c: Compiled, expect: Expectation | undefined, execution: Execution): Checked {
  const v = judgeExecution(c, execution);
  const result: CheckResult = {
    verdict: v.verdict, executions: 1, exhaustive: false, maxEvents: 0, method: 'random', bound: { events: -1, lines: [] }, states: 0, randomExecutions: 1, seed: 0, runs: 1,
    ...(v.verdict === 'bug' ? { counterexample: { execution, result: v } } : {}),
  };
  const report = v.verdict === 'bug' ? explainCounterexample(c, execution, v) : undefined;
  return { kind: 'checked', file, name: c.program.name, ...(expect ? { expect } : {}), verdict: v.verdict, result, ...(report ? { report } : {}), replayed: true };
}

export type { Program };
