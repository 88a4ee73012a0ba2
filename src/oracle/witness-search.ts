// Search the ideal platform's executions for one whose observations equal a target. Depth-first
// over interleavings of the actors (src/search/explore.ts), pruned as soon as a read returns a
// value the target does not have, with a visited-state set and a node budget.
//
// Actors that share nothing (footprints.ts: no cache line, buffer, handle, register,
// irq or final range, even through others) are matched group by group: an ideal execution with
// the target's observations exists iff each group's share of them has one, since the groups'
// steps commute. A group whose share the ideal run of the same interleaving already shows needs
// no search. Within a group, only one order of ops that commute is explored (persistent sets,
// persistent.ts), which still reaches every final state.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import type { Observations } from '../exec/observations.js';
import type { CpuOp, Op } from '../program/types.js';
import { explore, type SearchResult } from '../search/explore.js';
import { footprints, type Footprints } from './footprints.js';
import { closedSets } from './persistent.js';
import { newIdealMachine } from '../model/machines.js';
import { sameShare, sharesOf, type Share } from './shares.js';

export interface WitnessOptions {
  /** Observations of the ideal run of the same interleaving: groups whose share equals the target's are done. */
  sameInterleaving?: Observations;
  /** false: one search over all actors and every interleaving (the reference for tests). */
  reduce?: boolean;
  /** Test hook: the independence relation (default: footprints(c)). */
  footprints?: Footprints;
}

/**
 * Ideal no-ops that commute with every other actor's ops: run them without branching. A map,
 * unmap or free is one only where no device access is at a bus address it computed: such an
 * access observes whether a live mapping covers it (the ideal world's coveredByLiveMapping), so
 * there those are steps like any other, ordered by their footprints (handle keys).
 */
function isLocal(op: Op, computedAccess: boolean): boolean {
  switch ((op as CpuOp).op) {
    case 'barrier': case 'dma_sync': case 'dma_mapping_error': case 'dma_set_mask':
      return true;
    case 'dma_map': case 'dma_map_sg': case 'dma_unmap': case 'dma_unmap_sg': case 'dma_free_coherent':
      return !computedAccess;
    default:
      return false;
  }
}

/** found: an ideal execution has the target's observations; cut: the node budget ran out first. */
export function findIdealWitness(c: Compiled, target: Observations, budget: number, o: WitnessOptions = {}): SearchResult {
  const reduce = o.reduce ?? true;
  const f = o.footprints ?? footprints(c);
  const everyone = c.actors.map((_, a) => a);
  const groups = reduce ? f.groups : [everyone];
  const shares = sharesOf(c, f, groups);
  let nodes = 0;
  let states = 0;
  for (const [g, scope] of groups.entries()) {
    const share = shares[g];
    if (o.sameInterleaving && sameShare(o.sameInterleaving, target, share)) continue;
    const r = searchGroup(c, target, budget - nodes, scope, share, reduce ? f : undefined);
    nodes += r.nodes;
    states += r.states;
    if (r.outcome !== 'found') return { outcome: r.outcome, states, nodes };
  }
  return { outcome: 'found', states, nodes };
}

/** A state of the witness search: the machine, and whether the step that made it ruled it out. */
interface Node { m: Machine; out?: boolean }

function searchGroup(c: Compiled, target: Observations, budget: number, scope: readonly number[], share: Share, f: Footprints | undefined): SearchResult {
  const names = c.actors.map((a) => a.actor.name);
  const computedAccess = c.actors.some((a) => a.actor.kind === 'device' && a.actor.ops.some((op) => 'addr' in op && !!op.addr));

  const runLocal = (m: Machine) => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const a of scope) {
        const j = m.pendingOp(a, 0);
        if (j >= 0 && c.actors[a].actor.kind === 'cpu' && isLocal(c.actors[a].actor.ops[j], computedAccess) && m.run(a, 0)) moved = true;
      }
    }
  };

  function* successors({ m }: Node): Iterable<Node> {
    for (const set of f ? closedSets(c, m, scope, f) : [scope]) {
      let moved = false;
      for (const a of set) {
        const j = m.pendingOp(a, 0);
        if (j < 0 || m.blocked(a, j)) continue;
        const next = m.clone();
        if (!next.run(a, 0)) continue;
        moved = true;
        // Not an execution of this path (or cut): never a witness. A read the target does not have: none below.
        const v = next.reads[a][j];
        if (next.dead || (v !== undefined && v !== target.reads[names[a]][j])) {
          yield { m: next, out: true };
          continue;
        }
        runLocal(next);
        yield { m: next };
      }
      if (moved) break;
    }
  }

  const start = newIdealMachine(c);
  runLocal(start);
  return explore<Node>({
    start: { m: start },
    successors,
    key: (s) => s.m.fingerprint(),
    prune: (s) => s.out === true,
    onFinal: (s) => sameShare(s.m.observations(), target, share),
    budget: { nodes: budget },
  });
}
