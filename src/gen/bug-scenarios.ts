// Break the DMA-API discipline one bug class at a time (DESIGN.md classes 1–12, 14, 15): a
// well-behaved driver with one transfer whose discipline is broken, on a platform where that
// breakage can show. `protect` names the platform settings the bug depends on, so that the
// minimiser does not simplify the bug away (or into another class).

import fc from 'fast-check';
import type { PlatformConfig } from '../platform/platform.js';
import { legalize, ringRxArb, ringTxArb, rxArb, transferArb, txArb } from './driver-arb.js';
import type { DriverSpec, RxSpec, TransferSpec } from './driver-spec.js';
import { KERNELS_BEFORE_5_19, overPlatform, platformArb } from './platform-arb.js';
import { arm64HasVmapStack, parseKernelVersion } from '../platform/kernel-version.js';

/**
 * Each bug class of DESIGN.md (13 is a checker finding, not a counterexample), split where the
 * class names two different failures: 11 (a missing sync for the CPU / for the device under
 * bouncing) and 14 (snooping hardware declared non-coherent / the reverse).
 */
export const BUG_KINDS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11-rx', '11-tx', '12', '14-snoop', '14-nosnoop', '15'] as const;
export type BugKind = (typeof BUG_KINDS)[number];

export const BUG_TITLES: Record<BugKind, string> = {
  '1': 'CPU reads a DMA_FROM_DEVICE buffer without dma_sync_single_for_cpu/dma_unmap',
  '2': 'CPU writes a DMA_TO_DEVICE buffer after dma_map without dma_sync_single_for_device',
  '3': 'CPU writes a DMA_FROM_DEVICE/BIDIRECTIONAL buffer while the device owns it',
  '4': 'A DMA_FROM_DEVICE buffer shares a cache line with data the CPU writes during the transfer',
  '5': 'Wrong direction at map: the device writes a DMA_TO_DEVICE mapping',
  '6': "dma_sync_single_for_cpu with a direction other than the mapping's",
  '7': 'Partial sync that misses bytes the device wrote',
  '8': 'Missing dma_rmb() between the status word and the payload',
  '9': 'Missing dma_wmb() between the payload and the ownership word',
  '10': 'writel_relaxed() doorbell without a barrier after the descriptor writes',
  '11-rx': 'swiotlb bouncing: the CPU reads without sync_for_cpu and sees stale data',
  '11-tx': 'swiotlb bouncing: CPU writes after map are not copied to the bounce buffer',
  '12': 'dma_unmap before the device completed',
  '14-snoop': 'Snooping (coherent) hardware declared non-coherent',
  '14-nosnoop': 'Non-snooping hardware declared dma-coherent',
  '15': 'Kernel before v5.19: invalidate at map(DMA_FROM_DEVICE) loses bytes a partial device write did not cover',
};

export function bugClassNumber(kind: BugKind): number {
  return parseInt(kind, 10);
}

export interface Scenario {
  platform: PlatformConfig;
  spec: DriverSpec;
  /** Platform settings the minimiser must leave alone. */
  protect: (keyof PlatformConfig)[];
  /** The injected bug: its kind, which transfer carries it, and the fields of it that make the bug. */
  bug?: { kind: BugKind; target: number; lock: string[] };
}

const NON_COHERENT: Partial<PlatformConfig> = { deviceCoherent: false, declaredCoherent: false };
const COHERENCE: (keyof PlatformConfig)[] = ['deviceCoherent', 'declaredCoherent'];
/** Keep the buffer out of swiotlb: no forced bouncing, no RAM above the 32-bit mask. */
const UNBOUNCED: Partial<PlatformConfig> = { swiotlb: 'present', highRam: false };
const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;
/** Bouncing by swiotlb=force, or by RAM above the device's 32-bit mask. */
const bounceTrigger = fc.constantFrom<Partial<PlatformConfig>>(
  { ...NON_COHERENT, swiotlb: 'force' },
  { ...NON_COHERENT, swiotlb: 'present', highRam: true, deviceAddressBits: 32 },
);
const BOUNCE: (keyof PlatformConfig)[] = [...COHERENCE, 'swiotlb', 'highRam', 'deviceAddressBits'];

