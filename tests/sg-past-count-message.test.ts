// A device access to a scatterlist entry past the segments dma_map_sg() returned says why: behind
// an SMMU, dma-iommu merged the entries (__finalise_sg()), so that entry has no DMA address of its
// own; an entry past the ones mapped keeps the plain "no live mapping covers" message.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { compilePaths } from '../src/exec/compile.js';
import { makePlatform } from '../src/platform/platform.js';
import { checkContract } from '../src/check/explore-contract.js';

const outside = (text: string) => {
  const p = parseLitmus(text).program;
  // every path (the mapping may fail: `if (n == 0) return`)
  return compilePaths(p, makePlatform(p.platform)).flatMap((c) => checkContract(c).findings).filter((f) => f.rule === 'ownership/device-outside-mapping').map((f) => f.message);
};

const beyond = readFileSync(new URL('../scenarios/drivers/sg-count-iommu-merged-beyond.litmus', import.meta.url), 'utf8');

describe('device access past the segments of a scatterlist', () => {
  test('merged by the IOMMU: the count dma_map_sg() returned, and what to walk', () => {
    const [m] = outside(beyond);
    expect(m).toContain('dma_map_sg() returned 1 segment for sgl');
    expect(m).toContain('__finalise_sg()');
    expect(m).toContain('for_each_sg() over its return value');
  });

  test('past the entries mapped (no merge): the plain message', () => {
    const past = beyond.replace('platform { iommu = strict; }', '').replace('dma_write(sgl[1]', 'dma_write(sgl[2]').replace('wait_doorbell(SEGS, 1)', 'wait_doorbell(SEGS, 2)');
    const [m] = outside(past);
    expect(m).toContain('which no live mapping covers');
    expect(m).not.toContain('__finalise_sg()');
  });
});
