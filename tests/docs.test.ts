// docs/litmus.md teaches the format by example: every ```litmus block there and in the README
// parses, compiles, and gets the verdict its `expect` line claims.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/run/check-file.js';
import { checkPaths } from '../src/oracle/check.js';
import { finalStates } from '../src/oracle/final-states.js';

const examples = (file: string) => [...readFileSync(resolve(import.meta.dirname, '..', file), 'utf8').matchAll(/```litmus\n([\s\S]*?)```/g)].map((m) => m[1]);
const blocks = examples('docs/litmus.md');
const readme = examples('README.md');

test('the guide has examples, each claiming a verdict', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  for (const b of blocks) expect(b).toMatch(/^expect (bug|ok)$/m);
});

test('the README shows an example', () => expect(readme.length).toBeGreaterThanOrEqual(1));

for (const text of [...blocks, ...readme]) {
  const name = /^DMA (\S+)/.exec(text)?.[1] ?? 'unnamed';
  test(`docs example ${name}`, () => {
    const loaded = loadLitmus(`docs/litmus.md#${name}`, text);
    if ('kind' in loaded) throw new Error(formatInputError(loaded));
    expect(checkPaths(loaded.compiled.allPaths ?? [loaded.compiled]).verdict).toBe(loaded.parsed.expect);
  });
}

// Kernel memory-model examples (```lkmm): the `arm64:` comment is the observation the model gives.
for (const text of [...readFileSync(resolve(import.meta.dirname, '..', 'docs/litmus.md'), 'utf8').matchAll(/```lkmm\n([\s\S]*?)```/g)].map((m) => m[1])) {
  const name = /^C (\S+)/.exec(text)?.[1] ?? 'unnamed';
  test(`docs kernel litmus example ${name}`, () => {
    const want = /arm64: (Always|Sometimes|Never)/.exec(text)?.[1];
    expect(want).toBeDefined();
    const loaded = loadLitmus(`docs/litmus.md#${name}`, text);
    if ('kind' in loaded) throw new Error(formatInputError(loaded));
    expect(finalStates(loaded.compiled.allPaths ?? [loaded.compiled])?.observation).toBe(want);
  });
}
