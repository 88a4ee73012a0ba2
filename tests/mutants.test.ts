// Hostile files never crash the checker: fast-check mutates the built-in scenarios
// (bench/mutate.ts: tokens and lines deleted, duplicated and swapped, huge and negative numbers,
// deep nesting, hundreds of threads, random and invalid UTF-8 bytes, truncation) and every
// mutant, run through main() as `dmafuzz check` runs it, ends with a verdict or one clean error
// line — never exit 4 (a bug in dmafuzz), never a stack trace. Small search bounds keep it to
// seconds; how long and how much memory each mutant takes is measured by `npm run mutants`, which
// runs thousands through the real process (BENCHMARKS.md), never asserted here.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { builtinLitmusTexts, mutantArbitrary, type Mutant } from '../bench/mutate.js';
import { main } from '../src/cli/main.js';

const ROOT = resolve(import.meta.dirname, '..');
const scenarios = builtinLitmusTexts(ROOT);
const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-mutants-'));

/** Check one mutant in-process; the failure message is its reproducer. */
function checkMutant(m: Mutant): void {
  const file = join(dir, 'mutant.litmus');
  writeFileSync(file, m.bytes);
  const out: string[] = [];
  const err: string[] = [];
  const code = main(['check', file, '--runs', '10', '--max-states', '300', '--max-events', '1'], { out: (t) => out.push(t), err: (t) => err.push(t) });
  rmSync(join(dir, 'dmafuzz-failures'), { recursive: true, force: true });
  const what = `${m.from}: ${m.ops.join('; ')} -> exit ${code}: ${err.join(' | ').slice(0, 300)}`;
  expect(code, what).not.toBe(4);
  expect([0, 1, 2, 3], what).toContain(code);
  if (code === 2) {
    expect(err, what).toHaveLength(1);
    expect(err[0], what).not.toMatch(/\n|internal error/);
    expect(out, what).toEqual([]);
  } else {
    expect(err, what).toEqual([]);
    expect(out.length, what).toBeGreaterThan(0);
  }
}

test('120 mutants of the built-in scenarios: a verdict or one clean line', () => {
  fc.assert(fc.property(mutantArbitrary(scenarios), (m) => checkMutant(m)), { seed: 12, numRuns: 120 });
}, 120_000);
