// What checking one compiled path said and cost, kept for the fix search: a candidate repair
// edits one statement, so most of its paths (a branch not taken, the other thread's loop) are
// the same straight-line programs as the test's own or an earlier candidate's, and checking them
// again would say the same. A path is known by its content (the path's program, platform and
// register values), never by object: each candidate is parsed and compiled afresh.
//
// A path's content key (JSON of its program and platform, tens of microseconds) is made only when
// a path is looked up while another of the same shape (shape() below: the test's name, each
// actor's number of ops) is kept: a test that checks ok never runs a fix search and never pays
// for one, and a candidate that adds a statement has a shape nothing kept has. Equal content has
// equal shape, so the paths found are exactly those a lookup by content key alone would find.
//
// Reuse must change nothing but the time: a path's outcome is reused only where the check that
// made it never ran short of witness-search nodes, and only while at least as many are left, so
// re-running it would have spent the same nodes and said the same thing. The work it stands for
// (states, nodes) is charged to the fix budget as if it had run.
//
// One change of order: a candidate's path that the test itself went wrong on is checked first,
// so a repair that leaves the bug there is refused before its other paths are proved (a 4 KiB
// page's proof takes seconds). The verdict is the same (ok only if every path is); the budget is
// charged the work done, which is less.

import type { Compiled } from '../exec/compile.js';
import { checkCompiled, checkPaths, type CheckOptions, type CheckResult, type PathObserver } from '../oracle/check.js';
import { DEFAULT_MAX_EVENTS, DEFAULT_MAX_STATES } from '../oracle/exhaustive.js';
import { checkContract, type ContractResult } from './explore-contract.js';
import { KnownCounterexamples } from './known-counterexamples.js';

/** One path's value check: its verdict, whether it stopped at a counterexample, and its cost. */
interface ValueOutcome { verdict: CheckResult['verdict']; counterexample: boolean; states: number; nodes: number }

export class PathMemo {
  /** Tagged with the options too: one memo may serve checks run with different bounds. */
  private values = new ByContent<ValueOutcome>((c) => this.key(c));
  /**
   * The shapes of the paths kept with a counterexample: a path of another shape (a candidate
   * that added a statement) cannot be one of them, so its content key is not made to look.
   */
  private wrongShapes = new Set<string>();
  private contracts = new ByContent<ContractResult>((c) => this.key(c));
  private keys = new WeakMap<Compiled, string | undefined>();
  /** Paths checked, and paths answered from the memo (what it saved). */
  ran = 0;
  reused = 0;
  /** Proofs cut short before covering their bound (exhaustiveOnly): a candidate of this size cannot be proved. */
  proofsCut = 0;
  /** The path (by index) the test's own counterexample was on: a candidate's is checked first. */
  private wentWrong: number | undefined;
  /** The executions that went wrong so far, replayed on each candidate before its search. */
  readonly known = new KnownCounterexamples();

  /** The path's content; undefined for a platform with model faults (test hooks, not data). */
  key(c: Compiled): string | undefined {
    if (this.keys.has(c)) return this.keys.get(c);
    const k = hasFaults(c) ? undefined : JSON.stringify([c.program, c.platform, c.path?.threads.map((t) => [t.regs, t.cut])], plain);
    this.keys.set(c, k);
    return k;
  }

  /**
   * A PathObserver for checkPaths that keeps each path's outcome, for a check run with the
   * options the fix search uses (no searchBudget, the default totalBudget): else nothing is kept.
   */
  recorder(o: CheckOptions): PathObserver | undefined {
    if (o.searchBudget !== undefined || o.totalBudget !== undefined) return undefined;
    return (c, r, spent, left) => {
      if (r.counterexample) {
        this.wentWrong = c.path?.index;
        this.known.add(c, r.counterexample.execution, o.maxEvents ?? DEFAULT_MAX_EVENTS, r.counterexample.result);
      }
      this.keepValue(c, o, r, spent, left);
    };
  }

  /** checkContract(c, maxStates), or what it said for the same path. */
  contract(c: Compiled, maxStates: number | undefined): ContractResult {
    const tag = `${maxStates}`;
    const known = this.contracts.get(c, tag);
    if (known) return known;
    const r = checkContract(c, maxStates);
    this.contracts.set(c, tag, r);
    return r;
  }

  /** Keep the contract result fileFindings computed for a path (same maxStates as the fix search). */
  keepContract(c: Compiled, maxStates: number | undefined, r: ContractResult): void {
    this.contracts.set(c, `${maxStates}`, r);
  }

  /**
   * Is a path of these known to go wrong: checked before with a counterexample (the test's own
   * text, scored again), or an execution that went wrong before (on the test, or on a candidate
   * refused earlier) goes wrong on it? Then checkPaths would not say ok either
   * (src/check/known-counterexamples.ts).
   */
  refutedByReplay(paths: readonly Compiled[], o: CheckOptions, work: { nodes: number }): boolean {
    if (o.searchBudget === undefined) {
      for (const c of paths) {
        if (!this.wrongShapes.has(shape(c))) continue;
        const v = this.values.get(c, valueTag(o));
        if (v?.counterexample && work.nodes > v.nodes) {
          work.nodes -= v.nodes;
          this.reused++;
          return true;
        }
      }
    }
    return this.known.refutes(paths, { searchBudget: o.searchBudget, totalBudget: work }, this.wentWrong);
  }

