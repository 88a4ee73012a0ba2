// The platform a program runs on: cache geometry, what the device really is and what the
// device tree says it is, the kernel version, addressing limits and swiotlb.

import { arm64HasVmapStack, atLeast, type KernelVersion, parseKernelVersion } from './kernel-version.js';
import { PlatformError } from './platform-error.js';

export interface PlatformConfig {
  /** Kernel version "X.Y" or "X.Y.Z": the accepted set is in src/kernel/version.ts and docs/litmus.md. */
  kernel: string;
  /** CTR_EL0.DminLine in bytes: the step and partial-line test of the maintenance loops. */
  lineSize: 64 | 128;
  /** CTR_EL0.CWG in bytes: the largest line before PoC, the granule of write-back. */
  cwg: 64 | 128 | 256;
  /** The hardware snoops the CPU caches. */
  deviceCoherent: boolean;
  /** The firmware says "dma-coherent": the kernel skips cache maintenance. */
  declaredCoherent: boolean;
  /** How many address bits the device really drives (higher bits are dropped). */
  deviceAddressBits: number;
  /** kmalloc and page memory lie above 4 GiB. */
  highRam: boolean;
  /** swiotlb: allocated (bounces when needed), absent, or forced for every mapping. */
  swiotlb: 'present' | 'absent' | 'force';
  /** ARM64_WORKAROUND_CLEAN_CACHE (Cortex-A53 errata): every dc cvac becomes dc civac. */
  a53CleanUpgrade: boolean;
  /** dc ivac on a dirty line writes it back (IVAC→CIVAC upgrade) instead of discarding it. */
  ivacUpgrade: boolean;
  /**
   * The older reading of DMB shareability: an smp_* barrier (dmb ish*) orders nothing for the
   * device. Default false: the Arm ARM (Known issues, Issue M.a, AARCH-24234) says the
   * shareability domain of a DMB no longer matters for memory effects.
   */
  strictShareability: boolean;
  /** CONFIG_VMAP_STACK (arm64 default y since v4.14): the stack is vmalloc memory, not the linear map. */
  vmapStack: boolean;
  /**
   * An SMMU in front of the device with the DMA API on dma-iommu (drivers/iommu/dma-iommu.c):
   * 'none' is dma-direct (bus address = physical); 'strict' invalidates the IOTLB at every unmap
   * (iommu.strict=1); 'lazy' queues the invalidation (iommu.strict=0, the flush queue): the
   * device can still use an unmapped IOVA until the queue is flushed.
   */
  iommu: 'none' | 'strict' | 'lazy';
  /** The IOVA granule (the smallest page size of the SMMU domain, iovad->granule): 4, 16 or 64 KiB. */
  iovaGranule: 4096 | 16384 | 65536;
  /**
   * The device is untrusted (pci_dev->untrusted: behind a PCIe port the firmware calls
   * "external-facing" — a Thunderbolt or USB4 port): from v5.11 dma-iommu bounces every map that
   * does not fill its IOVA granules through swiotlb (dev_use_swiotlb()), zeroing the slot's
   * padding, so the device sees only the buffer's bytes; from v5.12 it never uses the lazy flush
   * queue. A dma-iommu matter: with iommu = none it changes nothing (dma-direct ignores it).
   */
  untrusted: boolean;
  /**
   * The device tree gives the device a `restricted-dma-pool` (kernel/dma/swiotlb.c
   * rmem_swiotlb_device_init, v5.15+): its own swiotlb pool, through which every streaming map
   * bounces and from which dma_alloc_coherent() takes its memory; the hardware firewall the pool
   * exists for blocks the device everywhere else.
   */
  restrictedPool: boolean;
  /**
   * A `dma-ranges` window (src/kernel/dma-ranges.ts): the device sees RAM [0, dmaRangesSize) at
   * bus addresses from dmaRangesBus (RPi4's legacy peripherals: 0xc0000000 and 1 GiB), and
   * nothing outside it. dmaRangesSize 0: no dma-ranges, the bus address is the physical one.
   */
  dmaRangesBus: number;
  dmaRangesSize: number;
}

/**
 * Deliberate breakages of the model, for showing that a property can fail. Never set by users:
 * tests add them to a Platform made by makePlatform().
 */
export const MODEL_FAULTS = [
  'sync-for-cpu-skips-invalidate', // arch_sync_dma_for_cpu forgets dcache_inval_poc
  'map-skips-clean', // arch_sync_dma_for_device forgets dcache_clean_poc
  'swiotlb-skips-copy-back', // swiotlb_sync_single_for_cpu copies nothing
  'barriers-order-nothing', // dma_rmb/dma_wmb/mb behave like no-ops
  'dependencies-order-nothing', // address and data dependencies on a read order nothing
  'addr-po-store-orders-nothing', // a store after an access at a computed address does not wait for its read
] as const;
export type ModelFault = (typeof MODEL_FAULTS)[number];

