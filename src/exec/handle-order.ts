// A DMA handle used where no map can have assigned it, when that is certain from the text alone.
//
// Some ops can only be performed after another one; these are *necessary* conditions, true in
// every execution on either platform:
//  - a device performs its ops in program order;
//  - a CPU op after wait_for_irq() waits for it (the wait is a full fence: src/exec/ordering.ts);
//  - a CPU's k-th wait_for_irq(irq) needs the k-th raise_irq(irq), when one device raises irq;
//  - wait_doorbell(REG, v) needs the write of v to REG, when exactly one op writes it;
//  - a device access through handle h needs the map of h, when exactly one op assigns h;
//  - a CPU's unmap or sync of h needs the map of h, when exactly one op assigns h.
// If the map of h can only happen after the op using h, the op waits for ever on both platforms
// (today's scheduler: a device waits for its handle) and the verdict would say `ok` about a test
// that cannot run: an input error. A use that is only possibly early (another thread unmaps,
// another CPU maps) stays an observation: the device waits, and a hang is what the run observes.

import type { Op, Program } from '../program/types.js';
import { opSite, ProgramError } from '../program/program-error.js';

interface At { a: number; i: number }

export function checkHandleOrder(p: Program): void {
  const definers = new Map<string, At[]>();
  const raisers = new Map<string, Set<number>>();
  const raises = new Map<string, At[]>(); // per irq, in program order of its one device
  const writers = new Map<string, At[]>(); // per `${reg}=${value}`
  p.actors.forEach((actor, a) => actor.ops.forEach((op, i) => {
    const defined = op.op === 'dma_map' || op.op === 'dma_map_sg' ? op.handle : op.op === 'dma_alloc_coherent' ? op.buf : undefined;
    if (defined !== undefined) push(definers, defined, { a, i });
    if (op.op === 'raise_irq') {
      push(raises, op.irq, { a, i });
      raisers.set(op.irq, (raisers.get(op.irq) ?? new Set()).add(a));
    }
    if (op.op === 'writel' || op.op === 'set_reg') push(writers, `${op.reg}=${op.value}`, { a, i });
  }));
  const only = <K>(m: Map<K, At[]>, k: K) => (m.get(k)?.length === 1 ? m.get(k)![0] : undefined);
  // Per CPU op: the last wait_for_irq before it, and how many waits on its irq come before it.
  const lastWait = p.actors.map((actor) => {
    let last = -1;
    return actor.ops.map((op, i) => { const w = last; if (op.op === 'wait_irq') last = i; return w; });
  });
  const waitRank = p.actors.map((actor) => {
    const seen = new Map<string, number>();
    return actor.ops.map((op) => {
      if (op.op !== 'wait_irq') return 0;
      const k = seen.get(op.irq) ?? 0;
      seen.set(op.irq, k + 1);
      return k;
    });
  });

  /** The ops that must be performed before op (a, i) can be: its necessary conditions. */
  const needs = (a: number, i: number): At[] => {
    const actor = p.actors[a];
    const op = actor.ops[i];
    const out: At[] = [];
    // Program order: every earlier device op; for a CPU, the last wait_for_irq before it.
    if (actor.kind === 'device' && i > 0) out.push({ a, i: i - 1 });
    if (actor.kind === 'cpu' && lastWait[a][i] >= 0) out.push({ a, i: lastWait[a][i] });
    const h = handleUsed(op);
    if (h !== undefined && only(definers, h)) out.push(only(definers, h)!);
    if (op.op === 'wait_irq' && raisers.get(op.irq)?.size === 1) {
      const raise = raises.get(op.irq)![waitRank[a][i]];
      if (raise) out.push(raise);
    }
    if (op.op === 'wait_doorbell' && op.value !== 0n && only(writers, `${op.reg}=${op.value}`)) out.push(only(writers, `${op.reg}=${op.value}`)!);
    return out;
  };

  // Which ops can ever be performed under these conditions alone (a fixpoint, linear in the ops):
  // only a use that cannot, with a map that cannot either, is worth a search for the cycle.
  const id = opIds(p);
  const stuck = neverPerformed(p, needs, id);
  let searches = 0;
  p.actors.forEach((actor, a) => actor.ops.forEach((op, i) => {
    const h = handleUsed(op);
    const map = h === undefined ? undefined : only(definers, h);
    if (!map) return;
    const where = opSite(actor.name, i, op.op);
    if (map.a === a && actor.kind === 'cpu') {
      // DMA API calls of one thread keep program order (src/exec/ordering.ts): an earlier call
      // sees the handle unassigned.
      if (map.i > i) throw new ProgramError(`'${h}' is used before ${actor.name} maps it, later in the same thread`, where);
      return;
    }
    if (!stuck.has(id(a, i)) || !stuck.has(id(map.a, map.i)) || ++searches > MAX_SEARCHES) return;
    if (needed(map, needs, id).has(id(a, i))) {
      throw new ProgramError(`'${h}' is used before any map can assign it: ${p.actors[map.a].name} maps it only after waiting for something that comes after this op, so both would wait for ever`, where);
    }
  }));
}

/** Searches for a cycle per program: each is linear; a test stuck in more places is not one to explain. */
const MAX_SEARCHES = 16;

/** Each op's number: its index in all threads' ops one after another. */
type OpId = (a: number, i: number) => number;

function opIds(p: Program): OpId {
  const first: number[] = [];
  let n = 0;
  for (const actor of p.actors) { first.push(n); n += actor.ops.length; }
  return (a, i) => first[a] + i;
}

/** The ops (by OpId) that can never be performed when each op waits only for what it needs. */
function neverPerformed(p: Program, needs: (a: number, i: number) => At[], id: OpId): Set<number> {
  const waiting = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  const ready: number[] = [];
  p.actors.forEach((actor, a) => actor.ops.forEach((_, i) => {
    const key = id(a, i);
    const n = needs(a, i);
    waiting.set(key, n.length);
    if (n.length === 0) ready.push(key);
    for (const m of n) push(dependents, id(m.a, m.i), key);
  }));
  while (ready.length) {
    for (const d of dependents.get(ready.pop()!) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return new Set([...waiting].filter(([, left]) => left > 0).map(([key]) => key));
}

/** Every op `from` needs performed first, through chains of necessary conditions (by OpId). */
function needed(from: At, needs: (a: number, i: number) => At[], id: OpId): Set<number> {
  const seen = new Set<number>();
  const stack = needs(from.a, from.i);
  while (stack.length) {
    const n = stack.pop()!;
    const key = id(n.a, n.i);
    if (seen.has(key)) continue;
    seen.add(key);
    stack.push(...needs(n.a, n.i));
  }
  return seen;
}

function handleUsed(op: Op): string | undefined {
  switch (op.op) {
    case 'dma_read': case 'dma_write': case 'dma_poll': return op.addr ? undefined : op.handle;
    case 'dma_unmap': case 'dma_unmap_sg': case 'dma_sync': case 'dma_mapping_error': return op.handle;
    default: return undefined;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
