// Check one compiled program. Exhaustively first, level by level of fills/evictions, so a
// counterexample needs as few events as it can: level 0 first (most bugs show there, at its cost
// alone), then the deepest level (maxEvents), which covers every level between: when it finds
// nothing the program is ok with those levels never searched (a check that wants only the
// verdict, a fix search's proof, starts at the deepest). When it finds a counterexample,
// the levels between are searched in order for the one with the fewest events; when a level is
// too big, the last complete level is the exhaustive bound and a seeded random search (explore())
// looks beyond it. A counterexample is minimized either way.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { DEFAULT_TOTAL_SEARCH_BUDGET, type ExecutionVerdict, type OracleOptions } from './oracle.js';
import { explore } from './explore.js';
import { DEFAULT_MAX_EVENTS, exploreExhaustively, type ExhaustiveBound, type ExhaustiveResult } from './exhaustive.js';
import { minimizeCounterexample } from './minimize.js';

export interface CheckOptions extends OracleOptions {
  /** Random executions when the exhaustive search cannot cover the whole bound. */
  runs?: number;
  seed?: number;
  /** Exhaustive bound: fills plus evictions per execution. */
  maxEvents?: number;
  /** Exhaustive search gives up beyond this many distinct states (per level). */
  maxStates?: number;
  /** Shrink a counterexample found (default true); false when only the verdict is wanted (a fix search). */
  minimize?: boolean;
  /**
   * After level 0 (with `minimize: false`, first), search the deepest level (maxEvents) (default
   * true): it covers every level between, so a program that is ok is proved by two searches (one),
   * not by every level's. A counterexample found there is the answer only with `minimize: false`
   * (a fix search wants the verdict); else the levels between are searched for the one with the
   * fewest events. False: the levels one by one (the differential test compares the two).
   */
  deepestFirst?: boolean;
  /**
   * Only an exhaustive answer (a fix search's proof): a level cut short ends the check at once,
   * inconclusive, with no shallower level and no random search after it.
   */
  exhaustiveOnly?: boolean;
  /**
   * Straight to the random search, no exhaustive level (checkPaths sets it once a path was cut
   * short even without events: its other paths, alike, would each pay for a cut search again).
   */
  randomOnly?: boolean;
}

export interface CheckResult {
  verdict: 'bug' | 'ok' | 'inconclusive';
  /** Executions judged: distinct end states of the exhaustive search plus random executions. */
  executions: number;
  /**
   * Every execution within the requested bound (`maxEvents` fills/evictions of `bound.lines`)
   * was covered and none was a counterexample. False when only a smaller level finished.
   */
  exhaustive: boolean;
  /** The bound asked for: fills plus evictions per execution. */
  maxEvents: number;
  /** Which search found the counterexample, or decided ok. */
  method: 'exhaustive' | 'random';
  /** The deepest bound covered completely (events = -1: not even without events). */
  bound: ExhaustiveBound;
  /** Distinct states the exhaustive search visited, all levels. */
  states: number;
  /** Executions of the random search (0 when the exhaustive search covered everything asked). */
  randomExecutions: number;
  /** Why the exhaustive search stopped short of maxEvents. */
  gaveUp?: 'interleavings' | 'states';
  seed: number;
  runs: number;
  /** Executions cut where a loop would run past --unroll: counted, never judged. */
  cut: number;
  /** Inconclusive because every execution was cut at the loop bound: none was judged. */
  allCut?: boolean;
  /** Paths of a program with branches and loops (1 for straight-line code), all checked. */
  paths: number;
  counterexample?: { execution: Execution; result: Extract<ExecutionVerdict, { verdict: 'bug' }> };
}

export const DEFAULT_RUNS = 300;
export const DEFAULT_SEED = 1;

