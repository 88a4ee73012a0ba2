// A contract finding: a rule of the DMA API that an execution (or the program text) breaks,
// whether or not the data went wrong on the modelled platform. dma-debug's findings carry the
// kernel's exact message text; the others name the document they come from.

export type Severity = 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** Stable id of the rule, e.g. `dma-debug/failed-to-check-map-error` or `ownership/cpu-reads-device-owned`. */
  rule: string;
  /** What the kernel prints (dma-debug: the text after "DMA-API: <driver> <device>: "), or our explanation. */
  message: string;
  /** The op the finding points at. */
  actor: string;
  op: number;
  /** Another op the message speaks of ("the earlier store"). */
  related?: { actor: string; op: number };
  /** Where the rule is written down: a kernel function or document. */
  source: string;
  /** What a driver developer can check: a dma-debug splat, a counterexample, an order the device sees. */
  witness?: { kind: 'dma-debug' | 'counterexample' | 'device-order'; text: string; replay?: string };
  note?: string;
  /** A finding the user waived, and where. */
  waived?: { reason: string; by: 'file' | 'command line' };
}

/** One finding per rule and op: the same violation met on many interleavings is reported once. */
export function findingKey(f: Finding): string {
  return `${f.rule}@${f.actor}:${f.op}`;
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** `%016llx` of the kernel's messages. */
export function dmaAddr(n: number): string {
  return '0x' + n.toString(16).padStart(16, '0');
}
