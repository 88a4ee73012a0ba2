// Counterexample-guided refusal (src/check/known-counterexamples.ts): a replayed execution refuses
// a candidate repair only where the candidate's own exhaustive search would not say ok either,
// and the replay follows the ops, not their places, so an inserted barrier does not lose it.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compilePaths, type Compiled } from '../exec/compile.js';
import { parseLitmus } from '../litmus/parse.js';
import { checkPaths } from '../oracle/check.js';
import { judgeExecution } from '../oracle/oracle.js';
import { makePlatform } from '../platform/platform.js';
import { KnownCounterexamples, matchOps } from './known-counterexamples.js';
import { candidateRepairs } from './repairs.js';
import { applyEdits } from './source-edit.js';

const pathsOf = (text: string): Compiled[] => {
  const p = parseLitmus(text).program;
  return compilePaths(p, makePlatform(p.platform));
};
const scenario = (name: string) => readFileSync(new URL(`../../scenarios/arm-model/${name}.litmus`, import.meta.url), 'utf8');

/** The test's own counterexample, kept as the fix search keeps it (with its verdict, unless `judged` is false). */
function knownOf(text: string, judged = true): { known: KnownCounterexamples; execution: NonNullable<ReturnType<typeof checkPaths>['counterexample']>['execution'] } {
  const paths = pathsOf(text);
  const r = checkPaths(paths);
  expect(r.verdict).toBe('bug');
  const known = new KnownCounterexamples();
  const e = r.counterexample!.execution;
  known.add(paths[e.path ?? 0], e, 2, judged ? r.counterexample!.result : undefined);
  return { known, execution: e };
}

