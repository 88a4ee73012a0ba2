// Decide each contract finding's severity by its witness (src/check/rules.ts): an error only
// when something goes wrong that a driver developer can check, else a warning saying why not.
//  - dma-debug rules: the kernel's WARN is the witness;
//  - barrier rules: an order the device can observe (src/check/device-order.ts); where the
//    device's own program order (a doorbell after both stores) orders the accesses, there is no
//    finding at all;
//  - ownership and contract rules: a value counterexample on an explored platform and placement
//    (src/check/counterexample-witness.ts), searched once for all of them.

import type { Compiled } from '../exec/compile.js';
import { searchCounterexamples, WITNESS_BUDGET, type WitnessSearchInput } from './counterexample-witness.js';
import { deviceOrder } from './device-order.js';
import type { Finding } from './finding.js';
import { witnessKind } from './rules.js';
import { bouncesUnalignedKmalloc, dmaDebugQuietOverlapUnderSwiotlb, QUIET_OVERLAP_KERNELS } from '../kernel/version.js';

/** Why a rule's own warnings are warnings. */
const WARNING_NOTES: Record<string, string> = {
  'dma-debug/pending-allocations': 'a litmus test is a snippet of a driver whose buffers may stay mapped; dma-debug says this only when the driver is unbound',
  'dma-debug/cacheline-overlap': 'both mappings bounce through swiotlb, so the device never touches the CPU\'s cache lines; dma-debug no longer WARNs here',
  'ownership/cpu-writes-device-owned': 'harmless when dma_sync_single_for_device() follows before the device looks (sync_for_cpu(DMA_TO_DEVICE) is a no-op in dma-direct and swiotlb); the device seeing the bytes unsynced is reported where it happens',
  'contract/sync-direction-differs': 'this sync still does all the mapping needs here (dma-debug skips BIDIRECTIONAL mappings)',
};

export interface PathFinding { finding: Finding; path: Compiled }

/**
 * An EEXIST this kernel prints but later ones do not (kernel/version.ts
 * dmaDebugQuietOverlapUnderSwiotlb): said with the witness, so a reader on a newer stable kernel
 * knows why their dmesg stays quiet.
 */
function laterKernelsQuiet(f: Finding, path: Compiled): string {
  const v = path.platform.version;
  if (f.rule !== 'dma-debug/cacheline-overlap' || !bouncesUnalignedKmalloc(v) || dmaDebugQuietOverlapUnderSwiotlb(v)) return '';
  return ` (printed by this kernel; ${QUIET_OVERLAP_KERNELS} print nothing here while swiotlb is active: 03521c892bb8)`;
}

/**
 * The findings with their severity decided, in the order given (a barrier finding the device
 * cannot observe out of order is dropped). `search` undefined: no counterexample search (then
 * ownership and contract findings are warnings).
 */
export function judgeFindings(list: readonly PathFinding[], search: WitnessSearchInput | undefined, budget = WITNESS_BUDGET): Finding[] {
  const out: (Finding | undefined)[] = [];
  const pending: number[] = [];
  for (const { finding: f, path } of list) {
    const kind = witnessKind(f.rule);
    if (f.severity === 'warning') {
      out.push({ ...f, note: f.note ?? WARNING_NOTES[f.rule] ?? `${f.rule} (${f.source}) asks for it, but no explored platform goes wrong` });
    } else if (kind === 'dma-debug') {
      out.push({ ...f, witness: { kind: 'dma-debug', text: `${f.rule.startsWith('dma-debug/') ? `DMA-API: ${f.message}` : `WARN: ${f.message}`}${laterKernelsQuiet(f, path)}` } });
    } else if (kind === 'device-order') {
      const o = deviceOrder(path, f);
      if ('witness' in o) out.push({ ...f, witness: { kind: 'device-order', text: o.witness } });
      else if ('unseen' in o) out.push({ ...f, severity: 'warning', note: `${f.rule} (${f.source}) asks for a barrier here, but the device cannot observe the order: ${o.unseen}` });
      else out.push(undefined); // ordered by the device's own program order: nothing to say
    } else if (kind === 'device-access') {
      // The interleaving the checker walked is the witness: no platform is needed for a device to
      // reach memory nobody mapped for it (dma-api-howto.rst: the device may only use what is mapped).
      out.push({ ...f, witness: { kind: 'device-access', text: `an execution in which ${f.message.replace(/^the device/, `${f.actor}`)}: with an SMMU a fault, without one a DMA into whatever memory is there` } });
    } else if (kind === 'counterexample') {
      pending.push(out.length);
      out.push(f);
    } else {
      out.push({ ...f, severity: 'warning', note: `${f.rule} (${f.source}): no witness kind makes this rule an error` });
    }
  }
  if (pending.length) {
    const found = search ? searchCounterexamples(pending.map((i) => out[i]!), search, budget) : undefined;
    pending.forEach((i, k) => {
      const f = out[i]!;
      const w = found?.witnesses[k];
      out[i] = w ? { ...f, witness: w } : {
        ...f, severity: 'warning',
        note: found
          ? `${f.rule} (${f.source}) is broken, but no explored platform goes wrong in ${f.handle ? `the bytes of ${f.handle}` : 'these bytes'}: the check's platform and ${found.points} more platforms and placements of the fuzz matrix (${found.states} states)`
          : `${f.rule} (${f.source}) is broken, but no platform goes wrong in ${f.handle ? `the bytes of ${f.handle}` : 'these bytes'} in this search`,
      };
    });
  }
  return out.filter((f): f is Finding => f !== undefined);
}
