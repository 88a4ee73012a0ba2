// fast-check arbitraries of well-behaved driver specs, and `legalize`, which adapts a spec to what
// the kernel guarantees on one platform. Every choice lists its simplest value first, because
// fast-check shrinks a constantFrom toward its first value.

import fc from 'fast-check';
import { cleansFromDeviceAtMap, bouncesUnalignedKmalloc } from '../kernel/version.js';
import { parseKernelVersion } from '../kernel/version.js';
import { ARCH_DMA_MINALIGN } from '../kernel/layout.js';
import type { PlatformConfig } from '../platform/platform.js';
import type { DriverSpec, RingRxSpec, RingTxSpec, RxSpec, TransferSpec, TxSpec } from './driver-spec.js';

/** Sizes at and around line boundaries (64, 128, 256) and a few small ones; smallest first. */
export const SIZES = [4, 8, 24, 60, 64, 68, 100, 124, 128, 132, 192, 256, 512] as const;

/**
 * Every choice a transfer makes, simplest first. The arbitraries draw from these lists and the
 * scenario shrinker (src/selftest/shrink-scenario.ts) walks them toward their first entries.
 */
export const CHOICES = {
  rx: {
    dir: ['DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'],
    size: SIZES,
    placement: ['kmalloc', 'field', 'page'],
    completion: ['irq', 'poll'],
    handBack: ['unmap', 'sync'],
    prefill: [false, true],
    deviceWrites: ['all', 'head'],
    readAt: ['head', 'tail'],
    rounds: [1, 2],
    cpuWork: [false, true],
  },
  tx: {
    dir: ['DMA_TO_DEVICE', 'DMA_BIDIRECTIONAL'],
    size: SIZES,
    placement: ['kmalloc', 'field', 'page'],
    completion: ['irq', 'poll'],
    rounds: [1, 2],
    reuse: ['remap', 'sync'],
    peek: [false, true],
    cpuWork: [false, true],
  },
  'ring-rx': { words: [1, 2], completion: ['poll', 'irq'] },
  'ring-tx': { words: [1, 2], handoff: ['doorbell', 'ownership'] },
} as const satisfies Record<TransferSpec['kind'], Record<string, readonly unknown[]>>;

type Choices<K extends TransferSpec['kind']> = (typeof CHOICES)[K];

/** A record arbitrary drawing each field from its CHOICES list. */
function choose<K extends TransferSpec['kind']>(kind: K): fc.Arbitrary<Extract<TransferSpec, { kind: K }>> {
  const fields = Object.fromEntries(Object.entries(CHOICES[kind] as Choices<K>).map(([k, v]) => [k, fc.constantFrom(...(v as readonly unknown[]))]));
  return fc.record({ kind: fc.constant(kind), ...fields }) as unknown as fc.Arbitrary<Extract<TransferSpec, { kind: K }>>;
}

export const rxArb: fc.Arbitrary<RxSpec> = choose('rx');
export const txArb: fc.Arbitrary<TxSpec> = choose('tx');
export const ringRxArb: fc.Arbitrary<RingRxSpec> = choose('ring-rx');
export const ringTxArb: fc.Arbitrary<RingTxSpec> = choose('ring-tx');

export const transferArb: fc.Arbitrary<TransferSpec> = fc.oneof(
  { weight: 4, arbitrary: rxArb },
  { weight: 3, arbitrary: txArb },
  { weight: 2, arbitrary: ringRxArb },
  { weight: 2, arbitrary: ringTxArb },
);

export function driverSpecArb(maxTransfers = 3): fc.Arbitrary<DriverSpec> {
  return fc.record({ transfers: fc.array(transferArb, { minLength: 1, maxLength: maxTransfers }), setMask: fc.boolean() });
}

/**
 * Make a spec follow the discipline the kernel needs on this platform (the reference's §1, §5):
 *  - before v5.19, map(DMA_FROM_DEVICE) invalidates, so bytes the device does not write are
 *    lost (c50f11c6196f): the device must write the whole buffer;
 *  - before v6.5 kmalloc aligns to ARCH_DMA_MINALIGN (128); a CWG above that is out of spec
 *    (WARN_TAINT in arch_setup_dma_ops), so a device-writable buffer must be whole pages.
 * Transfers at the indexes in `keep` (the one carrying an injected bug) are left as they are.
 */
export function legalize(spec: DriverSpec, p: PlatformConfig, keep: ReadonlySet<number> = new Set()): DriverSpec {
  const v = parseKernelVersion(p.kernel);
  const kmallocUnsafe = !bouncesUnalignedKmalloc(v) && p.cwg > ARCH_DMA_MINALIGN;
  const transfers = spec.transfers.map((t, i): TransferSpec => {
    if (keep.has(i)) return t;
    if (t.kind === 'rx') {
      return {
        ...t,
        deviceWrites: cleansFromDeviceAtMap(v) ? t.deviceWrites : 'all',
        placement: kmallocUnsafe && t.placement === 'kmalloc' ? 'page' : t.placement,
      };
    }
    if (t.kind === 'tx' && t.dir !== 'DMA_TO_DEVICE' && kmallocUnsafe && t.placement === 'kmalloc') return { ...t, placement: 'page' };
    return t;
  });
  return { ...spec, transfers };
}
