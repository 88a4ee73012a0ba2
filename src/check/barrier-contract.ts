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
//    where the hardware happens to order the accesses (AARCH-24234).
// DMA API calls count as ordering (they end in dsb or are the documented hand-over points).

import type { Compiled } from '../exec/compile.js';
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

/** Orders earlier loads before later loads, for the device. */
function ordersLoads(op: CpuOp): boolean {
  if (op.op === 'barrier') return ['rmb', 'dma_rmb', 'mb', 'dma_mb'].includes(op.kind);
  return (op.op === 'readl' && !op.relaxed) || isApiCall(op);
}

const smpFor = (kind: 'store' | 'load', op: CpuOp) => op.op === 'barrier' && (op.kind === 'smp_mb' || op.kind === (kind === 'store' ? 'smp_wmb' : 'smp_rmb'));

export function checkBarrierContract(c: Compiled): Finding[] {
  const findings: Finding[] = [];
  const coherentRange = (name: string, off: number, size: number): Range | undefined => {
    const b = c.layout.buffers.get(name);
    return b && b.kind === 'coherent' ? [b.addr + off, b.addr + off + size] : undefined;
  };
  const polled: Range[] = [];
  const written: Range[] = [];
  for (const ca of c.actors) {
    if (ca.actor.kind !== 'device') continue;
    for (const op of ca.actor.ops as DeviceOp[]) {
      if (op.op !== 'dma_poll' && op.op !== 'dma_write') continue;
      const r = coherentRange(op.handle, op.off, op.size);
      if (r) (op.op === 'dma_poll' ? polled : written).push(r);
    }
  }
  for (const ca of c.actors) {
    if (ca.actor.kind !== 'cpu') continue;
    const ops = ca.actor.ops as CpuOp[];
    const actor = ca.actor.name;
    const range = (op: CpuOp): Range | undefined => ('buf' in op && 'off' in op && 'size' in op ? coherentRange(op.buf, op.off, op.size) : undefined);
    const between = (from: number, to: number, orders: (op: CpuOp) => boolean, kind: 'store' | 'load') => {
      let smp = false;
      for (let k = from + 1; k < to; k++) {
        if (orders(ops[k])) return 'ordered';
        if (smpFor(kind, ops[k])) smp = true;
      }
      return smp ? 'smp' : 'nothing';
    };
    const report = (op: number, related: number, rule: string, message: string) => findings.push({ severity: 'error', rule, message, actor, op, related: { actor, op: related }, source: BARRIERS_TXT });
    ops.forEach((op, j) => {
      const r = range(op);
      // An ownership-word store: every earlier store to device-visible memory must be ordered before it.
      if (op.op === 'store' && r && polled.some((p) => overlaps(p, r))) {
        for (let k = j - 1; k >= 0; k--) {
          const rk = range(ops[k]);
          if (ops[k].op !== 'store' || !rk || overlaps(rk, r)) continue;
          const how = between(k, j, ordersStores, 'store');
          if (how === 'smp') report(j, k, 'barriers/smp-barrier-for-device', `smp_wmb()/smp_mb() orders the earlier store before this ownership store only for other CPUs; the device needs dma_wmb()`);
          else if (how === 'nothing') report(j, k, 'barriers/payload-ownership-unordered', `nothing orders the earlier store before this ownership store the device polls for: put dma_wmb() between them`);
          if (how !== 'ordered') break;
        }
      }
      // A doorbell with writel_relaxed(): earlier descriptor stores are not ordered before it.
      if (op.op === 'writel' && op.relaxed) {
        for (let k = j - 1; k >= 0; k--) {
          if (ordersStores(ops[k])) break;
          if (ops[k].op !== 'store' || !range(ops[k])) continue;
          const how = between(k, j, ordersStores, 'store');
          if (how === 'smp') report(j, k, 'barriers/smp-barrier-for-device', `smp_wmb()/smp_mb() orders the earlier store before this writel_relaxed() only for other CPUs; use writel() or dma_wmb()`);
          else report(j, k, 'barriers/writel-relaxed-unordered', `writel_relaxed() does not order the earlier store before the doorbell: use writel(), or dma_wmb() before writel_relaxed()`);
          break;
        }
      }
      // A payload load after a poll of the device's status word.
      if ((op.op === 'load' || op.op === 'poll') && r && written.some((w) => overlaps(w, r))) {
        for (let k = j - 1; k >= 0; k--) {
          const pk = ops[k];
          const rk = range(pk);
          if (pk.op !== 'poll' || !rk || overlaps(rk, r)) continue;
          const how = between(k, j, ordersLoads, 'load');
          if (how === 'smp') report(j, k, 'barriers/smp-barrier-for-device', `smp_rmb()/smp_mb() orders the earlier status poll before this load only for other CPUs; the device's writes need dma_rmb()`);
          else if (how === 'nothing') report(j, k, 'barriers/status-payload-unordered', `nothing orders the earlier status poll before this load of what the device wrote: put dma_rmb() between them`);
          break;
        }
      }
    });
  }
  return findings;
}
