// Where a device access at a bus address it computed can land, when that is few places: an
// engine follows the address a descriptor holds (`a = dma_read(ring + 4, 4); dma_write(a, ...)`),
// maybe in a descriptor that an index it read first names (virtio's desc[avail->ring[i]].addr:
// each place that address can land is a field read), and a descriptor holds what the driver
// stored there (`lower_32_bits(h + i * SZ)`), what the device itself wrote, or what it held from
// the start. Where the program changes no mask, every handle's bus address is the kernel's fixed
// choice with dma-direct (mapping-decisions.ts), a
// swiotlb slot too when every map and unmap is one thread's (slotsFixed; a restricted pool's as
// well, whose firewall blocks an address outside it: less is reached than named), so each value the
// address can take is known, and so is the memory it reaches: dma-direct's dma_to_phys() through
// any dma-ranges window, after the device drives its address bits (Arm64World.deviceAt,
// reachable); behind an SMMU, each IOVA too when one thread allocates and frees them all
// (iovasFixed), and the pages the mappings made there reach. Elsewhere — IOVAs and bounce slots that
// depend on the order of the maps, a value loaded by the CPU is anything — the answer is "anywhere"
// (undefined), and footprints.ts keeps the access conflicting with every line and mapping. A
// device that snoops the caches reads some write's value too (from a cache or from memory): the
// same values, the same targets.
//
// Sound as an over-approximation of every execution: a field's value is the last write to its
// bytes, and every op that can write them is listed (a write that overlaps it only in part, or
// one whose value is unknown, gives up); the addresses are every combination of those values
// (src/program/expr-values.ts); and no computed write may land on a field an address is read from.

import type { Compiled } from '../exec/compile.js';
import { decodeValue, encodeValue, encodeValues } from '../exec/values.js';
import { accessRanges, type ByteRange } from '../exec/access-ranges.js';
import { ORDERED } from '../exec/ordering.js';
import { dmaToPhys } from '../kernel/dma-ranges.js';
import { Swiotlb } from '../kernel/swiotlb.js';
import { initialMemory } from '../model/initial-memory.js';
import type { Expr } from '../program/expr.js';
import { possibleValues } from '../program/expr-values.js';
import type { CpuOp, DeviceOp, Value } from '../program/types.js';
import { mappingDecisions, type MappingDecisions } from './mapping-decisions.js';
import { cacheEventsInvisible } from './relevant-lines.js';

/** The memory (CPU physical bytes) and the handles whose bus ranges a computed access may meet. */
export interface ComputedTarget {
  /** Where it lands on arm64 (a bounced mapping's slot). */
  ranges: { phys: number; size: number }[];
  /** Where it lands in the ideal world (a bounced mapping's own buffer), when that is elsewhere. */
  ideal: { phys: number; size: number }[];
  handles: Set<string>;
}

type Located = { phys: number; size: number };

/**
 * Per actor and op, the targets of each device access at a computed bus address (undefined for
 * other ops), or undefined for the whole program when one of them cannot be bounded.
 */
export function computedTargets(c: Compiled): (ComputedTarget | undefined)[][] | undefined {
  return bounded(c).targets;
}

/**
 * Per actor and op, the CPU physical bytes each dma_sync_single{,_range}_for_*() may act on (of a
 * bounced mapping: its slot's and its buffer's, swiotlb copying between them), at
 * every offset and length it can take (a length read from a descriptor: each value its field can
 * hold), or undefined when that is not known (footprints.ts then names the whole mapping).
 * dma-direct maintains the bytes it is given, inside the mapping or not (dma-api.ts sync()).
 */
export function syncRanges(c: Compiled): (ByteRange[] | undefined)[][] | undefined {
  return bounded(c).syncs;
}

interface Bounded { targets: (ComputedTarget | undefined)[][] | undefined; syncs?: (ByteRange[] | undefined)[][] }

// Asked by the value search's footprints and the contract walk's groups alike: worked out once.
function bounded(c: Compiled): Bounded {
  let b = known.get(c);
  if (!b) known.set(c, (b = targetsOf(c, mappingDecisions(c))));
  return b;
}

