// Second shrinking phase, on the concrete counterexample: fast-check has shrunk the generator's
// choices; this removes whatever single steps, ops, buffers and platform settings the failure
// does not need, until nothing more can go (a 1-minimal litmus test). Ops an injected bug
// introduced (marks) and platform settings it depends on (protect) stay, so the result still
// shows the bug that was injected rather than a smaller, different one.

import { DEFAULT_PLATFORM, makePlatform, PlatformError, type PlatformConfig } from '../platform/platform.js';
import type { Actor, BufferDecl, CpuOp, DeviceOp, Program } from '../program/types.js';
import type { Step } from '../exec/execution.js';
import type { Marks } from '../gen/build-driver.js';
import { newModelMachine } from '../oracle/run.js';
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

export function minimize(start: Counterexample, o: MinimizeOptions = {}): Minimized {
  const fails = o.stillFails ?? ((x) => judgeCounterexample(x, { searchBudget: o.searchBudget })?.verdict === 'bug');
  let x = start;
  let marks: Marks = o.marks ?? {};
  let tries = 0;
  const attempt = (cand: Counterexample, candMarks: Marks = marks): boolean => {
    tries++;
    if (!fails(cand)) return false;
    x = cand;
    marks = candMarks;
    return true;
  };

  for (let round = 0, changed = true; changed && round < 8; round++) {
    changed = false;
    changed = removeSteps(() => x, attempt) || changed;
    changed = removeOps(() => x, () => marks, attempt) || changed;
    changed = removeIdleCompletions(() => x, () => marks, attempt) || changed;
    changed = removeDeclarations(() => x, attempt) || changed;
    changed = simplifyOps(() => x, attempt) || changed;
    changed = simplifyPlatform(() => x, o.protect ?? [], attempt) || changed;
  }
  return { counterexample: x, marks, tries };
}

type Attempt = (cand: Counterexample, marks?: Marks) => boolean;

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
    items.push('run' in s ? { actor: s.run, op: m.order[m.order.length - 1] % 65536 } : s);
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

const withItems = (x: Counterexample, items: readonly Item[]): Counterexample => ({ ...x, execution: { steps: stepsOf(items) } });

/** Drop chunks of steps, halving the chunk size down to single steps. */
function removeSteps(get: () => Counterexample, attempt: Attempt): boolean {
  let changed = false;
  let items = itemsOf(get());
  if (stepsOf(items).length !== get().execution.steps.length) changed = attempt(withItems(get(), items)) || changed;
  for (let chunk = Math.max(1, items.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let i = 0; i < items.length; ) {
      const cand = [...items.slice(0, i), ...items.slice(i + chunk)];
      if (attempt(withItems(get(), cand))) {
        items = cand;
        changed = true;
      } else {
        i += chunk;
      }
    }
  }
  return changed;
}

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

function removeOps(get: () => Counterexample, getMarks: () => Marks, attempt: Attempt): boolean {
  let changed = false;
  for (let a = 0; a < get().program.actors.length; a++) {
    for (let j = get().program.actors[a].ops.length - 1; j >= 0; j--) {
      const x = get();
      const actor = x.program.actors[a];
      const m = getMarks()[actor.name] ?? [];
      if (m[j] || j >= actor.ops.length || guardsLaterAccess(x.program, actor, j)) continue;
      const ops = actor.ops.filter((_, k) => k !== j);
      const actors = x.program.actors.map((act, k) => (k === a ? ({ ...act, ops } as Actor) : act));
      const items = itemsOf(x).flatMap((it): Item[] => {
        if (!('actor' in it) || it.actor !== actor.name) return [it];
        return it.op === j ? [] : [{ actor: it.actor, op: it.op > j ? it.op - 1 : it.op }];
      });
      const marks = { ...getMarks(), [actor.name]: m.filter((_, k) => k !== j) };
      changed = attempt(withItems({ ...x, program: { ...x.program, actors } }, items), marks) || changed;
    }
  }
  return changed;
}

/**
 * A device that raises an interrupt before doing any DMA completes nothing (what is left of a
 * transfer whose ops were removed): drop its raise_irq together with the CPU's first wait for it.
 */
