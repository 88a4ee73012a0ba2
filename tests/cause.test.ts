// Every bug class's counterexample comes with a causal story that names its real mechanism:
// the step, the line and the event that put the wrong bytes where they were read.

import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { compile } from '../src/exec/compile.js';
import { checkCompiled } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import { explainCounterexample } from '../src/report/counterexample.js';
import { buildTimeline } from '../src/report/timeline.js';
import { traceRun } from '../src/report/traced-run.js';
import { effectText, effectTexts } from '../src/report/trace-text.js';

const MECHANISM: Record<string, RegExp> = {
  'c1-read-without-sync': /hit line 0x1000 in the cache\. Speculative fill of line 0x1000 \(step \d+\) had cached it before dev's `dma_write/,
  'c2-write-after-map': /left its bytes in dirty line 0x1000\. The device does not snoop/,
  'c3-write-while-device-owns': /The write-back of line 0x1000 during .* put old bytes over .* dirty since cpu0's `\*\(u32 \*\)\(buf \+ 60\)/,
  'c4-shared-cache-line': /The write-back of line 0x1000 during cpu0's `dma_unmap_single.*dirty since cpu0's `\*\(u32 \*\)counter = 1;`/,
  'c5-wrong-direction': /hit line 0x1000 in the cache/,
  'c6-sync-direction': /hit line 0x1000 in the cache/,
  'c7-partial-sync': /hit line 0x1040 in the cache/,
  'c8-missing-dma-rmb': /was performed at step \d+, ahead of cpu0's `while \(READ_ONCE/,
  'c9-missing-dma-wmb': /cpu0's `WRITE_ONCE\(\*\(u32 \*\)\(ring \+ 8\), 1\);` \(step \d+\) was performed before it/,
  'c10-writel-relaxed-doorbell': /cpu0's `writel_relaxed\(1, DOORBELL\);` \(step \d+\) was performed before it/,
  'c11-swiotlb-missing-sync': /device writes memory at 0x200000\. .*swiotlb bounce buffer is copied back only by dma_sync_single_for_cpu/,
  'c11-swiotlb-write-after-map': /did not change 0x200000\.\.0x200003, the memory the device reads/,
  'c12-unmap-before-completion': /Speculative fill of line 0x1000 \(step \d+\) had cached it before dev's `dma_write/,
  'c14-snooping-device-declared-non-coherent': /the hardware snoops, so the write dirtied line 0x1000.*dc ivac, which drops a dirty line/,
  'c14-non-snooping-device-declared-coherent': /the device tree says dma-coherent/,
  'c15-pre-5.19-invalidate-at-map': /memset.*left its bytes in dirty line 0x1000\. cpu0's `h = dma_map_single.*invalidated that line with dc ivac/,
};

describe('every bug class is explained', () => {
  for (const b of BUG_CLASSES) {
    test(b.id, () => {
      const c = compile(b.buggy, makePlatform(b.buggy.platform));
      const r = checkCompiled(c);
      expect(r.verdict).toBe('bug');
      const rep = explainCounterexample(c, r.counterexample!.execution, r.counterexample!.result);
      expect(rep.cause.join('\n')).toMatch(MECHANISM[b.id]);
    });
  }
});

