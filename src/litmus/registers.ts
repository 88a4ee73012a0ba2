// Which registers a program reads. A load, readl or dma_read keeps its register only when the
// register is read somewhere (an expression of its thread, or the exists/forall condition):
// `r0 = *(u32 *)buf;` alone is an observation, exactly as it was before registers existed.

import { leaves, type Expr } from '../program/expr.js';
import type { CpuOp, DeviceOp, Program } from '../program/types.js';

type Op = CpuOp | DeviceOp;

/** Every op, nested ones included, in text order. */
export function walkOps(ops: readonly Op[], f: (op: Op) => void): void {
  for (const op of ops) {
    f(op);
    if (op.op === 'if') { walkOps(op.then, f); walkOps(op.else ?? [], f); }
    if (op.op === 'while' || op.op === 'for') walkOps(op.body, f);
  }
}

/** The expressions an op holds itself (not those of the ops nested in it). */
export function opExprs(op: Op): Expr[] {
  const out: Expr[] = [];
  const o = op as Partial<Record<'offExpr' | 'valueExpr' | 'sizeExpr' | 'until' | 'addr' | 'cond' | 'from' | 'step' | 'oldExpr', Expr>> & { op: string; value?: unknown };
  for (const e of [o.offExpr, o.valueExpr, o.sizeExpr, o.until, o.addr, o.cond, o.from, o.step, o.oldExpr]) if (e) out.push(e);
  if (op.op === 'let') out.push(op.value);
  return out;
}

/** actor → the registers read anywhere (its expressions, the condition's actor:reg). */
export function readRegisters(p: Program): Map<string, Set<string>> {
  const out = new Map(p.actors.map((a) => [a.name, new Set<string>()]));
  for (const a of p.actors) {
    const set = out.get(a.name)!;
    walkOps(a.ops, (op) => {
      for (const e of opExprs(op)) for (const l of leaves(e)) if (l.k === 'reg') set.add(l.name);
    });
  }
  if (p.condition) for (const l of leaves(p.condition.cond)) if (l.k === 'treg') out.get(l.actor)?.add(l.name);
  return out;
}

/**
 * The name the driver gave a value nothing reads, by op (the parsed op: a path program's op names
 * it through ThreadPath.from): reports print `data = *(u32 *)buf;` as written, not `r0 = ...`.
 */
export const droppedNames = new WeakMap<object, string>();

/** Drop the register of every load, readl and dma_read whose register nothing reads (its name kept in droppedNames). */
export function dropUnreadRegisters(p: Program, read = readRegisters(p)): void {
  for (const a of p.actors) {
    const set = read.get(a.name)!;
    walkOps(a.ops, (op) => {
      if ((op.op === 'load' || op.op === 'dma_read' || op.op === 'rmw') && op.reg !== undefined && !set.has(op.reg)) { droppedNames.set(op, op.reg); delete op.reg; }
      if ((op.op === 'readl' || op.op === 'read_reg') && op.dst !== undefined && !set.has(op.dst)) { droppedNames.set(op, op.dst); delete op.dst; }
    });
  }
}
