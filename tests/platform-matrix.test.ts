// `dmafuzz fuzz`'s platform matrix explores only devices the driver can be for: a driver that
// sets DMA_BIT_MASK(40) says its hardware drives 40 bits, so it is never paired with a 32-bit
// device (dma_set_mask() would not refuse: dma_direct_supported() accepts any mask >= 32 bits).

import { expect, test } from 'vitest';
import { parseLitmus } from '../src/litmus/parse.js';
import { driverMaskBits, fileMatrix, platformAt } from '../src/kernel/platform-matrix.js';
import { planTrial } from '../src/fuzz/trial.js';
import { platformError } from '../src/platform/platform.js';

const driver = (mask: string, platform = '') => parseLitmus(`DMA mask-test
${platform}
{ kmalloc buf[64]; mmio DB; }
cpu cpu0 {
  ${mask}
  h = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
  if (dma_mapping_error(dev, h)) return -ENOMEM;
  writel(1, DB);
}
device dev { wait_doorbell(DB, 1); r = dma_read(h, 8); }
`);

/** Every deviceAddressBits of every combination of the matrix. */
function deviceBits(p: ReturnType<typeof driver>): Set<number> {
  const m = fileMatrix(p.program);
  const out = new Set<number>();
  const axis = m.axes.findIndex((a) => a.key === 'deviceAddressBits');
  const values = axis < 0 ? 1 : m.axes[axis].values.length;
  for (let v = 0; v < values; v++) {
    const platform = platformAt(m, m.axes.map((_, i) => (i === axis ? v : 0)));
    if (platform) out.add(platform.deviceAddressBits);
  }
  return out;
}

test('a driver that sets a 40-, 44- or 64-bit mask is never paired with a 32-bit device', () => {
  for (const bits of [40, 44, 64]) {
    for (const call of ['dma_set_mask', 'dma_set_mask_and_coherent']) {
      const p = driver(`${call}(dev, DMA_BIT_MASK(${bits}));`);
      expect(driverMaskBits(p.program)).toBe(bits);
      expect([...deviceBits(p)]).toEqual([64]);
      // And no trial plan of a run picks one.
      for (let k = 0; k < 200; k++) expect(planTrial([p], k, 7)?.platform.deviceAddressBits ?? 64).toBe(64);
    }
  }
});

test('a driver with the default or a 32-bit mask still meets 32-bit devices', () => {
  expect([...deviceBits(driver(''))].sort()).toEqual([32, 64]);
  expect([...deviceBits(driver('dma_set_mask(dev, DMA_BIT_MASK(32));'))].sort()).toEqual([32, 64]);
  const seen = new Set<number>();
  for (let k = 0; k < 200; k++) seen.add(planTrial([driver('')], k, 7)!.platform.deviceAddressBits);
  expect(seen).toEqual(new Set([32, 64]));
});

test('a mask set inside a branch counts, and a file that pins a narrower device keeps it', () => {
  const inBranch = driver('if (1) { dma_set_mask(dev, DMA_BIT_MASK(40)); }');
  expect(driverMaskBits(inBranch.program)).toBe(40);
  const lying = driver('dma_set_mask(dev, DMA_BIT_MASK(64));', 'platform { deviceAddressBits = 32; highRam = true; }');
  expect(fileMatrix(lying.program).fixed.deviceAddressBits).toBe(32);
});

test('the matrix has kernel 4.9 (no vmapped stack: a rule, never a quiet change) and dma-ranges windows (offset and size together)', () => {
  const m = fileMatrix(driver('').program);
  const values = (key: string) => m.axes.find((a) => a.key === key)!.values;
  expect(values('kernel')).toContain('4.9');
  expect(values('dmaRangesBus')).toEqual([0, 0xc000_0000]);
  expect(values('dmaRangesSize')).toEqual([0, 0x4000_0000]);
  const choose = (over: Record<string, unknown>) => platformAt(m, m.axes.map((a) => (a.key in over ? a.values.indexOf(over[a.key]) : 0)));
  expect(choose({ kernel: '4.9', vmapStack: true })).toBeUndefined();
  expect(choose({ kernel: '4.9', vmapStack: false })).toMatchObject({ kernel: '4.9', vmapStack: false });
  expect(choose({ dmaRangesBus: 0xc000_0000 })).toBeUndefined(); // an offset without a window
  expect(choose({ dmaRangesBus: 0xc000_0000, dmaRangesSize: 0x4000_0000, kernel: '5.15' })).toMatchObject({ dmaRangesBus: 0xc000_0000, dmaRangesSize: 0x4000_0000 });
  // a file's own platform block asking for a vmapped stack on 4.9 is refused naming the setting
  expect(platformError({ kernel: '4.9', vmapStack: true })?.option).toBe('vmapStack');
});
