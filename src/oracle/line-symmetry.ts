// Lines a program cannot tell apart, for the reduced search's hardware events. A 4 KiB transfer
// whose bytes all hold one value (memset, a loopback's fill, a device writing a pattern byte)
// maps, syncs and reads 64 lines the same way: a fill or eviction of its 7th line leads to the
// same observations as one of its 8th, when both lines are in the same state. So at each point
// of the search only one line of such a class, per line state, gets the event (symmetry
// reduction: swapping two such lines maps every execution to one with the same observations).
//
// Two lines are in one class when every op that touches either covers both whole, every byte
// written to them is one value per op (a fill, never a computed or per-byte value), their initial
// bytes are all equal, and nothing else can reach them: no scatterlist, no second mapping of a
// handle, one cache level, and a device access at a bus address it computed only where
// computed-targets.ts says it lands (one place: as if named; several: those lines stand apart).
// Anything else keeps its line in a class of its own.
//
// A mapping bounced through swiotlb moves byte i of the buffer to byte i of its slot and back
// (swiotlb_bounce()), so a buffer line and the slot line at the same offset are swapped together:
// line k of the buffer with line k of the slot is one pair, and two pairs are alike when their
// buffer lines are and their slot lines are. That needs the slot to be the same in every
// execution (dma-direct, every map and unmap in one thread, which keeps them in program order;
// no mask change, no pool that may fill: mapping-decisions.ts) and the buffer and slot to sit at
// the same offset in a line. An event on one line of a pair is the mirror of one on the other
// pair only when both pairs are in the same state: `partner` names the other line of each pair.

import type { Compiled } from '../exec/compile.js';
import { initialMemory } from '../model/initial-memory.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import { mappingDecisions } from './mapping-decisions.js';
import { computedTargets } from './computed-targets.js';

/** Line → class id, for the lines that share a class with another line; a bounced line's partner. */
export interface LineClasses {
  classes: Map<number, number>;
  /** The slot line of a buffer line bounced through swiotlb, and the buffer line of a slot line. */
  partner: Map<number, number>;
}

/** The lines that share a class with another line, or undefined when none do. Worked out once per compiled program (each level's search asks). */
export function lineClasses(c: Compiled): LineClasses | undefined {
  if (!known.has(c)) known.set(c, classesOf(c));
  return known.get(c);
}

const known = new WeakMap<Compiled, LineClasses | undefined>();

