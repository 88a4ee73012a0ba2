// Which actors can affect each other: those that share an MMIO register, an irq, a DMA handle or
// a cache line (at the platform's CWG); a device access at a bus address it computed shares what
// the addresses it can take reach, or every mapping when those are not known. Anything else commutes, so each connected group's
// interleavings can be explored on their own.

import type { Compiled } from '../exec/compile.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import { computedTargets } from '../oracle/computed-targets.js';

const MMIO_OPS = new Set(['writel', 'readl', 'wait_doorbell', 'set_reg', 'read_reg']);

export function independentGroups(c: Compiled): number[][] {
  const parent = c.actors.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const owner = new Map<string, number>();
  const touch = (a: number, thing: string) => {
    const b = owner.get(thing);
    if (b === undefined) owner.set(thing, a);
    else parent[find(a)] = find(b);
  };
  const cwg = c.platform.cwg;
  /** The cache lines each actor touches, as ranges [first, last]: joined below where two actors' meet. */
  const spans: { a: number; first: number; last: number }[] = [];
  const lines = (a: number, buf: string, off: number, size: number) => {
    const b = c.layout.buffers.get(buf);
    if (!b) return;
    spans.push({ a, first: Math.floor((b.addr + off) / cwg), last: Math.floor((b.addr + off + Math.max(size, 1) - 1) / cwg) });
  };
  /** The buffer bytes a handle names: the CPU's map op, or a coherent buffer of that name. */
  const handleBytes = new Map<string, { buf: string; off: number; size: number }[]>();
  for (const ca of c.actors) {
    for (const op of ca.actor.ops as CpuOp[]) {
      if (op.op === 'dma_map') handleBytes.set(op.handle, [...(handleBytes.get(op.handle) ?? []), { buf: op.buf, off: op.off, size: op.size }]);
      if (op.op === 'dma_map_sg') handleBytes.set(op.handle, [...(handleBytes.get(op.handle) ?? []), ...op.entries]);
      if (op.op === 'dma_alloc_coherent') handleBytes.set(op.buf, [{ buf: op.buf, off: 0, size: c.layout.buffers.get(op.buf)!.size }]);
    }
  }
  // A device access at a computed bus address: what the values it can take reach
  // (src/oracle/computed-targets.ts), else every mapping.
  const computed = computedTargets(c);
  c.actors.forEach((ca, a) => {
    for (const [j, op] of (ca.actor.ops as (CpuOp | DeviceOp)[]).entries()) {
      // an MMIO register (a load's or a DMA read's `reg` is the thread's own register it sets)
      if (MMIO_OPS.has(op.op) && 'reg' in op) touch(a, `reg:${op.reg}`);
      if ('irq' in op) touch(a, `irq:${op.irq}`);
      if ('addr' in op && op.addr) {
        const t = computed?.[a][j];
        if (t) {
          for (const h of t.handles) touch(a, `handle:${h}`);
          for (const r of [...t.ranges, ...t.ideal]) spans.push({ a, first: Math.floor(r.phys / cwg), last: Math.floor((r.phys + Math.max(r.size, 1) - 1) / cwg) });
        } else {
          touch(a, 'handle:');
          for (const h of handleBytes.keys()) touch(a, `handle:${h}`);
        }
        continue;
      }
      if ('handle' in op) {
        touch(a, `handle:${op.handle}`);
        for (const r of handleBytes.get(op.handle) ?? []) lines(a, r.buf, r.off, r.size);
      }
      if ('buf' in op) {
        if ('off' in op && 'size' in op) lines(a, op.buf, op.off, op.size);
        else lines(a, op.buf, 0, c.layout.buffers.get(op.buf)?.size ?? 1);
      }
      if (op.op === 'dma_map_sg') for (const e of op.entries) lines(a, e.buf, e.off, e.size);
    }
  });
  // Actors whose ranges share a line are connected: sorted by first line, a range meets the
  // run of ranges before it exactly when it starts at or before the furthest line that run reaches.
  spans.sort((x, y) => x.first - y.first);
  let reach = -Infinity, at = -1;
  for (const s of spans) {
    if (s.first <= reach) parent[find(s.a)] = find(at);
    else at = s.a;
    if (s.last > reach) reach = s.last;
  }
  const groups = new Map<number, number[]>();
  c.actors.forEach((_, a) => groups.set(find(a), [...(groups.get(find(a)) ?? []), a]));
  return [...groups.values()];
}