  /**
   * checkPaths(paths, { ...o, totalBudget: work })'s verdict (ok or not) and states, as the fix
   * search uses them (no counterexample is shrunk), each path run only when no identical path ran
   * before. The path the test itself went wrong on goes first: a candidate that does not repair it
   * is refused there, before the proofs of its other paths (the work charged is the work done).
   * A proof is exhaustive or none (CheckOptions.exhaustiveOnly): a path whose search would be cut
   * short is not proved (inconclusive), with no random runs after it; and with `work.states` (the
   * fix search's budget) no level may record more states than are left, where a real-size
   * driver's check would have run past the fix budget.
   */
  checkPaths(paths: readonly Compiled[], o: CheckOptions, work: { nodes: number; states?: number }): { verdict: CheckResult['verdict']; states: number } {
    if (o.searchBudget !== undefined) {
      const r = checkPaths(paths, { ...o, totalBudget: work, minimize: false });
      const e = r.counterexample?.execution;
      if (e) this.known.add(paths[e.path ?? 0], e, o.maxEvents ?? DEFAULT_MAX_EVENTS, r.counterexample!.result);
      return r;
    }
    let states = 0;
    let inconclusive = false;
    const first = this.wentWrong !== undefined && this.wentWrong < paths.length ? this.wentWrong : 0;
    for (const c of [paths[first], ...paths.filter((_, i) => i !== first)]) {
      let v = this.values.get(c, valueTag(o));
      if (v && work.nodes > v.nodes) {
        work.nodes -= v.nodes;
        this.reused++;
      } else {
        const full = o.maxStates ?? DEFAULT_MAX_STATES;
        const left = work.states === undefined ? Infinity : work.states - states;
        if (left <= 0) return { verdict: 'inconclusive', states };
        this.ran++;
        const before = work.nodes;
        const r = checkCompiled(c, { ...o, totalBudget: work, minimize: false, exhaustiveOnly: true, maxStates: Math.min(full, left) });
        // Cut short (by the check's own bound or by what the fix budget had left): not proved, nor kept.
        if (r.gaveUp && !r.counterexample) {
          this.proofsCut++;
          return { verdict: 'inconclusive', states: states + r.states };
        }
        if (r.counterexample) this.known.add(c, r.counterexample.execution, o.maxEvents ?? DEFAULT_MAX_EVENTS, r.counterexample.result);
        v = this.keepValue(c, o, r, before - work.nodes, work.nodes);
      }
      // checkPaths: the first counterexample ends the check and is the result, its path's states alone
      if (v.counterexample) return { verdict: v.verdict, states: v.states };
      states += v.states;
      inconclusive ||= v.verdict === 'inconclusive';
    }
    return { verdict: inconclusive ? 'inconclusive' : 'ok', states };
  }

  /** Keep a path's outcome when no witness search in it was cut short by the shared budget (it never ran dry). */
  private keepValue(c: Compiled, o: CheckOptions, r: CheckResult, spent: number, left: number): ValueOutcome {
    const v: ValueOutcome = { verdict: r.verdict, counterexample: !!r.counterexample, states: r.states, nodes: spent };
    if (left > 0 && this.values.set(c, valueTag(o), v) && v.counterexample) this.wrongShapes.add(shape(c));
    return v;
  }
}

/** The options a value outcome depends on. */
const valueTag = (o: CheckOptions) => `${o.maxEvents}|${o.maxStates}|${o.runs}|${o.seed}`;

/**
 * Outcomes by path content and a tag (the options), found by shape first: a content key is made
 * only when a path of the same shape is stored. The newest entry wins, as a Map's set would.
 */
class ByContent<V> {
  private byShape = new Map<string, { c: Compiled; tag: string; v: V }[]>();
  constructor(private readonly key: (c: Compiled) => string | undefined) {}

  get(c: Compiled, tag: string): V | undefined {
    const list = this.byShape.get(shape(c));
    if (!list) return undefined;
    let k: string | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i];
      if (e.tag !== tag) continue;
      if (e.c === c) return e.v; // the same object: the same content
      k ??= this.key(c);
      if (k === undefined) return undefined;
      if (this.key(e.c) === k) return e.v;
    }
    return undefined;
  }

  /** Keep v for c's content; false (nothing kept) for a path without a content key. */
  set(c: Compiled, tag: string, v: V): boolean {
    if (hasFaults(c)) return false;
    const s = shape(c);
    const list = this.byShape.get(s);
    if (list) list.push({ c, tag, v });
    else this.byShape.set(s, [{ c, tag, v }]);
    return true;
  }
}

/** A platform with model faults (test hooks, not data) has no content key. */
const hasFaults = (c: Compiled) => !!c.platform.faults?.length;

/** What two paths of the same content share, cheap to compare: the test's name and each actor's number of ops. */
function shape(c: Compiled): string {
  let s = c.program.name;
  for (const a of c.actors) s += `|${a.actor.ops.length}`;
  return s;
}

/** JSON of plain data: Maps and Sets as lists, bigints marked so they never equal a string. */
function plain(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v instanceof Map || v instanceof Set) return [...v];
  return v;
}
