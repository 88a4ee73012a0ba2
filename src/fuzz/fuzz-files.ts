// `dmafuzz fuzz FILE|DIR...` as a library: run the user's litmus tests across the platform
// matrix and allocator placements for a time box, on worker threads (tinypool), and hand back
// what was covered and every shrunk failure (saved to the corpus as soon as it arrives).
//
// Work is a sequence of trials k = 0, 1, 2, ...; trial k is a pure function of (seed, k)
// (src/fuzz/trial.ts). Shard i of n takes k ≡ i (mod n), so shards never repeat each other's
// work and `--seed` replays a whole night. Trials go to workers in batches, and each failing
// trial to a worker of its own to be shrunk. Once something is found, exploring stops early
// to leave time to shrink it. At the end of the box or on an abort (Ctrl-C),
// whatever still runs is abandoned, not waited on; a failure whose shrinking was cut off is
// reported as far as it got.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import { LitmusError } from '../litmus/litmus-error.js';
import type { LocatedFinding } from '../check/file-findings.js';
import { isRule } from '../check/rules.js';
import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import { readLitmusFile } from '../litmus/read-file.js';
import { covers, runBatch, runShrink, type BatchResult, type BatchTask, type KnownFailure, type ShrinkTask } from './batch.js';
import { writeErrorText } from '../report/make-dir.js';
import { saveToCorpus, failureKey, type CorpusEntry } from './corpus.js';
import { fileMatrix, matrixSize, platformKey, type MatrixOptions } from '../kernel/platform-matrix.js';
import { pairCoverage, platformFromKey, type PairCoverage } from './pairwise.js';
import { placementKey } from '../kernel/placement.js';
import { shrinkFailure, type ShrunkFailure } from './shrink.js';
import type { TrialFailure } from './trial.js';

export interface FuzzFilesOptions extends MatrixOptions {
  /** Litmus files (already expanded from directories). */
  files: string[];
  /** Time box in ms. */
  timeMs: number;
  seed?: number;
  /** Shard i of n, 0-based. */
  shard?: { index: number; count: number };
  workers?: number;
  /** Save each failure here (deduplicated); undefined: do not save. */
  corpus?: string;
  /** Stop after this many trials of this shard (tests, benchmarks). */
  maxTrials?: number;
  /** Stop once this many distinct failures were found. */
  maxFailures?: number;
  /** Trials per batch sent to a worker. */
  batch?: number;
  signal?: AbortSignal;
  onProgress?: (p: FuzzProgress) => void;
  onFailure?: (f: SavedFailure) => void;
  /** Each trial as it is reported: its index k and its file × platform. */
  onTrial?: (k: number, covered: string) => void;
  /** Run in this thread even when the worker file exists (tests under Vitest run from source). */
  inline?: boolean;
  /** --waive RULE-ID: rules waived for the whole run. */
  waive?: string[];
  /** The clock (ms since the epoch) for the time box; with `inline`, trials and shrinks read it too (tests: a fake clock). */
  clock?: () => number;
}

export interface FuzzProgress {
  executions: number;
  trials: number;
  elapsedMs: number;
  timeLeftMs: number;
  /** Distinct file × platform pairs tried, and how many the matrices have. */
  covered: number;
  coverable: number;
  failures: number;
}

export interface SavedFailure extends ShrunkFailure {
  key: string;
  /** Time its shrinking took (a worker's time, ms; the trial itself is in its case). */
  ms: number;
  /** Other platforms (platformKey) whose trials shrank to this same counterexample. */
  alsoFoundOn: string[];
  saved?: CorpusEntry;
  /** Why it could not be saved in the corpus (the failure still counts). */
  saveError?: string;
}

export interface FileCase {
  platform: string;
  trials: number;
  executions: number;
  bugs: number;
  inconclusive: number;
  invalid: number;
  /** Time its trials took, shrinking included (workers' time, ms). */
  ms: number;
}

export interface FileSummary {
  file: string;
  test?: string;
  /** Why the file was not fuzzed (an `expect bug` test, or an input error). */
  skipped?: string;
  platforms: number;
  cases: FileCase[];
  /** Contract errors with no counterexample (a dma-debug WARN, an order the device can observe): `bug`, as in `dmafuzz check`. */
  contract?: LocatedFinding[];
  /** Findings waived in the file or with --waive (each once): shown in the reports, never a failure. */
  waived?: LocatedFinding[];
  /** Which pairs of platform settings the tried platforms covered. */
  pairs?: PairCoverage;
  /** Why some platforms of the matrix could not be run for this file (each reason met, joined by ' | '). */
  unrepresentable?: string;
}

