// What Linux asks of a driver's barriers around memory the device observes
// (Documentation/memory-barriers.txt, "dma_wmb()/dma_rmb()" and "KERNEL I/O BARRIER EFFECTS"),
// checked on the program text: a CPU thread's accesses in program order, against the
// descriptor words its device polls and writes in dma_alloc_coherent memory.
//  - a payload store and the ownership-word store the device polls for need dma_wmb() (or
//    wmb(), mb(), writel()'s own barrier) between them;
//  - after a poll that sees the device's status, loads of other device-written words need
//    dma_rmb() (or rmb(), mb(), readl()'s own barrier);
//  - writel_relaxed() orders nothing: a doorbell after descriptor stores needs wmb()/dma_wmb()
//    or writel();
//  - smp_*() barriers only promise ordering among CPUs: relying on one there is an error, even
//    where the hardware happens to order the accesses (AARCH-24234);
//  - readl_relaxed() is not ordered against later loads of normal memory: a status read with it,
//    then a load of what the device DMA'd, needs rmb()/dma_rmb() or readl() (its __iormb()).
//    The DMA API calls between do not count here: on a dma-coherent device an unmap or a sync
//    does nothing, no dsb; its witness is a run that goes wrong on such a platform. The same for
//    a payload store and an ownership store with only a sync or a map between them.
// Otherwise DMA API calls count as ordering (they end in dsb or are the documented hand-over points).

import type { Compiled } from '../exec/compile.js';
import { leaves, type Expr } from '../program/expr.js';
import type { CpuOp, DeviceOp } from '../program/types.js';
import type { Finding } from './finding.js';

const BARRIERS_TXT = 'Documentation/memory-barriers.txt';

type Range = [number, number];

const overlaps = (a: Range, b: Range) => a[0] < b[1] && b[0] < a[1];

function isApiCall(op: CpuOp): boolean {
  return op.op.startsWith('dma_') && op.op !== 'dma_set_mask';
}

/** Orders earlier stores before later stores, for the device. */
function ordersStores(op: CpuOp): boolean {
  if (op.op === 'barrier') return ['wmb', 'dma_wmb', 'mb', 'dma_mb'].includes(op.kind);
  return (op.op === 'writel' && !op.relaxed) || isApiCall(op);
}

/** Orders earlier stores before later stores for any device, dma-coherent included: a barrier, or writel()'s own. */
function ordersStoresOnEveryDevice(op: CpuOp): boolean {
  return ordersStores(op) && !isApiCall(op);
}

/** Orders earlier loads before later loads, for the device. */
function ordersLoads(op: CpuOp): boolean {
  return ordersMmioRead(op) || isApiCall(op);
}

/** Orders an earlier readl_relaxed() before later loads of memory, on every platform: a barrier, or readl()'s own. */
function ordersMmioRead(op: CpuOp): boolean {
  if (op.op === 'barrier') return ['rmb', 'dma_rmb', 'mb', 'dma_mb'].includes(op.kind);
  return op.op === 'readl' && !op.relaxed;
}

const smpFor = (kind: 'store' | 'load', op: CpuOp) => op.op === 'barrier' && (op.kind === 'smp_mb' || op.kind === (kind === 'store' ? 'smp_wmb' : 'smp_rmb'));

