// The contract state of one execution: dma-debug's entries and the ownership of every mapped
// byte, advanced op by op as the scheduler performs them. Findings depend on the order in which
// the actors' ops are performed, not on cache events, so src/check/explore-contract.ts walks the
// interleavings on the ideal platform, told what the arm64 kernel did at each map (bounced,
// failed, which bus address) by one model run.

import type { Compiled } from '../exec/compile.js';
import type { Machine } from '../exec/machine.js';
import type { Mapping } from '../kernel/mapping.js';
import { dmaDebugQuietOverlapUnderSwiotlb, hasDebugDmaMapSingle, rejectsVmallocMapSingle } from '../kernel/version.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import { DmaDebug, type DebugRef } from './dma-debug.js';
import type { Finding } from './finding.js';
import { Ownership } from './ownership.js';

export type Sink = (f: Finding) => void;

const MAPPING_H = 'include/linux/dma-mapping.h dma_map_single_attrs()';

/** The nents a scatterlist was mapped with: its DMA segments, unless dma-iommu merged some (src/kernel/dma-iommu.ts). */
function callEnts(m: Mapping): number {
  return m.iommuSg?.cpuEntries.length ?? m.segments.length;
}

/**
 * Whether op j of actor a leaves every contract state as it was (afterOp may still report): the
 * walk then shares the state instead of copying it. Kept in step with afterOp, cpuOp and
 * deviceOp below: a CPU op that is no DMA API call and no store to streaming memory (a load only
 * reads ownership; barriers, MMIO, irqs and branches reach cpuOp's default), and a device access
 * through a handle no map op names (only a dma_alloc_coherent() entry or nothing can match it:
 * a bounds check, or a report).
 */
export function leavesStateAlone(c: Compiled, a: number, j: number): boolean {
  const actor = c.actors[a].actor;
  const op = actor.ops[j];
  if (actor.kind === 'cpu') {
    if (op.op.startsWith('dma_')) return false;
    if (op.op !== 'store') return true;
    return !!op.offExpr || c.layout.buffers.get(op.buf)?.kind === 'coherent';
  }
  if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') return true;
  if (op.addr) return false;
  return !c.actors.some((ca) => ca.actor.kind === 'cpu' && ca.actor.ops.some((o) => (o.op === 'dma_map' || o.op === 'dma_map_sg') && o.handle === op.handle));
}

/** dma-debug prints no EEXIST on this kernel and platform: swiotlb is active for the device (a pool, or a restricted one). */
function quietOverlap(c: Compiled): boolean {
  return dmaDebugQuietOverlapUnderSwiotlb(c.platform.version) && (c.platform.swiotlb !== 'absent' || c.platform.restrictedPool);
}

export class ContractState {
  debug = new DmaDebug();
  own = new Ownership();
  /** Mappings already reported as used by the device unchecked (said once per mapping). */
  usedUnchecked = new Set<string>();
  /** What the kernel made of each handle variable's latest map (shared, never mutated). */
  mapped = new Map<string, Mapping>();
  /** The same mappings by their own id (`h`, `h#2`): a variable mapped again leaves the earlier mapping live. */
  byId = new Map<string, Mapping>();

  clone(): ContractState {
    const k = new ContractState();
    k.debug = this.debug.clone();
    k.own = this.own.clone();
    k.usedUnchecked = new Set(this.usedUnchecked);
    k.mapped = new Map(this.mapped);
    k.byId = new Map(this.byId);
    return k;
  }

  key(): string {
    return `${this.debug.key()}#${this.own.key()}#${[...this.usedUnchecked].join(',')}`;
  }

