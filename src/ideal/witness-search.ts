// Search the ideal platform's executions for one whose observations equal a target. Depth-first
// over interleavings of the actors, pruned as soon as a read returns a value the target does
// not have, with a visited-state set and a node budget.
//
// Actors that share nothing (src/oracle/footprints.ts: no cache line, buffer, handle, register,
// irq or final range, even through others) are matched group by group: an ideal execution with
// the target's observations exists iff each group's share of them has one, since the groups'
// steps commute. A group whose share the ideal run of the same interleaving already shows needs
// no search. Within a group, only one order of ops that commute is explored (persistent sets,
// src/oracle/persistent.ts), which still reaches every final state.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import type { Observations } from '../exec/observations.js';
import type { CpuOp, Op } from '../program/types.js';
import { footprints, type Footprints } from '../oracle/footprints.js';
import { closedSets } from '../oracle/persistent.js';
import { newIdealMachine } from '../oracle/run.js';
import { sameShare, sharesOf, type Share } from '../oracle/shares.js';

export type WitnessResult = { found: true; nodes: number } | { found: false; exhausted: boolean; nodes: number };

export interface WitnessOptions {
  /** Observations of the ideal run of the same interleaving: groups whose share equals the target's are done. */
  sameInterleaving?: Observations;
  /** false: one search over all actors and every interleaving (the reference for tests). */
  reduce?: boolean;
  /** Test hook: the independence relation (default: footprints(c)). */
  footprints?: Footprints;
}

/** Ideal no-ops that commute with every other actor's ops: run them without branching. */
function isLocal(op: Op): boolean {
  switch ((op as CpuOp).op) {
    case 'barrier': case 'dma_map': case 'dma_map_sg': case 'dma_unmap': case 'dma_unmap_sg':
    case 'dma_sync': case 'dma_mapping_error': case 'dma_set_mask': case 'dma_free_coherent':
      return true;
    default:
      return false;
  }
}

export function findIdealWitness(c: Compiled, target: Observations, budget: number, o: WitnessOptions = {}): WitnessResult {
  const reduce = o.reduce ?? true;
  const f = o.footprints ?? footprints(c);
  const everyone = c.actors.map((_, a) => a);
  const groups = reduce ? f.groups : [everyone];
  const shares = sharesOf(c, f, groups);
  let nodes = 0;
  for (const [g, scope] of groups.entries()) {
    const share = shares[g];
    if (o.sameInterleaving && sameShare(o.sameInterleaving, target, share)) continue;
    const r = searchGroup(c, target, budget - nodes, scope, share, reduce ? f : undefined);
    nodes += r.nodes;
    if (!r.found) return { found: false, exhausted: r.exhausted, nodes };
  }
  return { found: true, nodes };
}

function searchGroup(c: Compiled, target: Observations, budget: number, scope: readonly number[], share: Share, f: Footprints | undefined): WitnessResult {
  const visited = new Set<string>();
  let nodes = 0;
  let cut = false;
  const names = c.actors.map((a) => a.actor.name);

  const runLocal = (m: Machine) => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const a of scope) {
        const j = m.pendingOp(a, 0);
        if (j >= 0 && c.actors[a].actor.kind === 'cpu' && isLocal(c.actors[a].actor.ops[j]) && m.run(a, 0)) moved = true;
      }
    }
  };

  const search = (m: Machine): boolean => {
    if (++nodes > budget) {
      cut = true;
      return false;
    }
    runLocal(m);
    const key = m.fingerprint();
    if (visited.has(key)) return false;
    visited.add(key);
    let moved = false;
    for (const set of f ? closedSets(c, m, scope, f) : [scope]) {
      for (const a of set) {
        const j = m.pendingOp(a, 0);
        if (j < 0 || m.blocked(a, j)) continue;
        const next = m.clone();
        if (!next.run(a, 0)) continue;
        moved = true;
        if (next.dead) continue; // not an execution of this path (or cut): never a witness
        const v = next.reads[a][j];
        if (v !== undefined && v !== target.reads[names[a]][j]) continue;
        if (search(next)) return true;
        if (cut) return false;
      }
      if (moved) break;
    }
    return !moved && sameShare(m.observations(), target, share);
  };

  const found = search(newIdealMachine(c));
  return found ? { found: true, nodes } : { found: false, exhausted: !cut, nodes };
}
