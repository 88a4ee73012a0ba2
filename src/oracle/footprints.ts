// What each op of a compiled program may touch, for the reduced searches (partial-order
// reduction and independent groups): the CWG lines of memory and cache it may read or write, the
// MMIO registers, irqs, DMA handles, the swiotlb pool and the DMA mask. Two ops of different actors
// whose footprints are disjoint commute — either order reaches the same state — and neither can
// enable or disable the other. A footprint is an over-approximation, fixed per op: a line is named
// at CWG granularity (an L1 eviction writes into its whole L2 line; `dc` by VA acts on the CWG
// line at L2), a device access names every line its handle can point at (bounce slots included)
// or, at a computed bus address, every line the values it can take reach (computed-targets.ts),
// and an op that can end the whole program (a dma_mapping_error() that can fire) touches
// everything. A sync names the lines of the bytes it maintains where those are known
// (computed-targets.ts syncRanges), and a line no event targets is split into byte atoms for the
// accesses that reach its memory only (byte-atoms.ts). Coarser is always sound; it only explores more.

import type { Compiled } from '../exec/compile.js';
import { REGION } from '../kernel/layout.js';
import { bounceSlots } from '../kernel/swiotlb.js';
import { isNonCacheable, mappingDecisions } from './mapping-decisions.js';
import type { BufRef, CpuOp, DeviceOp } from '../program/types.js';
import { accessRanges, type ByteRange } from '../exec/access-ranges.js';
import { allAtoms, atomsMet, byteAtoms } from './byte-atoms.js';
import { cacheEventsInvisible, relevantLines } from './relevant-lines.js';
import { leaves } from '../program/expr.js';
import { computedTargets, syncRanges } from './computed-targets.js';
import { independentGroups } from './value-groups.js';

import { intersects, type Bits } from './bits.js';

export { intersects, type Bits };
export type { Access, Footprints } from './footprint-types.js';
import type { Access, Footprints } from './footprint-types.js';


const cache = new WeakMap<Compiled, Footprints>();
const modelCache = new WeakMap<Compiled, Footprints>();

/** Ops that use the SMMU's page table or IOVA allocator (src/kernel/iommu.ts). */
const IOMMU_OPS = new Set(['dma_map', 'dma_map_sg', 'dma_unmap', 'dma_unmap_sg', 'dma_alloc_coherent', 'dma_free_coherent', 'dma_read', 'dma_write', 'dma_poll']);

/** What each op may touch in either world: the witness search and the contract walk (on the ideal world) go by these. */
export function footprints(c: Compiled): Footprints {
  let f = cache.get(c);
  if (!f) cache.set(c, (f = computeFootprints(c, true)));
  return f;
}

/**
 * What each op may touch on arm64 alone, for the search of arm64 executions: a device's access at
 * an address it read lands in a bounced mapping's slot there, not in the buffer as in the ideal
 * world (computed-targets.ts ComputedTarget.ideal). Its groups are footprints(c)'s: an execution
 * is judged group by group only where the groups are independent in both worlds.
 */
export function modelFootprints(c: Compiled): Footprints {
  let f = modelCache.get(c);
  if (!f) {
    const both = footprints(c);
    const computed = computedTargets(c);
    const elsewhere = computed?.some((row) => row.some((t) => t && t.ideal.length > 0));
    modelCache.set(c, (f = elsewhere ? { ...computeFootprints(c, false), groups: both.groups } : both));
  }
  return f;
}


/** No lines: shared by every op that touches none (never written to). */
const NO_LINES: Set<number> = new Set();

