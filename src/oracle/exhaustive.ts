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

import { createHash } from 'node:crypto';
import type { Compiled } from '../exec/compile.js';
import { hasOuterLevel, type Execution, type Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import { observationKey, type Observations } from '../exec/observations.js';
import { bounceSlots } from '../kernel/swiotlb.js';
import type { Arm64World } from '../arm64/arm64-world.js';
import { conditionHoldsOn } from './condition.js';
import { judgeExecution, type ExecutionVerdict, type OracleOptions } from './oracle.js';
import { footprints, type Footprints } from './footprints.js';
import { searchReduced } from './reduced-search.js';
import { newModelMachine } from './run.js';

export interface ExhaustiveOptions extends OracleOptions {
  /** Fills plus evictions per execution. */
  maxEvents?: number;
  /** Distinct states to visit before giving up. */
  maxStates?: number;
  /** Partial-order reduction and events only where they can matter (default true). */
  reduce?: boolean;
  /** Test hook: the independence relation the reduction uses (default: footprints(c)). */
  footprints?: Footprints;
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
export const DEFAULT_MAX_STATES = 20_000;

class GaveUp extends Error {}

export function exploreExhaustively(c: Compiled, o: ExhaustiveOptions = {}): ExhaustiveResult {
  const maxEvents = o.maxEvents ?? DEFAULT_MAX_EVENTS;
  const maxStates = o.maxStates ?? DEFAULT_MAX_STATES;
  const lines = relevantLines(c);
  const outerLines = outerLinesOf(c, lines);
  const bound: ExhaustiveBound = outerLines.length ? { events: maxEvents, lines, outerLines } : { events: maxEvents, lines };
  const eventsLeftAt = new Map<string, number>();
  const judged = new Set<string>();
  let executions = 0;
  let cut = 0;
  let inconclusive = false;
  let found: ExhaustiveResult['counterexample'];

  const reduce = o.reduce ?? true;
  const f = o.footprints ?? footprints(c);
  // Too many interleavings to start: every interleaving when not reducing; when reducing, in a
  // group with an op that conflicts with every other (persistent sets cannot help there).
  const tooMany = reduce
    ? f.groups.some((g) => g.some((a) => f.global[a].some(Boolean)) && interleavings(c, g) > maxStates)
    : interleavings(c) > maxStates;
  if (tooMany) return { complete: false, gaveUp: 'interleavings', verdict: 'ok', executions: 0, cut: 0, states: 0, bound };

  const visit = (steps: Step[], m: Machine, eventsLeft: number): void => {
    if (m.dead) {
      // Not an execution of this path (another path covers it), or cut by the loop bound.
      if (m.dead === 'cut') cut++;
      return;
    }
    const key = stateKey(m);
    if ((eventsLeftAt.get(key) ?? -1) >= eventsLeft) return;
    eventsLeftAt.set(key, eventsLeft);
    if (eventsLeftAt.size > maxStates) throw new GaveUp();

    let moved = false;
    for (let a = 0; a < c.actors.length && !found; a++) {
      const name = c.actors[a].actor.name;
      const pending = countPending(m, a);
      const skips = c.actors[a].actor.kind === 'cpu' ? pending : Math.min(pending, 1);
      for (let skip = 0; skip < skips && !found; skip++) {
        if (m.blocked(a, m.pendingOp(a, skip))) continue;
        const step: Step = skip ? { run: name, skip } : { run: name };
        const next = m.clone();
        if (!next.step(step)) continue;
        moved = true;
        visit([...steps, step], next, eventsLeft);
      }
    }
    if (!moved) {
      judge(steps, m);
      // A blocked poll may still be released by an eviction or fill; finished actors see nothing more.
      if (c.actors.every((_, a) => m.done(a))) return;
    }
    if (eventsLeft === 0 || found) return;
    const cache = (m.world as Arm64World).cache;
    for (const line of lines) {
      if (found) return;
      // Only events that change something: fill an absent line, evict a present one.
      const step: Step = cache.has(line) ? { evict: line } : { fill: line };
      const next = m.clone();
      next.step(step);
      visit([...steps, step], next, eventsLeft - 1);
    }
    for (const line of outerLines) {
      if (found) return;
      const step: Step = cache.has(line, 2) ? { evict: line, level: 2 } : { fill: line, level: 2 };
      const next = m.clone();
      next.step(step);
      visit([...steps, step], next, eventsLeft - 1);
    }
  };

  const judge = (steps: Step[], m: Machine): void => {
    if (m.dead) {
      // Not an execution of this path (another path covers it), or cut by the loop bound.
      if (m.dead === 'cut') cut++;
      return;
    }
    executions++;
    const obs = m.observations();
    // Same observations, same verdict — and, with an exists/forall clause, the same final state for it.
    const key = observationKey(obs) + (c.program.condition ? String(conditionHoldsOn(c, m)) : '');
    if (judged.has(key)) return; // same observations, same verdict
    judged.add(key);
    if (o.observe) return o.observe(obs);
    const execution = { steps };
    const v = judgeExecution(c, execution, o);
    if (v.verdict === 'bug') found = { execution, result: v };
    else if (v.verdict === 'inconclusive') inconclusive = true;
  };

  const seen = (m: Machine, eventsLeft: number, extra = ''): boolean => {
    const key = stateKey(m, extra);
    if ((eventsLeftAt.get(key) ?? -1) >= eventsLeft) return true;
    eventsLeftAt.set(key, eventsLeft);
    if (eventsLeftAt.size > maxStates) throw new GaveUp();
    return false;
  };

  try {
    if (reduce) {
      // Independent groups one at a time (the others run in program order when an execution
      // is judged): an execution's observations are a bug iff one group's share of them is, and
      // each group's share comes from the group's own steps and events (footprints.ts).
      for (const [g, scope] of f.groups.entries()) {
        if (found) break;
        const mine = new Set(scope.flatMap((a) => f.lines[a].flat()));
        for (const l of f.finalLines) if (scope.some((a) => f.lines[a].some((ls) => ls.includes(l)))) mine.add(l);
        const inGroup = (l: number) => mine.has(l - (l % c.platform.cwg));
        searchReduced(c, newModelMachine(c), maxEvents, {
          scope, lines: lines.filter(inGroup), outerLines: outerLines.filter(inGroup), footprints: f, seen: (m, left, extra) => seen(m, left, `${g}|${extra}`), judge, found: () => found !== undefined,
        });
      }
    } else {
      visit([], newModelMachine(c), maxEvents);
    }
  } catch (e) {
    if (!(e instanceof GaveUp)) throw e;
    return { complete: false, gaveUp: 'states', verdict: inconclusive ? 'inconclusive' : 'ok', executions, cut, states: eventsLeftAt.size, bound };
  }
  if (found) return { complete: true, verdict: 'bug', executions, cut, states: eventsLeftAt.size, bound, counterexample: found };
  return { complete: true, verdict: inconclusive ? 'inconclusive' : 'ok', executions, cut, states: eventsLeftAt.size, bound };
}

/**
 * The lines whose fills and evictions can change what the program observes: every line its CPU
 * accesses, DMA mappings, final ranges and device accesses to coherent memory touch, and the
 * swiotlb slots its mappings may take. Any other line is never dirtied (only CPU stores and
 * swiotlb copies dirty lines) and never read through the cache, so its events change nothing.
 * All of them, however many: the bound reports them, so it must not claim a line it skipped
 * (a big range costs states, and the search says when it gives up).
 */
export function relevantLines(c: Compiled): number[] {
  const step = c.platform.lineSize; // L1 lines (= CWG lines with one level)
  const lines = new Set<number>();
  const add = (addr: number, size: number) => {
    for (let a = addr - (addr % step); a < addr + size; a += step) lines.add(a);
  };
  const at = (buf: string, off: number) => c.layout.buffers.get(buf)!.addr + off;
  const coherentHandles = new Set<string>();
  const mapSizes: number[] = [];
  for (const ca of c.actors) {
    for (const op of ca.actor.ops) {
      switch (op.op) {
        // An offset computed from a read may land anywhere in the buffer.
        case 'store': case 'load': case 'poll': if (op.offExpr) add(at(op.buf, 0), c.layout.buffers.get(op.buf)!.size); else add(at(op.buf, op.off), op.size); break;
        case 'rmw': add(at(op.buf, op.off), op.size); break;
        case 'dma_map': add(at(op.buf, op.off), op.size); mapSizes.push(op.size); break;
        case 'dma_map_sg': for (const e of op.entries) { add(at(e.buf, e.off), e.size); mapSizes.push(e.size); } break;
        case 'dma_alloc_coherent':
          coherentHandles.add(op.buf);
          if (c.platform.declaredCoherent) add(at(op.buf, 0), c.layout.buffers.get(op.buf)!.size); // zeroed through the cache
          break;
      }
    }
  }
  for (const ca of c.actors) {
    for (const op of ca.actor.ops) {
      if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') continue;
      // A computed bus address (op.addr) lands in a mapping, whose lines are in already, or in
      // memory no mapping covers, which no CPU access reads through the cache.
      if (!op.addr && coherentHandles.has(op.handle)) add(at(op.handle, op.off), op.size);
    }
  }
  for (const s of bounceSlots(mapSizes, c.platform.iommu !== 'none' ? c.platform.iovaGranule : undefined)) add(s.addr, s.size);
  for (const f of c.program.final ?? []) add(at(f.buf, f.off), f.size);
  return [...lines].sort((a, b) => a - b);
}

/** With two cache levels, the L2 (CWG) lines holding the given L1 lines; none with one level. */
export function outerLinesOf(c: Compiled, lines: readonly number[]): number[] {
  const cwg = c.platform.cwg;
  if (!hasOuterLevel(c.platform)) return [];
  return [...new Set(lines.map((l) => l - (l % cwg)))].sort((a, b) => a - b);
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

/** The scheduler's and the world's state (Machine.fingerprint), plus what was read so far. */
function stateKey(m: Machine, extra = ''): string {
  return createHash('sha1').update(m.fingerprint()).update(JSON.stringify(m.reads)).update(String(m.bailedOut)).update(extra).digest('base64');
}
