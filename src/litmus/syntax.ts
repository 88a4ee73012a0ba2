// Expressions as written, before anything decides what they mean (the tree: src/litmus/syntax-tree.ts):
// C's operators with C's precedence over numbers, names, calls, *(u32 *)ptr accesses, &sgl[0] and {v0, v1} lists, plus
// herd7's condition syntax after 'exists'/'forall' (cpu0:r = 1 /\ ~(...) \/ ...). Constant
// subtrees are folded as they are built, so `16 * 4` is a number wherever a number is asked for.
// The argument checks and src/litmus/expressions.ts then read each tree where it stands.
// Recursion is bounded: MAX_NESTING levels of parentheses, casts, calls and unary operators, and
// MAX_EXPR_DEPTH levels of tree (a long `a + b + ...` chain is deep without being nested).

import { binary, unary, type BinaryOp, type UnaryOp } from '../program/expr.js';
import { MAX_NESTING } from '../program/limits.js';
import type { Token } from './lexer.js';
import { integer } from './token-stream.js';
import { valueText } from '../exec/values.js';
import { TypeParser } from './type-parser.js';
import { C_OPERATORS, CONDITION_OPERATORS, COMPOUND, DIVISION, LEVELS, MAX_EXPR_DEPTH, type DistributiveOmit, type Syn } from './syntax-tree.js';
import { scalarType, sizeOf } from './c-types.js';
import { CPU_CALLS, DEVICE_CALLS, deviceParameter, scalarTypeSize } from './vocabulary.js';
import { bitMacro, swab } from './bit-macros.js';

export { swab };

/** arm64 is little-endian: these conversions are the identity (include/linux/byteorder/little_endian.h). */
export const IDENTITY_FUNCTIONS: ReadonlySet<string> = new Set(['le16_to_cpu', 'le32_to_cpu', 'le64_to_cpu', 'cpu_to_le16', 'cpu_to_le32', 'cpu_to_le64',
  // branch hints (include/linux/compiler.h): the value of their argument
  'likely', 'unlikely']);

/** The big-endian conversions byte-swap on arm64 (include/linux/byteorder/little_endian.h: __swab16/32/64). */
export const SWAB_FUNCTIONS: Readonly<Record<string, number>> = {
  be16_to_cpu: 2, be32_to_cpu: 4, be64_to_cpu: 8, cpu_to_be16: 2, cpu_to_be32: 4, cpu_to_be64: 8, swab16: 2, swab32: 4, swab64: 8,
};

export class SyntaxParser extends TypeParser {
  private nesting = 0;
  /** Reading a value nothing stores (a thread's return value): a negative number is allowed. */
  private unstored = false;

  /** One expression. In a condition (`cond`), `=` compares, `~` is not, and `cpu0:r` names a register. */
  protected syn(cond = false): Syn {
    return this.desugar(this.rawSyn(cond));
  }

  /** A value nothing stores (`return -1;`: the caller the test lacks gets it): negative numbers too. */
  protected unstoredSyn(): Syn {
    this.unstored = true;
    try {
      return this.syn();
    } finally {
      this.unstored = false;
    }
  }

  /** One expression as written: struct members, array elements and pointers not yet resolved. */
  protected rawSyn(cond = false): Syn {
    return cond ? this.binaryAt(0, cond) : this.assignExpr();
  }

  /** Struct members, array elements and pointers as accesses at byte offsets (src/litmus/c-lang.ts). */
  protected desugar(s: Syn): Syn {
    return s;
  }

  /** a = b, a op= b (right to left, as in C), below ?: */
  private assignExpr(): Syn {
    const target = this.condExpr();
    const t = this.tok;
    if (t.kind !== 'punct' || !(t.text === '=' || t.text in COMPOUND)) return target;
    return this.nested(() => {
      this.next();
      const value = this.assignExpr();
      return this.node(t, { s: 'assign', ...(t.text === '=' ? {} : { op: COMPOUND[t.text] }), target, value }, target, value);
    });
  }

  private condExpr(): Syn {
    const c = this.binaryAt(0, false);
    if (!this.is('?')) return c;
    const q = this.next();
    return this.nested(() => {
      const a = this.assignExpr();
      this.expectText(':', "in 'c ? a : b'");
      const b = this.condExpr();
      if (c.s === 'num') return c.v !== 0n ? a : b;
      return this.node(q, { s: 'cond', c, a, b }, c, a, b);
    });
  }

