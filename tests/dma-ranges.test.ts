// dma-ranges bus offsets (platform dmaRangesBus / dmaRangesSize; include/linux/dma-direct.h):
// the device sees RAM through a window at an offset, dma_capable() checks the bus address, and a
// bus address outside the window reaches no memory.

import { describe, expect, test } from 'vitest';
import { Arm64World } from '../src/arm64/arm64-world.js';
import { busDmaLimit, physToDma } from '../src/kernel/dma-ranges.js';
import { layoutProgram, REGION } from '../src/kernel/layout.js';
import { Memory } from '../src/platform/memory.js';
import { makePlatform, PlatformError, type PlatformConfig } from '../src/platform/platform.js';
import { checkLitmusFile } from '../src/run/check-file.js';

const RPI4 = { dmaRangesBus: 0xc000_0000, dmaRangesSize: 0x4000_0000 };

function world(config: Partial<PlatformConfig> = {}) {
  const platform = makePlatform({ ...RPI4, ...config });
  const layout = layoutProgram({ name: 't', registers: [], actors: [], buffers: [{ name: 'buf', kind: 'kmalloc', size: 256 }] }, platform);
  return new Arm64World(platform, layout, new Memory());
}

describe('dma-ranges window', () => {
  test('phys_to_dma by version: the window check from 5.10, the offset alone before; the limit rounded to a power of two before 5.5', () => {
    expect(physToDma(makePlatform(RPI4), 0x1000)).toBe(0xc000_1000);
    expect(physToDma(makePlatform(RPI4), 0x1_0000_0000)).toBeUndefined(); // translate_phys_to_dma(): no range
    expect(physToDma(makePlatform({ ...RPI4, kernel: '5.4' }), 0x1_0000_0000)).toBe(0x1_c000_0000); // dma_pfn_offset only
    expect(busDmaLimit(makePlatform({ dmaRangesSize: 0xc000_0000 }))).toBe(0xbfff_ffff);
    expect(busDmaLimit(makePlatform({ dmaRangesSize: 0xc000_0000, kernel: '5.4' }))).toBe(0xffff_ffff); // bus_dma_mask
    expect(physToDma(makePlatform({}), 0x1000)).toBe(0x1000);
  });

  test('a map in the window hands out phys + offset and maintains the physical lines; RAM above it bounces, or fails without swiotlb', () => {
    const w = world();
    const buf = w.layout.buffers.get('buf')!.addr;
    expect(w.kernel.map('h', 'single', buf, 256, 'DMA_FROM_DEVICE', false).segments[0]).toMatchObject({ bus: 0xc000_0000 + buf, phys: buf, bounced: false });
    const high = world({ highRam: true });
    const hb = high.layout.buffers.get('buf')!.addr;
    expect(high.kernel.map('h', 'single', hb, 256, 'DMA_FROM_DEVICE', false).segments[0]).toMatchObject({ bus: 0xc000_0000 + REGION.swiotlb, phys: REGION.swiotlb, bounced: true });
    const none = world({ highRam: true, swiotlb: 'absent' });
    expect(none.kernel.map('h', 'single', none.layout.buffers.get('buf')!.addr, 256, 'DMA_FROM_DEVICE', false).error).toBe(true);
  });

  test('the mask is checked on the bus address: DMA_BIT_MASK(30) ("the first GiB") fails even for a buffer inside the window, swiotlb included; DMA_BIT_MASK(32) maps it', () => {
    const w = world();
    const buf = w.layout.buffers.get('buf')!.addr;
    const warned: string[] = [];
    w.kernel.onWarn = (t) => warned.push(t);
    w.kernel.mask = 2 ** 30 - 1;
    expect(w.kernel.map('h', 'single', buf, 256, 'DMA_FROM_DEVICE', false).error).toBe(true);
    expect(warned.join('\n')).toMatch(/swiotlb addr 0xc0200000\+256 overflow/);
    w.kernel.mask = 2 ** 32 - 1;
    expect(w.kernel.map('h2', 'single', buf, 256, 'DMA_FROM_DEVICE', false).error).toBe(false);
  });

  test('a device access outside the window reaches no memory: an observation, the write dropped; inside it, nothing to report', () => {
    const w = world();
    const buf = w.layout.buffers.get('buf')!.addr;
    expect(w.deviceFault(buf, 4, true)).toMatch(/outside the device's dma-ranges window \(0xc0000000\.\.0xffffffff\)/);
    w.deviceWrite(buf, new Uint8Array([1, 2, 3, 4]));
    expect([...w.memory.read(buf, new Uint8Array(4))]).toEqual([0, 0, 0, 0]);
    expect(w.deviceFault(0xc000_0000 + buf, 4, true)).toBeUndefined();
    w.deviceWrite(0xc000_0000 + buf, new Uint8Array([1, 2, 3, 4]));
    expect([...w.memory.read(buf, new Uint8Array(4))]).toEqual([1, 2, 3, 4]);
  });

  test('impossible windows are one PlatformError naming the setting', () => {
    expect(() => makePlatform({ dmaRangesBus: 0xc000_0000 })).toThrow(/dmaRangesBus needs a window/);
    expect(() => makePlatform({ dmaRangesSize: 0x1000 })).toThrow(PlatformError);
    expect(() => makePlatform({ ...RPI4, iommu: 'lazy' })).toThrow(/dma-direct only/);
    // no dev->bus_dma_mask before 4.19 (6c2fb2ea7636): the driver's dma_set_mask() replaced the window's limit, not modelled
    expect(() => makePlatform({ ...RPI4, kernel: '4.14' })).toThrow(/^a dma-ranges window is modelled from kernel 4\.19 \(bus_dma_mask, 6c2fb2ea7636\), not 4\.14/);
    expect(() => makePlatform({ ...RPI4, kernel: '4.19' })).not.toThrow();
  });

  test('scenarios: a driver programming virt_to_phys() is a bug behind the RPi4 window and ok without it; the handle is ok on both', () => {
    const verdict = (file: string, config: Partial<PlatformConfig>) => {
      const o = checkLitmusFile(`scenarios/platforms/${file}`, { fix: false, platform: config });
      return o.kind === 'checked' ? o.verdict : o.message;
    };
    const noWindow = { dmaRangesBus: 0, dmaRangesSize: 0 };
    expect(verdict('rpi4-dma-ranges-window.litmus', {})).toBe('bug');
    expect(verdict('rpi4-dma-ranges-window.litmus', noWindow)).toBe('ok');
    expect(verdict('rpi4-dma-ranges-window-fixed.litmus', {})).toBe('ok');
    expect(verdict('rpi4-dma-ranges-window-fixed.litmus', noWindow)).toBe('ok');
  });
});