interface Injection {
  target: fc.Arbitrary<TransferSpec>;
  /** Fields of the target the scenario shrinker must keep (besides `bug`). */
  lock?: string[];
  platform: fc.Arbitrary<Partial<PlatformConfig>>;
  protect: (keyof PlatformConfig)[];
  /** Adjust the target once the platform is known (sizes that depend on the line size). */
  fit?: (t: TransferSpec, p: PlatformConfig) => TransferSpec;
}

const rxBug = (bug: RxSpec['bug'], extra: Partial<RxSpec> = {}) => rxArb.map((t): TransferSpec => ({ ...t, ...extra, bug }));
const nonCoherent = fc.constant(NON_COHERENT);
/** An RX size the v6.5 kmalloc rule does not bounce: a multiple of the CWG. */
const unbouncedRx = (t: TransferSpec, p: PlatformConfig): TransferSpec => (t.kind === 'rx' ? { ...t, size: alignUp(t.size, p.cwg) } : t);

function injection(kind: BugKind): Injection {
  switch (kind) {
    case '1': return { target: rxBug('read-before-sync'), platform: nonCoherent, protect: COHERENCE };
    case '2': return { target: txArb.map((t): TransferSpec => ({ ...t, bug: 'write-after-map' })), platform: nonCoherent, protect: COHERENCE };
    case '3': return {
      target: rxBug('write-while-device-owns', { readAt: 'head', deviceWrites: 'all' }), lock: ['readAt', 'deviceWrites'],
      platform: fc.constant({ ...NON_COHERENT, ...UNBOUNCED }), protect: [...COHERENCE, 'swiotlb', 'highRam'],
      fit: (t, p) => unbouncedRx(t.kind === 'rx' ? { ...t, size: Math.max(8, t.size) } : t, p),
    };
    case '4': return {
      target: rxBug('shared-line', { placement: 'field', cpuWork: true, readAt: 'head' }), lock: ['placement', 'cpuWork', 'readAt'],
      platform: fc.constant({ ...NON_COHERENT, ...UNBOUNCED }), protect: [...COHERENCE, 'swiotlb', 'highRam'],
      fit: unbouncedRx,
    };
    case '5': return { target: rxBug('map-wrong-direction'), platform: nonCoherent, protect: COHERENCE };
    case '6': return { target: rxBug('sync-wrong-direction', { handBack: 'sync' }), lock: ['handBack'], platform: nonCoherent, protect: COHERENCE };
    case '7': return {
      target: rxBug('partial-sync', { handBack: 'sync', readAt: 'tail', deviceWrites: 'all' }), lock: ['handBack', 'readAt', 'deviceWrites'],
      platform: nonCoherent, protect: COHERENCE,
      fit: (t, p) => (t.kind === 'rx' ? { ...t, size: Math.max(2 * p.cwg, alignUp(t.size, p.cwg)) } : t),
    };
    case '8': return { target: ringRxArb.map((t): TransferSpec => ({ ...t, completion: 'poll', bug: 'no-dma-rmb' })), lock: ['completion'], platform: fc.constant({}), protect: [] };
    case '9': return { target: ringTxArb.map((t): TransferSpec => ({ ...t, handoff: 'ownership', bug: 'no-dma-wmb' })), lock: ['handoff'], platform: fc.constant({}), protect: [] };
    case '10': return { target: ringTxArb.map((t): TransferSpec => ({ ...t, handoff: 'doorbell', bug: 'relaxed-doorbell' })), lock: ['handoff'], platform: fc.constant({}), protect: [] };
    case '11-rx': return { target: rxBug('read-before-sync'), platform: bounceTrigger, protect: BOUNCE };
    case '11-tx': return { target: txArb.map((t): TransferSpec => ({ ...t, bug: 'write-after-map' })), platform: bounceTrigger, protect: BOUNCE };
    case '12': return { target: rxBug('unmap-before-completion'), platform: nonCoherent, protect: COHERENCE };
    case '14-snoop': return {
      // The snooped write lands in a cached line that unmap's dc ivac then discards (no IVAC upgrade).
      target: rxArb, platform: fc.constant({ deviceCoherent: true, declaredCoherent: false, ivacUpgrade: false }), protect: [...COHERENCE, 'ivacUpgrade'],
    };
    case '14-nosnoop': return {
      target: fc.oneof({ withCrossShrink: true }, txArb, rxArb), platform: fc.constant({ deviceCoherent: false, declaredCoherent: true }), protect: COHERENCE,
    };
    case '15': return {
      target: rxArb.map((t): TransferSpec => ({ ...t, dir: 'DMA_FROM_DEVICE', prefill: true, deviceWrites: 'head', readAt: 'tail' })),
      lock: ['dir', 'prefill', 'deviceWrites', 'readAt'],
      platform: fc.constantFrom(...KERNELS_BEFORE_5_19).map((kernel) => ({ ...NON_COHERENT, kernel, ivacUpgrade: false, vmapStack: arm64HasVmapStack(parseKernelVersion(kernel)) })),
      protect: [...COHERENCE, 'kernel', 'ivacUpgrade'],
      // The tail must lie in a line the map's dc ivac covers whole, and differ from the head.
      fit: (t, p) => (t.kind === 'rx' ? { ...t, size: alignUp(Math.max(8, t.size), p.lineSize) } : t),
    };
  }
}

