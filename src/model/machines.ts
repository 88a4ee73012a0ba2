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
  const k = kernelAnswers(c);
  return new Machine(c, new IdealWorld(c.layout, initialMemory(c), undefined, undefined, k.failing, k.sgSegments));
}

/** What the arm64 kernel answers a driver that asks, mirrored by the ideal platform. */
interface KernelAnswers { failing: ReadonlySet<CpuOp>; sgSegments: ReadonlyMap<CpuOp, readonly number[]> }

const answers = new WeakMap<Compiled, KernelAnswers>();

/**
 * The map calls the arm64 kernel fails and the driver goes on from (a count it branches on,
 * `if (dma_mapping_error(...)) { } else { }`), and the segments dma_map_sg() made of a list whose
 * count the driver keeps (dma-iommu merges entries: __finalise_sg()), from its DMA API calls
 * replayed in each CPU's program order (dma_direct_map_page/_sg: the DMA mask, swiotlb, vmalloc
 * checks). A map the driver never asks about stays a success, and a list it never takes the count
 * of stays one segment an entry, on the ideal platform: handing the device DMA_MAPPING_ERROR, or
 * an entry beyond the count, is the driver's bug. An answer that depends on how two CPUs' maps
 * interleave (swiotlb slots running out) is not mirrored.
 */
function kernelAnswers(c: Compiled): KernelAnswers {
  let out = answers.get(c);
  if (out) return out;
  const set = new Set<CpuOp>();
  const sgSegments = new Map<CpuOp, readonly number[]>();
  out = { failing: set, sgSegments };
  answers.set(c, out);
  // A driver that never asks (no dma_mapping_error() it branches on, no count kept from
  // dma_map_sg()) is given no answer to mirror: no replay on the arm64 kernel is needed to know it.
  if (!c.actors.some((a) => a.actor.kind === 'cpu' && a.actor.ops.some(asksForFailure))) return out;
  const world = new Arm64World(c.platform, c.layout, initialMemory(c));
  for (const a of c.actors) {
    if (a.actor.kind !== 'cpu') continue;
    const ops = a.actor.ops;
    ops.forEach((op, j) => {
      if (!op.op.startsWith('dma_') || op.op === 'dma_mapping_error') return;
      world.dmaApi(op);
      if (op.op !== 'dma_map' && op.op !== 'dma_map_sg') return;
      if (!world.mapResult(op.handle).failed) {
        const lengths = op.op === 'dma_map_sg' && op.count !== undefined ? world.kernel.mappings.get(op.handle)?.segments.map((s) => s.size) : undefined;
        if (op.op === 'dma_map_sg' && lengths && (lengths.length !== op.entries.length || lengths.some((l, k) => l !== op.entries[k].size))) sgSegments.set(op, lengths);
        return;
      }
      const asked = (op.op === 'dma_map_sg' && op.count !== undefined) || ops.slice(j + 1).some((o) => o.op === 'dma_mapping_error' && o.handle === op.handle && asksForFailure(o));
      if (asked) set.add(op);
    });
  }
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
