// The fix search's memo of checked paths (src/check/path-memo.ts) must change nothing but the
// time: the verdict, the states and the witness-search nodes charged are those of running the
// check again, a path is reused only when its content is the same, and an outcome made while the
// shared budget ran dry is never reused.

import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { compilePaths, type Compiled } from '../exec/compile.js';
import { parseLitmus } from '../litmus/parse.js';
import { checkPaths } from '../oracle/check.js';
import { makePlatform } from '../platform/platform.js';
import { PathMemo } from './path-memo.js';
import { checkContract } from './explore-contract.js';

const pathsOf = (text: string): Compiled[] => {
  const p = parseLitmus(text).program;
  return compilePaths(p, makePlatform(p.platform));
};

// Two paths (the status bit set or clear); the bug is on the path that reads the length.
const BUG = readFileSync(new URL('../../scenarios/contract/if-status-no-rmb.litmus', import.meta.url), 'utf8');
// The same test with the barrier: the path that skips the length is the same program as BUG's.
const FIXED = BUG.replace('len = READ_ONCE', 'dma_rmb();\n    len = READ_ONCE');

// Bounded to no fills or evictions, to keep the test quick: the bug needs none.
const O = { maxEvents: 0 };

/** What checkPaths says and charges, run afresh: the reference the memo must match. */
function fresh(paths: readonly Compiled[], nodes: number) {
  const work = { nodes };
  const r = checkPaths(paths, { ...O, totalBudget: work, minimize: false });
  return { verdict: r.verdict, states: r.states, left: work.nodes };
}

