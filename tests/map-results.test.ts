// The DMA API's answers a driver goes on with (issue 21): dma_map_sg()'s count, an if/else on
// dma_mapping_error(), dma_free_coherent() with another size, and `unbind;` (the test is the
// whole life of its mappings). Failed maps are the platform's answer: the ideal platform gives
// the same one (src/model/machines.ts failingMaps), so only what the driver does with it is judged.

import { describe, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLitmusFile } from '../src/run/check-file.js';
import { parseLitmus } from '../src/litmus/parse.js';
import { printLitmus } from '../src/litmus/print.js';

const dir = mkdtempSync(join(tmpdir(), 'dmafuzz-map-results-'));
let files = 0;
/** `dmafuzz check` on the text: the file's verdict (counterexample or contract error) and its findings. */
function check(text: string): { verdict: string; contract: { severity: string; rule: string }[] } {
  const file = join(dir, `t${files++}.litmus`);
  writeFileSync(file, text);
  const r = checkLitmusFile(file, { fix: false });
  if (r.kind !== 'checked') throw new Error(r.message);
  return { verdict: r.verdict, contract: r.contract?.findings ?? [] };
}

const sg = (platform: string, exists: string) => `DMA sg-count
${platform}
{ kmalloc a[512]; kmalloc b[512]; mmio DB; mmio ST; }
cpu cpu0 {
  sg_set_buf(&sgl[0], a, 512);
  sg_set_buf(&sgl[1], b, 512);
  n = dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE);
  writel(n, DB);
  if (n != 0) {
    dma_unmap_sg(dev, sgl, 2, DMA_TO_DEVICE);
  }
}
device dev { set_reg(ST, 1); }
exists (${exists});
`;

describe('n = dma_map_sg(...): nents on success (dma-direct does not merge), 0 on failure', () => {
  test('mapped: n is 2', () => {
    expect(check(sg('', 'cpu0:n == 2')).verdict).toBe('bug'); // exists holds: reported as reachable
    expect(check(sg('', 'cpu0:n == 0')).verdict).toBe('ok');
  });
  test('out of reach, no swiotlb: n is 0 on every path', () => {
    const failing = 'platform { highRam = true; swiotlb = absent; }';
    expect(check(sg(failing, 'cpu0:n == 0')).verdict).toBe('bug');
    expect(check(sg(failing, 'cpu0:n == 2')).verdict).toBe('ok');
  });
});

const refill = (failBranch: string) => `DMA refill
platform { highRam = true; swiotlb = absent; }
{ kmalloc old[256] at 0x1000; kmalloc fresh[256]; coherent desc[64]; mmio DB; }
cpu cpu0 {
  desc = dma_alloc_coherent(dev, 64, GFP_KERNEL);
  oh = dma_map_single(dev, old, 256, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, oh)) return -ENOMEM;
  nh = dma_map_single(dev, fresh, 256, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, nh)) {
    ${failBranch}
  } else {
    WRITE_ONCE(*(u64 *)desc, nh);
  }
  writel(1, DB);
  wait_for_irq(irq);
  dma_unmap_single(dev, oh, 256, DMA_FROM_DEVICE);
  r0 = READ_ONCE(*(u32 *)old);
}
device dev { wait_doorbell(DB, 1); a = dma_read(desc, 8); dma_write(a, 4, 0x5a); raise_irq(irq); }
`;

