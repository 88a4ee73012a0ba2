// On a device that snoops the CPU caches and is declared so, no fill or eviction can change what
// anyone reads (relevant-lines.ts cacheEventsInvisible): the search there fires none. Checked
// against the full search, which fills and evicts every line the program touches at any point:
// on every .litmus scenario it finishes, its outcomes with events are exactly its outcomes without.
// And the comparison can fail: where the firmware says non-coherent (the kernel cleans and
// invalidates, maps dma_alloc_coherent() Normal-NC) or the device does not snoop, events do change
// outcomes, and it finds them.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Compiled } from '../src/exec/compile.js';
import { observationKey, type Observations } from '../src/exec/observations.js';
import { exploreExhaustively, relevantLines } from '../src/oracle/exhaustive.js';
import { footprints } from '../src/oracle/footprints.js';
import type { PlatformConfig } from '../src/platform/platform.js';
import { loadLitmus } from '../src/run/check-file.js';
import { shareDifference } from './share-difference.js';

const FULL_STATES = 1000;
const COHERENT: Partial<PlatformConfig> = { deviceCoherent: true, declaredCoherent: true };
const DIRS = ['scenarios', 'scenarios/drivers', 'scenarios/contract', 'scenarios/platforms', 'scenarios/arm-model'];

/** Every L1 line an op touches in any way (footprints.ts names them at CWG granularity). */
function touchedLines(c: Compiled): number[] {
  const out = new Set<number>();
  for (const L of footprints(c).lineBit.keys()) for (let l = L; l < L + c.platform.cwg; l += c.platform.lineSize) out.add(l);
  return [...out].sort((a, b) => a - b);
}

/** The outcomes of the full search with `events` fills/evictions of every touched line, or undefined when it does not finish. */
function outcomes(c: Compiled, events: number): Set<string> | undefined {
  const seen = new Set<string>();
  const r = exploreExhaustively(c, { maxEvents: events, reduce: false, maxStates: FULL_STATES, eventLines: events ? touchedLines(c) : [], observe: (o) => seen.add(observationKey(o)) });
  return r.complete ? seen : undefined;
}

/** The scenario paths compared on the platform (of up to 6 lines, the full searches finished), and those where events changed the outcomes. */
function compare(platform: Partial<PlatformConfig>, events: number, firstDifference = false): { compared: string[]; differ: string[] } {
  const compared: string[] = [], differ: string[] = [];
  for (const dir of DIRS) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.litmus')).sort()) {
      const file = join(dir, name);
      const loaded = loadLitmus(file, readFileSync(file, 'utf8'), platform);
      if ('kind' in loaded) continue; // refused, or a platform the file's own block rules out
      for (const [i, c] of (loaded.compiled.allPaths ?? [loaded.compiled]).entries()) {
        if (touchedLines(c).length > 6) continue;
        const without = outcomes(c, 0), within = without && outcomes(c, events);
        if (!within) continue;
        compared.push(`${file}#${i}`);
        if (within.size !== without.size || [...within].some((k) => !without.has(k))) differ.push(`${file}#${i}`);
        if (firstDifference && differ.length) return { compared, differ };
      }
    }
  }
  return { compared, differ };
}

describe('a dma-coherent device: fills and evictions change nothing', () => {
  test('every .litmus scenario path of up to 6 lines the full search finishes: the same outcomes with up to 2 events of every touched line as with none', () => {
    const { compared, differ } = compare(COHERENT, 2);
    console.log(`${compared.length} paths compared`);
    expect(differ).toEqual([]);
    expect(compared.length).toBeGreaterThan(80);
  });

  test('and there accesses of disjoint bytes commute, cacheable or not: the reduced search reaches what the full one does', () => {
    // footprints.ts splits the lines into byte atoms on such a platform (byte-atoms.ts): a ring's
    // descriptors sharing a line are independent. The full search without events stands for the
    // full search with them (the test above).
    const compared: string[] = [];
    for (const dir of DIRS) {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.litmus')).sort()) {
        const file = join(dir, name);
        const loaded = loadLitmus(file, readFileSync(file, 'utf8'), COHERENT);
        if ('kind' in loaded) continue;
        for (const [i, c] of (loaded.compiled.allPaths ?? [loaded.compiled]).entries()) {
          const f = footprints(c);
          if (f.groups.length > 1) continue; // (programs of several groups: properties/reduction.test.ts)
          const full: Observations[] = [], reduced: Observations[] = [];
          if (!exploreExhaustively(c, { maxEvents: 0, reduce: false, maxStates: FULL_STATES, observe: (o) => full.push(o) }).complete) continue;
          const r = exploreExhaustively(c, { maxEvents: 2, observe: (o) => reduced.push(o) });
          expect(r.complete, `${file}#${i}`).toBe(true);
          expect(shareDifference(c, f, full, reduced), `${file}#${i}`).toBeUndefined();
          compared.push(`${file}#${i}`);
        }
      }
    }
    expect(compared.length).toBeGreaterThan(80);
  });

  test('so the search fires none there, and names no line in its bound', () => {
    const loaded = loadLitmus('scenarios/drivers/rx-ring-two-slots.litmus', readFileSync('scenarios/drivers/rx-ring-two-slots.litmus', 'utf8'), COHERENT);
    if ('kind' in loaded) throw new Error(loaded.message);
    expect(relevantLines(loaded.compiled)).toEqual([]);
    const own = loadLitmus('scenarios/drivers/rx-ring-two-slots.litmus', readFileSync('scenarios/drivers/rx-ring-two-slots.litmus', 'utf8'));
    if ('kind' in own) throw new Error(own.message);
    expect(relevantLines(own.compiled).length).toBeGreaterThan(0);
  });

  test('the comparison can fail: declared non-coherent, or a device that does not snoop, events add outcomes', () => {
    for (const platform of [{ deviceCoherent: true, declaredCoherent: false }, { deviceCoherent: false, declaredCoherent: false }]) {
      const { differ } = compare(platform, 1, true);
      expect(differ.length, JSON.stringify(platform)).toBeGreaterThan(0);
    }
  });
});
