// Every rule the contract checker knows, with what makes its finding an error (docs/contract.md
// lists the same table). A waiver (`// dmafuzz: waive RULE: reason`, `--waive RULE`) must name one.
//  - dma-debug: the kernel WARNs on a real system; the WARN text is the witness.
//  - counterexample: an arm64 run of the same program, on a platform and placement that
//    `dmafuzz fuzz` explores, goes wrong in the bytes the finding is about (src/check/counterexample-witness.ts).
//  - device-order: the device can read the two words in an order nothing forbids (src/check/device-order.ts).
//  - device-access: the explored execution itself: the device reads or writes bytes no live
//    mapping gives it (an SMMU fault, or without one a DMA into whatever memory is there).
//  - none: a warning whatever happens.

export type WitnessKind = 'dma-debug' | 'counterexample' | 'device-order' | 'device-access' | 'none';

export const RULES: Readonly<Record<string, WitnessKind>> = {
  'dma-debug/free-invalid-address': 'dma-debug',
  'dma-debug/free-not-allocated': 'dma-debug',
  'dma-debug/free-different-size': 'dma-debug',
  'dma-debug/free-wrong-function': 'dma-debug',
  'dma-debug/free-different-nents': 'dma-debug',
  'dma-debug/free-different-direction': 'dma-debug',
  'dma-debug/failed-to-check-map-error': 'dma-debug',
  'dma-debug/sync-not-allocated': 'dma-debug',
  'dma-debug/sync-different-direction': 'dma-debug',
  'dma-debug/sync-read-only-for-cpu': 'dma-debug',
  'dma-debug/sync-write-only-to-device': 'dma-debug',
  'dma-debug/map-stack': 'dma-debug',
  'dma-debug/map-vmalloc': 'dma-debug',
  'dma-debug/cacheline-overlap': 'dma-debug',
  // a WARN when the driver is unbound: an error in a test declared the mappings' whole life (`unbind;`)
  'dma-debug/pending-allocations': 'dma-debug',
  'dma-mapping/rejecting-vmalloc': 'dma-debug',
  'ownership/cpu-reads-device-owned': 'counterexample',
  'ownership/cpu-writes-device-owned': 'counterexample',
  'ownership/cpu-writes-from-device': 'counterexample',
  'ownership/device-sees-unsynced-cpu-write': 'counterexample',
  'ownership/device-writes-to-device-mapping': 'counterexample',
  'ownership/device-outside-mapping': 'device-access',
  'ownership/shares-cache-line': 'counterexample',
  'contract/unchecked-mapping-used': 'counterexample',
  'contract/sync-direction-differs': 'counterexample',
  'barriers/payload-ownership-unordered': 'device-order',
  'barriers/status-payload-unordered': 'device-order',
  'barriers/writel-relaxed-unordered': 'device-order',
  'barriers/smp-barrier-for-device': 'device-order',
  'barriers/relaxed-status-unordered': 'counterexample',
  'barriers/status-unordered-coherent-device': 'counterexample',
  'barriers/ownership-unordered-coherent-device': 'counterexample',
};

export function isRule(id: string): boolean {
  return Object.hasOwn(RULES, id);
}

export function witnessKind(rule: string): WitnessKind {
  return RULES[rule] ?? 'none';
}
