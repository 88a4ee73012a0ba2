// `dmafuzz fuzz FILES` keeps its word, in process and on a fake clock: the time box is explored
// whole when nothing is found and a quarter is left for shrinking when something is; a pairwise covering
// of the platform matrix comes before any platform repeats; a file pinned to a kernel point
// release the matrix cannot vary is fuzzed on the platforms the model can represent (never a
// crash); an abort before anything is found ends the run as 'signal' with no failure; a shrink
// out of time returns the failure as found, marked as cut, with the --replay command.
// (The CLI side — exit 3 on SIGINT, output paths refused before work — is tests/cli-fuzz-run.test.ts.)

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { fuzzFiles } from '../src/fuzz/fuzz-files.js';
import { fileMatrix, platformAt, platformKey } from '../src/kernel/platform-matrix.js';
import { coveringRows, pairCoverage } from '../src/fuzz/pairwise.js';
import { shrinkFailure } from '../src/fuzz/shrink.js';
import { planTrial, runTrial, searchesExhaustively, trialCompiled, TRIAL_BOUNDS } from '../src/fuzz/trial.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { checkAllPaths } from '../src/oracle/check.js';
import { compile } from '../src/exec/compile.js';
import { makePlatform } from '../src/platform/platform.js';

const ROOT = resolve(import.meta.dirname, '..');
const RING = readFileSync(join(ROOT, 'scenarios/drivers/rx-ring-two-slots.litmus'), 'utf8');
const CWG = readFileSync(join(ROOT, 'scenarios/platforms/rx-field-cwg128.litmus'), 'utf8');
const STREAMING_RING = readFileSync(join(ROOT, 'tests/fixtures/rx-ring-streaming-two-buffers.litmus'), 'utf8');

describe("a trial's search is bounded by what the file's own platform needs", () => {
  test('a file check searches in a few thousand states gets that search in every trial; a larger one is searched at random, a bounded number of schedules', () => {
    const small = parseLitmus(CWG);
    expect(searchesExhaustively(small)).toBe(true);
    const large = parseLitmus(STREAMING_RING); // an RX ring of streaming buffers, two paths: past 600 states in all on its own platform
    expect(searchesExhaustively(large)).toBe(false);
    const plans = [0, 1, 2, 3, 4, 5].map((k) => planTrial([large], k, 1)!);
    const ownPlatform = (p: (typeof plans)[number]) => platformKey(p.platform) === 'default' && !p.placement.length; // the file names no platform
    const plan = plans.find((p) => !ownPlatform(p))!;
    const checked = new Map();
    const r = runTrial([large], plan, checked);
    expect(r.verdict).toBe('ok');
    // no exhaustive search: the trial's executions are its random schedules, shared by the paths
    const c = trialCompiled(large, plan.platform, plan.placement);
    const paths = c.allPaths?.length ?? 1;
    const bound = paths * Math.max(10, Math.ceil(TRIAL_BOUNDS.randomRuns / paths));
    expect(r.executions).toBeGreaterThan(0);
    expect(r.executions).toBeLessThanOrEqual(bound);
    expect([...checked.values()]).toEqual([undefined]);
    // its own platform keeps check's search (exhaustive to 2 fills/evictions here), then the random schedules
    // (a trial on the file's own platform: the covering's rows need not start there)
    const { version: _v, faults: _f, ...ownConfig } = makePlatform(large.program.platform);
    const search = checkAllPaths(trialCompiled(large, ownConfig, []), { searchBudget: TRIAL_BOUNDS.searchBudget, seed: 1, runs: TRIAL_BOUNDS.checkRuns, maxEvents: TRIAL_BOUNDS.maxEvents, maxStates: TRIAL_BOUNDS.maxStates });
    expect(search.exhaustive).toBe(true);
    expect(search.states).toBeGreaterThan(TRIAL_BOUNDS.searchedStates);
    const own = runTrial([large], { ...plan, platform: ownConfig, placement: [] }, new Map());
    expect(own.verdict).toBe('ok');
    expect(own.executions).toBeGreaterThan(search.executions);
    expect(own.executions).toBeLessThanOrEqual(search.executions + bound);
  }, 120_000);

  test('a file that maps a 4 KiB page is searched at random on the other platforms, however few states its own platform needs', () => {
    // napi-rx-page-pool: a few hundred states on its own platform, but bounced through swiotlb
    // each page is 128 lines of work, and exhaustive trials ran 2 a second instead of 100.
    const napi = parseLitmus(readFileSync(join(ROOT, 'scenarios/drivers/napi-rx-page-pool.litmus'), 'utf8'));
    const { version: _v, faults: _f, ...own } = makePlatform(napi.program.platform);
    const search = checkAllPaths(trialCompiled(napi, own, []), { searchBudget: TRIAL_BOUNDS.searchBudget, seed: 1, runs: TRIAL_BOUNDS.checkRuns, maxEvents: TRIAL_BOUNDS.maxEvents, maxStates: TRIAL_BOUNDS.maxStates });
    expect(search.states).toBeLessThanOrEqual(TRIAL_BOUNDS.searchedStates);
    expect(searchesExhaustively(napi)).toBe(false);
  });
});

