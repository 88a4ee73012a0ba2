// The kernel's bit macros and byte swaps as C expressions: BIT(), GENMASK() (include/linux/bits.h),
// FIELD_GET()/FIELD_PREP() (include/linux/bitfield.h), lower/upper_32_bits() (include/linux/kernel.h),
// and __swab16/32/64 (include/uapi/linux/swab.h), which be*_to_cpu and cpu_to_be* are on arm64.

import type { BinaryOp } from '../program/expr.js';
import type { Token } from './lexer.js';
import type { Pos } from './litmus-error.js';
import type { Syn } from './syntax.js';

interface Build {
  num(v: bigint): Syn;
  bin(op: BinaryOp, l: Syn, r: Syn): Syn;
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
  }
  return undefined;
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

