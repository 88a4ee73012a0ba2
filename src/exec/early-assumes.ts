// A path's assume decided as soon as its inputs are read (src/exec/paths.ts): an execution whose
// read already makes a later assume of its thread false is infeasible on this path whatever runs
// next, so the machine stops there instead of exploring every interleaving up to the assume.
// Nothing is lost: the sibling path (the branch taken the other way) has the same ops up to that
// assume, so every state cut off here is a state of the sibling, explored there. The values an
// assume reads are fixed once read (each read op's value is its own register, set once), so the
// answer now is the answer at the assume. Only conditions over this thread's reads qualify: a
// handle's bus address may still change (a later dma_map).

import { leaves } from '../program/expr.js';
import type { Actor } from '../program/types.js';

/** An assume decidable early: its op and the read ops its condition uses. */
export interface EarlyAssume { op: number; reads: number[] }

/** For each op of the actor, the assumes after it whose condition reads it (undefined: none). */
export function earlyAssumes(actor: Actor): (EarlyAssume[] | undefined)[] {
  const out: (EarlyAssume[] | undefined)[] = new Array(actor.ops.length).fill(undefined);
  actor.ops.forEach((op, j) => {
    if (op.op !== 'assume') return;
    const ls = leaves(op.cond);
    if (!ls.length || ls.some((l) => l.k !== 'read')) return;
    const reads = [...new Set(ls.map((l) => (l as { op: number }).op))];
    const early = { op: j, reads };
    for (const i of reads) if (i < j) (out[i] ??= []).push(early);
  });
  return out;
}
