// No counterexample is "ok" only when something was judged: a test whose every execution runs
// into the loop bound (--unroll) and is cut checked nothing, and says so (inconclusive, exit 3),
// as a nightly that tested nothing must not read green.

import { describe, expect, test } from 'vitest';
import { checkProgramAs, loadLitmus } from '../src/run/check-file.js';
import { reportText } from '../src/report/render.js';
import { checkReport } from '../src/report/report.js';

/** The device waits for doorbell value 1, the driver rings 2: the driver's poll never ends. */
const hang = (bell: number) => `DMA all-cut
{ kmalloc u8 buf[64]; mmio ST; mmio DB; }
cpu c {
  h = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  writel(${bell}, DB);
  while (!(readl(ST) & 1)) cpu_relax();
  dma_unmap_single(dev, h, 64, DMA_FROM_DEVICE);
  r = *(u32 *)buf;
}
device d {
  wait_doorbell(DB, 1);
  dma_write(h, 64, 0x11);
  set_reg(ST, 1);
}
`;

const check = (text: string) => {
  const l = loadLitmus('t.litmus', text);
  if ('kind' in l) throw new Error(l.message);
  return checkProgramAs('t.litmus', l.compiled, undefined, { fix: false }, l.parsed.source, text, l.parsed);
};

describe('every execution cut at the loop bound', () => {
  test('is inconclusive, and the report says none was judged', () => {
    const c = check(hang(2));
    expect(c.result.executions).toBe(0);
    expect(c.result.cut).toBeGreaterThan(0);
    expect(c.verdict).toBe('inconclusive');
    expect(reportText(checkReport(c))).toMatch(/every execution reached the loop bound and was cut, so none was judged/);
  });

  test('while one execution that finished is judged, the verdict is the search\'s (the same driver, rung right, is ok)', () => {
    const c = check(hang(1));
    expect(c.result.executions).toBeGreaterThan(0);
    expect(c.verdict).toBe('ok');
  });
});
