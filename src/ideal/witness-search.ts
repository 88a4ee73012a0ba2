// Search the ideal platform's executions for one whose observations equal a target. Depth-first
// over interleavings of the actors, pruned as soon as a read returns a value the target does
// not have, with a visited-state set and a node budget.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { sameObservations, type Observations } from '../exec/observations.js';
import type { CpuOp, Op } from '../program/types.js';
import { newIdealMachine } from '../oracle/run.js';

export type WitnessResult = { found: true; nodes: number } | { found: false; exhausted: boolean; nodes: number };

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

export function findIdealWitness(c: Compiled, target: Observations, budget: number): WitnessResult {
  const visited = new Set<string>();
  let nodes = 0;
  let cut = false;
  const names = c.actors.map((a) => a.actor.name);

  const runLocal = (m: Machine) => {
    for (let moved = true; moved; ) {
      moved = false;
      for (let a = 0; a < c.actors.length; a++) {
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
    for (let a = 0; a < c.actors.length; a++) {
      const j = m.pendingOp(a, 0);
      if (j < 0 || m.blocked(a, j)) continue;
      const next = m.clone();
      if (!next.run(a, 0)) continue;
      moved = true;
      const v = next.reads[a][j];
      if (v !== undefined && v !== target.reads[names[a]][j]) continue;
      if (search(next)) return true;
      if (cut) return false;
    }
    return !moved && sameObservations(m.observations(), target);
  };

  const found = search(newIdealMachine(c));
  return found ? { found: true, nodes } : { found: false, exhausted: !cut, nodes };
}