export interface Platform extends PlatformConfig {
  version: KernelVersion;
  faults?: readonly ModelFault[];
}

export const DEFAULT_PLATFORM: PlatformConfig = {
  kernel: '6.12',
  lineSize: 64,
  cwg: 64,
  deviceCoherent: false,
  declaredCoherent: false,
  deviceAddressBits: 64,
  highRam: false,
  swiotlb: 'present',
  a53CleanUpgrade: false,
  ivacUpgrade: false,
  strictShareability: false,
  vmapStack: true,
  iommu: 'none',
  iovaGranule: 4096,
  untrusted: false,
  restrictedPool: false,
  dmaRangesBus: 0,
  dmaRangesSize: 0,
};

export { PlatformError };

const KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_PLATFORM));

/**
 * A rule over several settings that no arm64 machine (or no modelled kernel) breaks. One table,
 * read by makePlatform() and by the fuzz matrix's pairwise covering (src/fuzz/pairwise.ts),
 * which must know which settings each rule reads to know which pairs of values no platform has.
 * `refuse` returns the one-line error, naming `option`, or undefined.
 */
export interface PlatformConstraint {
  settings: readonly (keyof PlatformConfig)[];
  option: keyof PlatformConfig;
  refuse(c: PlatformConfig, v: KernelVersion): string | undefined;
}

export const PLATFORM_CONSTRAINTS: readonly PlatformConstraint[] = [
  {
    settings: ['lineSize', 'cwg'], option: 'cwg',
    refuse: (c) => (c.cwg < c.lineSize ? `cwg (${c.cwg}) smaller than lineSize (${c.lineSize}): CTR_EL0.CWG is the largest line` : undefined),
  },
  {
    // e3067861ba66 "arm64: add basic VMAP_STACK support" (v4.14): before, arm64 cannot select
    // CONFIG_VMAP_STACK. Left out, the setting follows the kernel (makePlatform).
    settings: ['kernel', 'vmapStack'], option: 'vmapStack',
    refuse: (c, v) => (c.vmapStack && !arm64HasVmapStack(v) ? `vmapStack = true on kernel ${c.kernel}: arm64 has CONFIG_VMAP_STACK from 4.14 (e3067861ba66); leave vmapStack out or set it to false (the stack is in the linear map)` : undefined),
  },
  {
    settings: ['kernel', 'restrictedPool'], option: 'restrictedPool',
    refuse: (c, v) => (c.restrictedPool && !atLeast(v, 5, 15) ? `restrictedPool needs kernel 5.15 or later (restricted DMA pools came with 461021875c50), not ${c.kernel}` : undefined),
  },
  {
    settings: ['iommu', 'restrictedPool'], option: 'restrictedPool',
    refuse: (c) => (c.restrictedPool && c.iommu !== 'none' ? 'restrictedPool is a dma-direct setting: with iommu = strict or lazy the model has no restricted pool' : undefined),
  },
  {
    settings: ['dmaRangesBus', 'dmaRangesSize'], option: 'dmaRangesSize',
    refuse: (c) => (c.dmaRangesSize === 0 && c.dmaRangesBus !== 0 ? 'dmaRangesBus needs a window: set dmaRangesSize too' : undefined),
  },
  {
    settings: ['dmaRangesBus', 'dmaRangesSize', 'deviceAddressBits'], option: 'dmaRangesSize',
    refuse: (c) => (c.dmaRangesBus + c.dmaRangesSize > 2 ** c.deviceAddressBits
      ? `the dma-ranges window ends at 0x${(c.dmaRangesBus + c.dmaRangesSize - 1).toString(16)}, beyond the ${c.deviceAddressBits} address bits the device drives: the window describes what the device reaches`
      : undefined),
  },
  {
    settings: ['dmaRangesSize', 'iommu'], option: 'dmaRangesSize',
    refuse: (c) => (c.dmaRangesSize > 0 && c.iommu !== 'none' ? 'dma-ranges is modelled with dma-direct only: with iommu = strict or lazy the device sees IOVAs' : undefined),
  },
  {
    // An untrusted device behind an SMMU (with dma-direct the setting changes nothing: dma-direct
    // ignores pci_dev->untrusted). Refused where the model cannot judge a driver: 5.11–5.15, whose
    // untrusted bounce path was broken for every driver (06e620345d54 and 08ae5d4a1ae9, v5.16:
    // src/kernel/version.ts iommuBouncesUntrusted()), and point releases before 6.10, whose
    // backports of those fixes and of 2650073f1b58 (v6.10) are not pinned down.
    settings: ['untrusted', 'iommu', 'kernel'], option: 'untrusted',
    refuse: (c, v) => {
      if (!c.untrusted || c.iommu === 'none') return undefined;
      if (atLeast(v, 5, 11) && !atLeast(v, 5, 16)) return `untrusted behind an SMMU on kernel ${c.kernel}: dma-iommu's swiotlb path for untrusted devices was broken for every driver until 5.16 (06e620345d54: the map cleaned the original, not the bounce slot; 08ae5d4a1ae9: dma_sync_sg_*() copied nothing); use 5.16 or later, or a kernel before 5.11 (which does not bounce)`;
      if (v.patch && atLeast(v, 5, 16) && !atLeast(v, 6, 10)) return `kernel ${c.kernel} with an untrusted device behind an SMMU: whether ${v.major}.${v.minor}.y had 2650073f1b58 (v6.10: the bounce slot's padding, not the whole slot, zeroed) by then is not pinned down; use the mainline release ${v.major}.${v.minor}`;
      return undefined;
    },
  },
  {
    // dma_capable() checks dev->bus_dma_mask from 6c2fb2ea7636 "of/device: Set bus DMA mask as
    // appropriate" (v4.19). Before, the window's limit is only the initial dma_mask
    // of_dma_configure() sets, and a driver's dma_set_mask() replaces it (ee7b1f31200d: "we don't
    // yet prevent drivers from simply overwriting this initial mask"): not modelled.
    settings: ['dmaRangesSize', 'kernel'], option: 'dmaRangesSize',
    refuse: (c, v) => (c.dmaRangesSize > 0 && !atLeast(v, 4, 19) ? `a dma-ranges window is modelled from kernel 4.19 (bus_dma_mask, 6c2fb2ea7636), not ${c.kernel}: before it the driver's dma_set_mask() replaces the window's limit` : undefined),
  },
];

