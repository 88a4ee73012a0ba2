// Which kernel versions the model represents, and the behaviour switches by version, each with
// the kernel commit that moved it (src/kernel/version.ts, docs/litmus.md "kernel").

import { describe, expect, test } from 'vitest';
import { PlatformError } from '../platform/platform-error.js';
import { makePlatform, platformError } from '../platform/platform.js';
import {
  arm64HasVmapStack, hasDebugDmaMapSingle, swiotlbHonoursSkipCpuSync,
  cleansFromDeviceAtMap, parseKernelVersion, rejectsVmallocMapSingle, stableUnknown, swiotlbClampsToAllocSize, swiotlbMapCopy,
  swiotlbSyncDropsSlotOffset, vmallocMapSingleUnmodelled, kernelSourcePath,
} from './version.js';

const v = parseKernelVersion;
const refusal = (text: string): string => {
  try {
    parseKernelVersion(text);
  } catch (e) {
    if (e instanceof PlatformError) return `${e.option}: ${e.message}`;
    throw e;
  }
  return 'accepted';
};

describe('the accepted set', () => {
  test('mainline releases from 4.19 to 7.x are accepted, anything else is refused naming the key', () => {
    for (const ok of ['4.19', '4.20', '5.0', '5.4', '5.19', '6.0', '6.19', '7.0', '6.12']) expect(refusal(ok), ok).toBe('accepted');
    expect(refusal('4.15')).toMatch(/^kernel: kernel 4\.15 is outside what the model follows: 4\.9, 4\.14, and mainline 4\.19 to 7\.x/);
    expect(refusal('3.18')).toMatch(/^kernel: /);
    expect(refusal('8.0')).toMatch(/^kernel: /);
    expect(refusal('5.20')).toMatch(/^kernel: /);
    expect(refusal('six')).toMatch(/^kernel: kernel must look like/);
  });

  test('vendor kernels 4.9 and 4.14: the releases only, not their point releases', () => {
    for (const ok of ['4.9', '4.14']) expect(refusal(ok), ok).toBe('accepted');
    for (const no of ['4.9.337', '4.14.100']) expect(refusal(no), no).toMatch(/the model does not know which DMA changes .* use the release/);
    expect(refusal('4.10')).toMatch(/outside what the model follows/);
  });

  test('stable releases are accepted only where the backports are known; never silently the nearest mainline', () => {
    for (const ok of ['5.4.201', '5.4.8', '5.10.125', '5.15.50', '5.18.6', '5.12.13', '6.6.30', '6.12.7', '5.16.20']) expect(refusal(ok), ok).toBe('accepted');
    for (const no of ['4.19.250', '5.3.1', '6.1.50', '6.4.3']) {
      expect(refusal(no), no).toMatch(new RegExp(`^kernel: kernel ${no.replace(/\./g, '\\.')}: the model does not know which DMA changes`));
    }
  });

  test('a stable release whose swiotlb backports are unknown is refused only for a program that can bounce', () => {
    expect(stableUnknown(v('5.10.125'), false)).toBeUndefined();
    expect(stableUnknown(v('5.10.125'), true)).toMatch(/swiotlb fixes 5\.10\.y.*use the mainline release 5\.10, 5\.10\.60, swiotlb = absent/);
    expect(stableUnknown(v('5.10.60'), true)).toBeUndefined();
    expect(stableUnknown(v('5.15.50'), true)).toMatch(/swiotlb/);
    expect(stableUnknown(v('5.18.6'), true)).toBeUndefined();
    expect(stableUnknown(v('5.12.19'), true)).toBeUndefined();
    expect(stableUnknown(v('5.15'), true)).toBeUndefined();
    expect(stableUnknown(v('5.13'), true)).toMatch(/^kernel 5\.13: whether 5\.13 already has the swiotlb fix 5f89468e2f06/);
    expect(stableUnknown(v('5.13'), false)).toBeUndefined();
  });
});

