// When one run says all the contract walk over every interleaving would: a group of actors whose
// only DMA API call is dma_alloc_coherent(), made by one CPU, and whose device never computes an
// address (the small ordering tests: a descriptor ring, MMIO and barriers). There, what an op
// reports does not depend on the interleaving it runs in (src/check/contract.ts):
//  - no map op: no streaming mapping, so ownership has nothing live, a CPU load or store reports
//    nothing and the kernel's results (`made`) are never needed;
//  - dma_alloc_coherent() adds an entry that nothing removes (no free, no unmap); its cacheline
//    check (add_dma_entry()) sees the allocations before it, all in its own CPU's program order;
//  - a device access waits until its handle is allocated (the ideal machine's blocked(): a
//    coherent buffer is mapped by dma_alloc_coherent() alone), so it meets its entry and checks
//    only its bounds against that entry's size;
//  - at the end, every allocation is still there, in one order: dma_debug_device_change()'s report is one.
// So every execution reports a subset of what an execution that performs every op reports, and
// one round-robin run that finishes every actor is such an execution (a path of the walk). A run
// that blocks or dies before that (a wait never met, an assume that fails in its order) tells
// nothing: the walk is taken.

import type { Compiled } from '../exec/compile.js';
import { newIdealMachine } from '../model/machines.js';
import { ContractState, type Sink } from './contract.js';
import type { Finding } from './finding.js';

/** The group's findings from one run (sunk only when it decides), and the states it ran through; undefined: walk the group. */
export function contractByOneRun(c: Compiled, group: readonly number[], sink: Sink, budget: number): { states: number } | undefined {
  let allocator = -1;
  for (const a of group) {
    const actor = c.actors[a].actor;
    for (const op of actor.ops) {
      if (actor.kind !== 'cpu') {
        if ((op.op === 'dma_read' || op.op === 'dma_write' || op.op === 'dma_poll') && op.addr) return undefined;
        continue;
      }
      if (!op.op.startsWith('dma_')) continue;
      if (op.op !== 'dma_alloc_coherent' || (allocator >= 0 && allocator !== a)) return undefined;
      allocator = a;
    }
  }
  // Nothing allocated: no entry to report at the end, and no device access can run (each waits
  // for an allocation no actor of the group makes).
  if (allocator < 0) return { states: 0 };
  const m = newIdealMachine(c);
  const k = new ContractState();
  const met: Finding[] = [];
  const keep: Sink = (f) => met.push(f);
  let states = 1;
  for (let progress = true; progress; ) {
    progress = false;
    for (const a of group) {
      for (;;) {
        // The walk's step (src/check/explore-contract.ts): the actor's next op, unless it waits.
        const j = m.pendingOp(a, 0);
        if (j < 0 || m.blocked(a, j) || !m.run(a, 0)) break;
        k.afterOp(c, a, j, undefined, keep);
        states++;
        progress = true;
      }
    }
  }
  // The walk would see at least these states: over its budget it is cut, and says so.
  if (!group.every((a) => m.done(a)) || states > budget) return undefined;
  k.atEnd(keep, !!c.program.unbind);
  for (const f of met) sink(f);
  return { states };
}
