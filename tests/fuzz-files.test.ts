// `dmafuzz fuzz FILES` engine: the platform and placement scenarios (ok on the default platform,
// wrong elsewhere) are each found by a short fixed-seed run, shrunk to a litmus test that names
// the platform and placement, and `check` on that test reproduces the bug.

import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fuzzFiles } from '../src/fuzz/fuzz-files.js';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { checkCompiled } from '../src/oracle/check.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import type { PlatformConfig } from '../src/platform/platform.js';

const DIR = resolve(import.meta.dirname, '../scenarios/platforms');

async function fuzzOne(name: string, maxTrials = 24, vary?: (keyof PlatformConfig)[]) {
  const file = join(DIR, name);
  const before = checkLitmusFile(file);
  expect(before.kind === 'checked' && before.result.verdict).toBe('ok'); // ok where check looks by default
  const s = await fuzzFiles({ files: [file], timeMs: 60_000, seed: 7, maxTrials, maxFailures: 1, inline: true, ...(vary ? { vary } : {}) });
  expect(s.failures.length).toBeGreaterThan(0);
  for (const f of s.failures) {
    const loaded = loadLitmus('shrunk.litmus', f.litmus);
    if ('kind' in loaded) throw new Error(loaded.message);
    expect(loaded.parsed.expect).toBe('bug');
    // The saved execution replays as a bug, and check alone finds one when it says so.
    expect(judgeExecution(loaded.compiled, f.execution).verdict).toBe('bug');
    if (f.reproducesWithCheck) expect(checkCompiled(loaded.compiled).verdict).toBe('bug');
  }
  return s;
}

