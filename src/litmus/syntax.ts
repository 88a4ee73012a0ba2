// Expressions as written, before anything decides what they mean: C's operators with C's
// precedence over numbers, names, calls, *(u32 *)ptr accesses, &sgl[0] and {v0, v1} lists, plus
// herd7's condition syntax after 'exists'/'forall' (cpu0:r = 1 /\ ~(...) \/ ...). Constant
// subtrees are folded as they are built, so `16 * 4` is a number wherever a number is asked for.
// The argument checks and src/litmus/expressions.ts then read each tree where it stands.
// Recursion is bounded: MAX_NESTING levels of parentheses, casts, calls and unary operators, and
// MAX_EXPR_DEPTH levels of tree (a long `a + b + ...` chain is deep without being nested).

import { binary, unary, type BinaryOp, type UnaryOp } from '../program/expr.js';
import { MAX_NESTING } from '../program/limits.js';
import type { Token } from './lexer.js';
import { TokenStream, integer } from './token-stream.js';
import { CPU_CALLS, DEVICE_CALLS, scalarTypeSize } from './vocabulary.js';

/** Operators and leaves nested in one expression tree, at most (a driver's expression has a handful). */
export const MAX_EXPR_DEPTH = 256;

export const DIVISION = 'division is not modelled: a ring index wraps with & (size - 1)';

/** arm64 is little-endian: these conversions are the identity (include/linux/byteorder/little_endian.h). */
export const IDENTITY_FUNCTIONS: ReadonlySet<string> = new Set(['le16_to_cpu', 'le32_to_cpu', 'le64_to_cpu', 'cpu_to_le16', 'cpu_to_le32', 'cpu_to_le64']);

export type Syn = (
  | { s: 'num'; v: bigint }
  /** h, buf, r, or an sg entry sgl[1] */
  | { s: 'name'; name: string; index?: number }
  /** cpu0:r, in an exists/forall condition */
  | { s: 'treg'; actor: string; name: string }
  | { s: 'call'; name: string; args: Syn[]; end: Token }
  /** *(u32 *)ptr */
  | { s: 'deref'; size: number; ptr: Syn }
  /** &sgl[0] */
  | { s: 'ref'; name: string; index: number }
  /** {v0, v1} */
  | { s: 'list'; items: Syn[] }
  | { s: 'un'; op: UnaryOp; e: Syn }
  | { s: 'bin'; op: BinaryOp; l: Syn; r: Syn }
) & { tok: Token; d: number };

