// The tree an expression is read into (src/litmus/syntax.ts builds it), and C's operators with
// their precedence: what a token sequence means before anything decides what its names are.

import type { BinaryOp, UnaryOp } from '../program/expr.js';
import type { Token } from './lexer.js';

/** Operators and leaves nested in one expression tree, at most (a driver's expression has a handful). */
export const MAX_EXPR_DEPTH = 256;

export const DIVISION = 'division is modelled only by a power of two (i % 64 is i & 63, i / 8 is i >> 3): a ring index wraps with & (size - 1)';

/** Compound assignment operators and the operator each applies. */
export const COMPOUND: Readonly<Record<string, BinaryOp>> = { '+=': '+', '-=': '-', '*=': '*', '&=': '&', '|=': '|', '^=': '^', '<<=': '<<', '>>=': '>>' };

export type Syn = (
  | { s: 'num'; v: bigint }
  /** h, buf, r, or an sg entry sgl[1] */
  | { s: 'name'; name: string; index?: number }
  /** cpu0:r, in an exists/forall condition */
  | { s: 'treg'; actor: string; name: string }
  | { s: 'call'; name: string; args: Syn[]; end: Token }
  /** *(u32 *)ptr */
  | { s: 'deref'; size: number; ptr: Syn; name?: string }
  /** &sgl[0] */
  | { s: 'ref'; name: string; index: number }
  /** {v0, v1} */
  | { s: 'list'; items: Syn[] }
  | { s: 'un'; op: UnaryOp; e: Syn }
  | { s: 'bin'; op: BinaryOp; l: Syn; r: Syn }
  /** base[i] with a computed index, or of something other than a name (C arrays: src/litmus/c-lang.ts) */
  | { s: 'index'; base: Syn; i: Syn }
  /** base.field, base->field */
  | { s: 'member'; base: Syn; field: string; arrow: boolean }
  /** &place (other than &sgl[0]) */
  | { s: 'addr'; e: Syn }
  /** *p without a cast: the pointer's own type gives the size */
  | { s: 'star'; e: Syn }
  /** sizeof(expression) */
  | { s: 'sizeof'; e: Syn }
  /** c ? a : b */
  | { s: 'cond'; c: Syn; a: Syn; b: Syn }
  /** target = value, target op= value: a value in C (the value assigned) */
  | { s: 'assign'; op?: BinaryOp; target: Syn; value: Syn }
) & { tok: Token; d: number };

/** C's binary operators, loosest first; herd7's \/ and /\ sit with || and && in conditions. */
export const LEVELS: Record<string, BinaryOp>[] = [
  { '||': '||' },
  { '&&': '&&' },
  { '|': '|' },
  { '^': '^' },
  { '&': '&' },
  { '==': '==', '!=': '!=' },
  { '<': '<', '<=': '<=', '>': '>', '>=': '>=' },
  { '<<': '<<', '>>': '>>' },
  { '+': '+', '-': '-' },
  { '*': '*' },
];
const CONDITION_OPS: Record<string, BinaryOp>[] = [{ '\\/': '||' }, { '/\\': '&&' }, {}, {}, {}, { '=': '==' }, {}, {}, {}, {}];

interface BinaryOperator { op: BinaryOp; level: number }
/** Each operator token's operator and level, in C and in a condition (which adds herd7's). */
const operatorTable = (cond: boolean): ReadonlyMap<string, BinaryOperator> => new Map(LEVELS.flatMap((ops, level) =>
  Object.entries({ ...(cond ? CONDITION_OPS[level] : {}), ...ops }).map(([text, op]) => [text, { op, level }])));
export const C_OPERATORS = operatorTable(false);
export const CONDITION_OPERATORS = operatorTable(true);

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
