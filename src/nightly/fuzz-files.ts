// `dmafuzz fuzz FILE|DIR...` as a library: run the user's litmus tests across the platform
// matrix and allocator placements for a time box, on worker threads (tinypool), and hand back
// what was covered and every shrunk failure (saved to the corpus as soon as it arrives).
//
// Work is a sequence of trials k = 0, 1, 2, ...; trial k is a pure function of (seed, k)
// (src/nightly/trial.ts). Shard i of n takes k ≡ i (mod n), so shards never repeat each other's
// work and `--seed` replays a whole night. Trials go to workers in batches; a stop (time, trial
// limit, or abort — Ctrl-C) starts no new batch and waits for the ones running.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import { LitmusError } from '../litmus/litmus-error.js';
import type { LocatedFinding } from '../check/file-findings.js';
import { isRule } from '../check/rules.js';
import { parseLitmus, type ParsedLitmus } from '../litmus/parse.js';
import { readLitmusFile } from '../litmus/read-file.js';
import { runBatch, type BatchResult, type BatchTask, type KnownFailure } from './batch.js';
import { saveToCorpus, failureKey, type CorpusEntry } from './corpus.js';
import { fileMatrix, matrixSize, type MatrixOptions } from './matrix.js';
import type { ShrunkFailure } from './shrink.js';

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
  /** After an abort, how long running batches may take to finish (default 20 s). */
  graceMs?: number;
  /** Run in this thread even when the worker file exists (tests under Vitest run from source). */
  inline?: boolean;
  /** --waive RULE-ID: rules waived for the whole run. */
  waive?: string[];
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
  /** Time the trial that found it and its shrinking took (a worker's time, ms). */
  ms: number;
  /** Other platforms (platformKey) whose trials shrank to this same counterexample. */
  alsoFoundOn: string[];
  saved?: CorpusEntry;
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
  const started = Date.now();
  const deadline = started + o.timeMs;

  const files: FileSummary[] = loaded.map((f) => ({
    file: f.path, test: f.parsed.program.name,
    ...(f.parsed.expect === 'bug' ? { skipped: "expect bug: a test of a known bug is not fuzzed" } : {}),
    platforms: f.parsed.expect === 'bug' ? 0 : matrixSize(fileMatrix(f.parsed.program, matrix)), cases: [],
  }));
  const summaryOf = new Map(fuzzed.map((f) => [f.path, files.find((s) => s.file === f.path)!]));
  const caseOf = new Map<string, FileCase>();
  const failures: SavedFailure[] = [];
  const keys = new Set<string>();
  const known: KnownFailure[] = [];
  let trials = 0, executions = 0;
  const coverable = files.reduce((n, f) => n + f.platforms, 0);
  const progress = (): FuzzProgress => ({
    executions, trials, elapsedMs: Date.now() - started, timeLeftMs: Math.max(0, deadline - Date.now()),
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
    const absorb = (r: BatchResult) => {
      for (const t of r.trials) {
        trials++;
        o.onTrial?.(t.index, t.covered);
        executions += t.executions;
        const [fi, platform] = t.covered.split('|');
        const s = summaryOf.get(fuzzed[Number(fi)].path)!;
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
      for (const { fileIndex, ...f } of r.failures) {
        const key = failureKey(f);
        const same = failures.find((x) => x.key === key);
        if (same) {
          // The same minimal counterexample from another platform: that case failed too.
          if (same.foundOn !== f.foundOn && !same.alsoFoundOn.includes(f.foundOn)) same.alsoFoundOn.push(f.foundOn);
          continue;
        }
        if (keys.has(key)) continue;
        keys.add(key);
        const saved = o.corpus ? saveToCorpus(o.corpus, f) : undefined;
        const sf: SavedFailure = { ...f, key, alsoFoundOn: [], ...(saved ? { saved } : {}) };
        failures.push(sf);
        known.push({ file: fileIndex, key, platform: f.platform, placement: f.placement });
        o.onFailure?.(sf);
      }
      o.onProgress?.(progress());
    };

    const useWorkers = !o.inline && existsSync(fileURLToPath(WORKER));
    const pool = useWorkers ? new Tinypool({ filename: WORKER.href, minThreads: workers, maxThreads: workers, isolateWorkers: false }) : undefined;
    const exec = pool
      ? (task: BatchTask) => pool.run(task) as Promise<BatchResult>
      : async (task: BatchTask) => {
          await new Promise((r) => setImmediate(r)); // let signals and timers in between trials
          return runBatch(task);
        };
    const inflight = new Set<Promise<void>>();
    let next = 0;
    const stopReason = (): FuzzSummary['stoppedBy'] | undefined => {
      if (o.signal?.aborted) return 'signal';
      if (Date.now() >= deadline) return 'time';
      if (o.maxTrials !== undefined && next * B >= o.maxTrials) return 'trials';
      if (o.maxFailures !== undefined && failures.length >= o.maxFailures) return 'failures';
      return undefined;
    };
    const stopped = o.signal ? aborted(o.signal) : undefined;
    let failure: unknown;
    try {
      for (;;) {
        let why = stopReason();
        while (!why && !failure && inflight.size < (pool ? workers : 1)) {
          const task: BatchTask = { files: fileList, runSeed: seed, matrix, trials: trialsOfBatch(next++), deadline, known: [...known], ...(o.waive?.length ? { waive: o.waive } : {}) };
          const p: Promise<void> = exec(task).then(absorb, (e) => { failure ??= e; }).finally(() => inflight.delete(p));
          inflight.add(p);
          why = stopReason();
        }
        if (why) stoppedBy = why;
        if (!inflight.size) break;
        await Promise.race([...inflight, ...(stopped ? [stopped] : [])]);
        if (o.signal?.aborted) {
          stoppedBy = 'signal';
          // A running batch finishes and its failures are saved; one that would take longer than
          // the grace period is dropped (its trials never reported a failure, so nothing saved is lost).
          await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, o.graceMs ?? 20_000).unref())]);
          break;
        }
      }
    } finally {
      await pool?.destroy();
    }
    if (failure) throw failure;
  }
  for (const f of files) f.cases.sort((a, b) => a.platform.localeCompare(b.platform));
  return {
    seed, shard, workers, startedAt: new Date(started).toISOString(), elapsedMs: Date.now() - started, stoppedBy,
    trials, executions, files, failures: failures.sort((a, b) => a.trial - b.trial),
  };
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
