// Expressions as litmus text, with C's precedence and only the parentheses it needs, so the parser
// reads back the same tree. Conditions (exists/forall) are written herd7's way: = /\ \/ ~.

import type { BinaryOp, Expr } from '../program/expr.js';
import { valueText } from '../exec/values.js';
import { typeName } from './vocabulary.js';

const PRECEDENCE: Record<BinaryOp, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '<=': 7, '>': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10,
};
const UNARY = 11;
/** An offset added to a buffer or handle: `buf + E` reads back as buf plus E for any E printed at this level. */
export const SUM = PRECEDENCE['+'];

const HERD: Partial<Record<string, string>> = { '==': '=', '&&': '/\\', '||': '\\/', '!': '~' };

export interface ExprStyle {
  /** herd7's condition syntax. */
  cond?: boolean;
  /** The text of a wait loop's load, for {k:'polled'}. */
  polled?: string;
}

/** e as text; parenthesized when its operator binds looser than `min`. */
export function printExpr(e: Expr, style: ExprStyle = {}, min = 0): string {
  switch (e.k) {
    case 'num': return valueText(e.v);
    case 'reg': return e.name;
    case 'handle': return e.entry === undefined ? e.name : `sg_dma_address(&${e.name}[${e.entry}])`;
    case 'sgLen': return `sg_dma_len(&${e.name}[${e.entry}])`;
    case 'treg': return `${e.actor}:${e.name}`;
    case 'mem': return access(e);
    case 'polled':
      if (style.polled === undefined) throw new Error('printExpr: a polled value outside a wait loop');
      return style.polled;
    // Path programs only (reports): the value an earlier op of the thread read.
    case 'read': return e.name ?? `value_of_op_${e.op + 1}`;
    case 'un': {
      const op = style.cond ? HERD[e.op] ?? e.op : e.op;
      const inner = printExpr(e.e, style, UNARY);
      // `- -x` must not lex as `--`; `!(~x)` reads better than `!~x` anyway.
      return `${op}${e.e.k === 'un' ? `(${inner})` : inner}`;
    }
    case 'bin': {
      const p = PRECEDENCE[e.op];
      const op = style.cond ? HERD[e.op] ?? e.op : e.op;
      const text = `${printExpr(e.l, style, p)} ${op} ${printExpr(e.r, style, p + 1)}`;
      return p < min ? `(${text})` : text;
    }
  }
}

/** *(u32 *)buf, *(u32 *)(buf + 4) or *(u32 *)(buf + 16 * i + 4). */
export function access(r: { buf: string; off: number; size: number; offExpr?: Expr }): string {
  const type = `*(${typeName(r.size)} *)`;
  if (r.offExpr) return `${type}(${r.buf} + ${printExpr(r.offExpr, {}, SUM)})`;
  return `${type}${r.off ? `(${r.buf} + ${r.off})` : r.buf}`;
}

/** Every name an expression uses (registers, handles, threads' registers). */
export function exprNames(e: Expr, out: Set<string>): void {
  if (e.k === 'reg' || e.k === 'handle' || e.k === 'sgLen' || e.k === 'treg') out.add(e.name);
  else if (e.k === 'mem') out.add(e.buf);
  else if (e.k === 'un') exprNames(e.e, out);
  else if (e.k === 'bin') { exprNames(e.l, out); exprNames(e.r, out); }
}
