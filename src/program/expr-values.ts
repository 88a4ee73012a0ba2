// The values an expression can take, when they are few. Exactly when its leaves (reads, handles,
// registers) are all known and have few combinations: the expression evaluated for each, one
// value per leaf however often it appears, so be64_to_cpu(x), written out as eight shifted bytes
// of the same x, takes as many values as x does. Else an abstract evaluation over small sets of
// u64s, "unknown" (undefined) as soon as a set would grow past the limit. A read is unknown, yet
// `!x`, `x == y`, `x & BIT(13)` or `!!(x & WRAP) * 4096` are not: a driver's computed ring offset
// `(bdp - &ring[0]) * RX_BUF_SIZE` takes two values, not every byte of its page. Sound because
// every operator is applied to every pair of possible operands (correlations between operands
// are forgotten: the result may be larger than the truth, never smaller).

import { binary, evaluate, leaves, unary, type Expr } from './expr.js';
import type { Value } from './types.js';

/** More possible values than this: unknown. */
export const VALUE_SET_LIMIT = 64;

const BOOLEAN: readonly Value[] = [0n, 1n];
const BOOLEAN_OPS = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||']);

/**
 * The possible values of `e`, or undefined when they may be more than `limit`. `leaf` answers the
 * leaves that are not numbers (registers, reads, handles), undefined when unknown.
 */
export function possibleValues(e: Expr, given: (e: Expr) => readonly Value[] | undefined = () => undefined, limit = VALUE_SET_LIMIT): Value[] | undefined {
  // each distinct leaf asked once (answering may be work: a descriptor field's every writer)
  const answers = new Map<string, readonly Value[] | undefined>();
  const leaf = (x: Expr) => {
    const k = leafKey(x);
    if (!answers.has(k)) answers.set(k, given(x));
    return answers.get(k);
  };
  const exact = combinations(e, leaf, limit);
  if (exact !== 'too many') return exact;
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

/** More combinations of leaf values than this: not enumerated (the abstract evaluation instead). */
const COMBINATION_LIMIT = VALUE_SET_LIMIT * VALUE_SET_LIMIT;

/**
 * The values of `e` evaluated at every combination of its leaves' values, each distinct leaf one
 * value in an evaluation (as in an execution: the same read twice is one value): undefined when
 * they are more than `limit`, 'too many' when a leaf is unknown or the combinations are too many
 * to list (then the abstract evaluation answers, which knows `!x` and `x & K` of an unknown x).
 */
function combinations(e: Expr, leaf: (x: Expr) => readonly Value[] | undefined, limit: number): Value[] | undefined | 'too many' {
  const index = new Map<string, number>(); // each distinct leaf's place in `sets`
  const slot = new Map<Expr, number>(); // each occurrence's
  const sets: (readonly Value[])[] = [];
  let count = 1;
  for (const x of leaves(e)) {
    const k = leafKey(x);
    let i = index.get(k);
    if (i === undefined) {
      const vs = leaf(x);
      if (!vs || !vs.length) return 'too many';
      count *= vs.length;
      if (count > COMBINATION_LIMIT) return 'too many';
      i = sets.push(vs) - 1;
      index.set(k, i);
    }
    slot.set(x, i);
  }
  const at = sets.map(() => 0);
  const out = new Set<Value>();
  for (;;) {
    out.add(evaluate(e, (x) => sets[slot.get(x)!][at[slot.get(x)!]]));
    if (out.size > limit) return undefined; // the exact set is a subset of the abstract one: that is larger still
    let i = 0;
    while (i < at.length && ++at[i] === sets[i].length) at[i++] = 0;
    if (i === at.length) return [...out];
  }
}

/** A leaf's identity: the same read, handle, register or memory word wherever it appears. */
function leafKey(x: Expr): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
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
