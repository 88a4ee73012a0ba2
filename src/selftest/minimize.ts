// Second shrinking phase, on the concrete counterexample: fast-check has shrunk the generator's
// choices; this removes whatever single steps, ops, buffers and platform settings the failure
// does not need, until nothing more can go (a 1-minimal litmus test). Ops an injected bug
// introduced (marks) and platform settings it depends on (protect) stay, so the result still
// shows the bug that was injected rather than a smaller, different one. The edits are candidate
// passes for the one shrink runner (src/shrink/shrink.ts), swept in rounds.

import { DEFAULT_PLATFORM, makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';
import type { Actor, BufferDecl, CpuOp, DeviceOp, Program } from '../program/types.js';
import type { Step } from '../exec/execution.js';
import type { Marks } from '../gen/build-driver.js';
import { newModelMachine } from '../model/machines.js';
import { opOf } from '../exec/op-id.js';
import { shrink, sweeps, type Candidates, type Pass } from '../shrink/shrink.js';
import { cwgToLineSize, towardBase } from '../shrink/platform-edits.js';
import { compileCounterexample, judgeCounterexample, type Counterexample } from './counterexample.js';

export interface MinimizeOptions {
  marks?: Marks;
  protect?: readonly (keyof PlatformConfig)[];
  /** The failure to preserve; by default the oracle must still say "bug" (never "inconclusive"). */
  stillFails?: (x: Counterexample) => boolean;
  searchBudget?: number;
}

export interface Minimized {
  counterexample: Counterexample;
  marks: Marks;
  /** Candidates judged. */
  tries: number;
}

/** What this phase shrinks: the counterexample, and which of its ops the injected bug made. */
export interface Marked {
  x: Counterexample;
  marks: Marks;
}

/** Rounds of every pass at most (each round after the first finds little). */
const ROUNDS = 8;

/** The candidates, pass after pass, in rounds until one changes nothing. */
export function counterexampleCandidates(protect: readonly (keyof PlatformConfig)[] = []): Candidates<Marked> {
  const keys = Object.keys(DEFAULT_PLATFORM) as (keyof PlatformConfig)[];
  const platform = (pass: Pass<PlatformConfig>): Pass<Marked> => function* (m, from) {
    for (const e of pass(m.x.platform, from)) yield { value: { ...m, x: { ...m.x, platform: e.value } }, resume: e.resume };
  };
  return sweeps([removeSteps, removeOps, removeIdleCompletions, removeDeclarations, simplifyOps, platform(towardBase(keys, DEFAULT_PLATFORM, protect)), platform(cwgToLineSize(protect))], ROUNDS);
}

export function minimize(start: Counterexample, o: MinimizeOptions = {}): Minimized {
  const fails = o.stillFails ?? ((x) => judgeCounterexample(x, { searchBudget: o.searchBudget })?.verdict === 'bug');
  const r = shrink<Marked>({ x: start, marks: o.marks ?? {} }, counterexampleCandidates(o.protect), (m) => fails(m.x));
  return { counterexample: r.value.x, marks: r.value.marks, tries: r.tries };
}

/**
 * An execution edited as what each step did — "cpu0 performs its op 5", "fill line 0x1000" — so
 * that removing an op or a step leaves every other step meaning the same thing.
 */
type Item = { actor: string; op: number } | { fill: number } | { evict: number };

function itemsOf(x: Counterexample): Item[] {
  const m = newModelMachine(compileCounterexample(x));
  const items: Item[] = [];
  for (const s of x.execution.steps) {
    if (!m.step(s)) continue; // a step that did nothing is dropped
    items.push('run' in s ? { actor: s.run, op: opOf(m.order[m.order.length - 1]) } : s);
  }
  return items;
}

/** Steps performing the items: skip = how many earlier ops of that actor are still pending. */
function stepsOf(items: readonly Item[]): Step[] {
  const done = new Map<string, Set<number>>();
  return items.map((it): Step => {
    if (!('actor' in it)) return it;
    const set = done.get(it.actor) ?? new Set<number>();
    done.set(it.actor, set);
    let skip = 0;
    for (let k = 0; k < it.op; k++) if (!set.has(k)) skip++;
    set.add(it.op);
    return skip ? { run: it.actor, skip } : { run: it.actor };
  });
}

const withItems = (m: Marked, items: readonly Item[], x: Counterexample = m.x, marks: Marks = m.marks): Marked => ({ x: { ...x, execution: { steps: stepsOf(items) } }, marks });

/**
 * Ops that hand buffers between CPU and device or order accesses: removing one while the CPU
 * still touches memory after it would break the discipline and so make a different bug. Once
 * nothing follows, they can go (a trailing dma_unmap, say).
 */
const ORDERS = new Set(['barrier', 'wait_irq', 'poll']);
const HANDS_BACK = new Set(['dma_unmap', 'dma_unmap_sg', 'dma_sync']);
function guardsLaterAccess(program: Program, actor: Actor, j: number): boolean {
  const op = actor.ops[j] as CpuOp;
  if (actor.kind !== 'cpu' || !(ORDERS.has(op.op) || HANDS_BACK.has(op.op))) return false;
  const later = actor.ops.slice(j + 1) as CpuOp[];
  if (ORDERS.has(op.op)) return later.some((o) => o.op === 'load' || o.op === 'store' || o.op === 'poll' || o.op === 'writel');
  // An unmap or sync guards the CPU's later accesses to the object it maps; a sync for the
  // device also guards the doorbell that follows it.
  const handle = (op as { handle: string }).handle;
  const objects = new Set<string>();
  for (const o of actor.ops as CpuOp[]) {
    if (o.op === 'dma_map' && o.handle === handle) objects.add(objectOf(program, o.buf));
    if (o.op === 'dma_map_sg' && o.handle === handle) for (const e of o.entries) objects.add(objectOf(program, e.buf));
  }
  const toDevice = op.op === 'dma_sync' && op.to === 'device';
  return later.some((o) => (toDevice && o.op === 'writel') || ((o.op === 'load' || o.op === 'store' || o.op === 'poll') && objects.has(objectOf(program, o.buf))));
}

function objectOf(program: Program, buf: string): string {
  const b = program.buffers.find((d) => d.name === buf);
  return b?.in ? objectOf(program, b.in.parent) : buf;
}

/** Drop chunks of steps, halving the chunk size down to single steps. */
const removeSteps: Pass<Marked> = function* (m, from) {
  type At = { items: Item[]; chunk: number; i: number };
  let at = from as At | undefined;
  if (!at) {
    const items = itemsOf(m.x);
    at = { items, chunk: Math.max(1, items.length >> 1), i: 0 };
    // steps that did nothing, dropped
    if (stepsOf(items).length !== m.x.execution.steps.length) yield { value: withItems(m, items), resume: at };
  }
  const { items } = at;
  for (let { chunk, i } = at; chunk >= 1; chunk >>= 1, i = 0) {
    for (; i < items.length; i += chunk) {
      const cand = [...items.slice(0, i), ...items.slice(i + chunk)];
      yield { value: withItems(m, cand), resume: { items: cand, chunk, i } };
    }
  }
};

/** Each op the bug did not inject, last first, with the steps that performed it. */
const removeOps: Pass<Marked> = function* (m, from) {
  const at = from as { a: number; j: number } | undefined;
  const x = m.x;
  for (let a = at?.a ?? 0; a < x.program.actors.length; a++) {
    const actor = x.program.actors[a];
    const marked = m.marks[actor.name] ?? [];
    for (let j = at && a === at.a ? at.j : actor.ops.length - 1; j >= 0; j--) {
      if (marked[j] || guardsLaterAccess(x.program, actor, j)) continue;
      const ops = actor.ops.filter((_, k) => k !== j);
      const actors = x.program.actors.map((act, k) => (k === a ? ({ ...act, ops } as Actor) : act));
      const items = itemsOf(x).flatMap((it): Item[] => {
        if (!('actor' in it) || it.actor !== actor.name) return [it];
        return it.op === j ? [] : [{ actor: it.actor, op: it.op > j ? it.op - 1 : it.op }];
      });
      const marks = { ...m.marks, [actor.name]: marked.filter((_, k) => k !== j) };
      yield { value: withItems(m, items, { ...x, program: { ...x.program, actors } }, marks), resume: { a, j: j - 1 } };
    }
  }
};

/**
 * A device that raises an interrupt before doing any DMA completes nothing (what is left of a
 * transfer whose ops were removed): drop its raise_irq together with the CPU's first wait for it.
 */
const removeIdleCompletions: Pass<Marked> = function* (m, from) {
  if (from !== undefined) return;
  const { x, marks: had } = m;
  const actors = x.program.actors;
  const dev = actors.findIndex((a) => a.kind === 'device');
  const cpu = actors.findIndex((a) => a.kind === 'cpu');
  if (dev < 0 || cpu < 0) return;
  const k = actors[dev].ops.findIndex((op) => op.op !== 'wait_doorbell');
  const raise = actors[dev].ops[k];
  if (!raise || raise.op !== 'raise_irq') return;
  const j = actors[cpu].ops.findIndex((op) => op.op === 'wait_irq' && op.irq === raise.irq);
  if (j < 0 || had[actors[cpu].name]?.[j] || had[actors[dev].name]?.[k]) return;
  const drop = (a: number, i: number) => (it: Item): Item[] =>
    !('actor' in it) || it.actor !== actors[a].name ? [it] : it.op === i ? [] : [{ actor: it.actor, op: it.op > i ? it.op - 1 : it.op }];
  const items = itemsOf(x).flatMap(drop(cpu, j)).flatMap(drop(dev, k));
  const next = actors.map((a, i) => (i === cpu ? { ...a, ops: a.ops.filter((_, n) => n !== j) } : i === dev ? { ...a, ops: a.ops.filter((_, n) => n !== k) } : a) as Actor);
  const marks = Object.fromEntries(Object.entries(had).map(([name, mk]) => [name, mk.filter((_, n) => !(name === actors[cpu].name && n === j) && !(name === actors[dev].name && n === k))]));
  yield { value: withItems(m, items, { ...x, program: { ...x.program, actors: next } }, marks), resume: true };
};

/** Buffers and registers nothing needs any more (a candidate that still names one fails to compile). */
const removeDeclarations: Pass<Marked> = function* (m, from) {
  // buffers last first; then the registers and the buffers as this pass found them
  type At = { stage: 'buffer'; i: number } | { stage: 'register'; regs: readonly string[]; k: number } | { stage: 'struct'; bufs: readonly BufferDecl[]; k: number };
  const at = (from as At | undefined) ?? { stage: 'buffer', i: m.x.program.buffers.length - 1 };
  const with_ = (program: Program): Marked => ({ ...m, x: { ...m.x, program } });
  const p = m.x.program;
  if (at.stage === 'buffer') {
    for (let i = at.i; i >= 0; i--) yield { value: with_({ ...p, buffers: p.buffers.filter((_, k) => k !== i) }), resume: { stage: 'buffer', i: i - 1 } };
  }
  const regs = at.stage === 'register' ? at.regs : p.registers;
  if (at.stage !== 'struct') {
    for (let k = at.stage === 'register' ? at.k : 0; k < regs.length; k++) yield { value: with_({ ...p, registers: p.registers.filter((r) => r !== regs[k]) }), resume: { stage: 'register', regs, k: k + 1 } };
  }
  // A struct with one member left becomes that member's own kmalloc object.
  const bufs = at.stage === 'struct' ? at.bufs : p.buffers;
  for (let k = at.stage === 'struct' ? at.k : 0; k < bufs.length; k++) {
    const f = bufs[k];
    if (!f.in || p.buffers.some((b) => b !== f && b.in?.parent === f.in!.parent)) continue;
    const parent = p.buffers.find((b) => b.name === f.in!.parent);
    if (!parent || f.in.offset !== 0) continue;
    const own: BufferDecl = { name: f.name, kind: parent.kind, size: f.size, ...(f.init !== undefined ? { init: f.init } : {}) };
    yield { value: with_({ ...p, buffers: p.buffers.filter((b) => b !== parent).map((b) => (b === f ? own : b)) }), resume: { stage: 'struct', bufs, k: k + 1 } };
  }
};

/** Smaller accesses: a memset becomes a 4-byte store, a long read a 4-byte read. */
const simplifyOps: Pass<Marked> = function* (m, from) {
  const at = from as { a: number; j: number } | undefined;
  const x = m.x;
  for (let a = at?.a ?? 0; a < x.program.actors.length; a++) {
    for (let j = at && a === at.a ? at.j : 0; j < x.program.actors[a].ops.length; j++) {
      const op = x.program.actors[a].ops[j] as CpuOp | DeviceOp;
      if (!('size' in op) || op.op === 'dma_map' || op.op === 'dma_unmap' || op.op === 'dma_sync' || op.size <= 4) continue;
      const small = { ...op, size: 4 } as unknown as CpuOp & DeviceOp;
      const actors = x.program.actors.map((act, k) => (k === a ? ({ ...act, ops: act.ops.map((o2, i) => (i === j ? small : o2)) } as Actor) : act));
      yield { value: { ...m, x: { ...x, program: { ...x.program, actors } } }, resume: { a, j: j + 1 } };
    }
  }
};
