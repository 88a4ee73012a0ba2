// What checking one compiled path said and cost, kept for the fix search: a candidate repair
// edits one statement, so most of its paths (a branch not taken, the other thread's loop) are
// the same straight-line programs as the test's own or an earlier candidate's, and checking them
// again would say the same. A path is known by its content (the path's program, platform and
// register values), never by object: each candidate is parsed and compiled afresh.
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
import { DEFAULT_MAX_EVENTS } from '../oracle/exhaustive.js';
import { checkContract, type ContractResult } from './explore-contract.js';
import { KnownCounterexamples } from './known-counterexamples.js';

/** One path's value check: its verdict, whether it stopped at a counterexample, and its cost. */
interface ValueOutcome { verdict: CheckResult['verdict']; counterexample: boolean; states: number; nodes: number }

export class PathMemo {
  /** Keyed by the options too: one memo may serve checks run with different bounds. */
  private values = new Map<string, ValueOutcome>();
  /**
   * The shapes of the paths kept with a counterexample: a path of another shape (a candidate
   * that added a statement) cannot be one of them, so its content key is not made to look.
   */
  private wrongShapes = new Set<string>();
  private contracts = new Map<string, ContractResult>();
  private keys = new WeakMap<Compiled, string | undefined>();
  /** Paths checked, and paths answered from the memo (what it saved). */
  ran = 0;
  reused = 0;
  /** The path (by index) the test's own counterexample was on: a candidate's is checked first. */
  private wentWrong: number | undefined;
  /** The executions that went wrong so far, replayed on each candidate before its search. */
  readonly known = new KnownCounterexamples();

  /** The path's content; undefined for a platform with model faults (test hooks, not data). */
  key(c: Compiled): string | undefined {
    if (this.keys.has(c)) return this.keys.get(c);
    const k = c.platform.faults?.length ? undefined : JSON.stringify([c.program, c.platform, c.path?.threads.map((t) => [t.regs, t.cut])], plain);
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
        this.known.add(c, r.counterexample.execution, o.maxEvents ?? DEFAULT_MAX_EVENTS);
      }
      this.keepValue(c, o, r, spent, left);
    };
  }

  /** checkContract(c, maxStates), or what it said for the same path. */
  contract(c: Compiled, maxStates: number | undefined): ContractResult {
    const k = this.key(c);
    const key = k && `${maxStates}|${k}`;
    const known = key ? this.contracts.get(key) : undefined;
    if (known) return known;
    const r = checkContract(c, maxStates);
    if (key) this.contracts.set(key, r);
    return r;
  }

  /** Keep the contract result fileFindings computed for a path (same maxStates as the fix search). */
  keepContract(c: Compiled, maxStates: number | undefined, r: ContractResult): void {
    const k = this.key(c);
    if (k) this.contracts.set(`${maxStates}|${k}`, r);
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
        const k = this.valueKey(c, o);
        const v = k ? this.values.get(k) : undefined;
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
   */
  checkPaths(paths: readonly Compiled[], o: CheckOptions, work: { nodes: number }): { verdict: CheckResult['verdict']; states: number } {
    if (o.searchBudget !== undefined) {
      const r = checkPaths(paths, { ...o, totalBudget: work, minimize: false, deepestFirst: true });
      const e = r.counterexample?.execution;
      if (e) this.known.add(paths[e.path ?? 0], e, o.maxEvents ?? DEFAULT_MAX_EVENTS);
      return r;
    }
    let states = 0;
    let inconclusive = false;
    const first = this.wentWrong !== undefined && this.wentWrong < paths.length ? this.wentWrong : 0;
    for (const c of [paths[first], ...paths.filter((_, i) => i !== first)]) {
      const k = this.valueKey(c, o);
      let v = k ? this.values.get(k) : undefined;
      if (v && work.nodes > v.nodes) {
        work.nodes -= v.nodes;
        this.reused++;
      } else {
        this.ran++;
        const before = work.nodes;
        const r = checkCompiled(c, { ...o, totalBudget: work, minimize: false, deepestFirst: true });
        if (r.counterexample) this.known.add(c, r.counterexample.execution, o.maxEvents ?? DEFAULT_MAX_EVENTS);
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
    const k = this.valueKey(c, o);
    if (k && left > 0) {
      this.values.set(k, v);
      if (v.counterexample) this.wrongShapes.add(shape(c));
    }
    return v;
  }

  private valueKey(c: Compiled, o: CheckOptions): string | undefined {
    const k = this.key(c);
    return k && `${o.maxEvents}|${o.maxStates}|${o.runs}|${o.seed}|${k}`;
  }
}

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
