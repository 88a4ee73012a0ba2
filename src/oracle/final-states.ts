// herd7's answer for a CPU-only test: every final state of the registers and locations its
// condition names, over every arm64 execution, and whether the condition holds Always, Sometimes
// or Never. Executions are what the scheduler explores (every interleaving and every reordering
// the arm64 rules allow; no cache events: CPUs alone are coherent), counted as distinct orders
// of performing the ops — not herd7's candidate executions, so the counts differ from herd7's
// while the states and the verdict are the same.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { conditionHolds } from '../exec/paths.js';
import { decodeValue } from '../exec/values.js';
import { leaves, type Expr } from '../program/expr.js';
import { newModelMachine } from '../model/machines.js';
import { explore } from '../search/explore.js';

export interface FinalState { state: string; count: number; holds: boolean }

export interface FinalStates {
  kind: 'exists' | 'forall';
  states: FinalState[];
  /** herd7's Observation: how often the exists (or forall) proposition holds. */
  observation: 'Always' | 'Sometimes' | 'Never';
  /** Executions where the proposition holds, and where it does not. */
  positive: number;
  negative: number;
  /** False when the budget of machine states ran out: the lists are then partial. */
  complete: boolean;
}

export const DEFAULT_STATES_BUDGET = 50_000;

/** The final states of a CPU-only program with a condition (every path of it); undefined otherwise. */
export function finalStates(paths: readonly Compiled[], budget = DEFAULT_STATES_BUDGET): FinalStates | undefined {
  const first = paths[0];
  const cond = first?.program.condition;
  if (!cond || first.program.actors.some((a) => a.kind !== 'cpu')) return undefined;
  const shown = shownLeaves(cond.cond);
  const totals = new Map<string, FinalState>();
  let left = budget;
  let complete = true;
  for (const c of paths) {
    if (!complete) break; // the budget ran out on an earlier path
    // A fold over the graph the engine walks: each machine state's executions to each final
    // state, summed from its successors' once each is explored (or met again: the graph has no
    // cycles, every step performs an op), so the orders are counted without walking each.
    const keys = new WeakMap<Machine, string>();
    const key = (m: Machine): string => {
      let k = keys.get(m);
      if (k === undefined) keys.set(m, (k = `${m.fingerprint()}|${m.reads.map((r) => r.join(',')).join(';')}`));
      return k;
    };
    const orders = new Map<string, Map<string, number>>();
    const add = (out: Map<string, number>, next: Machine) => {
      for (const [s, n] of orders.get(key(next)) ?? []) out.set(s, (out.get(s) ?? 0) + n);
    };
    const start = newModelMachine(c);
    const r = explore<Machine>({
      start,
      *successors(m) {
        const out = new Map<string, number>();
        let pending: Machine | undefined; // yielded, not yet added (the budget may end the walk in it)
        try {
          for (let a = 0; a < c.actors.length; a++) {
            for (let skip = 0; m.pendingOp(a, skip) >= 0; skip++) {
              const next = m.clone();
              if (!next.run(a, skip)) continue;
              pending = next;
              yield next;
              pending = undefined;
              if (!next.dead) add(out, next);
            }
          }
        } finally {
          if (pending && !pending.dead) add(out, pending);
          orders.set(key(m), out);
        }
      },
      key,
      // another path's execution, or a loop cut at --unroll: a step, but not an execution
      prune: (m) => !!m.dead,
      onFinal: (m) => {
        if (!c.actors.every((_, a) => m.done(a))) return;
        const state = shown.map((l) => `${leafName(l)}=${leafValue(c, m, l)};`).join(' ');
        const holds = conditionHolds(cond.cond, c.path?.threads ?? [], c.actorIndex, (a, e) => (a >= 0 ? m.evaluate(a, e) : memValue(c, m, e)));
        if (!totals.has(state)) totals.set(state, { state, count: 0, holds });
        orders.get(key(m))!.set(state, 1);
      },
      budget: { states: left },
    });
    left -= r.states;
    if (r.outcome === 'cut') complete = false;
    for (const [s, n] of orders.get(key(start)) ?? []) totals.get(s)!.count += n;
  }
  const states = [...totals.values()].sort((x, y) => (x.state < y.state ? -1 : 1));
  // exists: the proposition is the condition; forall: likewise (herd7 reports Always when it never fails)
  const positive = states.filter((s) => s.holds).reduce((n, s) => n + s.count, 0);
  const negative = states.filter((s) => !s.holds).reduce((n, s) => n + s.count, 0);
  const observation = negative === 0 && positive > 0 ? 'Always' : positive === 0 ? 'Never' : 'Sometimes';
  return { kind: cond.kind, states, observation, positive, negative, complete };
}

/** herd7's text for the states: `1:r0=1; x=2;` per line, then the observation. */
export function formatFinalStates(f: FinalStates): string[] {
  return [
    `States ${f.states.length}${f.complete ? '' : ' (partial: the state budget ran out)'}`,
    ...f.states.map((s) => `${String(s.count).padStart(6)}${s.holds ? ' *>' : ':>'} ${s.state}`),
    `Observation ${f.observation} ${f.positive} ${f.negative} (${f.kind} clause; counts are orders of performing the ops, not herd7's candidate executions)`,
  ];
}

/** The registers and locations the condition names, each once, in order. */
function shownLeaves(cond: Expr): Expr[] {
  const seen = new Set<string>();
  return leaves(cond).filter((l) => (l.k === 'treg' || l.k === 'mem') && !seen.has(leafName(l)) && !!seen.add(leafName(l)));
}

/** herd7 names P1's r0 `1:r0`; other threads keep their name. */
function leafName(l: Expr): string {
  if (l.k === 'treg') return `${/^P\d+$/.test(l.actor) ? l.actor.slice(1) : l.actor}:${l.name}`;
  if (l.k === 'mem') return l.off ? `${l.buf}+${l.off}` : l.buf;
  return '?';
}

function leafValue(c: Compiled, m: Machine, l: Expr): bigint {
  if (l.k === 'mem') return memValue(c, m, l);
  if (l.k !== 'treg') return 0n;
  const a = c.actorIndex.get(l.actor);
  const e = a === undefined ? undefined : c.path?.threads[a].regs.get(l.name);
  return e === undefined ? 0n : m.evaluate(a!, e); // herd7: a register never assigned is 0
}

function memValue(c: Compiled, m: Machine, e: Expr): bigint {
  if (e.k !== 'mem') throw new Error(`final state: '${e.k}' is not a location`);
  return decodeValue(m.world.cpuLoad(c.layout.buffers.get(e.buf)!, e.off, e.size));
}