describe('pairwise covering before any platform repeats', () => {
  const parsed = [parseLitmus(RING)];
  const m = fileMatrix(parsed[0].program);

  test.each([1, 2, 99])('seed %i: the first trials cover every pair of settings some machine has, each platform once', (seed) => {
    const rows = coveringRows(m, `${seed}/0`);
    // thousands of combinations, a few dozen rows
    expect(rows.length).toBeLessThan(60);
    const plans = rows.map((_, k) => planTrial(parsed, k, seed)!);
    const keys = plans.map((p) => platformKey(p.platform));
    expect(new Set(keys).size).toBe(keys.length);
    const cov = pairCoverage(m, plans.map((p) => p.platform));
    expect(cov.missing).toEqual([]);
    expect(cov.covered).toBe(cov.coverable);
    // 16 axes vary (coherence is one: deviceCoherent+declaredCoherent); the 17 pairs no platform
    // has (lineSize=128 with cwg=64, vmapStack on 4.9, a dma-ranges offset without a window, ...)
    // are listed in tests/pairwise.test.ts; a window's offset meets every kernel that has windows
    expect(cov.axes).toHaveLength(16);
    expect(cov.axes).toContain('deviceCoherent+declaredCoherent');
    expect(cov.impossible).toBe(17);
    expect(cov.impossiblePairs).not.toContain('kernel=5.15 × dmaRangesBus=3221225472');
    // deterministic from the seed
    expect(coveringRows(m, `${seed}/0`)).toEqual(rows);
  });

  test('the measure can fail: without one row, some pair is missing and named', () => {
    const rows = coveringRows(m, '1/0');
    // Some row is the only one with one of its pairs: without it, that pair is missing.
    const without = rows.map((_, k) => pairCoverage(m, rows.filter((__, i) => i !== k).map((r) => platformAt(m, r)!)));
    const cov = without.find((c) => c.covered < c.coverable)!;
    expect(cov).toBeDefined();
    expect(cov.missing[0]).toMatch(/^\w+=\S+ × \w+=\S+$/);
  });

  test('--vary narrows the axes the covering is over', () => {
    const narrow = fileMatrix({ actors: [] }, { vary: ['lineSize', 'cwg', 'swiotlb'] });
    const rows = coveringRows(narrow, '3/0');
    const cov = pairCoverage(narrow, rows.map((r) => platformAt(narrow, r)!));
    expect(cov).toMatchObject({ axes: ['lineSize', 'cwg', 'swiotlb'], covered: cov.coverable, missing: [] });
    // lineSize × swiotlb alone has 2 × 3 = 6 pairs, so no covering has fewer than 6 rows
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.length).toBeLessThanOrEqual(12);
  });

  test('a run reports which pairs its trials covered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-pairs-'));
    const file = join(dir, 'cwg.litmus');
    writeFileSync(file, CWG);
    const s = await fuzzFiles({ files: [file], timeMs: 600_000, seed: 4, maxTrials: 3, inline: true, vary: ['lineSize', 'cwg', 'swiotlb'] });
    const pairs = s.files[0].pairs!;
    expect(pairs.axes).toEqual(['lineSize', 'cwg', 'swiotlb']);
    expect(pairs.covered).toBeGreaterThan(0);
    expect(pairs.covered).toBeLessThan(pairs.coverable); // 3 trials cannot cover 3 × 3 swiotlb pairs and the line pairs
    expect(pairs.missing.length).toBe(pairs.coverable - pairs.covered);
  }, 120_000);
});

describe('a pin the matrix cannot vary is the file\'s platform, never a crash', () => {
  test.each(['5.13', '5.10.100'])('kernel %s: platforms that bounce through swiotlb are skipped with the reason, the others run', async (kernel) => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-pin-'));
    const file = join(dir, 'pinned.litmus');
    writeFileSync(file, CWG.replace('expect ok\n', `expect ok\nplatform { kernel = ${kernel}; }\n`));
    const s = await fuzzFiles({ files: [file], timeMs: 600_000, seed: 1, maxTrials: 8, inline: true, vary: ['swiotlb', 'vmapStack'] });
    expect(s.trials).toBe(8);
    expect(s.files[0].unrepresentable).toMatch(new RegExp(`^kernel ${kernel.replace('.', '\\.')}: .*swiotlb`));
    const ran = s.files[0].cases.filter((c) => c.invalid < c.trials);
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((c) => !/swiotlb=force/.test(c.platform))).toBe(true);
    // the kernel stays the file's: it is not an axis
    expect(s.files[0].pairs?.axes ?? []).not.toContain('kernel');
  }, 120_000);
});

