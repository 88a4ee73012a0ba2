// `dmafuzz fuzz FILE|DIR... [--time 8h] [--seed N] [--shard I/N] [--workers N|auto]
//   [--vary KEY,...] [--pin KEY=VALUE]... [--corpus DIR] [--report DIR]`
// The user's litmus tests across the platform matrix and allocator placements for a time box
// (src/fuzz/fuzz-files.ts). Every failure prints and is saved as it arrives; Ctrl-C or
// SIGTERM stops cleanly (reports written, saved failures kept). Exit status as `check`.

import { availableParallelism } from 'node:os';
import type { PairCoverage } from '../fuzz/pairwise.js';
import { writableDir } from './output-dir.js';
import { writeErrorText } from '../report/make-dir.js';
import { parseOptions } from './subcommand-args.js';
import { CORPUS_DIR } from '../fuzz/corpus.js';
import { failureReport, reproduceCommand } from '../report/failure-report.js';
import { defaultSeed, fuzzFiles, InputProblem, loadFiles, type FuzzProgress, type FuzzSummary, type SavedFailure } from '../fuzz/fuzz-files.js';
import { parsePin, parseVary } from '../kernel/platform-matrix.js';
import type { PlatformConfig } from '../platform/platform.js';
import { writeReports } from '../report/fuzz-reports.js';
import { foundText, runOutcome } from '../report/run-outcome.js';
import { UsageError, waiveRule } from './args.js';
import { checkOwnFile, checkShrunk } from '../run/check-shrunk.js';
import { EXIT, type Io } from './check-command.js';
import { litmusFiles } from '../run/find-files.js';

export interface FuzzFilesIo extends Io {
  /** Live progress (stderr); `tty` decides a redrawn line or a plain line a minute. */
  progress?: { write: (t: string) => void; tty: boolean };
  /** Installs the stop handler (SIGINT/SIGTERM); returns its removal. */
  onStop?: (stop: () => void) => () => void;
}

/** --time 8h | 90s | 2m | 1h30m */
export function parseDuration(text: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '' || !(m[1] || m[2] || m[3])) throw new UsageError(`--time takes a duration like 8h, 90s, 2m or 1h30m, not '${text}'`);
  const ms = ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
  // A zero box tests nothing and would read as a pass.
  if (ms === 0) throw new UsageError(`--time takes a duration above zero like 8h, 90s, 2m or 1h30m, not '${text}'`);
  return ms;
}