describe('KnownCounterexamples', () => {
  // A store then a load, dmb oshst between (writel): the load may pass the store.
  const SB = scenario('sb-writel');

  test('an inserted barrier that does not order the load is refused by the replay; one that does is not', () => {
    const { known, execution } = knownOf(SB);
    const wmb = pathsOf(SB.replace('  r0 = READ_ONCE', '  dma_wmb();\n  r0 = READ_ONCE'));
    const mb = pathsOf(SB.replace('  r0 = READ_ONCE', '  dma_mb();\n  r0 = READ_ONCE'));
    // The same steps by place do not find the bug again: `skip 2` now names the barrier.
    expect(judgeExecution(wmb[0], execution).verdict).toBe('ok');
    expect(known.refutes(wmb, {})).toBe(true);
    expect(checkPaths(wmb).verdict).toBe('bug');
    expect(known.refutes(mb, {})).toBe(false);
    expect(checkPaths(mb).verdict).toBe('ok');
  });

  test('a schedule is kept once: the same steps of the same ops, compiled again, are not added twice', () => {
    const { known, execution } = knownOf(SB);
    known.add(pathsOf(SB)[execution.path ?? 0], execution, 2); // a new Compiled of the same text
    expect(known.kept).toBe(1);
    // the same steps on a program with other ops (a barrier more, after every op the steps perform) are another schedule
    const other = pathsOf(SB.replace('  r0 = READ_ONCE(*(u32 *)y);\n', '  r0 = READ_ONCE(*(u32 *)y);\n  dma_mb();\n'));
    expect(other[0].actors.some((a, i) => a.actor.ops.length !== pathsOf(SB)[0].actors[i].actor.ops.length)).toBe(true);
    known.add(other[execution.path ?? 0], execution, 2);
    expect(known.kept).toBe(2);
  });

  test('an execution beyond the bound of fills and evictions is not kept', () => {
    const paths = pathsOf(SB);
    const e = checkPaths(paths).counterexample!.execution;
    const known = new KnownCounterexamples();
    known.add(paths[0], { steps: [{ fill: 0 }, ...e.steps] }, 0);
    expect(known.refutes(paths, {})).toBe(false);
    known.add(paths[0], e, 0);
    expect(known.refutes(paths, {})).toBe(true);
  });

  // The property the fix search relies on: refused means the exhaustive search would not say ok
  // (every candidate is searched here, refused or not, so the two can be compared).
  // It fails against a replay that judged the wrong program (e.g. the original's paths).
  test.each(['sb-writel', 'forwarding-dma_rmb', 'forwarding-data-dma_rmb', 'sb-dma_rmb'])('%s: every candidate repair refused by a replay is not ok by the exhaustive search', (name) => {
    const text = scenario(name);
    const { known } = knownOf(text);
    const parsed = parseLitmus(text);
    let refused = 0;
    for (const r of candidateRepairs(text, parsed, makePlatform(parsed.program.platform))) {
      const patched = applyEdits(text, r.edits);
      let paths: Compiled[];
      try {
        paths = pathsOf(patched ?? '');
      } catch {
        continue; // the edit does not parse or compile here: the fix search skips it too
      }
      const refutes = known.refutes(paths, {});
      const full = checkPaths(paths, { minimize: false });
      if (refutes) {
        refused++;
        expect(full.verdict, r.title).not.toBe('ok');
      }
      // As the fix search does: what refutes a candidate is replayed on the next ones.
      const e = full.counterexample?.execution;
      if (e) known.add(paths[e.path ?? 0], e, 2);
    }
    expect(refused).toBeGreaterThan(0);
  });

  // A replay on a candidate that differs from the test only by CPU barriers, observing what the
  // counterexample observed, takes the counterexample's own witness-search answer (a barrier does
  // nothing on the ideal platform): the same verdict and the same nodes charged as searching.
  test.each(['sb-writel', 'forwarding-dma_rmb', 'sb-dma_rmb', 'forwarding-addr-load-dma_rmb', 'forwarding-data-dma_rmb', 'sb-none', 'computed-load-then-load'])('%s: a replay answered from the counterexample\'s own search says and charges what the search would', (name) => {
    const text = scenario(name);
    const parsed = parseLitmus(text);
    const answeredBy = knownOf(text).known, searched = knownOf(text, false).known;
    for (const r of candidateRepairs(text, parsed, makePlatform(parsed.program.platform))) {
      let paths: Compiled[];
      try {
        paths = pathsOf(applyEdits(text, r.edits) ?? '');
      } catch {
        continue;
      }
      const a = { nodes: 50_000 }, b = { nodes: 50_000 };
      expect(answeredBy.refutes(paths, { totalBudget: a }), r.title).toBe(searched.refutes(paths, { totalBudget: b }));
      expect(a.nodes, r.title).toBe(b.nodes);
    }
    expect(answeredBy.answered).toBeGreaterThan(0);
    expect(searched.answered).toBe(0);
  });

  test('only a candidate the same as the test but for CPU barriers takes the answer', () => {
    const { known } = knownOf(SB);
    // dma_wmb() does not order the load after writel(): refused, without a witness search
    expect(known.refutes(pathsOf(SB.replace('  r0 = READ_ONCE', '  dma_wmb();\n  r0 = READ_ONCE')), {})).toBe(true);
    expect(known.answered).toBe(1);
    // another value stored: the replay observes the same reads and goes wrong, but the program is
    // not the test's but for barriers, so its own search runs
    const other = pathsOf(SB.replace('WRITE_ONCE(*(u32 *)x, 1)', 'WRITE_ONCE(*(u32 *)x, 2)'));
    expect(known.refutes(other, {})).toBe(true);
    expect(known.answered).toBe(1);
    // too few nodes left for the search the answer stands for: searched (and cut: inconclusive, no refusal)
    expect(known.refutes(pathsOf(SB.replace('  r0 = READ_ONCE', '  dma_wmb();\n  r0 = READ_ONCE')), { totalBudget: { nodes: 1 } })).toBe(false);
    expect(known.answered).toBe(1);
  });

  // matchOps fills its table only after the common prefix (the walk pairs that one for one): the
  // pairing must be the one the whole table gives. The reference is the plain algorithm.
  test('matchOps pairs ops as the longest common subsequence over the whole table does', () => {
    const reference = (from: readonly string[], to: readonly string[]) => {
      const n = from.length, k = to.length;
      const lcs = Array.from({ length: n + 1 }, () => new Array<number>(k + 1).fill(0));
      for (let i = n - 1; i >= 0; i--) for (let j = k - 1; j >= 0; j--) lcs[i][j] = from[i] === to[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      const map: (number | undefined)[] = new Array(n).fill(undefined);
      const pairs: [number, number][] = [];
      for (let i = 0, j = 0; i < n && j < k; ) {
        if (from[i] === to[j]) { pairs.push([i, j]); i++; j++; } else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++; else j++;
      }
      pairs.push([n, k]);
      let pi = 0, pj = 0;
      for (const [i, j] of pairs) {
        if (i - pi === j - pj) for (let d = 0; d < i - pi; d++) map[pi + d] = pj + d;
        if (i < n) map[i] = j;
        pi = i + 1;
        pj = j + 1;
      }
      const used = new Set(map.filter((j): j is number => j !== undefined));
      return { to: map, added: new Set([...to.keys()].filter((j) => !used.has(j))) };
    };
    const ops = fc.array(fc.constantFrom<string>('load', 'store', 'dma_rmb', 'dma_wmb'), { maxLength: 8 });
    // a repaired actor: the same ops with a few inserted, removed or changed
    const edited = ops.chain((from) => fc.tuple(fc.constant(from), fc.array(fc.tuple(fc.nat(8), fc.constantFrom('load', 'dma_mb', ''), fc.boolean()), { maxLength: 3 }).map((edits) => {
      const to: string[] = [...from];
      for (const [at, op, insert] of edits) {
        if (insert && op) to.splice(Math.min(at, to.length), 0, op);
        else if (to.length) { if (op) to[at % to.length] = op; else to.splice(at % to.length, 1); }
      }
      return to;
    })));
    fc.assert(fc.property(fc.oneof(edited, fc.tuple(ops, ops)), ([from, to]) => {
      expect(matchOps(from, to)).toEqual(reference(from, to));
    }), { seed: 20, numRuns: 2000 });
  });
});
