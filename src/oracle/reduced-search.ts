// The reduced exhaustive search of src/oracle/exhaustive.ts. It reaches every observation the
// full search reaches, with the same bound on hardware events, by three arguments over
// executions (footprints.ts says how each op uses each CWG line: in the cache, or in memory only):
//
// 1. Events late-bound to the op before them. A fill reads memory (or L2) and changes the cache;
//    an eviction of a clean line only changes the cache; of a dirty one, writes memory too. An
//    event commutes with every op it shares nothing with by those rules, and with every event on
//    another CWG line; an op that does not touch the line's cache entry cannot change which
//    event (fill or eviction, clean or dirty) it is. Moving each event left past such ops turns
//    any execution into one with the same final state and as many events, in which every event
//    comes before the first op, or in the run of events after an op it does not commute with
//    (or after an earlier event on its own line in that run). Only those are tried.
// 2. Partial-order reduction (persistent.ts) over an op together with the events after it: the
//    events touch only lines the op touches, so such a step commutes with another actor's step
//    whenever the two ops do.
// 3. Dead events. When no op left touches a line's cache entry (nor the line is a final range),
//    the line is never dirtied again and nobody reads it through the cache: fills and clean
//    evictions of it change no observation. When nothing left touches its memory either, no
//    event on it does. Such events are not tried.
//
// States are merged as in the full search, with what the run of events may still do in the key
// (two paths to one state may allow different events next).

import type { Compiled } from '../exec/compile.js';
import type { Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import type { Arm64World } from '../arm64/arm64-world.js';
import type { Access, Footprints } from './footprints.js';
import { closedSets, nextSkips } from './persistent.js';

export interface ReducedSearchHooks {
  /** The actors to schedule (an independent group, footprints.ts); the others never move. */
  scope: readonly number[];
  /** Relevant L1 lines (the only level with DminLine = CWG) and L2 lines: the events' targets. */
  lines: readonly number[];
  outerLines: readonly number[];
  footprints: Footprints;
  /** Merge: true when this state was reached before with as many events left (and the same event lines). */
  seen: (m: Machine, eventsLeft: number, extra: string) => boolean;
  judge: (steps: Step[], m: Machine) => void;
  /** A counterexample was found: stop. */
  found: () => boolean;
}

/** The run of events after an op: the op's access (undefined: before the first op, anything goes) and the CWG lines evented so far. */
interface Run { after: Access | undefined; key: string; evented: readonly number[] }

interface Path { step: Step; prev: Path | undefined }

type Kind = 'fill' | 'clean' | 'dirty';

export function searchReduced(c: Compiled, start: Machine, maxEvents: number, h: ReducedSearchHooks): void {
  const cwg = c.platform.cwg;
  const f = h.footprints;
  const actors = h.scope;
  const names = c.actors.map((a) => a.actor.name);
  const cwgOf = (l: number) => l - (l % cwg);

  /** Does an event of this kind on CWG line L fail to commute with an op of this access? */
  const conflicts = (kind: Kind, L: number, a: Access): boolean => {
    if (a.anyLine || a.cache.has(L)) return true;
    if (kind === 'fill') return a.memWrite.has(L);
    if (kind === 'dirty') return a.memRead.has(L) || a.memWrite.has(L);
    return false;
  };
  /** Can an event of this kind on L still change an observation (3 above)? */
  const live = (m: Machine, kind: Kind, L: number): boolean => {
    if (f.finalLines.has(L)) return true;
    const bit = f.lineBit.get(L);
    if (bit === undefined) return false;
    const suffix = kind === 'dirty' ? f.suffixAny : f.suffixCache;
    for (const a of actors) if (suffix[a][m.next[a]][bit >> 5] & (1 << (bit & 31))) return true;
    return false;
  };
  const allowed = (m: Machine, run: Run, kind: Kind, line: number): boolean => {
    const L = cwgOf(line);
    if (run.after && !run.evented.includes(L) && !conflicts(kind, L, run.after)) return false;
    return live(m, kind, L);
  };
  const runKeys = new Map<Access, string>();
  const runAfter = (a: number, j: number): Run => {
    const acc = f.access[a][j];
    let key = runKeys.get(acc);
    if (key === undefined) {
      const list = (s: Set<number>) => [...s].sort((x, y) => x - y).join(',');
      key = acc.anyLine ? '*' : `${list(acc.cache)}/${list(acc.memRead)}/${list(acc.memWrite)}`;
      runKeys.set(acc, key);
    }
    return { after: acc, key, evented: [] };
  };
  const withEvent = (run: Run, line: number): Run => {
    const L = cwgOf(line);
    if (run.evented.includes(L)) return run;
    const evented = [...run.evented, L].sort((x, y) => x - y);
    return { after: run.after, key: `${run.after ? runKeys.get(run.after) : 'start'}+${evented.join(',')}`, evented };
  };

  const visit = (path: Path | undefined, m: Machine, eventsLeft: number, run: Run): void => {
    if (h.seen(m, eventsLeft, eventsLeft > 0 ? run.key : '')) return;
    let moved = false;
    const tried = new Set<number>();
    for (const set of closedSets(c, m, actors, f)) {
      for (const a of set) {
        for (const skip of nextSkips(c, m, a)) {
          if (h.found()) return;
          if (tried.has(a * 65536 + skip)) continue;
          tried.add(a * 65536 + skip);
          const j = m.pendingOp(a, skip);
          if (m.blocked(a, j)) continue;
          const step: Step = skip ? { run: names[a], skip } : { run: names[a] };
          const next = m.clone();
          if (!next.step(step)) continue;
          moved = true;
          visit({ step, prev: path }, next, eventsLeft, runAfter(a, j));
        }
      }
      if (moved) break;
    }
    if (!moved) h.judge(stepsOf(path), m);
    if (eventsLeft === 0) return;
    const cache = (m.world as Arm64World).cache;
    const event = (line: number, level: 1 | 2) => {
      const state = cache.state(line, level);
      const kind: Kind = state === undefined ? 'fill' : state === 'dirty' ? 'dirty' : 'clean';
      if (!allowed(m, run, kind, line)) return;
      const at = level === 2 ? { level: 2 as const } : {};
      // Only events that change something: fill an absent line, evict a present one.
      const step: Step = kind === 'fill' ? { fill: line, ...at } : { evict: line, ...at };
      const next = m.clone();
      next.step(step);
      visit({ step, prev: path }, next, eventsLeft - 1, withEvent(run, line));
    };
    for (const line of h.lines) {
      if (h.found()) return;
      event(line, 1);
    }
    for (const line of h.outerLines) {
      if (h.found()) return;
      event(line, 2);
    }
  };
  visit(undefined, start, maxEvents, { after: undefined, key: 'start', evented: [] });
}

function stepsOf(path: Path | undefined): Step[] {
  const out: Step[] = [];
  for (let p = path; p; p = p.prev) out.push(p.step);
  return out.reverse();
}
