// The pairwise covering of `dmafuzz fuzz`'s platform matrix honours the rules of makePlatform()
// exactly: a pair of values is left out of what must be covered only when no platform of the
// matrix has both (checked against every row of the constrained settings, by brute force), every
// other pair is covered by some row, and every row is a platform. A dma-ranges window's offset
// and size are two settings tied by a rule, so pairs such as kernel=5.15 × the RPi4 offset are
// covered by rows that carry the whole window.

import { describe, expect, test } from 'vitest';
import { axisName, fileMatrix, MATRIX_KEYS, platformAt, type FileMatrix } from '../src/kernel/platform-matrix.js';
import { coveringRows, pairCoverage } from '../src/fuzz/pairwise.js';
import { matrixConstraints } from '../src/kernel/platform-constraints.js';
import { DEFAULT_PLATFORM, makePlatform, PLATFORM_CONSTRAINTS, type PlatformConfig } from '../src/platform/platform.js';
import { parseKernelVersion } from '../src/platform/kernel-version.js';

const FULL = fileMatrix({ actors: [] });

/** Every pair (as pairCoverage names it) that some row of `m` has, by trying every row. */
function pairsByBruteForce(m: FileMatrix): Set<string> {
  const out = new Set<string>();
  const sizes = m.axes.map((a) => a.values.length);
  const total = sizes.reduce((k, s) => k * s, 1);
  const row = sizes.map(() => 0);
  for (let k = 0; k < total; k++) {
    let rest = k;
    sizes.forEach((s, i) => { row[i] = rest % s; rest = Math.floor(rest / s); });
    if (!platformAt(m, row)) continue;
    for (let i = 0; i < row.length; i++) for (let j = i + 1; j < row.length; j++) {
      out.add(`${axisName(m.axes[i])}=${String(m.axes[i].values[row[i]])} × ${axisName(m.axes[j])}=${String(m.axes[j].values[row[j]])}`);
    }
  }
  return out;
}

function allPairs(m: FileMatrix): string[] {
  const out: string[] = [];
  for (let i = 0; i < m.axes.length; i++) for (let j = i + 1; j < m.axes.length; j++) {
    for (const a of m.axes[i].values) for (const b of m.axes[j].values) out.push(`${axisName(m.axes[i])}=${String(a)} × ${axisName(m.axes[j])}=${String(b)}`);
  }
  return out;
}

