// The witness of a barrier finding (src/check/barrier-contract.ts): an order in which the device
// can observe the CPU's two accesses under Linux's contract (Documentation/memory-barriers.txt).
// Nothing between them orders them for the device, so the device sees the later one first
// whenever it can look at both: it reads the ownership word and then the payload, or it writes
// the payload and then the status word the CPU checked first. Where the device only looks after
// a doorbell that a writel() (whose barrier orders every earlier store, "KERNEL I/O BARRIER
// EFFECTS") writes after both stores, its own program order orders them, and there is no finding.

import type { Compiled } from '../exec/compile.js';
import { COHERENT_GARBAGE } from '../model/initial-memory.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import { evaluate } from '../program/expr.js';
import { computedTargets, type ComputedTarget } from '../oracle/computed-targets.js';
import type { Finding } from './finding.js';

export type DeviceOrder = { witness: string } | { ordered: string } | { unseen: string };

/** Barriers that order earlier stores before later ones for a device (writel()'s own aside). */
const STORE_BARRIERS: readonly string[] = ['wmb', 'dma_wmb', 'mb', 'dma_mb'];

type Range = [number, number];
const overlaps = (a: Range, b: Range) => a[0] < b[1] && b[0] < a[1];

/** The device-visible order of a barrier finding, or why there is none. */
export function deviceOrder(c: Compiled, f: Finding): DeviceOrder {
  const cpu = c.actors[c.actorIndex.get(f.actor)!].actor.ops as CpuOp[];
  const later = cpu[f.op], earlier = f.related ? cpu[f.related.op] : undefined;
  if (!earlier) return { unseen: 'the finding names no earlier access' };
  const where = (op: CpuOp): Range | undefined => {
    if (!('buf' in op && 'off' in op && 'size' in op)) return undefined;
    const b = c.layout.buffers.get(op.buf);
    return b ? [b.addr + op.off, b.addr + op.off + op.size] : undefined;
  };
  const name = (op: CpuOp) => ('buf' in op && 'off' in op ? `${op.buf} + ${op.off}` : op.op);
  const devices = c.actors.filter((a) => a.actor.kind === 'device');
  const devRange = (op: DeviceOp): Range | undefined => {
    if ((op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') || op.addr) return undefined;
    const b = c.layout.buffers.get(op.handle);
    return b && b.kind === 'coherent' ? [b.addr + op.off, b.addr + op.off + op.size] : undefined;
  };

  if (later.op === 'load' || later.op === 'poll') {
    // Status then payload: the device must write the payload before the status.
    const status = where(earlier), payload = where(later);
    if (!status || !payload) return { unseen: 'not a coherent descriptor word' };
    let stale: string | undefined;
    for (const d of devices) {
      const ops = d.actor.ops as DeviceOp[];
      for (let p = 0; p < ops.length; p++) {
        if (ops[p].op !== 'dma_write' || !overlaps(devRange(ops[p]) ?? [0, 0], payload)) continue;
        const s = ops.findIndex((op, i) => i > p && op.op === 'dma_write' && overlaps(devRange(op) ?? [0, 0], status));
        if (s < 0) break; // no later write of the payload has a status write after it either
        // The values the CPU would see instead of p's: one it cannot use or cannot see is no witness.
        const why = staleUnseen(c, c.actorIndex.get(f.actor)!, f.op, d, p, payload);
        if (why) { stale = why; continue; }
        // (taken after the device wrote both, an interrupt orders this pair: a later pair may still show)
        const irq = interruptAfter(c, cpu, f.related!.op, d, s);
        if (irq) { stale = irq; continue; }
        return { witness: `${d.actor.name} writes ${name(later)} (its op ${p + 1}) and then the status ${name(earlier)} (its op ${s + 1}); with ${between(cpu, f.related!.op, f.op, 'loads')}, the CPU can load ${name(later)} before the status and see the value from before the device wrote it` };
      }
    }
    if (stale) return { unseen: stale };
    return { unseen: `no device writes ${name(later)} before the status word ${name(earlier)}, so no load order can see a stale value` };
  }

  // Stores: the payload (earlier) and the ownership word or doorbell (later).
  const payload = where(earlier);
  if (!payload) return { unseen: 'not a coherent descriptor word' };
  let ordered: string | undefined;
  for (const d of devices) {
    const ops = d.actor.ops as DeviceOp[];
    let first: number;
    if (later.op === 'writel') {
      first = ops.findIndex((op) => op.op === 'wait_doorbell' && op.reg === later.reg);
    } else {
      const word = where(later);
      first = word ? ops.findIndex((op) => (op.op === 'dma_poll' || op.op === 'dma_read') && overlaps(devRange(op) ?? [0, 0], word)) : -1;
    }
    if (first < 0) continue;
    // A read that can return the old bytes: a poll waits for a value, so an old one only makes it
    // wait (the CPU's store, once it lands, completes it), never shows.
    const reads = ops.findIndex((op, i) => i > first && op.op === 'dma_read' && overlaps(devRange(op) ?? [0, 0], payload));
    if (reads < 0) continue;
    if (later.op !== 'writel') {
      const bell = doorbellAfter(cpu, f.op, ops.slice(0, first)) ?? polledAfter(c, f.actor, cpu, f.op, ops.slice(0, first));
      if (bell) { ordered = `${d.actor.name} looks only after ${bell}, which orders both stores`; continue; }
    }
    const what = later.op === 'writel' ? `waits for the doorbell ${later.reg}` : `reads ${name(later)} (its op ${first + 1})`;
    return { witness: `${d.actor.name} ${what} and then reads ${name(earlier)} (its op ${reads + 1}); with ${between(cpu, f.related!.op, f.op, 'stores')}, it can see the new ${later.op === 'writel' ? 'doorbell' : 'ownership word'} and the old ${name(earlier)}` };
  }
  return ordered ? { ordered } : { unseen: `no device reads ${name(earlier)} after ${later.op === 'writel' ? 'the doorbell' : `it reads ${name(later)}`}` };
}

/**
 * Why the CPU's load j of the payload cannot see, or cannot use, a value from before device d's
 * write p, or undefined when it may. The values before p are those that can stand in the
 * payload's bytes coherence-before p: the zeroed allocation, d's own earlier writes of those bytes
 * and any other actor's (each a known value of exactly those bytes, else nothing is claimed).
 * An earlier poll of the same bytes by this CPU read a value it accepts, and j, after it in
 * program order, never sees an older one (read-read coherence, CoRR: the Arm ARM's internal
 * visibility requirement, herd7's aarch64.cat); nor one older than this CPU's own earlier store
 * there (CoWR). Where the order of the values is known (valuesBefore), j can see only those from
 * the last such store, or from the first value that poll accepts; else only a poll that accepts
 * none of them rules all out. What j can see before p then either is nothing,
 * or keeps j, a poll, waiting: an old value never shows. (An xHCI driver polling an event ring's
 * cycle bit lap after lap.)
 */
function staleUnseen(c: Compiled, actor: number, j: number, d: Compiled['actors'][number], p: number, payload: Range): string | undefined {
  const cpu = c.actors[actor].actor.ops as CpuOp[];
  const load = cpu[j];
  if ((load.op !== 'load' && load.op !== 'poll') || load.offExpr) return undefined;
  const before = valuesBefore(c, d, p, load.buf, payload);
  if (!before) return undefined;
  const name = `${load.buf} + ${load.off}`;
  let from = 0; // the first value (in `before`) j may still see
  let by: 'store' | 'poll' | undefined; // what set it: this CPU's own store there, or its poll
  for (let e = 0; e < j; e++) {
    const earlier = cpu[e];
    // its own store there: j reads it or a later value (CoWR), in coherence order where it is known
    const stored = before.storeAt.get(`${actor}:${e}`);
    if (stored !== undefined && stored > from) [from, by] = [stored, 'store'];
    if (earlier.op !== 'poll' || earlier.offExpr || !sameBytes(c, earlier, payload)) continue;
    const stops = before.values.map((v) => accepts(earlier, v));
    if (stops.includes(undefined)) continue; // its condition reads more than the polled value
    const first = before.ordered ? stops.indexOf(true, from) : stops.includes(true) ? from : -1;
    if (first !== from) [from, by] = [first < 0 ? before.values.length : first, 'poll'];
  }
  const left = before.values.slice(from);
  const seen = by === 'store' ? `the CPU's own earlier store to ${name}` : `the CPU's earlier poll of ${name}`;
  if (!left.length) return `${seen} leaves this load no value from before the device's write: a later load never sees an older value than the CPU's earlier access there saw or wrote (coherence)`;
  if (left.every((v) => accepts(load, v) === false)) {
    return from ? `${seen} leaves this load only ${fmt(before.values[from])} or a later value (coherence: a later load never sees an older one), and every value it can still see before the device's write (${left.map(fmt).join(', ')}) keeps this poll waiting` : `every value ${name} holds before the device's write (${left.map(fmt).join(', ')}) keeps this poll waiting`;
  }
  return undefined;
}

const fmt = (v: bigint) => `0x${v.toString(16)}`;

/** Does poll `op` stop on this value? undefined for a plain load (it takes any) or a condition that reads a register too (not known here). */
function accepts(op: CpuOp, v: bigint): boolean | undefined {
  if (op.op !== 'poll') return undefined;
  if (!op.until) return v === op.value;
  try {
    return evaluate(op.until, (e) => { if (e.k === 'polled') return v; throw new NotPolled(); }) !== 0n;
  } catch (e) {
    if (e instanceof NotPolled) return undefined;
    throw e;
  }
}

class NotPolled extends Error {}

/**
 * The values of exactly `payload`'s bytes (in buffer `buf`) that can stand before device d's
 * write p (in coherence order when d alone writes them), or undefined when one is not known (a
 * write there of another size, a computed value, a device write at a computed offset or at an
 * address that may land there, a streaming mapping of that buffer).
 */
function valuesBefore(c: Compiled, d: Compiled['actors'][number], p: number, buf: string, payload: Range): { values: bigint[]; ordered: boolean; storeAt: Map<string, number> } | undefined {
  const size = payload[1] - payload[0];
  const own: bigint[] = []; // d's writes, in order
  const others: { value: bigint; actor: number; at: number; cpu: boolean }[] = [];
  const exact = (r: Range) => r[0] === payload[0] && r[1] === payload[1];
  const base = c.layout.buffers.get(buf)!.addr;
  const streamed = new Set<string>(); // handles of streaming mappings of the payload's buffer
  for (const a of c.actors) for (const op of a.actor.ops as CpuOp[]) {
    if (op.op === 'dma_map' && op.buf === buf) streamed.add(op.handle);
    if (op.op === 'dma_map_sg' && op.entries.some((e) => e.buf === buf)) streamed.add(op.handle);
  }
  const targets = computedTargets(c);
  // a write at a bus address the device read lands where computed-targets.ts says, when it says
  const elsewhere = (x: number, i: number) => landsElsewhere(targets?.[x][i], payload);
  for (let x = 0; x < c.actors.length; x++) {
    const a = c.actors[x];
    const ops = a.actor.ops as (CpuOp | DeviceOp)[];
    for (let i = 0; i < ops.length; i++) {
      if (a === d && i >= p) break;
      const op = ops[i];
      if (op.op === 'dma_write') {
        if (op.addr && elsewhere(x, i)) continue;
        if (op.addr || streamed.has(op.handle)) return undefined;
        if (op.handle !== buf) continue;
        const r: Range = [base + op.off, base + op.off + op.size];
        if (!op.offExpr && op.entry === undefined && !overlaps(r, payload)) continue;
        if (op.offExpr || op.entry !== undefined || !exact(r) || op.values || op.valueExpr) return undefined;
        if (a === d) own.push(op.value);
        else others.push({ value: op.value, actor: x, at: i, cpu: false });
      } else if ((op.op === 'store' || op.op === 'rmw') && op.buf === buf) {
        const r: Range = [base + op.off, base + op.off + op.size];
        const computed = op.op === 'store' && (op.offExpr || op.sizeExpr);
        if (!computed && !overlaps(r, payload)) continue;
        if (op.op === 'rmw' || computed || !exact(r) || op.valueExpr || op.values) return undefined;
        others.push({ value: op.value, actor: x, at: i, cpu: true });
      }
    }
  }
  const mask = (vs: bigint[]) => vs.map((v) => BigInt.asUintN(8 * size, v));
  // One device's writes of one place are in coherence order, after the zeroing of
  // dma_alloc_coherent(); so are one CPU's stores there that d looks past a doorbell for (ring
  // initialisation: mlx5's op_own = 0xf1), before them. Another writer's fall anywhere among them.
  const first = (d.actor.ops as DeviceOp[]).findIndex((op, i) => i <= p && op.op === 'dma_write' && op.handle === buf && overlaps([base + op.off, base + op.off + op.size], payload));
  // (d looks only after a doorbell, or a word it polls, that this CPU writes after the store behind
  // a barrier, and no other actor rings a register d waits on)
  const looksAfter = (o: { actor: number; at: number }) => {
    const cpu = c.actors[o.actor].actor.ops as CpuOp[], waits = (d.actor.ops as DeviceOp[]).slice(0, Math.max(first, 0));
    const regs = new Set(waits.flatMap((w) => (w.op === 'wait_doorbell' ? [w.reg] : [])));
    const othersRing = c.actors.some((a, y) => y !== o.actor && (a.actor.ops as (CpuOp | DeviceOp)[]).some((op) => (op.op === 'writel' || op.op === 'set_reg') && regs.has(op.reg)));
    return !othersRing && (doorbellAfter(cpu, o.at, waits) ?? polledAfter(c, c.actors[o.actor].actor.name, cpu, o.at, waits)) !== undefined;
  };
  const before = others.length > 0 && others.every((o) => o.cpu && o.actor === others[0].actor && looksAfter(o));
  // each CPU store's place in `values` (`actor:op`), where the order is known
  const storeAt = new Map(before ? others.map((o, k) => [`${o.actor}:${o.at}`, 1 + k]) : []);
  if (!others.length || before) return { values: mask([0n, ...others.map((o) => o.value), ...own]), ordered: true, storeAt };
  return { values: mask([0n, ...own, ...others.map((o) => o.value)]), ordered: false, storeAt };
}

/** Does a device access at a computed bus address land only away from r, in either world (computed-targets.ts)? False when that is not known. */
function landsElsewhere(t: ComputedTarget | undefined, r: Range): boolean {
  return !!t && t.ranges.concat(t.ideal).every((x) => !overlaps([x.phys, x.phys + x.size], r));
}

function sameBytes(c: Compiled, op: Extract<CpuOp, { op: 'poll' }>, r: Range): boolean {
  const b = c.layout.buffers.get(op.buf);
  return !!b && b.addr + op.off === r[0] && b.addr + op.off + op.size === r[1];
}

/**
 * Does the CPU load the status only after taking an interrupt that device d raises after its
 * write s? Taking it is a context synchronization event (exception entry, Arm ARM), so no later
 * load is performed before it, and the device's earlier writes are done by then: both loads see
 * them whatever their order. The CPU's n-th wait takes d's n-th raise; d alone raises the irq,
 * and no other CPU waits for it (nothing else moves a raise to another wait).
 */
function interruptAfter(c: Compiled, cpu: readonly CpuOp[], j: number, d: Compiled['actors'][number], s: number): string | undefined {
  const waits = cpu.slice(0, j).filter((op): op is Extract<CpuOp, { op: 'wait_irq' }> => op.op === 'wait_irq');
  const irq = waits[waits.length - 1]?.irq;
  if (irq === undefined) return undefined;
  const raisers = c.actors.filter((a) => a.actor.kind === 'device' && (a.actor.ops as DeviceOp[]).some((op) => op.op === 'raise_irq' && op.irq === irq));
  const waiters = c.actors.filter((a) => a.actor.kind === 'cpu' && (a.actor.ops as CpuOp[]).some((op) => op.op === 'wait_irq' && op.irq === irq));
  if (raisers.length !== 1 || raisers[0] !== d || waiters.length !== 1) return undefined;
  const n = waits.filter((op) => op.irq === irq).length;
  const raise = (d.actor.ops as DeviceOp[]).map((op, i) => ({ op, i })).filter(({ op }) => op.op === 'raise_irq' && op.irq === irq)[n - 1];
  return raise && raise.i > s ? `the CPU loads only after taking ${irq}, which ${d.actor.name} raises (its op ${raise.i + 1}) after writing both` : undefined;
}

/**
 * A doorbell the device waits for before looking, written only by this CPU after op j with a
 * writel() (or a store barrier before a writel_relaxed()): its barrier orders both stores.
 */
function doorbellAfter(cpu: readonly CpuOp[], j: number, before: readonly DeviceOp[]): string | undefined {
  for (const w of before) {
    if (w.op !== 'wait_doorbell') continue;
    // the writes that can start it: any to the register for wait_write() (anyWrite), else those of its value
    const writes = cpu.map((op, i) => ({ op, i })).filter(({ op }) => op.op === 'writel' && op.reg === w.reg && (w.anyWrite || op.valueExpr !== undefined || op.value === w.value));
    if (!writes.length || writes.some(({ i }) => i < j)) continue;
    const orders = writes.every(({ op, i }) => (op.op === 'writel' && !op.relaxed) || cpu.slice(j + 1, i).some((b) => b.op === 'barrier' && STORE_BARRIERS.includes(b.kind)));
    if (orders) return `the doorbell writel(${w.value}, ${w.reg})`;
  }
  return undefined;
}


/**
 * What stands between the CPU's two accesses, for a witness: nothing, or only barriers of the
 * smp_*() family, which order them for other CPUs (dmb ish*, the inner-shareable domain) and not
 * for a device (memory-barriers.txt: "the dma_*() barriers ... for consistent memory").
 */
function between(cpu: readonly CpuOp[], from: number, to: number, what: 'loads' | 'stores'): string {
  const smp = [...new Set(cpu.slice(from + 1, to).flatMap((op) => (op.op === 'barrier' && op.kind.startsWith('smp_') ? [`${op.kind}()`] : [])))];
  return smp.length ? `only ${smp.join(' and ')} between the CPU's two ${what}, which order${smp.length === 1 ? 's' : ''} them for other CPUs and not for the device` : `nothing ${what === 'stores' ? 'ordering' : 'between'} the CPU's two ${what}`;
}

/**
 * A descriptor word the device polls for before looking, which only this CPU writes, and only
 * after op j behind a store barrier: the device sees the polled value only after both stores
 * (memory-barriers.txt, dma_wmb(): the device sees the ownership field last). stmmac sets the OWN
 * bit of every descriptor of a frame, and that of the first one last, behind one dma_wmb()
 * (dwmac4_rd_prepare_tx_desc()): the device polls the first before it reads the others. The
 * polled value cannot be the word's before the CPU stores it: the memory is dma_alloc_coherent()'s,
 * zeroed, and the value is neither 0 nor the garbage a fresh coherent page holds.
 */
function polledAfter(c: Compiled, actor: string, cpu: readonly CpuOp[], j: number, before: readonly DeviceOp[]): string | undefined {
  for (const p of before) {
    if (p.op !== 'dma_poll' || p.addr || p.entry) continue;
    const b = c.layout.buffers.get(p.handle);
    if (!b || b.kind !== 'coherent' || p.value === 0n || p.value === garbage(p.size)) continue;
    if (!cpu.some((op) => op.op === 'dma_alloc_coherent' && op.buf === p.handle)) continue;
    const word: Range = [b.addr + p.off, b.addr + p.off + p.size];
    const at = (op: CpuOp | DeviceOp): Range | undefined => {
      if ('buf' in op && 'off' in op && 'size' in op && !('offExpr' in op && op.offExpr)) {
        const x = c.layout.buffers.get(op.buf);
        return x ? [x.addr + op.off, x.addr + op.off + op.size] : undefined;
      }
      return undefined;
    };
    const devAt = (op: DeviceOp): Range | undefined => (op.op === 'dma_write' && !op.addr && op.handle === p.handle && !op.entry ? [b.addr + op.off, b.addr + op.off + op.size] : undefined);
    // Nobody else writes the word: another CPU, a device (at a bus address it computed, where
    // computed-targets.ts says it may land), or this CPU at an address it computed.
    const targets = computedTargets(c);
    const othersWrite = c.actors.some((a, x) => a.actor.name !== actor && (a.actor.ops as (CpuOp | DeviceOp)[]).some((op, i) => {
      if (!writes(op)) return false;
      if (op.op === 'dma_write' && op.addr) return !landsElsewhere(targets?.[x][i], word);
      const r = op.op === 'dma_write' ? (op.handle === p.handle ? devAt(op) : [0, 0] as Range) : at(op);
      return !r || overlaps(r, word);
    }));
    if (othersWrite || cpu.some((op) => writes(op) && !at(op) && 'buf' in op && op.buf === p.handle)) continue;
    // This CPU's stores that may put the polled value there (a store of another value only keeps the device waiting).
    const stores = cpu.map((op, i) => ({ op, i })).filter(({ op }) => {
      const r = writes(op) ? at(op) : undefined;
      if (!r || !overlaps(r, word)) return false;
      return op.op !== 'store' || r[0] !== word[0] || r[1] !== word[1] || !!op.valueExpr || !!op.values || op.value === p.value;
    });
    if (!stores.length || stores.some(({ i }) => i <= j)) continue;
    if (stores.every(({ i }) => cpu.slice(j + 1, i).some((x) => x.op === 'barrier' && STORE_BARRIERS.includes(x.kind)))) {
      return `it polls ${p.handle} + ${p.off} for ${p.value}, which the CPU stores only after a store barrier that follows both`;
    }
  }
  return undefined;
}

const writes = (op: CpuOp | DeviceOp) => op.op === 'store' || op.op === 'rmw' || op.op === 'dma_write';

/** A fresh coherent page's garbage (src/model/initial-memory.ts), as a value of `size` bytes. */
function garbage(size: number): bigint {
  let v = 0n;
  for (let k = 0; k < size; k++) v = (v << 8n) | BigInt(COHERENT_GARBAGE);
  return v;
}