  /** Op j of actor a has just been performed; `made` is what the kernel made of it, for a map. */
  /**
   * `at`: for a device access to a computed bus address, the live mapping it fell in on the ideal
   * platform (null: none covers it). `length`: for a CPU access of a length computed from a read
   * (memcpy(small, buf, len)), the bytes it touched as performed (undefined: none, out of range).
   */
  afterOp(c: Compiled, a: number, j: number, made: Mapping | undefined, sink: Sink, at?: { handle: string; entry: number; off: number } | null, length?: number): void {
    const actor = c.actors[a].actor;
    const report = (f: Omit<Finding, 'actor' | 'op'>) => sink({ ...f, actor: actor.name, op: j });
    let op = actor.ops[j];
    if (made) {
      this.mapped.set(made.handle, made);
      this.byId.set(made.id, made);
    }
    // dma-debug and ownership track mappings, not variables: name the mapping `h` holds now.
    if ('handle' in op && op.handle) op = { ...op, handle: this.mapped.get(op.handle)?.id ?? op.handle } as typeof op;
    if (actor.kind === 'cpu') {
      // An offset computed from a read: where it lands is the value oracle's business, not ownership's.
      if ((op.op === 'load' || op.op === 'store' || op.op === 'poll') && op.offExpr) return;
      // A length computed from a read: the bytes it covered, not the most it could.
      if ((op.op === 'load' || op.op === 'store') && op.sizeExpr) {
        if (length === undefined) return;
        op = { ...op, size: length };
      }
      this.cpuOp(c, op as CpuOp, { actor: actor.name, op: j }, report);
      return;
    }
    if ((op.op === 'dma_read' || op.op === 'dma_write' || op.op === 'dma_poll') && op.addr) {
      if (at === null || at === undefined) {
        report({ severity: 'error', rule: 'ownership/device-outside-mapping', source: 'Documentation/core-api/dma-api-howto.rst', message: `the device ${op.op === 'dma_read' ? 'reads' : 'writes'} through an address it computed, which no live mapping covers` });
        return;
      }
      op = { ...op, addr: undefined, handle: at.handle, entry: at.entry, off: at.off };
    }
    this.deviceOp(op as DeviceOp, report);
  }