describe('behaviour by version', () => {
  test('4544b9f25e70 (v5.5, stable 5.4.8): dma_map_single() rejects vmalloc memory; 5.4.0–5.4.7 is not modelled', () => {
    expect(['4.19', '5.3', '5.4', '5.4.7'].map((t) => rejectsVmallocMapSingle(v(t)))).toEqual([false, false, false, false]);
    expect(['5.4.8', '5.5', '5.10', '6.12'].map((t) => rejectsVmallocMapSingle(v(t)))).toEqual([true, true, true, true]);
    expect(['5.4', '5.4.7', '5.4.8', '5.3'].map((t) => vmallocMapSingleUnmodelled(v(t)))).toEqual([true, true, false, false]);
  });

  test('c50f11c6196f cleans at map(FROM_DEVICE) in v5.19 and the stable trees that took it: 5.18.6, 5.15.50, 5.10.125, 5.4.201', () => {
    const cleans = (t: string) => cleansFromDeviceAtMap(v(t));
    expect(['5.19', '6.1', '5.18.6', '5.15.50', '5.10.125', '5.4.201'].map(cleans)).toEqual([true, true, true, true, true, true]);
    expect(['5.18', '5.18.5', '5.15.49', '5.10.124', '5.4.200', '5.17.15', '4.19'].map(cleans)).toEqual([false, false, false, false, false, false, false]);
  });

  test('swiotlb_tbl_map_single() copies TO/BIDIR without SKIP_CPU_SYNC until 5.16, every direction without it in 5.17 (ddbd89deb7d3), always from 5.18 (901c7280ca0d)', () => {
    expect(['5.4', '5.10.40', '5.16', '5.17', '5.18', '6.12'].map((t) => swiotlbMapCopy(v(t)))).toEqual(['to-device', 'to-device', 'to-device', 'unless-skip', 'always', 'always']);
  });

  test('16fc3cef33a0 dropped the in-slot offset of a partial sync in 5.12.0–5.12.13 and 5.10.35–5.10.46 (fixed by 5f89468e2f06)', () => {
    const drops = (t: string) => swiotlbSyncDropsSlotOffset(v(t));
    expect(['5.12', '5.12.13', '5.10.35', '5.10.46'].map(drops)).toEqual([true, true, true, true]);
    expect(['5.12.14', '5.13', '5.10.34', '5.10.47', '5.10', '6.12'].map(drops)).toEqual([false, false, false, false, false, false]);
  });

  test('daf9514fd5eb (v5.12) clamps a copy to the slot alloc_size', () => {
    expect(['5.11', '5.10.46', '5.12', '6.12'].map((t) => swiotlbClampsToAllocSize(v(t)))).toEqual([false, false, true, true]);
  });
});

describe('4.9 and 4.14 (issue 21)', () => {
  test('VMAP_STACK on arm64 from 4.14 (e3067861ba66): a 4.9 platform keeps the stack in the linear map, and vmapStack = true on 4.9 is an error', () => {
    expect(['4.9', '4.14', '4.19'].map((t) => arm64HasVmapStack(v(t)))).toEqual([false, true, true]);
    expect(makePlatform({ kernel: '4.9' }).vmapStack).toBe(false);
    expect(makePlatform({ kernel: '4.14' }).vmapStack).toBe(true);
    // left out, the setting follows the kernel; asked for, it is refused naming the setting (never quietly dropped)
    expect(makePlatform({ kernel: '4.9', vmapStack: false }).vmapStack).toBe(false);
    expect(() => makePlatform({ kernel: '4.9', vmapStack: true })).toThrow(/^vmapStack = true on kernel 4\.9: arm64 has CONFIG_VMAP_STACK from 4\.14/);
    expect(platformError({ kernel: '4.9', vmapStack: true })?.option).toBe('vmapStack');
  });
  test('no debug_dma_map_single() vmalloc check before 4.19; swiotlb ignores DMA_ATTR_SKIP_CPU_SYNC before 4.10 (0443fa003fa1)', () => {
    expect(['4.9', '4.14', '4.19'].map((t) => hasDebugDmaMapSingle(v(t)))).toEqual([false, false, true]);
    expect(['4.9', '4.14'].map((t) => swiotlbHonoursSkipCpuSync(v(t)))).toEqual([false, true]);
    expect(['4.9', '4.14', '4.19'].map((t) => swiotlbMapCopy(v(t)))).toEqual(['to-device-always', 'to-device', 'to-device']);
  });
  test('the pre-4.19 arm64 behaviours the later table already has: FROM_DEVICE map invalidates (__dma_map_area), writel is dsb st', () => {
    expect(['4.9', '4.14'].map((t) => cleansFromDeviceAtMap(v(t)))).toEqual([false, false]);
  });
  test('findings cite lib/dma-debug.c and lib/swiotlb.c before 4.17 (cf65a0f6f6ff), kernel/dma/ after', () => {
    expect(kernelSourcePath('kernel/dma/debug.c check_unmap()', v('4.14'))).toBe('lib/dma-debug.c check_unmap()');
    expect(kernelSourcePath('kernel/dma/swiotlb.c', v('4.9'))).toBe('lib/swiotlb.c');
    expect(kernelSourcePath('kernel/dma/debug.c check_unmap()', v('4.19'))).toBe('kernel/dma/debug.c check_unmap()');
    expect(kernelSourcePath('Documentation/core-api/dma-api.rst', v('4.9'))).toBe('Documentation/core-api/dma-api.rst');
  });
});