function classesOf(c: Compiled): LineClasses | undefined {
  const line = c.platform.lineSize;
  if (c.platform.cwg !== line) return undefined; // two levels: an L2 line holds several L1 lines
  const ops = c.actors.flatMap((a, ai) => (a.actor.ops as (CpuOp | DeviceOp)[]).map((op, j) => ({ op, ai, j, id: `${ai}.${j}` })));
  const targets = computedTargets(c);
  const buf = (name: string) => c.layout.buffers.get(name)!;
  const { mayBounce, made, slotsFixed } = mappingDecisions(c);
  /**
   * The one byte range a handle's mapping covers, when it is mapped once, whole; `slot`: where
   * swiotlb bounced it, at the same offset in a line, the same in every execution.
   */
  const mapped = new Map<string, { addr: number; size: number; slot?: number } | undefined>();
  for (const { op } of ops) {
    if (op.op === 'dma_map') {
      const ms = made.get(op.handle) ?? [];
      const once = !mapped.has(op.handle) && ms.length <= 1;
      const seg = ms.length === 1 && !ms[0].error && ms[0].segments.length === 1 ? ms[0].segments[0] : undefined;
      const addr = buf(op.buf).addr + op.off;
      const slot = seg?.bounced && slotsFixed && seg.orig === addr && seg.size === op.size && (seg.phys - addr) % line === 0 ? seg.phys : undefined;
      mapped.set(op.handle, once && (!mayBounce(op.handle) || slot !== undefined) ? { addr, size: op.size, ...(slot === undefined ? {} : { slot }) } : undefined);
    }
    if (op.op === 'dma_map_sg') mapped.set(op.handle, undefined);
    if (op.op === 'dma_alloc_coherent') mapped.set(op.buf, { addr: buf(op.buf).addr, size: buf(op.buf).size });
  }
  // Each bounced line's partner; a line in two pairs (a slot used again by a later map) is in none.
  const partner = new Map<number, number>();
  const slotLines = new Set<number>();
  const shared = new Set<number>();
  for (const r of mapped.values()) {
    if (r?.slot === undefined) continue;
    for (let l = r.addr - (r.addr % line); l < r.addr + r.size; l += line) {
      const s = l + (r.slot - r.addr);
      for (const x of [l, s]) if (partner.has(x)) shared.add(x);
      partner.set(l, s);
      partner.set(s, l);
      slotLines.add(s);
    }
  }

  // Per line: what touches it. 'x' marks a line that must stay in a class of its own.
  const signature = new Map<number, string>();
  const spoil = (addr: number, size: number) => {
    for (let l = addr - (addr % line); l < addr + size; l += line) signature.set(l, 'x');
  };
  const touch = (id: string, addr: number, size: number, value = '') => {
    const first = addr - (addr % line);
    for (let l = first; l < addr + size; l += line) {
      const whole = l >= addr && l + line <= addr + size;
      const s = signature.get(l) ?? '';
      signature.set(l, s === 'x' || !whole ? 'x' : `${s}|${id}${value}`);
    }
  };
  // A value written to every byte: a fill (size > 8, one byte repeated). Anything else is per byte.
  const fill = (op: { size: number; value: bigint; values?: unknown; valueExpr?: unknown }) =>
    op.size > 8 && !op.values && !op.valueExpr ? `=${op.value}` : undefined;
  /** A mapping's buffer bytes and, when bounced, its slot's: swiotlb copies one onto the other. */
  const both = (r: { addr: number; slot?: number }, f: (addr: number) => void) => {
    f(r.addr);
    if (r.slot !== undefined) f(r.slot);
  };
  let anywhere = false;
  for (const { op, ai, j, id } of ops) {
    switch (op.op) {
      case 'store': {
        const v = fill(op);
        if (op.offExpr || op.sizeExpr || v === undefined) spoil(buf(op.buf).addr, buf(op.buf).size);
        else touch(id, buf(op.buf).addr + op.off, op.size, v);
        break;
      }
      case 'load':
        if (op.offExpr || op.sizeExpr) spoil(buf(op.buf).addr, buf(op.buf).size);
        else touch(id, buf(op.buf).addr + op.off, op.size);
        break;
      case 'poll': case 'rmw': spoil(buf(op.buf).addr + op.off, op.size); break;
      case 'dma_map': case 'dma_alloc_coherent': {
        const r = mapped.get(op.op === 'dma_map' ? op.handle : op.buf);
        if (r) both(r, (addr) => touch(id, addr, r.size));
        else if (op.op === 'dma_map') spoil(buf(op.buf).addr + op.off, op.size);
        break;
      }
      case 'dma_map_sg': for (const e of op.entries) spoil(buf(e.buf).addr + e.off, e.size); break;
      case 'dma_unmap': case 'dma_sync': {
        const r = mapped.get(op.handle);
        if (!r) break; // its map op spoiled the lines already
        if ((op.op === 'dma_sync' && op.offExpr) || op.sizeExpr) both(r, (addr) => spoil(addr, r.size));
        else both(r, (addr) => touch(id, addr + (op.op === 'dma_sync' ? op.off : 0), op.size));
        break;
      }
      case 'dma_read': case 'dma_write': case 'dma_poll': {
        if (op.offExpr) { anywhere = true; break; }
        if (op.addr) {
          // at a bus address the device computed (computed-targets.ts): one place, or every line it may meet spoiled
          const t = targets?.[ai][j];
          if (!t) { anywhere = true; break; }
          const v = op.op === 'dma_write' ? fill(op) : '';
          if (t.ranges.length === 1 && v !== undefined && op.op !== 'dma_poll') touch(id, t.ranges[0].phys, t.ranges[0].size, v);
          else for (const r of t.ranges) spoil(r.phys, r.size);
          break;
        }
        const r = mapped.get(op.handle);
        if (!r) break;
        const v = op.op === 'dma_write' ? fill(op) : '';
        const at = r.slot ?? r.addr; // the device reaches the slot
        if (v === undefined || op.op === 'dma_poll') spoil(at + op.off, op.size);
        else touch(id, at + op.off, op.size, v);
        break;
      }
    }
  }
  if (anywhere) return undefined; // a computed bus address may single out any line
  for (const f of c.final) spoil(f.buf.addr + f.off, f.size);
  for (const l of shared) signature.set(l, 'x');
  // The slot of a bounced mapping that is no pair (mapped again, a scatterlist entry) may be one a
  // pair's slot reuses: its lines stand apart.
  for (const [h, ms] of made) for (const m of ms) for (const g of m.segments) if (g.bounced && mapped.get(h)?.slot !== g.phys) spoil(g.phys, g.size);

  const memory = initialMemory(c);
  const classOf = new Map<string, number>();
  const members = new Map<number, number[]>();
  const bytes = new Uint8Array(line);
  /** A line's signature and its one initial byte, or undefined when it is in a class of its own. */
  const alike = (l: number): string | undefined => {
    const s = signature.get(l);
    if (s === undefined || s === 'x') return undefined;
    memory.read(l, bytes);
    for (let i = 1; i < line; i++) if (bytes[i] !== bytes[0]) return undefined;
    return `${s}#${bytes[0]}`;
  };
  for (const l of signature.keys()) {
    let key = alike(l);
    if (key === undefined) continue;
    const p = partner.get(l);
    if (p !== undefined) {
      // a pair: alike when both its lines are; its buffer line and its slot line are told apart
      const other = alike(p);
      if (other === undefined) continue;
      key = slotLines.has(l) ? `pair:${other}&${key}:slot` : `pair:${key}&${other}`;
    }
    let id = classOf.get(key);
    if (id === undefined) classOf.set(key, (id = classOf.size));
    const ls = members.get(id);
    if (ls) ls.push(l);
    else members.set(id, [l]);
  }
  const classes = new Map<number, number>();
  for (const [id, ls] of members) if (ls.length > 1) for (const l of ls) classes.set(l, id);
  if (!classes.size) return undefined;
  for (const l of [...partner.keys()]) if (!classes.has(l)) partner.delete(l);
  return { classes, partner };
}
