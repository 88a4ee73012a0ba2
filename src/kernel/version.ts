// Kernel versions and the behaviour switches that depend on them (reference, version table).

import { PlatformError } from '../platform/platform-error.js';

export interface KernelVersion { major: number; minor: number; patch: number }

export function parseKernelVersion(text: string): KernelVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(String(text));
  if (!m) throw new PlatformError('kernel', `kernel must look like 6.12 or 5.15.50, not '${text}'`);
  const v = { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
  if (v.major < 4 || v.major > 7) throw new PlatformError('kernel', `kernel ${text} is outside the modelled range 4.x–7.x`);
  return v;
}

export function atLeast(v: KernelVersion, major: number, minor: number): boolean {
  return v.major !== major ? v.major > major : v.minor >= minor;
}

/** c50f11c6196f (v5.19, stable 5.10.125 and 5.15.50): map/sync_for_device(FROM_DEVICE) cleans instead of invalidating. */
export function cleansFromDeviceAtMap(v: KernelVersion): boolean {
  if (atLeast(v, 5, 19)) return true;
  if (v.major === 5 && v.minor === 10) return v.patch >= 125;
  if (v.major === 5 && v.minor === 15) return v.patch >= 50;
  return false;
}

/** 7bd6680b47fa (v6.4): arch_dma_prep_coherent cleans only; before, clean+invalidate. */
export function prepCoherentCleansOnly(v: KernelVersion): boolean {
  return atLeast(v, 6, 4);
}

/** 370645f41e6e (v6.5): ARCH_KMALLOC_MINALIGN 8 and small unaligned kmalloc buffers bounced. */
export function bouncesUnalignedKmalloc(v: KernelVersion): boolean {
  return atLeast(v, 6, 5);
}

/**
 * 22ec71615d82 (v5.4, "arm64: io: Relax implicit barriers in default I/O accessors"): __iowmb()
 * became dma_wmb() (dmb oshst); before, it was wmb() (dsb st), so writel = dsb st; str.
 */
export function writelIsDsb(v: KernelVersion): boolean {
  return !atLeast(v, 5, 4);
}