export interface FuzzSummary {
  seed: number;
  shard: { index: number; count: number };
  workers: number;
  startedAt: string;
  elapsedMs: number;
  stoppedBy: 'time' | 'trials' | 'failures' | 'signal';
  trials: number;
  executions: number;
  files: FileSummary[];
  failures: SavedFailure[];
}

export class InputProblem extends Error {
  constructor(readonly file: string, readonly line: number, readonly col: number, message: string) {
    super(`${file}:${line}:${col}: ${message}`);
  }
}

/** Read and parse every file; the first problem is an InputProblem (file:line:col). */
export function loadFiles(files: string[]): { path: string; text: string; parsed: ParsedLitmus }[] {
  return files.map((path) => {
    try {
      const text = readLitmusFile(path);
      const parsed = parseLitmus(text);
      const unknown = (parsed.waivers ?? []).find((w) => !isRule(w.rule));
      if (unknown) throw new InputProblem(path, unknown.line, unknown.col, `waiver of unknown rule '${unknown.rule}' (docs/contract.md lists the rules)`);
      return { path, text, parsed };
    } catch (e) {
      if (e instanceof LitmusError) throw new InputProblem(path, e.line, e.col, e.message);
      throw e;
    }
  });
}

const WORKER = new URL('./worker.js', import.meta.url);

/** The share of the time box kept for shrinking once something was found (before any shrink has finished). */
export const SHRINK_SHARE = 0.25;

export function defaultSeed(): number {
  return (Date.now() % 2 ** 31) >>> 0;
}

