// `dmafuzz check FILE|DIR...`: check each file, print its verdict (or its one-line input error),
// save each counterexample for --replay, and choose the exit status.

import { checkLitmusFile, formatInputError, type Checked, type FileOutcome } from './check-file.js';
import type { CliOptions } from './args.js';
import { litmusFiles } from './find-files.js';
import { saveFailure } from './replay-file.js';
import { renderJson, renderText, type ReplayInfo } from '../report/render.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const EXIT = { ok: 0, bug: 1, usage: 2, inconclusive: 3 } as const;

export function checkCommand(o: CliOptions, io: Io): number {
  const outcomes: FileOutcome[] = [];
  for (const file of litmusFiles(o.paths)) {
    const outcome = checkLitmusFile(file, { runs: o.runs, seed: o.seed, maxEvents: o.maxEvents, maxStates: o.maxStates, platform: o.platform, replay: o.replay });
    outcomes.push(outcome);
    if (outcome.kind === 'error') {
      io.err(formatInputError(outcome));
      if (o.json) io.out(JSON.stringify({ file, verdict: 'error', error: formatInputError(outcome), line: outcome.line, col: outcome.col, message: outcome.message }));
      continue;
    }
    const replay = outcome.report && !outcome.replayed ? replayInfo(outcome, o) : undefined;
    io.out(o.json ? JSON.stringify(renderJson(outcome, replay)) : renderText(outcome, replay));
  }
  return exitStatus(outcomes);
}

export function exitStatus(outcomes: FileOutcome[]): number {
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
  const command = args.map(shellQuote).join(' ');
  const saved = saveFailure({ dmafuzz: 'counterexample', file: c.file, test: c.name, command, execution: c.report!.execution });
  return { command, ...(saved ? { saved } : {}) };
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