describe('PathMemo', () => {
  test('a repeated check says and charges what running it again would, paths reused by content', () => {
    expect(fresh(pathsOf(BUG), 20_000)).toMatchObject({ verdict: 'bug' });
    expect(fresh(pathsOf(BUG), 20_000).left).toBeLessThan(20_000); // witness searches ran: nodes are charged
    for (const text of [BUG, FIXED]) {
      const memo = new PathMemo();
      for (let round = 0; round < 2; round++) {
        const work = { nodes: 20_000 };
        const r = memo.checkPaths(pathsOf(text), O, work); // compiled afresh each time: new objects, same content
        expect({ verdict: r.verdict, states: r.states, left: work.nodes }).toEqual(fresh(pathsOf(text), 20_000));
      }
    }
  });

  test('paths differ by content: the fixed test is never answered from the buggy one', () => {
    const memo = new PathMemo();
    const bug = pathsOf(BUG), fixed = pathsOf(FIXED);
    expect(bug.map((c) => memo.key(c))).not.toEqual(fixed.map((c) => memo.key(c)));
    // the branch without the length load is one program in both
    expect(bug.some((c) => fixed.some((d) => memo.key(c) === memo.key(d)))).toBe(true);
    memo.checkPaths(bug, O, { nodes: 20_000 });
    const work = { nodes: 20_000 };
    const r = memo.checkPaths(fixed, O, work);
    expect(fresh(fixed, 20_000)).toEqual({ verdict: 'ok', states: r.states, left: work.nodes });
    expect(r.verdict).toBe('ok');
  });

  test('content keys are made only for a lookup among kept paths of the same shape, and find every path of the same content', () => {
    const memo = new PathMemo();
    let keys = 0;
    const key = memo.key.bind(memo);
    memo.key = (c) => { keys++; return key(c); };
    // the test's own check and contract: kept, no key made (a test that checks ok stops here)
    const fixed = pathsOf(FIXED);
    expect(checkPaths(fixed, O, memo.recorder(O)).verdict).toBe('ok');
    const kept = fixed.map((c) => memo.contract(c, undefined));
    expect(keys).toBe(0);
    // the same objects again: found without a key
    const reused = memo.reused;
    expect(memo.checkPaths(fixed, O, { nodes: 20_000 }).verdict).toBe('ok');
    expect({ reused: memo.reused - reused, keys }).toEqual({ reused: 2, keys: 0 });
    // BUG's path that reads the length has a statement less than any kept path: no key made
    const bug = pathsOf(BUG);
    expect(memo.contract(bug[0], undefined)).toEqual(checkContract(bug[0], undefined));
    expect(keys).toBe(0);
    // its other path is the same program as FIXED's: found by content
    expect(memo.contract(bug[1], undefined)).toBe(kept[1]);
    expect(keys).toBeGreaterThan(0);
    const ran = memo.ran;
    expect(memo.checkPaths(pathsOf(FIXED), O, { nodes: 20_000 }).verdict).toBe('ok'); // compiled afresh: every path found by content
    expect(memo.ran).toBe(ran);
  });

  test('an outcome made with the budget run dry is not reused', () => {
    const memo = new PathMemo();
    const starved = fresh(pathsOf(BUG), 0);
    const dry = { nodes: 0 };
    expect(memo.checkPaths(pathsOf(BUG), O, dry).verdict).toBe(starved.verdict);
    const work = { nodes: 20_000 };
    const r = memo.checkPaths(pathsOf(BUG), O, work);
    expect({ verdict: r.verdict, states: r.states, left: work.nodes }).toEqual(fresh(pathsOf(BUG), 20_000));
  });

  test('the check\'s own outcomes, kept by its recorder, answer the fix search\'s re-check of the test', () => {
    const memo = new PathMemo();
    checkPaths(pathsOf(BUG), O, memo.recorder(O));
    const work = { nodes: 20_000 };
    const r = memo.checkPaths(pathsOf(BUG), O, work);
    expect({ verdict: r.verdict, states: r.states, left: work.nodes }).toEqual(fresh(pathsOf(BUG), 20_000));
    // a check run with its own witness budget is not the fix search's: nothing is kept
    expect(new PathMemo().recorder({ searchBudget: 5 })).toBeUndefined();
  });

  test('after the test\'s own counterexample, a candidate\'s path where it went wrong is checked first', () => {
    // the length is read in the else branch: path 1
    const elseBug = BUG.replace(/if \(!\(status & 0x80000000\)\) \{\n(.*)\n  \}/, 'if (status & 0x80000000) {\n    len = 0;\n  } else {\n$1\n  }');
    const memo = new PathMemo();
    expect(checkPaths(pathsOf(elseBug), O, memo.recorder(O)).counterexample?.execution.path).toBe(1);
    // the candidate: a barrier before everything, so every path is new to the memo
    const candidate = pathsOf(elseBug.replace('  ring = dma_alloc_coherent', '  dma_mb();\n  ring = dma_alloc_coherent'));
    const r = memo.checkPaths(candidate, O, { nodes: 20_000 });
    expect(r).toEqual({ verdict: 'bug', states: checkPaths([candidate[1]], { ...O, minimize: false }).states });
    expect(memo.ran).toBe(1); // path 0, ok, never proved
    expect(checkPaths(candidate, O).verdict).toBe('bug');
    // without the hint, in order: path 0 first
    const plain = new PathMemo();
    expect(plain.checkPaths(pathsOf(elseBug.replace('  ring = dma_alloc_coherent', '  dma_mb();\n  ring = dma_alloc_coherent')), O, { nodes: 20_000 }).verdict).toBe('bug');
    expect(plain.ran).toBe(2);
  });

  test('refutedByReplay: the test compiled again is answered from its own outcome; a candidate with a statement more is replayed', () => {
    const memo = new PathMemo();
    checkPaths(pathsOf(BUG), O, memo.recorder(O));
    const work = { nodes: 20_000 };
    expect(memo.refutedByReplay(pathsOf(BUG), O, work)).toBe(true);
    expect({ reused: memo.reused, refused: memo.known.refused }).toEqual({ reused: 1, refused: 0 }); // no replay ran
    expect(work.nodes).toBeLessThan(20_000); // charged what the check spent
    // A barrier that does not order the two loads (a store barrier): the replay, not the memo, refuses it.
    const candidate = pathsOf(BUG.replace('len = READ_ONCE', 'dma_wmb();\n    len = READ_ONCE'));
    expect(memo.refutedByReplay(candidate, O, { nodes: 20_000 })).toBe(true);
    expect({ reused: memo.reused, refused: memo.known.refused }).toEqual({ reused: 1, refused: 1 });
    expect(checkPaths(candidate, O).verdict).toBe('bug');
  });

  test('contract results are kept per path content and maxStates', () => {
    const memo = new PathMemo();
    const [c] = pathsOf(BUG);
    const first = memo.contract(c, undefined);
    expect(memo.contract(pathsOf(BUG)[0], undefined)).toBe(first);
    expect(memo.contract(pathsOf(BUG)[0], 3)).toEqual(checkContract(c, 3));
  });
});
