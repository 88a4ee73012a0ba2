// fast-check arbitraries of executions: interleavings of the actors, CPU ops performed ahead of
// earlier ones, and speculative fills and evictions of the lines that matter.
//
// Steps are generated as raw numbers (RawStep) that mean nothing until resolved against a
// compiled program. That keeps the execution arbitrary independent of the program, so one
// fast-check value can hold both and shrink both at once; a resolved Execution is plain data
// (actor names, physical addresses) and is what a saved counterexample stores.

import fc from 'fast-check';
import type { Compiled } from '../exec/compile.js';
import { hasOuterLevel, type Execution, type Step } from '../exec/execution.js';
import { bounceSlots } from '../kernel/swiotlb.js';
import type { Machine } from '../exec/machine.js';
import { newModelMachine } from '../model/machines.js';

const MAX_LINES_PER_BUFFER = 8;

/**
 * Lines worth filling or evicting — every line of every buffer (capped) and the bounce slots'
 * lines — with the ones where bugs live listed more than once: a buffer's first and last line
 * (shared with a neighbour when the buffer is not line-aligned) and the lines just outside each
 * top-level object (a neighbouring object may share them).
 */
export function weightedLines(c: Compiled, line = c.platform.cwg): number[] {
  const out: number[] = [];
  const down = (a: number) => a - (a % line);
  for (const b of c.layout.buffers.values()) {
    const first = down(b.addr), last = down(b.addr + b.size - 1);
    for (let a = first, n = 0; a <= last && n < MAX_LINES_PER_BUFFER; a += line, n++) out.push(a);
    out.push(first, last);
    if (b.object === b.name && first >= line) out.push(first - line, last + line);
  }
  const sizes = c.actors.flatMap((ca) => ca.actor.ops.flatMap((op) => (op.op === 'dma_map' ? [op.size] : op.op === 'dma_map_sg' ? op.entries.map((e) => e.size) : [])));
  for (const s of bounceSlots(sizes, c.platform.iommu !== 'none' ? c.platform.iovaGranule : undefined)) {
    for (let a = s.addr, n = 0; a < s.addr + s.size && n < MAX_LINES_PER_BUFFER; a += line, n++) out.push(a);
  }
  return out;
}

/**
 * The lines a raw fill or evict step may pick. One cache level: the weighted CWG lines. Two
 * (CWG > DminLine): the weighted L1 lines, then from index outerFrom the weighted L2 lines.
 */
function eventLines(c: Compiled): { lines: number[]; outerFrom: number } {
  const { lineSize, cwg } = c.platform;
  const inner = weightedLines(c, lineSize);
  return { lines: hasOuterLevel(c.platform) ? [...inner, ...weightedLines(c, cwg)] : inner, outerFrom: inner.length };
}

/** What resolving needs of a program, worked out once: the fuzzer resolves up to 8 executions of each. Read only. */
interface Resolving { lines: readonly number[]; outerFrom: number; names: readonly string[]; cpus: readonly number[] }
const resolvingCache = new WeakMap<Compiled, Resolving>();
function resolvingOf(c: Compiled): Resolving {
  let r = resolvingCache.get(c);
  if (!r) {
    r = { ...eventLines(c), names: c.actors.map((a) => a.actor.name), cpus: c.actors.flatMap((a, i) => (a.actor.kind === 'cpu' ? [i] : [])) };
    resolvingCache.set(c, r);
  }
  return r;
}

export interface ExecutionArbOptions {
  maxSteps?: number;
  /** Largest `skip` for a CPU step (how far ahead of program order an op may be performed). */
  maxSkip?: number;
}

/**
 * A step before it is resolved: [kind, a, b] with kind 0 = run actor a for 1 + b % 4 ops,
 * 1 = perform one op of CPU a ahead of program order by 1 + b % maxSkip, 2 = fill line b,
 * 3 = evict line b (indexes taken modulo what the program has; with two cache levels the list
 * holds the L1 lines, then the L2 lines).
 */
