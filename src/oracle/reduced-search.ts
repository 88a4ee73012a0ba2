// The reduced exhaustive search of src/oracle/exhaustive.ts. It reaches every final state (no
// actor can move) the full search reaches, with the same bound on hardware events, by two
// arguments over executions:
//
// 1. Hardware events late-bound to the op before them. A fill or eviction of line L commutes with
//    every op that touches neither L's cache entries nor its memory (footprints.ts: CWG lines),
//    and with every event on another CWG line. Moving each event left past such ops turns any
//    execution into one with the same final state and as many events in which every event comes
//    either before the first op, or in the run of events right after an op that touches its line.
//    So after an op only events on that op's lines are tried, and at the start events on every line.
// 2. Partial-order reduction (persistent.ts) over an op together with the events after it: the
//    events touch only lines the op touches, so such a step commutes with another actor's step
//    exactly when the two ops do.
//
// States are merged as in the full search, with the lines events may still target in the key
// (two paths to one state may allow different events next).

import type { Compiled } from '../exec/compile.js';
import type { Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import type { Arm64World } from '../arm64/arm64-world.js';
import type { Footprints } from './footprints.js';
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

/** The lines events may target next: after an op, the relevant lines of its CWG lines. */
interface EventLines { key: string; lines: readonly number[]; outer: readonly number[] }

interface Path { step: Step; prev: Path | undefined }

export function searchReduced(c: Compiled, start: Machine, maxEvents: number, h: ReducedSearchHooks): void {
  const cwg = c.platform.cwg;
  const f = h.footprints;
  const all: EventLines = { key: '*', lines: h.lines, outer: h.outerLines };
  const none: EventLines = { key: '', lines: [], outer: [] };
  const after = new Map<number, EventLines>();
  const eventLines = (a: number, j: number): EventLines => {
    let e = after.get(a * 65536 + j);
    if (!e) {
      const touched = new Set(f.lines[a][j]);
      const lines = h.lines.filter((l) => touched.has(l - (l % cwg)));
      const outer = h.outerLines.filter((l) => touched.has(l - (l % cwg)));
      e = lines.length || outer.length ? { key: `${lines.join(',')}/${outer.join(',')}`, lines, outer } : none;
      after.set(a * 65536 + j, e);
    }
    return e;
  };
  const actors = h.scope;
  const names = c.actors.map((a) => a.actor.name);
  // 3. An event on a line no op can touch any more, outside the final ranges, changes no
  //    observation: it commutes with everything after it, to the end, where only the line's own
  //    cache entry and memory differ. Such events are not tried.
  const live = (m: Machine, line: number): boolean => {
    const l = line - (line % cwg);
    if (f.finalLines.has(l)) return true;
    const bit = f.lineBit.get(l);
    if (bit === undefined) return false;
    for (const a of actors) if (f.suffix[a][m.next[a]][bit >> 5] & (1 << (bit & 31))) return true;
    return false;
  };

  const visit = (path: Path | undefined, m: Machine, eventsLeft: number, events: EventLines): void => {
    if (h.seen(m, eventsLeft, eventsLeft > 0 ? events.key : '')) return;
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
          visit({ step, prev: path }, next, eventsLeft, eventLines(a, j));
        }
      }
      if (moved) break;
    }
    if (!moved) h.judge(stepsOf(path), m);
    if (eventsLeft === 0) return;
    const cache = (m.world as Arm64World).cache;
    for (const line of events.lines) {
      if (h.found()) return;
      if (!live(m, line)) continue;
      // Only events that change something: fill an absent line, evict a present one.
      const step: Step = cache.has(line) ? { evict: line } : { fill: line };
      const next = m.clone();
      next.step(step);
      visit({ step, prev: path }, next, eventsLeft - 1, events);
    }
    for (const line of events.outer) {
      if (h.found()) return;
      if (!live(m, line)) continue;
      const step: Step = cache.has(line, 2) ? { evict: line, level: 2 } : { fill: line, level: 2 };
      const next = m.clone();
      next.step(step);
      visit({ step, prev: path }, next, eventsLeft - 1, events);
    }
  };
  visit(undefined, start, maxEvents, all);
}

function stepsOf(path: Path | undefined): Step[] {
  const out: Step[] = [];
  for (let p = path; p; p = p.prev) out.push(p.step);
  return out.reverse();
}
