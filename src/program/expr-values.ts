// The values an expression can take, when they are few: an abstract evaluation over small sets
// of u64s, "unknown" (undefined) as soon as a set would grow past the limit. A read is unknown,
// yet `!x`, `x == y`, `x & BIT(13)` or `!!(x & WRAP) * 4096` are not: a driver's computed ring
// offset `(bdp - &ring[0]) * RX_BUF_SIZE` takes two values, not every byte of its page. Sound
// because every operator is applied to every pair of possible operands (correlations between
// operands are forgotten: the result may be larger than the truth, never smaller).

import { binary, unary, type Expr } from './expr.js';
import type { Value } from './types.js';

/** More possible values than this: unknown. */
export const VALUE_SET_LIMIT = 64;

const BOOLEAN: readonly Value[] = [0n, 1n];
const BOOLEAN_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||']);

/**
 * The possible values of `e`, or undefined when they may be more than `limit`. `leaf` answers the
 * leaves that are not numbers (registers, reads, handles), undefined when unknown.
 */
export function possibleValues(e: Expr, leaf: (e: Expr) => readonly Value[] | undefined = () => undefined, limit = VALUE_SET_LIMIT): Value[] | undefined {
  const of = (x: Expr): readonly Value[] | undefined => {
    switch (x.k) {
      case 'num': return [x.v];
      case 'un': {
        if (x.op === '!') {
          const v = of(x.e);
          return v ? distinct(v.map((a) => unary('!', a))) : BOOLEAN;
        }
        const v = of(x.e);
        return v && distinct(v.map((a) => unary(x.op, a)));
      }
      case 'bin': {
        const l = of(x.l), r = of(x.r);
        if (l && r) {
          if (l.length * r.length > limit * limit) return undefined;
          // every pair, giving up as soon as the results pass the limit
          const out = new Set<Value>();
          for (const a of l) {
            for (const b of r) {
              out.add(binary(x.op, a, b));
              if (out.size > limit) return undefined;
            }
          }
          return [...out];
        }
        if (BOOLEAN_OPS.has(x.op)) return BOOLEAN;
        // x & K with K known: every value is a submask of K (of one of them).
        if (x.op === '&' && (l || r)) return submasks((l ?? r)!, limit);
        // 0 * x, x * 0
        if (x.op === '*' && ((l && l.every((a) => a === 0n)) || (r && r.every((b) => b === 0n)))) return [0n];
        return undefined;
      }
      default: return leaf(x);
    }
  };
  const v = of(e);
  return v && v.length <= limit ? [...v] : undefined;
}

function distinct(vs: Value[]): Value[] {
  return [...new Set(vs)];
}

/** Every submask of each mask, or undefined when that is more than `limit` values. */
function submasks(masks: readonly Value[], limit: number): Value[] | undefined {
  const out = new Set<Value>();
  for (const m of masks) {
    let bits = 0;
    for (let x = m; x; x &= x - 1n) bits++;
    if (bits > 20 || out.size + 2 ** bits > limit) return undefined;
    // Walk the submasks of m: s = (s - 1) & m, from m down to 0.
    for (let s = m; ; s = (s - 1n) & m) {
      out.add(s);
      if (s === 0n) break;
    }
  }
  return out.size <= limit ? [...out] : undefined;
}
