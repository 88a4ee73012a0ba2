// One shrink runner (src/shrink/shrink.ts) over lazy candidate streams, and the shrinker contract
// (tests/helpers/shrinker-contract.ts) applied to each edit family: steps, ops with control flow,
// declarations and sizes, platform settings, placement, generator spec. The contract can fail:
// generators broken on purpose (one that grows, one with hidden state, one that edits a value
// after yielding it) break it.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compilePaths } from '../src/exec/compile.js';
import type { Step } from '../src/exec/execution.js';
import { programCandidates } from '../src/fuzz/program-edits.js';
import { trialCompiled } from '../src/fuzz/trial.js';
import { CHOICES } from '../src/gen/driver-arb.js';
import type { Scenario } from '../src/gen/bug-scenarios.js';
import type { Placement } from '../src/kernel/placement.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { checkAllPaths, pathOf } from '../src/oracle/check.js';
import { minimizeCounterexample, stepCandidates } from '../src/oracle/minimize.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { DEFAULT_PLATFORM, makePlatform, type PlatformConfig } from '../src/platform/platform.js';
import { ProgramError } from '../src/program/program-error.js';
import type { CpuOp, DeviceOp, Program } from '../src/program/types.js';
import { judgeCounterexample, type Counterexample } from '../src/selftest/counterexample.js';
import { fuzz } from '../src/selftest/fuzz.js';
import { counterexampleCandidates, type Marked } from '../src/selftest/minimize.js';
import { findCounterexample, scenarioCandidates } from '../src/selftest/shrink-scenario.js';
import { fuzzTarget } from '../src/selftest/targets.js';
import { placementCandidates } from '../src/shrink/placement-edits.js';
import { platformCandidates } from '../src/shrink/platform-edits.js';
import { fresh, on, shrink, sweeps, type Candidates } from '../src/shrink/shrink.js';
import { contractProblems } from './helpers/shrinker-contract.js';

const ROOT = resolve(import.meta.dirname, '..');
const litmus = (p: string) => parseLitmus(readFileSync(join(ROOT, p), 'utf8'));
const KEYS = Object.keys(DEFAULT_PLATFORM) as (keyof PlatformConfig)[];

describe('the runner', () => {
  // every element dropped, one at a time; fails while the sum is at least 10
  const drops = fresh((xs: readonly number[]) => xs.map((_, i) => [...xs.slice(0, i), ...xs.slice(i + 1)]));
  const sumAtLeast10 = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) >= 10;

  test('takes the first candidate that still fails and starts again from it', () => {
    expect(shrink([1, 2, 9, 3, 4], drops, sumAtLeast10)).toEqual({ value: [9, 4], tries: 6, cut: false });
  });

  test('a budget of tries or time cuts it short, smaller than the start, marked cut', () => {
    expect(shrink([1, 2, 9, 3, 4], drops, sumAtLeast10, { tries: 2 })).toEqual({ value: [9, 3, 4], tries: 2, cut: true });
    let clock = 0;
    expect(shrink([1, 2, 9, 3, 4], drops, sumAtLeast10, { inTime: () => clock++ < 1 })).toEqual({ value: [2, 9, 3, 4], tries: 1, cut: true });
  });

  test('{ keep } replaces the candidate by what its judgement found', () => {
    expect(shrink([1, 2, 9, 3, 4], drops, (xs) => sumAtLeast10(xs) && { keep: xs.filter((x) => x !== 4) }).value).toEqual([9, 3]);
  });

  test('sweeps resume after the edit taken, and repeat while a round takes something', () => {
    // drop the last element, else halve it; the judge records what it is asked
    const asked: string[] = [];
    const dropLast = function* (xs: readonly number[], from: unknown) {
      if (from === undefined && xs.length) yield { value: xs.slice(0, -1), resume: true };
    };
    const halve = function* (xs: readonly number[], from: unknown) {
      for (let i = (from as number | undefined) ?? 0; i < xs.length; i++) if (xs[i] > 1) yield { value: xs.map((x, k) => (k === i ? x >> 1 : x)), resume: i + 1 };
    };
    const r = shrink([8, 8, 1], sweeps([dropLast, halve]), (xs) => (asked.push(xs.join(',')), xs.reduce((a, b) => a + b, 0) >= 6));
    expect(r.value).toEqual([2, 4]);
    // round 1: the last dropped, then halve goes on after each element it halved (8,8 → 4,8 → 4,4);
    // round 2 takes 2,4; round 3 takes nothing and ends it
    expect(asked).toEqual(['8,8', '4,8', '4,4', '4', '2,4', '2,2', '2', '1,4', '2,2']);
  });
});