function computeFootprints(c: Compiled, idealToo: boolean): Footprints {
  // A key is a line (its address: a number) or a named resource ('handle:h', 'reg:R', 'swiotlb', ...).
  const ids = new Map<string | number, number>();
  const id = (k: string | number) => {
    let i = ids.get(k);
    if (i === undefined) ids.set(k, (i = ids.size));
    return i;
  };
  const cwg = c.platform.cwg;
  const addr = (buf: string) => c.layout.buffers.get(buf)!.addr;
  const lineKeys = (a: number, size: number, out: Set<number>) => {
    for (let l = a - (a % cwg); l < a + Math.max(size, 1); l += cwg) out.add(l);
  };

  const decisions = mappingDecisions(c);
  const { mayBounce, mayFail, made, unsure, slotsFixed, poolBytes, mapSizes, bailedOut } = decisions;
  // Where each device access at a computed bus address can land, when that is known (computed-targets.ts).
  const computed = computedTargets(c);
  // The bytes each sync acts on, where known (computed-targets.ts): its lines, not the whole mapping's.
  const syncs = syncRanges(c);
  const hasSetMask = c.actors.some((a) => a.actor.ops.some((op) => op.op === 'dma_set_mask'));
  const bounceLines = new Set<number>();
  for (const s of bounceSlots(mapSizes, c.platform.iommu !== 'none' ? c.platform.iovaGranule : undefined)) lineKeys(s.addr, s.size, bounceLines);
  if (unsure || bailedOut) lineKeys(REGION.swiotlb, poolBytes, bounceLines);

  /** The slots a handle's mappings bounced to, when every execution gets those (mapping-decisions.ts slotsFixed). */
  const ownSlots = (h: string): { phys: number; size: number }[] | undefined =>
    slotsFixed && !bailedOut && made.has(h) && !mayFail(h) ? made.get(h)!.flatMap((m) => m.segments.filter((g) => g.bounced)) : undefined;
  // What a handle names: its buffers' bytes, and bounce lines when it may bounce: its own slots'
  // when they are fixed, else every slot's.
  const handleLines = new Map<string, Set<number>>();
  const addHandle = (h: string, refs: BufRef[]) => {
    const s = handleLines.get(h) ?? new Set<number>();
    for (const r of refs) lineKeys(addr(r.buf) + r.off, r.size, s);
    const own = mayBounce(h) ? ownSlots(h) : undefined;
    if (own) for (const g of own) lineKeys(g.phys, g.size, s);
    else if (mayBounce(h)) for (const l of bounceLines) s.add(l);
    handleLines.set(h, s);
  };
  for (const ca of c.actors) for (const op of ca.actor.ops as CpuOp[]) {
    if (op.op === 'dma_map') addHandle(op.handle, [op]);
    if (op.op === 'dma_map_sg') addHandle(op.handle, op.entries);
    if (op.op === 'dma_alloc_coherent') handleLines.set(op.buf, lineSet(addr(op.buf), c.layout.buffers.get(op.buf)!.size));
  }
  function lineSet(a: number, size: number): Set<number> {
    const s = new Set<number>();
    lineKeys(a, size, s);
    return s;
  }

  const accessOf: Access[][] = c.actors.map(() => []);
  /** Every line some op names: where a computed bus address may land (filled in once all are named). */
  const everyLine = new Set<number>();
  const computedBus: { acc: Access; write: boolean }[] = [];
  const mapCount = new Map<string, number>();
  for (const ca of c.actors) for (const op of ca.actor.ops as CpuOp[]) {
    if (op.op === 'dma_map' || op.op === 'dma_map_sg') mapCount.set(op.handle, (mapCount.get(op.handle) ?? 0) + 1);
  }
  // Where dma_direct_unmap_page / dma_direct_sync_single_for_cpu certainly run dcache_inval_poc
  // on the mapped bytes: a range known before running, one level, not declared coherent, a mapping made once that neither
  // bounces nor fails (so the kernel's choice does not depend on the order of ops).
  const dropsOf = (op: CpuOp, out: Set<number>) => {
    if (op.op !== 'dma_unmap' && !(op.op === 'dma_sync' && op.to === 'cpu' && !op.sg)) return;
    if (op.dir === 'DMA_TO_DEVICE' || (op.op === 'dma_unmap' && op.skipCpuSync)) return;
    if (op.op === 'dma_sync' && (op.offExpr || op.sizeExpr)) return; // its range is computed when performed: nothing is certain
    if (c.platform.cwg !== c.platform.lineSize || c.platform.declaredCoherent || c.platform.faults?.includes('sync-for-cpu-skips-invalidate')) return;
    if (unsure || mapCount.get(op.handle) !== 1 || mayFail(op.handle) || mayBounce(op.handle)) return;
    const seg = made.get(op.handle)![0].segments[0];
    if (!seg || seg.bounced) return;
    const start = seg.phys + (op.op === 'dma_sync' ? op.off : 0); // the CPU's lines, not the bus address (IOMMU, dma-ranges)
    if (op.size <= 0) return;
    for (let l = start - (start % cwg); l < start + op.size; l += cwg) out.add(l);
  };
  const nonCacheable = (buf: string) => isNonCacheable(c, buf);
  const maintenanceSkipped = (h: string) => c.platform.declaredCoherent && !c.platform.faults?.length && !c.platform.untrusted && !mayBounce(h);
  // An op's keys: named resources, and line sets shared between ops where they are a handle's
  // (a handle that may bounce names every line of the pool: thousands, for every call on it).
  // exact: the bytes of an access that touches memory only, never the cache (byte-atoms.ts).
  interface Keys { names: Set<string>; lines: Set<number>[]; exact?: ByteRange[] }
  const keysOf = (op: CpuOp | DeviceOp, actor: number, index: number): Keys | 'all' => {
    const acc: Access = { cache: NO_LINES, memRead: NO_LINES, memWrite: NO_LINES, anyLine: false, bypass: NO_LINES, drops: new Set() };
    accessOf[actor].push(acc);
    const parts: { lines: Set<number>; cache: boolean; read: boolean; write: boolean; bypass: boolean }[] = [];
    const use = (lines: Set<number>, cache: boolean, read: boolean, write: boolean, bypass = false) => {
      parts.push({ lines, cache, read, write, bypass });
    };
    let exact: ByteRange[] | undefined;
    const k = keysOfOp(op, actor, index, acc, use, (r) => (exact = r));
    const union = (flag: 'cache' | 'read' | 'write' | 'bypass'): Set<number> => {
      const ps = parts.filter((p) => p[flag] && p.lines.size);
      if (ps.length <= 1) return ps[0]?.lines ?? NO_LINES;
      const u = new Set<number>();
      for (const p of ps) for (const l of p.lines) u.add(l);
      return u;
    };
    acc.cache = union('cache');
    acc.memRead = union('read');
    acc.memWrite = union('write');
    acc.bypass = union('bypass');
    return k === 'all' ? k : { names: k, lines: parts.map((p) => p.lines), exact };
  };
  const snoops = c.platform.deviceCoherent || c.platform.declaredCoherent;
  // A dma-coherent device: every access reads or writes the bytes every reader sees, whichever
  // copy holds them, and no fill or eviction happens (relevant-lines.ts cacheEventsInvisible):
  // accesses of disjoint bytes commute there too, cacheable or not (byte-atoms.ts).
  const byBytes = cacheEventsInvisible(c.platform);
  const coherentAllocs = new Set<string>();
  for (const ca of c.actors) for (const op of ca.actor.ops as CpuOp[]) if (op.op === 'dma_alloc_coherent') coherentAllocs.add(op.buf);
  const keysOfOp = (op: CpuOp | DeviceOp, actor: number, index: number, acc: Access, use: (lines: Set<number>, cache: boolean, read: boolean, write: boolean, bypass?: boolean) => void, exactly: (r: ByteRange[]) => void): Set<string> | 'all' => {
    // Every op names its own actor, which no other actor's op names: an op touching everything
    // (all bits set) then conflicts even with an op that touches nothing shared, e.g. a barrier.
    const k = new Set<string>([`actor:${actor}`]);
    // With an SMMU, maps, unmaps and frees change the page table and the IOVA allocator (which
    // IOVA the next map gets), and a device access reads the page table: they all conflict.
    if (c.platform.iommu !== 'none' && IOMMU_OPS.has(op.op)) k.add('iommu');
    if ('addr' in op && op.addr) { // a computed bus address: could be anywhere
      const write = op.op === 'dma_write';
      const known = computed?.[actor][index];
      if (!known && snoops) {
        acc.anyLine = true;
        return 'all';
      }
      if (known) {
        // The bytes each address it can take reaches, and the mappings whose bus ranges those
        // addresses meet (whether one is live there is what the access observes): as an access
        // through a handle would touch them (device() below).
        // (and, for the searches of the ideal world, where its device lands: a bounced mapping's
        // own buffer)
        const lines = new Set<number>();
        const reached = idealToo ? [...known.ranges, ...known.ideal] : known.ranges;
        for (const r of reached) lineKeys(r.phys, r.size, lines);
        use(lines, c.platform.deviceCoherent, !write || c.platform.deviceCoherent, write, write);
        // A device that does not snoop reaches memory, never the cache: these bytes only.
        if (!snoops || byBytes) exactly(reached.map((r) => ({ addr: r.phys, size: r.size })));
        for (const h of known.handles) k.add(`handle:${h}`);
        if (hasSetMask) k.add('mask');
        return k;
      }
      // Anywhere: the memory of any line (filled in below once every line is named). Where it
      // lands and what the address is called depends on every mapping: it meets every map,
      // unmap and allocation.
      computedBus.push({ acc, write });
      use(everyLine, false, !write, write, write);
      for (const h of handleLines.keys()) k.add(`handle:${h}`);
      if (hasSetMask) k.add('mask');
      return k;
    }
    // `handle:h`: the mapping's bus address and whether it is live, which map, unmap and alloc
    // change and device accesses and branches read; `api:h`: what the DMA API calls on it change
    // or read (a sync reads the mapping, never changes it: it commutes with a device access).
    const handleOnly = (h: string) => k.add(`handle:${h}`).add(`api:${h}`);
    const busOnly = (h: string) => k.add(`handle:${h}`);
    // A DMA API call on a handle: cache maintenance and swiotlb copies through the cache.
    const handle = (h: string) => {
      handleOnly(h);
      use(handleLines.get(h) ?? NO_LINES, true, true, true);
    };
    // A device access: through the cache when the device snoops it, else memory only.
    const device = (h: string, write: boolean) => {
      busOnly(h);
      use(handleLines.get(h) ?? NO_LINES, c.platform.deviceCoherent, !write || c.platform.deviceCoherent, write, write);
      // A non-snooping device's access to a coherent allocation at a fixed offset: memory only, these bytes.
      const d = op as Extract<DeviceOp, { op: 'dma_read' }>;
      if ((!snoops || byBytes) && coherentAllocs.has(h) && !d.offExpr && d.entry === undefined) exactly([{ addr: addr(h) + d.off, size: d.size }]);
    };
    switch (op.op) {
      case 'store': case 'load': case 'poll': {
        const keys = new Set<number>();
        // An offset computed from a read (an address dependency): at each value it can take.
        const ranges = accessRanges(c, op);
        for (const r of ranges) lineKeys(r.addr, r.size, keys);
        // Normal-NC: straight to memory; cacheable: through the cache (a store allocates: reads memory).
        if (nonCacheable(op.buf)) use(keys, false, op.op !== 'store', op.op === 'store', op.op === 'store');
        else use(keys, true, true, false);
        if ((nonCacheable(op.buf) || byBytes) && !op.sizeExpr) exactly(ranges);
        break;
      }
      case 'writel': case 'readl': case 'wait_doorbell': case 'set_reg': case 'read_reg': k.add(`reg:${op.reg}`); break;
      case 'rmw': {
        // xchg/cmpxchg/spin_lock: one atomic access that reads and writes its bytes (machine-ops.ts
        // rmw()), through the cache like a load and a store, or in memory when Normal-NC.
        const keys = new Set<number>();
        const ranges = accessRanges(c, op);
        for (const r of ranges) lineKeys(r.addr, r.size, keys);
        if (nonCacheable(op.buf)) use(keys, false, true, true, true);
        else use(keys, true, true, false);
        if (nonCacheable(op.buf) || byBytes) exactly(ranges);
        break;
      }
      case 'wait_irq': case 'raise_irq': k.add(`irq:${op.irq}`); break;
      case 'barrier': break;
      // A path's branch reads its own thread's registers, set once each, and the bus address of
      // any handle it names: it holds or fails (ending the execution: another path has it)
      // whatever else runs around it.
      case 'assume': for (const l of leaves(op.cond)) if (l.k === 'handle' || l.k === 'sgLen') busOnly(l.name); break;
      case 'dma_set_mask': k.add('mask'); break;
      case 'dma_map': case 'dma_map_sg':
        // declared coherent, never bounced: dma_direct_map_page() only computes the bus address
        // (no arch_sync_dma_for_device()); dma_alloc_noncoherent() still zeroes its pages
        if (maintenanceSkipped(op.handle) && !(op.op === 'dma_map' && op.alloc)) handleOnly(op.handle);
        else handle(op.handle);
        if (hasSetMask) k.add('mask');
        if (mayBounce(op.handle)) k.add('swiotlb');
        break;
      case 'dma_unmap': case 'dma_unmap_sg': case 'dma_sync':
        // For the CPU with DMA_TO_DEVICE nothing touches memory: arch_sync_dma_for_cpu() returns
        // at once and swiotlb copies back only other directions (kernel/dma/direct.h,
        // dma_direct_sync_single_for_cpu; src/kernel/dma-api.ts). Only the pool's slots change.
        if (op.dir === 'DMA_TO_DEVICE' && (op.op !== 'dma_sync' || op.to === 'cpu')) handleOnly(op.handle);
        // A device declared coherent (dev_is_dma_coherent()): dma-direct and dma-iommu skip
        // arch_sync_dma_for_*(), and a mapping that never bounces has no swiotlb copy: a sync reads
        // the mapping alone (dma_direct_sync_single_for_*, iommu_dma_sync_*), an unmap ends it.
        else if (maintenanceSkipped(op.handle)) {
          if (op.op === 'dma_sync') k.add(`api:${op.handle}`);
          else handleOnly(op.handle);
        }
        else if (op.op === 'dma_sync' && syncs?.[actor][index]) {
          // arch_sync_dma_for_{cpu,device}() on the bytes it is given (dma_direct_sync_single_*)
          k.add(`api:${op.handle}`);
          const lines = new Set<number>();
          for (const r of syncs[actor][index]!) lineKeys(r.addr, r.size, lines);
          use(lines, true, true, true);
        } else handle(op.handle);
        dropsOf(op, acc.drops);
        // a sync of a fixed slot copies between the buffer and that slot only (swiotlb_sync_single_for_*())
        if (mayBounce(op.handle) && !(op.op === 'dma_sync' && ownSlots(op.handle))) k.add('swiotlb');
        break;
      case 'dma_mapping_error':
        if (mayFail(op.handle)) return 'all'; // the driver bails out: nobody moves again
        handleOnly(op.handle);
        break;
      case 'dma_alloc_coherent': handle(op.buf); use(handleLines.get(op.buf) ?? NO_LINES, true, true, true, true); break;
      case 'dma_free_coherent': handleOnly(op.buf); break; // dma_direct_free(): no cache maintenance
      case 'dma_read': case 'dma_poll': device(op.handle, false); break;
      case 'dma_write': device(op.handle, true); break;
      default: // an op this table does not know: depends on everything
        acc.anyLine = true;
        return 'all';
    }
    return k;
  };

  const keyed = c.actors.map((ca, a) => (ca.actor.ops as (CpuOp | DeviceOp)[]).map((op, j) => keysOf(op, a, j)));
  const lineSets = new Set<Set<number>>();
  for (const row of keyed) for (const k of row) if (k !== 'all') { for (const key of k.names) id(key); for (const s of k.lines) lineSets.add(s); }
  for (const s of lineSets) for (const l of s) id(l);
  for (const k of ids.keys()) if (typeof k === 'number') everyLine.add(k);
  // Lines no event targets (relevant-lines.ts) are memory no cache holds: split into atoms where
  // exact accesses meet them (byte-atoms.ts).
  const exact = keyed.flatMap((row) => row.flatMap((k) => (k !== 'all' && k.exact ? [k.exact] : [])));
  const evented = exact.length ? new Set(relevantLines(c).map((l) => l - (l % cwg))) : new Set<number>();
  const atoms = byteAtoms(cwg, (L) => !evented.has(L), exact);
  for (const L of atoms.keys()) for (const a of allAtoms(atoms, L)) id(a);
  /** The split lines of a line set, once per set. */
  const splitIn = new Map<Set<number>, number[]>();
  const splitOf = (s: Set<number>): number[] => {
    let out = splitIn.get(s);
    if (!out) splitIn.set(s, (out = atoms.size ? [...s].filter((l) => atoms.has(l)) : []));
    return out;
  };
  for (const { acc, write } of computedBus) {
    if (write) acc.memWrite = acc.bypass = everyLine;
    else acc.memRead = everyLine;
  }
  const size = ids.size;
  const words = Math.ceil(size / 32);
  const allBits = new Uint32Array(words).fill(0xffffffff);
  const setBits = new Map<Set<number>, Bits>();
  const bitsOfSet = (s: Set<number>): Bits => {
    let b = setBits.get(s);
    if (!b) {
      b = new Uint32Array(words);
      for (const l of s) { const i = id(l); b[i >> 5] |= 1 << (i & 31); }
      setBits.set(s, b);
    }
    return b;
  };
  const toBits = (k: Keys | 'all'): Bits => {
    if (k === 'all') return allBits;
    const b = new Uint32Array(words);
    for (const key of k.names) {
      const i = id(key);
      b[i >> 5] |= 1 << (i & 31);
    }
    const set = (key: string | number) => { const i = id(key); b[i >> 5] |= 1 << (i & 31); };
    for (const s of k.lines) {
      const split = splitOf(s);
      if (!split.length) { const sb = bitsOfSet(s); for (let w = 0; w < words; w++) b[w] |= sb[w]; continue; }
      // An exact access names the atoms of a split line it meets; any other op, all of them (and the line).
      for (const l of s) if (!atoms.has(l) || !k.exact) set(l);
      for (const L of split) for (const a of k.exact ? atomsMet(atoms, cwg, L, k.exact) : allAtoms(atoms, L)) set(a);
    }
    return b;
  };
  const op = keyed.map((row) => row.map(toBits));
  const suffix = op.map((row) => {
    const out: Bits[] = new Array(row.length + 1);
    out[row.length] = new Uint32Array(words);
    for (let i = row.length - 1; i >= 0; i--) {
      const b = out[i + 1].slice();
      for (let w = 0; w < words; w++) b[w] |= row[i][w];
      out[i] = b;
    }
    return out;
  });

  // The relevant lines each op may change or read, for hardware events placed after it.
  const sortedLines = new Map<Set<number>, number[]>();
  const lines = keyed.map((row) => row.map((k) => {
    if (k === 'all') return [];
    if (k.lines.length === 1) {
      const s = k.lines[0];
      let out = sortedLines.get(s);
      if (!out) sortedLines.set(s, (out = [...s].sort((a, b) => a - b)));
      return out;
    }
    const u = new Set<number>();
    for (const s of k.lines) for (const l of s) u.add(l);
    return [...u].sort((a, b) => a - b);
  }));
  const lineBit = new Map<number, number>();
  for (const [k, i] of ids) if (typeof k === 'number') lineBit.set(k, i);
  const lineBits = (ls: Set<number>, any: boolean): Bits => {
    if (!any && lineSets.has(ls)) return bitsOfSet(ls);
    const b = new Uint32Array(words);
    if (any) return b.fill(0xffffffff);
    for (const l of ls) {
      const i = lineBit.get(l)!;
      b[i >> 5] |= 1 << (i & 31);
    }
    return b;
  };
  const suffixOf = (bits: (a: Access) => Bits) => accessOf.map((row) => {
    const out: Bits[] = new Array(row.length + 1);
    out[row.length] = new Uint32Array(words);
    for (let i = row.length - 1; i >= 0; i--) {
      const b = out[i + 1].slice();
      const own = bits(row[i]);
      for (let w = 0; w < words; w++) b[w] |= own[w];
      out[i] = b;
    }
    return out;
  });
  const suffixCache = suffixOf((a) => lineBits(a.cache, a.anyLine));
  const suffixAny = suffixOf((a) => (a.cache === a.memRead && a.cache === a.memWrite ? lineBits(a.cache, a.anyLine) : lineBits(new Set([...a.cache, ...a.memRead, ...a.memWrite]), a.anyLine)));
  const suffixBypass = suffixOf((a) => lineBits(a.bypass, a.anyLine));
  const finalLines = new Set<number>();
  for (const r of c.final) for (let l = r.buf.addr + r.off - ((r.buf.addr + r.off) % cwg); l < r.buf.addr + r.off + r.size; l += cwg) finalLines.add(l);
  const actorBit = c.actors.map((_, a) => ids.get(`actor:${a}`)!);
  return { op, suffix, global: keyed.map((row) => row.map((k) => k === 'all')), lines, access: accessOf, suffixCache, suffixAny, suffixBypass, size, lineBit, actorBit, finalLines, groups: independentGroups(c, suffix, lineBit) };
}
