// docs/litmus.md teaches the format by example: every ```litmus block parses, compiles, and gets
// the verdict its `expect` line claims.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { formatInputError, loadLitmus } from '../src/cli/check-file.js';
import { checkCompiled } from '../src/oracle/check.js';

const doc = readFileSync(resolve(import.meta.dirname, '../docs/litmus.md'), 'utf8');
const blocks = [...doc.matchAll(/```litmus\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the guide has examples, each claiming a verdict', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  for (const b of blocks) expect(b).toMatch(/^expect (bug|ok)$/m);
});

for (const text of blocks) {
  const name = /^DMA (\S+)/.exec(text)?.[1] ?? 'unnamed';
  test(`docs example ${name}`, () => {
    const loaded = loadLitmus(`docs/litmus.md#${name}`, text);
    if ('kind' in loaded) throw new Error(formatInputError(loaded));
    expect(checkCompiled(loaded.compiled).verdict).toBe(loaded.parsed.expect);
  });
}
