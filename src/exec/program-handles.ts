// The DMA handles a program defines, and the size of each one's mapping where the program maps it
// once: what a path program's expressions and computed sizes are checked against
// (src/exec/paths.ts, src/exec/compile.ts).

import type { CpuOp, DeviceOp, Program } from '../program/types.js';

type Op = CpuOp | DeviceOp;

/** Every DMA handle the program defines, inside branches and loops too: a handle named in an expression is its bus address. */
export function definedHandles(p: Program): Set<string> {
  const out = new Set<string>();
  const walk = (ops: readonly Op[]) => {
    for (const op of ops) {
      if (op.op === 'dma_map' || op.op === 'dma_map_sg') out.add(op.handle);
      if (op.op === 'dma_alloc_coherent') out.add(op.buf);
      if (op.op === 'if') { walk(op.then); walk(op.else ?? []); }
      if (op.op === 'while' || op.op === 'for') walk(op.body);
    }
  };
  for (const a of p.actors) walk(a.ops);
  return out;
}

/** Each handle's mapping size, when the program maps it once (dma_map_single/page) or allocates it coherent. */
export function mappedSizes(p: Program): Map<string, number> {
  const out = new Map<string, number>();
  const many = new Set<string>();
  const walk = (ops: readonly Op[]) => {
    for (const op of ops) {
      if (op.op === 'dma_map') { if (out.has(op.handle) && out.get(op.handle) !== op.size) many.add(op.handle); out.set(op.handle, op.size); }
      if (op.op === 'if') { walk(op.then); walk(op.else ?? []); }
      if (op.op === 'while' || op.op === 'for') walk(op.body);
    }
  };
  for (const a of p.actors) walk(a.ops);
  for (const h of many) out.delete(h);
  return out;
}
