// `dmafuzz check FILE|DIR...`: check each file, print its verdict (or its one-line input error),
// save each counterexample for --replay, and choose the exit status.

import { checkLitmusFile, formatInputError, type Checked, type FileOutcome } from '../run/check-file.js';
import type { CliOptions } from './args.js';
import { litmusFiles } from '../run/find-files.js';
import { escapeControls, oneLine } from '../report/one-line.js';
import { writableDir } from './output-dir.js';
import { saveFailure } from '../run/replay-file.js';
import { UsageError } from '../run/usage-error.js';
import { reportJson, reportText } from '../report/render.js';
import { checkReport, type ReplayInfo } from '../report/report.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT = { ok: 0, bug: 1, usage: 2, inconclusive: 3, internal: 4 } as const;

/** The one line for an exception nobody expected: a bug in dmafuzz, not in the user's input. */
export function internalErrorLine(e: unknown, file?: string): string {
  const what = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return `dmafuzz: internal error (a bug in dmafuzz; please report it): ${file === undefined ? '' : `${oneLine(file)}: `}${escapeControls(what)}`;
}

export function checkCommand(o: CliOptions, io: Io): number {
  if (o.saveFailures !== undefined && o.saveFailures !== 'none') writableDir('--save-failures', o.saveFailures);
  const outcomes: (FileOutcome | { kind: 'internal' })[] = [];
  for (const file of litmusFiles(o.paths)) {
    let outcome: FileOutcome;
    try {
      outcome = checkLitmusFile(file, { runs: o.runs, seed: o.seed, maxEvents: o.maxEvents, maxStates: o.maxStates, unroll: o.unroll, platform: o.platform, platformText: o.platformText, replay: o.replay, waive: o.waive });
    } catch (e) {
      if (e instanceof UsageError) throw e; // --replay FILE.json unreadable: the option, not this file
      // one file's crash is reported as ours, and the other files are still checked
      const line = internalErrorLine(e, file);
      io.err(line);
      if (o.json) io.out(JSON.stringify({ file, verdict: 'internal-error', error: line }));
      outcomes.push({ kind: 'internal' });
      continue;
    }
    outcomes.push(outcome);
    if (outcome.kind === 'error') {
      io.err(formatInputError(outcome));
      if (o.json) io.out(JSON.stringify({ file, verdict: 'error', error: formatInputError(outcome), line: outcome.line, col: outcome.col, message: outcome.message }));
      continue;
    }
    const replay = outcome.report && !outcome.replayed ? replayInfo(outcome, o) : undefined;
    const report = checkReport(outcome, replay); // one report, printed as text or as JSON
    io.out(o.json ? JSON.stringify(reportJson(report)) : reportText(report));
  }
  return exitStatus(outcomes);
}

/** The worst outcome decides: a dmafuzz bug, then bad input, then a bug found, then inconclusive. */
export function exitStatus(outcomes: (FileOutcome | { kind: 'internal' })[]): number {
  if (outcomes.some((x) => x.kind === 'internal')) return EXIT.internal;
  if (outcomes.some((x) => x.kind === 'error')) return EXIT.usage;
  const verdicts = outcomes.map((x) => (x as Checked).verdict);
  if (verdicts.includes('bug')) return EXIT.bug;
  if (verdicts.includes('inconclusive')) return EXIT.inconclusive;
  return EXIT.ok;
}

/** The command that finds this counterexample again, and the saved execution for --replay. */
function replayInfo(c: Checked, o: CliOptions): ReplayInfo {
  const args = ['dmafuzz', 'check', c.file];
  for (const text of Object.values(o.platformText)) args.push('--platform', text);
  if (c.result.method === 'random') args.push('--seed', String(c.result.seed), '--runs', String(c.result.runs));
  if (o.maxEvents !== undefined) args.push('--max-events', String(o.maxEvents));
  if (o.maxStates !== undefined) args.push('--max-states', String(o.maxStates));
  if (o.unroll !== undefined) args.push('--unroll', String(o.unroll));
  const command = args.map(shellQuote).join(' ');
  const saved = o.saveFailures === 'none' ? undefined : saveFailure({ file: c.file, test: c.name, command, platformOverrides: o.platform, execution: c.report!.execution }, o.saveFailures);
  return { command, ...(saved ? { saved } : {}) };
}

/** A word for sh; with control characters, bash's $'...' keeps the command on one line. */
function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./=:+-]+$/.test(s)) return s;
  if (escapeControls(s) !== s) return `$'${escapeControls(s.replace(/[\\']/g, '\\$&'))}'`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