/**
 * The settings of the layers over the defaults, before any check: what makePlatform() checks.
 * vmapStack left out follows the kernel (CONFIG_VMAP_STACK=y on arm64 from 4.14, absent before).
 */
export function mergePlatform(...layers: (Partial<PlatformConfig> | undefined)[]): PlatformConfig {
  return merge(layers).config;
}

/** mergePlatform(), with the kernel version when the merge read it (vmapStack left out). */
function merge(layers: (Partial<PlatformConfig> | undefined)[]): { config: PlatformConfig; version?: KernelVersion } {
  const config: PlatformConfig = { ...DEFAULT_PLATFORM };
  let vmapStackSet = false;
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (!KEYS.has(key)) throw new PlatformError(key, `unknown platform setting '${key}'`);
      if (value === undefined) continue;
      (config as unknown as Record<string, unknown>)[key] = value;
      if (key === 'vmapStack') vmapStackSet = true;
    }
  }
  if (vmapStackSet) return { config };
  const version = parseKernelVersion(config.kernel);
  config.vmapStack = arm64HasVmapStack(version);
  return { config, version };
}

/** Merge settings over the defaults and reject platforms no arm64 machine can be. */
export function makePlatform(...layers: (Partial<PlatformConfig> | undefined)[]): Platform {
  const merged = merge(layers);
  const version = merged.version ?? parseKernelVersion(merged.config.kernel);
  const valid = validate(merged.config);
  for (const rule of PLATFORM_CONSTRAINTS) {
    const refusal = rule.refuse(valid, version);
    if (refusal) throw new PlatformError(rule.option, refusal);
  }
  // (not `{ ...valid, version }`: on Node 20 a literal that opens with a spread and adds a key
  // costs microseconds, and every file's check makes platforms)
  return Object.assign({}, valid, { version });
}

/** Why no arm64 machine can be this platform (makePlatform's refusal), or undefined if one can. */
export function platformError(...layers: (Partial<PlatformConfig> | undefined)[]): PlatformError | undefined {
  try {
    makePlatform(...layers);
    return undefined;
  } catch (e) {
    if (e instanceof PlatformError) return e;
    throw e;
  }
}

/**
 * Throw if one setting is impossible on its own (unknown key, wrong type or range). A clash with
 * another setting (lineSize 128 with the default cwg 64) is left to makePlatform() on the whole
 * platform: the file's `platform { }` block or another override may set the other one.
 */
export function checkSetting(key: string, value: unknown): void {
  try {
    makePlatform({ [key]: value });
  } catch (e) {
    if (!(e instanceof PlatformError) || e.option === key) throw e;
  }
}

