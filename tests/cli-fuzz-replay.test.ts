// `dmafuzz selftest` (and `fuzz` without files) and `dmafuzz replay` through main(): results, exit codes, and one-line errors.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err };
}

describe('dmafuzz selftest', () => {
  // One shard of four: every bug class on every seed is properties/bug-classes-fuzzed.test.ts.
  test('a short night on one shard: its bug classes found once each, a few well-behaved drivers, exit 0, seed printed', () => {
    const r = run(['selftest', '--minutes', '0', '--class-seeds', '1', '--well-behaved', '20', '--seed', '7', '--shard', '3/4']);
    expect(r.out).toMatch(/seed 7, shard 3\/4/);
    // the shard's classes: every fourth of BUG_KINDS
    const found = [...r.out.matchAll(/(bug-class:\S+) +found 1\/1/g)].map((m) => m[1]);
    expect(found).toEqual(['bug-class:4', 'bug-class:8', 'bug-class:11-tx', 'bug-class:15']);
    expect(r.out).toMatch(/no failures/);
    expect(r.code).toBe(0);
  });
  test.each([
    [['selftest', '--bogus'], /^dmafuzz: selftest: unknown option '--bogus'/],
    [['selftest', '--shard', '2/2'], /--shard takes i\/n/],
    [['selftest', '--minutes', 'ten'], /--minutes takes a whole number/],
    [['selftest', '--minutes', '-1'], /^dmafuzz: --minutes takes a whole number from 0 to 1,440, not '-1'$/],
    [['selftest', '--minutes=100000'], /^dmafuzz: --minutes takes a whole number from 0 to 1,440 \(one day; split longer runs with --shard\), not '100000'$/],
    [['selftest', '--seed', '4294967296'], /^dmafuzz: --seed takes a whole number from 0 to 4,294,967,295 \(seeds are 32-bit/],
    [['selftest', '--shard', '0/100000'], /--shard takes i\/n with 0 ≤ i < n ≤ 9999/],
    [['replay', '--seed', '-5', '--target', 'bug-class:4'], /^dmafuzz: --seed takes a whole number from 0/],
  ])('%j is a usage error on one line', (argv, message) => {
    const r = run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });
  test('`dmafuzz fuzz` without files still runs the self-test, and says it is now selftest', () => {
    const r = run(['fuzz', '--minutes', '0', '--class-seeds', '1', '--well-behaved', '5', '--seed', '7', '--shard', '1/16']);
    expect(r.err).toEqual(['dmafuzz fuzz without files runs the self-test; it is now called dmafuzz selftest']);
    expect(r.out).toMatch(/seed 7, shard 1\/16/);
  });
});

describe('dmafuzz replay', () => {
  test('by target and seed: prints the counterexample and exits 1 while it still fails', () => {
    const r = run(['replay', '--target', 'bug-class:4', '--seed', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^counterexample/);
  });
  test('bad failure files and unknown targets are usage errors on one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-'));
    writeFileSync(join(dir, 'bad.json'), '{bad');
    writeFileSync(join(dir, 'other.json'), '{"a":1}');
    for (const [argv, message] of [
      [['replay', join(dir, 'bad.json')], /bad\.json: not valid JSON/],
      [['replay', join(dir, 'other.json')], /other\.json: not a saved failure \(expected "format": "dmafuzz-counterexample\/1"/],
      [['replay', join(dir, 'missing.json')], /missing\.json: no such file/],
      [['replay', '--target', 'nope', '--seed', '1'], /unknown fuzz target 'nope'/],
      [['replay', '--target', 'bug-class:4', '--seed', '1', '--faults', 'nope'], /unknown model fault 'nope'/],
      [['replay'], /replay needs a failure file/],
    ] as const) {
      const r = run([...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toEqual([expect.stringMatching(message)]);
    }
    expect(readdirSync(dir).sort()).toEqual(['bad.json', 'other.json']); // nothing of the user's touched
  });
});
