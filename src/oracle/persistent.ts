// Partial-order reduction for the searches over interleavings (Godefroid, "Partial-Order Methods
// for the Verification of Concurrent Systems", ch. 4: persistent sets by conflicting processes).
//
// At a state, a set P of actors is closed when no op any actor outside P may still perform
// conflicts (src/oracle/footprints.ts) with an op some actor in P may perform next — blocked or
// not: an op outside that enables it would conflict with it. Then whatever the actors outside P
// do first, they commute with, and never enable or disable, the next ops of P's actors, so the
// enabled ops of P are a persistent set: exploring only those, from every state, still reaches
// every state in which no actor can move (the state space is acyclic: every step performs an op),
// which is every state a search judges. Closed sets are built from each actor in turn and the
// smallest one with an op that runs is explored.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import { accessRanges, type ByteRange } from '../exec/access-ranges.js';
import { DYNAMIC, FORWARD, ORDERED } from '../exec/ordering.js';
import type { CpuOp } from '../program/types.js';
import { footprints, intersects, type Bits, type Footprints } from './footprints.js';
import { isNonCacheable } from './mapping-decisions.js';
import { cacheEventsInvisible } from './relevant-lines.js';

/** The pending ops actor a may perform next (CPUs: ahead of earlier ones where the ordering rules allow), as skip counts. */
export function nextSkips(c: Compiled, m: Machine, a: number): number[] {
  const out: number[] = [];
  const cpu = c.actors[a].actor.kind === 'cpu' && m.world.weak;
  for (let skip = 0; ; skip++) {
    const j = m.pendingOp(a, skip);
    if (j < 0) break;
    if (skip === 0 || m.mayPerform(a, j)) out.push(skip);
    if (!cpu) break;
  }
  return out;
}

/**
 * Closed sets of actors (among `scope`) to try at this state, smallest first. The caller runs
 * every next op of the first set's actors; if none can run, those of the next set, and so on.
 */
export function closedSets(c: Compiled, m: Machine, scope: readonly number[], f: Footprints = footprints(c)): number[][] {
  const next = new Map<number, Bits>();
  for (const a of scope) {
    const skips = nextSkips(c, m, a);
    if (!skips.length) continue;
    next.set(a, union(f, skips.map((s) => f.op[a][m.pendingOp(a, s)])));
  }
  const remaining = (a: number) => f.suffix[a][m.next[a]];
  const candidates = [...next.keys()];
  const sets: number[][] = [];
  const seen = new Set<string>();
  for (const start of candidates) {
    const inP = new Set<number>([start]);
    const work = [start];
    while (work.length) {
      const b = work.pop()!;
      const nb = next.get(b);
      if (!nb) continue;
      for (const other of candidates) {
        if (inP.has(other)) continue;
        if (intersects(remaining(other), nb)) {
          inP.add(other);
          work.push(other);
        }
      }
    }
    const set = [...inP].sort((x, y) => x - y);
    const key = set.join(',');
    if (!seen.has(key)) {
      seen.add(key);
      sets.push(set);
    }
  }
  return sets.sort((x, y) => x.length - y.length);
}

function union(f: Footprints, bits: Bits[]): Bits {
  if (bits.length === 1) return bits[0];
  const out = new Uint32Array(bits[0].length);
  for (const b of bits) for (let w = 0; w < out.length; w++) out[w] |= b[w];
  return out;
}

/**
 * A CPU whose next op in program order is, alone, a persistent set (Godefroid's definition with
 * one transition): it can run now (the caller tries), and nothing that could run before it
 * conflicts with it — neither an op this CPU may still perform ahead of it (the ordering rules
 * let later ops pass), nor an op another actor may still perform, unless that actor is held at a
 * wait only ops kept behind this one can end (heldUntilAfter: the doorbell this CPU rings with an
 * MMIO write that cannot pass the op, or an interrupt a device so held raises). Running it first then
 * loses no execution: every one is equivalent to one that does. So the n stores a driver makes to
 * its descriptors before the doorbell are explored in one order, not as their 2^n subsets.
 */
