// The reduced exhaustive search against the full one on the platforms of issue 21: an SMMU (strict
// and lazy: maps, unmaps and device accesses share the page table and the IOVA allocator), a
// restricted DMA pool (every map bounces), a dma-ranges window (bus address ≠ physical) and swiotlb
// slots a device reaches at addresses it computed. Each independent group's outcomes and the
// verdict must be the same (src/oracle/footprints.ts), and the witness search by groups must find
// an ideal witness for each outcome exactly when the full one does.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Compiled } from '../src/exec/compile.js';
import type { Observations } from '../src/exec/observations.js';
import { exploreExhaustively } from '../src/oracle/exhaustive.js';
import { findIdealWitness } from '../src/oracle/witness-search.js';
import { footprints, modelFootprints, type Footprints } from '../src/oracle/footprints.js';
import { shareDifference } from './share-difference.js';
import type { PlatformConfig } from '../src/platform/platform.js';
import { loadLitmus } from '../src/run/check-file.js';

const FULL_STATES = 3000;
const WITNESS_BUDGET = 50_000;

function difference(c: Compiled, maxEvents: number, given?: Footprints): string | undefined | 'unfinished' {
  // the arm64 search by arm64's footprints, the witness search by both worlds' (footprints.ts), unless given
  const f = given ?? modelFootprints(c), both = given ?? footprints(c);
  const full: Observations[] = [];
  const fr = exploreExhaustively(c, { maxEvents, reduce: false, maxStates: FULL_STATES, observe: (o) => full.push(o) });
  if (!fr.complete) return 'unfinished';
  const reduced: Observations[] = [];
  const rr = exploreExhaustively(c, { maxEvents, footprints: f, maxStates: 20 * FULL_STATES, observe: (o) => reduced.push(o) });
  if (!rr.complete) return `the reduced search did not finish (${rr.states} states)`;
  const shares = shareDifference(c, f, full, reduced);
  if (shares) return shares;
  if ((fr.verdict === 'bug') !== (rr.verdict === 'bug')) return `full search: ${fr.verdict}, reduced: ${rr.verdict}`;
  // the witness search by groups, on the same footprints, over the ideal world (where a bounced
  // mapping's device reaches the buffer itself, not the slot)
  for (const o of full) {
    if (o.bailedOut !== undefined) continue;
    const w = findIdealWitness(c, o, WITNESS_BUDGET, { reduce: false });
    const v = findIdealWitness(c, o, WITNESS_BUDGET, { footprints: both });
    if (w.outcome !== 'cut' && v.outcome !== 'cut' && w.outcome !== v.outcome) return `witness for ${JSON.stringify(o.reads)}: full ${w.outcome}, by groups ${v.outcome}`;
  }
  return undefined;
}

const CASES: [string, Partial<PlatformConfig>][] = [
  ['scenarios/platforms/smmu-lazy-stale-iova.litmus', { iommu: 'lazy' }],
  ['scenarios/platforms/smmu-lazy-stale-iova.litmus', { iommu: 'strict' }],
  ['scenarios/platforms/smmu-lazy-stale-iova-fixed.litmus', { iommu: 'lazy' }],
  ['scenarios/platforms/restricted-pool-bounce.litmus', {}],
  ['scenarios/platforms/restricted-pool-bounce-fixed.litmus', { deviceCoherent: false, declaredCoherent: false }],
  ['scenarios/platforms/rpi4-dma-ranges-window.litmus', {}],
  ['scenarios/platforms/rpi4-dma-ranges-window-fixed.litmus', {}],
  ['scenarios/drivers/rx-ring-two-slots.litmus', { iommu: 'lazy' }],
  ['scenarios/drivers/rx-ring-two-slots.litmus', { iommu: 'strict', iovaGranule: 65536 }],
  ['scenarios/drivers/rx-ring-two-slots.litmus', { restrictedPool: true }],
  ['scenarios/drivers/rx-ring-two-slots.litmus', { dmaRangesBus: 0xc000_0000, dmaRangesSize: 0x4000_0000 }],
  ['scenarios/rx-handback-read-race.litmus', { iommu: 'strict' }],
  ['scenarios/cwg-neighbour-from-device.litmus', { iommu: 'lazy' }],
  ['properties/fixtures/iova-reuse-two-channels.litmus', {}],
  ['properties/fixtures/iova-reuse-two-channels.litmus', { iommu: 'lazy' }],
  // swiotlb slots the same in every execution: the device's computed addresses land in them
  ['properties/fixtures/spi-duplex-bounced.litmus', { swiotlb: 'force' }],
  ['properties/fixtures/spi-duplex-bounced.litmus', { swiotlb: 'force', kernel: '5.10' }],
  ['scenarios/drivers/rx-ring-two-slots.litmus', { swiotlb: 'force' }],
  ['scenarios/drivers/rx-sync-short-of-fcs.litmus', { swiotlb: 'force' }],
  ['scenarios/drivers/rx-sync-with-fcs.litmus', { swiotlb: 'force' }],
  ['scenarios/contract/rx-unmap-received-length.litmus', { swiotlb: 'force' }],
  ['properties/fixtures/bounced-sync-race.litmus', { swiotlb: 'force' }],
  // a restricted DMA pool's slots, the same in every execution too (its coherent buffers placed before any run)
  ['properties/fixtures/spi-duplex-bounced.litmus', { restrictedPool: true }],
  ['properties/fixtures/bounced-sync-race.litmus', { restrictedPool: true }],
  ['scenarios/drivers/rx-sync-short-of-fcs.litmus', { restrictedPool: true }],
  ['scenarios/contract/rx-unmap-received-length.litmus', { restrictedPool: true }],
];

describe('reduced search = full search on SMMU, restricted-pool and dma-ranges platforms', () => {
  test('each group\'s outcomes and the verdict, to 0, 1 and 2 events', () => {
    let compared = 0;
    for (const [file, platform] of CASES) {
      const loaded = loadLitmus(file, readFileSync(file, 'utf8'), platform);
      if ('kind' in loaded) throw new Error(`${file}: ${loaded.message}`);
      for (const events of [0, 1, 2]) {
        const d = difference(loaded.compiled, events);
        if (d === 'unfinished') { console.log(`unfinished: ${file} ${JSON.stringify(platform)} ${events}`); continue; }
        compared++;
        expect(d, `${file} ${JSON.stringify(platform)}, ${events} events`).toBeUndefined();
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});

test('and the comparison can fail: footprints that ignore the SMMU (as on a platform without one) miss the IOVA reuse across channels', () => {
  const file = 'properties/fixtures/iova-reuse-two-channels.litmus';
  const loaded = loadLitmus(file, readFileSync(file, 'utf8'));
  if ('kind' in loaded) throw new Error(loaded.message);
  const c = loaded.compiled;
  const blind = footprints({ ...c, platform: { ...c.platform, iommu: 'none' } });
  expect(blind.groups.length).toBe(2); // the two channels look independent
  expect(footprints(c).groups.length).toBe(1);
  expect(difference(c, 0, blind)).toMatch(/outcomes missing/);
});