function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard takes I/N with 1 ≤ I ≤ N, e.g. 1/4, not '${text}'`);
  return { index: Number(m[1]) - 1, count: Number(m[2]) };
}

function parseWorkers(text: string): number {
  if (text === 'auto') return availableParallelism();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256) throw new UsageError(`--workers takes a number from 1 to 256 or 'auto', not '${text}'`);
  return Number(text);
}

const hms = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

export function progressLine(p: FuzzProgress): string {
  const rate = p.elapsedMs ? Math.round((p.executions * 1000) / p.elapsedMs) : 0;
  return `fuzz: ${rate} executions/s · ${p.covered}/${p.coverable} file×platform covered · ${p.trials} trial${p.trials === 1 ? '' : 's'} · ${p.failures} failure${p.failures === 1 ? '' : 's'} · ${hms(p.timeLeftMs)} left`;
}

export async function fuzzFilesCommand(argv: string[], io: FuzzFilesIo): Promise<number> {
  // The one option parser of dmafuzz: `--time -5s` is a value (refused in one line by its check), not Node's multi-line "ambiguous".
  const parsed = parseOptions('fuzz', argv, {
    time: {}, seed: {}, shard: {}, workers: {}, vary: {}, pin: { repeat: true }, corpus: {}, report: {},
    'max-trials': {}, waive: { repeat: true }, help: { flag: true },
  });
  const o = parsed.values;
  const v = {
    time: o.time, seed: o.seed, shard: o.shard, workers: o.workers, vary: o.vary, corpus: o.corpus, report: o.report,
    'max-trials': o['max-trials'], pin: parsed.lists.pin, waive: parsed.lists.waive,
  };
  if (parsed.flags.has('help')) {
    io.out(FUZZ_USAGE);
    return EXIT.ok;
  }
  const timeMs = parseDuration(v.time ?? '2m');
  if (v.seed !== undefined && (!/^\d+$/.test(v.seed) || !Number.isSafeInteger(Number(v.seed)))) throw new UsageError(`--seed takes a whole number, not '${v.seed}'`);
  const seed = v.seed !== undefined ? Number(v.seed) : defaultSeed();
  const shard = v.shard !== undefined ? parseShard(v.shard) : { index: 0, count: 1 };
  const workers = parseWorkers(v.workers ?? '1');
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  };
  const vary = v.vary !== undefined ? wrap(() => parseVary(v.vary!)) : undefined;
  const pin: Partial<PlatformConfig> = Object.assign({}, ...(v.pin ?? []).map((t) => wrap(() => parsePin(t))));
  if (v['max-trials'] !== undefined && (!/^\d+$/.test(v['max-trials']) || Number(v['max-trials']) < 1)) throw new UsageError(`--max-trials takes a whole number above zero, not '${v['max-trials']}'`);
  const waive = (v.waive ?? []).map(waiveRule);
  const files = litmusFiles(parsed.positionals);
  const corpus = v.corpus ?? CORPUS_DIR;
  // Every file read and parsed before any work (and before anything is created): a bad one is one
  // line naming it (file:line:col), not a run that stops after its header.
  try {
    loadFiles(files);
  } catch (e) {
    if (e instanceof InputProblem) {
      io.err(e.message);
      return EXIT.usage;
    }
    throw e;
  }
  // Found out now, not at the first failure or at the end of the box.
  writableDir('--corpus', corpus);
  if (v.report !== undefined) writableDir('--report', v.report);

  // The stop handler goes in before the first line is printed: a caller that signals as soon as
  // it reads the header (a CI cancel, a test) must never meet the default action (killed, no reports).
  const abort = new AbortController();
  const removeStop = io.onStop?.(() => abort.abort());

  const shardText = `${shard.index + 1}/${shard.count}`;
  io.out(`dmafuzz fuzz: ${files.length} file${files.length === 1 ? '' : 's'}, seed ${seed}, shard ${shardText}, ${workers} worker${workers === 1 ? '' : 's'}, time box ${hms(timeMs)}`);
  io.out(`  replay this run: dmafuzz fuzz ${parsed.positionals.join(' ')} --seed ${seed} --shard ${shardText}${v.vary ? ` --vary ${v.vary}` : ''}${(v.pin ?? []).map((p) => ` --pin ${p}`).join('')}`);

  const pr = io.progress;
  let lastPlain = Date.now();
  const onProgress = (p: FuzzProgress) => {
    if (!pr) return;
    if (pr.tty) pr.write(`\r\x1b[K${progressLine(p)}`);
    else if (Date.now() - lastPlain >= 60_000) {
      lastPlain = Date.now();
      pr.write(progressLine(p) + '\n');
    }
  };
  const onFailure = (f: SavedFailure) => {
    if (pr?.tty) pr.write('\r\x1b[K');
    io.out(`BUG   ${f.file} (${f.test}) on ${f.platformText}${f.placementNotes.length ? `, ${f.placementNotes.join('; ')}` : ''}`);
    io.out(`      why: ${failureReport(f).why}`);
    if (f.saved) io.out(`      ${f.saved.known ? 'already in the corpus:' : 'saved'} ${f.saved.litmus}; reproduce: ${reproduceCommand(f.reproducesWithCheck, f.saved)}`);
    if (f.saveError) io.out(`      not saved: ${f.saveError}`);
    if (f.shrinkCut) io.out('      (shrinking cut short by the time box or a signal: maybe not minimal)');
    io.out(f.litmus.replace(/^/gm, '      ').trimEnd());
  };
  let summary: FuzzSummary;
  try {
    summary = await fuzzFiles({
      files, timeMs, seed, shard, workers, corpus, ...(vary ? { vary } : {}), pin, ...(waive.length ? { waive } : {}),
      ...(v['max-trials'] !== undefined ? { maxTrials: Number(v['max-trials']) } : {}),
      signal: abort.signal, onProgress, onFailure,
    });
  } catch (e) {
    if (e instanceof InputProblem) {
      io.err(e.message);
      return EXIT.usage;
    }
    throw e;
  } finally {
    removeStop?.();
  }
  if (pr?.tty) pr.write('\r\x1b[K');
  for (const f of summary.files) if (f.skipped) io.out(`skip  ${f.file}: ${f.skipped}`);
  const contract = summary.files.flatMap((f) => (f.contract ?? []).map((x) => ({ file: f.file, x })));
  for (const { file, x } of contract) {
    io.out(`BUG   ${file}:${x.line ?? 0}:${x.col ?? 0}: error: ${x.message} (${x.rule}; ${x.source})`);
    if (x.witness) io.out(`      witness (${x.witness.kind}): ${x.witness.text}`);
    io.out(`      reproduce: ${x.witness?.replay ?? `dmafuzz check ${file}`}`);
  }
  const rate = summary.elapsedMs ? Math.round((summary.executions * 1000) / summary.elapsedMs) : 0;
  const cases = summary.files.reduce((n, f) => n + f.cases.length, 0);
  const coverable = summary.files.reduce((n, f) => n + f.platforms, 0);
  const outcome = runOutcome(summary);
  const interrupted = outcome.interrupted;
  const found = outcome.status === 'bug';
  const tail = interrupted ? (found ? ' — stopped by signal, everything found so far is saved' : ' — interrupted by a signal: nothing found so far, which is not a pass')
    : outcome.status === 'untried' ? ' — no trial ran: nothing was tested, which is not a pass' : '';
  io.out(`${found ? 'BUG' : outcome.status === 'ok' ? 'ok ' : 'stop'}   ${foundText(outcome)} in ${summary.trials} trial${summary.trials === 1 ? '' : 's'}, ${summary.executions} execution${summary.executions === 1 ? '' : 's'} (${rate}/s), ${hms(summary.elapsedMs)}${tail}`);
  io.out(`      matrix: ${cases} of ${coverable} file×platform combinations tried (${coverable ? ((100 * cases) / coverable).toFixed(cases < coverable / 100 ? 2 : 0) : 0}%)`);
  for (const f of summary.files) {
    if (f.pairs) io.out(`      ${f.file}: ${pairsText(f.pairs)}`);
    if (f.unrepresentable) io.out(`      ${f.file}: some platforms of the matrix skipped, the file's own platform kept: ${f.unrepresentable}`);
  }
  if (v.report !== undefined) {
    // Checked writable before the run; if it broke since, what was found still decides the exit.
    try {
      const written = writeReports(v.report, summary, { checkShrunk, checkOwnFile });
      io.out(`      reports: ${written.join(', ')}`);
    } catch (e) {
      if (!(e as NodeJS.ErrnoException)?.code) throw e;
      io.err(`dmafuzz: --report ${v.report}: could not write the reports: ${writeErrorText(e)}`);
      if (!found) return EXIT.usage;
    }
  }
  return found ? EXIT.bug : outcome.status === 'ok' ? EXIT.ok : EXIT.inconclusive;
}

