// Counterexample-guided refusal of candidate repairs (the CEGIS idea): the executions that went
// wrong so far (the test's own counterexample, and those that refuted earlier candidates) are
// replayed on a candidate before its exhaustive search. A candidate on which one of them still
// goes wrong is refused at the cost of a replay; the others get the full search, which alone can
// prove a repair ok.
//
// An execution is kept as the ops it performed (which op of which actor, by content), not as
// `skip` counts: a repair inserts or changes a statement, which shifts the later ops' places, so
// each actor's ops are matched between the two programs (longest common subsequence, a changed
// op paired with the one it replaced) and each performed op is performed again by its match. An
// op the repair added is performed, where the ordering rules allow, before the next matched op
// of its actor that follows it in program order (where the original had nothing to wait for).
//
// Sound whatever the matching: every replay step is Machine.run or a hardware event, which the
// model performs only where its rules allow, then the rest runs in program order (finish()), as
// for any execution (src/exec/execution.ts). So a replay judged `bug` is an execution of the
// candidate that goes wrong, judged by the same oracle; and only executions within the search's
// bound are kept (at most maxEvents fills and evictions), so the candidate's exhaustive search
// would have found one too and not said ok. A matching that picks the wrong op only makes the
// replay try another execution; a candidate it does not refute is searched in full.
//
// The ideal witness search of a replay is the dear part of it, and most refused candidates only
// insert or change a barrier. A barrier does nothing on the ideal platform: the scheduler performs
// it at once (src/exec/machine-ops.ts cpu(): `case 'barrier': return true`, no memory, register
// or read; blocked() never holds it; in order, as the ideal world is not weak, no ordering rule
// is asked), its footprint is empty (src/oracle/footprints.ts) and the witness search runs it
// without branching (witness-search.ts isLocal). So the ideal executions of two programs that
// are the same but for CPU barriers are the same executions with barrier steps added or dropped,
// with the same observations at the other ops: a target no ideal execution of the test produced
// (the counterexample's own, whose search was exhausted) is produced by none of the candidate's
// either. A replay whose observations, barriers left out, are the counterexample's, on a
// candidate the same as the schedule's program but for barriers, is judged with that answer,
// charged the nodes that search spent, and only while the budget covers them.

