// src/program/expr-values.ts: the values an expression can take are a superset of every value it
// takes in an execution (soundness: computed-targets.ts and footprints.ts rely on it), and a leaf
// that appears several times is one value (be64_to_cpu(x) written out as eight shifted bytes of x).

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { binary, evaluate, type BinaryOp, type Expr } from '../src/program/expr.js';
import { possibleValues } from '../src/program/expr-values.js';

const read = (op: number): Expr => ({ k: 'read', op });
const num = (v: bigint): Expr => ({ k: 'num', v });
const bin = (op: BinaryOp, l: Expr, r: Expr): Expr => ({ k: 'bin', op, l, r });

/** __swab64(x) as the parser writes be64_to_cpu(): eight bytes of x, shifted and or-ed. */
function swab64(x: Expr): Expr {
  let e: Expr | undefined;
  for (let k = 0; k < 8; k++) {
    const byte = bin('&', k ? bin('>>', x, num(BigInt(8 * k))) : x, num(0xffn));
    const placed = bin('<<', byte, num(BigInt(8 * (7 - k))));
    e = e ? bin('|', e, placed) : placed;
  }
  return e!;
}

describe('possibleValues', () => {
  test('be64_to_cpu() of a field with three values takes three values (each byte of the same read, not every mix of them)', () => {
    const values = [0n, 0x0010204000000000n, 0x0018224000000000n]; // zeroed, cpu_to_be64(0x40201000), cpu_to_be64(0x40221800)
    const got = possibleValues(swab64(read(1)), (x) => (x.k === 'read' ? values : undefined));
    expect(got?.sort()).toEqual([0n, 0x40201000n, 0x40221800n]);
  });

  test('a leaf nobody knows still gives what the operators bound: !x is 0 or 1, x & 6 a submask of 6', () => {
    expect(possibleValues({ k: 'un', op: '!', e: read(1) })?.sort()).toEqual([0n, 1n]);
    expect(possibleValues(bin('&', read(1), num(6n)))?.sort((a, b) => Number(a - b))).toEqual([0n, 2n, 4n, 6n]);
  });

  const OPS: BinaryOp[] = ['+', '-', '*', '&', '|', '^', '<<', '>>', '==', '!=', '<', '&&', '||'];
  const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      fc.integer({ min: 0, max: 2 }).map(read),
      fc.bigInt({ min: 0n, max: 300n }).map(num),
      fc.record({ op: fc.constantFrom(...OPS), l: tie('e'), r: tie('e') }).map(({ op, l, r }) => bin(op, l, r))),
  })).e;

  test('every value an execution computes is listed (or the answer is "unknown")', () => {
    fc.assert(fc.property(exprArb, fc.array(fc.uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 3 }), (e, sets) => {
      const got = possibleValues(e, (x) => (x.k === 'read' ? sets[x.op] : undefined));
      if (!got) return;
      for (const a of sets[0]) for (const b of sets[1]) for (const c of sets[2]) {
        const v = evaluate(e, (x) => (x.k === 'read' ? [a, b, c][x.op] : 0n));
        expect(got, `${v} missing`).toContain(v);
      }
    }), { seed: 20261206, numRuns: 300 });
  });

  test('binary() is what both evaluations apply (the exact one must not invent its own arithmetic)', () => {
    expect(possibleValues(bin('-', read(0), num(1n)), () => [0n])).toEqual([binary('-', 0n, 1n)]);
  });
});
