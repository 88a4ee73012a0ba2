// Kernel memory-model litmus tests (tools/memory-model format) run as CPU threads on the arm64
// model: our own tests of the shapes in tools/memory-model/litmus-tests, each with herd7's
// aarch64.cat verdict (where LKMM differs, the file says so). Also: every final state is
// listed as herd7 lists them, and errors point into the file as written.

import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkLitmusFile, formatInputError, loadLitmus } from '../src/run/check-file.js';
import { renderText } from '../src/report/render.js';
import { compilePaths } from '../src/exec/compile.js';
import { finalStates } from '../src/oracle/final-states.js';
import { translateLkmm } from '../src/litmus/lkmm.js';

const dir = resolve(import.meta.dirname, 'fixtures/lkmm');

/** herd7 aarch64.cat's observation for each file's exists (or ~exists) clause. */
const ARM64: Record<string, 'Never' | 'Sometimes' | 'Always'> = {
  'MP+pooncerelease+poacquireonce': 'Never',
  'MP+poonceonces': 'Sometimes',
  'MP+fencewmbonceonce+fencermbonceonce': 'Never',
  'SB+poonceonces': 'Sometimes',
  'SB+fencembonceonces': 'Never',
  'SB+pooncerelease+poacquireonce': 'Never', // LKMM: Sometimes
  'LB+poonceonces': 'Sometimes',
  'LB+poacquireonce+pooncerelease': 'Never',
  'LB+fencembonceonce+ctrlonceonce': 'Never',
  'WRC+pooncerelease+fencermbonceonce+Once': 'Never',
  '2+2W+poonceonces': 'Sometimes',
  'CoRR+poonceonce+Once': 'Never',
  'MP+polocks': 'Never',
  'SB+poonceonces-not': 'Sometimes', // ~exists (C) as forall (~(C)): ~C holds sometimes
  'MP+atomic_set_release+atomic_read_acquire': 'Never',
  'SB+atomic_xchgs': 'Never',
};

function statesOf(text: string, faults?: ['barriers-order-nothing']) {
  const loaded = loadLitmus('t.litmus', text);
  if ('kind' in loaded) throw new Error(formatInputError(loaded));
  const c = loaded.compiled;
  const paths = faults ? compilePaths(c.source ?? c.program, { ...c.platform, faults }) : c.allPaths ?? [c];
  const f = finalStates(paths);
  if (!f) throw new Error('not a CPU-only test with a condition');
  return f;
}

describe('kernel litmus tests get herd7\'s arm64 verdict', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.litmus'));
  test('every fixture has its verdict', () => expect(files.map((f) => f.replace(/\.litmus$/, '')).sort()).toEqual(Object.keys(ARM64).sort()));
  for (const f of files) {
    const name = f.replace(/\.litmus$/, '');
    test(name, () => {
      const states = statesOf(readFileSync(join(dir, f), 'utf8'));
      expect(states.complete).toBe(true);
      const observation = states.kind === 'forall' ? { Always: 'Never', Never: 'Always', Sometimes: 'Sometimes' }[states.observation] : states.observation;
      expect(name.endsWith('-not') ? states.observation : observation).toBe(ARM64[name]);
    });
  }

  test('MP with release/acquire: exactly the three SC states', () => {
    const f = statesOf(readFileSync(join(dir, 'MP+pooncerelease+poacquireonce.litmus'), 'utf8'));
    expect(f.states.map((s) => s.state)).toEqual(['1:r0=0; 1:r1=0;', '1:r0=0; 1:r1=1;', '1:r0=1; 1:r1=1;']);
    expect(f.states.every((s) => !s.holds && s.count > 0)).toBe(true);
  });

  test('without the barriers the same shapes are Sometimes (the rules are what forbid them)', () => {
    for (const name of ['SB+fencembonceonces', 'MP+fencewmbonceonce+fencermbonceonce']) {
      expect(statesOf(readFileSync(join(dir, `${name}.litmus`), 'utf8'), ['barriers-order-nothing']).observation).toBe('Sometimes');
    }
  });
});

test('dmafuzz check prints the states and herd7\'s observation line', () => {
  const o = checkLitmusFile(join(dir, 'MP+pooncerelease+poacquireonce.litmus'));
  if (o.kind !== 'checked') throw new Error(formatInputError(o));
  const text = renderText(o);
  expect(o.verdict).toBe('ok');
  expect(text).toContain('States 3');
  expect(text).toContain('1:> 1:r0=1; 1:r1=1;');
  expect(text).toMatch(/Observation Never 0 \d+ \(exists clause/);
});

describe('the translation', () => {
  test('keeps every line where it was', () => {
    const src = readFileSync(join(dir, 'MP+pooncerelease+poacquireonce.litmus'), 'utf8');
    const t = translateLkmm(src);
    expect(t.text.split('\n').length).toBe(src.split('\n').length);
    expect(t.text).toContain('WRITE_ONCE(*(u32 *)x, 1);');
    expect(t.text).toMatch(/^DMA MP\+pooncerelease\+poacquireonce/);
  });

  const errorOf = (text: string) => {
    const r = loadLitmus('t.litmus', text);
    if (!('kind' in r)) throw new Error('expected an error');
    return formatInputError(r);
  };
  const SB = readFileSync(join(dir, 'SB+poonceonces.litmus'), 'utf8');

  test('an error in a thread points into the file as written', () => {
    const text = SB.replace('r0 = READ_ONCE(*y);', 'r0 = READ_ONEC(*y);');
    const line = text.split('\n').findIndex((l) => l.includes('READ_ONEC')) + 1;
    const col = text.split('\n')[line - 1].indexOf('READ_ONEC') + 1;
    expect(errorOf(text)).toBe(`t.litmus:${line}:${col}: unknown function 'READ_ONEC' (did you mean 'READ_ONCE'?)`);
  });

  test('a non-zero initial value, a pointer parameter and filter are refused by name', () => {
    expect(errorOf(SB.replace('{}', '{ x=1; }'))).toMatch(/^t\.litmus:5:3: 'x=1': only 0 \(herd7's default\) is modelled/);
    expect(errorOf(SB.replace('P0(int *x, int *y)', 'P0(int **x, int *y)'))).toMatch(/^t\.litmus:7:4: parameter 'int \*\*x'/);
    expect(errorOf(SB + '\nfilter (0:r0=0)\n')).toMatch(/filter' is not supported/);
    expect(errorOf(SB.replace('r0 = READ_ONCE(*y);', 'r0 = atomic_inc_return(y);'))).toMatch(/^t\.litmus:\d+:\d+: atomic_inc_return\(\) is not modelled/);
  });
});