/** C's binary operators, loosest first; herd7's \/ and /\ sit with || and && in conditions. */
const LEVELS: Record<string, BinaryOp>[] = [
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
const MULTIPLICATIVE = LEVELS.length - 1;

export class SyntaxParser extends TokenStream {
  private nesting = 0;

  /** One expression. In a condition (`cond`), `=` compares, `~` is not, and `cpu0:r` names a register. */
  protected syn(cond = false): Syn {
    return this.binaryAt(0, cond);
  }

  private binaryAt(level: number, cond: boolean): Syn {
    if (level === LEVELS.length) return this.unaryExpr(cond);
    let l = this.binaryAt(level + 1, cond);
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'punct') return l;
      if (level === MULTIPLICATIVE && (t.text === '/' || t.text === '%')) this.fail(t, DIVISION);
      const op = LEVELS[level][t.text] ?? (cond ? CONDITION_OPS[level][t.text] : undefined);
      if (!op) return l;
      this.next();
      l = this.binSyn(op, l, this.binaryAt(level + 1, cond));
    }
  }

  private unaryExpr(cond: boolean): Syn {
    const t = this.tok;
    if (this.is('!') || this.is('~') || this.is('-')) {
      return this.nested(() => {
        this.next();
        if (t.text === '-' && this.tok.kind === 'number') this.fail(t, 'negative numbers are not values a device or CPU can store here');
        const e = this.unaryExpr(cond);
        const op: UnaryOp = cond && t.text === '~' ? '!' : (t.text as UnaryOp);
        return e.s === 'num' ? this.node(t, { s: 'num', v: unary(op, e.v) }) : this.node(t, { s: 'un', op, e }, e);
      });
    }
    if (this.is('*')) return this.nested(() => this.deref());
    if (this.is('&')) {
      this.next();
      const name = this.ident('a name after &');
      // &lock, &flag: the address of a declared object is its name, as everywhere in the format
      if (!this.is('[')) return this.node(t, { s: 'name', name: name.text });
      this.expectText('[', `after '&${name.text}'`);
      const index = this.int('an sg entry index');
      this.expectText(']', 'after the index');
      return this.node(t, { s: 'ref', name: name.text, index });
    }
    if (this.is('(')) {
      return this.nested(() => {
        this.next();
        const inner = this.binaryAt(0, cond);
        this.expectText(')', 'to close the parenthesis');
        return inner;
      });
    }
    if (this.is('{')) {
      return this.nested(() => {
        this.next();
        const items: Syn[] = [this.binaryAt(0, cond)];
        while (this.is(',')) { this.next(); items.push(this.binaryAt(0, cond)); }
        this.expectText('}', 'to close the list of values');
        return this.node(t, { s: 'list', items }, ...items);
      });
    }
    if (t.kind === 'number') { this.next(); return this.node(t, { s: 'num', v: integer(t, 'a number') }); }
    if (t.kind !== 'ident') this.fail(t, `expected an argument, found ${this.found(t)}`);
    this.next();
    if (cond && this.is(':')) {
      this.next();
      const reg = this.ident(`a register of '${t.text}' after ':'`);
      return this.node(t, { s: 'treg', actor: t.text, name: reg.text });
    }
    if (this.is('(')) return this.nested(() => this.callArgs(t, cond));
    if (this.is('[')) {
      this.next();
      const index = this.int('an sg entry index');
      this.expectText(']', 'after the sg entry index');
      return this.node(t, { s: 'name', name: t.text, index });
    }
    return this.node(t, { s: 'name', name: t.text });
  }

  /** name( args ): the identity conversions (le32_to_cpu, ...) give their argument back. */
  private callArgs(name: Token, cond: boolean): Syn {
    this.next();
    const args: Syn[] = [];
    if (!this.is(')')) {
      args.push(this.binaryAt(0, cond));
      while (this.is(',')) { this.next(); args.push(this.binaryAt(0, cond)); }
    }
    const signature = CPU_CALLS[name.text] ?? DEVICE_CALLS[name.text] ?? '(';
    const end = this.expectText(')', `to close ${name.text}${signature === '(' ? '(' : signature}`);
    if (IDENTITY_FUNCTIONS.has(name.text)) {
      if (args.length !== 1) this.fail(name, `${name.text}() takes one argument`);
      return args[0];
    }
    return this.node(name, { s: 'call', name: name.text, args, end }, ...args);
  }

  /** *(u32 *)ptr — the access size comes from the type; the pointer binds as a cast's operand does. */
  private deref(): Syn {
    const star = this.expectText('*', 'before the cast');
    this.expectText('(', "in the cast '*(u32 *)'");
    const ty = this.ident('a type such as u32');
    let size = scalarTypeSize(ty.text);
    if (size === undefined) this.fail(ty, `unknown type '${ty.text}': use u8, u16, u32, u64 (u24, u40, u48, u56 for odd widths) or u8[N]`);
    if (this.is('[')) {
      if (ty.text !== 'u8') this.fail(this.tok, 'only u8[N] arrays are accesses');
      this.next();
      size = this.int('an array length');
      if (size <= 8) this.fail(ty, `write u8[${size}] accesses as u${size * 8}`);
      this.expectText(']', 'after the array length');
    }
    this.expectText('*', "in the cast '*(u32 *)'");
    this.expectText(')', "to close the cast '*(u32 *)'");
    const ptr = this.unaryExpr(false);
    return this.node(star, { s: 'deref', size, ptr }, ptr);
  }

  /** One more level of nesting, refused past MAX_NESTING so the recursion is bounded. */
  private nested<T>(f: () => T): T {
    if (this.nesting >= MAX_NESTING) this.fail(this.tok, `more than ${MAX_NESTING} nested parentheses, casts or calls`);
    this.nesting++;
    try {
      return f();
    } finally {
      this.nesting--;
    }
  }

  /** l op r, folded when both are constants; the tree's position is its left operand's. */
  protected binSyn(op: BinaryOp, l: Syn, r: Syn): Syn {
    return l.s === 'num' && r.s === 'num' ? this.node(l.tok, { s: 'num', v: binary(op, l.v, r.v) }) : this.node(l.tok, { s: 'bin', op, l, r }, l, r);
  }

  protected node(tok: Token, body: DistributiveOmit<Syn, 'tok' | 'd'>, ...children: Syn[]): Syn {
    let d = 1;
    for (const c of children) d = Math.max(d, c.d + 1);
    if (d > MAX_EXPR_DEPTH) this.fail(tok, `expression more than ${MAX_EXPR_DEPTH} operators deep; split it with a register`);
    return { ...body, tok, d } as Syn;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
