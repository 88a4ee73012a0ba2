// The committed failure corpus (tests/corpus/, written by `dmafuzz fuzz scenarios/platforms
// --seed 1 --max-trials 64 --corpus tests/corpus`) replayed as regression tests: each minimal
// litmus test still parses, still says `expect bug`, its saved execution is still a
// counterexample, and `dmafuzz check` alone still finds the bug where it did when saved.

import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { readReplay } from '../src/run/replay-file.js';
import { judgeExecution } from '../src/oracle/oracle.js';

const DIR = resolve(import.meta.dirname, 'corpus');
const TESTS = readdirSync(DIR).filter((f) => f.endsWith('.litmus')).sort();

describe('committed corpus', () => {
  test('is not empty', () => expect(TESTS.length).toBeGreaterThanOrEqual(4));

  test.each(TESTS)('%s still fails', (name) => {
    const file = join(DIR, name);
    const loaded = loadLitmus(file, readFileSync(file, 'utf8'));
    if ('kind' in loaded) throw new Error(`${loaded.file}:${loaded.line}:${loaded.col}: ${loaded.message}`);
    expect(loaded.parsed.expect).toBe('bug');
    const replayFile = file.replace(/\.litmus$/, '.json');
    const data = JSON.parse(readFileSync(replayFile, 'utf8'));
    expect(judgeExecution(loaded.compiled, readReplay(replayFile, loaded.parsed.program)).verdict).toBe('bug');
    if (data.reproducesWithCheck) {
      const r = checkLitmusFile(file);
      expect(r.kind === 'checked' && r.result.verdict).toBe('bug');
    }
  });
});
