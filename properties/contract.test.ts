// Property (c): the contract checker agrees with the value oracle where both speak. Drivers that
// follow the DMA-API discipline (the generators' well-behaved drivers, on every honest platform)
// get no error finding; drivers with one injected bug of a contract class get the finding for it.
// The second half is what shows the first can fail.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { checkContract } from '../src/check/explore-contract.js';
import { BUG_KINDS, bugScenarioArb, wellBehavedScenarioArb, type BugKind, type Scenario } from '../src/gen/bug-scenarios.js';
import { platformError } from '../src/platform/platform.js';
import { atLeast, parseKernelVersion } from '../src/platform/kernel-version.js';
import { buildCase } from '../src/selftest/targets.js';
import { printLitmus } from '../src/litmus/print.js';
import { checkCompiled } from '../src/oracle/check.js';
import { runModel } from '../src/model/machines.js';

const errorsOf = (s: Parameters<typeof buildCase>[0]) => {
  const b = buildCase(s);
  // A mapping that fails on this platform ends the driver at its dma_mapping_error() check: the
  // code after it never runs, on the model or under dma-debug.
  const bailsOut = runModel(b.compiled, { steps: [] }).bailedOut !== undefined;
  return { program: b.program, compiled: b.compiled, bailsOut, errors: checkContract(b.compiled).findings.filter((f) => f.severity === 'error') };
};

describe('well-behaved generated drivers have no error finding', () => {
  test('200 drivers, seed 7', () => {
    for (const s of fc.sample(wellBehavedScenarioArb(), { seed: 7, numRuns: 200 })) {
      const { program, errors } = errorsOf(s);
      if (errors.length) expect.fail(`error findings on a well-behaved driver:\n${errors.map((f) => `  ${f.actor} op ${f.op + 1}: ${f.message}`).join('\n')}\n\n${printLitmus(program)}`);
    }
  });
});

/** The rule each injected bug breaks; 14 (misdeclared coherence) and 15 (a pre-5.19 kernel) break none: the platform is at fault. */
const EXPECTED: Partial<Record<BugKind, RegExp>> = {
  '1': /ownership\/cpu-reads-device-owned/,
  '2': /ownership\/device-sees-unsynced-cpu-write/,
  '3': /ownership\/(cpu-writes-from-device|device-sees-unsynced-cpu-write)/,
  '4': /ownership\/shares-cache-line/,
  '5': /ownership\/device-writes-to-device-mapping/,
  '6': /(dma-debug\/sync-different-direction|contract\/sync-direction-differs)/,
  '7': /ownership\/cpu-reads-device-owned/,
  '8': /barriers\/status-payload-unordered/,
  '9': /barriers\/payload-ownership-unordered/,
  '10': /barriers\/writel-relaxed-unordered/,
  '11-rx': /ownership\/cpu-reads-device-owned/,
  '11-tx': /ownership\/device-sees-unsynced-cpu-write/,
  '12': /ownership\/device-outside-mapping/,
};

/** The same scenario without its injected bug: the clean twin. */
function cleanTwin(s: Scenario): Scenario {
  const target = s.bug!.target;
  return { ...s, bug: undefined, spec: { ...s.spec, transfers: s.spec.transfers.map((t, i) => (i === target ? { ...t, bug: undefined } : t)) } };
}

/**
 * The first kernel with both fixes for bytes the device never wrote in a DMA_FROM_DEVICE buffer:
 * arm64 no longer invalidates at map (c50f11c6196f, v5.19: before, dc ivac discards the CPU's
 * dirty lines, e.g. a memset before the map), and swiotlb copies the buffer into the slot at map
 * (ddbd89deb7d3 v5.17, 901c7280ca0d v5.18: before, unmap copies the slot's stale bytes back,
 * CVE-2022-0854).
 */
const FIXED_KERNEL = '5.19';

const verdictOf = (s: Scenario) => {
  const b = errorsOf(s);
  return b.bailsOut ? 'ok' : checkCompiled(b.compiled, { maxEvents: 1, runs: 30 }).verdict;
};

/** Scenarios judged on the platforms the fuzz matrix added (window, restricted pool, SMMU), and those the kernel's own bug decided. */
const tally = { window: 0, pool: 0, smmu: 0, platformsOwn: 0 };

describe('drivers with an injected contract bug get its finding', () => {
  for (const kind of BUG_KINDS) {
    const rule = EXPECTED[kind];
    if (!rule) continue;
    test(`bug class ${kind}: ${rule.source}`, () => {
      let found = 0;
      let platformsOwn = 0;
      for (const s of fc.sample(bugScenarioArb(kind), { seed: 3, numRuns: 20 })) {
        const { program, compiled, errors, bailsOut } = errorsOf(s);
        if (bailsOut) continue;
        if (s.platform.dmaRangesSize) tally.window++;
        if (s.platform.restrictedPool) tally.pool++;
        if (s.platform.iommu !== 'none') tally.smmu++;
        if (errors.some((f) => rule.test(f.rule))) {
          found++;
          continue;
        }
        // Without the finding the injected bug must be harmless here (e.g. the device never wrote the
        // bytes read early): the value oracle must find no counterexample either.
        const r = checkCompiled(compiled, { maxEvents: 1, runs: 30 });
        if (r.verdict !== 'bug') continue;
        const fail = (why: string) => expect.fail(`a counterexample without a ${rule.source} finding${why}; found: ${errors.map((f) => f.rule).join(', ') || 'none'}\n\n${printLitmus(program)}`);
        // Unless the platform's own kernel makes it: before 5.19 a DMA_FROM_DEVICE map loses
        // bytes the device never writes (FIXED_KERNEL above). Then the clean twin fails on this
        // platform too, and passes on the same platform with the fixed kernel — where the injected
        // bug is judged again, as everywhere: its finding, or no counterexample.
        const twin = cleanTwin(s);
        if (verdictOf(twin) !== 'bug') fail(' (the clean twin passes here: the injected bug made it)');
        if (atLeast(parseKernelVersion(s.platform.kernel), 5, 19)) fail(` (the clean twin fails too, on kernel ${s.platform.kernel}: no known kernel bug explains it)`);
        const fixed = { ...s.platform, kernel: FIXED_KERNEL };
        if (platformError(fixed)) fail(` (no ${FIXED_KERNEL} twin of this platform: ${platformError(fixed)!.message})`);
        if (verdictOf({ ...twin, platform: fixed }) !== 'ok') fail(` (the clean twin fails on ${FIXED_KERNEL} too: not the pre-5.19 kernel's own bug)`);
        const onFixed = errorsOf({ ...s, platform: fixed });
        if (!onFixed.errors.some((f) => rule.test(f.rule)) && verdictOf({ ...s, platform: fixed }) === 'bug') fail(` (nor on ${FIXED_KERNEL}, where the clean twin passes)`);
        platformsOwn++;
        tally.platformsOwn++;
      }
      expect(found).toBeGreaterThan(6);
      // the platform's own kernel bug is the exception, not the rule
      expect(platformsOwn).toBeLessThanOrEqual(3);
    });
  }

  test('the classes above ran on dma-ranges windows, restricted pools and SMMUs too, and the kernel-bug exception was rare', () => {
    expect(tally.window).toBeGreaterThan(5);
    expect(tally.pool).toBeGreaterThan(5);
    expect(tally.smmu).toBeGreaterThan(5);
    expect(tally.platformsOwn).toBeLessThan(10);
  });
});
