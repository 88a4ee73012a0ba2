// How big a program may be, checked before any work starts (compile() for every program, the
// parser for nesting). Each limit is far above what a DMA protocol test needs and keeps every
// accepted program cheap enough to explore: the model copies the memory a program touches into
// every explored state, so size is time. docs/litmus.md ("Limits") gives the reasons to users.

import { opSite, ProgramError, type ErrorSite } from './program-error.js';
import type { Program } from './types.js';

/**
 * One transfer: any op's size (an access, a map, unmap or sync, an sg entry, a device read or
 * write, a final range). 64 KiB = the default max segment size of a device
 * (dma_get_max_seg_size() without dma_parms), the largest GSO packet, and 1024 cache lines:
 * every hazard of a bigger buffer already shows on a smaller one, since all of them are per line.
 */
export const MAX_TRANSFER_BYTES = 64 * 1024;

/** All declared memory together (top-level buffers): rings, packet buffers, structs. */
export const MAX_MEMORY_BYTES = 1024 * 1024;

/**
 * CPU threads plus device engines. A driver's DMA protocol involves a handful of contexts (probe
 * or xmit, the IRQ handler or NAPI poll, a worker, the device's queues); interleavings grow as a
 * multinomial in the number of threads.
 */
export const MAX_THREADS = 16;

/**
 * Statements in all threads together. A protocol test is tens of statements (an unrolled
 * 16-descriptor ring is about 160); every explored state carries each op's progress, so the
 * search's cost grows with this times --max-states.
 */
export const MAX_OPS = 512;

/**
 * Nested parentheses, casts and calls within one statement: C11 5.2.4.1 asks compilers for 63
 * nesting levels of parenthesized expressions. The parser recurses once per level, no deeper.
 */
export const MAX_NESTING = 63;

const KiB = (n: number) => `${n / 1024} KiB`;

/** ProgramError (naming the buffer, op or thread) for the first limit the program exceeds. */
export function checkLimits(p: Program): void {
  if (p.actors.length > MAX_THREADS) {
    throw new ProgramError(`actor '${p.actors[MAX_THREADS].name}' is thread ${MAX_THREADS + 1}: a test has at most ${MAX_THREADS} cpu and device blocks`, { kind: 'actor', actor: p.actors[MAX_THREADS].name });
  }
  let ops = 0;
  for (const a of p.actors) {
    ops += a.ops.length;
    if (ops > MAX_OPS) throw new ProgramError(`actor '${a.name}' brings the test to ${ops} operations: a test has at most ${MAX_OPS}`, { kind: 'actor', actor: a.name });
  }
  let total = 0;
  for (const b of p.buffers) {
    if (b.in) continue;
    total += b.size;
    if (total > MAX_MEMORY_BYTES) {
      throw new ProgramError(`buffer '${b.name}' brings the declared memory to ${total} bytes: a test declares at most ${KiB(MAX_MEMORY_BYTES)} in all`, { kind: 'buffer', buffer: b.name });
    }
  }
  const transfer = (size: number, where: ErrorSite) => {
    if (size > MAX_TRANSFER_BYTES) throw new ProgramError(`${size} bytes in one transfer; the limit is ${KiB(MAX_TRANSFER_BYTES)}`, where);
  };
  for (const a of p.actors) {
    a.ops.forEach((op, i) => {
      const where = opSite(a.name, i, op.op);
      if ('size' in op) transfer(op.size, where);
      if (op.op === 'dma_map_sg') for (const e of op.entries) transfer(e.size, where);
    });
  }
  (p.final ?? []).forEach((r, i) => transfer(r.size, { kind: 'final', index: i }));
}
