// readLitmusFile (src/litmus/read-file.ts) reads a regular file whole in one read() when fstat()'s
// size is right, and on to the end of the file when it is not (/proc says 0, sysfs 4096): the text
// must be the file's whole text either way, and every refusal stays.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { MAX_LITMUS_BYTES, readLitmusFile } from '../src/litmus/read-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('readLitmusFile', () => {
  test.each([
    ['empty', ''],
    ['small', 'DMA t\n{ coherent x[4]; }\ncpu cpu0 { r0 = READ_ONCE(*(u32 *)x); }\n'],
    ['past one 64 KiB chunk', '// a comment line of the test\n'.repeat(5000)],
    ['exactly the largest', 'a'.repeat(MAX_LITMUS_BYTES)],
  ])('%s: the whole text', (name, text) => {
    expect(readLitmusFile(file(`${name}.litmus`, text))).toBe(text);
  });

  test('one byte past the largest is refused', () => {
    const p = file('huge.litmus', 'a'.repeat(MAX_LITMUS_BYTES + 1));
    expect(() => readLitmusFile(p)).toThrow(LitmusError);
    expect(() => readLitmusFile(p)).toThrow(/at most 1048576 bytes/);
  });

  // Files whose size fstat() does not give: read to their end, as before.
  test.each(['/proc/version', '/sys/kernel/mm/transparent_hugepage/enabled'].filter((p) => existsSync(p)))('%s (a size that lies): the whole text', (p) => {
    expect(readLitmusFile(p)).toBe(readFileSync(p, 'utf8'));
  });
});
