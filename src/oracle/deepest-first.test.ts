// CheckOptions.deepestFirst (the default): after level 0, searching the deepest level of fills
// and evictions says what the level-by-level check says, ok or not, with the same counterexample,
// on every small ordering test; and where the deepest level cannot be covered it falls back to
// the levels one by one, never to a verdict of its own, nor to the deepest level searched a
// second time.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compilePaths, type Compiled } from '../exec/compile.js';
import { parseLitmus } from '../litmus/parse.js';
import { makePlatform } from '../platform/platform.js';
import { checkCompiled, checkPaths } from './check.js';
import { exploreExhaustively } from './exhaustive.js';

const dir = new URL('../../scenarios/arm-model/', import.meta.url);
const pathsOf = (name: string): Compiled[] => {
  const p = parseLitmus(readFileSync(new URL(name, dir), 'utf8')).program;
  return compilePaths(p, makePlatform(p.platform));
};
const ok = (r: ReturnType<typeof checkPaths>) => r.verdict === 'ok';

describe('deepestFirst', () => {
  test('the same verdict as level by level on every test of scenarios/arm-model', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.litmus'));
    expect(files.length).toBeGreaterThan(60);
    let oks = 0, withLines = 0;
    for (const f of files) {
      const paths = pathsOf(f);
      const levels = checkPaths(paths, { maxEvents: 2, deepestFirst: false });
      const deepest = checkPaths(paths, { maxEvents: 2 });
      const same = (r: ReturnType<typeof checkPaths>) => ({ f, verdict: r.verdict, exhaustive: r.exhaustive, bound: r.bound, counterexample: r.counterexample?.execution });
      expect(same(deepest)).toEqual(same(levels));
      // without shrinking (a fix search's proof) the verdict is the same too
      expect({ f, ok: ok(checkPaths(paths, { maxEvents: 2, minimize: false })) }).toEqual({ f, ok: ok(levels) });
      if (ok(levels)) {
        oks++;
        // the level between was not searched; without a line events could change (relevant-lines.ts),
        // level 0 is every level, searched once either way
        if (levels.bound.lines.length) {
          withLines++;
          expect(deepest.states).toBeLessThan(levels.states);
        } else expect(deepest.states).toBe(levels.states);
      }
    }
    expect(oks).toBeGreaterThan(10); // proofs were compared
    expect(withLines).toBeGreaterThan(1); // and some where the deepest level saves work
  });

  test('without a line a fill or eviction could change, level 0 alone covers the whole bound', () => {
    const paths = pathsOf('mp-cpu-reads-dma_rmb.litmus'); // ok, and all its memory Normal-NC
    const r = checkPaths(paths, { maxEvents: 2 });
    expect(r.bound).toEqual({ events: 2, lines: [] });
    expect(r.exhaustive).toBe(true);
    expect(r.states).toBe(exploreExhaustively(paths[0], { maxEvents: 0 }).states);
  });

  test('a deepest level too big to cover falls back to the levels one by one', () => {
    const paths = pathsOf('cpus-sb-smp_mb.litmus'); // kmalloc memory: its lines take events
    const o = { minimize: false, maxStates: 42 }; // levels 0 and 1 fit (18, 40 states), level 2 does not (45)
    const levels = checkPaths(paths, { ...o, deepestFirst: false });
    expect(levels.bound.events).toBeGreaterThanOrEqual(0);
    expect(levels.gaveUp).toBe('states');
    const deepest = checkPaths(paths, o);
    const summary = (r: ReturnType<typeof checkPaths>) => ({ verdict: r.verdict, bound: r.bound, method: r.method, randomExecutions: r.randomExecutions, executions: r.executions, states: r.states });
    // The same work too: the deepest level, cut once, is not searched again (it would be cut again).
    expect(summary(deepest)).toEqual(summary(levels));
  });
});

/** The paths of the NAPI RX scenario (several: its loop's exits). */
async function napiPaths(): Promise<Compiled[]> {
  const { loadLitmus } = await import('../run/check-file.js');
  const loaded = loadLitmus('napi.litmus', readFileSync(new URL('../../scenarios/drivers/napi-rx-page-pool.litmus', import.meta.url), 'utf8'));
  if ('kind' in loaded) throw new Error(loaded.message);
  return loaded.compiled.allPaths ?? [loaded.compiled];
}

describe('a program too big for its deepest level', () => {
  test('once one path\'s deepest level is cut, its other paths search the levels one by one: the same outcome, no cut deepest level searched again', async () => {
    const paths = await napiPaths();
    expect(paths.length).toBeGreaterThan(1);
    const o = { maxStates: 60 }; // level 0 fits on every path (at most 38 states), level 2 not on the second (82)
    const all = checkPaths(paths, o);
    expect(all.gaveUp).toBe('states');
    // each path alone: deepest level first up to the first that is cut, the levels one by one after it
    let cutAt = -1;
    const alone = paths.map((c, i) => {
      const r = checkCompiled(c, { ...o, deepestFirst: cutAt < 0 });
      if (r.gaveUp && cutAt < 0) cutAt = i;
      return r;
    });
    expect(cutAt).toBeGreaterThanOrEqual(0);
    expect(cutAt).toBeLessThan(paths.length - 1); // a path comes after the cut one
    expect(all.states).toBe(alone.reduce((n, r) => n + r.states, 0));
    expect(all.states).toBeLessThan(paths.reduce((n, c) => n + checkCompiled(c, o).states, 0));
    const levels = checkPaths(paths, { ...o, deepestFirst: false });
    expect({ verdict: all.verdict, bound: all.bound }).toEqual({ verdict: levels.verdict, bound: levels.bound });
  });

  test('once one path is cut short even without events, its other paths go straight to the random search', async () => {
    const paths = await napiPaths();
    const o = { maxStates: 10, runs: 20 }; // level 0 of the first path does not fit
    const first = checkCompiled(paths[0], o);
    expect(first.bound.events).toBe(-1);
    const all = checkPaths(paths, o);
    expect(all.states).toBe(first.states); // no other path searched exhaustively
    expect(all.randomExecutions).toBe(20 * paths.length); // every path's random search ran
    expect({ verdict: all.verdict, method: all.method, gaveUp: all.gaveUp, bound: all.bound.events }).toEqual({ verdict: 'ok', method: 'random', gaveUp: 'states', bound: -1 });
  });
});
