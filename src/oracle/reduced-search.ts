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
// 4. Dropped lines, 5. forgotten lines: see droppedFirst and forget below.
// 6. With one cache level, a clean line equal to memory is as good as no line until something
//    writes that memory underneath it (footprints.ts, bypass): readers see the same bytes, a
//    store allocates the same line, maintenance and events end in the same state. So a fill is
//    not tried, and such a line is forgotten (5), while nothing left can write its memory so.
//
// 7. Symmetric lines (line-symmetry.ts), when judging: of lines the program cannot tell apart, in
//    the same state (a bounced line with its slot partner's), only the first whose event is
//    allowed gets one at each point: swapping them maps every other choice to its mirror image,
//    with the same verdict.
//
// 8. One op alone (persistent.ts aloneInProgramOrder): a CPU's next op in program order that
//    nothing able to run before it conflicts with (its own later ops the ordering rules let pass
//    it, other actors' remaining ops) is a persistent set by itself: a driver's descriptor stores
//    before its doorbell are taken in one order, not as their 2^n subsets.
//
// 9. Finer independence (footprints.ts) where it is exact for real rings:
//    - A line no event ever targets (not among relevant-lines.ts's) is memory no cache holds: a
//      dma_alloc_coherent() descriptor ring, Normal-NC on a non-coherent device. Its CPU loads and
//      stores and the device's reads and writes go to memory, so two of them on disjoint bytes
//      commute and neither enables the other; the line is split into atoms (byte-atoms.ts) and
//      such an access names only the atoms it meets (any other op on the line names all). The
//      device completing descriptor 5 is independent of the CPU reading descriptor 2's status.
//      Argument 2 still holds: no event follows an op on such a line.
//    - A dma_sync names the lines of the bytes dma-direct maintains (computed-targets.ts
//      syncRanges: every offset and length it can take, a length read from a descriptor taking
//      each value written to that field), not every line of the mapping; and it reads the
//      mapping without changing it, so it no longer meets a device access through the handle
//      (`api:h` apart from `handle:h`). Cache maintenance of one page commutes with the device
//      writing another. Coarser is sound; these are exact by the model's rules (dma-api.ts sync()).
// 10. A read that makes a later assume of its thread false (early-assumes.ts) ends the execution:
//    that state is pruned, not counted (as the full search does), yet still a step its parent took.
//
// On fec-rx-ring8 (8 descriptors of 4 KiB pages, 9 paths) at 2 events the states were one per
// (CPU position, device position) pair in a band that widened to a triangle: every device write
// to the one-line ring met every CPU access of it, and every sync met every data write (the whole
// 32 KiB mapping); 189,649+ states and cut. With 9: 11,703 states (all levels), every path exhaustive.
//
// States are merged as in the full search, with what the run of events may still do in the key
// (two paths to one state may allow different events next). The walk is src/search/explore.ts.

import type { Compiled } from '../exec/compile.js';
import type { Step } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import type { Access, Footprints } from './footprints.js';
import { ORDERED } from '../exec/ordering.js';
import { aloneInProgramOrder, closedSets, nextSkips } from './persistent.js';
import { stateKey } from './state-key.js';
import { cleanLines, dropClean, eventOn, lineContents, lineState, sameAsMemory } from '../model/arm64-view.js';
import { opId, type OpId } from '../exec/op-id.js';
import { explore, type SearchResult } from '../search/explore.js';
import type { LineClasses } from './line-symmetry.js';

export interface ReducedSearchHooks {
  /** The actors to schedule (an independent group, footprints.ts); the others never move. */
  scope: readonly number[];
  /** Relevant L1 lines (the only level with DminLine = CWG) and L2 lines: the events' targets. */
  lines: readonly number[];
  outerLines: readonly number[];
  footprints: Footprints;
  /** Judge a final state: true when it is a counterexample (the search stops there). */
  judge: (steps: Step[], m: Machine) => boolean;
  /** Distinct states (model state, events left, what the run of events may still do) to record before giving up. */
  maxStates: number;
  /** Lines the program cannot tell apart (line-symmetry.ts): one per class and line state gets an event. */
  classes?: LineClasses;
}

