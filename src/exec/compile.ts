// Resolve a program against a platform once: check every name and range, place the buffers, and
// classify each CPU op for the ordering rules of src/exec/ordering.ts.

import type { Platform } from '../platform/platform.js';
import { layoutProgram, type Layout, type PlacedBuffer } from '../kernel/layout.js';
import { checkLimits } from '../program/limits.js';
import { ProgramError } from '../program/program-error.js';
import type { Actor, BufRef, CpuOp, Program, Value } from '../program/types.js';
import { REGISTER_BYTES, valueProblem } from './values.js';
import { checkHandleOrder } from './handle-order.js';
import { handleInfo, orderClassOf, precedence, type OrderClass } from './ordering.js';

export interface CompiledActor {
  actor: Actor;
  /** CPU actors: the ordering class of each op. */
  order: OrderClass[];
  /** CPU actors: precedence[j][i] (i < j) — may op j be performed while op i is pending (src/exec/ordering.ts)? */
  precedence: Uint8Array[];
  /**
   * The bytes each store, poll, dma_write and dma_poll writes or waits for, encoded on first use
   * (Machine.bytesOf) and reused by every later run. Shared: worlds copy them, never keep them.
   */
  bytes: (Uint8Array | undefined)[];
}

export interface Compiled {
  program: Program;
  platform: Platform;
  layout: Layout;
  actors: CompiledActor[];
  actorIndex: Map<string, number>;
  /** final ranges resolved to placed buffers */
  final: { buf: PlacedBuffer; off: number; size: number }[];
}

export function compile(program: Program, platform: Platform): Compiled {
  checkLimits(program);
  const layout = layoutProgram(program, platform);
  const registers = new Set(program.registers);
  const handles = new Set<string>();
  const buf = (name: string, where: string): PlacedBuffer => {
    const b = layout.buffers.get(name);
    if (!b) throw new ProgramError(`${where}: unknown buffer '${name}'`);
    return b;
  };
  const range = (r: BufRef, where: string): PlacedBuffer => {
    const b = buf(r.buf, where);
    if (!Number.isInteger(r.off) || !Number.isInteger(r.size) || r.off < 0 || r.size <= 0 || r.off + r.size > b.size) {
      throw new ProgramError(`${where}: bytes ${r.off}..${r.off + r.size - 1} are outside '${r.buf}' (size ${b.size})`);
    }
    return b;
  };
  const reg = (name: string, where: string) => {
    if (!registers.has(name)) throw new ProgramError(`${where}: unknown register '${name}'`);
  };

  // First pass: every handle a CPU defines, so devices may name handles mapped later in program order.
  for (const a of program.actors) {
    if (a.kind !== 'cpu') continue;
    for (const op of a.ops) {
      if (op.op === 'dma_map' || op.op === 'dma_map_sg') handles.add(op.handle);
      if (op.op === 'dma_alloc_coherent') handles.add(op.buf);
    }
  }
  const handle = (h: string, where: string) => {
    if (!handles.has(h)) throw new ProgramError(`${where}: unknown DMA handle '${h}' (no dma_map or dma_alloc_coherent defines it)`);
  };

  const orderContext = { handles: handleInfo(program, platform, layout), hasDevice: program.actors.some((a) => a.kind === 'device') };
  const names = new Set<string>();
  const actors: CompiledActor[] = program.actors.map((a) => {
    if (names.has(a.name)) throw new ProgramError(`actor '${a.name}' is declared twice`);
    names.add(a.name);
    const order: OrderClass[] = [];
    a.ops.forEach((op, i) => {
      const where = `${a.name} op ${i + 1} (${op.op})`;
      if (a.kind === 'cpu') {
        checkCpuOp(op as CpuOp, where, { buf, range, reg, handle });
        order.push(orderClassOf(op as CpuOp, platform, layout, orderContext));
      } else {
        switch (op.op) {
          case 'wait_doorbell': case 'set_reg': reg(op.reg, where); checkValue(op.value, REGISTER_BYTES, where, true); break;
          case 'dma_read': handle(op.handle, where); break;
          case 'dma_write': case 'dma_poll': handle(op.handle, where); checkValue(op.value, op.size, where); break;
          case 'raise_irq': break;
          default: throw new ProgramError(`${where}: a device cannot do '${(op as { op: string }).op}'`);
        }
      }
    });
    return { actor: a, order, precedence: precedence(order), bytes: new Array(a.ops.length).fill(undefined) };
  });
  const final = (program.final ?? []).map((r, i) => ({ buf: range(r, `final #${i}`), off: r.off, size: r.size }));
  checkHandleOrder(program);
  return { program, platform, layout, actors, actorIndex: new Map(actors.map((a, i) => [a.actor.name, i])), final };
}

interface Checks {
  buf: (name: string, where: string) => PlacedBuffer;
  range: (r: BufRef, where: string) => PlacedBuffer;
  reg: (name: string, where: string) => void;
  handle: (h: string, where: string) => void;
}

function checkValue(value: Value, size: number, where: string, register = false): void {
  const problem = valueProblem(value, size, register);
  if (problem) throw new ProgramError(`${where}: ${problem}`);
}

function checkCpuOp(op: CpuOp, where: string, c: Checks): void {
  switch (op.op) {
    case 'store': case 'poll': c.range(op, where); checkValue(op.value, op.size, where); break;
    case 'load': c.range(op, where); break;
    case 'writel': c.reg(op.reg, where); checkValue(op.value, REGISTER_BYTES, where, true); break;
    case 'readl': c.reg(op.reg, where); break;
    case 'dma_map': c.range(op, where); break;
    case 'dma_map_sg':
      if (op.entries.length === 0) throw new ProgramError(`${where}: an sg list needs at least one entry`);
      op.entries.forEach((e) => c.range(e, where));
      break;
    case 'dma_alloc_coherent': case 'dma_free_coherent':
      if (c.buf(op.buf, where).kind !== 'coherent') throw new ProgramError(`${where}: '${op.buf}' is not declared coherent`);
      break;
    case 'dma_unmap': case 'dma_unmap_sg': case 'dma_sync': case 'dma_mapping_error': c.handle(op.handle, where); break;
    case 'dma_set_mask':
      if (!Number.isInteger(op.bits) || op.bits < 24 || op.bits > 64) throw new ProgramError(`${where}: DMA_BIT_MASK(${op.bits}) is not a mask from 24 to 64 bits`);
      break;
    case 'barrier': case 'wait_irq': break;
    default: throw new ProgramError(`${where}: a CPU cannot do '${(op as { op: string }).op}'`);
  }
}