function removeIdleCompletions(get: () => Counterexample, getMarks: () => Marks, attempt: Attempt): boolean {
  const x = get();
  const actors = x.program.actors;
  const dev = actors.findIndex((a) => a.kind === 'device');
  const cpu = actors.findIndex((a) => a.kind === 'cpu');
  if (dev < 0 || cpu < 0) return false;
  const k = actors[dev].ops.findIndex((op) => op.op !== 'wait_doorbell');
  const raise = actors[dev].ops[k];
  if (!raise || raise.op !== 'raise_irq') return false;
  const j = actors[cpu].ops.findIndex((op) => op.op === 'wait_irq' && op.irq === raise.irq);
  if (j < 0 || getMarks()[actors[cpu].name]?.[j] || getMarks()[actors[dev].name]?.[k]) return false;
  const drop = (a: number, i: number) => (it: Item): Item[] =>
    !('actor' in it) || it.actor !== actors[a].name ? [it] : it.op === i ? [] : [{ actor: it.actor, op: it.op > i ? it.op - 1 : it.op }];
  const items = itemsOf(x).flatMap(drop(cpu, j)).flatMap(drop(dev, k));
  const next = actors.map((a, i) => (i === cpu ? { ...a, ops: a.ops.filter((_, n) => n !== j) } : i === dev ? { ...a, ops: a.ops.filter((_, n) => n !== k) } : a) as Actor);
  const marks = Object.fromEntries(Object.entries(getMarks()).map(([name, m]) => [name, m.filter((_, n) => !(name === actors[cpu].name && n === j) && !(name === actors[dev].name && n === k))]));
  return attempt(withItems({ ...x, program: { ...x.program, actors: next } }, items), marks);
}

/** Buffers and registers nothing needs any more (a candidate that still names one fails to compile). */
function removeDeclarations(get: () => Counterexample, attempt: Attempt): boolean {
  let changed = false;
  for (let i = get().program.buffers.length - 1; i >= 0; i--) {
    const x = get();
    const buffers = x.program.buffers.filter((_, k) => k !== i);
    changed = attempt({ ...x, program: { ...x.program, buffers } }) || changed;
  }
  for (const reg of get().program.registers) {
    const x = get();
    changed = attempt({ ...x, program: { ...x.program, registers: x.program.registers.filter((r) => r !== reg) } }) || changed;
  }
  // A struct with one member left becomes that member's own kmalloc object.
  for (const f of get().program.buffers) {
    const x = get();
    if (!f.in || x.program.buffers.some((b) => b !== f && b.in?.parent === f.in!.parent)) continue;
    const parent = x.program.buffers.find((b) => b.name === f.in!.parent);
    if (!parent || f.in.offset !== 0) continue;
    const own: BufferDecl = { name: f.name, kind: parent.kind, size: f.size, ...(f.init !== undefined ? { init: f.init } : {}) };
    const buffers = x.program.buffers.filter((b) => b !== parent).map((b) => (b === f ? own : b));
    changed = attempt({ ...x, program: { ...x.program, buffers } }) || changed;
  }
  return changed;
}

/** Smaller accesses: a memset becomes a 4-byte store, a long read a 4-byte read. */
function simplifyOps(get: () => Counterexample, attempt: Attempt): boolean {
  let changed = false;
  for (let a = 0; a < get().program.actors.length; a++) {
    for (let j = 0; j < get().program.actors[a].ops.length; j++) {
      const op = get().program.actors[a].ops[j] as CpuOp | DeviceOp;
      if (!('size' in op) || op.op === 'dma_map' || op.op === 'dma_unmap' || op.op === 'dma_sync' || op.size <= 4) continue;
      const x = get();
      const small = { ...op, size: 4 } as unknown as CpuOp & DeviceOp;
      const actors = x.program.actors.map((act, k) => (k === a ? ({ ...act, ops: act.ops.map((o2, i) => (i === j ? small : o2)) } as Actor) : act));
      changed = attempt({ ...x, program: { ...x.program, actors } }) || changed;
    }
  }
  return changed;
}

function possible(p: PlatformConfig): boolean {
  try {
    makePlatform(p);
    return true;
  } catch (e) {
    if (e instanceof PlatformError) return false;
    throw e;
  }
}

function simplifyPlatform(get: () => Counterexample, protect: readonly (keyof PlatformConfig)[], attempt: Attempt): boolean {
  let changed = false;
  for (const key of Object.keys(DEFAULT_PLATFORM) as (keyof PlatformConfig)[]) {
    const x = get();
    if (protect.includes(key) || x.platform[key] === DEFAULT_PLATFORM[key]) continue;
    const platform = { ...x.platform, [key]: DEFAULT_PLATFORM[key] } as PlatformConfig;
    // What the firmware says and what the hardware does change together: resetting one alone
    // would make a misdeclared platform, which is bug class 14 in itself.
    if (key === 'deviceCoherent' || key === 'declaredCoherent') {
      if (protect.includes('deviceCoherent') || protect.includes('declaredCoherent') || x.platform.deviceCoherent !== x.platform.declaredCoherent) continue;
      platform.deviceCoherent = DEFAULT_PLATFORM.deviceCoherent;
      platform.declaredCoherent = DEFAULT_PLATFORM.declaredCoherent;
    }
    if (platform.cwg < platform.lineSize || !possible(platform)) continue; // e.g. dmaRangesBus without dmaRangesSize
    changed = attempt({ ...x, platform }) || changed;
  }
  // CWG back down to the line size: the simplest geometry.
  const x = get();
  if (!protect.includes('cwg') && x.platform.cwg !== x.platform.lineSize) {
    changed = attempt({ ...x, platform: { ...x.platform, cwg: x.platform.lineSize } }) || changed;
  }
  return changed;
}
