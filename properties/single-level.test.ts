// With DminLine = CWG the cache hierarchy is one level and must behave exactly as the
// single-level cache did before the second level existed (properties/reference/): a differential
// property over generated programs and executions — every generated platform geometry with
// lineSize = cwg, every bug class and well-behaved drivers — comparing, step by step, what the
// arm64 world does with the production cache and with the reference: the trace (dc
// instructions, fills, write-backs, discards), the observations, and the final world state.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import type { Compiled } from '../src/exec/compile.js';
import type { Execution } from '../src/exec/execution.js';
import { initialMemory } from '../src/model/initial-memory.js';
import { Machine, type TraceEntry } from '../src/exec/machine.js';
import { Arm64World } from '../src/arm64/arm64-world.js';
import { buildCase, executionsOf, fuzzTarget, TARGET_NAMES } from '../src/selftest/targets.js';
import { resolveExecution } from '../src/gen/execution-arb.js';
import { Cache } from '../src/platform/cache.js';
import type { Memory } from '../src/platform/memory.js';
import { ReferenceCache } from './reference/single-level-cache.js';
import { effectText } from '../src/report/trace-text.js';

type MakeCache = (c: Compiled, memory: Memory) => Cache | undefined;

/** Run an execution traced on an arm64 world with the given cache (undefined: the production one). */
function outcome(c: Compiled, e: Execution, makeCache: MakeCache) {
  const memory = initialMemory(c);
  const world = new Arm64World(c.platform, c.layout, memory, makeCache(c, memory));
  const m = new Machine(c, world);
  const trace: TraceEntry[] = [];
  m.trace = trace;
  world.traceTo((text) => trace[trace.length - 1]?.effects.push(text));
  const applied = e.steps.map((s) => m.step(s));
  m.finish();
  // The trace as a report words it (src/report/trace-text.ts): what the two caches must agree on.
  const said = trace.map((t) => ({ ...t, effects: t.effects.map(effectText).filter((x) => x !== undefined) }));
  return { applied, trace: said, order: m.order, observations: m.observations(), world: world.fingerprint() };
}

const production: MakeCache = () => undefined;
const reference: MakeCache = (c, memory) => new ReferenceCache(c.platform.cwg, memory);

/** Generated programs on single-level platforms, each with its generated executions. */
function singleLevelCases(seed: number, perTarget: number): { c: Compiled; executions: Execution[] }[] {
  const out: { c: Compiled; executions: Execution[] }[] = [];
  for (const name of TARGET_NAMES) {
    for (const k of fc.sample(fuzzTarget(name).cases, { seed, numRuns: perTarget })) {
      const b = buildCase(k.scenario);
      if (b.compiled.platform.lineSize !== b.compiled.platform.cwg) continue;
      out.push({ c: b.compiled, executions: executionsOf(k).map((raw) => resolveExecution(b.compiled, raw)) });
    }
  }
  return out;
}

const CASES = singleLevelCases(7, 16);

describe('with lineSize = cwg the hierarchy is the old single-level cache', () => {
  test('the generated cases cover both single-level geometries and every target', () => {
    expect(new Set(CASES.map(({ c }) => c.platform.cwg))).toEqual(new Set([64, 128]));
    expect(CASES.length).toBeGreaterThan(100);
    // Hardware events are in the executions compared, not only CPU and device ops.
    expect(CASES.some(({ executions }) => executions.some((e) => e.steps.some((s) => 'evict' in s)))).toBe(true);
  });

  test('same trace, observations and final state as the reference, execution by execution', () => {
    let compared = 0;
    for (const { c, executions } of CASES) {
      for (const e of executions) {
        // No generated step names a second level on a single-level platform.
        expect(e.steps.every((s) => 'run' in s || s.level === undefined)).toBe(true);
        expect(outcome(c, e, production), c.program.name).toEqual(outcome(c, e, reference));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  // The comparison is only worth something if it notices a change: a hierarchy whose dc cvac
  // misses the line at the DminLine step (as if it acted on L1 only, with no L2 behind it) differs.
  test('a deliberately different cache is told apart', () => {
    class CleanSkipsOddLines extends Cache {
      override cleanToPoc(addr: number): void {
        if ((addr / this.lineBytes) % 2 === 0) super.cleanToPoc(addr);
      }
    }
    const broken: MakeCache = (c, memory) => new CleanSkipsOddLines(c.platform.lineSize, memory, c.platform.cwg);
    const differs = CASES.some(({ c, executions }) => executions.some((e) => JSON.stringify(outcome(c, e, broken)) !== JSON.stringify(outcome(c, e, reference))));
    expect(differs).toBe(true);
  });
});