/** Scenarios of one bug kind: up to one well-behaved transfer on each side of the broken one. */
export function bugScenarioArb(kind: BugKind): fc.Arbitrary<Scenario> {
  const inj = injection(kind);
  return fc.record({
    platform: platformArb({ coherence: 'honest' }),
    overrides: inj.platform,
    before: fc.array(transferArb, { maxLength: 1 }),
    target: inj.target,
    after: fc.array(transferArb, { maxLength: 1 }),
    setMask: fc.boolean(),
  }).map(({ platform, overrides, before, target, after, setMask }): Scenario => {
    const p = overPlatform(platform, overrides);
    const spec = { transfers: [...before, target, ...after], setMask: setMask && overrides.deviceAddressBits === undefined };
    return refit({ platform: p, spec, protect: inj.protect, bug: { kind, target: before.length, lock: ['bug', ...(inj.lock ?? [])] } });
  });
}

/**
 * Re-establish a scenario's invariants after its spec changed: the buggy transfer fitted to the
 * platform (sizes its bug needs), every other transfer legal on the platform.
 */
export function refit(s: Scenario): Scenario {
  if (!s.bug) return { ...s, spec: legalize(s.spec, s.platform) };
  const fit = injection(s.bug.kind).fit;
  const transfers = s.spec.transfers.map((t, i) => (i === s.bug!.target && fit ? fit(t, s.platform) : t));
  return { ...s, spec: legalize({ ...s.spec, transfers }, s.platform, new Set([s.bug.target])) };
}

/** Well-behaved scenarios: the discipline followed, on any honestly described platform. */
export function wellBehavedScenarioArb(maxTransfers = 3, minTransfers = 1): fc.Arbitrary<Scenario> {
  return fc.record({
    platform: platformArb({ coherence: 'honest' }),
    transfers: fc.array(transferArb, { minLength: minTransfers, maxLength: maxTransfers }),
    setMask: fc.boolean(),
  }).map(({ platform, transfers, setMask }) => ({ platform, spec: legalize({ transfers, setMask }, platform), protect: [] }));
}