export function aloneInProgramOrder(c: Compiled, m: Machine, scope: readonly number[], f: Footprints = footprints(c)): number | undefined {
  if (!m.world.weak) return undefined;
  for (const a of scope) {
    if (c.actors[a].actor.kind !== 'cpu') continue;
    const i = m.pendingOp(a, 0);
    if (i < 0 || f.global[a][i] || m.pendingOp(a, 1) < 0) continue; // nothing may pass it: the closed sets say as much
    const mine = f.op[a][i];
    let alone = true;
    const ops = c.actors[a].actor.ops;
    const precedence = c.actors[a].precedence;
    const behind: number[] = []; // ops the ordering rules keep behind i, directly or behind one that is
    for (let skip = 1; alone; skip++) {
      const j = m.pendingOp(a, skip);
      if (j < 0) break;
      // An op kept behind i never runs before it. An assume only reads this CPU's registers,
      // which i leaves alone or must write first (then the assume waits for it): it ends the
      // run, or not, in either order.
      const rule = precedence[j][i];
      if (rule === ORDERED || behind.some((k) => precedence[j][k] === ORDERED)) {
        behind.push(j);
        continue;
      }
      if (ops[j].op === 'assume' || ((rule === FORWARD || rule === DYNAMIC) && forwardsFrom(c, f, a, i, j))) continue;
      if (f.global[a][j] || (intersectsBut(f.op[a][j], mine, f.actorBit[a]) && !disjointUnseen(c, a, i, j))) alone = false;
    }
    for (const b of scope) {
      if (!alone) break;
      if (b === a || m.done(b) || heldUntilAfter(c, m, b, a, i)) continue;
      if (intersects(f.suffix[b][m.next[b]], mine)) alone = false;
    }
    if (alone) return a;
  }
  return undefined;
}

/** Do x and y meet anywhere but at `bit`? */
function intersectsBut(x: Bits, y: Bits, bit: number): boolean {
  const w = bit >> 5, mask = ~(1 << (bit & 31));
  for (let k = 0; k < x.length; k++) if ((k === w ? x[k] & y[k] & mask : x[k] & y[k]) !== 0) return true;
  return false;
}

/**
 * Two plain loads or stores of known bytes, apart, where no fill or eviction can come between
 * them to tell the orders apart (eventFree): they may share a line but commute.
 */
function disjointUnseen(c: Compiled, a: number, i: number, j: number): boolean {
  const ops = c.actors[a].actor.ops as CpuOp[];
  return eventFree(c, ops[i]) && eventFree(c, ops[j]) && apart(rangesOf(c, a, i), rangesOf(c, a, j));
}

const ranges = new WeakMap<Compiled, ByteRange[][][]>();

/** accessRanges of op j of actor a, worked out once per compiled program (this runs at every state). */
function rangesOf(c: Compiled, a: number, j: number): ByteRange[] {
  let all = ranges.get(c);
  if (!all) ranges.set(c, (all = c.actors.map(() => [])));
  return (all[a][j] ??= accessRanges(c, c.actors[a].actor.ops[j] as Extract<CpuOp, { op: 'store' | 'load' }>));
}

/**
 * May load j, which can pass store i (by the precedence table, or by the bytes its computed
 * address takes: DYNAMIC), count as run after i? Both are plain accesses in event-free memory, and
 * each place j can read is either
 *   - apart from every byte i can write: the two commute; or
 *   - inside the bytes i writes (i's address known): passing i, j reads them from the store buffer,
 *     as it would after i. An op between them in program order that writes there must write all
 *     of that place (j then reads it or a later store, with i performed or not), else the place
 *     is mixed and nothing is claimed.
 * (Nothing of another actor touches i's bytes: the caller checks.)
 */
function forwardsFrom(c: Compiled, f: Footprints, a: number, i: number, j: number): boolean {
  const ops = c.actors[a].actor.ops as CpuOp[];
  const x = ops[i], y = ops[j];
  if (x.op !== 'store' || y.op !== 'load' || !eventFree(c, x) || !eventFree(c, y)) return false;
  const xs = rangesOf(c, a, i);
  return rangesOf(c, a, j).every((q) => apart(xs, [q]) || (xs.length === 1 && covers(xs[0], q) && onlyCoveredBetween(c, f, a, i, j, q)));
}

/**
 * Does every op between i and j in program order either leave q alone or, a store of known
 * bytes, write all of it (at a computed address: at each place it can take, all of q or none)?
 */
