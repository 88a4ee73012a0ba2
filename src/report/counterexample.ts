// A counterexample as a kernel developer reads it: the program's ops per actor in litmus syntax,
// what the kernel and the hardware did in order (from the model's trace: dc instructions, line
// fills, write-backs, swiotlb copies), the cache lines at the end, and the observations that no
// execution of the ideal platform can produce; each step also as the trace recorded it (typed
// events, src/exec/trace.ts), and the step the explanation blames. Plain data, so --json prints
// it as is.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { diffObservations } from '../exec/observations.js';
import { hex } from '../exec/values.js';
import { printActor, printContext, printLitmus, printOp, type PrintContext } from '../litmus/print.js';
import { droppedNames } from '../litmus/registers.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import type { ExecutionVerdict } from '../oracle/oracle.js';
import type { Cache, CacheLevel } from '../platform/cache.js';
import { describePlatform, type PlatformConfig } from '../platform/platform.js';
import { hardwareEventLine } from '../exec/execution.js';
import type { TraceEntry } from '../exec/trace.js';
import { effectLines, effectTexts, hardwareEventText } from './trace-text.js';
import { explainCauses, type Cause } from './cause.js';
import { traceRun, type TracedRun } from './traced-run.js';
import { causeCulprit, type Culprit } from './culprit.js';
import type { SourceMap } from '../litmus/parse.js';

export interface ReportEvent {
  /** The actor that performed an op, or "hardware" for a fill or eviction. */
  actor: string;
  text: string;
  /** For a CPU op performed before an earlier one of its thread: which. */
  ahead?: string;
  effects: string[];
  /** The same step as data: the op (actor, index) or hardware event, and every effect, the unsaid ones too. */
  trace: TraceEntry;
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
  /** Why, in kernel terms: which step put the wrong bytes where they were read (src/report/cause.ts). */
  cause: string[];
  /** The same, as data: the steps (0-based indexes into `events`) a report marks. */
  causes: Cause[];
  /** One line: which read went wrong and why (the first cause), or which observation differs. */
  why: string;
  /** The step the explanation blames, and where its op is written (src/report/culprit.ts). */
  culprit?: Culprit;
  execution: Execution;
  /** For a program with branches and loops: the path `program` is (loops unrolled, branches as assume), choice by choice. */
  path?: string[];
}

/**
 * run: the counterexample's one traced replay, when the caller has it already
 * (src/report/traced-run.ts); source: where the test's ops are written, to locate the culprit.
 */