describe('if (dma_mapping_error(...)) { ... } else { ... }: the driver goes on', () => {
  test('keeping the old buffer after a failed map: ok, and the failure branch is the one taken', () => {
    const r = check(refill('WRITE_ONCE(*(u64 *)desc, oh);'));
    expect(r.verdict).toBe('ok');
  });
  test('handing the failed handle to the device anyway: bug', () => {
    expect(check(refill('WRITE_ONCE(*(u64 *)desc, nh);')).verdict).toBe('bug');
  });
  test('printed and parsed back: the check keeps its value', () => {
    const p = parseLitmus(refill('WRITE_ONCE(*(u64 *)desc, oh);')).program;
    const again = parseLitmus(printLitmus(p)).program;
    expect(JSON.stringify(again.actors, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(JSON.stringify(p.actors, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  });
});

const coherentLife = (free: string, unbind: boolean) => `DMA life
{ coherent ring[8192]; mmio DB; }
cpu cpu0 {
  ring = dma_alloc_coherent(dev, 8192, GFP_KERNEL);
  writel(1, DB);
  wait_for_irq(irq);
  ${free}
}
device dev { wait_doorbell(DB, 1); dma_write(ring, 4, 1); raise_irq(irq); }
${unbind ? 'unbind;' : ''}
`;

describe('dma-debug at the end of the mappings\' life', () => {
  const rules = (text: string) => check(text).contract.map((f) => `${f.severity} ${f.rule}`);
  test('dma_free_coherent() with another size: "frees DMA memory with different size", an error', () => {
    expect(rules(coherentLife('dma_free_coherent(dev, 4096, ring);', false))).toContain('error dma-debug/free-different-size');
    expect(rules(coherentLife('dma_free_coherent(dev, 8192, ring);', false))).toEqual([]);
  });
  test('a leak is a warning in a snippet, an error when the test is the whole life (unbind;)', () => {
    expect(rules(coherentLife('', false))).toEqual(['warning dma-debug/pending-allocations']);
    expect(rules(coherentLife('', true))).toEqual(['error dma-debug/pending-allocations']);
    expect(check(coherentLife('', true)).verdict).toBe('bug');
    expect(check(coherentLife('dma_free_coherent(dev, 8192, ring);', true)).verdict).toBe('ok');
  });
  test('an execution cut at the loop bound did not reach the unmaps after the loop: no leak (a poll loop)', () => {
    const pollThenUnmap = (unmap: string) => `DMA poll-life
{ kmalloc buf[64]; mmio CTRL; mmio STATUS; }
cpu cpu0 {
  u32 st;
  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h))
    return;
  writel(1, CTRL);
  do {
    st = readl(STATUS);
  } while (!(st & 2));
  ${unmap}
}
device dev { wait_doorbell(CTRL, 1); r = dma_read(h, 64); set_reg(STATUS, 2); }
unbind;
`;
    expect(check(pollThenUnmap('dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);'))).toEqual({ verdict: 'ok', contract: [] });
    // The driver that does run to its end without the unmap still leaks.
    expect(rules(pollThenUnmap(''))).toEqual(['error dma-debug/pending-allocations']);
  });
  test('unbind; round-trips through the printer', () => {
    expect(printLitmus(parseLitmus(coherentLife('', true)).program)).toMatch(/\nunbind;\n/);
  });
});

describe('memset at a computed offset', () => {
  const ring = (cpuTail: string) => `DMA memset-computed
{ coherent ring[4096]; mmio DB; }
cpu cpu0 {
  ring = dma_alloc_coherent(dev, 4096, GFP_KERNEL);
  idx = READ_ONCE(*(u32 *)(ring + 256));
  memset(ring + 64 * idx, 0x11, 64);
${cpuTail}
  writel(1, DB);
}
device dev {
  dma_write(ring + 256, 4, 1);
  wait_doorbell(DB, 1);
  r1 = dma_read(ring + 64, 4);
}
`;
  test('memset(ring + 64 * idx, ...) is a store at the offset idx gives, ordered by writel', () => {
    const p = parseLitmus(ring('')).program;
    const store = p.actors[0].ops.find((op) => op.op === 'store');
    expect(store && 'offExpr' in store && store.offExpr !== undefined).toBe(true);
    expect(check(ring('')).verdict).toBe('ok');
  });
  test('with writel_relaxed and no barrier the device may read the slot before the memset: bug', () => {
    expect(check(ring('').replace('writel(1, DB);', 'writel_relaxed(1, DB);')).verdict).toBe('bug');
  });
});