describe('the contract holds for every edit family', () => {
  test('steps (check\'s counterexamples, src/oracle/minimize.ts)', () => {
    const c = compilePaths(litmus('scenarios/desc-ring-no-rmb.litmus').program, makePlatform())[0];
    const found = checkAllPaths(c).counterexample!.execution;
    // the minimal execution with noise around it: evictions, and steps run out of order
    const noisy: Step[] = [{ evict: 4096 }, ...found.steps.map((s) => ('run' in s && s.run === 'dev' ? { run: 'dev' } : s)), { evict: 4096 }];
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: noisy.length - 1 }), { maxLength: 4 }), (extra) => {
      const start = [...noisy];
      for (const at of extra) start.splice(at, 0, { fill: 4096 });
      const fails = (steps: readonly Step[]) => judgeExecution(pathOf(c, { steps: steps as Step[] }), { steps: steps as Step[] }).verdict === 'bug';
      if (!fails(start)) return;
      expect(contractProblems({ start: start as readonly Step[], candidates: stepCandidates, stillFails: fails, size: stepsSize, shrinks: true })).toEqual([]);
    }), { seed: 1, numRuns: 6 });
  });

  test('ops with control flow (fuzz FILES, src/fuzz/program-edits.ts)', () => {
    const start = litmus('tests/fixtures/rx-sync-wrong-direction-loop.litmus').program;
    expect(contractProblems({ start, candidates: programCandidates, stillFails: checksBug, size: (p) => opsIn(p.actors.flatMap((a) => a.ops as (CpuOp | DeviceOp)[])), budget: { tries: 30 }, shrinks: true })).toEqual([]);
  });

  test('declarations, sizes, ops and steps (selftest, src/selftest/minimize.ts)', () => {
    const f = fuzz('bug-class:2', { seed: 1, runs: 100, minimize: false }).failure!;
    const start: Marked = { x: f.shrunk, marks: {} };
    expect(contractProblems({ start, candidates: counterexampleCandidates(), stillFails: (m) => judgedBug(m.x), size: (m) => counterexampleSize(m.x), shrinks: true })).toEqual([]);
  });

  test('platform settings back to the defaults (both fuzzers, src/shrink/platform-edits.ts)', () => {
    const f = fuzz('bug-class:2', { seed: 1, runs: 100 }).failure!;
    const start: Counterexample = { ...f.minimal, platform: { ...f.minimal.platform, kernel: '6.6', highRam: true, a53CleanUpgrade: true, lineSize: 128, cwg: 128 } };
    const candidates = on((x: Counterexample) => x.platform, (x, platform) => ({ ...x, platform }), platformCandidates(KEYS, DEFAULT_PLATFORM));
    expect(contractProblems({ start, candidates, stillFails: judgedBug, size: (x) => offDefault(x.platform), shrinks: true })).toEqual([]);
  });

  test('placement back to the allocator\'s (fuzz FILES, src/shrink/placement-edits.ts)', () => {
    // a failure CWG 128 makes, with its buffer re-placed among neighbour writers: the placement can go
    const parsed = litmus('scenarios/platforms/rx-field-cwg128.litmus');
    const { version: _v, faults: _f, ...platform } = makePlatform({ cwg: 128, swiotlb: 'absent' });
    type Placed = { platform: PlatformConfig; placement: Placement };
    const start: Placed = { platform, placement: [{ buffer: 'priv', slot: 0, neighbours: true }] };
    // as fuzz FILES judges a candidate machine: check's search finds a counterexample on it
    const fails = (x: Placed) => checkAllPaths(trialCompiled(parsed, x.platform, x.placement)).verdict === 'bug';
    const candidates = on((x: Placed) => x.placement, (x, placement) => ({ ...x, placement }), placementCandidates);
    const size = (x: Placed) => x.placement.length + x.placement.filter((e) => e.neighbours).length;
    expect(contractProblems({ start, candidates, stillFails: fails, size, shrinks: true })).toEqual([]);
  });

  test('the generator spec (selftest, src/selftest/shrink-scenario.ts)', () => {
    const o = { seed: 1, runs: 100 };
    const start = fc.sample(fuzzTarget('bug-class:11-rx').cases, { seed: 3, numRuns: 20 }).map((k) => k.scenario).find((s) => findCounterexample(s, o))!;
    expect(start).toBeDefined();
    expect(contractProblems({ start, candidates: scenarioCandidates, stillFails: (s) => findCounterexample(s, o) !== undefined, size: specSize, budget: { tries: 12 }, shrinks: true })).toEqual([]);
  });
});

