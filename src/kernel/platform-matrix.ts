// The platform matrix of `dmafuzz fuzz FILES`: for every platform setting, the values real
// systems have. ONE table, keyed by PlatformConfig's own keys, so a new platform setting does not
// type-check until it says here what it varies over. A file's `platform { }` block pins
// settings; --vary narrows which of the rest vary, --pin fixes more of them.

import { DEFAULT_PLATFORM, makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';
import type { Actor, CpuOp, DeviceOp, Program } from '../program/types.js';

type Key = keyof PlatformConfig;

export const MATRIX: { readonly [K in Key]: readonly PlatformConfig[K][] } = {
  // Modelled history: before and after c50f11c6196f (v5.19), 7bd6680b47fa (v6.4), 370645f41e6e
  // (v6.5), 03521c892bb8 (v6.18: dma-debug quiet on overlaps while swiotlb is active); LTS
  // kernels as distributions ship them (stable point releases whose backports the model cannot
  // name are refused by src/kernel/version.ts, so the matrix names mainline ones).
  // The vendor BSP kernels 4.14 and 4.9 too, still in many shipping SoCs (4.9 has no arm64
  // CONFIG_VMAP_STACK: its platforms have vmapStack = false, a rule of makePlatform()).
  kernel: ['6.12', '5.4', '5.10', '5.15', '5.19', '6.1', '6.6', '4.14', '4.9', '6.18'],
  // CTR_EL0 DminLine/CWG pairs seen on Cortex-A and Neoverse parts (64/64), with a 128-byte
  // write-back granule (64/128, e.g. some ThunderX/Apple-class parts) and 128/128.
  lineSize: [64, 128],
  cwg: [64, 128],
  // Coherence, ONE axis (declaredCoherent is tied to deviceCoherent, TIED below): a non-coherent
  // device declared so, where the cache maintenance matters, and a dma-coherent one (DT
  // `dma-coherent`: a master that snoops the CPU caches, behind a CCI/CMN interconnect on many
  // arm64 servers and some SoCs). For the latter dev_is_dma_coherent() (include/linux/dma-map-ops.h,
  // dev->dma_coherent) is true and dma-direct skips every arch_sync_dma_for_device() /
  // arch_sync_dma_for_cpu() (kernel/dma/direct.h: dma_direct_map_page(), dma_direct_unmap_page()
  // via dma_direct_sync_single_for_cpu(), the sync_single_for_* calls; kernel/dma/direct.c: the
  // sg forms), so no dc civac/ivac and no dsb: a driver that leaned on the maintenance's dsb to
  // order a status read before a payload read (no dma_rmb()) reads stale data only there.
  deviceCoherent: [false, true],
  declaredCoherent: [false, true],
  deviceAddressBits: [64, 32],
  highRam: [false, true],
  // 'force' is swiotlb=force / a confidential-computing guest; 'absent' is swiotlb=noforce.
  swiotlb: ['present', 'force', 'absent'],
  a53CleanUpgrade: [false, true],
  ivacUpgrade: [false, true],
  // The hardware's reading of DMB shareability (AARCH-24234); relying on smp_* for the device is
  // the contract checker's error, whatever the hardware does.
  strictShareability: [false],
  // CONFIG_VMAP_STACK is y on arm64 since 4.14; `false` is a stack in the linear map.
  vmapStack: [true, false],
  // dma-direct, or an SMMU (most arm64 SoCs put their non-coherent masters behind one) with
  // strict or lazy (flush queue: the default for DMA domains since v5.x, iommu.strict=0) IOTLB
  // invalidation; 4 KiB and 64 KiB IOVA granules (a 64K-page kernel). The granule matters only
  // with an SMMU.
  iommu: ['none', 'strict', 'lazy'],
  iovaGranule: [4096, 65536],
  // A device given its own `restricted-dma-pool` (with dma-direct, v5.15+: the impossible
  // combinations are skipped).
  restrictedPool: [false, true],
  // No dma-ranges; a window of the first GiB without an offset (a 30-bit interconnect); and the
  // Raspberry Pi 4's legacy window, the first GiB at bus 0xc0000000 (a 32-bit DMA engine). The
  // offset needs a window (dmaRangesBus 0xc0000000 with size 0 is no platform), a window needs
  // dma-direct and kernel 4.19+: rules of makePlatform() (PLATFORM_CONSTRAINTS) that the pairwise
  // covering honours exactly (src/kernel/platform-constraints.ts).
  dmaRangesBus: [0, 0xc000_0000],
  dmaRangesSize: [0, 0x4000_0000],
  // An untrusted device (an external-facing PCIe port, pci_dev->untrusted): dma-iommu bounces its
  // sub-granule maps through swiotlb (v5.11+; 5.11–5.15 and unpinned point releases are no
  // platform, PLATFORM_CONSTRAINTS). With dma-direct the setting changes nothing.
  untrusted: [false, true],
};

export const MATRIX_KEYS = Object.keys(MATRIX) as Key[];

/**
 * Settings that are not axes of their own: each takes its leader's value on every platform the
 * matrix generates, so the two vary as one axis with the leader's values. What the firmware
 * declares (`dma-coherent`, read by of_dma_is_coherent() into dev->dma_coherent) and what the
 * interconnect does agree on every real system: a pair that disagrees is a firmware bug, not the
 * driver's (bug class 14, which `selftest` plants), and is never generated. A file or --pin that
 * fixes either setting fixes the pair as `dmafuzz check` runs it (the other at its own value).
 */
export const TIED: { readonly [K in Key]?: Key } = { declaredCoherent: 'deviceCoherent' };

/** The settings an axis led by `key` sets: itself and the settings tied to it. */
function axisSettings(key: Key): Key[] {
  return [key, ...MATRIX_KEYS.filter((k) => TIED[k] === key)];
}

export interface MatrixOptions {
  /** Only these settings vary (default: every setting the file does not pin). */
  vary?: readonly Key[];
  /** Settings fixed for every file (over the file's own pins). */
  pin?: Partial<PlatformConfig>;
}

/** One axis of a file's matrix: a setting's values, which the settings `tied` to it take too. */
export interface MatrixAxis {
  key: Key;
  values: readonly unknown[];
  /** Settings that take this axis's value with it (TIED): `declaredCoherent` on `deviceCoherent`'s axis. */
  tied?: readonly Key[];
}

/** What varies for one file and over which values; what is fixed. */
export interface FileMatrix {
  fixed: Partial<PlatformConfig>;
  axes: MatrixAxis[];
}

/**
 * The platforms a file's driver can run on: what its `platform { }` block pins, and a device
 * that drives at least the widest mask the driver sets. dma_set_mask() does not fail for a
 * device whose hardware is narrower — dma_direct_supported() (kernel/dma/direct.c) accepts
 * every mask of 32 bits or more, knowing nothing of the device — so the mask is the driver's
 * statement of what its hardware drives: a driver that sets DMA_BIT_MASK(40) is not written for
 * a 32-bit device, and pairing them is a different (misconfigured) system, not this driver's
 * bug. A file that pins a narrower `deviceAddressBits` itself (a driver that lies about its
 * device) is checked as it asks.
 */
export function fileMatrix(program: Pick<Program, 'platform' | 'actors'>, o: MatrixOptions = {}): FileMatrix {
  const fixed: Partial<PlatformConfig> = { ...(program.platform ?? {}), ...(o.pin ?? {}) };
  const maskBits = driverMaskBits(program);
  const axes: MatrixAxis[] = MATRIX_KEYS
    .filter((k) => TIED[k] === undefined)
    .map((key) => ({ key, settings: axisSettings(key) }))
    // a pin of any of an axis's settings fixes the axis; --vary names any of them
    .filter(({ settings }) => settings.every((k) => !(k in fixed)) && (!o.vary || settings.some((k) => o.vary!.includes(k))))
    .map(({ key, settings }) => ({
      key,
      values: key === 'deviceAddressBits' ? MATRIX.deviceAddressBits.filter((b) => b >= maskBits) : MATRIX[key] as readonly unknown[],
      ...(settings.length > 1 ? { tied: settings.slice(1) } : {}),
    }))
    .filter((a) => a.values.length > 1);
  return { fixed, axes };
}

/** Set axis `a` to its value `v` in a platform layer: its own setting and those tied to it. */
export function assignAxis(layer: Record<string, unknown>, a: MatrixAxis, v: unknown): void {
  layer[a.key] = v;
  for (const k of a.tied ?? []) layer[k] = v;
}

/** The axis's name in reports: its setting, and those tied to it (`deviceCoherent+declaredCoherent`). */
export function axisName(a: MatrixAxis): string {
  return [a.key, ...(a.tied ?? [])].join('+');
}

/** The index of this platform's value on axis `a`, or -1 when it has none (a tied setting disagreeing). */
export function axisValueIndex(a: MatrixAxis, p: PlatformConfig): number {
  const i = a.values.indexOf(p[a.key]);
  return (a.tied ?? []).every((k) => p[k] === p[a.key]) ? i : -1;
}

/** The widest DMA_BIT_MASK(n) any dma_set_mask*() of the program sets (0 when it sets none). */
export function driverMaskBits(program: Pick<Program, 'actors'>): number {
  let bits = 0;
  const visit = (ops: readonly (CpuOp | DeviceOp)[]): void => {
    for (const op of ops) {
      if (op.op === 'dma_set_mask') bits = Math.max(bits, op.bits);
      else if (op.op === 'if') { visit(op.then); visit(op.else ?? []); }
      else if (op.op === 'while' || op.op === 'for') visit(op.body);
    }
  };
  program.actors.forEach((a: Actor) => visit(a.ops));
  return bits;
}

/** Number of combinations (including impossible ones, which sampling skips). */
export function matrixSize(m: FileMatrix): number {
  return m.axes.reduce((n, a) => n * a.values.length, 1);
}

/** The platform for one choice per axis, or undefined if no arm64 machine can be it (a rule of makePlatform: cwg < lineSize, ...). */
export function platformAt(m: FileMatrix, choice: readonly number[]): PlatformConfig | undefined {
  const layer: Record<string, unknown> = { ...m.fixed };
  m.axes.forEach((a, i) => assignAxis(layer, a, a.values[choice[i] % a.values.length]));
  try {
    const { version: _v, faults: _f, ...config } = makePlatform(layer as Partial<PlatformConfig>);
    return config;
  } catch (e) {
    if (e instanceof PlatformError) return undefined;
    throw e;
  }
}

/** A short stable key naming a platform by what differs from the default, e.g. "cwg=128,kernel=5.15". */
export function platformKey(p: PlatformConfig): string {
  const parts = MATRIX_KEYS.filter((k) => p[k] !== DEFAULT_PLATFORM[k]).map((k) => `${k}=${String(p[k])}`);
  return parts.length ? parts.join(',') : 'default';
}

/** Parse --vary KEY,... into known keys; throws an Error naming the unknown one. */
export function parseVary(text: string): Key[] {
  const keys = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of keys) if (!(MATRIX_KEYS as string[]).includes(k)) throw new Error(`--vary: unknown platform setting '${k}'; settings: ${MATRIX_KEYS.join(', ')}`);
  return keys as Key[];
}

