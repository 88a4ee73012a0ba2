// A repair that is one op (a barrier inserted or changed, writel() for writel_relaxed()) is
// checked by the fix search on the parsed program with that op edited, not on its text parsed
// again (src/check/op-edit.ts). What is suggested is the text, so the two must be one program:
// for every such repair of every test we ship, the op edit equals the parse of the text edit.

import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { applyOpEdit } from '../src/check/op-edit.js';
import { candidateRepairs } from '../src/check/repairs.js';
import { applyEdits } from '../src/check/source-edit.js';
import { LitmusError } from '../src/litmus/litmus-error.js';
import { parseLitmus, type ParsedLitmus } from '../src/litmus/parse.js';
import { litmusFiles } from '../src/run/find-files.js';

const ROOT = resolve(import.meta.dirname, '..');
const FILES = litmusFiles(['scenarios', 'tests/fixtures', 'tests/corpus', 'bench/drivers'].map((d) => resolve(ROOT, d)));

function parsed(text: string): ParsedLitmus | undefined {
  try {
    return parseLitmus(text);
  } catch (e) {
    if (e instanceof LitmusError) return undefined;
    throw e;
  }
}

describe('a one-op repair edits the program its text parses to', () => {
  test(`every one-op repair of the ${FILES.length} shipped tests`, () => {
    let compared = 0;
    const kinds = new Set<string>();
    for (const file of FILES) {
      const text = readFileSync(file, 'utf8');
      const p = parsed(text);
      if (!p) continue;
      let repairs;
      try {
        repairs = candidateRepairs(text, p, p.program.platform ?? {});
      } catch (e) {
        if (e instanceof LitmusError) continue; // a text the repairs cannot read as kernel C (an LKMM test)
        throw e;
      }
      for (const r of repairs) {
        if (!r.op) continue;
        const edited = applyEdits(text, r.edits);
        if (edited === undefined) continue;
        const reparsed = parsed(edited);
        const where = `${relative(ROOT, file)}: ${r.title}`;
        expect(reparsed, `${where}: the edited text does not parse`).toBeDefined();
        expect(applyOpEdit(p.program, r.op), where).toStrictEqual(reparsed!.program);
        compared++;
        kinds.add(r.title.replace(/ \(?line.*| before.*/, ''));
      }
    }
    // Each kind of one-op repair met, many times over: inserted barriers of each family, a barrier
    // replaced, and both relaxed accessors.
    expect(compared).toBeGreaterThan(500);
    for (const k of ['insert dma_rmb()', 'insert dma_wmb()', 'insert dma_mb()', 'insert smp_mb()', 'use writel() instead of writel_relaxed()', 'use readl() instead of readl_relaxed()', 'use dma_rmb() instead of dma_wmb()']) {
      expect(kinds, k).toContain(k);
    }
  });
});

describe('no barrier is offered right after one of its own kind', () => {
  // forwarding-dma_rmb: the load of y already follows a dma_rmb(); a second one orders nothing
  // more, so it is no candidate (it would cost a refusal), while the dma_mb() there still is.
  test('forwarding-dma_rmb.litmus', () => {
    const text = readFileSync(resolve(ROOT, 'scenarios/arm-model/forwarding-dma_rmb.litmus'), 'utf8');
    const p = parseLitmus(text);
    const lines = text.split('\n');
    const after = lines.findIndex((l) => l.trim() === 'dma_rmb();') + 2; // the line below it, 1-based
    const titles = candidateRepairs(text, p, p.program.platform ?? {}).map((r) => r.title);
    expect(titles).not.toContain(`insert dma_rmb() before line ${after}`);
    expect(titles).toContain(`insert dma_mb() before line ${after}`);
  });
});
