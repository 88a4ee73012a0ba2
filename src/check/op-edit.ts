// A candidate repair that is one op — a barrier inserted before a statement, a barrier of another
// kind, writel() for writel_relaxed() — applied to the parsed program itself, so the fix search
// compiles it without parsing the edited text again (for a small ordering test a parse costs
// about what its check does). The text stays what is suggested: tests/op-edit.test.ts holds every
// such repair of every built-in test equal to the parse of its text edit.

import type { CpuOp, Program } from '../program/types.js';

/** Insert `op` before `before` in the block that holds it, or put `op` where `replace` is. */
export type OpEdit = { before: CpuOp; op: CpuOp } | { replace: CpuOp; op: CpuOp };

/**
 * The program with the edit made: new arrays along the way to the edited op, every other op the
 * same object. Undefined when no CPU thread holds the op (the repair's text is parsed instead).
 */
export function applyOpEdit(p: Program, e: OpEdit): Program | undefined {
  const target = 'before' in e ? e.before : e.replace;
  let found = false;
  const block = (ops: readonly CpuOp[]): CpuOp[] | undefined => {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op === target) {
        found = true;
        return 'before' in e ? [...ops.slice(0, i), e.op, ...ops.slice(i)] : [...ops.slice(0, i), e.op, ...ops.slice(i + 1)];
      }
      const inner = nested(op);
      if (inner) return [...ops.slice(0, i), inner, ...ops.slice(i + 1)];
    }
    return undefined;
  };
  const nested = (op: CpuOp): CpuOp | undefined => {
    if (op.op === 'if') {
      const then = block(op.then);
      if (then) return { ...op, then };
      const other = op.else && block(op.else);
      return other && { ...op, else: other };
    }
    if (op.op === 'while' || op.op === 'for') {
      const body = block(op.body);
      return body && { ...op, body };
    }
    return undefined;
  };
  const actors = p.actors.map((a) => {
    if (found || a.kind !== 'cpu') return a;
    const ops = block(a.ops as CpuOp[]);
    return ops ? { ...a, ops } : a;
  });
  return found ? { ...p, actors } : undefined;
}
