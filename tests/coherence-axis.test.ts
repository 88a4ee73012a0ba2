// `dmafuzz fuzz` tries dma-coherent devices (DT `dma-coherent`: a master that snoops the CPU
// caches), as one axis of its platform matrix whose two values are the correctly declared
// platforms: non-coherent (deviceCoherent = declaredCoherent = false) and dma-coherent (both
// true). A misdeclared pair is a firmware bug, never generated. On a coherent device
// dma_direct_unmap_page() does no cache maintenance (dev_is_dma_coherent(): no
// arch_sync_dma_for_cpu(), so no dsb), so a status poll followed by a payload load with no
// barrier can read stale payload there only: the fuzzer must find it with the pin removed.

import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { axisName, fileMatrix, platformAt, type FileMatrix } from '../src/kernel/platform-matrix.js';
import { coveringRows, pairCoverage } from '../src/fuzz/pairwise.js';
import { planTrial } from '../src/fuzz/trial.js';
import { fuzzFiles } from '../src/fuzz/fuzz-files.js';
import { loadLitmus } from '../src/run/check-file.js';
import { checkCompiled } from '../src/oracle/check.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import type { PlatformConfig } from '../src/platform/platform.js';

const ROOT = resolve(import.meta.dirname, '..');
const POLL = readFileSync(join(ROOT, 'scenarios/contract/relaxed-status-poll-coherent.litmus'), 'utf8');
/** The scenario as a driver developer would file it: no platform pin, no `expect` line. */
const POLL_UNPINNED = POLL.replace(/^expect bug\n/m, '').replace(/^platform \{[^}]*\}\n/m, '');
/** The same driver with the fix: a read barrier between the status poll and the payload load. */
const POLL_FIXED = POLL_UNPINNED.replace('  } while (!(st & STATUS_DONE));\n', '  } while (!(st & STATUS_DONE));\n  dma_rmb();\n');

const driver = (platform = '') => parseLitmus(`DMA coherence-axis
${platform}
{ kmalloc buf[64]; mmio DB; }
cpu cpu0 {
  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  writel(1, DB);
}
device dev { wait_doorbell(DB, 1); r = dma_read(h, 8); }
`);

const misdeclared = (p: PlatformConfig) => p.deviceCoherent !== p.declaredCoherent;

/** Every platform a run of `files` plans in its first `trials` trials. */
const planned = (program: ReturnType<typeof driver>, seed: number, trials: number) =>
  [...Array(trials).keys()].map((k) => planTrial([program], k, seed)?.platform).filter((p): p is PlatformConfig => p !== undefined);

describe('one coherence axis, the two declared platforms', () => {
  test('the axis is deviceCoherent with declaredCoherent tied to it, values false and true; declaredCoherent is no axis of its own', () => {
    const m = fileMatrix(driver().program);
    const coherence = m.axes.filter((a) => a.key === 'deviceCoherent' || a.key === 'declaredCoherent' || a.tied?.length);
    expect(coherence).toEqual([{ key: 'deviceCoherent', values: [false, true], tied: ['declaredCoherent'] }]);
    expect(axisName(coherence[0])).toBe('deviceCoherent+declaredCoherent');
    const i = m.axes.indexOf(coherence[0]);
    const at = (v: number) => platformAt(m, m.axes.map((_, k) => (k === i ? v : 0)))!;
    expect([at(0), at(1)].map((p) => [p.deviceCoherent, p.declaredCoherent])).toEqual([[false, false], [true, true]]);
    // --vary names either setting of the axis
    for (const vary of [['deviceCoherent'], ['declaredCoherent']] as const) {
      expect(fileMatrix(driver().program, { vary }).axes).toEqual([{ key: 'deviceCoherent', values: [false, true], tied: ['declaredCoherent'] }]);
    }
  });

  test('pair coverage names the axis once and pairs both platforms with every other setting', () => {
    const m = fileMatrix(driver().program);
    const rows = coveringRows(m, '7/0');
    const cov = pairCoverage(m, rows.map((r) => platformAt(m, r)!));
    expect(cov.axes.filter((a) => /Coherent/.test(a))).toEqual(['deviceCoherent+declaredCoherent']);
    expect(cov.missing).toEqual([]);
    expect(cov.impossiblePairs.some((p) => /Coherent/.test(p))).toBe(false);
    // a platform whose two settings disagree covers no pair of the axis
    const wrong = { ...platformAt(m, rows[0])!, deviceCoherent: true, declaredCoherent: false };
    expect(pairCoverage(m, [wrong]).covered).toBe(0);
  });

  test('no trial of any seed is misdeclared, and both declared platforms are tried (property over seeds and trials)', () => {
    const program = driver();
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const platforms = planned(program, seed, 60); // the covering's rows (about 30), then random trials
      expect(platforms.filter(misdeclared)).toEqual([]);
      expect(new Set(platforms.map((p) => p.deviceCoherent))).toEqual(new Set([false, true]));
    }), { numRuns: 12, seed: 20 });
  });

  test('the property can fail: two independent axes for the two settings do generate misdeclared platforms', () => {
    const m = fileMatrix(driver().program);
    const untied: FileMatrix = {
      fixed: m.fixed,
      axes: m.axes.flatMap((a) => (a.key === 'deviceCoherent' ? [{ key: 'deviceCoherent' as const, values: [false, true] }, { key: 'declaredCoherent' as const, values: [false, true] }] : [a])),
    };
    const rows = coveringRows(untied, '7/0');
    expect(rows.map((r) => platformAt(untied, r)!).filter(misdeclared).length).toBeGreaterThan(0);
  });
});