export function checkBarrierContract(c: Compiled): Finding[] {
  const findings: Finding[] = [];
  const coherentRange = (name: string, off: number, size: number): Range | undefined => {
    const b = c.layout.buffers.get(name);
    return b && b.kind === 'coherent' ? [b.addr + off, b.addr + off + size] : undefined;
  };
  const polls: { range: Range; op: DeviceOp & { op: 'dma_poll' } }[] = [];
  const written: Range[] = [];
  const read: Range[] = [];
  for (const ca of c.actors) {
    if (ca.actor.kind !== 'device') continue;
    for (const op of ca.actor.ops as DeviceOp[]) {
      if (op.op !== 'dma_poll' && op.op !== 'dma_write' && op.op !== 'dma_read') continue;
      if (op.addr) continue;
      const r = coherentRange(op.handle, op.off, op.size);
      if (!r) continue;
      if (op.op === 'dma_poll') polls.push({ range: r, op });
      if (op.op === 'dma_write') written.push(r);
      else read.push(r);
    }
  }
  // The buffers a device DMAs into, by the handle that maps them (a computed address: any mapped one).
  const mapsOf = new Map<string, string>();
  for (const ca of c.actors) for (const op of ca.actor.ops as CpuOp[]) if (op.op === 'dma_map') mapsOf.set(op.buf, op.handle);
  const dmaedInto = new Set<string>();
  for (const ca of c.actors) {
    if (ca.actor.kind !== 'device') continue;
    for (const op of ca.actor.ops as DeviceOp[]) {
      if (op.op !== 'dma_write') continue;
      if (op.addr) for (const h of mapsOf.values()) dmaedInto.add(h);
      else dmaedInto.add(op.handle);
    }
  }
  /**
   * The CPU took an interrupt, before these ops end, that a device raises only after all its DMA
   * writes: both the status and the data are written before either load can be performed
   * (taking the exception is a context synchronization event).
   */
  const tookIrqAfterWrites = (before: readonly CpuOp[]): boolean => before.some((w) => w.op === 'wait_irq' && c.actors.some((d) => {
    if (d.actor.kind !== 'device') return false;
    const dops = d.actor.ops as DeviceOp[];
    const raises = dops.flatMap((op, i) => (op.op === 'raise_irq' && op.irq === w.irq ? [i] : []));
    const lastWrite = dops.reduce((last, op, i) => (op.op === 'dma_write' ? i : last), -1);
    return raises.length > 0 && raises.every((i) => i > lastWrite);
  }));
  for (const ca of c.actors) {
    if (ca.actor.kind !== 'cpu') continue;
    const ops = ca.actor.ops as CpuOp[];
    const actor = ca.actor.name;
    /** Status reads reported unordered before a load of a descriptor word (the missing dma_rmb() said once). */
    const unorderedStatus = new Set<number>();
    /** Status reads ordered before a data load only by the DMA API's cache maintenance: said unless the thread's missing dma_rmb() is. */
    const coherentOnly: Finding[] = [];
    const range = (op: CpuOp): Range | undefined => ('buf' in op && 'off' in op && 'size' in op ? coherentRange(op.buf, op.off, op.size) : undefined);
    const between = (from: number, to: number, orders: (op: CpuOp) => boolean, kind: 'store' | 'load') => {
      let smp = false;
      for (let k = from + 1; k < to; k++) {
        if (orders(ops[k])) return 'ordered';
        if (smpFor(kind, ops[k])) smp = true;
      }
      return smp ? 'smp' : 'nothing';
    };
    /**
     * The earlier store to a coherent buffer that nothing (no dma_wmb(), wmb(), ...) orders before
     * store or doorbell j: the nearest one a device reads, else the nearest one (e1000 writes the
     * status word it never reads last; the address before it is what the device fetches).
     */
    const unorderedStore = (j: number, counts: (rk: Range) => boolean, orders = ordersStores): number | undefined => {
      let nearest: number | undefined;
      for (let k = j - 1; k >= 0; k--) {
        if (orders(ops[k])) break;
        const rk = range(ops[k]);
        if (ops[k].op !== 'store' || !rk || !counts(rk)) continue;
        if (read.some((d) => overlaps(d, rk))) return k;
        nearest ??= k;
      }
      return nearest;
    };
    const report = (op: number, related: number, rule: string, message: string) => findings.push({ severity: 'error', rule, message, actor, op, related: { actor, op: related }, source: BARRIERS_TXT, ...handleOf(ops[op]) });
    ops.forEach((op, j) => {
      const r = range(op);
      // An ownership hand-off: a store that can complete a device's poll of the word. Clearing a
      // flag, or writing the half of the word the poll does not wait on, hands nothing over.
      if (op.op === 'store' && r && polls.some((p) => overlaps(p.range, r) && mayComplete(op, r, p.op.value, p.range))) {
        const k = unorderedStore(j, (rk) => !overlaps(rk, r));
        if (k !== undefined) {
          const how = between(k, j, ordersStores, 'store');
          if (how === 'smp') report(j, k, 'barriers/smp-barrier-for-device', `smp_wmb()/smp_mb() orders the earlier store before this ownership store only for other CPUs; the device needs dma_wmb()`);
          else report(j, k, 'barriers/payload-ownership-unordered', `nothing orders the earlier store before this ownership store the device polls for: put dma_wmb() between them`);
        } else {
          // Ordered only by a DMA API call between: its cache maintenance ends in a dsb on a
          // non-coherent device; on a dma-coherent one dma_sync_single_for_device() and
          // dma_map_*() do none (dma_direct_sync_single_for_device(): no arch sync for
          // dev_is_dma_coherent()), and nothing orders the two stores.
          const kc = unorderedStore(j, (rk) => !overlaps(rk, r), ordersStoresOnEveryDevice);
          if (kc !== undefined && ops.slice(kc + 1, j).some(isApiCall)) {
            findings.push({ severity: 'error', rule: 'barriers/ownership-unordered-coherent-device', actor, op: j, related: { actor, op: kc }, source: BARRIERS_TXT, ...handleOf(op),
              message: 'nothing but DMA API calls orders the earlier store before this ownership store the device polls for: on a dma-coherent device dma_sync_*() and dma_map_*() do no cache maintenance and no barrier, so the device can see the ownership word first; put dma_wmb() before it' });
          }
        }
      }
      // A doorbell with writel_relaxed(): earlier descriptor stores are not ordered before it.
      if (op.op === 'writel' && op.relaxed) {
        const k = unorderedStore(j, () => true);
        if (k !== undefined) {
          const how = between(k, j, ordersStores, 'store');
          if (how === 'smp') report(j, k, 'barriers/smp-barrier-for-device', `smp_wmb()/smp_mb() orders the earlier store before this writel_relaxed() only for other CPUs; use writel() or dma_wmb()`);
          else report(j, k, 'barriers/writel-relaxed-unordered', `writel_relaxed() does not order the earlier store before the doorbell: use writel(), or dma_wmb() before writel_relaxed()`);
        }
      }
      // A load of a device-written word after the CPU learnt from the device's status word that
      // it is there: after a poll loop, or under a branch on a status load (FEC, most NAPI loops:
      // read status; if (!(status & EMPTY)) read length). paths.ts makes the branch an assume.
      if ((op.op === 'load' || op.op === 'poll') && r && written.some((w) => overlaps(w, r))) {
        for (let k = j - 1; k >= 0; k--) {
          const pk = ops[k];
          const rk = range(pk);
          if (!rk || overlaps(rk, r) || !written.some((w) => overlaps(w, rk))) continue;
          if (pk.op !== 'poll' && !(pk.op === 'load' && decidedOn(ops, k, j))) continue;
          // Ordered by the status read itself: an acquire (LDAR orders every later access,
          // aarch64.cat bob: [A]; po), or an address dependency (the load's address is computed
          // from what the status read returned: addr; [Exp] in ob).
          if (((pk.op === 'load' || pk.op === 'poll') && pk.acquire) || readsFrom(op, k)) break;
          const how = between(k, j, ordersLoads, 'load');
          const what = pk.op === 'poll' ? 'status poll' : 'status load this branch depends on';
          if (how === 'smp') report(j, k, 'barriers/smp-barrier-for-device', `smp_rmb()/smp_mb() orders the earlier ${what} before this load only for other CPUs; the device's writes need dma_rmb()`);
          else if (how === 'nothing') {
            report(j, k, 'barriers/status-payload-unordered', `nothing orders the earlier ${what} before this load of what the device wrote: put dma_rmb() between them`);
            unorderedStatus.add(k);
          }
          break;
        }
      }
      // A load of a buffer the device DMAs into, after a readl_relaxed() of a status register the
      // thread branched on (a poll loop), with no barrier between.
      const into = op.op === 'load' ? (c.layout.buffers.get(op.buf)?.kind === 'coherent' ? op.buf : mapsOf.get(op.buf)) : undefined;
      if (into !== undefined && dmaedInto.has(into)) {
        for (let k = j - 1; k >= 0; k--) {
          if (ordersMmioRead(ops[k])) break;
          const rk = ops[k];
          if (rk.op !== 'readl' || !rk.relaxed || !decidedOn(ops, k, j)) continue;
          findings.push({ severity: 'error', rule: 'barriers/relaxed-status-unordered', actor, op: j, related: { actor, op: k }, source: BARRIERS_TXT, handle: into,
            message: `readl_relaxed(${rk.reg}) is not ordered before this load of what the device wrote: ${c.layout.buffers.get(into)?.kind === 'coherent' ? 'the load of dma_alloc_coherent() memory' : 'on a dma-coherent device (no cache maintenance between) the load'} can read the buffer first; use readl(), or rmb() after the status read` });
          break;
        }
      }
      // The same after a device-written status word in coherent memory (a completion word the
      // driver polls, or a status it branched on) and a streaming buffer the device DMAs into:
      // on a non-coherent device the unmap's or sync's cache maintenance ends in a dsb, which orders
      // the two loads; on a dma-coherent one dma_unmap_*()/dma_sync_*() do nothing
      // (dma_direct_unmap_page(): no arch sync for dev_is_dma_coherent()), and nothing does.
      const streaming = op.op === 'load' && into !== undefined && c.layout.buffers.get(op.buf)?.kind !== 'coherent';
      if (streaming && dmaedInto.has(into!)) {
        for (let k = j - 1; k >= 0; k--) {
          if (tookIrqAfterWrites(ops.slice(0, k))) break;
          if (ordersMmioRead(ops[k])) break;
          const pk = ops[k];
          const rk = range(pk);
          if (!rk || !written.some((w) => overlaps(w, rk))) continue;
          if (pk.op !== 'poll' && !(pk.op === 'load' && decidedOn(ops, k, j))) continue;
          if (pk.acquire) break; // an LDAR orders every later access (aarch64.cat bob: [A]; po)
          // Said already of this status read (a descriptor word loaded before the barrier), or
          // nothing between at all: the value check's own search meets that on any device.
          if (!ops.slice(k + 1, j).some(isApiCall)) break;
          const what = pk.op === 'poll' ? 'status poll' : 'status load this branch depends on';
          coherentOnly.push({ severity: 'error', rule: 'barriers/status-unordered-coherent-device', actor, op: j, related: { actor, op: k }, source: BARRIERS_TXT, handle: into,
            message: `nothing but DMA API calls orders the earlier ${what} before this load of what the device wrote: on a dma-coherent device dma_unmap_*() and dma_sync_*() do no cache maintenance and no barrier, so the load can read the buffer first; put dma_rmb() after the status read` });
          break;
        }
      }
    });
    if (!unorderedStatus.size) findings.push(...coherentOnly);
  }
  return findings;
}

