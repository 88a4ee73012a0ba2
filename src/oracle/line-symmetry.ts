// Lines a program cannot tell apart, for the reduced search's hardware events. A 4 KiB transfer
// whose bytes all hold one value (memset, a loopback's fill, a device writing a pattern byte)
// maps, syncs and reads 64 lines the same way: a fill or eviction of its 7th line leads to the
// same observations as one of its 8th, when both lines are in the same state. So at each point
// of the search only one line of such a class, per line state, gets the event (symmetry
// reduction: swapping two such lines maps every execution to one with the same observations).
//
// Two lines are in one class when every op that touches either covers both whole, every byte
// written to them is one value per op (a fill, never a computed or per-byte value), their initial
// bytes are all equal, and nothing else can reach them: no computed address, no swiotlb bounce
// (its slots would have to be swapped too), no scatterlist, no second mapping of a handle, one
// cache level. Anything else keeps its line in a class of its own.

import type { Compiled } from '../exec/compile.js';
import { initialMemory } from '../model/initial-memory.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import { mappingDecisions } from './mapping-decisions.js';

/** Line → class id, for the lines that share a class with another line; undefined when none do. */
export function lineClasses(c: Compiled): Map<number, number> | undefined {
  const line = c.platform.lineSize;
  if (c.platform.cwg !== line) return undefined; // two levels: an L2 line holds several L1 lines
  const ops = c.actors.flatMap((a, ai) => (a.actor.ops as (CpuOp | DeviceOp)[]).map((op, j) => ({ op, id: `${ai}.${j}` })));
  const buf = (name: string) => c.layout.buffers.get(name)!;
  const { mayBounce, made } = mappingDecisions(c);
  /** The one byte range a handle's mapping covers, when it is mapped once, whole, without bouncing. */
  const mapped = new Map<string, { addr: number; size: number } | undefined>();
  for (const { op } of ops) {
    if (op.op === 'dma_map') {
      const once = !mapped.has(op.handle) && (made.get(op.handle)?.length ?? 0) <= 1 && !mayBounce(op.handle);
      mapped.set(op.handle, once ? { addr: buf(op.buf).addr + op.off, size: op.size } : undefined);
    }
    if (op.op === 'dma_map_sg') mapped.set(op.handle, undefined);
    if (op.op === 'dma_alloc_coherent') mapped.set(op.buf, { addr: buf(op.buf).addr, size: buf(op.buf).size });
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
  let anywhere = false;
  for (const { op, id } of ops) {
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
        if (r) touch(id, r.addr, r.size);
        else if (op.op === 'dma_map') spoil(buf(op.buf).addr + op.off, op.size);
        break;
      }
      case 'dma_map_sg': for (const e of op.entries) spoil(buf(e.buf).addr + e.off, e.size); break;
      case 'dma_unmap': case 'dma_sync': {
        const r = mapped.get(op.handle);
        if (!r) break; // its map op spoiled the lines already
        if (op.op === 'dma_sync' && (op.offExpr || op.sizeExpr)) spoil(r.addr, r.size);
        else if (op.op === 'dma_unmap' && op.sizeExpr) spoil(r.addr, r.size);
        else touch(id, r.addr + (op.op === 'dma_sync' ? op.off : 0), op.size);
        break;
      }
      case 'dma_read': case 'dma_write': case 'dma_poll': {
        if (op.addr || op.offExpr) { anywhere = true; break; }
        const r = mapped.get(op.handle);
        if (!r) break;
        const v = op.op === 'dma_write' ? fill(op) : '';
        if (v === undefined || op.op === 'dma_poll') spoil(r.addr + op.off, op.size);
        else touch(id, r.addr + op.off, op.size, v);
        break;
      }
    }
  }
  if (anywhere) return undefined; // a computed bus address may single out any line
  for (const f of c.final) spoil(f.buf.addr + f.off, f.size);

  const memory = initialMemory(c);
  const classOf = new Map<string, number>();
  const members = new Map<number, number[]>();
  const bytes = new Uint8Array(line);
  lines: for (const [l, s] of signature) {
    if (s === 'x') continue;
    memory.read(l, bytes);
    for (let i = 1; i < line; i++) if (bytes[i] !== bytes[0]) continue lines;
    const key = `${s}#${bytes[0]}`;
    let id = classOf.get(key);
    if (id === undefined) classOf.set(key, (id = classOf.size));
    const ls = members.get(id);
    if (ls) ls.push(l);
    else members.set(id, [l]);
  }
  const out = new Map<number, number>();
  for (const [id, ls] of members) if (ls.length > 1) for (const l of ls) out.set(l, id);
  return out.size ? out : undefined;
}
