// The step a report blames, with where its op is written: the one the explanation names
// (src/report/cause.ts; with several causes the earliest culprit, as the timeline marks it), or,
// when nothing explains the run, the last change to the victim bytes before the read.

import type { Compiled } from '../exec/compile.js';
import { hardwareEventLine } from '../exec/execution.js';
import type { TraceEntry } from '../exec/trace.js';
import { hex } from '../exec/values.js';
import { locateOp } from '../litmus/locate.js';
import type { SourceMap } from '../litmus/parse.js';
import type { Cause } from './cause.js';

export interface Culprit {
  /** Its index in the counterexample's steps (0-based; reports number them from 1). */
  step: number;
  /** The actor that performed the op, or "line 0x1000" for a fill or eviction. */
  lane: string;
  /** The op in litmus syntax, or the hardware event in words. */
  text: string;
  /** What it did wrong ("did not invalidate line 0x1000"). */
  role: string;
  /** Where the op is written in the test (absent for a hardware event, or a program with no file). */
  line?: number;
  col?: number;
}

/** What a report says of a step the explanation does not name, but the bytes' history does. */
export const LAST_CHANGE = 'the last change to the victim bytes before the read';

/** The earliest step any cause blames (the first cause naming it gives the role). */
export function causeCulprit(c: Compiled, trace: readonly TraceEntry[], texts: readonly string[], causes: readonly Cause[], source?: SourceMap): Culprit | undefined {
  let first: Cause | undefined;
  for (const x of causes) if (x.culprit.step < trace.length && (!first || x.culprit.step < first.culprit.step)) first = x;
  return first && stepCulprit(c, trace, texts, first.culprit.step, first.culprit.role, source);
}

/** Step k of a trace as the culprit, in the role given. */
export function stepCulprit(c: Compiled, trace: readonly TraceEntry[], texts: readonly string[], k: number, role: string, source?: SourceMap): Culprit {
  const t = trace[k];
  const lane = t.actor ?? `line ${hex(hardwareEventLine(t.event!, c.platform).line)}`;
  const at = t.actor !== undefined && t.op !== undefined && source ? locateOp(c, c.actorIndex.get(t.actor)!, t.op, source) : undefined;
  return { step: k, lane, text: texts[k], role, ...(at ? { line: at.line, col: at.col } : {}) };
}
