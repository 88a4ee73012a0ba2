// Issue 8 extended the format (registers, expressions, control flow, exists/forall) under one
// promise: a file that parsed before means exactly what it meant. Every litmus file we ship
// (scenarios/, tests/corpus/, the examples of docs/litmus.md and the README) must parse to the very
// Program the straight-line parser gave, recorded in tests/fixtures/parsed-before-issue-8.json
// (written once by the old parser: WRITE_COMPAT=1 npx vitest run tests/litmus-compat.test.ts).

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { toJson } from '../src/program/json.js';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'tests/fixtures/parsed-before-issue-8.json');

function litmusFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? litmusFiles(p) : e.endsWith('.litmus') ? [p] : [];
  });
}

function corpus(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of [...litmusFiles(join(ROOT, 'scenarios')), ...litmusFiles(join(ROOT, 'tests/corpus'))].sort()) out[relative(ROOT, f)] = readFileSync(f, 'utf8');
  for (const doc of ['docs/litmus.md', 'README.md']) {
    [...readFileSync(join(ROOT, doc), 'utf8').matchAll(/```litmus\n([\s\S]*?)```/g)].forEach((m) => {
      const name = /^DMA (\S+)/.exec(m[1])?.[1];
      if (name) out[`${doc}#${name}`] = m[1];
    });
  }
  return out;
}

const parsedNow = (text: string) => JSON.parse(toJson(parseLitmus(text).program)) as unknown;

if (process.env.WRITE_COMPAT) {
  test('write the fixture', () => {
    const all = corpus();
    writeFileSync(FIXTURE, JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, t]) => [k, parsedNow(t)])), null, 1) + '\n');
  });
} else {
  const before = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
  test('the fixture covers every shipped straight-line file', () => {
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(100);
  });
  const now = corpus();
  for (const [file, program] of Object.entries(before)) {
    test(`${file} parses as before`, () => {
      const text = now[file];
      expect(text, `${file} is gone: update the fixture only if the file was removed on purpose`).toBeDefined();
      expect(parsedNow(text)).toEqual(program);
    });
  }
}
