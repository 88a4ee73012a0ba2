// Every bug class of DESIGN.md gives `bug` on the arm64 model through its real mechanism, its
// fixed program gives `ok` on every execution tried, and nothing the kernel relies on is flagged.

import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { NEVER_FLAG } from '../scenarios/never-flag.js';
import { compile, type Compiled } from '../src/exec/compile.js';
import { explore } from '../src/oracle/explore.js';
import { judgeExecution } from '../src/oracle/oracle.js';
import { runModel } from '../src/model/machines.js';
import type { TraceEntry } from '../src/exec/trace.js';
import { effectText, hardwareEventText } from '../src/report/trace-text.js';
import { makePlatform, type PlatformConfig } from '../src/platform/platform.js';
import { exploreExhaustively } from '../src/oracle/exhaustive.js';
import type { Program } from '../src/program/types.js';

const SEED = 20261125;
const RUNS = 300;

const compiled = (p: Program, over = {}): Compiled => compile(p, makePlatform(p.platform, over));

/** The witness run as text: one line per op or event, then what the kernel and hardware did for it. */
function traceText(c: Compiled, steps: ReturnType<(typeof BUG_CLASSES)[number]['witness']>): string {
  const said = (t: TraceEntry) => t.effects.map(effectText).filter((x) => x !== undefined);
  return runModel(c, steps, true).trace!.map((t) => [t.event ? hardwareEventText(t.event, c.platform) : `${t.actor} op ${t.op! + 1}`, ...said(t)].join('\n  ')).join('\n');
}

describe.each(BUG_CLASSES.map((k) => [k.id, k] as const))('%s', (_id, k) => {
  const c = compiled(k.buggy);
  const witness = k.witness((b) => c.layout.buffers.get(b)!.addr);

  test('the witness execution is a counterexample, searched exhaustively on the ideal side', () => {
    const v = judgeExecution(c, witness);
    expect(v.verdict).toBe('bug');
    if (v.verdict === 'bug') expect(v.diff.length).toBeGreaterThan(0);
  });

  if (k.evidence) {
    test('through the real mechanism', () => {
      const text = traceText(c, witness);
      for (const re of k.evidence!) expect(text).toMatch(re);
    });
  }

  test(`the fixed program gives ok on ${RUNS} random executions`, () => {
    const r = explore(compiled(k.fixed), { runs: RUNS, seed: SEED });
    expect(r.counterexample?.execution).toBeUndefined();
    expect(r.verdict).toBe('ok');
  });
});

describe.each(NEVER_FLAG.map((n) => [n.id, n] as const))('never flagged: %s', (_id, n) => {
  test(`ok on ${RUNS} random executions`, () => {
    const r = explore(compiled(n.program), { runs: RUNS, seed: SEED });
    expect(r.counterexample?.execution).toBeUndefined();
    expect(r.verdict).toBe('ok');
  });
});

describe('the seed article', () => {
  const c4 = BUG_CLASSES.find((k) => k.cls === 4)!;
  test("its cache-line example (8 bytes at offset 4, neighbour written during a FROM_DEVICE transfer) is a bug, and the device's bytes are the victim", () => {
    const v = judgeExecution(compiled(c4.buggy), { steps: [] });
    expect(v.verdict).toBe('bug');
    if (v.verdict === 'bug') {
      expect(v.diff).toEqual([{ what: 'cpu0 op 7 (load)', model: '0x0000000000000000', ideal: '0x0011223344556677' }]);
    }
  });
  test('since v6.5 the same 8-byte FROM_DEVICE map is bounced by swiotlb (kmalloc rule), and the bug is gone', () => {
    const r = explore(compiled(c4.buggy, { kernel: '6.12' }), { runs: RUNS, seed: SEED });
    expect(r.verdict).toBe('ok');
  });
  test('claim (e): unmap; build the next packet; dma_map_single(TO_DEVICE); doorbell — is not a bug', () => {
    const n6 = NEVER_FLAG.find((n) => n.id === 'n6-unmap-modify-map')!;
    expect(explore(compiled(n6.program), { runs: RUNS, seed: SEED }).verdict).toBe('ok');
  });
});

// A fix that only holds on the default platform is no fix: every fixed program and every
// never-flag pattern stays ok, exhaustively (2 fills/evictions), on platforms a driver meets —
// except c15, whose fix is the kernel version itself (c50f11c6196f).
const VARIANTS: Partial<PlatformConfig>[] = [
  { cwg: 128 }, { lineSize: 128, cwg: 128 }, { ivacUpgrade: true }, { a53CleanUpgrade: true }, { kernel: '5.15' }, { kernel: '6.1' },
  { swiotlb: 'force' }, { highRam: true }, { deviceCoherent: true, declaredCoherent: true }, { kernel: '4.19', swiotlb: 'absent' },
];
const MUST_STAY_OK = [
  ...BUG_CLASSES.filter((k) => k.cls !== 15).map((k) => k.fixed),
  ...NEVER_FLAG.map((n) => n.program),
];
describe.each(VARIANTS.map((v) => [JSON.stringify(v), v] as const))('fixed programs stay ok on %s', (_label, variant) => {
  test.each(MUST_STAY_OK.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    const r = exploreExhaustively(compile(p, makePlatform(p.platform, variant)), { maxEvents: 2 });
    expect(r.counterexample?.result.diff).toBeUndefined();
    expect(r).toMatchObject({ verdict: 'ok', complete: true });
  });
});
