// The two worlds' machines for a compiled program (the arm64 model, the ideal platform), and one
// execution run on either.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { initialMemory } from './initial-memory.js';
import { Machine, type TraceEntry } from '../exec/machine.js';
import { IdealWorld } from '../ideal/ideal-world.js';
import { Arm64World } from '../arm64/arm64-world.js';
import type { CpuOp } from '../program/types.js';
import { actorOf, type OpId } from '../exec/op-id.js';

export function newModelMachine(c: Compiled, trace = false): Machine {
  const world = new Arm64World(c.platform, c.layout, initialMemory(c));
  const m = new Machine(c, world);
  if (trace) {
    const entries: TraceEntry[] = [];
    m.trace = entries;
    world.traceTo((text) => entries[entries.length - 1]?.effects.push(text));
  }
  return m;
}

export function newIdealMachine(c: Compiled): Machine {
  return new Machine(c, new IdealWorld(c.layout, initialMemory(c), undefined, undefined, failingMaps(c)));
}

const failing = new WeakMap<Compiled, ReadonlySet<CpuOp>>();

/**
 * The map calls the arm64 kernel fails and the driver goes on from (a count it branches on,
 * `if (dma_mapping_error(...)) { } else { }`), from its DMA API calls replayed in each CPU's
 * program order (dma_direct_map_page/_sg: the DMA mask, swiotlb, vmalloc checks). A map the
 * driver never asks about stays a success on the ideal platform: handing the device
 * DMA_MAPPING_ERROR is the driver's bug. A failure that depends on how two CPUs' maps interleave
 * (swiotlb slots running out) is not mirrored.
 */
function failingMaps(c: Compiled): ReadonlySet<CpuOp> {
  let out = failing.get(c);
  if (out) return out;
  const set = new Set<CpuOp>();
  // A driver that never asks (no dma_mapping_error() it branches on, no count kept from
  // dma_map_sg()) mirrors no failure: no replay on the arm64 kernel is needed to know it.
  if (!c.actors.some((a) => a.actor.kind === 'cpu' && a.actor.ops.some(asksForFailure))) {
    failing.set(c, set);
    return set;
  }
  const world = new Arm64World(c.platform, c.layout, initialMemory(c));
  for (const a of c.actors) {
    if (a.actor.kind !== 'cpu') continue;
    const ops = a.actor.ops;
    ops.forEach((op, j) => {
      if (!op.op.startsWith('dma_') || op.op === 'dma_mapping_error') return;
      world.dmaApi(op);
      if ((op.op !== 'dma_map' && op.op !== 'dma_map_sg') || !world.mapResult(op.handle).failed) return;
      const asked = (op.op === 'dma_map_sg' && op.count !== undefined) || ops.slice(j + 1).some((o) => o.op === 'dma_mapping_error' && o.handle === op.handle && asksForFailure(o));
      if (asked) set.add(op);
    });
  }
  out = set;
  failing.set(c, out);
  return out;
}

/** An op through which the driver learns that a map failed and can go on from it. */
function asksForFailure(op: CpuOp): boolean {
  return (op.op === 'dma_map_sg' && op.count !== undefined) || (op.op === 'dma_mapping_error' && op.reg !== undefined);
}

/** Apply the steps, then let every actor finish in program order. */
export function runModel(c: Compiled, e: Execution, trace = false): Machine {
  const m = newModelMachine(c, trace);
  for (const s of e.steps) m.step(s);
  m.finish();
  return m;
}

/** The ideal run of the same interleaving: each model op, in the order performed, becomes that actor's next op. */
export function runIdealLike(c: Compiled, modelOrder: readonly OpId[]): Machine {
  const m = newIdealMachine(c);
  for (const code of modelOrder) m.run(actorOf(code), 0);
  m.finish();
  return m;
}
