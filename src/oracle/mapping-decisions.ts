// Which mappings may bounce through swiotlb or fail, and which memory is never cached: what the
// searches need to know of the kernel's decisions before running (footprints.ts, exhaustive.ts,
// line-symmetry.ts), from one run of the program in program order.

import type { Compiled } from '../exec/compile.js';
import { IO_TLB_SIZE } from '../kernel/swiotlb.js';
import { REGION } from '../kernel/layout.js';
import type { Mapping } from '../kernel/mapping.js';
import { mappingsMade } from '../model/arm64-view.js';
import { newModelMachine } from '../model/machines.js';
import type { CpuOp } from '../program/types.js';

export interface MappingDecisions {
  /** May the mappings of this handle variable bounce through swiotlb, or fail? */
  mayBounce: (handle: string) => boolean;
  mayFail: (handle: string) => boolean;
  /** Every mapping each handle variable was given in a run in program order. */
  made: Map<string, Mapping[]>;
  /** The program changes the mask or may fill the pool: any map may bounce or fail. */
  unsure: boolean;
  /**
   * Every swiotlb slot is the one the run in program order got: every map and unmap in one thread
   * (DMA API calls keep program order, ordering.ts), and not `unsure`. swiotlb_tbl_map_single()
   * takes the pool's next free slots, whether dma-direct or dma-iommu asks (an untrusted device's
   * map, a kmalloc bounce behind an SMMU: iommu_dma_map_page()); nothing else takes or frees one.
   * A restricted pool's too: its coherent buffers are placed before any run (layout.ts).
   */
  slotsFixed: boolean;
  /**
   * Behind an SMMU, every IOVA is the one the run in program order got: every call that allocates
   * or frees one (a map, an unmap, dma_alloc_coherent, dma_free_coherent) is one thread's, the
   * flush queue is flushed only when asked (iommu.ts), and not `unsure`; a map that bounces gets
   * the IOVA of its slot, which is fixed then too (slotsFixed: the same thread maps and unmaps).
   * Not a scatterlist (merged into one IOVA range).
   */
  iovasFixed: boolean;
  poolBytes: number;
  mapSizes: number[];
  /** The run in program order bailed out (a mapping error ended it). */
  bailedOut: boolean;
  /** Where: the actor and its `if (dma_mapping_error(dev, h)) return ...;` op. */
  bailedAt?: { actor: number; op: number };
}

/** dma_alloc_coherent memory on a non-coherent platform: remapped Normal-NC, never cached. */
export function isNonCacheable(c: Compiled, buf: string): boolean {
  return c.layout.buffers.get(buf)!.kind === 'coherent' && !c.platform.declaredCoherent;
}

const decisions = new WeakMap<Compiled, MappingDecisions>();

/** The calls that allocate or free an IOVA behind an SMMU (src/kernel/dma-iommu.ts). */
const IOVA_CALLS = new Set(['dma_map', 'dma_unmap', 'dma_map_sg', 'dma_unmap_sg', 'dma_alloc_coherent', 'dma_free_coherent']);

/**
 * The mask is set by one thread before every map of the program, all of them its own (a probe():
 * dma_set_mask_and_coherent() first): DMA API calls keep program order (src/exec/ordering.ts), so
 * every execution maps under the mask the run in program order does.
 */
function maskBeforeEveryMap(c: Compiled): boolean {
  const setters = c.actors.filter((a) => a.actor.ops.some((op) => op.op === 'dma_set_mask'));
  if (setters.length !== 1) return false;
  const ops = setters[0].actor.ops as CpuOp[];
  let lastMask = -1;
  ops.forEach((op, j) => { if (op.op === 'dma_set_mask') lastMask = j; });
  const isMap = (op: CpuOp) => op.op === 'dma_map' || op.op === 'dma_map_sg'; // the streaming maps the mask decides (dma_capable())
  if (ops.some((op, j) => isMap(op) && j < lastMask)) return false;
  return c.actors.every((a) => a === setters[0] || !(a.actor.ops as CpuOp[]).some(isMap));
}

