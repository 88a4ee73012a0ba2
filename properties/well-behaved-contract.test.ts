// Issue 17, property: a driver that follows the DMA-API discipline gets no error finding and no
// counterexample, on the platforms the generator picks (platformArb: kernels, line sizes, swiotlb,
// RAM above 4 GiB, device address bits, A53/IVAC upgrades) and on allocator placements with
// neighbours writing the objects next to its buffers (src/kernel/placement.ts), judged as
// `dmafuzz check` judges: findings by their witnesses (src/check/judge-findings.ts), with the
// counterexample search of src/check/counterexample-witness.ts.
// The second test shows the property can fail: under a deliberately over-strict judge (every
// finding an error, witness or not: a coherent ring still allocated at the end of the snippet
// becomes a leak) the same drivers have errors.

import { describe, expect, test } from 'vitest';
import type { Finding } from '../src/check/finding.js';
import { contractProblems as problems, explainProblems as explain, type Judge } from '../src/selftest/well-behaved-contract.js';

const overStrict: Judge = (list) => list.map((x): Finding => ({ ...x.finding, severity: 'error' }));

describe('well-behaved drivers on generated platforms and placements', () => {
  test('no error finding and no counterexample (seed 11, 16 drivers)', () => {
    const ps = problems(11, 16);
    expect(ps, explain(ps)).toEqual([]);
  }, 120_000);

  test('the property can fail: an over-strict judge (every finding an error) gives errors on the same drivers', () => {
    const ps = problems(11, 16, overStrict, false);
    expect(ps.length).toBeGreaterThan(0);
  }, 120_000);
});