  /**
   * Operands joined by operators of `level` or tighter (precedence climbing: the tree C's grammar
   * gives, left-associative, without one call per level for every operand).
   */
  private binaryAt(level: number, cond: boolean): Syn {
    if (level === LEVELS.length) return this.unaryExpr(cond);
    const operators = cond ? CONDITION_OPERATORS : C_OPERATORS;
    let l = this.unaryExpr(cond);
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'punct') return l;
      if (t.text === '/' || t.text === '%') {
        // By a power of two (a ring of 2^n entries, `cur_tx % NUM_TX_DESC`): the mask or shift
        // an unsigned division is; by anything else, not modelled.
        const times = operators.get('*')!;
        if (times.level < level) return l;
        this.next();
        const r = this.binaryAt(times.level + 1, cond);
        if (r.s !== 'num' || r.v <= 0n || (r.v & (r.v - 1n)) !== 0n) this.fail(t, DIVISION);
        l = t.text === '%' ? this.binSyn('&', l, this.node(t, { s: 'num', v: r.v - 1n })) : this.binSyn('>>', l, this.node(t, { s: 'num', v: BigInt(r.v.toString(2).length - 1) }));
        continue;
      }
      const o = operators.get(t.text);
      if (!o || o.level < level) return l;
      this.next();
      l = this.binSyn(o.op, l, this.binaryAt(o.level + 1, cond));
    }
  }

  private unaryExpr(cond: boolean): Syn {
    const t = this.tok;
    const word = t.kind === 'eof' || t.kind === 'name' ? '' : t.text; // what this.is() compares, read once
    if (word === '!' || word === '~' || word === '-') {
      return this.nested(() => {
        this.next();
        if (t.text === '-' && this.tok.kind === 'number' && !this.unstored) this.fail(t, 'negative numbers are not values a device or CPU can store here');
        const e = this.unaryExpr(cond);
        const op: UnaryOp = cond && t.text === '~' ? '!' : (t.text as UnaryOp);
        return e.s === 'num' ? this.node(t, { s: 'num', v: unary(op, e.v) }) : this.node(t, { s: 'un', op, e }, e);
      });
    }
    if (word === '*') {
      const castType = this.toks[this.i + 2]?.kind === 'ident' && (this.is('*', 3) || this.is('[', 3));
      if (this.is('(', 1) && (this.isTypeStart(2) || castType)) return this.nested(() => this.deref());
      return this.nested(() => {
        this.next();
        const e = this.unaryExpr(cond);
        return this.node(t, { s: 'star', e }, e);
      });
    }
    if (word === '&') {
      return this.nested(() => {
        this.next();
        const e = this.unaryExpr(cond);
        if (e.s === 'name' && e.index !== undefined) return this.node(t, { s: 'ref', name: e.name, index: e.index });
        return this.node(t, { s: 'addr', e }, e);
      });
    }
    if (word === 'sizeof') return this.nested(() => this.sizeofExpr(cond));
    if (word === 'offsetof') return this.nested(() => this.offsetofExpr());
    if (word === '(') {
      if (this.isTypeStart(1)) return this.nested(() => this.cast(cond));
      return this.nested(() => {
        this.next();
        const inner = cond ? this.binaryAt(0, cond) : this.assignExpr();
        this.expectText(')', 'to close the parenthesis');
        return this.postfix(inner, cond);
      });
    }
    if (word === '{') {
      return this.nested(() => {
        this.next();
        const items: Syn[] = [this.binaryAt(0, cond)];
        while (this.is(',')) { this.next(); items.push(this.binaryAt(0, cond)); }
        this.expectText('}', 'to close the list of values');
        return this.node(t, { s: 'list', items }, ...items);
      });
    }
    if (t.kind === 'number') { this.next(); return this.node(t, { s: 'num', v: integer(t, 'a number') }); }
    if (word === '++' || word === '--') this.fail(t, `'${t.text}' inside an expression is not supported: write it as its own statement (${t.text}x;)`);
    // true, false and NULL (include/linux/stddef.h: ((void *)0)) are the numbers they stand for
    if (!cond && (word === 'true' || word === 'false' || word === 'NULL')) { this.next(); return this.node(t, { s: 'num', v: t.text === 'true' ? 1n : 0n }); }
    if (t.kind !== 'ident') this.fail(t, `expected an argument, found ${this.found(t)}`);
    this.next();
    if (cond && this.is(':')) {
      this.next();
      const reg = this.ident(`a register of '${t.text}' after ':'`);
      return this.node(t, { s: 'treg', actor: t.text, name: reg.text });
    }
    if (this.is('(')) return this.postfix(this.nested(() => this.callArgs(t, cond)), cond);
    return this.postfix(this.node(t, { s: 'name', name: t.text }), cond);
  }

  /** [i], .field, ->field after a primary expression. `name[constant]` stays a name with an index (an sg entry, or an element). */
  private postfix(e: Syn, cond: boolean): Syn {
    let depth = 0;
    try {
      for (;;) {
        const t = this.tok;
        if (this.is('[')) {
          this.next();
          const i = this.binaryAt(0, cond);
          this.expectText(']', 'after the index');
          if (e.s === 'name' && e.index === undefined && i.s === 'num') e = this.node(e.tok, { s: 'name', name: e.name, index: this.small(i.v, i.tok, 'an index') });
          else e = this.node(e.tok, { s: 'index', base: e, i }, e, i);
        } else if (this.is('.') || this.is('->')) {
          this.next();
          const f = this.ident(`a member name after '${t.text}'`);
          e = this.node(f, { s: 'member', base: e, field: f.text, arrow: t.text === '->' }, e);
        } else if (this.is('++') || this.is('--')) {
          this.fail(t, `'${t.text}' inside an expression is not supported: write it as its own statement (x${t.text};)`);
        } else {
          return e;
        }
        if (++depth > MAX_NESTING) this.fail(t, `more than ${MAX_NESTING} nested indices and members`);
      }
    } finally {
      // nothing to undo: depth only bounds the loop
    }
  }

  /** (u16)x: an unsigned cast keeps the low bytes; a pointer cast has no meaning without a buffer. */
  private cast(cond: boolean): Syn {
    const open = this.next();
    const type = this.typeName('a type');
    this.expectText(')', 'to close the cast');
    const e = this.unaryExpr(cond);
    if (type.k !== 'int') this.fail(open, 'a pointer cast is not supported: name the buffer, &ring[i], or *(u32 *)(buf + offset)');
    if (type.size >= 8) return e;
    return this.binSyn('&', e, this.node(open, { s: 'num', v: (1n << BigInt(type.size * 8)) - 1n }));
  }

  /** sizeof(type), sizeof(expression), sizeof expression */
  private sizeofExpr(cond: boolean): Syn {
    const kw = this.next();
    if (this.is('(') && this.isTypeStart(1)) {
      this.next();
      const type = this.arraySuffix(this.typeName('a type'), (what) => this.constant(what));
      this.expectText(')', 'to close sizeof(');
      return this.node(kw, { s: 'num', v: BigInt(sizeOf(type)) });
    }
    const e = this.unaryExpr(cond);
    return this.node(kw, { s: 'sizeof', e }, e);
  }

  /** offsetof(struct NAME, member.member[2]) */
  private offsetofExpr(): Syn {
    const kw = this.next();
    this.expectText('(', "after 'offsetof'");
    let type = this.typeName('a struct type');
    this.expectText(',', 'after the struct type in offsetof(struct NAME, member)');
    let off = 0;
    for (;;) {
      if (type.k !== 'struct') this.fail(this.tok, `offsetof: '${this.tok.text}' is not in a struct`);
      const f = this.ident('a member name');
      const field = type.fields.get(f.text);
      if (!field) this.fail(f, `struct ${type.name} has no member '${f.text}'`);
      off += field.off;
      type = field.type;
      while (this.is('[')) {
        if (type.k !== 'array') this.fail(this.tok, `'${f.text}' is not an array`);
        this.next();
        const i = this.constant('an array index');
        this.expectText(']', 'after the index');
        off += i * sizeOf(type.of);
        type = type.of;
      }
      if (!this.is('.')) break;
      this.next();
    }
    this.expectText(')', 'to close offsetof(');
    return this.node(kw, { s: 'num', v: BigInt(off) });
  }

  /** A constant expression (a size, a count, an offset): #defines, sizeof and arithmetic fold to a number. */
  protected constant(what: string): number {
    const e = this.desugar(this.binaryAt(0, false));
    if (e.s !== 'num') this.fail(e.tok, `expected ${what} (a constant)`);
    return this.small(e.v, e.tok, what);
  }

  /** Sizes, offsets, addresses and counts: exact as JS numbers (the limits of compile() are far lower). */
  protected small(v: bigint, t: Token, what: string): number {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(t, `${what} ${/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t.text) && BigInt(t.text) === v ? t.text : valueText(v)} is too large`);
    return Number(v);
  }

  /** name( args ): the identity conversions (le32_to_cpu, ...) give their argument back. */
  private callArgs(name: Token, cond: boolean): Syn {
    this.next();
    const args: Syn[] = [];
    const signature = CPU_CALLS[name.text] ?? DEVICE_CALLS[name.text] ?? '(';
    const dev = deviceParameter(signature);
    // An argument is an assignment-expression (C11 6.5.2): `cpu_to_le32(last ? EOR : 0)` as
    // drivers write it, where ',' ends the argument. A condition's argument stays an operator
    // chain: there ':' names a thread's register (cpu0:r).
    const arg = () => (args.length === dev ? this.deviceArg() : cond ? this.binaryAt(0, cond) : this.assignExpr());
    if (!this.is(')')) {
      args.push(arg());
      while (this.is(',')) { this.next(); args.push(arg()); }
    }
    const end = this.expectText(')', `to close ${name.text}${signature === '(' ? '(' : signature}`);
    if (IDENTITY_FUNCTIONS.has(name.text)) {
      if (args.length !== 1) this.fail(name, `${name.text}() takes one argument`);
      return args[0];
    }
    const builtin = this.builtin(name, args);
    if (builtin) return builtin;
    if (name.text in SWAB_FUNCTIONS) {
      if (args.length !== 1) this.fail(name, `${name.text}() takes one argument`);
      if (args[0].s === 'num') return this.node(name, { s: 'num', v: swab(args[0].v, SWAB_FUNCTIONS[name.text]) });
    }
    return this.node(name, { s: 'call', name: name.text, args, end }, ...args);
  }

  /**
   * The struct device of a DMA API call, written as the driver writes it: `dev`, `&pdev->dev`,
   * `priv->dev`, `ndev->dev.parent`. The model has one device per DMA engine thread and the
   * argument says nothing more, so its tokens are taken as they are, up to the next argument.
   */
  private deviceArg(): Syn {
    const first = this.tok;
    for (let depth = 0; ; this.next()) {
      const t = this.tok;
      if (t.kind === 'eof' || (depth === 0 && (this.is(',') || this.is(')')))) break;
      if (this.is('(') || this.is('[')) depth++;
      else if (this.is(')') || this.is(']')) depth--;
    }
    if (this.tok === first) this.fail(first, 'expected the struct device (dev) as the first argument');
    return this.node(first, { s: 'name', name: 'dev' });
  }

  /** The kernel's bit macros (src/litmus/bit-macros.ts), as C expressions. */
  private builtin(name: Token, args: Syn[]): Syn | undefined {
    return bitMacro(name, args, {
      num: (v) => this.node(name, { s: 'num', v }),
      bin: (op, l, r) => this.binSyn(op, l, r),
      cond: (c, a, b) => (c.s === 'num' ? (c.v !== 0n ? a : b) : this.node(name, { s: 'cond', c, a, b }, c, a, b)),
      not: (x) => (x.s === 'num' ? this.node(name, { s: 'num', v: x.v === 0n ? 1n : 0n }) : this.node(name, { s: 'un', op: '!', e: x }, x)),
      fail: (at, message) => this.fail(at, message),
    });
  }

  /** *(u32 *)ptr — the access size comes from the type; the pointer binds as a cast's operand does. */
  private deref(): Syn {
    const star = this.expectText('*', 'before the cast');
    this.expectText('(', "in the cast '*(u32 *)'");
    const ty = this.ident('a type such as u32');
    let size = scalarTypeSize(ty.text) ?? scalarSize(ty.text);
    if (size === undefined) this.fail(ty, `unknown type '${ty.text}': use u8, u16, u32, u64 (u24, u40, u48, u56 for odd widths), __le16, int, ... or u8[N]`);
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

  /** `body` is a fresh object literal at every call: it becomes the node (no copy). */
  protected node(tok: Token, body: DistributiveOmit<Syn, 'tok' | 'd'>, ...children: Syn[]): Syn {
    let d = 1;
    for (const c of children) d = Math.max(d, c.d + 1);
    if (d > MAX_EXPR_DEPTH) this.fail(tok, `expression more than ${MAX_EXPR_DEPTH} operators deep; split it with a register`);
    const n = body as Syn;
    n.tok = tok;
    n.d = d;
    return n;
  }
}

function scalarSize(name: string): number | undefined {
  const t = scalarType(name);
  return t?.k === 'int' ? t.size : undefined;
}

