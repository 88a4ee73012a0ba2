// The folders of src/ are the layers of the house, lowest first: a file may import (for values)
// only from its own folder or a lower floor. Types may point anywhere (they are erased at run
// time: a result type declared beside its producer may be named by a lower-floor renderer).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const FLOORS: Record<string, number> = {
  platform: 1, program: 1,
  kernel: 2,
  exec: 3,
  litmus: 4, arm64: 4, ideal: 4,
  model: 5, search: 5, shrink: 5,
  gen: 6,
  oracle: 7,
  check: 8,
  report: 9,
  run: 10,
  fuzz: 11, selftest: 11,
  cli: 12, api: 12,
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** Value imports that climb: `from → to` per offending import. */
export function upwardImports(files: readonly { path: string; text: string }[]): string[] {
  const out: string[] = [];
  for (const { path, text } of files) {
    const from = relative('src', path).split('/')[0];
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
      if (m[1]) continue; // a type-only import
      const to = relative('src', normalize(join(dirname(path), m[2]))).split('/')[0];
      if (to === from || !(to in FLOORS)) continue;
      if (FLOORS[to] > FLOORS[from]) out.push(`${path} → src/${to}/ (floor ${FLOORS[to]} above ${from}'s ${FLOORS[from]})`);
    }
  }
  return out;
}

describe('layers', () => {
  const files = sources('src').map((path) => ({ path, text: readFileSync(path, 'utf8') }));

  test('every folder of src/ has a floor', () => {
    const folders = readdirSync('src').filter((n) => statSync(join('src', n)).isDirectory());
    expect(folders.filter((f) => !(f in FLOORS))).toEqual([]);
  });

  test('no file imports a value from a higher floor', () => {
    expect(upwardImports(files)).toEqual([]);
  });

  test('the check can fail: the pipeline imported by a report is named', () => {
    const report = { path: 'src/report/render.ts', text: "import { checkLitmusFile } from '../run/check-file.js';\n" };
    expect(upwardImports([report])).toEqual(['src/report/render.ts → src/run/ (floor 10 above report\'s 9)']);
    expect(upwardImports([{ ...report, text: "import type { Checked } from '../run/check-file.js';\n" }])).toEqual([]);
  });
});
