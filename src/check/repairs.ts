// Candidate repairs of a program: the small edits a reviewer would suggest for each bug class.
// Each is pure data in, data out; src/check/suggest-fix.ts keeps the ones under which the whole
// program checks ok with no error finding.

import { ARCH_DMA_MINALIGN } from '../kernel/layout.js';
import { atLeast, parseKernelVersion } from '../kernel/version.js';
import type { BarrierKind, CpuOp, Direction, Program } from '../program/types.js';

export interface Repair {
  /** What to do, in kernel terms. */
  title: string;
  program: Program;
}

type Edit = (p: Program) => void;

function edited(p: Program, title: string, edit: Edit): Repair {
  const copy = structuredClone(p);
  edit(copy);
  return { title, program: copy };
}

const mapsOf = (op: CpuOp): { handle: string; buf: string; off: number; size: number; dir: Direction } | undefined =>
  op.op === 'dma_map' ? op : undefined;

/** Every candidate repair of a program, cheapest and most specific first. */
export function candidateRepairs(p: Program): Repair[] {
  const out: Repair[] = [];
  const cpus = p.actors.map((a, ai) => ({ a, ai })).filter(({ a }) => a.kind === 'cpu');

  // Check every mapping (dma-api.rst: "dma_mapping_error() ... must be called").
  const unchecked = cpus.flatMap(({ a, ai }) => (a.ops as CpuOp[]).flatMap((op, j) => {
    const m = mapsOf(op);
    return m && !(a.ops as CpuOp[]).slice(j + 1).some((o) => o.op === 'dma_mapping_error' && o.handle === m.handle) ? [{ ai, j, handle: m.handle }] : [];
  }));
  if (unchecked.length) {
    out.push(edited(p, `check every mapping with dma_mapping_error() (${unchecked.map((u) => u.handle).join(', ')})`, (q) => {
      for (const u of [...unchecked].reverse()) q.actors[u.ai].ops.splice(u.j + 1, 0, { op: 'dma_mapping_error', handle: u.handle });
    }));
  }

  for (const { a, ai } of cpus) {
    const ops = a.ops as CpuOp[];
    ops.forEach((op, j) => {
      // writel() instead of writel_relaxed(): its dmb oshst orders the descriptor stores first.
      if (op.op === 'writel' && op.relaxed) out.push(edited(p, `use writel() instead of writel_relaxed() (${a.name} op ${j + 1})`, (q) => { delete (q.actors[ai].ops[j] as { relaxed?: boolean }).relaxed; }));
      // A partial sync that leaves bytes out: sync the whole mapping.
      if (op.op === 'dma_sync' && !op.sg) {
        const map = liveMapping(ops, j, op.handle);
        if (map && (op.off !== 0 || op.size !== map.size)) {
          out.push(edited(p, `sync the whole mapping of ${op.handle} (${map.size} bytes)`, (q) => { Object.assign(q.actors[ai].ops[j], { off: 0, size: map.size, range: false }); }));
        }
        if (map && op.dir !== map.dir) out.push(edited(p, `sync ${op.handle} with its mapping's direction, ${map.dir}`, (q) => { (q.actors[ai].ops[j] as { dir: Direction }).dir = map.dir; }));
      }
      // Give the buffer to the CPU before it reads, or bracket a CPU write with a sync pair.
      if (op.op === 'load' || op.op === 'store') {
        for (const map of liveMappingsOver(p, ops, j, op.buf, op.off, op.size)) {
          if (op.op === 'load' && map.dir !== 'DMA_TO_DEVICE') {
            out.push(edited(p, `call dma_sync_single_for_cpu(${map.handle}) before the read at ${a.name} op ${j + 1}`, (q) => {
              q.actors[ai].ops.splice(j, 0, { op: 'dma_sync', to: 'cpu', handle: map.handle, off: 0, size: map.size, dir: map.dir });
            }));
          }
          if (op.op === 'store' && map.dir !== 'DMA_FROM_DEVICE') {
            out.push(edited(p, `bracket the write at ${a.name} op ${j + 1} with dma_sync_single_for_cpu() / dma_sync_single_for_device(${map.handle})`, (q) => {
              q.actors[ai].ops.splice(j + 1, 0, { op: 'dma_sync', to: 'device', handle: map.handle, off: 0, size: map.size, dir: map.dir });
              q.actors[ai].ops.splice(j, 0, { op: 'dma_sync', to: 'cpu', handle: map.handle, off: 0, size: map.size, dir: map.dir });
            }));
          }
          if (op.op === 'store') out.push(edited(p, `write ${op.buf} before dma_map_*(${map.handle})`, (q) => moveBefore(q.actors[ai].ops as CpuOp[], j, map.index)));
        }
      }
      // Unmap only after the device finished: move it after the next completion.
      if (op.op === 'dma_unmap' || op.op === 'dma_unmap_sg') {
        const k = ops.findIndex((o, i) => i > j && (o.op === 'wait_irq' || o.op === 'poll'));
        if (k > j) out.push(edited(p, `unmap ${op.handle} after the device completed (${a.name} op ${k + 1})`, (q) => moveAfter(q.actors[ai].ops as CpuOp[], j, k)));
      }
    });
    // Barriers between the CPU's accesses to memory the device observes.
    const barriers: [BarrierKind, string][] = [['dma_rmb', 'dma_rmb()'], ['dma_wmb', 'dma_wmb()'], ['dma_mb', 'dma_mb()']];
    for (const [kind, text] of barriers) {
      for (let j = 1; j < ops.length; j++) {
        const prev = ops[j - 1], next = ops[j];
        if (!isAccess(prev) || !isAccess(next)) continue;
        out.push(edited(p, `insert ${text} before ${a.name} op ${j + 1}`, (q) => q.actors[ai].ops.splice(j, 0, { op: 'barrier', kind })));
      }
    }
  }

  // Directions: the device writes it, or the driver writes it while mapped: DMA_BIDIRECTIONAL.
  const handles = new Set(cpus.flatMap(({ a }) => (a.ops as CpuOp[]).flatMap((op) => (op.op === 'dma_map' || op.op === 'dma_map_sg' ? [op.handle] : []))));
  for (const h of handles) {
    out.push(edited(p, `map ${h} DMA_BIDIRECTIONAL`, (q) => {
      for (const a of q.actors) for (const op of a.ops as CpuOp[]) if ('handle' in op && op.handle === h && 'dir' in op) op.dir = 'DMA_BIDIRECTIONAL';
    }));
  }

  // A DMA buffer inside a struct: move it to its own ARCH_DMA_MINALIGN-aligned, padded slot.
  for (const b of p.buffers) {
    if (!b.in) continue;
    const align = Math.max(ARCH_DMA_MINALIGN, p.platform?.cwg ?? 0);
    out.push(edited(p, `align ${b.name} to ARCH_DMA_MINALIGN (${align} bytes) and pad it to a whole cache line (____cacheline_aligned)`, (q) => {
      const parent = q.buffers.find((x) => x.name === b.in!.parent)!;
      const field = q.buffers.find((x) => x.name === b.name)!;
      const offset = Math.ceil(parent.size / align) * align;
      field.in = { parent: parent.name, offset };
      parent.size = offset + Math.ceil(field.size / align) * align;
    }));
  }

  // The platform, where the fault is not the driver's: the device tree, or the kernel.
  const plat = p.platform ?? {};
  if (plat.deviceCoherent !== undefined && (plat.declaredCoherent ?? false) !== plat.deviceCoherent) {
    out.push(edited(p, `describe the device as it is: ${plat.deviceCoherent ? 'add' : 'remove'} "dma-coherent" in the device tree`, (q) => { q.platform = { ...q.platform, declaredCoherent: plat.deviceCoherent }; }));
  }
  if (plat.kernel && !atLeast(parseKernelVersion(plat.kernel), 5, 19)) {
    out.push(edited(p, 'run a kernel with c50f11c6196f ("arm64: mm: Don\'t invalidate FROM_DEVICE buffers at start of DMA transfer"): v5.19 or later', (q) => { q.platform = { ...q.platform, kernel: '5.19' }; }));
  }
  return out;
}

