// fast-check arbitraries of platforms: every PlatformConfig field, weighted toward the machines
// people run (v6.x, 64-byte lines, non-coherent), and ordered so that shrinking walks toward
// DEFAULT_PLATFORM — the simplest platform is the one a reader needs no explanation for.

import fc from 'fast-check';
import { DEFAULT_PLATFORM, platformError, type PlatformConfig } from '../platform/platform.js';
import { arm64HasVmapStack, atLeast, parseKernelVersion } from '../kernel/version.js';

/** Kernels on both sides of every behaviour switch (c50f11c6196f, 7bd6680b47fa, 370645f41e6e). */
export const KERNELS = ['6.12', '6.6', '6.5', '6.4', '6.1', '5.19', '5.18.6', '5.15', '5.10', '5.4', '4.19', '4.14', '4.9'] as const;

/** Kernels that still invalidate at map(DMA_FROM_DEVICE) (before c50f11c6196f and its stable backports). */
export const KERNELS_BEFORE_5_19 = ['5.15', '5.10', '5.4', '4.19', '4.14', '4.9'] as const;

/** DminLine / CWG pairs an arm64 part can have (CWG ≥ DminLine); the first is the default. */
const GEOMETRIES: { lineSize: 64 | 128; cwg: 64 | 128 | 256 }[] = [
  { lineSize: 64, cwg: 64 },
  { lineSize: 64, cwg: 128 }, // Kryo: 128-byte L2 above PoC (revert c1132702c71f)
  { lineSize: 128, cwg: 128 },
  { lineSize: 64, cwg: 256 },
  { lineSize: 128, cwg: 256 },
];

/** A constant first, then weighted alternatives; shrinking moves toward the first. */
function weighted<T>(...choices: [weight: number, value: T][]): fc.Arbitrary<T> {
  return fc.oneof({ withCrossShrink: true }, ...choices.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));
}

export interface PlatformArbOptions {
  /**
   * 'honest': the firmware's dma-coherent matches the hardware (the platforms a correct driver
   * must work on). 'any': also the misdeclared ones (bug class 14).
   */
  coherence?: 'honest' | 'any';
}

export function platformArb(o: PlatformArbOptions = {}): fc.Arbitrary<PlatformConfig> {
  const d = DEFAULT_PLATFORM;
  const coherence = o.coherence === 'any'
    ? weighted<[boolean, boolean]>([6, [false, false]], [2, [true, true]], [1, [true, false]], [1, [false, true]])
    : weighted<[boolean, boolean]>([3, [false, false]], [1, [true, true]]);
  return fc.record({
    kernel: weighted<string>([4, d.kernel], ...KERNELS.filter((k) => k !== d.kernel).map((k): [number, string] => [1, k])),
    geometry: weighted(...GEOMETRIES.map((g, i): [number, typeof g] => [i === 0 ? 6 : 1, g])),
    coherence,
    deviceAddressBits: weighted<number>([6, 64], [2, 32], [1, 40], [1, 36], [1, 30], [1, 24]),
    highRam: weighted<boolean>([3, false], [1, true]),
    swiotlb: weighted<PlatformConfig['swiotlb']>([6, 'present'], [1, 'absent'], [1, 'force']),
    a53CleanUpgrade: weighted<boolean>([4, false], [1, true]),
    ivacUpgrade: weighted<boolean>([4, false], [1, true]),
    strictShareability: fc.constant(false), // the older DMB-shareability reading is opt-in (src/exec/ordering.ts)
    iommu: weighted<PlatformConfig['iommu']>([6, 'none'], [1, 'strict'], [1, 'lazy']),
    iovaGranule: weighted<PlatformConfig['iovaGranule']>([6, 4096], [1, 16384], [1, 65536]),
    restrictedPool: weighted<boolean>([6, false], [1, true]),
    // no dma-ranges, RPi4's legacy window (first GiB at bus 0xc0000000), a 1 GiB window without offset
    dmaRanges: weighted<[number, number]>([6, [0, 0]], [1, [0xc000_0000, 0x4000_0000]], [1, [0, 0x4000_0000]]),
  }).map(({ geometry, coherence: [deviceCoherent, declaredCoherent], restrictedPool, dmaRanges: [dmaRangesBus, dmaRangesSize], ...rest }): PlatformConfig => ({
    ...rest, ...geometry, deviceCoherent, declaredCoherent,
    // dma-ranges is modelled with dma-direct only, from 4.19 (bus_dma_mask), for a device that drives the window's addresses
    ...(rest.iommu === 'none' && atLeast(parseKernelVersion(rest.kernel), 4, 19) && dmaRangesBus + dmaRangesSize <= 2 ** rest.deviceAddressBits ? { dmaRangesBus, dmaRangesSize } : { dmaRangesBus: 0, dmaRangesSize: 0 }),
    // a restricted pool exists from v5.15, and only with dma-direct (makePlatform refuses the rest)
    restrictedPool: restrictedPool && rest.iommu === 'none' && atLeast(parseKernelVersion(rest.kernel), 5, 15),
    // the kernel's own CONFIG_VMAP_STACK (none on arm64 before 4.14); the generators place no buffer on the stack
    vmapStack: arm64HasVmapStack(parseKernelVersion(rest.kernel)),
    // an untrusted device is not generated yet: a new draw would move every seed's platform
    untrusted: false,
  }));
}

/**
 * A bug class's required settings over a generated platform: where they clash with a generated
 * setting (a restricted pool or a dma-ranges window with an older kernel the class needs), the
 * generated one goes back to the default, so the platform stays one makePlatform() accepts.
 */
export function overPlatform(platform: PlatformConfig, overrides: Partial<PlatformConfig>): PlatformConfig {
  const p: PlatformConfig = { ...platform, ...overrides };
  const reset = new Set<string>();
  for (let e = platformError(p); e; e = platformError(p)) {
    const key = e.option as keyof PlatformConfig;
    if (key in overrides || !(key in DEFAULT_PLATFORM) || reset.has(key)) throw e;
    reset.add(key);
    if (key === 'dmaRangesSize' || key === 'dmaRangesBus') Object.assign(p, { dmaRangesBus: 0, dmaRangesSize: 0 });
    else if (key === 'vmapStack') p.vmapStack = arm64HasVmapStack(parseKernelVersion(p.kernel));
    else (p as unknown as Record<string, unknown>)[key] = DEFAULT_PLATFORM[key];
  }
  return p;
}

/** The settings of `p` that differ from the default: what a saved counterexample needs to say. */
export function platformDelta(p: PlatformConfig): Partial<PlatformConfig> {
  const out: Partial<PlatformConfig> = {};
  for (const k of Object.keys(DEFAULT_PLATFORM) as (keyof PlatformConfig)[]) {
    if (p[k] !== DEFAULT_PLATFORM[k]) (out as Record<string, unknown>)[k] = p[k];
  }
  return out;
}