export function explainCounterexample(c: Compiled, execution: Execution, result: Extract<ExecutionVerdict, { verdict: 'bug' }>, run: TracedRun = traceRun(c, execution), source?: SourceMap): CounterexampleReport {
  const ctx = withDriversNames(c);
  const opText = c.actors.map((ca) => {
    const regs = { next: 0 };
    return ca.actor.ops.map((op) => printOp(ca.actor.kind, op, ctx, regs).split('\n').pop()!);
  });
  const printed = c.actors.map((ca) => printActor(ca.actor, ctx)); // c.actors are c.program.actors, in order
  const ops: Record<string, string[]> = {};
  c.actors.forEach((ca, a) => { ops[ca.actor.name] = printed[a].slice(1, -1).map((l) => l.trim()); });

  const performed = c.actors.map((ca) => new Array<boolean>(ca.actor.ops.length).fill(false));
  const events: ReportEvent[] = run.trace.map((t) => {
    if (t.actor === undefined || t.op === undefined) return { actor: 'hardware', text: hardwareEventText(t.event!, c.platform), effects: effectTexts(t.effects, c.platform.lineSize), trace: t };
    const a = c.actorIndex.get(t.actor)!;
    const earlier = performed[a].findIndex((done, i) => !done && i < t.op!);
    performed[a][t.op] = true;
    return {
      actor: t.actor,
      text: opText[a][t.op],
      ...(earlier >= 0 ? { ahead: `performed before \`${opText[a][earlier]}\`` } : {}),
      effects: effectTexts(t.effects, c.platform.lineSize),
      trace: t,
    };
  });

  const label = (actor: string, op: number) => `${actor}: \`${opText[c.actorIndex.get(actor)!][op]}\``;
  const diff = result.condition ? [result.condition.diff] : diffObservations(result.model, result.ideal, label, (i) => finalLabel(c, i));
  const observations = diff.map((d) => ({ what: d.what, arm64: d.model, ideal: d.ideal }));

  const lines = lineStates(run.world.cache, run.trace, c.platform);
  const causes = explainCauses(c, run, result, (a, j) => `${c.actors[a].actor.name}'s \`${opText[a][j]}\``);
  const path = c.path ? c.path.threads.flatMap((t) => t.choices) : undefined;
  const culprit = causeCulprit(c, run.trace, events.map((e) => e.text), causes, source);
  const first = observations[0];
  const read = causes.length ? `${causes[0].reader} read ${causes[0].bytes.got}${causes[0].bytes.ideal ? `, not ${causes[0].bytes.ideal}` : ''}: ${causes[0].short}` : undefined;
  // An exists/forall clause: what it says first ("holds on arm64, never on the ideal platform"), then the read that made it.
  const clause = result.condition ? `${result.condition.diff.what} ${result.condition.diff.model} on arm64 and ${result.condition.diff.ideal}` : undefined;
  const why = clause
    ? (read ? `${clause}; ${read}` : clause)
    : read ?? (first ? `${first.what}: ${first.arm64} on arm64, ${first.ideal} on the ideal (coherent, in-order) platform` : 'an observation no ideal execution can make');
  return {
    platform: describePlatform(c.platform), program: printLitmus(c.program, { ctx, actors: printed }), ops, events, observations, lines,
    cause: causes.map((x) => x.text), causes, why, ...(culprit ? { culprit } : {}), execution, ...(path ? { path } : {}),
  };
}

/** The state at the end of every line the trace names ("line 0x1000", or with two levels "L2 line 0x1000"). */
function lineStates(cache: Cache, trace: readonly TraceEntry[], p: PlatformConfig): CounterexampleReport['lines'] {
  if (!cache.outer) {
    const touched = new Set<number>();
    for (const t of trace) for (const e of t.effects) for (const l of effectLines(e)) touched.add(l.line);
    return [...touched].sort((a, b) => a - b).map((l) => {
      const state = cache.state(l);
      return { line: hex(l), state: state ? `${state} in the cache` : 'not cached' };
    });
  }
  // With two levels the fills and evictions name their level too.
  const touched = new Map<string, { level: CacheLevel; line: number }>();
  for (const t of trace) {
    for (const l of [...(t.event ? [hardwareEventLine(t.event, p)] : []), ...t.effects.flatMap(effectLines)]) touched.set(`${l.level}:${l.line}`, l);
  }
  return [...touched.values()].sort((a, b) => a.level - b.level || a.line - b.line).map(({ level, line }) => {
    const state = cache.state(line, level);
    return { line: `L${level} ${hex(line)}`, state: state ? `${state} in L${level}` : `not in L${level}` };
  });
}

function finalLabel(c: Compiled, i: number): string {
  const f = c.program.final?.[i];
  return f ? `final contents of ${f.buf}${f.off ? ` + ${f.off}` : ''} (${f.size} bytes)` : `final #${i}`;
}

/**
 * The print context of a report: values nothing reads keep the names the driver gave them
 * (`data = *(u32 *)buf;`), found through the parsed op each path op was made from.
 */
function withDriversNames(c: Compiled): PrintContext {
  const base = printContext(c.program);
  const named = new Map<CpuOp | DeviceOp, string>();
  c.actors.forEach((ca, a) => ca.actor.ops.forEach((op, j) => {
    const name = droppedNames.get(c.path?.threads[a]?.from[j] ?? op);
    if (name !== undefined) named.set(op, name);
  }));
  if (!named.size) return base;
  return { ...base, names: new Set([...(base.names ?? []), ...named.values()]), nameOf: (op) => named.get(op) };
}
