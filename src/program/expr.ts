// Values computed by a thread: C expressions over u64 integers, a thread's registers, DMA handles
// (the bus address as a value) and, in conditions, other threads' registers and final memory.
// Arithmetic wraps like C's u64 (BigInt.asUintN(64, ...)); comparisons and && || ! give 0 or 1.
// Division and modulo are left out on purpose: a driver's ring index wraps with & (size - 1).

import type { Value } from './types.js';

export type BinaryOp = '+' | '-' | '*' | '&' | '|' | '^' | '<<' | '>>' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';
export type UnaryOp = '~' | '!' | '-';

export const BINARY_OPS: readonly BinaryOp[] = ['+', '-', '*', '&', '|', '^', '<<', '>>', '==', '!=', '<', '<=', '>', '>=', '&&', '||'];

export type Expr =
  | { k: 'num'; v: Value }
  /** A register of this thread: any identifier the thread assigns. */
  | { k: 'reg'; name: string }
  /**
   * A DMA handle as a value: its bus address, which differs between platforms (swiotlb). With an
   * entry, a scatterlist's DMA segment: sg_dma_address(&sgl[entry]).
   */
  | { k: 'handle'; name: string; entry?: number }
  /** sg_dma_len(&sgl[entry]): the length of a scatterlist's DMA segment, which the kernel decides (dma-iommu merges). */
  | { k: 'sgLen'; name: string; entry: number }
  /** Path programs only (src/exec/paths.ts): the value op `op` of this thread read (into register `name`). */
  | { k: 'read'; op: number; name?: string }
  /** In a wait loop's condition: the value this poll's load just returned. */
  | { k: 'polled' }
  /** In an exists/forall condition: a thread's register at the end. */
  | { k: 'treg'; actor: string; name: string }
  /** In an exists/forall condition: final memory, as the CPU reads it (little-endian). */
  | { k: 'mem'; buf: string; off: number; size: number }
  | { k: 'un'; op: UnaryOp; e: Expr }
  | { k: 'bin'; op: BinaryOp; l: Expr; r: Expr };

export const num = (v: Value | number): Expr => ({ k: 'num', v: BigInt(v) });

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const bool = (b: boolean): Value => (b ? 1n : 0n);

/** One operator on two u64s, as C computes it on unsigned long long (shifts by ≥ 64 give 0). */
export function binary(op: BinaryOp, l: Value, r: Value): Value {
  switch (op) {
    case '+': return u64(l + r);
    case '-': return u64(l - r);
    case '*': return u64(l * r);
    case '&': return l & r;
    case '|': return l | r;
    case '^': return l ^ r;
    case '<<': return r >= 64n ? 0n : u64(l << r);
    case '>>': return r >= 64n ? 0n : l >> r;
    case '==': return bool(l === r);
    case '!=': return bool(l !== r);
    case '<': return bool(l < r);
    case '<=': return bool(l <= r);
    case '>': return bool(l > r);
    case '>=': return bool(l >= r);
    case '&&': return bool(l !== 0n && r !== 0n);
    case '||': return bool(l !== 0n || r !== 0n);
  }
}

export function unary(op: UnaryOp, v: Value): Value {
  switch (op) {
    case '~': return u64(~v);
    case '!': return bool(v === 0n);
    case '-': return u64(-v);
  }
}

/** Evaluate with every leaf that is not a number answered by `leaf`. */
export function evaluate(e: Expr, leaf: (e: Expr) => Value): Value {
  switch (e.k) {
    case 'num': return e.v;
    case 'un': return unary(e.op, evaluate(e.e, leaf));
    case 'bin': {
      // && and || short-circuit as in C: the right side is not needed (nor its leaves).
      const l = evaluate(e.l, leaf);
      if (e.op === '&&' && l === 0n) return 0n;
      if (e.op === '||' && l !== 0n) return 1n;
      return binary(e.op, l, evaluate(e.r, leaf));
    }
    default: return leaf(e);
  }
}

/** Every leaf of an expression that is not a number, left to right. */
export function leaves(e: Expr, out: Expr[] = []): Expr[] {
  if (e.k === 'un') leaves(e.e, out);
  else if (e.k === 'bin') { leaves(e.l, out); leaves(e.r, out); }
  else if (e.k !== 'num') out.push(e);
  return out;
}