describe('which pairs no platform has', () => {
  test('the full matrix: exactly these 17 pairs, each a rule of makePlatform()', () => {
    expect(pairCoverage(FULL, []).impossiblePairs.sort()).toEqual([
      'dmaRangesBus=3221225472 × dmaRangesSize=0', // an offset needs a window
      'iommu=lazy × dmaRangesBus=3221225472', 'iommu=lazy × dmaRangesSize=1073741824', // windows are modelled with dma-direct
      'iommu=lazy × restrictedPool=true', 'iommu=strict × dmaRangesBus=3221225472',
      'iommu=strict × dmaRangesSize=1073741824', 'iommu=strict × restrictedPool=true',
      'kernel=4.14 × dmaRangesBus=3221225472', 'kernel=4.14 × dmaRangesSize=1073741824', // no bus_dma_mask before 4.19
      'kernel=4.14 × restrictedPool=true', 'kernel=4.9 × dmaRangesBus=3221225472',
      'kernel=4.9 × dmaRangesSize=1073741824', 'kernel=4.9 × restrictedPool=true',
      'kernel=4.9 × vmapStack=true', // no arm64 CONFIG_VMAP_STACK before 4.14
      'kernel=5.10 × restrictedPool=true', 'kernel=5.4 × restrictedPool=true', // restricted pools from 5.15
      'lineSize=128 × cwg=64', // CTR_EL0.CWG is the largest line
    ].sort());
  });

  // Every setting some rule reads (today 6,912 rows), so every constrained pair is tried; the
  // others pair freely with everything (no rule reads them).
  const CONSTRAINED = fileMatrix({ actors: [] }, { vary: MATRIX_KEYS.filter((k) => PLATFORM_CONSTRAINTS.some((r) => r.settings.includes(k))) });
  test('the brute force below tries every setting a rule reads', () => {
    expect(CONSTRAINED.axes.map((a) => a.key).sort()).toEqual(['cwg', 'deviceAddressBits', 'dmaRangesBus', 'dmaRangesSize', 'iommu', 'kernel', 'lineSize', 'restrictedPool', 'untrusted', 'vmapStack']);
  });

  test.each([
    ['the settings rules read, varied together', CONSTRAINED],
    ['a file that pins the RPi4 window', fileMatrix({ actors: [], platform: { dmaRangesBus: 0xc000_0000, dmaRangesSize: 0x4000_0000 } }, { vary: ['kernel', 'iommu', 'restrictedPool', 'vmapStack', 'deviceAddressBits'] })],
    ['a file that pins kernel 4.9', fileMatrix({ actors: [], platform: { kernel: '4.9' } }, { vary: ['vmapStack', 'iommu', 'restrictedPool', 'dmaRangesBus', 'dmaRangesSize', 'swiotlb'] })],
    ['a file behind an SMMU', fileMatrix({ actors: [], platform: { iommu: 'strict' } }, { vary: ['kernel', 'restrictedPool', 'dmaRangesBus', 'dmaRangesSize', 'lineSize', 'cwg'] })],
    // the coherence axis sets two settings (deviceCoherent, declaredCoherent tied to it): one axis, its two values
    ['coherence with the settings rules read', fileMatrix({ actors: [] }, { vary: ['deviceCoherent', 'kernel', 'iommu', 'restrictedPool', 'lineSize', 'cwg'] })],
  ])('%s: a pair is impossible exactly when no row of the matrix has it (brute force)', (_, m) => {
    const possible = pairsByBruteForce(m);
    const cov = pairCoverage(m, []);
    expect(new Set(cov.impossiblePairs)).toEqual(new Set(allPairs(m).filter((p) => !possible.has(p))));
    expect(cov.coverable).toBe(possible.size);
  });

  test('a pin decides pairs too: behind an SMMU no restricted pool and no window with any kernel; on 4.9 no vmapped stack with anything', () => {
    const smmu = pairCoverage(fileMatrix({ actors: [], platform: { iommu: 'strict' } }, { vary: ['kernel', 'restrictedPool', 'swiotlb'] }), []);
    expect(smmu.impossiblePairs).toContain('kernel=6.12 × restrictedPool=true');
    expect(smmu.impossiblePairs).toContain('swiotlb=present × restrictedPool=true');
    const old = pairCoverage(fileMatrix({ actors: [], platform: { kernel: '4.9' } }, { vary: ['vmapStack', 'swiotlb'] }), []);
    expect(old.impossiblePairs).toEqual(['swiotlb=present × vmapStack=true', 'swiotlb=force × vmapStack=true', 'swiotlb=absent × vmapStack=true']);
  });

  test('every rule reads only the settings it names (what makes the grouping exact); a rule reading another setting is caught', () => {
    const readsOf = (refuse: (c: PlatformConfig, v: ReturnType<typeof parseKernelVersion>) => unknown, config: PlatformConfig): Set<string> => {
      const read = new Set<string>();
      const c = new Proxy(config, { get: (t, k) => { read.add(String(k)); return t[k as keyof PlatformConfig]; } });
      const v = new Proxy(parseKernelVersion(config.kernel), { get: (t, k) => { read.add('kernel'); return t[k as keyof typeof t]; } });
      refuse(c, v);
      return read;
    };
    const configs: PlatformConfig[] = [
      DEFAULT_PLATFORM,
      { ...DEFAULT_PLATFORM, kernel: '4.9', vmapStack: true, restrictedPool: true, dmaRangesBus: 0xc000_0000, dmaRangesSize: 0x4000_0000, iommu: 'lazy', lineSize: 128, deviceAddressBits: 30 },
      { ...DEFAULT_PLATFORM, kernel: '5.15', restrictedPool: true, dmaRangesBus: 0, dmaRangesSize: 0x4000_0000 },
    ];
    for (const rule of PLATFORM_CONSTRAINTS) {
      for (const config of configs) {
        for (const key of readsOf(rule.refuse, config)) expect(rule.settings, `${rule.option}: reads ${key}`).toContain(key);
      }
    }
    // the check can fail: a rule that reads highRam without naming it
    const sneaky = (c: PlatformConfig) => (c.highRam && c.iommu !== 'none' ? 'no' : undefined);
    expect([...readsOf(sneaky, { ...DEFAULT_PLATFORM, iommu: 'lazy' })]).toContain('highRam');
  });

  test('the settings rules tie together form one group; the others vary freely', () => {
    const c = matrixConstraints(FULL);
    const names = c.groups.map((g) => g.map((i) => FULL.axes[i].key).sort().join('+'));
    expect(names).toContain('deviceAddressBits+dmaRangesBus+dmaRangesSize+iommu+kernel+restrictedPool+untrusted+vmapStack');
    expect(names).toContain('cwg+lineSize');
    expect(names).toContain('swiotlb');
  });
});

describe('the covering', () => {
  test.each([1, 2, 3, 4, 5, 99])('seed %i: every row is a platform, and every pair some platform has is covered (the RPi4 offset with every kernel from 4.19)', (seed) => {
    const rows = coveringRows(FULL, `${seed}/0`);
    expect(rows.length).toBeLessThan(45);
    const platforms = rows.map((r) => platformAt(FULL, r));
    expect(platforms.every((p) => p !== undefined)).toBe(true);
    const cov = pairCoverage(FULL, platforms as PlatformConfig[]);
    expect(cov.missing).toEqual([]);
    expect(cov.covered).toBe(cov.coverable);
    for (const kernel of ['5.4', '5.10', '5.15', '5.19', '6.1', '6.6', '6.12']) {
      expect(platforms.some((p) => p!.kernel === kernel && p!.dmaRangesBus === 0xc000_0000 && p!.dmaRangesSize === 0x4000_0000)).toBe(true);
    }
    // 4.9 is in the matrix, always with the stack in the linear map
    expect(platforms.some((p) => p!.kernel === '4.9')).toBe(true);
    expect(platforms.filter((p) => p!.kernel === '4.9').every((p) => !p!.vmapStack)).toBe(true);
  });

  test('a matrix pinned to 4.9 is covered with vmapStack = false only, and its rows are what makePlatform accepts', () => {
    const m = fileMatrix({ actors: [], platform: { kernel: '4.9' } }, { vary: ['vmapStack', 'swiotlb', 'lineSize'] });
    const rows = coveringRows(m, '1/0');
    const platforms = rows.map((r) => platformAt(m, r)!);
    expect(platforms.map((p) => p.vmapStack)).toEqual(rows.map(() => false));
    for (const p of platforms) expect(() => makePlatform(p)).not.toThrow();
    expect(pairCoverage(m, platforms).missing).toEqual([]);
  });
});