/** The run of events after an op: the op's access (undefined: before the first op, anything goes) and the CWG lines evented so far. */
interface Run { after: Access | undefined; key: string; evented: readonly number[] }

interface Path { step: Step; prev: Path | undefined }

/** A state of the reduced search: the steps that led to it, the model, the events left, and the run of events it is in. */
interface Node { path: Path | undefined; m: Machine; left: number; run: Run }

type Kind = 'fill' | 'clean' | 'dirty';

export function searchReduced(c: Compiled, start: Machine, maxEvents: number, h: ReducedSearchHooks): SearchResult {
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
    let touched = false;
    for (const a of actors) if (suffix[a][m.next[a]][bit >> 5] & (1 << (bit & 31))) touched = true;
    if (!touched) return false;
    if (kind === 'dirty') return true;
    if (kind === 'fill' && singleLevel && !bypassed(m, bit)) return false; // 6 below
    return !droppedFirst(m, L);
  };
  const singleLevel = h.outerLines.length === 0 && c.platform.cwg === c.platform.lineSize;
  /** May an op left write L's memory underneath a cached copy? */
  const bypassed = (m: Machine, bit: number): boolean => {
    for (const a of actors) if (f.suffixBypass[a][m.next[a]][bit >> 5] & (1 << (bit & 31))) return true;
    return false;
  };
  /**
   * 4. Every actor's next op that uses L's cache entry drops it (dcache_inval_poc of an unmap),
   *    and its later ones cannot pass that op: the first use of the line anywhere drops it, so
   *    whether a fill or clean eviction happened before leaves no trace.
   */
  const droppedFirst = (m: Machine, L: number): boolean => {
    for (const a of actors) {
      const acc = f.access[a];
      const done = m.performed[a];
      let first = -1;
      for (let j = m.next[a]; j < acc.length; j++) {
        if (done[j] || !(acc[j].anyLine || acc[j].cache.has(L))) continue;
        if (first < 0) {
          if (!acc[j].drops.has(L)) return false;
          first = j;
        } else if (c.actors[a].actor.kind === 'cpu' && c.actors[a].precedence[j][first] !== ORDERED) return false;
      }
    }
    return true;
  };
  const allowed = (m: Machine, run: Run, kind: Kind, line: number): boolean => {
    const L = cwgOf(line);
    if (run.after && !run.evented.includes(L) && !conflicts(kind, L, run.after)) return false;
    return live(m, kind, L);
  };
  /**
   * 5. Forget what cannot be observed: a clean line whose cache entry no op will use again (or
   *    whose next use drops it, 4) is dropped from the cache, as a clean eviction would, so states
   *    that differ only there merge. Same observations, by 3 and 4.
   */
  const forget = (m: Machine): void => {
    for (const line of cleanLines(m, 1, inner)) {
      if (!live(m, 'clean', cwgOf(line)) || (singleLevel && !bypassed(m, f.lineBit.get(cwgOf(line)) ?? -1) && sameAsMemory(m, line))) dropClean(m, line, 1);
    }
    for (const line of cleanLines(m, 2, outer)) if (!live(m, 'clean', cwgOf(line))) dropClean(m, line, 2);
  };
  const inner = new Set(h.lines), outer = new Set(h.outerLines);
  /** The relevant lines an event after an op of this access may target at all. */
  const candidates = new Map<Access, { lines: number[]; outer: number[] }>();
  const candidatesOf = (run: Run): { lines: readonly number[]; outer: readonly number[] } => {
    if (!run.after || run.after.anyLine) return { lines: h.lines, outer: h.outerLines };
    let k = candidates.get(run.after);
    if (!k) {
      const a = run.after;
      const near = (l: number) => a.cache.has(cwgOf(l)) || a.memRead.has(cwgOf(l)) || a.memWrite.has(cwgOf(l));
      candidates.set(a, (k = { lines: h.lines.filter(near), outer: h.outerLines.filter(near) }));
    }
    if (!run.evented.length) return k;
    const extra = (ls: readonly number[]) => ls.filter((l) => run.evented.includes(cwgOf(l)));
    return { lines: [...new Set([...k.lines, ...extra(h.lines)])], outer: [...new Set([...k.outer, ...extra(h.outerLines)])] };
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

  /** Steps of the program: one closed set of actors (2), every op it may perform next. */
  function* successors({ path, m, left }: Node): Iterable<Node> {
    // One op alone, when nothing that could run before it conflicts with it (persistent.ts).
    const alone = aloneInProgramOrder(c, m, actors, f);
    if (alone !== undefined) {
      const next = m.clone();
      if (next.step({ run: names[alone] })) {
        forget(next);
        yield { path: { step: { run: names[alone] }, prev: path }, m: next, left, run: runAfter(alone, m.pendingOp(alone, 0)) };
        return;
      }
    }
    const tried = new Set<OpId>(); // (actor, skip) pairs, coded as op ids
    for (const set of closedSets(c, m, actors, f)) {
      let moved = false;
      for (const a of set) {
        for (const skip of nextSkips(c, m, a)) {
          if (tried.has(opId(a, skip))) continue;
          tried.add(opId(a, skip));
          const j = m.pendingOp(a, skip);
          if (m.blocked(a, j)) continue;
          const step: Step = skip ? { run: names[a], skip } : { run: names[a] };
          const next = m.clone();
          if (!next.step(step)) continue;
          moved = true;
          forget(next);
          yield { path: { step, prev: path }, m: next, left, run: runAfter(a, j) };
        }
      }
      if (moved) break;
    }
  }
  /** Hardware events on the candidate lines of the run this state is in (1, 3). */
  function* events({ path, m, left, run }: Node): Iterable<Node> {
    if (left === 0) return;
    const event = (line: number, level: 1 | 2): Node | undefined => {
      const state = lineState(m, line, level);
      const kind: Kind = state === undefined ? 'fill' : state === 'dirty' ? 'dirty' : 'clean';
      if (!allowed(m, run, kind, line)) return undefined;
      // Only events that change something: fill an absent line, evict a present one.
      const step = eventOn(m, line, level);
      const next = m.clone();
      next.step(step);
      forget(next);
      return { path: { step, prev: path }, m: next, left: left - 1, run: withEvent(run, line) };
    };
    const k = candidatesOf(run);
    const symmetric = new Set<string>();
    for (const line of k.lines) {
      const cls = h.classes?.classes.get(line);
      // 7 above: a line in the same state as one of its class already given an event here is its
      // mirror image. The state is the line's (and its swiotlb partner's) contents and whether
      // this run of events has touched it: swapping the two must leave the run as it is.
      const stateOf = (l: number) => `${run.evented.includes(cwgOf(l))}:${lineContents(m, l, c.platform.lineSize)}`;
      const partner = cls === undefined ? undefined : h.classes!.partner.get(line);
      const key = cls === undefined ? undefined : `${cls}:${stateOf(line)}${partner === undefined ? '' : `:${stateOf(partner)}`}`;
      if (key !== undefined && symmetric.has(key)) continue;
      const next = event(line, 1);
      if (!next) continue;
      if (key !== undefined) symmetric.add(key);
      yield next;
    }
    for (const line of k.outer) {
      const next = event(line, 2);
      if (next) yield next;
    }
  }
  forget(start);
  return explore<Node>({
    start: { path: undefined, m: start, left: maxEvents, run: { after: undefined, key: 'start', evented: [] } },
    successors,
    events,
    key: ({ m, left, run }) => stateKey(m, left > 0 ? run.key : ''),
    rank: ({ left }) => left,
    // A read that makes a later assume of its thread false ends the execution (early-assumes.ts):
    // nothing after it is judged, so it is no state to keep, yet still a step its parent took.
    prune: ({ m }) => m.dead === 'infeasible',
    onFinal: ({ path, m }) => h.judge(stepsOf(path), m),
    budget: { states: h.maxStates },
  });
}

function stepsOf(path: Path | undefined): Step[] {
  const out: Step[] = [];
  for (let p = path; p; p = p.prev) out.push(p.step);
  return out.reverse();
}
