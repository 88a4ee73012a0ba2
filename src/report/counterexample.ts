// A counterexample as a kernel developer reads it: the program's ops per actor in litmus syntax,
// what the kernel and the hardware did in order (from the model's trace: dc instructions, line
// fills, write-backs, swiotlb copies), the cache lines at the end, and the observations that no
// execution of the ideal platform can produce. Plain data, so --json prints it as is.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { diffObservations } from '../exec/observations.js';
import { hex } from '../exec/values.js';
import { printActor, printContext, printLitmus, printOp } from '../litmus/print.js';
import type { ExecutionVerdict } from '../oracle/oracle.js';
import { runModel } from '../oracle/run.js';
import type { Arm64World } from '../platform/arm64-world.js';
import { describePlatform } from '../platform/platform.js';

export interface ReportEvent {
  /** The actor that performed an op, or "hardware" for a fill or eviction. */
  actor: string;
  text: string;
  /** For a CPU op performed before an earlier one of its thread: which. */
  ahead?: string;
  effects: string[];
}

export interface CounterexampleReport {
  platform: string;
  /** The program as a litmus test. */
  program: string;
  /** Each actor's ops, in litmus syntax. */
  ops: Record<string, string[]>;
  events: ReportEvent[];
  observations: { what: string; arm64: string; ideal: string }[];
  lines: { line: string; state: string }[];
  execution: Execution;
}

export function explainCounterexample(c: Compiled, execution: Execution, result: Extract<ExecutionVerdict, { verdict: 'bug' }>): CounterexampleReport {
  const ctx = printContext(c.program);
  const opText = c.actors.map((ca) => {
    const regs = { next: 0 };
    return ca.actor.ops.map((op) => printOp(ca.actor.kind, op, ctx, regs).split('\n').pop()!);
  });
  const ops: Record<string, string[]> = {};
  for (const ca of c.actors) ops[ca.actor.name] = printActor(ca.actor, ctx).slice(1, -1).map((l) => l.trim());

  const m = runModel(c, execution, true);
  const performed = c.actors.map((ca) => new Array<boolean>(ca.actor.ops.length).fill(false));
  const events: ReportEvent[] = (m.trace ?? []).map((t) => {
    if (t.actor === undefined || t.op === undefined) return { actor: 'hardware', text: t.event ?? '', effects: t.effects };
    const a = c.actorIndex.get(t.actor)!;
    const earlier = performed[a].findIndex((done, i) => !done && i < t.op!);
    performed[a][t.op] = true;
    return {
      actor: t.actor,
      text: opText[a][t.op],
      ...(earlier >= 0 ? { ahead: `performed before \`${opText[a][earlier]}\`` } : {}),
      effects: t.effects,
    };
  });

  const label = (actor: string, op: number) => `${actor}: \`${opText[c.actorIndex.get(actor)!][op]}\``;
  const observations = diffObservations(result.model, result.ideal, label).map((d) => ({ what: d.what.startsWith('final #') ? finalLabel(c, d.what) : d.what, arm64: d.model, ideal: d.ideal }));

  const cache = (m.world as Arm64World).cache;
  const touched = new Set<number>();
  for (const e of events) for (const f of e.effects) for (const x of f.matchAll(/line (0x[0-9a-f]+)/g)) touched.add(Number(x[1]));
  const lines = [...touched].sort((a, b) => a - b).map((l) => {
    const line = cache.lines.get(l);
    return { line: hex(l), state: line ? (line.dirty ? 'dirty in the cache' : 'clean in the cache') : 'not cached' };
  });
  return { platform: describePlatform(c.platform), program: printLitmus(c.program), ops, events, observations, lines, execution };
}

function finalLabel(c: Compiled, what: string): string {
  const f = c.program.final?.[Number(what.slice('final #'.length))];
  return f ? `final contents of ${f.buf}${f.off ? ` + ${f.off}` : ''} (${f.size} bytes)` : what;
}
