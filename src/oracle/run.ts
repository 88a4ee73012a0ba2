// Running one execution of a compiled program on the arm64 model or the ideal platform.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { initialMemory } from '../exec/initial-memory.js';
import { Machine, type TraceEntry } from '../exec/machine.js';
import { IdealWorld } from '../ideal/ideal-world.js';
import { Arm64World } from '../arm64/arm64-world.js';

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
  return new Machine(c, new IdealWorld(c.layout, initialMemory(c)));
}

/** Apply the steps, then let every actor finish in program order. */
export function runModel(c: Compiled, e: Execution, trace = false): Machine {
  const m = newModelMachine(c, trace);
  for (const s of e.steps) m.step(s);
  m.finish();
  return m;
}

/** The ideal run of the same interleaving: each model op, in the order performed, becomes that actor's next op. */
export function runIdealLike(c: Compiled, modelOrder: readonly number[]): Machine {
  const m = newIdealMachine(c);
  for (const code of modelOrder) m.run(Math.floor(code / 65536), 0);
  m.finish();
  return m;
}