describe('the time box, on a fake clock: each trial takes one second', () => {
  // The clock moves only when a trial is reported, so what is asserted is the run's arithmetic,
  // not this machine's speed. Box: 10 s, so 10 trials.
  async function boxed(text: string, name: string) {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-box-'));
    const file = join(dir, name);
    writeFileSync(file, text);
    let t = 1_000_000;
    const s = await fuzzFiles({
      files: [file], timeMs: 10_000, seed: 1, inline: true, vary: ['lineSize', 'cwg', 'swiotlb'],
      clock: () => t, onTrial: () => { t += 1000; },
    });
    return { s, elapsed: t - 1_000_000 };
  }

  test('nothing found: the whole box is explored, and no trial starts after it', async () => {
    const { s, elapsed } = await boxed(RING, 'ring.litmus');
    expect(s.failures).toEqual([]);
    expect(s.stoppedBy).toBe('time');
    expect(s.trials).toBe(10);
    expect(elapsed).toBe(10_000);
  }, 120_000);

  test('something found: exploring stops a quarter early to leave the rest for shrinking', async () => {
    const { s, elapsed } = await boxed(CWG, 'cwg.litmus');
    expect(s.failures.length).toBeGreaterThan(0);
    expect(s.failures[0].trial).toBeLessThan(7);
    expect(s.stoppedBy).toBe('time');
    // trials stop once 7.5 s are used: the 8th ends at 8 s
    expect(s.trials).toBe(8);
    expect(elapsed).toBe(8_000);
    expect(s.failures.every((f) => !f.shrinkCut)).toBe(true);
  }, 120_000);
});

describe('stops', () => {
  test('an abort before anything is found: stopped by signal, no failure, no trial waited on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-abort-'));
    const file = join(dir, 'ring.litmus');
    writeFileSync(file, RING);
    const abort = new AbortController();
    abort.abort();
    const s = await fuzzFiles({ files: [file], timeMs: 600_000, seed: 1, inline: true, signal: abort.signal });
    expect(s.stoppedBy).toBe('signal');
    expect(s.failures).toEqual([]);
    expect(s.trials).toBe(0);
  });

  test('a shrink with no time left gives the failure as found: marked cut, replayed with --replay', () => {
    const parsed = parseLitmus(CWG);
    // a trial on a platform where it fails: cwg 128 without swiotlb (the file's own comment)
    const platform = { ...makePlatform({ cwg: 128, swiotlb: 'absent' }) };
    const { version: _v, faults: _f, ...config } = platform;
    const plan = { index: 0, file: 0, platform: config, placement: [], seed: 1 };
    const r = runTrial([parsed], plan, new Map());
    expect(r.verdict).toBe('bug');
    const cut = shrinkFailure('cwg.litmus', parsed, r.failure!, {}, 0);
    expect(cut.shrinkCut).toBe(true);
    expect(cut.reproducesWithCheck).toBe(false);
    expect(cut.litmus).toMatch(/shrinking cut short/);
    const again = parseLitmus(cut.litmus).program;
    expect(judgeExecution(compile(again, makePlatform(again.platform)), cut.execution).verdict).toBe('bug');
    const whole = shrinkFailure('cwg.litmus', parsed, r.failure!, {});
    expect(whole.shrinkCut).toBeUndefined();
    expect(whole.litmus.length).toBeLessThanOrEqual(cut.litmus.length);
  }, 120_000);
});

describe("a contract error's replay command", () => {
  const text = readFileSync(join(ROOT, 'scenarios/contract/rx-sync-bidirectional.litmus'), 'utf8').replace(/^expect bug\n/m, ''); // ok by value; dma-debug WARNs

  test('is the plain check when the file on its own platform has the error too, not the trial platform in flags', () => {
    const parsed = parseLitmus(text);
    const plans = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => planTrial([parsed], k, 1)!);
    const other = plans.find((p) => platformKey(p.platform) !== 'default' && !p.placement.length)!;
    const r = runTrial([parsed], other, new Map());
    expect(r.contract?.map((f) => f.rule)).toContain('dma-debug/sync-different-direction');
    expect(r.contractOn).toBe('');
  });

  test('keeps the trial platform when the error needs it', () => {
    // Without its SMMU pin the driver is ok on its own platform: only an IOMMU merges the two
    // entries, and then the device uses an entry that is no segment.
    const beyond = readFileSync(join(ROOT, 'scenarios/drivers/sg-count-iommu-merged-beyond.litmus'), 'utf8').replace(/^expect bug\n/m, '').replace('platform { iommu = strict; }', '');
    const parsed = parseLitmus(beyond);
    // (a trusted device with 4 KiB IOVA granules: an untrusted one's segments each bounce and map
    // on their own, and a page that does not start a 64 KiB granule starts a new segment)
    const plan = Array.from({ length: 32 }, (_, k) => planTrial([parsed], k, 1)!).find((p) => p.platform.iommu !== 'none' && !p.platform.untrusted && p.platform.iovaGranule === 4096 && !p.placement.length)!;
    const r = runTrial([parsed], plan, new Map());
    expect(r.contract?.map((f) => f.rule)).toContain('ownership/device-outside-mapping');
    expect(r.contractOn).toContain(`--platform iommu=${plan.platform.iommu}`);
  });
});