  private cpuOp(c: Compiled, op: CpuOp, at: { actor: string; op: number }, report: (f: Omit<Finding, 'actor' | 'op'>) => void): void {
    const mapping = (id: string): Mapping | undefined => this.byId.get(id);
    const buf = (name: string) => c.layout.buffers.get(name)!;
    switch (op.op) {
      case 'load': case 'poll': case 'store': {
        const b = buf(op.buf);
        if (b.kind === 'coherent') return; // shared by design: ordering, not ownership, matters there
        const store = op.op === 'store';
        this.own.cpuAccess(store, b.addr + op.off, op.size, report);
        if (store && !c.platform.declaredCoherent) this.own.cpuStoreNear(b.addr + op.off, op.size, c.platform.cwg, report);
        return;
      }
      case 'dma_map': {
        const b = buf(op.buf);
        this.checkArea(c, op.api, b.kind, b.addr + op.off, op.size, report);
        const mp = mapping(op.handle);
        if (!mp || mp.error) return; // debug_dma_map_page(): nothing is recorded for DMA_MAPPING_ERROR
        const s = mp.segments[0];
        // dma_alloc_pages: debug_dma_map_page, checked for NULL rather than with dma_mapping_error
        this.debug.add({ handle: op.handle, type: 'single', devAddr: s.bus, size: op.size, dir: op.dir, phys: s.orig, nents: 0, mapErr: op.alloc ? 'not-applicable' : 'not-checked', at, bounced: s.bounced }, !!op.skipCpuSync, report, quietOverlap(c));
        this.own.map(op.handle, op.dir, [{ phys: s.orig, size: op.size, bounced: s.bounced }]);
        // Fresh noncoherent memory is the CPU's until it syncs for the device (Documentation/core-api/dma-api.rst, dma_alloc_noncoherent)
        if (op.alloc) this.own.sync(op.handle, true, 'all', 0, op.size);
        return;
      }
      case 'dma_map_sg': {
        for (const e of op.entries) {
          const b = buf(e.buf);
          this.checkArea(c, 'page', b.kind, b.addr + e.off, e.size, report);
        }
        const mp = mapping(op.handle);
        if (!mp || mp.error) return;
        for (const s of mp.segments) {
          this.debug.add({ handle: op.handle, type: 'sg', devAddr: s.bus, size: s.size, dir: op.dir, phys: s.orig, nents: op.entries.length, mapErr: 'not-applicable', at, bounced: s.bounced }, !!op.skipCpuSync, report, quietOverlap(c));
        }
        this.own.map(op.handle, op.dir, mp.segments.map((s) => ({ phys: s.orig, size: s.size, bounced: s.bounced })), op.entries.length);
        return;
      }
      case 'dma_mapping_error': this.debug.mappingError(op.handle); return;
      case 'dma_unmap': case 'dma_unmap_sg': {
        const mp = mapping(op.handle);
        const sg = op.op === 'dma_unmap_sg';
        if (sg && mp && !mp.error) {
          // debug_dma_unmap_sg(): the nents the driver passes (the model's op: the nents it mapped), not the merged count
          for (const s of mp.segments) this.debug.unmap(op.handle, { type: 'sg', devAddr: s.bus, size: s.size, dir: op.dir, nents: callEnts(mp) }, report);
        } else {
          const size = op.op === 'dma_unmap' ? op.size : 0;
          this.debug.unmap(op.handle, { type: sg ? 'sg' : 'single', devAddr: mp && !mp.error ? mp.segments[0].bus : undefined, size, dir: op.dir, nents: 0 }, report);
        }
        this.own.unmap(op.handle);
        return;
      }
      case 'dma_sync': {
        const mp = mapping(op.handle);
        const toCpu = op.to === 'cpu';
        if (op.sg) {
          const segs = mp && !mp.error ? mp.segments : [];
          for (const s of segs) this.debug.sync(toCpu, { type: 'sg', devAddr: s.bus, size: s.size, dir: op.dir, nents: mp ? callEnts(mp) : 0 }, report);
          if (segs.length === 0) this.debug.sync(toCpu, { type: 'sg', devAddr: undefined, size: 0, dir: op.dir, nents: 0 }, report);
          this.own.sync(op.handle, toCpu, 'all', 0, 0);
        } else {
          const live = this.own.get(op.handle);
          // dma-debug skips BIDIRECTIONAL entries; the API still asks for the mapping's direction.
          // Harmful where the sync then does less than the mapping needs: for the CPU with
          // DMA_TO_DEVICE (no invalidate, no copy back), for the device with DMA_FROM_DEVICE (no
          // copy into the bounce buffer; an invalidate before v5.19).
          if (live?.dir === 'DMA_BIDIRECTIONAL' && op.dir !== live.dir) {
            const harmful = op.to === 'cpu' ? op.dir === 'DMA_TO_DEVICE' : op.dir === 'DMA_FROM_DEVICE';
            report({ severity: harmful ? 'error' : 'warning', rule: 'contract/sync-direction-differs', source: 'Documentation/core-api/dma-api.rst', handle: op.handle,
              message: `${op.to === 'cpu' ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device'}() with ${op.dir} on ${op.handle}, mapped DMA_BIDIRECTIONAL: a sync takes the direction of its mapping${harmful ? ', and this one skips what the mapping needs' : ''}` });
          }
          const ref: DebugRef = { type: 'single', devAddr: mp && !mp.error ? mp.segments[0].bus + op.off : undefined, size: op.size, dir: op.dir, nents: 0 };
          this.debug.sync(toCpu, ref, report);
          this.own.sync(op.handle, toCpu, 0, op.off, op.size);
        }
        return;
      }
      case 'dma_alloc_coherent': {
        const b = buf(op.buf);
        this.debug.add({ handle: op.buf, type: 'coherent', devAddr: b.addr, size: b.size, dir: 'DMA_BIDIRECTIONAL', phys: b.addr, nents: 0, mapErr: 'not-applicable', at, bounced: false }, false, report, quietOverlap(c));
        return;
      }
      case 'dma_free_coherent': {
        const b = buf(op.buf);
        // debug_dma_free_coherent(): the ref carries the size the driver passes.
        this.debug.unmap(op.buf, { type: 'coherent', devAddr: b.addr, size: op.freeSize ?? b.size, dir: 'DMA_BIDIRECTIONAL', nents: 0 }, report);
        return;
      }
      default: return;
    }
  }