export async function fuzzFiles(o: FuzzFilesOptions): Promise<FuzzSummary> {
  const loaded = loadFiles(o.files);
  const fuzzed = loaded.filter((f) => f.parsed.expect !== 'bug');
  const seed = o.seed ?? defaultSeed();
  const shard = o.shard ?? { index: 0, count: 1 };
  const workers = Math.max(1, o.workers ?? 1);
  const B = o.batch ?? (o.inline ? 1 : 4);
  const matrix: MatrixOptions = { ...(o.vary ? { vary: o.vary } : {}), ...(o.pin ? { pin: o.pin } : {}) };
  const now = o.clock ?? Date.now;
  const started = now();
  const deadline = started + o.timeMs;

  const files: FileSummary[] = loaded.map((f) => ({
    file: f.path, test: f.parsed.program.name,
    ...(f.parsed.expect === 'bug' ? { skipped: "expect bug: a test of a known bug is not fuzzed" } : {}),
    platforms: f.parsed.expect === 'bug' ? 0 : matrixSize(fileMatrix(f.parsed.program, matrix)), cases: [],
  }));
  const summaryOf = new Map(fuzzed.map((f) => [f.path, files.find((s) => s.file === f.path)!]));
  /** The distinct reasons each file's platforms were skipped, by reason without its kernel (FileSummary.unrepresentable). */
  const skipReasons = new Map<object, Map<string, string>>();
  const caseOf = new Map<string, FileCase>();
  const failures: SavedFailure[] = [];
  const known: KnownFailure[] = [];
  let trials = 0, executions = 0;
  const coverable = files.reduce((n, f) => n + f.platforms, 0);
  const progress = (): FuzzProgress => ({
    executions, trials, elapsedMs: now() - started, timeLeftMs: Math.max(0, deadline - now()),
    covered: caseOf.size, coverable, failures: failures.length,
  });

  let stoppedBy: FuzzSummary['stoppedBy'] = 'time';
  if (fuzzed.length) {
    const fileList: [string, string][] = fuzzed.map((f) => [f.path, f.text]);
    const trialsOfBatch = (b: number): number[] => {
      const out: number[] = [];
      for (let j = b * B; j < (b + 1) * B; j++) if (o.maxTrials === undefined || j < o.maxTrials) out.push(shard.index + shard.count * j);
      return out;
    };
    // Failing trials not yet shrunk: one shrink per file at a time, the rest wait (most are the
    // same failure again, and are counted as it once it is known).
    const shrinking = new Map<number, TrialFailure>();
    const waiting: TrialFailure[] = [];
    const sameCase = (a: TrialFailure, b: TrialFailure) => a.file === b.file && platformKey(a.platform) === platformKey(b.platform) && placementKey(a.placement) === placementKey(b.placement);
    const addShrunk = (f: ShrunkFailure, fileIndex: number, ms = 0) => {
      const key = failureKey(f);
      const same = failures.find((x) => x.key === key);
      if (same) {
        // The same minimal counterexample from another platform: that case failed too.
        if (same.foundOn !== f.foundOn && !same.alsoFoundOn.includes(f.foundOn)) same.alsoFoundOn.push(f.foundOn);
        return;
      }
      // A corpus that stops taking files mid-run (disk full, unmounted) loses the file, not the
      // failure: it is still reported, and the run's exit status still says a bug was found.
      let saved: CorpusEntry | undefined, saveError: string | undefined;
      try {
        saved = o.corpus ? saveToCorpus(o.corpus, f) : undefined;
      } catch (e) {
        saveError = `--corpus ${o.corpus}: could not save it: ${writeErrorText(e)}`;
      }
      const sf: SavedFailure = { ...f, key, ms, alsoFoundOn: [], ...(saved ? { saved } : {}), ...(saveError ? { saveError } : {}) };
      failures.push(sf);
      known.push({ file: fileIndex, key, platform: f.platform, placement: f.placement });
      o.onFailure?.(sf);
    };
    const absorb = (r: BatchResult) => {
      for (const t of r.trials) {
        trials++;
        o.onTrial?.(t.index, t.covered);
        executions += t.executions;
        const [fi, platform] = t.covered.split('|');
        const s = summaryOf.get(fuzzed[Number(fi)].path)!;
        // every distinct reason, in the order met (a restricted pool, kernels without the call, ...)
        if (t.unrepresentable) {
          const seen = skipReasons.get(s) ?? new Map<string, string>();
          skipReasons.set(s, seen);
          const key = t.unrepresentable.replace(/^kernel [\d.]+: /, ''); // one for every kernel a version rule refuses
          if (!seen.has(key)) {
            seen.set(key, t.unrepresentable);
            s.unrepresentable = [...seen.values()].join(' | ');
          }
        }
        let c = caseOf.get(t.covered);
        if (!c) {
          c = { platform, trials: 0, executions: 0, bugs: 0, inconclusive: 0, invalid: 0, ms: 0 };
          caseOf.set(t.covered, c);
          s.cases.push(c);
        }
        c.trials++;
        c.executions += t.executions;
        c.ms += t.ms;
        if (t.verdict === 'bug') c.bugs++;
        if (t.verdict === 'inconclusive') c.inconclusive++;
        if (t.verdict === 'invalid') c.invalid++;
        for (const f of t.waived ?? []) {
          s.waived ??= [];
          if (!s.waived.some((x) => x.rule === f.rule && x.line === f.line && x.col === f.col)) s.waived.push(f);
        }
        for (const f of t.contract ?? []) {
          s.contract ??= [];
          const replay = `dmafuzz check ${s.file}${t.contractOn ?? ''}`;
          if (!s.contract.some((x) => x.rule === f.rule && x.line === f.line && x.col === f.col)) s.contract.push(f.witness ? { ...f, witness: { ...f.witness, replay } } : f);
        }
      }
      for (const x of r.repeats) {
        const same = failures.find((f) => f.key === x.key);
        if (same && same.foundOn !== x.foundOn && !same.alsoFoundOn.includes(x.foundOn)) same.alsoFoundOn.push(x.foundOn);
      }
      for (const f of r.failures) if (![...shrinking.values(), ...waiting].some((w) => sameCase(w, f))) waiting.push(f);
      o.onProgress?.(progress());
    };

    const useWorkers = !o.inline && existsSync(fileURLToPath(WORKER));
    const pool = useWorkers ? new Tinypool({ filename: WORKER.href, minThreads: workers, maxThreads: workers, isolateWorkers: false }) : undefined;
    const run = pool
      ? <T>(task: BatchTask | ShrinkTask) => pool.run(task) as Promise<T>
      : async <T>(task: BatchTask | ShrinkTask) => {
          await new Promise((r) => setImmediate(r)); // let signals and timers in between trials
          if (abandoned) throw new Error('abandoned'); // the run ended while this waited: do not start it
          return (task.kind === 'shrink' ? runShrink(task, now) : runBatch(task, now)) as T;
        };
    const inflight = new Set<Promise<void>>();
    let batches = 0;
    let next = 0;
    let abandoned = false;
    let failure: unknown;
    const track = <T>(p: Promise<T>, use: (r: T) => void, after: () => void = () => {}, onError = (e: unknown) => { failure ??= e; }) => {
      const q: Promise<void> = p.then((r) => { if (!abandoned) use(r); }, (e) => { if (!abandoned) onError(e); })
        .finally(() => { inflight.delete(q); after(); });
      inflight.add(q);
    };
    const foundSomething = () => failures.length + shrinking.size + waiting.length > 0;
    // Exploring stops early once something was found, leaving the end of the box to shrink it:
    // a quarter of the box until a shrink has finished, then twice the longest shrink seen (at
    // least 5 % of the box), so a box whose failures shrink fast is not cut short for nothing.
    let longestShrink = 0;
    const reserve = () => Math.round(longestShrink ? Math.min(o.timeMs * SHRINK_SHARE, Math.max(o.timeMs * 0.05, 2 * longestShrink)) : o.timeMs * SHRINK_SHARE);
    const exploreEnd = () => (foundSomething() ? deadline - reserve() : deadline);
    const explorationOver = (): FuzzSummary['stoppedBy'] | undefined => {
      if (o.maxTrials !== undefined && next * B >= o.maxTrials) return 'trials';
      if (o.maxFailures !== undefined && failures.length >= o.maxFailures) return 'failures';
      if (now() >= exploreEnd()) return 'time';
      return undefined;
    };
    const startShrinks = () => {
      for (let i = 0; i < waiting.length; ) {
        const f = waiting[i];
        if (shrinking.has(f.file)) { i++; continue; }
        waiting.splice(i, 1);
        const same = known.find((k) => covers(k, f));
        if (same) {
          absorb({ trials: [], failures: [], repeats: [{ key: same.key, foundOn: platformKey(f.platform) }] });
          continue;
        }
        shrinking.set(f.file, f);
        // A shrink stops a little before the box ends, so it is the shrink that ends, not the run that waits.
        const task: ShrinkTask = { kind: 'shrink', files: fileList, matrix, failure: f, deadline: deadline - Math.min(1000, Math.round(o.timeMs * 0.02)) };
        const began = now();
        track(run<ShrunkFailure>(task), (s) => {
          longestShrink = Math.max(longestShrink, now() - began);
          addShrunk(s, f.file, now() - began);
        }, () => shrinking.delete(f.file), (e) => {
          // A shrink that breaks (a bug of ours) must not lose what the trial found: report it
          // as found; only if even that fails is the run's error the shrink's.
          try {
            addShrunk(shrinkFailure(fileList[f.file][0], fuzzed[f.file].parsed, f, matrix, 0), f.file);
          } catch {
            failure ??= e;
          }
        });
      }
    };
    const stopped = o.signal ? aborted(o.signal) : undefined;
    let cutShort: TrialFailure[] = [];
    try {
      for (;;) {
        if (o.signal?.aborted) { stoppedBy = 'signal'; break; }
        if (now() >= deadline) { stoppedBy = 'time'; break; }
        if (failure) break;
        startShrinks();
        const over = explorationOver();
        if (over) stoppedBy = over;
        // Shrinks come first: batches only take the workers no shrink is using.
        while (!over && batches < Math.max(pool ? workers - shrinking.size : 1, pool ? 0 : 1) && !explorationOver()) {
          const task: BatchTask = { kind: 'trials', files: fileList, runSeed: seed, matrix, trials: trialsOfBatch(next++), deadline: exploreEnd(), known: [...known], ...(o.waive?.length ? { waive: o.waive } : {}) };
          batches++;
          track(run<BatchResult>(task), absorb, () => batches--);
        }
        if (!inflight.size && !waiting.length) break;
        let timer: NodeJS.Timeout | undefined;
        const boxEnds = new Promise<void>((r) => { timer = setTimeout(r, Math.max(0, deadline - now())); });
        await Promise.race([...inflight, boxEnds, ...(stopped ? [stopped] : [])]);
        clearTimeout(timer);
      }
    } finally {
      // Whatever still runs is abandoned, not waited on (a trial or shrink can take minutes):
      // a failure whose shrinking was cut off is reported as found.
      abandoned = true;
      cutShort = [...shrinking.values(), ...waiting];
      await pool?.destroy();
    }
    if (failure) throw failure;
    const reported = new Set(failures.map((f) => f.file));
    for (const f of cutShort) {
      const path = fileList[f.file][0];
      if (known.some((k) => covers(k, f)) || reported.has(path) && waiting.includes(f)) continue;
      reported.add(path);
      addShrunk(shrinkFailure(path, fuzzed[f.file].parsed, f, matrix, 0), f.file);
    }
  }
  for (const f of fuzzed) {
    const s = summaryOf.get(f.path)!;
    const m = fileMatrix(f.parsed.program, matrix);
    if (m.axes.length >= 2) s.pairs = pairCoverage(m, s.cases.filter((c) => c.platform !== 'none' && c.invalid < c.trials).map((c) => platformFromKey(c.platform)));
  }
  for (const f of files) f.cases.sort((a, b) => a.platform.localeCompare(b.platform));
  return {
    seed, shard, workers, startedAt: new Date(started).toISOString(), elapsedMs: now() - started, stoppedBy,
    trials, executions, files, failures: failures.sort((a, b) => a.trial - b.trial),
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