const isAccess = (op: CpuOp) => op.op === 'load' || op.op === 'store' || op.op === 'poll' || op.op === 'writel' || op.op === 'readl';

interface LiveMap { handle: string; size: number; dir: Direction; index: number }

/** The mapping `handle` names at op j of this thread: mapped before j, not unmapped since. */
function liveMapping(ops: CpuOp[], j: number, handle: string): LiveMap | undefined {
  for (let i = j - 1; i >= 0; i--) {
    const op = ops[i];
    if ((op.op === 'dma_unmap' || op.op === 'dma_unmap_sg') && op.handle === handle) return undefined;
    if (op.op === 'dma_map' && op.handle === handle) return { handle, size: op.size, dir: op.dir, index: i };
  }
  return undefined;
}

/** Live mappings (this thread's) whose bytes overlap buf[off, off+size), by buffer name and field nesting. */
function liveMappingsOver(p: Program, ops: CpuOp[], j: number, buf: string, off: number, size: number): LiveMap[] {
  const out: LiveMap[] = [];
  const abs = (name: string, o: number): [string, number] => {
    const b = p.buffers.find((x) => x.name === name);
    return b?.in ? abs(b.in.parent, o + b.in.offset) : [name, o];
  };
  const [root, lo] = abs(buf, off);
  for (let i = 0; i < j; i++) {
    const op = ops[i];
    if (op.op !== 'dma_map') continue;
    const live = liveMapping(ops, j, op.handle);
    if (!live || live.index !== i) continue;
    const [mroot, mlo] = abs(op.buf, op.off);
    if (mroot === root && mlo < lo + size && lo < mlo + op.size) out.push(live);
  }
  return out;
}

function moveAfter(ops: CpuOp[], from: number, after: number): void {
  const [op] = ops.splice(from, 1);
  ops.splice(after, 0, op); // `after` shifted down by one when `from` came out
}

function moveBefore(ops: CpuOp[], from: number, before: number): void {
  const [op] = ops.splice(from, 1);
  ops.splice(before, 0, op);
}