  /**
   * dma_map_single_attrs() (4544b9f25e70, v5.5 and 5.4.8): a vmalloc address — a vmapped stack
   * too — is rejected with a WARN; before, dma-debug's debug_dma_map_single() and check_for_stack() spoke.
   */
  private checkArea(c: Compiled, api: 'single' | 'page', kind: string, addr: number, size: number, report: (f: Omit<Finding, 'actor' | 'op'>) => void): void {
    const vmapStack = c.platform.vmapStack;
    const vmalloc = kind === 'vmalloc' || (kind === 'stack' && vmapStack);
    const p = addr.toString(16).padStart(16, '0');
    if (vmalloc && api === 'single' && rejectsVmallocMapSingle(c.platform.version)) {
      report({ severity: 'error', rule: 'dma-mapping/rejecting-vmalloc', message: 'rejecting DMA map of vmalloc memory', source: MAPPING_H });
      return;
    }
    if (vmalloc && api === 'single' && hasDebugDmaMapSingle(c.platform.version)) {
      report({ severity: 'error', rule: 'dma-debug/map-vmalloc', message: `device driver maps memory from vmalloc area [addr=${p}] [len=${size}]`, source: 'kernel/dma/debug.c debug_dma_map_single()' });
    }
    if (kind === 'stack' && (!vmapStack || api === 'page')) {
      report({ severity: 'error', rule: 'dma-debug/map-stack', message: vmapStack ? `device driver maps memory from stack [probable addr=${p}]` : `device driver maps memory from stack [addr=${p}]`, source: 'kernel/dma/debug.c check_for_stack()' });
    }
  }

  private deviceOp(op: DeviceOp, report: (f: Omit<Finding, 'actor' | 'op'>) => void): void {
    if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') return;
    const coherent = this.debug.entries.find((e) => e.handle === op.handle && e.type === 'coherent');
    if (coherent) {
      if (op.off + op.size > coherent.size) report({ severity: 'error', rule: 'ownership/device-outside-mapping', handle: op.handle, source: 'Documentation/core-api/dma-api-howto.rst', message: `the device accesses ${op.handle} + ${op.off} (${op.size} bytes), past the end of the allocation (${coherent.size} bytes)` });
      return;
    }
    const entry = this.debug.entries.find((e) => e.handle === op.handle);
    if (entry?.mapErr === 'not-checked' && !this.usedUnchecked.has(op.handle)) {
      this.usedUnchecked.add(op.handle);
      report({ severity: 'error', rule: 'contract/unchecked-mapping-used', source: 'Documentation/core-api/dma-api.rst dma_mapping_error()', handle: op.handle,
        message: `the device uses ${op.handle}, which dma_mapping_error() never checked: had the mapping failed, the device would have been given DMA_MAPPING_ERROR` });
    }
    this.own.deviceAccess(op.handle, op.entry ?? 0, op.off, op.size, op.op === 'dma_write', report);
  }

  /**
   * When every actor finished: dma-debug's report when the driver is unbound — an error when the
   * test says it is the mappings' whole life (`unbind;`), else a warning (a snippet of a driver).
   * `others`: the entries the groups of threads walked apart from this one leave.
   */
  /** dma-debug's entries still mapped or allocated. */
  get pendingCount(): number {
    return this.debug.count;
  }

  atEnd(sink: Sink, unbind = false, others = 0): void {
    const p = this.debug.pending(others);
    if (!p) return;
    sink({ severity: unbind ? 'error' : 'warning', rule: 'dma-debug/pending-allocations', message: p.message, source: 'kernel/dma/debug.c dma_debug_device_change()', ...p.entry.at });
  }
}

/** The length a CPU load or store computed from a read covered as machine m performed op j of actor a (ContractState.afterOp's `length`). */
export function performedLength(m: Machine, a: number, j: number): number | undefined {
  const op = m.c.actors[a].actor.ops[j];
  return (op.op === 'load' || op.op === 'store') && op.sizeExpr ? m.accessedRange(a, j)?.size : undefined;
}
