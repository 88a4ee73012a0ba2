// Shrinking a failure now also takes loop laps and branches away (src/fuzz/program-edits.ts,
// used by dmafuzz fuzz's shrinker): a three-lap ring whose bug shows on the first lap shrinks to
// one lap on each side, and a branch to the side that fails.

import { expect, test } from 'vitest';
import { compilePaths } from '../src/exec/compile.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';
import { smallerPrograms } from '../src/fuzz/program-edits.js';
import { checkAllPaths } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';

const RING = `DMA three-laps
{ coherent ring[4096]; mmio DB; }
cpu cpu0 {
  ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);
  writel(1, DB);
  for (i = 0; i < 3; i++) {
    while (!(READ_ONCE(*(u32 *)(ring + 16 * i + 8)) & 1)) cpu_relax();
    len = READ_ONCE(*(u32 *)(ring + 16 * i + 12));    // no dma_rmb(): a bug on every lap
    if (len == 0) {
      writel(2, DB);
    } else {
      writel(3, DB);
    }
  }
}
device dev {
  wait_doorbell(DB, 1);
  for (s = 0; s < 3; s++) {
    dma_write(ring + 16 * s + 12, 4, 64);
    dma_write(ring + 16 * s + 8, 4, 1);
  }
}
`;

const fails = (p: Program) => {
  try {
    return checkAllPaths(compilePaths(p, makePlatform())[0], { maxEvents: 0, maxStates: 2000, runs: 20 }).verdict === 'bug';
  } catch {
    return false; // an edit that leaves a program that does not compile (a register used, never set)
  }
};

/** Greedy: the first smaller program that still fails, until none does. */
function shrink(p: Program): Program {
  for (let changed = true; changed; ) {
    changed = false;
    for (const q of smallerPrograms(p)) {
      if (!fails(q)) continue;
      p = q;
      changed = true;
      break;
    }
  }
  return p;
}

test('a loop whose bug shows on its first lap shrinks to one lap, a branch to no branch', () => {
  const start = parseLitmus(RING).program;
  expect(fails(start)).toBe(true);
  const text = printLitmus(shrink(start));
  expect(text).not.toMatch(/i < [23]|s < [23]/); // no second or third lap left
  expect(text).not.toContain('if (len');
  expect(text).toContain('len = READ_ONCE');
  expect(fails(parseLitmus(text).program)).toBe(true);
});

test('the shrinker never cuts the dma_set_mask call: it says which device the driver is for', () => {
  // The bug (no dma_rmb) does not need the mask; every other op it does not need goes, the mask stays.
  const withMask = RING.replace('cpu cpu0 {\n', 'cpu cpu0 {\n  dma_set_mask_and_coherent(dev, DMA_BIT_MASK(40));\n');
  const start = parseLitmus(withMask).program;
  for (const q of smallerPrograms(start)) expect(printLitmus(q)).toContain('DMA_BIT_MASK(40)');
  const text = printLitmus(shrink(start));
  expect(text).toContain('dma_set_mask_and_coherent(dev, DMA_BIT_MASK(40));');
  expect(text).not.toMatch(/i < [23]/);
});
