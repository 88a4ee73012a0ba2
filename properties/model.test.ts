// Properties of the arm64 model itself. Each can fail: the fault-injection tests at the end show
// the first one failing on a deliberately broken model.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { NEVER_FLAG } from '../scenarios/never-flag.js';
import { compile } from '../src/exec/compile.js';
import type { Execution } from '../src/exec/execution.js';
import { observationKey } from '../src/exec/observations.js';
import { stepArb } from '../src/gen/execution-arb.js';
import { runIdealLike, runModel } from '../src/model/machines.js';
import { Cache } from '../src/platform/cache.js';
import { Memory } from '../src/platform/memory.js';
import { makePlatform, type ModelFault } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';

const SEED = 20261125;
const ALL_PROGRAMS: Program[] = [...BUG_CLASSES.flatMap((k) => [k.buggy, k.fixed]), ...NEVER_FLAG.map((n) => n.program)];

/** Model and ideal agree on this interleaving (in program order: no CPU op is performed early). */
function agreesWithIdeal(p: Program, e: Execution, faults: ModelFault[] = []): boolean {
  const platform = { ...makePlatform(p.platform, { deviceCoherent: true, declaredCoherent: true, swiotlb: 'absent', highRam: false }), faults };
  const c = compile(p, platform);
  const model = runModel(c, e);
  return observationKey(model.observations()) === observationKey(runIdealLike(c, model.order).observations());
}

const inOrderExecution = (p: Program) => {
  const c = compile(p, makePlatform(p.platform));
  return fc.array(stepArb(c).filter((s) => !('skip' in s)), { maxLength: 40 }).map((steps): Execution => ({ steps }));
};

describe('with a coherent device and no swiotlb, no program diverges from the ideal platform', () => {
  test.each(ALL_PROGRAMS.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    fc.assert(fc.property(inOrderExecution(p), (e) => agreesWithIdeal(p, e)), { seed: SEED, numRuns: 150 });
  });
});

// --- the cache on its own: random histories of CPU stores, fills and evictions over three lines ---

type CacheAction = { store: number; value: number } | { fill: number } | { evict: number } | { device: number; value: number };
const ADDRS = { min: 0x1000, max: 0x10bf };
const cacheActionArb = (withDevice: boolean): fc.Arbitrary<CacheAction> =>
  fc.oneof(
    fc.record({ store: fc.integer(ADDRS), value: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ fill: fc.integer(ADDRS) }),
    fc.record({ evict: fc.integer(ADDRS) }),
    ...(withDevice ? [fc.record({ device: fc.integer(ADDRS), value: fc.integer({ min: 1, max: 255 }) })] : []),
  );

function replay(actions: CacheAction[]): Cache {
  const cache = new Cache(64, new Memory());
  for (const a of actions) {
    if ('store' in a) cache.write(a.store, Uint8Array.of(a.value));
    else if ('fill' in a) cache.fill(cache.lineOf(a.fill));
    else if ('evict' in a) cache.evict(cache.lineOf(a.evict));
    else cache.memory.writeByte(a.device, a.value); // a non-coherent device writes memory only
  }
  return cache;
}

const cpuView = (c: Cache) => Array.from(c.read(ADDRS.min, new Uint8Array(ADDRS.max - ADDRS.min + 1)));
const memoryView = (c: Cache) => Array.from(c.memory.read(ADDRS.min, new Uint8Array(ADDRS.max - ADDRS.min + 1)));
const lineArb = fc.constantFrom(0x1000, 0x1040, 0x1080);

describe('cache maintenance', () => {
  test('a clean (dc cvac) never changes what the CPU reads, and afterwards memory holds what the CPU sees on that line', () => {
    fc.assert(fc.property(fc.array(cacheActionArb(true), { maxLength: 30 }), lineArb, (actions, line) => {
      const cache = replay(actions);
      const before = cpuView(cache);
      cache.clean(line);
      expect(cpuView(cache)).toEqual(before);
      expect(memoryView(cache).slice(line - ADDRS.min, line - ADDRS.min + 64)).toEqual(before.slice(line - ADDRS.min, line - ADDRS.min + 64));
    }), { seed: SEED });
  });

  test('invalidating a clean line is harmless: memory is unchanged and no CPU store is lost', () => {
    fc.assert(fc.property(fc.array(cacheActionArb(false), { maxLength: 30 }), lineArb, fc.boolean(), (actions, line, upgrade) => {
      const cache = replay(actions);
      cache.clean(line);
      const memory = memoryView(cache);
      const cpu = cpuView(cache);
      cache.invalidate(line, upgrade);
      expect(memoryView(cache)).toEqual(memory);
      expect(cpuView(cache)).toEqual(cpu); // no device wrote, so the clean line equalled memory
    }), { seed: SEED });
  });

  test('eviction order never changes memory when no device writes', () => {
    fc.assert(fc.property(fc.array(cacheActionArb(false), { maxLength: 30 }), fc.array(lineArb, { minLength: 3, maxLength: 3 }), (actions, order) => {
      const a = replay(actions);
      const b = replay(actions);
      for (const l of [0x1000, 0x1040, 0x1080]) a.evict(l);
      for (const l of [...order, 0x1000, 0x1040, 0x1080]) b.evict(l);
      expect(memoryView(a)).toEqual(memoryView(b));
      expect(memoryView(a)).toEqual(cpuView(replay(actions))); // and memory ends as the CPU saw it
    }), { seed: SEED });
  });
});

describe('the properties can fail: deliberately broken models are caught', () => {
  const faultFound = (fault: ModelFault, p: Program) => {
    const r = fc.check(fc.property(inOrderExecution(p), (e) => agreesWithIdeal(p, e, [fault])), { seed: SEED, numRuns: 200 });
    return r.failed;
  };
  test('control: with a dma-coherent declaration the kernel maintains nothing, so a broken sync_for_cpu changes nothing', () => {
    expect(faultFound('sync-for-cpu-skips-invalidate', BUG_CLASSES[0].fixed)).toBe(false);
  });
  test('"coherent device ⇒ no divergence" fails on hardware that does not snoop: the comparison can fail', () => {
    // Break the claim itself: run the fixed RX program on non-snooping hardware that the kernel believes coherent.
    const p = { ...BUG_CLASSES[1].fixed, platform: { deviceCoherent: false } };
    const r = fc.check(fc.property(inOrderExecution(p), (e) => {
      const c = compile(p, makePlatform({ deviceCoherent: false, declaredCoherent: true, swiotlb: 'absent' }));
      const model = runModel(c, e);
      return observationKey(model.observations()) === observationKey(runIdealLike(c, model.order).observations());
    }), { seed: SEED, numRuns: 50 });
    expect(r.failed).toBe(true);
  });
});