/**
 * Which mappings bounce or fail: the kernel's decisions depend only on the mask (dma_capable),
 * the buffer and the platform, so one run in program order tells — unless the program changes
 * the mask or the pool can run out, when every map may bounce or fail.
 */
export function mappingDecisions(c: Compiled): MappingDecisions {
  let d = decisions.get(c);
  if (d) return d;
  const hasSetMask = c.actors.some((a) => a.actor.ops.some((op) => op.op === 'dma_set_mask'));
  const mapSizes: number[] = [];
  for (const ca of c.actors) for (const op of ca.actor.ops as CpuOp[]) {
    if (op.op === 'dma_map') mapSizes.push(op.size);
    if (op.op === 'dma_map_sg') for (const e of op.entries) mapSizes.push(e.size);
  }
  // A restricted pool's coherent buffers take its top slots (layout.ts, dma_direct_alloc_swiotlb):
  // streaming bounces fit only below the lowest of them.
  let poolBytes = 128 * IO_TLB_SIZE;
  if (c.platform.restrictedPool) {
    for (const b of c.layout.buffers.values()) if (b.kind === 'coherent' && b.addr >= REGION.swiotlb) poolBytes = Math.min(poolBytes, b.addr - REGION.swiotlb);
  }
  const poolMayFill = mapSizes.reduce((n, s) => n + Math.ceil(s / IO_TLB_SIZE) * IO_TLB_SIZE, 0) > poolBytes;
  const dry = newModelMachine(c);
  dry.pollsPass = true;
  // In program order, and past an assume this order fails (a branch on a status another actor
  // has not written yet) or a poll it would wait at for ever: what later maps return does not
  // depend on either.
  let bailedAt: MappingDecisions['bailedAt'];
  for (let progress = true; progress && dry.bailedOut === undefined; ) {
    progress = false;
    for (let a = 0; a < c.actors.length && !bailedAt; a++) {
      for (let j = dry.pendingOp(a, 0); j >= 0 && dry.run(a, 0); j = dry.pendingOp(a, 0)) {
        progress = true;
        dry.dead = undefined;
        if (dry.bailedOut !== undefined) bailedAt = { actor: a, op: j };
      }
    }
  }
  // Every mapping each handle variable was given (a variable mapped again keeps its earlier mappings live).
  const made = new Map<string, Mapping[]>();
  for (const m of mappingsMade(dry)) made.set(m.handle, [...(made.get(m.handle) ?? []), m]);
  const unsure = (hasSetMask && !maskBeforeEveryMap(c)) || poolMayFill;
  const mayBounce = (h: string) => (c.platform.swiotlb !== 'absent' || c.platform.restrictedPool) && (unsure || !made.has(h) || made.get(h)!.some((m) => m.segments.some((s) => s.bounced)));
  const mayFail = (h: string) => unsure || !made.has(h) || made.get(h)!.some((m) => m.error);
  const mappers = c.actors.filter((a) => (a.actor.ops as CpuOp[]).some((op) => op.op === 'dma_map' || op.op === 'dma_unmap' || op.op === 'dma_map_sg' || op.op === 'dma_unmap_sg'));
  const slotsFixed = !unsure && mappers.length <= 1;
  const iovaUsers = c.actors.filter((a) => a.actor.ops.some((op) => IOVA_CALLS.has(op.op)));
  const hasSg = c.actors.some((a) => a.actor.ops.some((op) => op.op === 'dma_map_sg'));
  // (every mapper is an IOVA user: one thread's IOVAs are one thread's slots, so slotsFixed holds)
  const iovasFixed = c.platform.iommu !== 'none' && !unsure && !hasSg && iovaUsers.length <= 1;
  d = { mayBounce, mayFail, made, unsure, slotsFixed, iovasFixed, poolBytes, mapSizes, bailedOut: dry.bailedOut !== undefined, ...(bailedAt ? { bailedAt } : {}) };
  decisions.set(c, d);
  return d;
}
