// The bounded exhaustive explorer: covers the whole bound or says it did not, finds the
// counterexamples the catalogue's witnesses show, and is deterministic.

import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { compile } from '../src/exec/compile.js';
import { checkCompiled } from '../src/oracle/check.js';
import { exploreExhaustively, relevantLines } from '../src/oracle/exhaustive.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { makePlatform } from '../src/platform/platform.js';
import type { Program } from '../src/program/types.js';

const compiled = (p: Program) => compile(p, makePlatform(p.platform));
const byId = (id: string) => BUG_CLASSES.find((k) => k.id === id)!;

describe('exploreExhaustively', () => {
  test('a fixed program is covered completely within the bound', () => {
    const r = exploreExhaustively(compiled(byId('c12-unmap-before-completion').fixed), { maxEvents: 2 });
    expect(r).toMatchObject({ complete: true, verdict: 'ok' });
    expect(r.bound.events).toBe(2);
    expect(r.executions).toBeGreaterThan(1);
  });

  test('a bug that needs a speculative fill is found with one event, not with none', () => {
    const c = compiled(byId('c12-unmap-before-completion').buggy);
    expect(exploreExhaustively(c, { maxEvents: 0 })).toMatchObject({ complete: true, verdict: 'ok' });
    const r = exploreExhaustively(c, { maxEvents: 1 });
    expect(r.verdict).toBe('bug');
    expect(r.counterexample!.execution.steps.some((s) => 'fill' in s)).toBe(true);
    expect(judgeExecution(c, r.counterexample!.execution).verdict).toBe('bug');
  });

  test('a bug that needs a CPU reordering is found', () => {
    const r = exploreExhaustively(compiled(byId('c8-missing-dma-rmb').buggy), { maxEvents: 0 });
    expect(r.verdict).toBe('bug');
    expect(r.counterexample!.execution.steps.some((s) => 'run' in s && s.skip)).toBe(true);
  });

  test('beyond maxStates it gives up and says so', () => {
    const r = exploreExhaustively(compiled(byId('c4-shared-cache-line').fixed), { maxStates: 5 });
    expect(r).toMatchObject({ complete: false, gaveUp: 'states' });
  });

  test('events are limited to lines the program touches', () => {
    const c = compiled(byId('c4-shared-cache-line').buggy);
    const priv = c.layout.buffers.get('priv')!.addr;
    expect(relevantLines(c)).toContain(priv);
    expect(relevantLines(c)).not.toContain(priv + 64); // the struct's second line: nobody touches it
  });
});

describe('checkCompiled', () => {
  test('deterministic, minimal counterexamples', () => {
    const c = compiled(byId('c1-read-without-sync').buggy);
    const a = checkCompiled(c);
    const b = checkCompiled(c);
    expect(a.verdict).toBe('bug');
    expect(a.counterexample!.execution).toEqual(b.counterexample!.execution);
    // minimal: dropping any step loses the bug
    const steps = a.counterexample!.execution.steps;
    steps.forEach((_, i) => expect(judgeExecution(c, { steps: steps.filter((__, j) => j !== i) }).verdict).not.toBe('bug'));
  });

  test('exhaustive ok reports its bound', () => {
    const r = checkCompiled(compiled(byId('c1-read-without-sync').fixed));
    expect(r).toMatchObject({ verdict: 'ok', exhaustive: true, method: 'exhaustive', randomExecutions: 0 });
    expect(r.bound.events).toBe(2);
  });
});
