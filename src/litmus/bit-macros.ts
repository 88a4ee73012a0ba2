// The kernel's bit macros and byte swaps as C expressions: BIT(), GENMASK() (include/linux/bits.h),
// FIELD_GET()/FIELD_PREP() (include/linux/bitfield.h), lower/upper_32_bits() (include/linux/kernel.h),
// and __swab16/32/64 (include/uapi/linux/swab.h), which be*_to_cpu and cpu_to_be* are on arm64; and
// min()/max()/min_t()/max_t() (include/linux/minmax.h), WARN_ON()/WARN_ON_ONCE() (include/asm-generic/bug.h).

import type { BinaryOp } from '../program/expr.js';
import type { Token } from './lexer.js';
import type { Pos } from './litmus-error.js';
import type { Syn } from './syntax-tree.js';
import { scalarType } from './c-types.js';

interface Build {
  num(v: bigint): Syn;
  bin(op: BinaryOp, l: Syn, r: Syn): Syn;
  /** c ? a : b, folded when c is a constant */
  cond(c: Syn, a: Syn, b: Syn): Syn;
  /** !x */
  not(x: Syn): Syn;
  fail(at: Pos, message: string): never;
}

/** name(args) as an expression, or undefined when name is not one of the macros. */
export function bitMacro(name: Token, args: Syn[], b: Build): Syn | undefined {
  const n = b.num;
  const want = (k: number) => { if (args.length !== k) b.fail(name, `${name.text}() takes ${k} argument${k === 1 ? '' : 's'}`); };
  const constMask = (a: Syn) => {
    if (a.s !== 'num' || a.v === 0n) b.fail(a.tok, `${name.text}(): the mask is a nonzero constant (GENMASK(h, l) or BIT(n))`);
    return a.v;
  };
  switch (name.text) {
    case 'BIT': case 'BIT_ULL': want(1); return b.bin('<<', n(1n), args[0]);
    case 'GENMASK': case 'GENMASK_ULL': {
      want(2);
      const [h, l] = args.map((a) => (a.s === 'num' ? a.v : b.fail(a.tok, `${name.text}(h, l) takes constants`)));
      if (h > 63n || l > h) b.fail(name, `${name.text}(${h}, ${l}): needs 63 >= h >= l`);
      return n(((1n << (h + 1n)) - 1n) & ~((1n << l) - 1n));
    }
    case 'FIELD_GET': { want(2); const m = constMask(args[0]); return b.bin('>>', b.bin('&', args[1], n(m)), n(trailingZeros(m))); }
    case 'FIELD_PREP': { want(2); const m = constMask(args[0]); return b.bin('&', b.bin('<<', args[1], n(trailingZeros(m))), n(m)); }
    case 'lower_32_bits': want(1); return b.bin('&', args[0], n(0xffffffffn));
    case 'upper_32_bits': want(1); return b.bin('>>', args[0], n(32n));
    case 'min': case 'max': case 'min_t': case 'max_t': {
      // minmax.h evaluates each argument once (__cmp_once): an argument that reads memory would be
      // read twice here, so it is read into a register first. Values are unsigned 64-bit here.
      const typed = name.text.endsWith('_t');
      want(typed ? 3 : 2);
      let [x, y] = typed ? args.slice(1) : args;
      for (const a of [x, y]) if (readsMemory(a)) b.fail(a.tok, `${name.text}() of a memory read: read it into a register first (v = READ_ONCE(...);), then ${name.text}(v, ...)`);
      if (typed) {
        // min_t(type, x, y) compares (type)x and (type)y: the low bytes of a narrower type
        const t = args[0].s === 'name' ? scalarType(args[0].name) : undefined;
        if (t?.k !== 'int') b.fail(args[0].tok, `${name.text}(type, x, y): expected a scalar type such as u32, found '${args[0].tok.text}'`);
        if (t.size < 8) [x, y] = [x, y].map((v) => b.bin('&', v, n((1n << BigInt(8 * t.size)) - 1n)));
      }
      return b.cond(b.bin(name.text.startsWith('min') ? '<' : '>', x, y), x, y);
    }
    case 'WARN_ON': case 'WARN_ON_ONCE': {
      // the value of WARN_ON(x) is !!x; the warning it prints is not modelled. A call
      // (dma_mapping_error()) keeps its form: only its truth is used, in a condition.
      want(1);
      return args[0].s === 'call' ? args[0] : b.not(b.not(args[0]));
    }
  }
  return undefined;
}

/** Does the expression read memory (an access or a call)? */
function readsMemory(e: Syn): boolean {
  switch (e.s) {
    case 'deref': case 'call': case 'star': case 'index': case 'member': return true;
    case 'un': return readsMemory(e.e);
    case 'bin': return readsMemory(e.l) || readsMemory(e.r);
    case 'cond': return readsMemory(e.c) || readsMemory(e.a) || readsMemory(e.b);
    default: return false;
  }
}

function trailingZeros(v: bigint): bigint {
  let n = 0n;
  while (!((v >> n) & 1n)) n++;
  return n;
}

/** The bytes of the low `size` bytes of v in the other order (__swab16/32/64). */
export function swab(v: bigint, size: number): bigint {
  let out = 0n;
  for (let k = 0; k < size; k++) out |= ((v >> BigInt(8 * k)) & 0xffn) << BigInt(8 * (size - 1 - k));
  return out;
}

