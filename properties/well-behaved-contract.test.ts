// Issue 17, property: a driver that follows the DMA-API discipline gets no error finding and no
// counterexample, on the platforms the generator picks (platformArb: kernels, line sizes, swiotlb,
// RAM above 4 GiB, device address bits, A53/IVAC upgrades) and on allocator placements with
// neighbours writing the objects next to its buffers (src/nightly/placement.ts), judged as
// `dmafuzz check` judges: findings by their witnesses (src/check/judge-findings.ts), with the
// counterexample search of src/check/counterexample-witness.ts.
// The second test shows the property can fail: under a deliberately over-strict judge (every
// finding an error, witness or not: a coherent ring still allocated at the end of the snippet
// becomes a leak) the same drivers have errors.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkContract } from '../src/check/explore-contract.js';
import type { Finding } from '../src/check/finding.js';
import { judgeFindings, type PathFinding } from '../src/check/judge-findings.js';
import { compilePaths, type Compiled } from '../src/exec/compile.js';
import { buildCase } from '../src/fuzz/targets.js';
import { wellBehavedScenarioArb } from '../src/gen/bug-scenarios.js';
import { printLitmus } from '../src/litmus/print.js';
import { applyPlacement, placeableBuffers, slotCount, type Placement } from '../src/nightly/placement.js';
import { checkAllPaths } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';

/** A small search: the property runs in npm test. */
const BUDGET = { points: 3, states: 3_000, runs: 10, maxEvents: 0, maxStates: 500, searchBudget: 5_000 };

type Judge = (list: PathFinding[], program: Program) => Finding[];

const asCheckJudges: Judge = (list, program) => judgeFindings(list, { program, file: 'driver.litmus', overrides: {} }, BUDGET);
const overStrict: Judge = (list) => list.map((x): Finding => ({ ...x.finding, severity: 'error' }));

interface Problem { what: string; program: Program }

function problems(seed: number, drivers: number, judge: Judge, values = true): Problem[] {
  const out: Problem[] = [];
  for (const [i, s] of fc.sample(wellBehavedScenarioArb(), { seed, numRuns: drivers }).entries()) {
    const base = buildCase(s).program;
    const platform = s.platform;
    // Its own platform with the default layout, then every placeable buffer one slab slot on, neighbours written.
    const placements: Placement[] = [[], placeableBuffers(base).filter((b) => slotCount(b, platform) > 1).map((b) => ({ buffer: b.name, slot: 1 + (i % (slotCount(b, platform) - 1)), neighbours: true }))];
    for (const placement of placements) {
      const program = { ...applyPlacement(base, platform, placement).program, platform };
      const paths: Compiled[] = compilePaths({ ...program, platform: undefined }, makePlatform(platform));
      const value = values ? checkAllPaths(paths[0], { seed: 1, runs: 20, maxEvents: 1, maxStates: 2_000 }) : undefined;
      if (value?.counterexample) out.push({ what: `a counterexample (${value.counterexample.result.diff.map((d) => d.what).join(', ')})`, program });
      const raw = paths.flatMap((c) => checkContract(c, 5_000).findings.map((finding) => ({ finding, path: c })));
      for (const f of judge(raw, program)) if (f.severity === 'error') out.push({ what: `${f.rule}: ${f.message}`, program });
    }
  }
  return out;
}

const explain = (ps: Problem[]) => ps.slice(0, 3).map((p) => `${p.what}\n${printLitmus(p.program)}`).join('\n');

describe('well-behaved drivers on generated platforms and placements', () => {
  test('no error finding and no counterexample (seed 11, 16 drivers)', () => {
    const ps = problems(11, 16, asCheckJudges);
    expect(ps, explain(ps)).toEqual([]);
  }, 120_000);

  test('the property can fail: an over-strict judge (every finding an error) gives errors on the same drivers', () => {
    const ps = problems(11, 16, overStrict, false);
    expect(ps.length).toBeGreaterThan(0);
  }, 120_000);
});
