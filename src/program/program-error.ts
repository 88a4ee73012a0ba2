/**
 * Where in a program an error is, as data: an op of a thread (index from 0, and the op's name),
 * a `final` range, a buffer or field, or a thread. The litmus front end turns it into the
 * file:line:col of the line to fix (src/litmus/locate.ts).
 */
export type ErrorSite =
  | { kind: 'op'; actor: string; op: number; name: string }
  | { kind: 'final'; index: number }
  | { kind: 'buffer'; buffer: string }
  | { kind: 'actor'; actor: string }
  /**
   * A statement as written, at any depth of if/while/for (src/exec/paths.ts): `op` is the
   * program's own op object (the front end knows where each was written), `at` names it for
   * callers without a source ("cpu0 2.1 (dma_map)").
   */
  | { kind: 'statement'; actor: string; at: string; op: object };

/** The site of op i (from 0) of an actor. */
export function opSite(actor: string, op: number, name: string): ErrorSite {
  return { kind: 'op', actor, op, name };
}

/**
 * A program that cannot run as written (unknown buffer, field outside its struct, ...). `text` is
 * what to tell the user next to the position; `message` prefixes it with the op or final range
 * ("cpu0 op 3 (dma_map): ...") for callers that have no source position. A buffer's or a thread's
 * text names it in its own sentence ("buffer 'x' is declared twice").
 */
export class ProgramError extends Error {
  constructor(readonly text: string, readonly where?: ErrorSite) {
    super(prefix(where) + text);
  }
}

function prefix(where: ErrorSite | undefined): string {
  if (where?.kind === 'op') return `${where.actor} op ${where.op + 1} (${where.name}): `;
  if (where?.kind === 'statement') return `${where.at}: `;
  if (where?.kind === 'final') return `final #${where.index}: `;
  return '';
}