function onlyCoveredBetween(c: Compiled, f: Footprints, a: number, i: number, j: number, q: ByteRange): boolean {
  const ops = c.actors[a].actor.ops as CpuOp[];
  for (let k = i + 1; k < j; k++) {
    const z = ops[k];
    if (z.op === 'load' || z.op === 'barrier' || z.op === 'assume') continue;
    if (eventFree(c, z)) {
      const zs = rangesOf(c, a, k);
      if (apart(zs, [q])) continue;
      if (z.op === 'store' && zs.length === 1 && covers(zs[0], q)) return true; // j reads z's bytes or later ones, i's never
      // at a computed address: each place either all of q (as above) or apart from it (on)
      if (z.op === 'store' && zs.every((r) => covers(r, q) || apart([r], [q]))) continue;
    }
    if (f.global[a][k] || intersectsBut(f.op[a][k], f.op[a][j], f.actorBit[a])) return false;
  }
  return true;
}

const covers = (r: ByteRange, q: ByteRange) => r.addr <= q.addr && q.addr + q.size <= r.addr + r.size;

/**
 * A load or store of a known length (its offset may be computed: accessRanges lists each it can
 * take) whose bytes no fill or eviction can tell apart: memory no cache holds (Normal-NC on a
 * non-coherent platform), or any memory of a dma-coherent device, where no event is ever tried
 * (relevant-lines.ts cacheEventsInvisible) and footprints name its exact bytes (byte-atoms.ts).
 */
function eventFree(c: Compiled, op: CpuOp): op is Extract<CpuOp, { op: 'store' | 'load' }> {
  return (op.op === 'store' || op.op === 'load') && !op.sizeExpr && (isNonCacheable(c, op.buf) || cacheEventsInvisible(c.platform));
}

function apart(xs: readonly ByteRange[], ys: readonly ByteRange[]): boolean {
  return xs.every((r) => ys.every((q) => r.addr + r.size <= q.addr || q.addr + q.size <= r.addr));
}

/**
 * Is actor b held until CPU a's op i has run? Its next op is a wait, blocked now, that only ops
 * kept behind i can end:
 *  - a doorbell: every write left that can set the value it waits for (a write of another
 *    constant cannot: igb's tail written 1, 2, 3 before the 4 the device waits for) is an op of a
 *    the ordering rules keep behind i (writel()'s barrier before its write), or b's own after the
 *    wait (AHCI's HBA clearing PxCI when the command is done: a device performs its ops in order);
 *  - an interrupt: every raise left is a device's, after a wait that holds that device so
 *    (igb's NAPI poll, scheduled by the interrupt the NIC raises once the tail is written).
 */
function heldUntilAfter(c: Compiled, m: Machine, b: number, a: number, i: number, asked: readonly number[] = []): boolean {
  const j = m.pendingOp(b, 0);
  const op = c.actors[b].actor.ops[j];
  if ((op?.op !== 'wait_doorbell' && op?.op !== 'wait_irq') || !m.blocked(b, j) || asked.includes(b)) return false;
  // a device x whose op k comes after a wait that holds it until i has run
  const heldDevice = (x: number, k: number) => c.actors[x].actor.kind === 'device' && m.pendingOp(x, 0) < k && heldUntilAfter(c, m, x, a, i, [...asked, b]);
  for (let x = 0; x < c.actors.length; x++) {
    const ops = c.actors[x].actor.ops;
    for (let k = m.next[x]; k < ops.length; k++) {
      const w = ops[k];
      if (m.performed[x][k]) continue;
      if (op.op === 'wait_irq') {
        if (w.op === 'raise_irq' && w.irq === op.irq && !heldDevice(x, k)) return false;
        continue;
      }
      if ((w.op !== 'writel' && w.op !== 'set_reg') || w.reg !== op.reg) continue;
      const constant = w.op === 'set_reg' || (!w.valueExpr && w.width === undefined);
      if (!op.anyWrite && constant && w.value !== op.value) continue; // cannot set the awaited value
      if (x === b && k > j) continue;
      if (x === a && k > i && c.actors[a].precedence[k][i] === ORDERED) continue;
      if (!heldDevice(x, k)) return false;
    }
  }
  return true;
}
