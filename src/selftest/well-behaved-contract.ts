// Issue 17's property, as a library: a driver that follows the DMA-API discipline gets no error
// finding and no counterexample, on the platforms the generator picks (platformArb: kernels, line
// sizes, swiotlb, RAM above 4 GiB, device address bits, A53/IVAC upgrades) and on allocator
// placements with neighbours writing the objects next to its buffers (src/kernel/placement.ts),
// judged as `dmafuzz check` judges: findings by their witnesses (src/check/judge-findings.ts).
// properties/well-behaved-contract.test.ts runs it on fixed seeds; `dmafuzz selftest` for long.

import fc from 'fast-check';
import { checkContract } from '../check/explore-contract.js';
import type { Finding } from '../check/finding.js';
import { judgeFindings, type PathFinding } from '../check/judge-findings.js';
import { compilePaths, type Compiled } from '../exec/compile.js';
import { wellBehavedScenarioArb } from '../gen/bug-scenarios.js';
import { printLitmus } from '../litmus/print.js';
import { applyPlacement, placeableBuffers, slotCount, type Placement } from '../kernel/placement.js';
import { checkAllPaths } from '../oracle/check.js';
import { makePlatform } from '../platform/platform.js';
import type { Program } from '../program/types.js';
import { buildCase } from './targets.js';

/** A small witness search per driver: enough to find a real one, cheap enough for npm test. */
const BUDGET = { points: 3, states: 3_000, runs: 10, maxEvents: 0, maxStates: 500, searchBudget: 5_000 };

export type Judge = (list: PathFinding[], program: Program) => Finding[];

export const judgeAsCheck: Judge = (list, program) => judgeFindings(list, { program, file: 'driver.litmus', overrides: {} }, BUDGET);

export interface Problem { what: string; program: Program }

/** What goes wrong for `drivers` well-behaved drivers drawn with `seed` (none, when the checker is right). */
export function contractProblems(seed: number, drivers: number, judge: Judge = judgeAsCheck, values = true): Problem[] {
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

/** Each problem with the litmus test that shows it (save it and run `dmafuzz check` on it). */
export function explainProblems(ps: readonly Problem[], most = 3): string {
  return ps.slice(0, most).map((p) => `${p.what}\n${printLitmus(p.program)}`).join('\n');
}