export function checkCompiled(c: Compiled, o: CheckOptions = {}): CheckResult {
  const seed = o.seed ?? DEFAULT_SEED;
  const runs = o.runs ?? DEFAULT_RUNS;
  const maxEvents = o.maxEvents ?? DEFAULT_MAX_EVENTS;
  let complete: ExhaustiveResult | undefined;
  let gaveUp: CheckResult['gaveUp'];
  let states = 0;
  let executions = 0;
  let cut = 0;
  /** The deepest level, searched after level 0 (first, for a verdict alone) and not ok: a counterexample, cut short, or an execution it could not judge. */
  let deepest: ExhaustiveResult | undefined;
  // One budget of witness-search states for both searches, so no input makes a check run for
  // ever; minimisation of a counterexample already found keeps its per-execution budget.
  const search = { ...o, totalBudget: o.totalBudget ?? { nodes: DEFAULT_TOTAL_SEARCH_BUDGET } };
  // Levels searched before the deepest: level 0 (no fill or eviction: where most bugs show, found
  // at its cost alone, with as few events as can be); none for a check that wants only the
  // verdict (minimize: false, a fix search's proof: most likely ok, so level 0 is work for nothing).
  const before = o.minimize === false ? 0 : 1;
  if (o.randomOnly) {
    if (o.exhaustiveOnly) return { verdict: 'inconclusive', executions: 0, exhaustive: false, maxEvents, method: 'exhaustive', bound: { events: -1, lines: [] }, states: 0, randomExecutions: 0, gaveUp: 'states', seed, runs, cut: 0, paths: 1 };
    gaveUp = 'states';
  }
  for (let events = 0; !o.randomOnly && events <= maxEvents; events++) {
    // The levels before found nothing wrong: the deepest level next, which covers every level between.
    if (events === before && maxEvents > before && o.deepestFirst !== false && (before === 0 || complete?.verdict === 'ok')) {
      const d = exploreExhaustively(c, { ...search, maxEvents });
      states += d.states;
      if (d.counterexample && o.minimize === false) {
        return { verdict: 'bug', executions: executions + d.executions, exhaustive: false, maxEvents, method: 'exhaustive', bound: d.bound, states, randomExecutions: 0, seed, runs, cut: cut + d.cut, paths: 1, counterexample: d.counterexample };
      }
      if (!d.complete && o.exhaustiveOnly) {
        return { verdict: 'inconclusive', executions: executions + d.executions, exhaustive: false, maxEvents, method: 'exhaustive', bound: complete?.bound ?? { events: -1, lines: [] }, states, randomExecutions: 0, gaveUp: d.gaveUp, seed, runs, cut: cut + d.cut, paths: 1 };
      }
      if (d.complete && d.verdict === 'ok') {
        executions += d.executions;
        cut += d.cut;
        complete = d;
        break;
      }
      // A counterexample (the levels between find the one with the fewest events), a level cut
      // short, or an execution the witness search could not judge (a shallower level, searched
      // with the nodes that execution lacked here, may judge it): level by level from here.
      deepest = d;
    }
    // The deepest level searched above: the same search again, in the same order, under the same
    // state bound, would come out the same (with no more witness nodes, no judgement could come
    // out bug where it did not). Its outcome stands for that level; its states were paid once.
    const ex = events === maxEvents && deepest ? deepest : exploreExhaustively(c, { ...search, maxEvents: events });
    if (ex !== deepest) states += ex.states;
    executions += ex.executions;
    cut += ex.cut;
    if (ex.counterexample) {
      const counterexample = o.minimize === false ? ex.counterexample : minimizeCounterexample(c, ex.counterexample.execution, o, ex.counterexample.result);
      return { verdict: 'bug', executions, exhaustive: false, maxEvents, method: 'exhaustive', bound: ex.bound, states, randomExecutions: 0, seed, runs, cut, paths: 1, counterexample };
    }
    if (!ex.complete) {
      gaveUp = ex.gaveUp;
      if (o.exhaustiveOnly) {
        return { verdict: 'inconclusive', executions, exhaustive: false, maxEvents, method: 'exhaustive', bound: complete?.bound ?? { events: -1, lines: [] }, states, randomExecutions: 0, gaveUp, seed, runs, cut, paths: 1 };
      }
      break;
    }
    complete = ex;
    // No line a fill or eviction could change anything on (relevant-lines.ts): every deeper level
    // is this same search, so this one covers the whole bound.
    if (ex.verdict === 'ok' && !ex.bound.lines.length && !ex.bound.outerLines?.length) {
      complete = { ...ex, bound: { ...ex.bound, events: maxEvents } };
      break;
    }
  }
  const bound = complete?.bound ?? { events: -1, lines: [] };
  const inconclusiveSoFar = complete?.verdict === 'inconclusive';
  if (!gaveUp) {
    return { verdict: complete!.verdict, executions, exhaustive: complete!.verdict === 'ok', maxEvents, method: 'exhaustive', bound, states, randomExecutions: 0, seed, runs, cut, paths: 1 };
  }
  const r = explore(c, { ...search, runs, seed });
  const base = { executions: executions + r.executions, maxEvents, bound, states, randomExecutions: r.executions, gaveUp, seed, runs, cut: cut + r.cut, paths: 1 };
  if (r.counterexample) {
    const counterexample = o.minimize === false ? r.counterexample : minimizeCounterexample(c, r.counterexample.execution, o, r.counterexample.result);
    return { ...base, verdict: 'bug', exhaustive: false, method: 'random', counterexample };
  }
  const verdict = r.verdict === 'ok' && inconclusiveSoFar ? 'inconclusive' : r.verdict;
  // A smaller level that finished is reported as the bound, never as the requested one covered.
  return { ...base, verdict, exhaustive: false, method: 'random' };
}

