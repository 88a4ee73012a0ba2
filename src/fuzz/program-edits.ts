// One-edit-smaller programs, for shrinking a failure to what it needs: drop one op at any depth
// of the control flow (a thread left empty goes too), replace a branch by one of its sides, run
// a loop's body once instead of looping, or lower a `for` loop's constant bound by one lap. The
// order tries the biggest cuts first: whole statements from the end, then inside blocks.
// A dma_set_mask*() call is never cut: it says which device the driver is for (the fuzz matrix
// pairs it only with devices that drive that many bits), so a test without it is another driver.

import type { Expr } from '../program/expr.js';
import type { Actor, CpuOp, DeviceOp, Program } from '../program/types.js';
import { fresh, type Candidates } from '../shrink/shrink.js';

type Op = CpuOp | DeviceOp;

/** The shrink candidates: every one-edit-smaller program, afresh from each one taken. */
export const programCandidates: Candidates<Program> = fresh(smallerPrograms);

export function* smallerPrograms(p: Program): Generator<Program> {
  for (let a = p.actors.length - 1; a >= 0; a--) {
    const masks = maskCalls(p.actors[a].ops);
    for (const ops of smallerBlocks(p.actors[a].ops)) {
      if (maskCalls(ops) !== masks) continue;
      const actors = ops.length ? p.actors.map((x, k) => (k === a ? ({ ...x, ops } as Actor) : x)) : p.actors.filter((_, k) => k !== a);
      yield { ...p, actors };
    }
  }
}

/** Every one-edit-smaller version of a block. */
function* smallerBlocks(ops: readonly Op[]): Generator<Op[]> {
  for (let j = ops.length - 1; j >= 0; j--) yield [...ops.slice(0, j), ...ops.slice(j + 1)];
  for (let j = ops.length - 1; j >= 0; j--) {
    const replace = (...by: Op[]) => [...ops.slice(0, j), ...by, ...ops.slice(j + 1)];
    const op = ops[j];
    if (op.op === 'if') {
      yield replace(...(op.then as Op[]));
      if (op.else) yield replace(...(op.else as Op[]));
      for (const then of smallerBlocks(op.then)) yield replace({ ...op, then } as Op);
      if (op.else) for (const e of smallerBlocks(op.else)) yield replace({ ...op, else: e } as Op);
    } else if (op.op === 'while' || op.op === 'for') {
      const lower = op.op === 'for' ? lowerBound(op.cond) : undefined;
      if (lower) yield replace({ ...op, cond: lower } as Op);
      if (op.op === 'for' && !(op.body as Op[]).some(breaksOut)) yield replace({ op: 'let', reg: op.reg, value: op.from }, ...(op.body as Op[]));
      for (const body of smallerBlocks(op.body)) yield replace({ ...op, body } as Op);
    }
  }
}

/** How many dma_set_mask*() calls a block says, at any depth. */
function maskCalls(ops: readonly Op[]): number {
  let n = 0;
  for (const op of ops) {
    if (op.op === 'dma_set_mask') n++;
    else if (op.op === 'if') n += maskCalls(op.then as Op[]) + maskCalls((op.else ?? []) as Op[]);
    else if (op.op === 'while' || op.op === 'for') n += maskCalls(op.body as Op[]);
  }
  return n;
}

/** `i < N` with N a constant above 1 becomes `i < N - 1` (one lap fewer). */
function lowerBound(cond: Expr): Expr | undefined {
  if (cond.k !== 'bin' || (cond.op !== '<' && cond.op !== '<=') || cond.r.k !== 'num') return undefined;
  const min = cond.op === '<' ? 1n : 0n;
  return cond.r.v > min ? { ...cond, r: { k: 'num', v: cond.r.v - 1n } } : undefined;
}

/** A body that says break, continue or return cannot simply be inlined. */
function breaksOut(op: Op): boolean {
  if (op.op === 'break' || op.op === 'continue' || op.op === 'return') return true;
  if (op.op === 'if') return (op.then as Op[]).some(breaksOut) || ((op.else ?? []) as Op[]).some(breaksOut);
  return false;
}