/** The coherent buffer an access names: the "mapping" a barrier finding is about. */
function handleOf(op: CpuOp): { handle?: string } {
  return 'buf' in op ? { handle: op.buf } : {};
}

/** A branch between load k and op j decides on k's value: an assume over what k read. */
function decidedOn(ops: readonly CpuOp[], k: number, j: number): boolean {
  for (let i = k + 1; i < j; i++) {
    const op = ops[i];
    if (op.op === 'assume' && readsOp(op.cond, k)) return true;
  }
  return false;
}

function readsOp(e: Expr, k: number): boolean {
  switch (e.k) {
    case 'read': return e.op === k;
    case 'un': return readsOp(e.e, k);
    case 'bin': return readsOp(e.l, k) || readsOp(e.r, k);
    default: return false;
  }
}

/**
 * Can this store make the polled word hold the value the device waits for? Its bytes must equal
 * the wanted bytes where they overlap (a computed value might: assume it can).
 */
function mayComplete(store: CpuOp & { op: 'store' }, r: Range, want: bigint, p: Range): boolean {
  if (store.valueExpr || store.values) return true;
  const lo = Math.max(r[0], p[0]), hi = Math.min(r[1], p[1]);
  for (let a = lo; a < hi; a++) {
    const mine = (store.value >> BigInt(8 * (a - r[0]))) & 0xffn;
    const wanted = (want >> BigInt(8 * (a - p[0]))) & 0xffn;
    if (mine !== wanted) return false;
  }
  return true;
}

/** Does the access's address depend on what op k of its thread read (path programs: a read leaf)? */
function readsFrom(op: CpuOp, k: number): boolean {
  const at = (op as { offExpr?: Expr }).offExpr;
  return !!at && leaves(at).some((l) => l.k === 'read' && l.op === k);
}