export type RawStep = readonly [kind: 0 | 1 | 2 | 3, a: number, b: number];

const raw = (kind: 0 | 1 | 2 | 3) => fc.tuple(fc.constant(kind), fc.nat(255), fc.nat(255)).map((t): RawStep => t);

export const rawStepArb: fc.Arbitrary<RawStep> = fc.oneof(
  { weight: 6, arbitrary: raw(0) },
  { weight: 3, arbitrary: raw(1) },
  { weight: 2, arbitrary: raw(2) },
  { weight: 2, arbitrary: raw(3) },
);

export function rawExecutionArb(maxSteps = 40): fc.Arbitrary<RawStep[]> {
  return fc.array(rawStepArb, { maxLength: maxSteps, size: 'medium' });
}

/**
 * What raw steps mean for one compiled program, decided while running it on the arm64 model so
 * that every step does something: a run step that finds its actor blocked runs the next actor
 * that can move; an ahead step picks among the ops the ordering rules let that CPU perform early
 * (across whatever barriers the program has). The result replays step for step.
 */
export function resolveExecution(c: Compiled, steps: readonly RawStep[], o: ExecutionArbOptions = {}): Execution {
  return resolveAndRun(c, steps, o).execution;
}

/** resolveExecution, also returning the model run it made (finished), so it need not be run again. */
export function resolveAndRun(c: Compiled, steps: readonly RawStep[], o: ExecutionArbOptions = {}): { execution: Execution; model: Machine } {
  const { lines, outerFrom, names, cpus } = resolvingOf(c);
  const maxSkip = o.maxSkip ?? 3;
  const m = newModelMachine(c);
  const out: Step[] = [];
  const early: number[] = [];
  for (const [kind, a, b] of steps) {
    if (m.bailedOut !== undefined) break;
    if (kind === 0 || (kind === 1 && !cpus.length)) {
      for (let n = 0; n <= b % 4; n++) {
        for (let t = 0; t < names.length; t++) {
          const i = (a + t) % names.length;
          if (m.run(i, 0)) {
            out.push({ run: names[i] });
            break;
          }
        }
      }
    } else if (kind === 1) {
      const i = cpus[a % cpus.length];
      early.length = 0;
      for (let skip = 1; skip <= maxSkip; skip++) if (mayPerformEarly(m, i, skip)) early.push(skip);
      if (!early.length) continue;
      const skip = early[b % early.length];
      if (m.run(i, skip)) out.push({ run: names[i], skip });
    } else if (lines.length) {
      const i = b % lines.length, line = lines[i];
      const step: Step = i < outerFrom ? (kind === 2 ? { fill: line } : { evict: line }) : kind === 2 ? { fill: line, level: 2 } : { evict: line, level: 2 };
      m.step(step);
      out.push(step);
    }
  }
  m.finish();
  return { execution: { steps: out }, model: m };
}

/** The ordering rules allow CPU actor a to perform its skip-th pending op now (waits aside). */
function mayPerformEarly(m: Machine, a: number, skip: number): boolean {
  const j = m.pendingOp(a, skip);
  if (j < 0) return false;
  const ca = m.c.actors[a];
  const op = ca.actor.ops[j];
  if (op.op === 'wait_irq' || op.op === 'poll') return false;
  return m.mayPerform(a, j) !== null;
}

export function executionArb(c: Compiled, o: ExecutionArbOptions = {}): fc.Arbitrary<Execution> {
  const ops = c.actors.reduce((n, a) => n + a.actor.ops.length, 0);
  const maxSteps = o.maxSteps ?? Math.max(8, 2 * ops);
  return rawExecutionArb(maxSteps).map((steps) => resolveExecution(c, steps, o));
}

/** One resolved step for a fixed program (kept for callers that build their own step lists). */
export function stepArb(c: Compiled, o: ExecutionArbOptions = {}): fc.Arbitrary<Step> {
  return rawStepArb.map((s) => resolveExecution(c, [s], o).steps[0]).filter((s): s is Step => s !== undefined);
}
