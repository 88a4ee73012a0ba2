// Property (d): a failure replays exactly, from its seed and path and from its saved file.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { saveFailure } from '../src/run/failure-file.js';
import { failureRecord } from '../src/selftest/failure-record.js';
import { fuzz, howToReplay } from '../src/selftest/fuzz.js';
import { replay } from '../src/selftest/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay', () => {
  const cases = [
    { target: 'bug-class:4', seed: 3 },
    { target: 'bug-class:9', seed: 2 },
    { target: 'well-behaved', seed: 1, faults: ['sync-for-cpu-skips-invalidate' as const] },
  ];
  for (const c of cases) {
    test(`${c.target}${c.faults ? ' under ' + c.faults.join(',') : ''}`, () => {
      const r = fuzz(c.target, { seed: c.seed, runs: 1000, ...(c.faults ? { faults: c.faults } : {}) });
      const f = r.failure!;
      expect(f).toBeDefined();
      expect(howToReplay(f)).toContain(`seed ${c.seed}, path ${f.path}`);

      const fromSeed = replay({ target: f.target, seed: f.seed, path: f.path, ...(f.faults ? { faults: f.faults } : {}) });
      expect(fromSeed.counterexample).toEqual(f.minimal);
      expect(fromSeed.verdict.verdict).toBe('bug');

      const file = saveFailure(failureRecord(f), dir);
      const fromFile = replay(file);
      expect(fromFile.counterexample).toEqual(f.minimal);
      expect(fromFile.verdict).toEqual(fromSeed.verdict);
      expect(fromFile.text).toEqual(fromSeed.text);
    });
  }

  test('a failure saved twice is one file (named by its content)', () => {
    const f = fuzz('bug-class:2', { seed: 1, runs: 100 }).failure!;
    const a = saveFailure(failureRecord(f), dir);
    const b = saveFailure(failureRecord(f), dir);
    expect(a).toBe(b);
    expect(readdirSync(dir).filter((n) => n === basename(a))).toHaveLength(1);
  });
});
