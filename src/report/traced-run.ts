// One model run with its trace, op by op (the order Machine.finish uses), noting where each
// device access lands; a callback sees the machine after every step. Shared by the counterexample
// report, its causal explanation and the HTML timeline.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import type { Machine } from '../exec/machine.js';
import { newModelMachine } from '../oracle/run.js';
import type { DeviceOp } from '../program/types.js';

/**
 * runModel(c, e, true), one op at a time (the same order as Machine.finish), noting where each
 * device access lands: the bus address the device drives may not be the buffer (dropped address
 * bits, a bounce buffer, DMA_MAPPING_ERROR).
 */
export function runTraced(c: Compiled, execution: Execution, afterEach?: (m: Machine, traceBefore: number) => void): Machine {
  const m = newModelMachine(c, true);
  const noteDevice = (before: number) => {
    const t = m.trace![m.trace!.length - 1];
    if (m.trace!.length === before || t.actor === undefined || t.op === undefined) return;
    const ca = c.actors[c.actorIndex.get(t.actor)!];
    if (ca.actor.kind !== 'device') return;
    const op = ca.actor.ops[t.op] as DeviceOp;
    if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') return;
    const addr = m.deviceTarget(c.actorIndex.get(t.actor)!, t.op);
    t.effects.unshift({ kind: 'device-access', write: op.op === 'dma_write', addr });
  };
  for (const s of execution.steps) {
    const before = m.trace!.length;
    m.step(s);
    noteDevice(before);
    if (m.trace!.length > before) afterEach?.(m, before);
  }
  for (let progress = true; progress && m.bailedOut === undefined; ) {
    progress = false;
    for (let a = 0; a < c.actors.length; a++) {
      for (;;) {
        const before = m.trace!.length;
        if (!m.run(a, 0)) break;
        noteDevice(before);
        afterEach?.(m, before);
        progress = true;
      }
    }
  }
  return m;
}
