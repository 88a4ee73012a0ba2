// Every bug class's counterexample comes with a causal story that names its real mechanism:
// the step, the line and the event that put the wrong bytes where they were read.

import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { compile } from '../src/exec/compile.js';
import { checkCompiled } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import { explainCounterexample } from '../src/report/counterexample.js';

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
