// When one execution says all the contract walk over every interleaving would: a group of actors
// whose only DMA API call is dma_alloc_coherent(), made by one CPU, and whose device never
// computes an address (the small ordering tests: a descriptor ring, MMIO and barriers). There,
// what an op reports does not depend on the interleaving it runs in (src/check/contract.ts):
//  - no map op: no streaming mapping, so ownership has nothing live, a CPU load or store reports
//    nothing and the kernel's results (`made`) are never needed;
//  - dma_alloc_coherent() adds an entry that nothing removes (no free, no unmap); its cacheline
//    check (add_dma_entry()) sees the allocations before it, all in its own CPU's program order;
//  - a device access waits until its handle is allocated (the ideal machine's blocked(): a
//    coherent buffer is mapped by dma_alloc_coherent() alone), so it meets its entry and checks
//    only its bounds against that entry's size;
//  - at the end, every allocation is there, in one order: dma_debug_device_change()'s report is one.
// So every execution reports a subset of what an execution that performs every op reports. One
// round-robin run that finishes every actor is such an execution (a path of the walk); when it
// blocks or dies first (a wait never met, an assume that fails in its order), or two actors
// report (the walk's order of findings is kept), the walk stops at its first state where every
// actor finished (src/check/explore-contract.ts).

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { opId, type OpId } from '../exec/op-id.js';
import type { Mapping } from '../kernel/mapping.js';
import { newIdealMachine } from '../model/machines.js';
import { ContractState, performedLength, type Sink } from './contract.js';
import type { Finding } from './finding.js';

/**
 * 'same': the group reports the same in every interleaving that performs an op; 'nothing': it
 * allocates nothing either, so it reports nothing at all (no entry for the end, and every device
 * access waits for an allocation no actor of the group makes); undefined: neither.
 */
export function sameInEveryInterleaving(c: Compiled, group: readonly number[]): 'same' | 'nothing' | undefined {
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
  return allocator < 0 ? 'nothing' : 'same';
}

/**
 * For a group that reports the same in every interleaving: its findings from one round-robin run
 * (sunk only when the run finishes every actor) and the states it went through; undefined: the
 * run did not finish, the walk would be cut first, or the findings of two actors need the walk's order.
 */
export function contractByOneRun(c: Compiled, group: readonly number[], sink: Sink, budget: number, others = 0): { states: number; complete: true } | undefined {
  const met: Finding[] = [];
  const keep: Sink = (f) => met.push(f);
  const { m, k, steps } = roundRobin(c, group, keep);
  const states = 1 + steps;
  // The walk would see at least these states: over its budget it is cut, and says so.
  // A run cut at the loop bound (--unroll) is not one that performs every op: the walk decides.
  if (m.dead || !group.every((a) => m.done(a)) || states > budget) return undefined;
  // One actor's findings come in its program order here and in the walk; two actors' may come in
  // another order than the walk meets them (it explores the last actor's step first): walked.
  if (met.some((f) => f.actor !== met[0].actor)) return undefined;
  k.atEnd(keep, !!c.program.unbind, others);
  for (const f of met) sink(f);
  return { states, complete: true };
}

/**
 * The dma-debug entries a group leaves when it runs to its end in round-robin program order (its
 * mappings do not depend on another group's order): what it adds to another group's count of
 * pending allocations, as dma-debug counts every entry of the device.
 */
export function pendingAtEnd(c: Compiled, group: readonly number[], made: ReadonlyMap<OpId, Mapping>): number {
  return roundRobin(c, group, () => {}, made).k.pendingCount;
}

/**
 * The group's actors in turn on the ideal machine, each as far as it goes before it waits (the
 * walk's step, src/check/explore-contract.ts: the actor's next op, unless it waits), the contract
 * told of every op: the machine, the contract state and the steps taken.
 */
function roundRobin(c: Compiled, group: readonly number[], sink: Sink, made?: ReadonlyMap<OpId, Mapping>): { m: Machine; k: ContractState; steps: number } {
  const m = newIdealMachine(c);
  const k = new ContractState();
  let steps = 0;
  for (let progress = true; progress; ) {
    progress = false;
    for (const a of group) {
      for (;;) {
        const j = m.pendingOp(a, 0);
        if (j < 0 || m.blocked(a, j) || !m.run(a, 0)) break;
        k.afterOp(c, a, j, made?.get(opId(a, j)), sink, undefined, performedLength(m, a, j));
        steps++;
        progress = true;
      }
    }
  }
  return { m, k, steps };
}