describe('the shrunk counterexamples are what they were before the one runner', () => {
  // check's minimal executions, as src/oracle/minimize.ts gave them before it ran on src/shrink/
  test.each([
    ['beginner-missing-sync.litmus', [{ fill: 4096 }]],
    ['desc-ring-no-rmb.litmus', [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'dev' }, { run: 'cpu0', skip: 1 }, { run: 'dev' }, { run: 'dev' }]],
    ['cwg-neighbour-from-device.litmus', [{ run: 'cpu0' }, { run: 'cpu0' }, { evict: 4096 }]],
    ['arm-model/cpus-mp-none.litmus', [{ run: 'cpu0', skip: 1 }, { run: 'cpu1' }, { run: 'cpu1' }, { run: 'cpu1' }]],
    ['drivers/exists-arm64-only.litmus', [{ run: 'cpu0' }, { run: 'cpu0' }, { run: 'cpu0', skip: 1 }]],
  ])('%s', (file, steps) => {
    const program = litmus(`scenarios/${file}`).program;
    expect(checkAllPaths(compilePaths(program, makePlatform(program.platform))[0]).counterexample?.execution.steps).toEqual(steps);
  });
});

describe('a deadline reaches every phase', () => {
  test('check\'s step minimisation stops when fuzz FILES\' time box ends, with a counterexample still', () => {
    const c = compilePaths(litmus('scenarios/beginner-missing-sync.litmus').program, makePlatform())[0];
    const noisy: Step[] = [{ fill: 4096 }, { run: 'cpu0' }, { evict: 4096 }, { fill: 4096 }];
    expect(minimizeCounterexample(c, { steps: noisy }).execution.steps).toEqual([{ fill: 4096 }]);
    const cut = minimizeCounterexample(c, { steps: noisy }, {}, undefined, { inTime: () => false });
    expect(cut.execution.steps).toEqual(noisy);
    expect(cut.result.verdict).toBe('bug');
    let clock = 0;
    const part = minimizeCounterexample(c, { steps: noisy }, {}, undefined, { inTime: () => clock++ < 2 }).execution.steps;
    expect(part.length).toBeGreaterThan(1);
    expect(part.length).toBeLessThan(noisy.length);
    expect(judgeExecution(c, { steps: part }).verdict).toBe('bug');
  });
});

