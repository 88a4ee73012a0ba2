// The lines hardware events may target (src/oracle/exhaustive.ts): the full and the reduced
// search fill and evict these, and no other, so footprints.ts may treat any other line as memory
// that no cache ever holds.

import type { Compiled } from '../exec/compile.js';
import { hasOuterLevel } from '../exec/execution.js';
import { bounceSlots } from '../kernel/swiotlb.js';
import { isNonCacheable, mappingDecisions } from './mapping-decisions.js';
import { accessRanges } from '../exec/access-ranges.js';
import type { Platform } from '../platform/platform.js';

/**
 * The lines whose fills and evictions can change what the program observes: every line read or
 * written through the cache — CPU accesses (a computed offset at each value it can take,
 * src/exec/access-ranges.ts), swiotlb's copies between a mapping that may bounce and its slots,
 * memory the kernel zeroes through the cache (dma_alloc_noncoherent, dma_alloc_coherent on a
 * coherent platform), a snooping device's accesses — and final ranges read through the cache.
 * Any other line is never dirtied (only writes through the cache dirty a line) and never read
 * through the cache: a fill leaves a clean copy nobody reads, cache maintenance on a clean line
 * writes nothing, evicting it changes nothing. So the lines of a 4 KiB page a driver maps but
 * reads 8 bytes of cost nothing. All of them, however many: the bound reports them, so it must not
 * claim a line it skipped (a big range costs states, and the search says when it gives up). None
 * on a coherent platform (cacheEventsInvisible).
 */
export function relevantLines(c: Compiled): number[] {
  // Asked by footprints.ts and by each level's search: worked out once per compiled program.
  let lines = known.get(c);
  if (!lines) known.set(c, (lines = linesOf(c)));
  return [...lines];
}

const known = new WeakMap<Compiled, readonly number[]>();

/**
 * A device that snoops the CPU caches and is declared so (dev_is_dma_coherent()): dma-direct and
 * dma-iommu skip every arch_sync_dma_for_*(), dma_alloc_coherent() memory is the cacheable linear
 * map, swiotlb copies through the cache, and the device's reads and writes see and update every
 * cached copy (cache.ts snoopRead, snoopWrite). Nothing then writes memory under a cached copy, so
 * a clean copy always holds what the level below holds: a fill copies what every reader already
 * sees, an eviction writes back what it sees, and no fill or eviction can change a value anyone
 * reads (properties/coherent-events.test.ts). A platform with model faults (test hooks) is left out.
 */
export function cacheEventsInvisible(p: Platform): boolean {
  return p.deviceCoherent && p.declaredCoherent && !p.faults?.length;
}

function linesOf(c: Compiled): number[] {
  if (cacheEventsInvisible(c.platform)) return [];
  const step = c.platform.lineSize; // L1 lines (= CWG lines with one level)
  const lines = new Set<number>();
  const add = (addr: number, size: number) => {
    for (let a = addr - (addr % step); a < addr + size; a += step) lines.add(a);
  };
  const at = (buf: string, off: number) => c.layout.buffers.get(buf)!.addr + off;
  const coherentHandles = new Set<string>();
  const mapSizes: number[] = [];
  const { mayBounce } = mappingDecisions(c);
  // Normal-NC memory is read and written around the cache — unless the device snoops: then a
  // speculative fill through the linear alias holds bytes the device writes into and the CPU's
  // Normal-NC reads miss (a misdeclared platform, bug class 14).
  const nonCacheable = (buf: string) => isNonCacheable(c, buf) && !c.platform.deviceCoherent;
  // A mapping's bytes are read or written through the cache only by swiotlb's copies, by the
  // zeroing of dma_alloc_noncoherent, or by a device that snoops the cache (or a platform that
  // declares itself coherent): arch_sync_dma_* alone only cleans and invalidates.
  let anyBounce = false;
  const mappedThroughCache = (handle: string, alloc?: string) => {
    const bounces = mayBounce(handle);
    anyBounce ||= bounces;
    return c.platform.deviceCoherent || c.platform.declaredCoherent || alloc === 'noncoherent' || bounces;
  };
  for (const ca of c.actors) {
    for (const op of ca.actor.ops) {
      switch (op.op) {
        case 'store': case 'load': case 'poll': if (!nonCacheable(op.buf)) for (const r of accessRanges(c, op)) add(r.addr, r.size); break;
        case 'rmw': if (!nonCacheable(op.buf)) add(at(op.buf, op.off), op.size); break;
        case 'dma_map': if (mappedThroughCache(op.handle, op.alloc)) add(at(op.buf, op.off), op.size); mapSizes.push(op.size); break;
        case 'dma_map_sg': for (const e of op.entries) { if (mappedThroughCache(op.handle)) add(at(e.buf, e.off), e.size); mapSizes.push(e.size); } break;
        case 'dma_alloc_coherent':
          coherentHandles.add(op.buf);
          if (c.platform.declaredCoherent) add(at(op.buf, 0), c.layout.buffers.get(op.buf)!.size); // zeroed through the cache
          break;
      }
    }
  }
  for (const ca of c.actors) {
    for (const op of ca.actor.ops) {
      if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') continue;
      // A computed bus address (op.addr) lands in a mapping, whose lines are in already when the
      // device reaches them through the cache, or in memory no CPU access reads through the cache.
      if (!op.addr && coherentHandles.has(op.handle) && !nonCacheable(op.handle)) add(at(op.handle, op.off), op.size);
    }
  }
  // The slots a mapping may take, when some mapping may bounce: swiotlb copies through them.
  if (anyBounce) for (const s of bounceSlots(mapSizes, c.platform.iommu !== 'none' ? c.platform.iovaGranule : undefined)) add(s.addr, s.size);
  // A final range is read as the CPU's load reads it (Machine.observations: world.cpuLoad): a
  // Normal-NC one around the cache, as any Normal-NC read.
  for (const f of c.program.final ?? []) if (!nonCacheable(f.buf)) add(at(f.buf, f.off), f.size);
  return [...lines].sort((a, b) => a - b);
}

/** With two cache levels, the L2 (CWG) lines holding the given L1 lines; none with one level. */
export function outerLinesOf(c: Compiled, lines: readonly number[]): number[] {
  const cwg = c.platform.cwg;
  if (!hasOuterLevel(c.platform)) return [];
  return [...new Set(lines.map((l) => l - (l % cwg)))].sort((a, b) => a - b);
}
