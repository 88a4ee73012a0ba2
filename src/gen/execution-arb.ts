// fast-check arbitraries of executions of one program: interleavings of its actors, CPU ops
// performed ahead of earlier ones, and speculative fills and evictions — biased to the lines the
// program touches (its buffers and the swiotlb slots its mappings may take), where they matter.

import fc from 'fast-check';
import type { Compiled } from '../exec/compile.js';
import type { Execution, Step } from '../exec/execution.js';
import { REGION } from '../kernel/layout.js';
import { IO_TLB_SIZE } from '../kernel/swiotlb.js';

const MAX_LINES_PER_BUFFER = 8;

/** Lines worth filling or evicting: every line of every buffer (capped), and the bounce slots' first lines. */
export function interestingLines(c: Compiled): number[] {
  const line = c.platform.cwg;
  const lines = new Set<number>();
  for (const b of c.layout.buffers.values()) {
    const first = b.addr - (b.addr % line);
    for (let a = first, n = 0; a < b.addr + b.size && n < MAX_LINES_PER_BUFFER; a += line, n++) lines.add(a);
  }
  let slot = REGION.swiotlb;
  for (const ca of c.actors) {
    for (const op of ca.actor.ops) {
      const sizes = op.op === 'dma_map' ? [op.size] : op.op === 'dma_map_sg' ? op.entries.map((e) => e.size) : [];
      for (const size of sizes) {
        for (let a = slot, n = 0; a < slot + size && n < MAX_LINES_PER_BUFFER; a += line, n++) lines.add(a);
        slot += Math.ceil(size / IO_TLB_SIZE) * IO_TLB_SIZE;
      }
    }
  }
  return [...lines].sort((a, b) => a - b);
}

export interface ExecutionArbOptions {
  maxSteps?: number;
  /** Largest `skip` for a CPU step (how far ahead of program order an op may be performed). */
  maxSkip?: number;
}

export function stepArb(c: Compiled, o: ExecutionArbOptions = {}): fc.Arbitrary<Step> {
  const lines = interestingLines(c);
  const actors = c.actors.map((a) => a.actor.name);
  const cpus = c.actors.filter((a) => a.actor.kind === 'cpu').map((a) => a.actor.name);
  const run = fc.constantFrom(...actors).map((name): Step => ({ run: name }));
  const ahead = cpus.length
    ? fc.record({ run: fc.constantFrom(...cpus), skip: fc.integer({ min: 1, max: o.maxSkip ?? 3 }) }).map((s): Step => s)
    : run;
  const arbs: fc.WeightedArbitrary<Step>[] = [
    { weight: 6, arbitrary: run },
    { weight: 2, arbitrary: ahead },
  ];
  if (lines.length) {
    arbs.push({ weight: 2, arbitrary: fc.constantFrom(...lines).map((l): Step => ({ fill: l })) });
    arbs.push({ weight: 2, arbitrary: fc.constantFrom(...lines).map((l): Step => ({ evict: l })) });
  }
  return fc.oneof(...arbs);
}

export function executionArb(c: Compiled, o: ExecutionArbOptions = {}): fc.Arbitrary<Execution> {
  const ops = c.actors.reduce((n, a) => n + a.actor.ops.length, 0);
  const maxSteps = o.maxSteps ?? Math.max(8, 3 * ops);
  return fc.array(stepArb(c, o), { maxLength: maxSteps }).map((steps) => ({ steps }));
}