describe("a file's own pin of either setting keeps it", () => {
  test.each([
    ['deviceCoherent = true; declaredCoherent = true;', { deviceCoherent: true, declaredCoherent: true }],
    ['deviceCoherent = true;', { deviceCoherent: true, declaredCoherent: false }], // the other at its default, as `dmafuzz check` runs it
    ['declaredCoherent = false;', { deviceCoherent: false, declaredCoherent: false }],
  ])('platform { %s }: no coherence axis, every trial as pinned', (pins, want) => {
    const program = driver(`platform { ${pins} }`);
    expect(fileMatrix(program.program).axes.some((a) => a.key === 'deviceCoherent' || a.key === 'declaredCoherent')).toBe(false);
    const platforms = planned(program, 7, 80);
    expect(platforms.length).toBeGreaterThan(40);
    for (const p of platforms) expect({ deviceCoherent: p.deviceCoherent, declaredCoherent: p.declaredCoherent }).toEqual(want);
  });

  test('--pin deviceCoherent=true fixes the axis the same way', () => {
    const m = fileMatrix(driver().program, { pin: { deviceCoherent: true } });
    expect(m.axes.some((a) => a.key === 'deviceCoherent')).toBe(false);
    expect(m.fixed.deviceCoherent).toBe(true);
  });
});

describe('fuzz finds a bug that only shows on a dma-coherent device', () => {
  const write = (name: string, text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'dmafuzz-coherence-')), name);
    writeFileSync(file, text);
    return file;
  };

  test('readl_relaxed() status poll then a payload load, no barrier: found within 24 trials (seed 7), on a coherent platform only, and check reproduces it', async () => {
    expect(POLL_UNPINNED).not.toMatch(/^(expect|platform)\b/m);
    const s = await fuzzFiles({ files: [write('poll.litmus', POLL_UNPINNED)], timeMs: 600_000, seed: 7, maxTrials: 24, maxFailures: 1, inline: true });
    expect(s.failures.length).toBeGreaterThan(0);
    for (const f of s.failures) {
      expect([f.platform.deviceCoherent, f.platform.declaredCoherent]).toEqual([true, true]);
      // the shrunk test names the platform the way `dmafuzz check` reads it
      expect(f.litmus).toMatch(/platform \{[^}]*deviceCoherent = true;[^}]*declaredCoherent = true;/);
      const loaded = loadLitmus('shrunk.litmus', f.litmus);
      if ('kind' in loaded) throw new Error(loaded.message);
      expect(judgeExecution(loaded.compiled, f.execution).verdict).toBe('bug');
      expect(f.reproducesWithCheck).toBe(true);
      expect(checkCompiled(loaded.compiled).verdict).toBe('bug');
    }
    // every platform that went wrong is coherent: the non-coherent ones are ordered by the unmap's dsb
    const cases = s.files[0].cases;
    expect(cases.some((c) => !/deviceCoherent=true/.test(c.platform) && c.invalid < c.trials)).toBe(true);
    for (const c of cases.filter((x) => x.bugs > 0)) expect(c.platform).toMatch(/deviceCoherent=true,declaredCoherent=true/);
  }, 120_000);

  test('a done word polled in coherent memory, unmap, then the bytes, no dma_rmb() (done-word-unmap-coherent unpinned): found on a coherent platform; its -rmb twin unpinned: no failure', async () => {
    const unpin = (name: string) => readFileSync(join(ROOT, 'scenarios/contract', name), 'utf8').replace(/^expect \w+\n/m, '').replace(/^platform \{[^}]*\}\n/m, '');
    const bug = await fuzzFiles({ files: [write('done-word.litmus', unpin('done-word-unmap-coherent.litmus'))], timeMs: 600_000, seed: 7, maxTrials: 24, maxFailures: 1, inline: true });
    expect(bug.failures.length).toBeGreaterThan(0);
    for (const f of bug.failures) expect([f.platform.deviceCoherent, f.platform.declaredCoherent]).toEqual([true, true]);
    const fixed = await fuzzFiles({ files: [write('done-word-rmb.litmus', unpin('done-word-unmap-coherent-rmb.litmus'))], timeMs: 600_000, seed: 7, maxTrials: 24, inline: true });
    expect(fixed.trials).toBe(24);
    expect(fixed.failures).toEqual([]);
    expect(fixed.files[0].contract ?? []).toEqual([]);
  }, 120_000);

  test('the same driver with dma_rmb() after the poll: no failure over the same trials', async () => {
    expect(POLL_FIXED).toContain('dma_rmb();');
    const s = await fuzzFiles({ files: [write('poll-fixed.litmus', POLL_FIXED)], timeMs: 600_000, seed: 7, maxTrials: 24, inline: true });
    expect(s.trials).toBe(24);
    expect(s.failures).toEqual([]);
    expect(s.files[0].contract ?? []).toEqual([]);
    // and it was tried on coherent platforms
    expect(s.files[0].cases.filter((c) => /deviceCoherent=true,declaredCoherent=true/.test(c.platform) && c.invalid < c.trials).length).toBeGreaterThan(3);
  }, 120_000);
});