/** One setting at a time (type, range). A rule over several settings belongs in PLATFORM_CONSTRAINTS: the fuzz covering reads them. */
function validate(c: PlatformConfig): PlatformConfig {
  if (![64, 128].includes(c.lineSize)) throw new PlatformError('lineSize', `lineSize must be 64 or 128, not ${c.lineSize}`);
  if (![64, 128, 256].includes(c.cwg)) throw new PlatformError('cwg', `cwg must be 64, 128 or 256, not ${c.cwg}`);
  if (!Number.isInteger(c.deviceAddressBits) || c.deviceAddressBits < 24 || c.deviceAddressBits > 64) {
    throw new PlatformError('deviceAddressBits', `deviceAddressBits must be an integer from 24 to 64, not ${c.deviceAddressBits}`);
  }
  if (!['present', 'absent', 'force'].includes(c.swiotlb)) {
    throw new PlatformError('swiotlb', `swiotlb must be present, absent or force, not ${c.swiotlb}`);
  }
  if (!['none', 'strict', 'lazy'].includes(c.iommu)) throw new PlatformError('iommu', `iommu must be none, strict or lazy, not ${c.iommu}`);
  if (![4096, 16384, 65536].includes(c.iovaGranule)) throw new PlatformError('iovaGranule', `iovaGranule must be 4096, 16384 or 65536, not ${c.iovaGranule}`);
  for (const key of ['dmaRangesBus', 'dmaRangesSize'] as const) {
    const v = c[key];
    if (!Number.isSafeInteger(v) || v < 0 || v % 4096 !== 0 || v >= 2 ** 48) throw new PlatformError(key, `${key} must be a multiple of 4096 from 0 below 2^48, not ${v}`);
  }
  if (c.dmaRangesSize > 0 && c.dmaRangesSize < MIN_WINDOW) throw new PlatformError('dmaRangesSize', `dmaRangesSize must be 0 (no dma-ranges) or at least 0x${MIN_WINDOW.toString(16)}: the model's low RAM (swiotlb, coherent pages) must be inside the window`);
  for (const flag of ['deviceCoherent', 'declaredCoherent', 'highRam', 'a53CleanUpgrade', 'ivacUpgrade', 'strictShareability', 'vmapStack', 'restrictedPool', 'untrusted'] as const) {
    if (typeof c[flag] !== 'boolean') throw new PlatformError(flag, `${flag} must be true or false`);
  }
  return c;
}

/** The model's low RAM ends below 4 MiB (src/kernel/layout.ts REGION): a dma-ranges window must hold it. */
const MIN_WINDOW = 0x40_0000;

/** cache_line_size() = dma_get_cache_alignment() on arm64: the CWG (arch/arm64/include/asm/cache.h). */
export function cacheLineSize(p: PlatformConfig): number {
  return p.cwg;
}

/** One line for reports: the settings that differ from the default. */
export function describePlatform(p: PlatformConfig): string {
  const parts = [`arm64 v${p.kernel}`, `line ${p.lineSize}`];
  if (p.cwg !== p.lineSize) parts.push(`CWG ${p.cwg}`);
  parts.push(p.declaredCoherent ? 'dma-coherent' : 'non-coherent');
  if (p.deviceCoherent !== p.declaredCoherent) parts.push(p.deviceCoherent ? '(hardware snoops!)' : '(hardware does not snoop!)');
  if (p.deviceAddressBits < 64) parts.push(`device ${p.deviceAddressBits}-bit`);
  if (p.highRam) parts.push('RAM above 4 GiB');
  parts.push(`swiotlb ${p.swiotlb}`);
  if (p.a53CleanUpgrade) parts.push('A53 clean→civac');
  if (p.ivacUpgrade) parts.push('ivac→civac');
  if (p.strictShareability) parts.push('smp_* order nothing for the device');
  if (!p.vmapStack) parts.push('stack in the linear map');
  if (p.restrictedPool) parts.push('restricted DMA pool');
  if (p.dmaRangesSize > 0) parts.push(`dma-ranges: RAM 0..0x${(p.dmaRangesSize - 1).toString(16)} at bus 0x${p.dmaRangesBus.toString(16)}`);
  if (p.iommu !== 'none') parts.push(`SMMU ${p.iommu}${p.iovaGranule !== 4096 ? `, IOVA granule ${p.iovaGranule / 1024} KiB` : ''}`);
  if (p.untrusted) parts.push(p.iommu === 'none' ? 'untrusted device (no SMMU: no effect)' : 'untrusted device (external-facing port)');
  return parts.join(', ');
}
