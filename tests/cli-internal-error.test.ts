// An exception nobody expected is a bug in dmafuzz, and says so: one line, exit status 4 (not 2,
// which is the user's input), a JSON object under --json, and the other files still checked.
// The search is replaced by one that throws, as a real bug in the model would.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, vi } from 'vitest';
import { loadLitmus } from '../src/run/check-file.js';
import { main } from '../src/cli/main.js';

vi.mock('../src/oracle/check.js', async (original) => {
  const checkCompiled = (c: { program: { name: string } }) => {
    if (c.program.name === 'crash') throw new TypeError("Cannot read properties of undefined (reading 'verdict')");
    return { verdict: 'ok', executions: 1, exhaustive: true, method: 'exhaustive', bound: { events: 0, lines: [] }, states: 1, randomExecutions: 0, seed: 1, runs: 300, cut: 0, paths: 1 };
  };
  return {
    ...(await original<typeof import('../src/oracle/check.js')>()),
    checkCompiled,
    checkPaths: (paths: { program: { name: string } }[]) => checkCompiled(paths[0]),
  };
});

const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-internal-'));
const TEST = (name: string) => `DMA ${name}\n{\n  kmalloc buf[64];\n}\ncpu cpu0 {\n  *(u32 *)buf = 1;\n}\n`;
writeFileSync(join(dir, 'crash.litmus'), TEST('crash'));
writeFileSync(join(dir, 'fine.litmus'), TEST('fine'));

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

test('exit 4 and one line naming the bug; the next file is still checked', () => {
  const r = run(['check', join(dir, 'crash.litmus'), join(dir, 'fine.litmus')]);
  expect(r.code).toBe(4);
  expect(r.err).toEqual([`dmafuzz: internal error (a bug in dmafuzz; please report it): ${join(dir, 'crash.litmus')}: TypeError: Cannot read properties of undefined (reading 'verdict')`]);
  expect(r.out).toHaveLength(1);
  expect(r.out[0]).toMatch(/^ok {4}.*fine\.litmus \(fine\)/);
});

test('--json prints an object for it', () => {
  const r = run(['check', join(dir, 'crash.litmus'), '--json']);
  expect(r.code).toBe(4);
  expect(r.out.map((l) => JSON.parse(l))).toEqual([{ file: join(dir, 'crash.litmus'), verdict: 'internal-error', error: r.err[0] }]);
});

test('a bad file next to it is still exit 2 when nothing crashed', () => {
  writeFileSync(join(dir, 'bad.litmus'), 'DMA bad\n');
  expect(run(['check', join(dir, 'bad.litmus'), join(dir, 'fine.litmus')]).code).toBe(2);
});

test('a compile-time PlatformError is an input error whose kind stays "error"', () => {
  // 4a798f5 spread the source token over { kind: 'error' }: its own kind 'ident' won
  const r = loadLitmus('t.litmus', TEST('p').replace('{\n  kmalloc', 'platform { lineSize = 128; cwg = 128; }\n{\n  kmalloc'), { cwg: 64 });
  expect(r).toMatchObject({ kind: 'error', file: 't.litmus', line: 2, col: 28 });
  expect(Object.keys(r).sort()).toEqual(['col', 'file', 'kind', 'line', 'message']);
});