// The one-line why a report leads with, and the step it blames: for a sync or unmap with the
// wrong direction, that call — never the device's write, which did what it should.
describe('the one-line why and the culprit step', () => {
  for (const b of BUG_CLASSES) {
    test(b.id, () => {
      const c = compile(b.buggy, makePlatform(b.buggy.platform));
      const r = checkCompiled(c);
      const rep = explainCounterexample(c, r.counterexample!.execution, r.counterexample!.result);
      expect(rep.why).not.toContain('\n');
      expect(rep.why).toMatch(/^(cpu0|dev)'s `[^`]+` read 0x[0-9a-f]+, not 0x[0-9a-f]+: /);
      const culprit = rep.causes[0].culprit;
      expect(culprit.step).toBeGreaterThanOrEqual(0);
      expect(culprit.step).toBeLessThan(rep.events.length);
      if (b.id === 'c5-wrong-direction' || b.id === 'c6-sync-direction') {
        expect(rep.why).toMatch(/`dma_(unmap|sync)_single(_for_cpu)?\(dev, h, 64, DMA_TO_DEVICE\);` did not invalidate cache line 0x1000 \(with DMA_TO_DEVICE, arch_sync_dma_for_cpu\(\) does no cache maintenance/);
        expect(rep.events[culprit.step].text).toMatch(/DMA_TO_DEVICE/);
        expect(rep.events[culprit.step].actor).toBe('cpu0');
      }
      if (b.id === 'c8-missing-dma-rmb') {
        expect(rep.causes[0].kind).toBe('reordered-read');
        expect(rep.causes[0].overtook).toBeGreaterThan(culprit.step); // performed early: overtook a later step
      }
    });
  }
});

// One traced replay per report: the report, its causes and the timeline read the same recorded
// run (src/report/traced-run.ts), whose trace is data (src/exec/trace.ts), worded only by
// src/report/trace-text.ts.
describe('one traced replay, recorded as data', () => {
  const bugOf = (id: string) => {
    const b = BUG_CLASSES.find((x) => x.id === id)!;
    const c = compile(b.buggy, makePlatform(b.buggy.platform));
    const r = checkCompiled(c);
    return { c, e: r.counterexample!.execution, v: r.counterexample!.result };
  };

  test('the report and the timeline from one shared replay equal those from their own replays', () => {
    for (const id of ['c1-read-without-sync', 'c3-write-while-device-owns', 'c11-swiotlb-missing-sync', 'c15-pre-5.19-invalidate-at-map']) {
      const { c, e, v } = bugOf(id);
      const run = traceRun(c, e);
      const shared = explainCounterexample(c, e, v, run);
      expect(shared, id).toEqual(explainCounterexample(c, e, v));
      expect(buildTimeline(c, e, v, shared.causes, run), id).toEqual(buildTimeline(c, e, v, shared.causes));
      expect(run.after).toHaveLength(run.trace.length); // a world after every step
    }
  });

  test('the trace holds events, not words: swiotlb copies, mappings, device accesses, discarded lines', () => {
    const swiotlb = bugOf('c11-swiotlb-missing-sync');
    const effects = traceRun(swiotlb.c, swiotlb.e).trace.flatMap((t) => t.effects);
    expect(effects).toContainEqual(expect.objectContaining({ kind: 'mapping', call: 'single', error: false, segments: [expect.objectContaining({ bounced: true })] }));
    expect(effects).toContainEqual({ kind: 'device-access', write: true, addr: 0x200000 });
    expect(effects.map(effectText)).toContain('device writes memory at 0x200000');
    const pre519 = bugOf('c15-pre-5.19-invalidate-at-map');
    const discarded = traceRun(pre519.c, pre519.e).trace.flatMap((t) => t.effects).filter((x) => x.kind === 'cache' && x.event.kind === 'discard-dirty');
    expect(discarded.map(effectText)).toEqual(['dirty line 0x1000 discarded']);
  });

  test('four or more dc on consecutive lines are worded as one range; fewer, one by one', () => {
    const dc = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'dc' as const, op: 'civac' as const, addr: 0x1000 + 64 * i }));
    expect(effectTexts(dc(4), 64)).toEqual(['dc civac on 4 lines, 0x1000 .. 0x10c0']);
    expect(effectTexts(dc(3), 64)).toEqual(['dc civac, 0x1000', 'dc civac, 0x1040', 'dc civac, 0x1080']);
    // an unsaid event between two dc does not break the run
    const quiet = { kind: 'cache' as const, event: { kind: 'invalidate' as const, line: 0x1000, level: 1 as const }, twoLevel: false };
    expect(effectTexts([...dc(2), quiet, ...dc(4).slice(2)], 64)).toEqual(['dc civac on 4 lines, 0x1000 .. 0x10c0']);
    expect(effectText({ kind: 'forwarded', op: 2 })).toBe('read from its own pending store (op 3) in the store buffer');
  });
});
