// A counterexample as a timeline, for the HTML report: the execution replayed op by op on the
// arm64 model, with after every step each interesting cache line's state — absent, clean or
// dirty, and which of its bytes differ between the cache and memory (stale) — the victim bytes
// (what a read observed that no ideal execution can) and the step that destroyed them: the last
// step before the bad read that changed what those bytes hold in the cache or in memory.

import type { Compiled } from '../exec/compile.js';
import type { Execution } from '../exec/execution.js';
import { printContext, printOp } from '../litmus/print.js';
import type { ExecutionVerdict } from '../oracle/oracle.js';
import { traceRun, type TracedRun } from './traced-run.js';
import type { Arm64World } from '../arm64/arm64-world.js';
import type { DeviceOp } from '../program/types.js';
import { hex } from '../exec/values.js';
import type { Cause } from './cause.js';
import { hardwareEventLine } from '../exec/execution.js';
import { effectLines, effectTexts, hardwareEventText } from './trace-text.js';

export interface LineState {
  state: 'absent' | 'clean' | 'dirty';
  /** Byte offsets in the line where the cache and memory differ (only when present). */
  stale: number[];
  /** Byte offsets in the line that belong to the victim range. */
  victim: number[];
}

export interface TimelineStep {
  /** The lane that acted: an actor's name, or "line 0x1000" for a fill or eviction. */
  lane: string;
  text: string;
  effects: string[];
  lines: LineState[];
  victimRead?: boolean;
  /** The last change to the victim bytes before the read (only when no cause names a culprit). */
  destroyer?: boolean;
  /** The step the explanation blames, and what it did wrong ("did not invalidate line 0x1000"). */
  culprit?: string;
  /** The write whose bytes the ideal platform's read returns. */
  write?: boolean;
  /** A reordering: this step was performed before step `overtook` (0-based), which comes first in program order. */
  overtook?: number;
  /** ... and this one was overtaken by step `overtakenBy`. */
  overtakenBy?: number;
  /** Nothing here touches the lines the explanation is about: a hardware event elsewhere (folded in the page). */
  quiet?: boolean;
}

export interface Timeline {
  actors: { name: string; kind: 'cpu' | 'device' }[];
  lines: number[];
  lineSize: number;
  victim?: { addr: number; size: number; what: string; arm64: string; ideal: string };
  /** The lines the explanation is about (the victim's, the cause's): first among the lanes. */
  keyLines: number[];
  steps: TimelineStep[];
}

type Bug = Extract<ExecutionVerdict, { verdict: 'bug' }>;

