// One unit of `dmafuzz fuzz FILES` work: a file on one platform of its matrix with one placement
// of its buffers, checked at check's bounds (exhaustive, then random; once per platform ×
// placement) and searched deeper — more fills and evictions, longer random schedules — with the
// trial's own seed.
// Trial k is a pure function of (run seed, k), so a night replays from its seed and shards that
// take disjoint k's take disjoint work.

import seedrandom from 'seedrandom';
import { compilePaths, type Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import type { ParsedLitmus } from '../litmus/parse.js';
import { checkAllPaths, type CheckResult } from '../oracle/check.js';
import { explore } from '../oracle/explore.js';
import { makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';
import { ProgramError } from '../program/program-error.js';
import { walkOps } from '../litmus/registers.js';
import { fileFindings, type LocatedFinding } from '../check/file-findings.js';
import { verdictOf } from '../check/verdict.js';
import type { Waiver } from '../check/waivers.js';
import { fileMatrix, platformAt, platformKey, type MatrixOptions } from '../kernel/platform-matrix.js';
import { coveringRows } from './pairwise.js';
import { applyPlacement, placeableBuffers, placementKey, slotCount, type Placement } from '../kernel/placement.js';

export interface TrialPlan {
  index: number;
  file: number;
  platform: PlatformConfig;
  placement: Placement;
  seed: number;
}

/** Trial k of a run: which file, platform, placement and search seed. */
export function planTrial(files: readonly ParsedLitmus[], k: number, runSeed: number, o: MatrixOptions = {}): TrialPlan | undefined {
  const rng = seedrandom(`${runSeed}/${k}`);
  const pick = (n: number) => Math.floor(rng() * n);
  const file = k % files.length;
  const program = files[file].program;
  const m = fileMatrix(program, o);
  // Half the trials vary the platform only; the other half re-place the kmalloc buffers (with
  // neighbour writers) on platforms closer to the default, so placement bugs are not drowned by
  // platform noise. Each setting keeps its first value (the default) with probability `keep`:
  // near-default platforms come up often, and a failure found there is already nearly minimal.
  const placing = rng() < 0.5;
  const keep = placing ? 0.8 : 0.5;
  let platform: PlatformConfig | undefined;
  // The file's first trials are the rows of a pairwise covering of its matrix (src/fuzz/pairwise.ts).
  const rows = coveringRows(m, `${runSeed}/${file}`);
  const round = Math.floor(k / files.length);
  if (round < rows.length) platform = platformAt(m, rows[round]);
  for (let tries = 0; !platform && tries < 20; tries++) platform = platformAt(m, m.axes.map((a) => (rng() < keep ? 0 : pick(a.values.length))));
  if (!platform) return undefined;
  const placement: Placement = [];
  if (placing) {
    for (const b of placeableBuffers(program)) {
      const slots = slotCount(b, platform);
      if (slots > 1) placement.push({ buffer: b.name, slot: pick(slots), neighbours: rng() < 0.9 });
    }
  }
  return { index: k, file, platform, placement, seed: (rng.int32() >>> 0) || 1 };
}

export interface TrialFailure {
  file: number;
  trial: number;
  platform: PlatformConfig;
  placement: Placement;
  execution: Execution;
  /** The search that found it: "check" bounds or "deep" random search. */
  search: 'check' | 'deep';
}

export interface TrialResult {
  executions: number;
  /** file index × platform key, for coverage. */
  covered: string;
  verdict: 'ok' | 'bug' | 'inconclusive' | 'invalid';
  failure?: TrialFailure;
  /**
   * The contract findings that make this trial `bug` with no counterexample: witnessed errors
   * (a dma-debug WARN, an order the device can observe), not waived — the rule of `dmafuzz check`
   * (src/check/verdict.ts). Checked once per platform × placement, with the value check.
   */
  contract?: LocatedFinding[];
  /** Where they were found: the `--platform` options of `dmafuzz check` for this platform (and the placement, in words). */
  contractOn?: string;
  /** Findings the file or --waive waived on this platform: shown in the reports, never a failure. */
  waived?: LocatedFinding[];
  /** Why the model cannot run the file on this platform (e.g. a pinned point release whose swiotlb backports it does not know, on a platform that bounces). */
  unrepresentable?: string;
}

/** ` --platform k=v` for each setting the trial changed from the file's platform, plus the placement in words. */
function platformFlags(parsed: ParsedLitmus, plan: TrialPlan): string {
  const own = makePlatform(parsed.program.platform);
  const keys = Object.keys(plan.platform) as (keyof PlatformConfig)[];
  const flags = keys.filter((k) => plan.platform[k] !== own[k]).map((k) => ` --platform ${k}=${String(plan.platform[k])}`).join('');
  return flags + (plan.placement.length ? ` (with the placement ${placementKey(plan.placement)})` : '');
}

/**
 * Bounds of a trial. `deepSteps` multiplies the ops for the random schedule length.
 * `randomRuns`: the random executions of a trial of a file too large for check's search in every
 * trial (fileSearch), shared by its paths. `searchedStates`: the most states, all paths (and levels, when the deepest finds a
 * counterexample or is cut) together, of the own platform's check search for one every trial repeats (other platforms cost
 * more: bouncing through swiotlb, two cache levels; a minute should still try a thousand); `streamingBytes`: the most bytes
 * it maps for streaming DMA (streamingBytes below).
 */
export const TRIAL_BOUNDS = { checkRuns: 100, maxEvents: 2, maxStates: 5_000, searchedStates: 600, streamingBytes: 1024, deepRuns: 150, deepSteps: 4, searchBudget: 50_000, randomRuns: 48 };

/**
 * The bytes a program maps for streaming DMA. Its own platform may search them in a few hundred
 * states, yet where they bounce through swiotlb (RAM above 4 GiB, swiotlb=force, a restricted
 * pool) every line of them is copied through the cache twice: a 4 KiB page-pool page is 128
 * lines of work there, and a trial of each such platform would cost a thousand of the others.
 */
function streamingBytes(p: ParsedLitmus['program']): number {
  let n = 0;
  for (const a of p.actors) {
    walkOps(a.ops, (op) => {
      if (op.op === 'dma_map') n += op.size;
      if (op.op === 'dma_map_sg') for (const e of op.entries) n += e.size;
    });
  }
  return n;
}

/** Program of a trial: the file's program on the trial's platform (all settings named) and placement. */
export function trialCompiled(parsed: ParsedLitmus, platform: PlatformConfig, placement: Placement): Compiled {
  const placed = applyPlacement(parsed.program, platform, placement).program;
  return compilePaths({ ...placed, platform: undefined }, makePlatform(platform))[0];
}

/**
 * Compiled programs a worker keeps (per file, by platform × placement key): trials revisit them,
 * shrinking too. Bounded by their paths, all files together, the oldest dropped first: a path
 * with the analyses a check attaches to it is some 0.2 MB, and a multi-path driver's program is
 * hundreds of paths (mlx5's RX loop: 256, 50 MB), so a count of programs (256 a file, as it was)
 * let a nightly worker run out of heap after a few hundred trials.
 */
export const PATHS_KEPT = 1024;
const compiledOf = new WeakMap<ParsedLitmus, Map<string, Compiled | ProgramError | PlatformError>>();
const keptOrder: { kept: Map<string, unknown>; key: string; paths: number }[] = [];
let pathsKept = 0;

/** Paths of the compiled programs this worker keeps now (for tests). */
export function keptPaths(): number {
  return pathsKept;
}

function keep(kept: Map<string, Compiled | ProgramError | PlatformError>, key: string, c: Compiled | ProgramError | PlatformError): void {
  const paths = c instanceof Error ? 1 : (c.allPaths?.length ?? 1);
  while (keptOrder.length && pathsKept + paths > PATHS_KEPT) {
    const old = keptOrder.shift()!;
    old.kept.delete(old.key);
    pathsKept -= old.paths;
  }
  kept.set(key, c);
  keptOrder.push({ kept, key, paths });
  pathsKept += paths;
}

/** trialCompiled, once per file × platform × placement in a worker (a compile error is kept and thrown again). */
function compiledForTrial(parsed: ParsedLitmus, plan: TrialPlan, key: string): Compiled {
  let kept = compiledOf.get(parsed);
  if (!kept) compiledOf.set(parsed, (kept = new Map()));
  let c = kept.get(key);
  if (!c) {
    try {
      c = trialCompiled(parsed, plan.platform, plan.placement);
    } catch (e) {
      if (!(e instanceof ProgramError || e instanceof PlatformError)) throw e;
      c = e;
    }
    keep(kept, key, c);
  }
  if (c instanceof Error) throw c;
  return c;
}

/** check's search of a platform × placement, at a trial's bounds (seed 1: its outcome is the platform × placement's alone). */
function checkSearch(c: Compiled): CheckResult {
  return checkAllPaths(c, { searchBudget: TRIAL_BOUNDS.searchBudget, seed: 1, runs: TRIAL_BOUNDS.checkRuns, maxEvents: TRIAL_BOUNDS.maxEvents, maxStates: TRIAL_BOUNDS.maxStates });
}

/** How a file's trials search, and check's search of its own platform (reused by the trial that has that platform). */
interface FileSearch { exhaustive: boolean; ownKey: string; own?: CheckResult }
const searchOf = new WeakMap<ParsedLitmus, FileSearch>();

/**
 * Check's search of the file's own platform decides how its trials search, once per file and
 * worker (from the file alone, so a trial stays a pure function of (seed, k)): if it finds a
 * counterexample or finishes its exhaustive part (to `maxEvents` fills/evictions) within
 * `searchedStates` states in all, every platform × placement gets that search, as `dmafuzz check`
 * would run it. If it gives up, or needs more (a NAPI RX ring over 4 KiB page-pool pages: about
 * 1,200 states, yet 0.25 s a trial over the matrix), it would spend that on every trial: the
 * file's other platforms are searched at random only, `randomRuns` schedules a trial, so a minute
 * tries thousands of platforms instead of a hundred. The own platform keeps its check search.
 */
function fileSearch(parsed: ParsedLitmus): FileSearch {
  let s = searchOf.get(parsed);
  if (s) return s;
  const { version: _version, faults: _faults, ...own } = makePlatform(parsed.program.platform);
  s = { exhaustive: true, ownKey: platformKey(own) };
  try {
    const r = checkSearch(trialCompiled(parsed, own, []));
    const small = r.gaveUp === undefined && r.states <= TRIAL_BOUNDS.searchedStates && streamingBytes(parsed.program) <= TRIAL_BOUNDS.streamingBytes;
    s = { exhaustive: r.verdict === 'bug' || small, ownKey: s.ownKey, own: r };
  } catch (e) {
    // Not compilable on its own platform: each trial reports its own platform's error.
    if (!(e instanceof ProgramError || e instanceof PlatformError)) throw e;
  }
  searchOf.set(parsed, s);
  return s;
}

/** The contract errors of the file on its own platform (once per file and worker), by rule and place. */
const ownErrors = new WeakMap<ParsedLitmus, Set<string>>();
const errorKey = (f: LocatedFinding) => `${f.rule}@${f.line}:${f.col}`;

/**
 * Does `dmafuzz check FILE`, with no --platform, find every one of these errors too? Then that is
 * the command to replay them with, not the trial's platform spelled out in a dozen flags.
 */
function ownHasAll(parsed: ParsedLitmus, errors: readonly LocatedFinding[], waivers: Waiver[]): boolean {
  let own = ownErrors.get(parsed);
  if (!own) {
    own = new Set();
    try {
      const { version: _version, faults: _faults, ...config } = makePlatform(parsed.program.platform);
      const c = trialCompiled(parsed, config, []);
      const found = fileFindings(c.allPaths ?? [c], { maxStates: TRIAL_BOUNDS.maxStates, source: parsed.source, waivers });
      for (const f of found.list) if (f.severity === 'error' && !f.waived) own.add(errorKey(f));
    } catch (e) {
      if (!(e instanceof ProgramError || e instanceof PlatformError)) throw e; // not compilable there: the trial's flags it is
    }
    ownErrors.set(parsed, own);
  }
  return errors.every((f) => own.has(errorKey(f)));
}

/** Do this file's trials run check's exhaustive search on every platform × placement (fileSearch)? */
export function searchesExhaustively(parsed: ParsedLitmus): boolean {
  return fileSearch(parsed).exhaustive;
}

/**
 * Run a trial: check's search of its platform × placement (seed 1, so its outcome depends on the
 * platform × placement alone; `checked` caches it per worker), then a deeper random search with
 * the trial's own seed. Which trials find what is therefore the same whatever the number of
 * workers and however batches fall on them: `--seed` replays a whole run.
 */
export function runTrial(files: readonly ParsedLitmus[], plan: TrialPlan, checked: Map<string, Execution | undefined>, waive: readonly string[] = []): TrialResult {
  const covered = `${plan.file}|${platformKey(plan.platform)}`;
  const key = `${covered}|${placementKey(plan.placement)}`;
  let c: Compiled;
  try {
    c = compiledForTrial(files[plan.file], plan, key);
  } catch (e) {
    if (e instanceof ProgramError) return { executions: 0, covered, verdict: 'invalid' };
    // A pin the matrix cannot vary (kernel 5.13 with swiotlb=force), vmalloc memory on 5.4.0–5.4.7:
    // this platform is not one the file can have; the others still run (src/kernel/layout.ts refuseUnmodelled).
    if (e instanceof PlatformError) return { executions: 0, covered, verdict: 'invalid', unrepresentable: e.message };
    throw e;
  }
  const o = { searchBudget: TRIAL_BOUNDS.searchBudget };
  let executions = 0;
  let verdict: TrialResult['verdict'] = 'ok';
  let contract: LocatedFinding[] = [];
  const extra: Pick<TrialResult, 'waived'> = {};
  const search = fileSearch(files[plan.file]);
  const exhaustive = search.exhaustive;
  if (!checked.has(key)) {
    // A file too large for it (fileSearch) has no check search but on its own platform: its deep search is the random one.
    const own = !plan.placement.length && platformKey(plan.platform) === search.ownKey;
    const r = own && search.own ? search.own : exhaustive || own ? checkSearch(c) : undefined;
    executions += r?.executions ?? 0;
    checked.set(key, r?.counterexample?.execution);
    if (r?.verdict === 'inconclusive') verdict = 'inconclusive';
    // No counterexample search of its own: this trial's platform and placement is the one explored.
    const parsed = files[plan.file];
    const waivers: Waiver[] = [...(parsed.waivers ?? []).map((w): Waiver => ({ ...w, by: 'file' })), ...waive.map((rule): Waiver => ({ rule, reason: 'waived with --waive', by: 'command line' }))];
    const found = fileFindings(c.allPaths ?? [c], { maxStates: TRIAL_BOUNDS.maxStates, source: parsed.source, waivers });
    contract = found.list.filter((f) => f.severity === 'error' && !f.waived);
    const waived = found.list.filter((f) => f.waived);
    if (waived.length) extra.waived = waived;
    if (verdictOf(r?.verdict ?? 'ok', contract) === 'bug' && !r?.counterexample) return { executions, covered, verdict: 'bug', contract, contractOn: ownHasAll(parsed, contract, waivers) ? '' : platformFlags(parsed, plan), ...extra };
  }
  const fail = (execution: Execution, search: TrialFailure['search']): TrialResult => ({
    executions, covered, verdict: 'bug', ...extra,
    failure: { file: plan.file, trial: plan.index, platform: plan.platform, placement: plan.placement, execution, search },
  });
  const atCheck = checked.get(key);
  if (atCheck) return fail(atCheck, 'check');
  // The deep search shares its runs among the program's paths (one path for straight-line code).
  const paths = c.allPaths ?? [c];
  for (const [index, p] of paths.entries()) {
    const ops = p.actors.reduce((n, a) => n + a.actor.ops.length, 0);
    const runs = Math.max(10, Math.ceil((exhaustive ? TRIAL_BOUNDS.deepRuns : TRIAL_BOUNDS.randomRuns) / paths.length));
    const r = explore(p, { ...o, seed: plan.seed, runs, maxSteps: TRIAL_BOUNDS.deepSteps * ops + 8 });
    executions += r.executions;
    if (r.counterexample) return fail(paths.length > 1 ? { ...r.counterexample.execution, path: index } : r.counterexample.execution, 'deep');
    if (r.verdict === 'inconclusive') verdict = 'inconclusive';
  }
  return { executions, covered, verdict, ...extra };
}