/** Told of each path checked: its result, the witness-search nodes it spent and those left after it. */
export type PathObserver = (c: Compiled, r: CheckResult, spent: number, left: number) => void;

/**
 * Check every path of a program (src/exec/compile.ts compilePaths), sharing one witness budget:
 * the first counterexample wins (its execution names its path); otherwise the verdict and the
 * coverage are those of all paths together — exhaustive only if every path was.
 */
export function checkPaths(paths: readonly Compiled[], o: CheckOptions = {}, seen?: PathObserver): CheckResult {
  const shared = { ...o, totalBudget: o.totalBudget ?? { nodes: DEFAULT_TOTAL_SEARCH_BUDGET } };
  const check = (c: Compiled) => {
    const before = shared.totalBudget.nodes;
    const r = checkCompiled(c, shared);
    seen?.(c, r, before - shared.totalBudget.nodes, shared.totalBudget.nodes);
    // A path whose deepest level was cut short (a level gave up: the deepest, which covers it, did
    // first): the program is too big for it, and its other paths, alike, search the levels one by
    // one instead of paying for a deepest level cut again (same outcome, one cut search less each).
    if (r.gaveUp) shared.deepestFirst = false;
    // Cut short even without events (level 0): the program is too big to search exhaustively at
    // all, and its other paths go straight to the random search, as a path with too many
    // interleavings to start does (exhaustive.ts).
    if (r.gaveUp === 'states' && r.bound.events < 0) shared.randomOnly = true;
    return r;
  };
  if (paths.length === 1) return judgedSome(check(paths[0]));
  let total: CheckResult | undefined;
  for (const [index, c] of paths.entries()) {
    const r = check(c);
    if (r.counterexample) {
      const execution = { ...r.counterexample.execution, path: index };
      return { ...r, paths: paths.length, counterexample: { ...r.counterexample, execution } };
    }
    total = total ? combine(total, r) : r;
  }
  return judgedSome({ ...total!, paths: paths.length });
}

/**
 * No counterexample is "ok" only when some execution was judged: when every one reached the loop
 * bound (--unroll) and was cut, nothing was checked, and the verdict says so (inconclusive).
 */
function judgedSome(r: CheckResult): CheckResult {
  return r.verdict === 'ok' && r.executions === 0 && r.cut > 0 ? { ...r, verdict: 'inconclusive', allCut: true } : r;
}

function combine(a: CheckResult, b: CheckResult): CheckResult {
  const verdict = a.verdict === 'inconclusive' || b.verdict === 'inconclusive' ? 'inconclusive' : 'ok';
  // The shallower level bounds the whole; at the same level, the lines of every path.
  const bound = a.bound.events !== b.bound.events ? (a.bound.events < b.bound.events ? a.bound : b.bound) : unionBound(a.bound, b.bound);
  return {
    ...a, verdict, bound,
    executions: a.executions + b.executions,
    exhaustive: a.exhaustive && b.exhaustive,
    method: a.method === 'random' || b.method === 'random' ? 'random' : 'exhaustive',
    states: a.states + b.states,
    randomExecutions: a.randomExecutions + b.randomExecutions,
    cut: a.cut + b.cut,
    ...(a.gaveUp ?? b.gaveUp ? { gaveUp: a.gaveUp ?? b.gaveUp } : {}),
  };
}

function unionBound(a: ExhaustiveBound, b: ExhaustiveBound): ExhaustiveBound {
  const union = (x: readonly number[] = [], y: readonly number[] = []) => [...new Set([...x, ...y])].sort((p, q) => p - q);
  const outer = union(a.outerLines, b.outerLines);
  return { events: a.events, lines: union(a.lines, b.lines), ...(outer.length ? { outerLines: outer } : {}) };
}

/** The compiled path an execution runs on (Execution.path; a straight-line program is its own path). */
export function pathOf(c: Compiled, e: Execution): Compiled {
  return (c.allPaths ?? [c])[e.path ?? 0] ?? c;
}

/** checkPaths over every path of the program c was compiled from (compilePaths). */
export function checkAllPaths(c: Compiled, o: CheckOptions = {}): CheckResult {
  return checkPaths(c.allPaths ?? [c], o);
}