/** run: the counterexample's one traced replay, when the caller has it already (src/report/traced-run.ts). */
export function buildTimeline(c: Compiled, execution: Execution, bug: Bug, causes: readonly Cause[] = [], run: TracedRun = traceRun(c, execution)): Timeline {
  const lineSize = c.platform.lineSize; // L1 lines; with two levels an L2 copy shows through (lineState)
  const ctx = printContext(c.program);
  const opText = c.actors.map((ca) => {
    const regs = { next: 0 };
    return ca.actor.ops.map((op) => printOp(ca.actor.kind, op, ctx, regs).split('\n').pop()!);
  });
  // The first differing observation is the victim: which actor's which op, or which final range.
  let victimOp: { actor: string; op: number } | undefined;
  let victimFinal: number | undefined;
  let what = '', arm64 = '', ideal = '';
  for (const [actor, reads] of Object.entries(bug.model.reads)) {
    const i = reads.findIndex((v, k) => v !== bug.ideal.reads[actor]?.[k]);
    if (i >= 0) {
      victimOp = { actor, op: i };
      [what, arm64, ideal] = [`${actor}: ${opText[c.actorIndex.get(actor)!][i]}`, String(reads[i]), String(bug.ideal.reads[actor][i])];
      break;
    }
  }
  if (!victimOp) {
    victimFinal = bug.model.final.findIndex((v, i) => v !== bug.ideal.final[i]);
    if (victimFinal >= 0) {
      const f = c.final[victimFinal];
      [what, arm64, ideal] = [`final contents of ${f.buf.name}${f.off ? ` + ${f.off}` : ''}`, bug.model.final[victimFinal], bug.ideal.final[victimFinal]];
    }
  }

  let victim: Timeline['victim'];
  const victimRange = (world: Arm64World, actor: string, op: number): { addr: number; size: number } | undefined => {
    const o = c.actors[c.actorIndex.get(actor)!].actor.ops[op];
    if (o.op === 'load') return { addr: c.layout.buffers.get(o.buf)!.addr + o.off, size: o.size };
    if (o.op === 'dma_read' && !o.addr) {
      const a = world.deviceAddress((o as DeviceOp & { handle: string }).handle, o.entry ?? 0, o.off);
      return typeof a === 'number' ? { addr: a, size: o.size } : undefined;
    }
    return undefined;
  };
  if (victimFinal !== undefined && victimFinal >= 0) {
    const f = c.final[victimFinal];
    victim = { addr: f.buf.addr + f.off, size: f.size, what, arm64, ideal };
  }

  // Lines worth a lane: every line of every buffer (capped), in address order.
  const lineSet = new Set<number>();
  for (const b of c.layout.buffers.values()) {
    for (let a = b.addr - (b.addr % lineSize), n = 0; a < b.addr + b.size && n < 8; a += lineSize, n++) lineSet.add(a);
  }
  // Every line the execution touches gets a lane from the start.
  for (const t of run.trace) {
    if (t.event) lineSet.add(hardwareEventLine(t.event, c.platform).line);
    for (const e of t.effects) for (const l of effectLines(e)) lineSet.add(l.line);
  }
  type Snap = LineState & { bytes: Uint8Array; memory: Uint8Array };
  // One snapshot per step, taken after it, of every line.
  const raw = run.trace.map((t, k): Omit<TimelineStep, 'lines'> & { snap: Map<number, Snap> } => {
    const world = run.after[k];
    const readBytes = (addr: number, size: number) => world.memory.read(addr, new Uint8Array(size));
    const snap = new Map([...lineSet].map((l) => [l, lineState(world, l, lineSize, readBytes)]));
    if (t.actor === undefined || t.op === undefined) {
      const line = hardwareEventLine(t.event!, c.platform).line;
      return { lane: `line ${hex(line)}`, text: hardwareEventText(t.event!, c.platform), effects: effectTexts(t.effects, lineSize), snap };
    }
    const isVictim = victimOp?.actor === t.actor && victimOp.op === t.op;
    if (isVictim && !victim) {
      const r = victimRange(world, t.actor, t.op);
      if (r) victim = { ...r, what, arm64, ideal };
    }
    return { lane: t.actor, text: opText[c.actorIndex.get(t.actor)!][t.op], effects: effectTexts(t.effects, lineSize), ...(isVictim ? { victimRead: true } : {}), snap };
  });
  // The victim's lines and the cause's first, then the others in address order.
  const keyLines = [...new Set([
    ...(victim ? linesOf(victim.addr, victim.size, lineSize) : []),
    ...causes.flatMap((x) => [...(x.line !== undefined ? [x.line - (x.line % lineSize)] : []), ...linesOf(x.bytes.addr, x.bytes.size, lineSize)]),
  ])].filter((l) => lineSet.has(l));
  const lines = [...keyLines, ...[...lineSet].filter((l) => !keyLines.includes(l)).sort((a, b) => a - b)];
  // A line first seen late was absent before (lines enter the set when something touches them).
  const steps: TimelineStep[] = raw.map(({ snap, ...rest }) => ({
    ...rest,
    lines: lines.map((l) => snap.get(l) ?? { state: 'absent' as const, stale: [], victim: [], bytes: new Uint8Array(lineSize), memory: new Uint8Array(lineSize) }),
  }));
  markVictim(steps, lines, lineSize, victim, causes.length > 0);
  markCauses(steps, causes);
  // A hardware event on a line the explanation is not about is folded away.
  const key = new Set(keyLines.map((l) => `line ${hex(l)}`));
  for (const s of steps) if (!c.actorIndex.has(s.lane) && !key.has(s.lane) && !s.culprit && !s.destroyer) s.quiet = true;
  return { actors: c.actors.map((a) => ({ name: a.actor.name, kind: a.actor.kind })), lines, lineSize, ...(victim ? { victim } : {}), keyLines, steps };
}

