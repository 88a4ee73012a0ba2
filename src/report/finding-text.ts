// A contract finding in words, as every report says it: `file:12:3: error: message (rule;
// source)` on one line, and for `dmafuzz check` the lines under it (witness, note, waiver).

import type { LocatedFinding } from '../check/file-findings.js';

/** `file:12:3: error: message (rule; source)`, or `cpu0 op 3: ...` for a program with no file. */
export function findingText(file: string, f: LocatedFinding): string {
  return `${findingPlace(file, f)}: ${f.severity}: ${f.message} (${f.rule}; ${f.source})`;
}

function findingPlace(file: string, f: LocatedFinding): string {
  return f.line !== undefined ? `${file}:${f.line}:${f.col}` : `${f.actor} op ${f.op + 1}`;
}

/**
 * `file:12:3: error: <message> (<rule>; <source>)`, or `cpu0 op 3: ...` for a program with no
 * file; then what makes it an error (its witness), or why it is not one, and any waiver.
 */
export function findingLines(file: string, f: LocatedFinding): string[] {
  const out = [`${findingPlace(file, f)}: ${f.severity}${f.waived ? ' (waived)' : ''}: ${f.message} (${f.rule}; ${f.source})`];
  if (f.witness) out.push(`  witness (${f.witness.kind}): ${f.witness.text}`);
  if (f.witness?.replay) out.push(`  reproduce: ${f.witness.replay}`);
  if (f.note) out.push(`  not an error: ${f.note}`);
  if (f.waived) out.push(`  waived ${f.waived.by === 'file' ? 'in the file' : 'on the command line'}: ${f.waived.reason}`);
  return out;
}