/** "pairwise: all 47 pairs of settings covered (kernel, lineSize, ...)" or what is missing. */
function pairsText(p: PairCoverage): string {
  const axes = p.axes.join(', ');
  if (p.covered === p.coverable) return `pairwise: all ${p.coverable} pairs of settings covered (${axes})${p.impossible ? `; ${p.impossible} pair${p.impossible === 1 ? '' : 's'} no machine has` : ''}`;
  const missing = p.missing.slice(0, 4).join('; ');
  return `pairwise: ${p.covered} of ${p.coverable} pairs of settings covered (${axes}); not yet: ${missing}${p.missing.length > 4 ? `; … ${p.missing.length - 4} more` : ''}`;
}

export const FUZZ_USAGE = `usage: dmafuzz fuzz FILE|DIR... [--time 2m] [--seed N] [--shard I/N] [--workers N|auto]
                    [--vary KEY,...] [--pin KEY=VALUE]... [--corpus DIR] [--report DIR] [--max-trials N]
                    [--waive RULE-ID]...

Your litmus tests for a time box across the platform matrix and kmalloc placements. Within the
box, every pair of platform settings is covered before any combination repeats; then random.
Once something is found, exploring stops early so the failure is shrunk within the box;
failures are saved in the corpus as they arrive.

  --time D          the time box, e.g. 20s, 2m, 8h, 1h30m (default 2m); the run ends within it
  --seed N          seed of the run (default: from the clock; printed, so a run replays)
  --shard I/N       this machine's share of the trials (1 ≤ I ≤ N)
  --workers N|auto  worker threads (default 1)
  --vary KEY,...    vary only these platform settings
  --pin KEY=VALUE   fix a platform setting for every file (repeatable)
  --corpus DIR      where failures are saved, once each (default dmafuzz-corpus/)
  --report DIR      write summary.json, junit.xml and HTML pages there
  --max-trials N    stop after N trials of this shard (a fixed amount of work, e.g. for tests)
  --waive RULE-ID   do not count this contract rule's findings as errors (repeatable; as in check)
  --help            print this help

exit status: 0 nothing found, 1 a failure was found (also when interrupted after finding it),
2 usage or input error, 3 interrupted (SIGINT/SIGTERM) before anything was found, 4 internal
error. A second SIGINT kills at once. See docs/fuzzing.md.`;

/** `fuzz` with FILE or DIR arguments is this command; without, the self-test (selftest). */
export function namesFiles(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return i + 1 < argv.length;
    if (argv[i].startsWith('--')) {
      if (!argv[i].includes('=')) i++; // every option of both commands takes a value
      continue;
    }
    return true;
  }
  return false;
}
