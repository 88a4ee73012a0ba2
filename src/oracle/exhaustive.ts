// Bounded exhaustive search of a program's arm64 executions: every interleaving of the actors,
// every reordering of CPU ops the ordering rules allow, and up to `maxEvents` speculative fills
// or evictions, at any point, of the lines the program accesses, maps or observes.
// Depth-first over model states (Machine.clone), merging states already reached with as many
// events left. Every final state's observations are judged once by the oracle. "complete" means the whole bounded space was
// covered; beyond `maxStates` the search gives up and says so.
//
// By default the search is reduced (src/oracle/reduced-search.ts): it reaches exactly the same
// final states, exploring one order of ops that commute and each hardware event only right
// after an op that touches its line. `reduce: false` keeps the search over every interleaving
// and every event at every point, the reference the reduction is tested against
// (properties/reduction.test.ts).

import type { Compiled } from '../exec/compile.js';
import type { Execution, Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import { observationKey, type Observations } from '../exec/observations.js';
import { conditionHoldsOn } from './condition.js';
import { judgeExecution, type ExecutionVerdict, type OracleOptions } from './oracle.js';
import { modelFootprints, type Footprints } from './footprints.js';
import { outerLinesOf, relevantLines } from './relevant-lines.js';
import { searchReduced } from './reduced-search.js';
import { lineClasses, type LineClasses } from './line-symmetry.js';
import { newModelMachine } from '../model/machines.js';
import { stateKey } from './state-key.js';
import { eventOn } from '../model/arm64-view.js';
import { explore } from '../search/explore.js';

export { outerLinesOf, relevantLines };

export interface ExhaustiveOptions extends OracleOptions {
  /** Fills plus evictions per execution. */
  maxEvents?: number;
  /** Distinct states to visit before giving up. */
  maxStates?: number;
  /** Partial-order reduction and events only where they can matter (default true). */
  reduce?: boolean;
  /** Test hook: the independence relation the reduction uses (default: modelFootprints(c)). */
  footprints?: Footprints;
  /**
   * Test hook: the L1 lines events may target (default: relevantLines(c)). With `reduce`, no more
   * than relevantLines(c): footprints split the others into byte atoms (byte-atoms.ts), sound only
   * where no event comes; the full search (reduce: false) may fill and evict any line.
   */
  eventLines?: number[];
  /** Test hook: lines the program cannot tell apart (default: lineClasses(c), when judging). */
  lineClasses?: LineClasses;
  /**
   * Collect instead of judge: called once per distinct observation key of a final state; the
   * oracle is not consulted and the search never stops early (for differential tests).
   */
  observe?: (o: Observations) => void;
}

export interface ExhaustiveBound {
  events: number;
  /** The L1 lines (the only level when DminLine = CWG) that may be filled or evicted. */
  lines: number[];
  /** With two levels (CWG > DminLine): the L2 lines holding them, also filled or evicted. */
  outerLines?: number[];
}

export interface ExhaustiveResult {
  /** True when every execution within the bound was covered (or a bug was found). */
  complete: boolean;
  /** Why the search stopped short: too many interleavings to start, or too many states met. */
  gaveUp?: 'interleavings' | 'states';
  verdict: 'bug' | 'ok' | 'inconclusive';
  /** Distinct end states reached: executions that differ in what they did. */
  executions: number;
  /** Executions cut where a loop would run past --unroll: counted, never judged. */
  cut: number;
  states: number;
  bound: ExhaustiveBound;
  counterexample?: { execution: Execution; result: Extract<ExecutionVerdict, { verdict: 'bug' }> };
}

export const DEFAULT_MAX_EVENTS = 2;
/**
 * Per path and level: a 4-descriptor NAPI RX over 4 KiB pages needs 21,000 at 2 events; each state
 * is kept, some 2 KB. (igb's TX ring cleaned in NAPI on a second CPU needs 52,000, exhaustive with
 * --max-states 100000 in 3.6 s; at 100,000 by default, a program this cannot finish — stmmac's TX
 * and RX mapping on two CPUs under swiotlb=force — took 63 s and 2.5 GB before its random search,
 * against 16 s and 1 GB.)
 */
export const DEFAULT_MAX_STATES = 50_000;

/** A state of the full search: the steps that led to it, the model, and the hardware events left. */
interface Node { steps: Step[]; m: Machine; left: number }

export function exploreExhaustively(c: Compiled, o: ExhaustiveOptions = {}): ExhaustiveResult {
  const maxEvents = o.maxEvents ?? DEFAULT_MAX_EVENTS;
  const maxStates = o.maxStates ?? DEFAULT_MAX_STATES;
  const lines = o.eventLines ?? relevantLines(c);
  const outerLines = outerLinesOf(c, lines);
  const bound: ExhaustiveBound = outerLines.length ? { events: maxEvents, lines, outerLines } : { events: maxEvents, lines };
  const judged = new Set<string>();
  let executions = 0;
  let cut = 0;
  let inconclusive = false;
  let found: ExhaustiveResult['counterexample'];

  const reduce = o.reduce ?? true;
  const f = o.footprints ?? modelFootprints(c);
  // Too many interleavings to start: every interleaving when not reducing; when reducing, in a
  // group with an op that conflicts with every other (persistent sets cannot help there).
  const tooMany = reduce
    ? f.groups.some((g) => g.some((a) => f.global[a].some(Boolean)) && interleavings(c, g) > maxStates)
    : interleavings(c) > maxStates;
  if (tooMany) return { complete: false, gaveUp: 'interleavings', verdict: 'ok', executions: 0, cut: 0, states: 0, bound };

  /** Judge a final state's observations (once per distinct observations): true when they are a bug. */
  const judge = (steps: Step[], m: Machine): boolean => {
    if (m.dead) {
      // Not an execution of this path (another path covers it), or cut by the loop bound.
      if (m.dead === 'cut') cut++;
      return false;
    }
    executions++;
    const obs = m.observations();
    // Same observations, same verdict — and, with an exists/forall clause, the same final state for it.
    const key = observationKey(obs) + (c.program.condition ? String(conditionHoldsOn(c, m)) : '');
    if (judged.has(key)) return false; // same observations, same verdict
    judged.add(key);
    if (o.observe) {
      o.observe(obs);
      return false;
    }
    const execution = { steps };
    const v = judgeExecution(c, execution, o);
    if (v.verdict === 'bug') found = { execution, result: v };
    else if (v.verdict === 'inconclusive') inconclusive = true;
    return found !== undefined;
  };

  let states = 0;
  let gaveUp = false;
  if (reduce) {
    // Independent groups one at a time (the others run in program order when an execution
    // is judged): an execution's observations are a bug iff one group's share of them is, and
    // each group's share comes from the group's own steps and events (footprints.ts).
    // Symmetric lines give the same verdict, not the same observations (which line was flushed
    // shows in the bytes read): only when judging, and never under a condition that may name a byte.
    const classes = o.observe || c.program.condition ? undefined : (o.lineClasses ?? lineClasses(c));
    for (const scope of f.groups) {
      const mine = new Set(scope.flatMap((a) => f.lines[a].flat()));
      for (const l of f.finalLines) if (scope.some((a) => f.lines[a].some((ls) => ls.includes(l)))) mine.add(l);
      const inGroup = (l: number) => mine.has(l - (l % c.platform.cwg));
      const r = searchReduced(c, newModelMachine(c), maxEvents, {
        scope, lines: lines.filter(inGroup), outerLines: outerLines.filter(inGroup), footprints: f, judge, maxStates: maxStates - states, classes,
      });
      states += r.states;
      if (r.outcome === 'cut') gaveUp = true;
      if (r.outcome !== 'exhausted') break;
    }
  } else {
    const r = explore<Node>({
      start: { steps: [], m: newModelMachine(c), left: maxEvents },
      // Every interleaving, and every reordering the ordering rules allow.
      *successors({ steps, m, left }) {
        for (let a = 0; a < c.actors.length; a++) {
          const name = c.actors[a].actor.name;
          const pending = countPending(m, a);
          const skips = c.actors[a].actor.kind === 'cpu' ? pending : Math.min(pending, 1);
          for (let skip = 0; skip < skips; skip++) {
            if (m.blocked(a, m.pendingOp(a, skip))) continue;
            const step: Step = skip ? { run: name, skip } : { run: name };
            const next = m.clone();
            if (!next.step(step)) continue;
            yield { steps: [...steps, step], m: next, left };
          }
        }
      },
      key: ({ m }) => stateKey(m),
      rank: ({ left }) => left,
      prune: ({ m }) => {
        // Not an execution of this path (another path covers it), or cut by the loop bound.
        if (m.dead === 'cut') cut++;
        return m.dead !== undefined;
      },
      onFinal: ({ steps, m }) => judge(steps, m),
      // Every fill or eviction of a relevant line, at any point.
      *events({ steps, m, left }, moved) {
        // A blocked poll may still be released by an eviction or fill; finished actors see nothing more.
        if ((!moved && c.actors.every((_, a) => m.done(a))) || left === 0) return;
        // Only events that change something: fill an absent line, evict a present one.
        for (const [level, ls] of [[1, lines], [2, outerLines]] as const) {
          for (const line of ls) {
            const step = eventOn(m, line, level);
            const next = m.clone();
            next.step(step);
            yield { steps: [...steps, step], m: next, left: left - 1 };
          }
        }
      },
      budget: { states: maxStates },
    });
    states = r.states;
    gaveUp = r.outcome === 'cut';
  }
  if (gaveUp) return { complete: false, gaveUp: 'states', verdict: inconclusive ? 'inconclusive' : 'ok', executions, cut, states, bound };
  if (found) return { complete: true, verdict: 'bug', executions, cut, states, bound, counterexample: found };
  return { complete: true, verdict: inconclusive ? 'inconclusive' : 'ok', executions, cut, states, bound };
}

/**
 * Orderings of the CPU threads' ops, (Σn)! / Πn!: a cheap test for "too big to try". Device
 * actors are left out: they mostly wait for doorbells, which the state count reflects instead.
 */
function interleavings(c: Compiled, actors: readonly number[] = c.actors.map((_, a) => a)): number {
  let total = 0;
  let count = 1;
  for (const a of actors.map((i) => c.actors[i])) {
    if (a.actor.kind !== 'cpu') continue;
    for (let k = 1; k <= a.actor.ops.length; k++) count = (count * ++total) / k;
    if (!Number.isFinite(count)) return Infinity;
  }
  return count;
}

function countPending(m: Machine, a: number): number {
  let n = 0;
  while (m.pendingOp(a, n) >= 0) n++;
  return n;
}
