// One model run of a counterexample with its trace, op by op (the order Machine.finish uses),
// noting where each device access lands, and a copy of the world after every step. Recorded once
// per report and read by the counterexample report, its causal explanation and the HTML
// timeline, so all three tell the same run.

import type { Arm64World } from '../arm64/arm64-world.js';
import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import type { TraceEntry } from '../exec/trace.js';
import { newModelMachine } from '../model/machines.js';
import type { DeviceOp } from '../program/types.js';

export interface TracedRun {
  /** Every op performed and hardware event, in order, with what was done for it. */
  trace: readonly TraceEntry[];
  /** The world before the first step. */
  initial: Arm64World;
  /** after[k]: the world just after trace entry k (a copy without trace hooks). */
  after: readonly Arm64World[];
  /** The machine at the end of the run, and its world. */
  machine: Machine;
  world: Arm64World;
}

/**
 * runModel(c, e, true), one op at a time (the same order as Machine.finish), noting where each
 * device access lands: the bus address the device drives may not be the buffer (dropped address
 * bits, a bounce buffer, DMA_MAPPING_ERROR).
 */
export function traceRun(c: Compiled, execution: Execution): TracedRun {
  const m = newModelMachine(c, true);
  const trace = m.trace!;
  const world = m.world as Arm64World;
  const initial = world.clone();
  const after: Arm64World[] = [];
  /** After a step or run: note the device access of the entry it added, and keep the world as it is now. */
  const record = (before: number) => {
    if (trace.length === before) return;
    noteDevice(c, m, trace[trace.length - 1]);
    const now = world.clone();
    while (after.length < trace.length) after.push(now);
  };
  for (const s of execution.steps) {
    const before = trace.length;
    m.step(s);
    record(before);
  }
  for (let progress = true; progress && m.bailedOut === undefined; ) {
    progress = false;
    for (let a = 0; a < c.actors.length; a++) {
      for (;;) {
        const before = trace.length;
        if (!m.run(a, 0)) break;
        record(before);
        progress = true;
      }
    }
  }
  return { trace, initial, after, machine: m, world };
}

/** A device DMA access: where it went, first among its effects. */
function noteDevice(c: Compiled, m: Machine, t: TraceEntry): void {
  if (t.actor === undefined || t.op === undefined) return;
  const a = c.actorIndex.get(t.actor)!;
  const ca = c.actors[a];
  if (ca.actor.kind !== 'device') return;
  const op = ca.actor.ops[t.op] as DeviceOp;
  if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') return;
  t.effects.unshift({ kind: 'device-access', write: op.op === 'dma_write', addr: m.deviceTarget(a, t.op) });
}