import type { Compiled } from '../exec/compile.js';
import type { Execution, Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import { newModelMachine } from '../model/machines.js';
import type { Observations } from '../exec/observations.js';
import { sameObservations } from '../exec/observations.js';
import { judgeRun, type ExecutionVerdict, type KnownWitnessAnswer, type OracleOptions } from '../oracle/oracle.js';

/** A performed op (actor name, op index in `from`), or a hardware event. */
type OpStep = { actor: string; op: number } | Exclude<Step, { run: string }>;

interface Schedule {
  from: Compiled;
  steps: OpStep[];
  /** The counterexample's own verdict on `from`, when given: its observations without barriers, and its witness search's nodes. */
  judged?: { model: Observations; nodes: number };
}

type BugVerdict = Extract<ExecutionVerdict, { verdict: 'bug' }>;

/** Schedules kept: the most recent (on the 73 tests of scenarios/arm-model every refusal is by the newest one, and each kept schedule costs every candidate that survives a replay). */
const MAX_KEPT = 2;

export class KnownCounterexamples {
  private schedules: Schedule[] = [];
  /** Every schedule added: its program's ops (opKeys, shared with the replays) and its steps as JSON. */
  private seen: { ops: string[][]; steps: string }[] = [];
  /** Candidates refused by a replay (each one an exhaustive search not run). */
  refused = 0;

  /** Replays judged with the schedule's own witness-search answer (knownAnswer: a search not run). */
  answered = 0;

  /** Schedules kept (for tests). */
  get kept(): number {
    return this.schedules.length;
  }

  /**
   * Keep an execution of path `c` that went wrong, if it stays within `maxEvents` fills and
   * evictions; `verdict`: its verdict on c (the check's), which replays on a candidate that differs
   * only by barriers reuse.
   */
  add(c: Compiled, e: Execution, maxEvents: number, verdict?: BugVerdict): void {
    if (e.steps.filter((s) => !('run' in s)).length > maxEvents) return; // the candidate's search would not reach it
    const steps = performedOps(c, e.steps);
    // the same schedule of the same ops: compared op by op, not as one JSON text of every op again
    const ops = opKeys(c), text = JSON.stringify(steps);
    if (this.seen.some((k) => k.steps === text && sameOps(k.ops, ops))) return;
    this.seen.push({ ops, steps: text });
    // a verdict by an `exists` condition searched nothing: no answer to reuse
    const model = verdict && !verdict.condition ? withoutBarriers(c, verdict.model) : undefined;
    const judged = model && { model, nodes: verdict!.searched };
    this.schedules.unshift({ from: c, steps, ...(judged ? { judged } : {}) });
    if (this.schedules.length > MAX_KEPT) this.schedules.pop();
  }

  /**
   * Does a known schedule go wrong on one of these paths (path `first` tried first)? Replays
   * spend the witness nodes of `o.totalBudget` like any judged execution; a replay that cannot
   * decide (inconclusive) refutes nothing.
   */
  refutes(paths: readonly Compiled[], o: OracleOptions, first = 0): boolean {
    const order = first > 0 && first < paths.length ? [paths[first], ...paths.filter((_, i) => i !== first)] : paths;
    for (const s of this.schedules) {
      for (const c of order) {
        if (judgeRun(c, replay(s, c), o, knownAnswer(s, c, this)).verdict === 'bug') {
          this.refused++;
          return true;
        }
      }
    }
    return false;
  }
}

/** The schedule's own witness-search answer, for a replay on c when c is s.from but for CPU barriers (see the top of this file). */
function knownAnswer(s: Schedule, c: Compiled, count: { answered: number }): KnownWitnessAnswer | undefined {
  const j = s.judged;
  if (!j) return undefined;
  // asked only where a witness search would run: the keys are made then
  return (target, budget) => {
    if (budget < j.nodes || idealKey(c) !== idealKey(s.from)) return undefined;
    const seen = withoutBarriers(c, target);
    if (!seen || !sameObservations(seen, j.model)) return undefined;
    count.answered++;
    return { outcome: 'exhausted', nodes: j.nodes };
  };
}

const isBarrier = (c: Compiled, a: number, j: number) => c.actors[a].actor.kind === 'cpu' && c.actors[a].actor.ops[j].op === 'barrier';

/**
 * Observations with the reads of CPU barriers (never any) left out: the indices of the program
 * without them. Undefined (nothing to compare) unless each row has one entry per op.
 */
function withoutBarriers(c: Compiled, o: Observations): Observations | undefined {
  const reads: Observations['reads'] = {};
  for (const [name, row] of Object.entries(o.reads)) {
    const a = c.actorIndex.get(name);
    if (a === undefined || row.length !== c.actors[a].actor.ops.length) return undefined;
    const kept: (string | undefined)[] = [];
    for (let j = 0; j < row.length; j++) if (!isBarrier(c, a, j)) kept.push(row[j]); // index by index: a hole stays a place
    reads[name] = kept;
  }
  return { ...o, reads };
}

const idealKeys = new WeakMap<Compiled, string>();

/**
 * The path as the ideal platform runs it: everything of it (program, platform, register values
 * at the end) but its CPU barriers. Equal keys: the same but for barriers.
 */
function idealKey(c: Compiled): string {
  let k = idealKeys.get(c);
  if (k === undefined) {
    // c.actors are c.program.actors, in order
    const program = { ...c.program, actors: c.program.actors.map((actor, a) => ({ ...actor, ops: actor.ops.filter((_, j) => !isBarrier(c, a, j)) })) };
    k = JSON.stringify([program, c.platform, c.path?.threads.map((t) => [t.regs, t.cut])], plain);
    idealKeys.set(c, k);
  }
  return k;
}

/** JSON of plain data: Maps and Sets as lists, bigints marked so they never equal a string. */
function plain(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v instanceof Map || v instanceof Set) return [...v];
  return v;
}

/** The execution's steps as the ops they performed on c (a step that did nothing is dropped). */
function performedOps(c: Compiled, steps: readonly Step[]): OpStep[] {
  const m = newModelMachine(c);
  const out: OpStep[] = [];
  for (const s of steps) {
    if (!('run' in s)) {
      if (m.step(s)) out.push(s);
      continue;
    }
    const a = c.actorIndex.get(s.run);
    const j = a === undefined ? -1 : m.pendingOp(a, s.skip ?? 0);
    if (j >= 0 && m.step(s)) out.push({ actor: s.run, op: j });
  }
  return out;
}

