// A contract finding: a rule of the DMA API that an execution (or the program text) breaks.
// A finding is an `error` (it makes the verdict `bug`) only with a witness a driver developer can
// check (src/check/witness.ts): dma-debug's own WARN text, a value counterexample on a platform
// `dmafuzz fuzz` explores, or an order the device can observe. Everything else is a `warning`
// whose `note` says why it is not an error.

export type Severity = 'error' | 'warning';

/** What makes a finding an error: something that goes wrong, which the reader can check. */
export interface Witness {
  /** dma-debug: the kernel's WARN; counterexample: a value run that goes wrong; device-order: the device can see the stores out of order. */
  kind: 'dma-debug' | 'counterexample' | 'device-order' | 'device-access';
  text: string;
  /** The command that reproduces it (counterexample). */
  replay?: string;
}

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
  /** The DMA handle (or coherent buffer) the finding is about: a counterexample must involve it. */
  handle?: string;
  witness?: Witness;
  /** For a warning: why it is not an error. */
  note?: string;
  /** Waived by a `// dmafuzz: waive RULE: reason` line of the file or `--waive RULE`: shown, never counted in the verdict. */
  waived?: { reason: string; by: 'file' | 'command line' };
}

/** One finding per rule and op: the same violation met on many interleavings is reported once. */
export function findingKey(f: Finding): string {
  return `${f.rule}@${f.actor}:${f.op}`;
}

/** Errors that count: witnessed and not waived. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some(countsAsError);
}

export function countsAsError(f: Finding): boolean {
  return f.severity === 'error' && !f.waived;
}

/** `%016llx` of the kernel's messages. */
export function dmaAddr(n: number): string {
  return '0x' + n.toString(16).padStart(16, '0');
}
