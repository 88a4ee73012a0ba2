// Waivers: "I know, and here is why". A `// dmafuzz: waive RULE-ID: reason` comment waives that
// rule's findings on its own line or the next one; `--waive RULE-ID` waives a rule for a whole
// run. A waived finding is still reported, marked, and never counts towards the verdict.

import type { Finding } from './finding.js';
import { isRule } from './rules.js';

export interface Waiver {
  rule: string;
  reason: string;
  by: 'file' | 'command line';
  /** A file waiver's position: the line of its comment. */
  line?: number;
  col?: number;
}

export type Located = Finding & { line?: number; col?: number };

/** The first waiver naming no rule the checker knows. */
export function unknownRule(waivers: readonly Waiver[]): Waiver | undefined {
  return waivers.find((w) => !isRule(w.rule));
}

/** Mark the waived findings; the file waivers that matched none are returned too (an input error). */
export function applyWaivers<F extends Located>(findings: readonly F[], waivers: readonly Waiver[]): { findings: F[]; unmatched: Waiver[] } {
  const used = new Set<Waiver>();
  const out = findings.map((f) => {
    const w = waivers.find((x) => x.by === 'file' && x.rule === f.rule && f.line !== undefined && (f.line === x.line || f.line === x.line! + 1))
      ?? waivers.find((x) => x.by === 'command line' && x.rule === f.rule);
    if (!w) return f;
    used.add(w);
    return { ...f, waived: { reason: w.reason, by: w.by } };
  });
  return { findings: out, unmatched: waivers.filter((w) => w.by === 'file' && !used.has(w)) };
}