describe('the contract can fail', () => {
  const c = compilePaths(litmus('scenarios/beginner-missing-sync.litmus').program, makePlatform())[0];
  const fails = (steps: readonly Step[]) => judgeExecution(c, { steps: steps as Step[] }).verdict === 'bug';
  const start: readonly Step[] = [{ fill: 4096 }, { run: 'cpu0' }, { evict: 4096 }, { fill: 4096 }];

  test('the real step generator keeps it on this start', () => {
    expect(contractProblems({ start, candidates: stepCandidates, stillFails: fails, size: stepsSize, shrinks: true })).toEqual([]);
  });

  test('a generator that offers a larger candidate first', () => {
    const grows: Candidates<readonly Step[]> = function* (steps, context) {
      if (steps.length < 6) yield { value: [...steps, { evict: 4096 }], context };
      yield* stepCandidates(steps, context);
    };
    const problems = contractProblems({ start, candidates: grows, stillFails: fails, size: stepsSize });
    expect(problems).toContain('a candidate is larger than the value it edits (5 > 4)');
    expect(problems.every((p) => p.startsWith('a candidate is larger'))).toBe(true);
  });

  test('a generator with hidden state: the same start, another result', () => {
    let calls = 0;
    // after ten calls it tries the steps in the other order
    const leaky: Candidates<readonly Step[]> = function* (steps) {
      const order = ++calls > 10 ? steps.map((_, i) => i) : steps.map((_, i) => steps.length - 1 - i);
      for (const i of order) yield { value: [...steps.slice(0, i), ...steps.slice(i + 1)] };
    };
    const twoFills: readonly Step[] = [{ fill: 4096 }, { fill: 4096 }, { run: 'cpu0' }];
    expect(contractProblems({ start: twoFills, candidates: leaky, stillFails: fails, size: stepsSize, key: (s) => s.length })).toEqual([]);
    expect(contractProblems({ start: [{ run: 'cpu0' }, { fill: 4096 }, { run: 'cpu0' }, { fill: 4096 }], candidates: leaky, stillFails: (s) => s.some((x) => 'fill' in x), size: stepsSize })).toEqual(['the same start gave a different result']);
  });

  test('a generator that edits the value it was given in place', () => {
    const inPlace: Candidates<Step[]> = function* (steps) {
      while (steps.length) {
        steps.pop();
        yield { value: [...steps] };
      }
    };
    expect(contractProblems({ start: [...start], candidates: inPlace, stillFails: fails, size: stepsSize })).toContain('the result no longer fails');
  });
});

function stepsSize(steps: readonly Step[]): number {
  return steps.reduce((n, s) => n + 1 + ('run' in s ? s.skip ?? 0 : 0), 0);
}

function opsIn(ops: readonly (CpuOp | DeviceOp)[]): number {
  let n = 0;
  for (const op of ops) {
    n++;
    if (op.op === 'if') n += opsIn(op.then as (CpuOp | DeviceOp)[]) + opsIn((op.else ?? []) as (CpuOp | DeviceOp)[]);
    else if (op.op === 'while' || op.op === 'for') n += opsIn(op.body as (CpuOp | DeviceOp)[]);
  }
  return n;
}

function checksBug(p: Program): boolean {
  try {
    return checkAllPaths(compilePaths(p, makePlatform(p.platform))[0]).verdict === 'bug';
  } catch (e) {
    if (e instanceof ProgramError) return false;
    throw e;
  }
}

const judgedBug = (x: Counterexample) => judgeCounterexample(x)?.verdict === 'bug';
const offDefault = (p: PlatformConfig) => KEYS.filter((k) => p[k] !== DEFAULT_PLATFORM[k]).length;

function counterexampleSize(x: Counterexample): number {
  const ops = x.program.actors.flatMap((a) => a.ops as (CpuOp | DeviceOp)[]);
  const wide = ops.filter((op) => 'size' in op && op.size > 4).length;
  return opsIn(ops) + wide + stepsSize(x.execution.steps) + x.program.buffers.length + x.program.registers.length + offDefault(x.platform);
}

/** Transfers, the mask call, and how far each choice is from the first of its CHOICES. */
function specSize(s: Scenario): number {
  let n = s.spec.transfers.length * 100 + (s.spec.setMask ? 1 : 0);
  for (const t of s.spec.transfers) {
    for (const [key, values] of Object.entries(CHOICES[t.kind]) as [string, readonly unknown[]][]) n += Math.max(0, values.indexOf((t as unknown as Record<string, unknown>)[key]));
  }
  return n;
}
