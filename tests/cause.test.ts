// Every bug class's counterexample comes with a causal story that names its real mechanism:
// the step, the line and the event that put the wrong bytes where they were read.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BUG_CLASSES } from '../scenarios/bug-classes.js';
import { compile } from '../src/exec/compile.js';
import { checkCompiled } from '../src/oracle/check.js';
import { makePlatform } from '../src/platform/platform.js';
import { explainCounterexample } from '../src/report/counterexample.js';
import { buildTimeline } from '../src/report/timeline.js';
import { traceRun } from '../src/report/traced-run.js';
import { effectText, effectTexts } from '../src/report/trace-text.js';
import { checkLitmusFile, loadLitmus } from '../src/run/check-file.js';
import { readLitmusFile } from '../src/litmus/read-file.js';
import type { PlatformConfig } from '../src/platform/platform.js';

const readScenario = (file: string) => readLitmusFile(file);

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
  'c11-swiotlb-missing-sync': /it wrote the swiotlb bounce slot at 0x200000\. .*swiotlb bounce buffer is copied back only by dma_sync_single_for_cpu/,
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

// The SMMU, a dma-ranges window, a restricted DMA pool and dma-iommu's bounce slots each name
// their own mechanism: a write dropped or taken elsewhere is not "a swiotlb bounce buffer".
describe('a device write that did not reach the buffer: where it went, in kernel words', () => {
  const explain = (text: string, platform: Partial<PlatformConfig> = {}) => {
    const loaded = loadLitmus('t.litmus', text, platform);
    if ('kind' in loaded) throw new Error(loaded.message);
    const c = loaded.compiled;
    const r = checkCompiled(c);
    expect(r.verdict).toBe('bug');
    return explainCounterexample(c, r.counterexample!.execution, r.counterexample!.result);
  };
  // An rx path whose device writes where the descriptor says; `map`, `desc` and `read` vary.
  const rx = (o: { platform: string; buf?: string; map?: string; desc?: string; unmapDir?: string; tail?: string }) => `DMA t
platform { ${o.platform} }
{
  ${o.buf ?? 'kmalloc rx_buf[256] at 0x1000;'}
  coherent desc[64];
  mmio DB;
}
cpu cpu0 {
  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  h = dma_map_single(dev, rx_buf, 256, ${o.map ?? 'DMA_FROM_DEVICE'});
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  WRITE_ONCE(*(u64 *)desc, ${o.desc ?? 'h'});
  writel(1, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, 256, ${o.map ?? 'DMA_FROM_DEVICE'});
  r0 = READ_ONCE(*(u32 *)rx_buf);
}
device dev {
  wait_doorbell(DB, 1);
  a = dma_read(desc, 8);
  dma_write(a, 4, 0x11);
  raise_irq(irq);
}
`;
  test('an SMMU permission fault (a DMA_TO_DEVICE map the device writes): the SMMU terminated it, with the arm-smmu-v3 event', () => {
    const rep = explain(rx({ platform: 'iommu = strict;', map: 'DMA_TO_DEVICE' }));
    expect(rep.cause.join('\n')).toMatch(/never reached 0x1000\.\.0x1003: the SMMU terminated it: arm-smmu-v3 event 0x13 \(F_PERMISSION\): write to IOVA 0x[0-9a-f]+, mapped read-only \(DMA_TO_DEVICE\)\. So .* read the buffer's old bytes/);
    expect(rep.cause.join('\n')).not.toMatch(/swiotlb/);
    expect(rep.why).toMatch(/was dropped before it reached memory: the SMMU terminated it \(arm-smmu-v3 event 0x13 \(F_PERMISSION\)\)/);
  });
  test('outside the dma-ranges window: the bus address no memory answers', () => {
    const rep = explain(rx({ platform: 'dmaRangesBus = 0xc0000000; dmaRangesSize = 0x40000000;', desc: '0x1000' }));
    expect(rep.cause.join('\n')).toMatch(/never reached 0x1000\.\.0x1003: bus address 0x1000 is outside the device's dma-ranges window \(0xc0000000\.\.0xffffffff\): no memory answers/);
    expect(rep.cause.join('\n')).not.toMatch(/swiotlb/);
  });
  test('outside a restricted DMA pool: the memory firewall; inside it, the restricted-dma-pool bounce slot', () => {
    const pool = 'deviceCoherent = true; declaredCoherent = true; restrictedPool = true;';
    expect(explain(rx({ platform: pool, desc: '0x1000' })).cause.join('\n')).toMatch(/never reached 0x1000\.\.0x1003: 0x1000 is outside the device's restricted DMA pool: the memory firewall blocks it/);
    const noSync = explain(readScenario('scenarios/platforms/restricted-pool-bounce.litmus'));
    expect(noSync.cause.join('\n')).toMatch(/it wrote the restricted-dma-pool bounce slot at 0x200000 \(every map of this device bounces through its own pool/);
  });
  test('an untrusted device: dma-iommu\'s swiotlb bounce slot, and why it bounced', () => {
    const rep = explain(readScenario('scenarios/platforms/untrusted-bounce-no-sync.litmus'));
    expect(rep.cause.join('\n')).toMatch(/it wrote dma-iommu's swiotlb bounce slot at 0x200000 \(the device is untrusted: iommu_dma_map_page\(\) bounces what does not fill its IOVA granule\)/);
  });
  test('lazy invalidation: the stale IOTLB entry took the write to the bounce slot another mapping now holds', () => {
    // Two small (bounced, v6.5+) rx buffers; the descriptor keeps the first handle after its unmap.
    const text = `DMA t
platform { iommu = lazy; }
{
  kmalloc a_buf[96];
  kmalloc b_buf[96];
  coherent desc[64];
  mmio DB;
}
cpu cpu0 {
  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  h = dma_map_single(dev, a_buf, 96, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  WRITE_ONCE(*(u64 *)desc, h);
  writel(1, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, 96, DMA_FROM_DEVICE);
  g = dma_map_single(dev, b_buf, 96, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, g)) return -ENOMEM;
  writel(2, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, g, 96, DMA_FROM_DEVICE);
  r1 = READ_ONCE(*(u32 *)a_buf);
}
device dev {
  wait_doorbell(DB, 1);
  a = dma_read(desc, 8);
  dma_write(a, 4, 0x11);
  raise_irq(irq);
  wait_doorbell(DB, 2);
  b = dma_read(desc, 8);
  dma_write(b, 4, 0x22);
  raise_irq(irq);
}
`;
    const rep = explain(text);
    const story = rep.cause.join('\n');
    expect(story).toMatch(/did not reach 0x[0-9a-f]+\.\.0x[0-9a-f]+: IOVA 0x[0-9a-f]+, which dma_unmap_\*\(\) left in the SMMU's lazy flush queue \(iommu\.strict=0\): the stale IOTLB entry took the write to 0x200000, the bounce slot that mapping `g` now holds/);
    expect(story).not.toMatch(/never updates the CPU's cache/); // the write did not reach a_buf's memory: no stale line to blame
  });
});

// On a coherent platform the device snoops the CPU's cache: a CPU load never reads a stale line.
// A status load that reads a newer value than the ideal platform's is a load performed late —
// after a later load of its thread (no dma_rmb() between them) — not old bytes.
describe('a coherent platform: a reordered load, not a stale line', () => {
  // The device says "busy" (0x80) and interrupts, then fills the payload and says "done" (1); the
  // driver reads the status word, then the payload, with no dma_rmb() between them.
  const text = `DMA t
platform { deviceCoherent = true; declaredCoherent = true; }
{
  coherent ring[64];
  mmio DB;
}
cpu cpu0 {
  ring = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  writel(1, DB);
  wait_for_irq(irq);
  r0 = READ_ONCE(*(u32 *)(ring + 12));       // status
  r1 = READ_ONCE(*(u32 *)ring);              // payload
}
device dev {
  wait_doorbell(DB, 1);
  dma_write(ring + 12, 4, 0x80);
  raise_irq(irq);
  dma_write(ring, 4, 0x11111111);
  dma_write(ring + 12, 4, 1);
}
`;
  const run = () => {
    const loaded = loadLitmus('t.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    const c = loaded.compiled;
    const r = checkCompiled(c);
    expect(r.verdict).toBe('bug');
    return explainCounterexample(c, r.counterexample!.execution, r.counterexample!.result);
  };
  test('the status load that read the newer value is explained as performed after the payload load, not as a stale hit', () => {
    const rep = run();
    const status = rep.causes.find((k) => /ring \+ 12/.test(k.reader))!;
    expect(status.kind).toBe('reordered-read');
    expect(status.text).toMatch(/read 0x00000001, the bytes dev's `dma_write\(ring \+ 12, 4, 1\);` \(step \d+\) had just written: it was performed after cpu0's `r1 = READ_ONCE\(\*\(u32 \*\)ring\);` \(step \d+\), which comes after it in program order — nothing orders the two loads \(a dma_rmb\(\) between them would\)/);
    expect(status.text).toMatch(/The device snoops the CPU's cache \(dma-coherent\): no cache line was stale/);
    expect(rep.cause.join('\n')).not.toMatch(/non-coherent device|old bytes 0x00000001/);
    expect(rep.events[status.culprit.step].text).toMatch(/r1 = READ_ONCE/); // the payload load, performed early
    expect(status.overtook).toBeGreaterThan(status.culprit.step);
  });
  test('the same program with a dma_rmb() between the loads is ok (the explanation blamed the right thing)', () => {
    const loaded = loadLitmus('t.litmus', text.replace('// status', '// status\n  dma_rmb();'));
    if ('kind' in loaded) throw new Error(loaded.message);
    expect(checkCompiled(loaded.compiled).verdict).toBe('ok');
  });
});

// A device read behind an SMMU is told at the physical address its IOVA reached, or as the fault
// that terminated it — never at the IOVA taken for a physical address.
describe('a device read behind an SMMU', () => {
  const explain = (text: string) => {
    const loaded = loadLitmus('t.litmus', text);
    if ('kind' in loaded) throw new Error(loaded.message);
    const r = checkCompiled(loaded.compiled);
    expect(r.verdict).toBe('bug');
    return explainCounterexample(loaded.compiled, r.counterexample!.execution, r.counterexample!.result).cause.join('\n');
  };
  const tx = (cpu: string, wait: number) => `DMA t
platform { iommu = strict; }
{
  kmalloc tx_buf[64];
  mmio DB;
}
cpu cpu0 {
${cpu}
}
device dev {
  wait_doorbell(DB, ${wait});
  r0 = dma_read(tx, 4);
  raise_irq(irq);
}
`;
  test('a store after the map: the dirty line of the buffer\'s physical address, not the IOVA', () => {
    const story = explain(tx(`  tx = dma_map_single(dev, tx_buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, tx)) return -ENOMEM;
  WRITE_ONCE(*(u32 *)tx_buf, 0x5a5a5a5a);
  writel(1, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, tx, 64, DMA_TO_DEVICE);`, 1));
    expect(story).toMatch(/left its bytes in dirty line 0x1000\. The device does not snoop the CPU's cache/);
    expect(story).not.toMatch(/0xfffff000|its mapping bounced/);
  });
  test('a read after the unmap: the SMMU terminated it (F_TRANSLATION), and the device got all ones', () => {
    const story = explain(tx(`  WRITE_ONCE(*(u32 *)tx_buf, 0x5a5a5a5a);
  tx = dma_map_single(dev, tx_buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, tx)) return -ENOMEM;
  writel(1, DB);
  dma_unmap_single(dev, tx, 64, DMA_TO_DEVICE);
  writel(2, DB);`, 2));
    expect(story).toMatch(/never reached memory: the SMMU terminated it: arm-smmu-v3 event 0x10 \(F_TRANSLATION\): read of IOVA 0x[0-9a-f]+, which no mapping translates\. A terminated read returns the device all ones, so it read 0xffffffff instead of/);
  });
});

// dma-direct's ways for a device write to miss the buffer, each by its own name (never "a swiotlb
// bounce buffer" where nothing bounced).
describe('a device write that missed the buffer with dma-direct', () => {
  const story = (file: string) => {
    const o = checkLitmusFile(file, { fix: false });
    if (o.kind !== 'checked' || !o.report) throw new Error(`${file}: no report`);
    return o.report.cause.join('\n');
  };
  test('dropped address bits (beginner-dma-mask)', () => {
    expect(story('scenarios/beginner-dma-mask.litmus')).toMatch(/the device drives only 32 address bits: it dropped the high bits of 0x100001000 and wrote 0x1000, other memory/);
  });
  test('the unrelated page of a vmapped stack buffer (stack-buffer-rx-4.19)', () => {
    expect(story('scenarios/stack-buffer-rx-4.19.litmus')).toMatch(/it wrote 0x9000000, the unrelated page dma_map_\*\(\) mapped for the vmalloc buffer/);
  });
  test('DMA_MAPPING_ERROR (beginner-unchecked-mapping-error)', () => {
    const s = story('scenarios/beginner-unchecked-mapping-error.litmus');
    expect(s).toMatch(/never reached 0x[0-9a-fx.]+: the device was handed DMA_MAPPING_ERROR \(the map failed\), and a write there goes nowhere/);
    expect(s).not.toMatch(/swiotlb/);
  });
  test('a status load performed after the payload load it guards (desc-ring-no-rmb, non-coherent): a reordered read too', () => {
    expect(story('scenarios/desc-ring-no-rmb.litmus')).toMatch(/cpu0's `r0 = \*\(u32 \*\)status;` \(step \d+\) read 0x00000001, the bytes dev's `dma_write\(ring \+ 12, 4, 1\);` \(step \d+\) had just written: it was performed after cpu0's `r1 = \*\(u32 \*\)buffer_addr;`/);
  });
});

// A read at an offset, or of a length, computed from what the device wrote is told at the bytes
// this run's values named, not at the op's static offset (which names no byte it read).
describe('a read at a computed offset', () => {
  test('the FCS read past a sync of the descriptor\'s length (rx-sync-short-of-fcs): the line the sync left cached', () => {
    const o = checkLitmusFile('scenarios/drivers/rx-sync-short-of-fcs.litmus', { fix: false });
    if (o.kind !== 'checked' || !o.report) throw new Error('no report');
    expect(o.report.cause.join('\n')).toMatch(/`fcs = \*\(u32 \*\)\(rxbuf \+ len\);` \(step \d+\) hit line 0x1040 in the cache\. .* `dma_sync_single_for_cpu\(dev, h, len, DMA_FROM_DEVICE\);` \(step \d+\) did not invalidate the line: the range it syncs does not include this line/s);
  });
});

describe('a device read at an address it computed (a descriptor it followed)', () => {
  test('a store after the map: the engine followed the descriptor to the buffer, and the dirty line is named (tx-csum-after-map)', () => {
    const c = checkLitmusFile('scenarios/drivers/tx-csum-after-map.litmus');
    if (c.kind !== 'checked') throw new Error(c.message);
    const cause = c.report?.causes[0];
    expect(cause?.kind).toBe('not-cleaned');
    expect(cause?.text).toMatch(/left its bytes in dirty line 0x1000/);
  });

  test('an address truncated or outside every mapping is told by its observation, not by the bytes found there', () => {
    const c = checkLitmusFile('scenarios/drivers/fec-tx-bufaddr-u32-mask64.litmus');
    if (c.kind !== 'checked') throw new Error(c.message);
    expect(c.report?.causes ?? []).toEqual([]);
  });
});

describe('a load performed after the doorbell that lets the device write again', () => {
  test('writel() orders only earlier stores: the load was performed after it, and the why and culprit say so (rx-handback-read-race)', () => {
    const c = checkLitmusFile('scenarios/rx-handback-read-race.litmus');
    if (c.kind !== 'checked') throw new Error(c.message);
    const cause = c.report?.causes[0];
    expect(cause?.kind).toBe('reordered-read');
    expect(cause?.text).toMatch(/performed after cpu0's `writel\(2, DOORBELL\);` \(step \d+\).*writel\(\) orders only the stores before it/);
    expect(c.report?.culprit?.text ?? JSON.stringify(c.report?.culprit)).toMatch(/writel\(2, DOORBELL\)/);
  });
});

describe('a device that does not snoop never put its bytes in a cache line', () => {
  test('a dirty line dropped by the unmap after the device wrote held the CPU\'s bytes: the why is the device\'s stale read, not "the hardware snoops"', () => {
    // Round 2's plaintext (memset 0x21) is never synced for the device: the engine reads the old
    // bytes 0x91, xors them back to 0x11 (round 1's plaintext), and the unmap's dc ivac drops the
    // CPU's dirty line, so the CPU reads exactly what the engine wrote. Found by the realsize hunt.
    const text = `DMA xor-engine-unsynced
{ page buf[4096]; mmio DB; }
cpu drv {
  memset(buf, 0x11, 64);
  h = dma_map_single(dev, buf, 4096, DMA_BIDIRECTIONAL);
  if (dma_mapping_error(dev, h)) return;
  writel(1, DB);
  wait_for_irq(irq);
  dma_sync_single_for_cpu(dev, h, 4096, DMA_BIDIRECTIONAL);
  memset(buf, 0x21, 64);
  writel(2, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, h, 4096, DMA_BIDIRECTIONAL);
  c = *(u32 *)buf;
}
device eng {
  wait_doorbell(DB, 1);
  p = dma_read(h, 8);
  dma_write(h, 64, (p & 0xff) ^ 0x80);
  raise_irq(irq);
  wait_doorbell(DB, 2);
  q = dma_read(h, 8);
  dma_write(h, 64, (q & 0xff) ^ 0x80);
  raise_irq(irq);
}
`;
    const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-cause-'));
    const file = join(dir, 'xor.litmus');
    writeFileSync(file, text);
    const o = checkLitmusFile(file, { fix: false });
    if (o.kind !== 'checked' || !o.report) throw new Error('expected a counterexample');
    const why = o.report.cause.join('\n');
    expect(why).not.toMatch(/snoops, so the write dirtied/);
    expect(why).toMatch(/does not snoop the CPU's cache: at step \d+ it read memory, which still held the old bytes/);
    expect(o.report.causes[0].culprit?.role).toMatch(/left its bytes in dirty line/);
  });
});
