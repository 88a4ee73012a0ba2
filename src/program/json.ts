// Programs as JSON. JSON numbers are doubles (exact to 2^53), so a u64 value is written as a
// "0x…" string; reading turns those strings back into bigints. Used wherever a program is
// written or read: failure files, replay.

import { ProgramError } from './program-error.js';
import type { Expr } from './expr.js';
import type { CpuOp, DeviceOp, Program, Value } from './types.js';

type Op = CpuOp | DeviceOp;

/** JSON.stringify that writes every bigint as "0x…" (values are the only bigints in our data). */
export function toJson(data: unknown, indent?: number): string {
  return JSON.stringify(data, (_key, v: unknown) => (typeof v === 'bigint' ? valueToJson(v) : v), indent);
}

export function valueToJson(v: Value): string {
  return '0x' + v.toString(16);
}

/**
 * A value read back: "0x…" (how toJson writes it), or a JSON number that is an exact integer
 * (files written while values were numbers).
 */
export function valueFromJson(x: unknown, where: string): Value {
  if (typeof x === 'string' && /^0x[0-9a-fA-F]{1,16}$/.test(x)) return BigInt(x);
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  throw new ProgramError(`${where}: value ${JSON.stringify(x)} is not a u64 ("0x…" or an integer below 2^53)`);
}

/**
 * A program parsed from JSON (JSON.parse output): every value becomes a bigint again, in ops at
 * any depth (the bodies of if, while, for), their expressions, {v0, v1} lists and the condition.
 */
export function programFromJson(x: unknown): Program {
  const p = x as Program;
  if (typeof p !== 'object' || p === null || !Array.isArray(p.actors) || !Array.isArray(p.buffers)) {
    throw new ProgramError('not a program (expected {"name", "buffers", "registers", "actors"})');
  }
  const actors = p.actors.map((a) => ({ ...a, ops: opsFromJson(Array.isArray(a?.ops) ? a.ops : [], a?.name) }));
  return { ...p, actors, ...(p.condition ? { condition: { ...p.condition, cond: exprFromJson(p.condition.cond, 'condition') } } : {}) } as Program;
}

const EXPR_FIELDS = ['offExpr', 'valueExpr', 'sizeExpr', 'until', 'addr', 'cond', 'from', 'step', 'oldExpr'] as const;
const BODY_FIELDS = ['then', 'else', 'body'] as const;

function opsFromJson(ops: unknown[], actor: string, path = ''): Op[] {
  return ops.map((raw, i) => {
    const op = { ...(raw as Record<string, unknown>) };
    const where = `${actor} op ${path}${i + 1} (${String(op.op)})`;
    if ('value' in op) op.value = op.op === 'let' ? exprFromJson(op.value, where) : valueFromJson(op.value, where);
    if (op.op === 'rmw' && 'old' in op) op.old = valueFromJson(op.old, where); // cmpxchg's expected value
    if (Array.isArray(op.values)) op.values = op.values.map((v) => valueFromJson(v, where));
    for (const k of EXPR_FIELDS) if (op[k] !== undefined) op[k] = exprFromJson(op[k], where);
    for (const k of BODY_FIELDS) if (Array.isArray(op[k])) op[k] = opsFromJson(op[k] as unknown[], actor, `${path}${i + 1}.`);
    return op as unknown as Op;
  });
}

/** An expression read back: its numbers become bigints. Depth is what the writer gave (the parser bounds it). */
function exprFromJson(x: unknown, where: string): Expr {
  const e = x as Expr;
  if (typeof e !== 'object' || e === null) throw new ProgramError(`${where}: ${JSON.stringify(x)} is not an expression`);
  switch (e.k) {
    case 'num': return { k: 'num', v: valueFromJson(e.v, where) };
    case 'un': return { ...e, e: exprFromJson(e.e, where) };
    case 'bin': return { ...e, l: exprFromJson(e.l, where), r: exprFromJson(e.r, where) };
    default: return e;
  }
}