const known = new WeakMap<Compiled, Bounded>();

/** More byte ranges than this for one sync: not worth listing (the whole mapping instead). */
const SYNC_RANGES_LIMIT = 256;
/** More bytes than this for one sync (1,024 lines of 64 bytes): not worth listing either. */
const SYNC_BYTES_LIMIT = 64 * 1024;

function targetsOf(c: Compiled, d: MappingDecisions): Bounded {
  const p = c.platform;
  if ((p.iommu !== 'none' && !d.iovasFixed) || d.unsure || d.bailedOut) return { targets: undefined };
  const ops = c.actors.map((a) => a.actor.ops as (CpuOp | DeviceOp)[]);
  const noComputed = !ops.some((row) => row.some((op) => 'addr' in op && op.addr));
  if (noComputed && !ops.some((row) => row.some((op) => op.op === 'dma_sync' && !op.sg))) return { targets: [] };
  // Every handle one mapping with fixed bus addresses: no failure, no later map into the variable,
  // and no bounce unless its slot is the same in every execution (mapping-decisions.ts slotsFixed).
  const bus = new Map<string, { bus: number; size: number }[]>();
  /** Handles bounced through swiotlb: the device reaches the slot, whose bytes swiotlb copies. */
  const bounced = new Set<string>();
  for (const [h, ms] of d.made) {
    const bounce = ms.length === 1 && ms[0].segments.some((s) => s.bounced);
    if (ms.length !== 1 || ms[0].error || d.mayFail(h) || (d.mayBounce(h) && !(bounce && d.slotsFixed))) return { targets: noComputed ? [] : undefined };
    if (bounce) bounced.add(h);
    bus.set(h, ms[0].segments.map((s) => ({ bus: s.bus, size: s.size })));
  }
  const placed = (buf: string) => c.layout.buffers.get(buf)!;
  const memory = initialMemory(c);
  const sizeMask = (v: Value, size: number) => BigInt.asUintN(8 * size, v);

  /**
   * The values the bytes at L can hold when the device reads them, or undefined. `published`: the
   * read comes after a doorbell every ring of which is a writel() after a store of the whole field
   * (writel(): dmb oshst, then the register write), into Normal-NC memory the device reads as the
   * CPU wrote it (or memory a dma-coherent device reads through the caches): the field's bytes
   * from before that store (its initial garbage, the zeroes of dma_alloc_coherent() before it) are
   * overwritten by then.
   */
  const fieldValues = (L: Located, published: boolean, zeroedFirst = false, handleValue = handleLeaf): Value[] | undefined => {
    const out = new Set<Value>(published || zeroedFirst ? [] : [decodeValue(memory.read(L.phys, new Uint8Array(L.size)))]);
    const meets = (phys: number, size: number) => phys < L.phys + L.size && L.phys < phys + size;
    for (const row of ops) {
      for (const op of row) {
        if (op.op === 'dma_alloc_coherent' && !published && meets(placed(op.buf).addr, placed(op.buf).size)) out.add(0n); // zeroed
        // dma_alloc_noncoherent() zeroes its pages through the cache (dma-api.ts allocPages)
        if (op.op === 'dma_map' && op.alloc === 'noncoherent' && !published && meets(placed(op.buf).addr + op.off, op.size)) out.add(0n);
        if (op.op === 'rmw' && meets(placed(op.buf).addr + op.off, op.size)) return undefined;
        if (op.op === 'store') {
          for (const r of accessRanges(c, op)) {
            if (!meets(r.addr, r.size)) continue;
            // (a memset() of a computed length stores its byte over and over: not `value`)
            if (r.addr === L.phys && r.size === L.size && L.size <= 8 && !op.sizeExpr) {
              const vs = op.valueExpr ? possibleValues(op.valueExpr, handleValue) : op.values ? undefined : [op.value];
              if (!vs) return undefined;
              for (const v of vs) out.add(sizeMask(v, L.size));
            } else if (!op.valueExpr && !op.sizeExpr && r.addr <= L.phys && L.phys + L.size <= r.addr + r.size && r.addr === placed(op.buf).addr + op.off) {
              // a constant store over the whole field (memset of the ring): its bytes there
              const bytes = op.values ? encodeValues(op.values, op.size) : encodeValue(op.value, op.size);
              out.add(decodeValue(bytes.subarray(L.phys - r.addr, L.phys - r.addr + L.size)));
            } else return undefined;
          }
        }
        if (op.op === 'dma_write' && !op.addr) {
          const seg = bus.get(op.handle)?.[op.entry ?? 0];
          const m = d.made.get(op.handle)?.[0].segments[op.entry ?? 0];
          if (!seg || !m) return undefined;
          const phys = (bounced.has(op.handle) ? m.phys : m.orig) + op.off;
          if (!meets(phys, op.size)) continue;
          if (op.values) return undefined;
          if (phys !== L.phys || op.size !== L.size) return undefined;
          const vs = op.valueExpr ? possibleValues(op.valueExpr, handleValue) : [op.value];
          if (!vs) return undefined;
          for (const v of vs) out.add(sizeMask(v, L.size));
        }
      }
    }
    return [...out];
  };
  const handleLeaf = (e: Expr): Value[] | undefined => {
    if (e.k !== 'handle') return undefined;
    const s = bus.get(e.name)?.[e.entry ?? 0];
    return s ? [BigInt(s.bus)] : undefined;
  };
  /**
   * A handle's value in the ideal world (src/ideal/ideal-world.ts): its buffer's own address, no
   * swiotlb slot, no dma-ranges offset. Its device goes where that value says, so a computed access
   * names the bytes the ideal world reaches too: the witness search runs on the same footprints.
   */
  const idealHandleLeaf = (e: Expr): Value[] | undefined => {
    if (e.k !== 'handle') return undefined;
    const s = d.made.get(e.name)?.[0].segments[e.entry ?? 0];
    return s && bus.has(e.name) ? [BigInt(s.orig)] : undefined;
  };

  /**
   * The physical bytes an access of `size` at IOVA b reaches through any mapping the program made
   * (iommu_map maps whole granules, the IOVA's offset in its granule kept: iommu_dma_map_page), or
   * undefined when it straddles a granule one of them maps.
   */
  const translations = (b: number, size: number): Located[] | undefined => {
    const G = p.iovaGranule, out: Located[] = [];
    for (const ms of d.made.values()) {
      for (const m of ms) {
        for (const g of m.segments) {
          const lo = g.bus - (g.bus % G), hi = Math.ceil((g.bus + g.size) / G) * G;
          if (b + size <= lo || b >= hi) continue;
          if (b < lo || b + size > hi) return undefined;
          out.push({ phys: g.phys + (b - g.bus), size });
        }
      }
    }
    return out;
  };
  const fields: Located[] = [];
  /** The buffers of bounced mappings: swiotlb copies into them, and the ideal world's device reaches them. */
  const bouncedBytes = [...bounced].flatMap((h) => d.made.get(h)![0].segments.map((g) => ({ phys: g.orig, size: g.size })));
  /**
   * The fields (and their buffers) a device's read may take its value from: its handle's bytes at
   * its offset, at each offset its offset expression can take, or, at a bus address it computed,
   * each place that address lands in either world (virtio's desc[avail->ring[i]].addr: an index
   * read, then the descriptor it names). Undefined when not known, or when a place is a bounce
   * slot or a bounced buffer (each world holds its own copy there: not followed).
   */
  const fieldsRead = (a: number, src: Extract<DeviceOp, { op: 'dma_read' }>, leaf: (e: Expr) => Value[] | undefined): { L: Located; buf: string }[] | undefined => {
    if (src.addr) {
      const t = targetOf(a, src as DeviceOp & { addr: Expr; size: number });
      if (!t) return undefined;
      const out: { L: Located; buf: string }[] = [];
      for (const r of [...t.ranges, ...t.ideal]) { // in either world: the values of both (more is sound)
        // a place in no buffer holds its initial bytes (nothing names it: no op but a computed one writes there)
        const buf = [...c.layout.buffers].find(([, b]) => b.addr <= r.phys && r.phys + r.size <= b.addr + b.size)?.[0];
        if (buf === undefined && (Swiotlb.contains(r.phys) || Swiotlb.contains(r.phys + r.size - 1))) return undefined;
        if (bouncedBytes.some((g) => g.phys < r.phys + r.size && r.phys < g.phys + g.size)) return undefined; // each world has its own copy
        out.push({ L: r, buf: buf ?? '' });
      }
      return out;
    }
    if (bounced.has(src.handle)) return undefined;
    const m = d.made.get(src.handle)?.[0].segments[src.entry ?? 0];
    if (!m) return undefined;
    const offs = src.offExpr ? possibleValues(src.offExpr, leaf) : [0n];
    if (!offs) return undefined;
    const out: { L: Located; buf: string }[] = [];
    for (const o of offs) {
      const off = src.off + Number(BigInt.asIntN(64, o));
      if (src.offExpr && (off < 0 || off + src.size > m.size)) return undefined; // past the mapping: whatever lies there
      out.push({ L: { phys: m.orig + off, size: src.size }, buf: src.handle });
    }
    return out;
  };

  const targetOf = (a: number, op: DeviceOp & { addr: Expr; size: number }): ComputedTarget | undefined => {
    const leafIn = (handleValue: (e: Expr) => Value[] | undefined) => (e: Expr): Value[] | undefined => {
      if (e.k === 'handle') return handleValue(e);
      if (e.k !== 'read') return undefined;
      const src = ops[a][e.op];
      if (src?.op === 'read_reg') return registerValues(src.reg, handleValue);
      if (src?.op !== 'dma_read' || src.size > 8) return undefined;
      const located = fieldsRead(a, src, leafIn(handleValue));
      if (!located) return undefined;
      const out = new Set<Value>();
      for (const { L, buf } of located) {
        fields.push(L);
        const vs = fieldValues(L, published(a, e.op, buf, L), false, handleValue);
        if (!vs) return undefined;
        for (const v of vs) out.add(v);
      }
      return [...out];
    };
    const values = possibleValues(op.addr, leafIn(handleLeaf));
    const idealValues = possibleValues(op.addr, leafIn(idealHandleLeaf));
    if (!values || !idealValues) return undefined;
    const out: ComputedTarget = { ranges: [], ideal: [], handles: new Set() };
    for (const v of values) {
      // Arm64World.deviceAt: the device drives deviceAddressBits of the address; reachable(): dma-ranges.
      const b = Number(BigInt.asUintN(Math.min(p.deviceAddressBits, 52), v));
      for (const [h, segs] of bus) if (segs.some((s) => b < s.bus + s.size && s.bus < b + op.size)) out.handles.add(h);
      if (p.iommu !== 'none') {
        // through the SMMU: the page of every mapping ever made at that IOVA (a lazy unmap's IOTLB
        // entry still translates it), nothing where none was (a fault)
        const pages = translations(b, op.size);
        if (!pages) return undefined;
        out.ranges.push(...pages);
        continue;
      }
      const phys = dmaToPhys(p, b);
      if (phys !== undefined && dmaToPhys(p, b + op.size - 1) !== undefined) out.ranges.push({ phys, size: op.size });
    }
    // IdealWorld.deviceAt: the value itself is the address, every buffer at its own
    for (const v of idealValues) {
      if (v >= 2n ** 52n) continue;
      const at = Number(v);
      for (const [h, ms] of d.made) if (bus.has(h) && ms[0].segments.some((g) => at < g.orig + g.size && g.orig < at + op.size)) out.handles.add(h);
      if (!out.ranges.some((r) => r.phys === at && r.size === op.size)) out.ideal.push({ phys: at, size: op.size });
    }
    return out;
  };
  /**
   * Does device actor a wait, before its op k, for a register that only writel()s ring, each after
   * a store of exactly L (and after the dma_alloc_coherent() of L's buffer, if its thread makes one)
   * in its own thread, L being coherent memory mapped Normal-NC (footprints' isNonCacheable), or
   * any memory of a device that snoops the caches and is declared so?
   */
  const published = (a: number, k: number, buf: string, L: Located): boolean => {
    // a streaming mapping's handle names no buffer: only dma_alloc_coherent() memory is published so;
    // a snooping device may read a copy some cache took before the store (a speculative fill of
    // the linear alias, on a platform declared non-coherent), and one that does not snoop, memory
    // under the cached store (declared coherent, no maintenance): not published. A device that
    // snoops and is declared so reads the store itself through the caches (cacheEventsInvisible).
    const b = c.layout.buffers.get(buf);
    if (b?.kind !== 'coherent' || ((c.platform.declaredCoherent || c.platform.deviceCoherent) && !cacheEventsInvisible(c.platform))) return false;
    for (let j = 0; j < k; j++) {
      const w = ops[a][j];
      if (w.op !== 'wait_doorbell') continue;
      let rings = 0, ok = true;
      ops.forEach((row) => row.forEach((op, i) => {
        if (!('reg' in op) || op.reg !== w.reg || op.op === 'wait_doorbell' || op.op === 'readl' || op.op === 'read_reg') return;
        if (op.op !== 'writel' || op.relaxed) { ok = false; return; }
        rings++;
        const before = row.slice(0, i);
        const stored = before.findIndex((s) => s.op === 'store' && !s.offExpr && placed(s.buf).addr + s.off === L.phys && s.size === L.size);
        const alloc = before.findIndex((s) => s.op === 'dma_alloc_coherent' && s.buf === buf);
        const laterAlloc = row.findIndex((s, y) => y > stored && s.op === 'dma_alloc_coherent' && s.buf === buf);
        if (stored < 0 || alloc > stored || laterAlloc >= 0) ok = false;
      }));
      if (ok && rings > 0) return true;
    }
    return false;
  };
  /** A register's values: 0 at reset, and whatever writel() or the device's set_reg() put there. */
  const registerValues = (reg: string, handleValue = handleLeaf): Value[] | undefined => {
    const out = new Set<Value>([0n]);
    for (const row of ops) for (const op of row) {
      if ((op.op === 'writel' || op.op === 'set_reg') && op.reg === reg) {
        const vs = op.op === 'writel' && op.valueExpr ? possibleValues(op.valueExpr, handleValue) : [op.value];
        if (!vs) return undefined;
        for (const v of vs) out.add(v);
      }
    }
    return [...out];
  };

  const allTargets = (): (ComputedTarget | undefined)[][] | undefined => {
    if (noComputed) return [];
    const targets: (ComputedTarget | undefined)[][] = ops.map((row) => row.map(() => undefined));
    for (const [a, row] of ops.entries()) {
      for (const [j, op] of row.entries()) {
        if (!('addr' in op) || !op.addr) continue;
        const t = targetOf(a, op as DeviceOp & { addr: Expr; size: number });
        if (!t) return undefined;
        targets[a][j] = t;
      }
    }
    // No computed write may change a field an address was read from, nor a swiotlb copy back
    // into a bounced buffer: fieldValues did not list them.
    const meetsCopy = fields.some((L) => bouncedBytes.some((r) => r.phys < L.phys + L.size && L.phys < r.phys + r.size));
    return meetsCopy || landsOnField(targets, fields) ? undefined : targets;
  };
  /** Does a computed write of these targets land on one of the fields? */
  const landsOnField = (targets: (ComputedTarget | undefined)[][], fs: readonly Located[]): boolean =>
    ops.some((row, a) => row.some((op, j) => op.op === 'dma_write' && !!op.addr && [...targets[a][j]!.ranges, ...targets[a][j]!.ideal].some((r) => fs.some((L) => r.phys < L.phys + L.size && L.phys < r.phys + r.size))));

  /**
   * The bytes each sync may act on. A length or offset read by the CPU from a field it reads
   * after its own thread's dma_alloc_coherent() of that buffer zeroed it (a FENCE: the read
   * cannot pass it, ordering.ts) takes the zero or a value some op writes there, never the
   * garbage from before.
   */
  const syncsOf = (targets: (ComputedTarget | undefined)[][] | undefined): (ByteRange[] | undefined)[][] => {
    const syncFields: Located[] = [];
    const out = ops.map((row, a) => row.map((op): ByteRange[] | undefined => {
      if (op.op !== 'dma_sync' || op.sg) return undefined;
      const seg = d.made.get(op.handle)?.[0].segments[0];
      if (!seg || !bus.has(op.handle)) return undefined;
      const leaf = (e: Expr): Value[] | undefined => {
        if (e.k === 'handle') return handleLeaf(e);
        if (e.k !== 'read') return undefined;
        const src = ops[a][e.op];
        if (src?.op !== 'load' || src.sizeExpr || src.size > 8) return undefined;
        // at a computed offset (the next descriptor's field): a value of the field at any of them
        const out = new Set<Value>();
        for (const r of accessRanges(c, src)) {
          if (r.size !== src.size) return undefined;
          const L = { phys: r.addr, size: r.size };
          syncFields.push(L);
          const vs = fieldValues(L, false, zeroedBefore(a, e.op, src.buf));
          if (!vs) return undefined;
          for (const v of vs) out.add(v);
        }
        return [...out];
      };
      const offs = op.offExpr ? possibleValues(op.offExpr, leaf) : [0n];
      const sizes = op.sizeExpr ? possibleValues(op.sizeExpr, leaf) : [0n];
      if (!offs || !sizes || offs.length * sizes.length > SYNC_RANGES_LIMIT) return undefined;
      const ranges: ByteRange[] = [];
      for (const o of offs) {
        for (const n of sizes) {
          // machine-values.ts syncRange(): a computed range that is negative or past 4 GiB syncs nothing
          const off = BigInt(op.off) + (op.offExpr ? BigInt.asIntN(64, o) : 0n);
          const size = op.sizeExpr ? BigInt.asIntN(64, n) : BigInt(op.size);
          if ((op.offExpr || op.sizeExpr) && !(off >= 0n && size >= 0n && off + size <= 1n << 32n)) continue;
          ranges.push({ addr: seg.phys + Number(off), size: Number(size) });
          // bounced: swiotlb_sync_single_for_*() copies between the slot and the buffer at that offset
          if (bounced.has(op.handle)) ranges.push({ addr: seg.orig + Number(off), size: Number(size) });
        }
      }
      // A length of garbage (0xa5a5a5a5) would name millions of lines: the whole mapping instead, as before.
      return ranges.reduce((n, r) => n + r.size, 0) > SYNC_BYTES_LIMIT ? undefined : ranges;
    }));
    // A computed write on a field a length was read from: fieldValues did not list it.
    if (syncFields.length && (!targets || landsOnField(targets, syncFields))) return ops.map((row) => row.map(() => undefined));
    return out;
  };
  /** Does actor a's only dma_alloc_coherent() of buf, zeroing it, come before its read j, which cannot pass it? */
  const zeroedBefore = (a: number, j: number, buf: string): boolean => {
    const allocs: [number, number][] = [];
    ops.forEach((row, x) => row.forEach((op, i) => { if (op.op === 'dma_alloc_coherent' && op.buf === buf) allocs.push([x, i]); }));
    if (allocs.length !== 1) return false;
    const [x, i] = allocs[0];
    const alloc = ops[x][i] as Extract<CpuOp, { op: 'dma_alloc_coherent' }>;
    return x === a && i < j && (!alloc.pool || !!alloc.pool.zero) && c.actors[a].precedence[j][i] === ORDERED;
  };
  const targets = allTargets();
  return { targets, syncs: syncsOf(targets) };
}