function lineState(world: Arm64World, line: number, lineSize: number, readBytes: (a: number, n: number) => Uint8Array): LineState & { bytes: Uint8Array; memory: Uint8Array } {
  const cache = world.cache;
  const memory = readBytes(line, lineSize);
  // Cached at L1, or (CWG > DminLine) in the L2 line holding it: what the CPU would read.
  const states = [cache.state(line, 1), cache.outer ? cache.state(cache.outerLineOf(line), 2) : undefined];
  if (!states[0] && !states[1]) return { state: 'absent', stale: [], victim: [], bytes: memory, memory };
  const bytes = cache.read(line, new Uint8Array(lineSize));
  const stale: number[] = [];
  for (let i = 0; i < lineSize; i++) if (bytes[i] !== memory[i]) stale.push(i);
  return { state: states.includes('dirty') ? 'dirty' : 'clean', stale, victim: [], bytes, memory };
}

/** Mark the victim bytes in every snapshot, and the destroying step: the last change to them before the bad read. */
function linesOf(addr: number, size: number, lineSize: number): number[] {
  const out: number[] = [];
  for (let a = addr - (addr % lineSize); a < addr + size; a += lineSize) out.push(a);
  return out;
}

/** The explanation's steps (src/report/cause.ts): the culprit, the write, a reordering's two ends. */
function markCauses(steps: TimelineStep[], causes: readonly Cause[]): void {
  for (const x of causes) {
    const at = (k: number) => (k >= 0 && k < steps.length ? steps[k] : undefined);
    const culprit = at(x.culprit.step);
    if (culprit) culprit.culprit ??= x.culprit.role;
    const write = at(x.write);
    if (write) write.write = true;
    if (x.overtook !== undefined && culprit && at(x.overtook)) {
      culprit.overtook = x.overtook;
      steps[x.overtook].overtakenBy = x.culprit.step;
    }
  }
}

function markVictim(steps: TimelineStep[], lines: number[], lineSize: number, victim: Timeline['victim'], explained: boolean): void {
  if (!victim) return;
  const sig = (s: TimelineStep): string => {
    const parts: string[] = [];
    for (let a = victim.addr; a < victim.addr + victim.size; a++) {
      const li = lines.indexOf(a - (a % lineSize));
      const st = s.lines[li] as (LineState & { bytes?: Uint8Array; memory?: Uint8Array }) | undefined;
      if (!st?.memory) continue;
      parts.push(`${st.state[0]}${st.bytes![a % lineSize]}/${st.memory[a % lineSize]}`);
    }
    return parts.join(',');
  };
  const readAt = steps.findIndex((s) => s.victimRead);
  const end = readAt >= 0 ? readAt : steps.length;
  let destroyer = -1;
  for (let i = 1; i < end; i++) if (sig(steps[i]) !== sig(steps[i - 1])) destroyer = i;
  // Without an explanation, the last change to the victim bytes is the best guess at a culprit.
  if (destroyer >= 0 && !explained) steps[destroyer].destroyer = true;
  for (const s of steps) {
    s.lines = s.lines.map((st, li) => {
      const { state, stale } = st;
      const victimBytes: number[] = [];
      for (let i = 0; i < lineSize; i++) {
        const a = lines[li] + i;
        if (a >= victim.addr && a < victim.addr + victim.size) victimBytes.push(i);
      }
      return { state, stale, victim: victimBytes };
    });
  }
}