/** The schedule performed on c, op by matched op, then the rest in program order. */
function replay(s: Schedule, c: Compiled): Machine {
  const m = newModelMachine(c);
  const match = new Map<string, { to: (number | undefined)[]; added: Set<number> }>();
  for (const [name, a] of c.actorIndex) {
    const b = s.from.actorIndex.get(name);
    if (b !== undefined) match.set(name, matchOps(opKeys(s.from)[b], opKeys(c)[a]));
  }
  for (const st of s.steps) {
    if (!('actor' in st)) {
      m.step(st);
      continue;
    }
    const a = c.actorIndex.get(st.actor);
    const mt = match.get(st.actor);
    const j = mt?.to[st.op];
    if (a === undefined || j === undefined) continue;
    for (const u of mt!.added) if (u < j) runOp(m, a, u); // the repair's own ops first, where they may go
    runOp(m, a, j);
  }
  m.finish();
  return m;
}

/** Perform op j of actor a now, if it is pending and the ordering rules let it go. */
function runOp(m: Machine, a: number, j: number): void {
  for (let skip = 0; ; skip++) {
    const p = m.pendingOp(a, skip);
    if (p < 0 || p > j) return;
    if (p === j) {
      m.run(a, skip);
      return;
    }
  }
}

/**
 * Each op of `from` to its match in `to` (undefined: removed), and the ops of `to` nothing
 * matches (added): a longest common subsequence of the ops' contents, then, between two matches,
 * a run of changed ops paired in order when both sides have as many. (Exported for its test.)
 */
export function matchOps(from: readonly string[], to: readonly string[]): { to: (number | undefined)[]; added: Set<number> } {
  const n = from.length, k = to.length;
  // The walk below pairs equal ops as soon as it meets them, so a common prefix is paired one for
  // one whatever follows: the table is needed only after it (an actor the repair left alone has none).
  let p = 0;
  while (p < n && p < k && from[p] === to[p]) p++;
  const w = k - p + 1;
  const lcs = new Int32Array((n - p + 1) * w); // lcs[(i - p) * w + (j - p)]: LCS of from[i..] and to[j..]
  for (let i = n - 1; i >= p; i--) {
    for (let j = k - 1; j >= p; j--) {
      const at = (i - p) * w + (j - p);
      lcs[at] = from[i] === to[j] ? lcs[at + w + 1] + 1 : Math.max(lcs[at + w], lcs[at + 1]);
    }
  }
  const map: (number | undefined)[] = new Array(n).fill(undefined);
  const pairs: [number, number][] = [];
  for (let i = 0; i < p; i++) pairs.push([i, i]);
  for (let i = p, j = p; i < n && j < k; ) {
    const at = (i - p) * w + (j - p);
    if (from[i] === to[j]) { pairs.push([i, j]); i++; j++; }
    else if (lcs[at + w] >= lcs[at + 1]) i++;
    else j++;
  }
  pairs.push([n, k]);
  let pi = 0, pj = 0;
  for (const [i, j] of pairs) {
    if (i - pi === j - pj) for (let d = 0; d < i - pi; d++) map[pi + d] = pj + d; // changed ops, one for one
    if (i < n) map[i] = j;
    pi = i + 1;
    pj = j + 1;
  }
  const used = new Set(map.filter((j): j is number => j !== undefined));
  const added = new Set<number>();
  for (let j = 0; j < k; j++) if (!used.has(j)) added.add(j);
  return { to: map, added };
}

/** The same ops, actor by actor (each op's text from opKeys). */
function sameOps(a: readonly string[][], b: readonly string[][]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return false;
    for (let j = 0; j < a[i].length; j++) if (a[i][j] !== b[i][j]) return false;
  }
  return true;
}

const keysOf = new WeakMap<Compiled, string[][]>();

/** Each actor's ops as text, to match ops between two programs by content. */
function opKeys(c: Compiled): string[][] {
  let keys = keysOf.get(c);
  if (!keys) {
    keys = c.actors.map((a) => a.actor.ops.map((op) => JSON.stringify(op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))));
    keysOf.set(c, keys);
  }
  return keys;
}