/** Parse one --pin KEY=VALUE as the litmus platform block would type it. */
export function parsePin(text: string): Partial<PlatformConfig> {
  const m = /^([A-Za-z]+)=(.+)$/.exec(text);
  if (!m) throw new Error(`--pin takes KEY=VALUE, e.g. kernel=5.15, not '${text}'`);
  const [, key, raw] = m;
  if (!(MATRIX_KEYS as string[]).includes(key)) throw new Error(`--pin: unknown platform setting '${key}'; settings: ${MATRIX_KEYS.join(', ')}`);
  const def = DEFAULT_PLATFORM[key as Key];
  let value: unknown = raw;
  if (typeof def === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw new Error(`--pin ${key} takes true or false, not '${raw}'`);
    value = raw === 'true';
  } else if (typeof def === 'number') {
    if (!/^\d+$/.test(raw)) throw new Error(`--pin ${key} takes a number, not '${raw}'`);
    value = Number(raw);
  }
  try {
    makePlatform({ lineSize: 64, cwg: 256, [key]: value }); // the value alone; combinations are checked per platform
  } catch (e) {
    if (e instanceof PlatformError) throw new Error(`--pin ${text}: ${e.message}`);
    throw e;
  }
  return { [key]: value } as Partial<PlatformConfig>;
}
