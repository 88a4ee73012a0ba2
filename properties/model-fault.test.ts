// The properties can fail: with a deliberately broken model (ModelFault) the well-behaved
// property finds a counterexample, shrunk to a small one.

import { describe, expect, test } from 'vitest';
import { fuzz } from '../src/selftest/fuzz.js';
import { formatCounterexample } from '../src/selftest/print.js';
import type { ModelFault } from '../src/platform/platform.js';

const FAULTS: ModelFault[] = ['sync-for-cpu-skips-invalidate', 'map-skips-clean', 'swiotlb-skips-copy-back', 'barriers-order-nothing'];

describe('a broken model makes the well-behaved property fail', () => {
  for (const fault of FAULTS) {
    test(fault, () => {
      const r = fuzz('well-behaved', { seed: 1, runs: 3000, faults: [fault] });
      expect(r.failure, `no counterexample under ${fault} in 3000 drivers`).toBeDefined();
      const f = r.failure!;
      expect(f.minimal.faults).toEqual([fault]);
      expect(f.size.ops + f.size.events).toBeLessThanOrEqual(10);
      const text = formatCounterexample(f.minimal);
      expect(text).toContain('observations no execution of the ideal');
    });
  }
});