describe('fuzz FILES finds what only shows on another platform or placement', () => {
  test('a FROM_DEVICE field sharing a line with a counter only when CWG is 128', async () => {
    const s = await fuzzOne('rx-field-cwg128.litmus', 64);
    const f = s.failures[0];
    expect(f.platform.cwg).toBe(128);
    expect(f.litmus).toMatch(/platform \{[^}]*cwg = 128;/);
    expect(f.reproducesWithCheck).toBe(true);
  });

  test('a 5.15 kernel before 5.15.50 invalidating at map', async () => {
    // the kernel alone varied: an untrusted device behind an SMMU before 6.10 loses the trailer
    // too (the map zeroed the whole bounce slot: iommu.test.ts), another kernel's bug
    const s = await fuzzOne('rx-trailer-prefilled.litmus', 24, ['kernel']);
    for (const f of s.failures) expect(['5.4', '5.10', '5.15', '4.14', '4.9']).toContain(f.platform.kernel);
    // Shrunk: nothing but the kernel differs from the default platform.
    expect(s.failures[0].litmus).toMatch(/platform \{ kernel = [45]\.\d+; \}/);
  });

  test('a partial sync: the contract checker flags it everywhere, the data goes wrong only when bounced', () => {
    // Reading bytes never synced for the CPU breaks dma-api.rst on every platform, so the file says
    // `expect bug` and `fuzz` leaves it alone; the value oracle alone is ok until swiotlb bounces it.
    const file = join(DIR, 'rx-partial-sync-swiotlb.litmus');
    const plain = checkLitmusFile(file);
    expect(plain.kind === 'checked' && [plain.result.verdict, plain.verdict]).toEqual(['ok', 'bug']);
    expect(plain.kind === 'checked' && plain.contract?.findings.map((f) => f.rule)).toContain('ownership/cpu-reads-device-owned');
    const forced = checkLitmusFile(file, { platform: { swiotlb: 'force' } });
    expect(forced.kind === 'checked' && forced.result.verdict).toBe('bug');
  });

  test('a kmalloc-96 object at its other legal offset, next to an object someone else writes', async () => {
    // the first trials are the pairwise rows (src/fuzz/pairwise.ts); the placement comes after
    const s = await fuzzOne('rx-prefix-of-kmalloc96.litmus', 48);
    const f = s.failures[0];
    expect(f.placement).toEqual([expect.objectContaining({ buffer: 'buf', neighbours: true })]);
    expect(f.litmus).toMatch(/kmalloc buf\[96\] at 0x[0-9a-f]+;/);
    expect(f.litmus).toMatch(/kmalloc buf_prev\[96\] at/);
    expect(f.litmus).toMatch(/cpu other_buf_prev \{/);
    // The driver's ops were shrunk too: what the bug does not need is gone (the mapping check, the
    // doorbell), what it needs stays (the neighbour's store, the unmap's dc civac of the shared line).
    expect(f.litmus).not.toMatch(/dma_mapping_error|writel/);
    expect(f.litmus).toMatch(/dma_unmap_single\(dev, h, 64, DMA_FROM_DEVICE\);/);
  });
});

describe('control', () => {
  test('a driver that is right on every platform gives no failure', async () => {
    // aligned-from-device: a page-aligned RX buffer, checked mapping, unmap before the read.
    const s = await fuzzFiles({ files: [resolve(DIR, '../aligned-from-device.litmus')], timeMs: 60_000, seed: 2, maxTrials: 10, inline: true });
    expect(s.trials).toBe(10);
    expect(s.files[0].cases.length).toBeGreaterThan(5); // many platforms, not one
    expect(s.failures).toEqual([]);
  });
});

describe('shards and seeds', () => {
  const files = ['rx-trailer-prefilled.litmus', 'rx-prefix-of-kmalloc96.litmus'].map((f) => join(DIR, f));
  async function trialsOf(shard: { index: number; count: number }, seed = 5) {
    const seen: number[] = [];
    const plans: string[] = [];
    const s = await fuzzFiles({ files, timeMs: 60_000, seed, shard, maxTrials: 6, inline: true, onTrial: (k, covered) => { seen.push(k); plans.push(`${k}:${covered}`); } });
    return { seen, plans, failures: s.failures.map((f) => f.key) };
  }

  test('shards 1/2 and 2/2 run disjoint trials that together are the unsharded run', async () => {
    const a = await trialsOf({ index: 0, count: 2 });
    const b = await trialsOf({ index: 1, count: 2 });
    expect(a.seen.filter((k) => b.seen.includes(k))).toEqual([]);
    expect(a.seen).toEqual([0, 2, 4, 6, 8, 10]);
    expect(b.seen).toEqual([1, 3, 5, 7, 9, 11]);
    // Trial k is the same work whichever shard runs it.
    const whole = await fuzzFiles({ files, timeMs: 60_000, seed: 5, maxTrials: 12, inline: true });
    expect(new Set([...a.failures, ...b.failures])).toEqual(new Set(whole.failures.map((f) => f.key)));
  });

  test('--seed replays the run; another seed is other work', async () => {
    const a = await trialsOf({ index: 0, count: 1 }, 9);
    const again = await trialsOf({ index: 0, count: 1 }, 9);
    const other = await trialsOf({ index: 0, count: 1 }, 10);
    expect(again.plans).toEqual(a.plans);
    expect(again.failures).toEqual(a.failures);
    const { planTrial } = await import('../src/fuzz/trial.js');
    const { parseLitmus } = await import('../src/litmus/parse.js');
    const { readFileSync } = await import('node:fs');
    const parsed = files.map((f) => parseLitmus(readFileSync(f, 'utf8')));
    const seeds = (seed: number) => [0, 1, 2, 3, 4, 5].map((k) => planTrial(parsed, k, seed)!.seed);
    expect(seeds(9)).toEqual(seeds(9));
    expect(seeds(9).filter((x) => seeds(10).includes(x))).toEqual([]);
    expect(other.seen).toEqual(a.seen);
  });
});

describe('a worker\'s memory', () => {
  test('the compiled programs it keeps for trials to revisit are bounded by their paths, not their number (a 256-path driver is 50 MB a program)', async () => {
    const { planTrial, runTrial, keptPaths, PATHS_KEPT } = await import('../src/fuzz/trial.js');
    const { parseLitmus } = await import('../src/litmus/parse.js');
    // 32 paths: a loop of 5 laps, each branching on what the device wrote
    const text = ['DMA many-paths', '{ coherent ring[64]; kmalloc res[64]; mmio DB; }', 'cpu c {', '  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);', '  writel(1, DB);',
      '  for (i = 0; i < 5; i++) {', '    v = READ_ONCE(*(u32 *)(ring + 4 * i));', '    if (v & 1)', '      *(u32 *)(res + 4 * i) = 1;', '  }', '}',
      'device d {', '  wait_doorbell(DB, 1);', '  dma_write(ring, 4, 1);', '  dma_write(ring + 8, 4, 1);', '}', ''].join('\n');
    const parsed = [parseLitmus(text)];
    const checked = new Map();
    let most = 0, ran = 0;
    for (let k = 0; ran < 40; k++) {
      const plan = planTrial(parsed, k, 77);
      if (!plan) continue;
      runTrial(parsed, plan, checked);
      ran++;
      most = Math.max(most, keptPaths());
    }
    expect(most).toBeLessThanOrEqual(PATHS_KEPT);
    expect(most).toBeGreaterThan(PATHS_KEPT - 64); // it does keep programs: 40 trials of 32 paths fill it
  });
});
