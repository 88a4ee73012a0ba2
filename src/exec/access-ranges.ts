// The bytes a CPU access may touch, as the searches need them to know which lines matter: its
// own bytes, or for an offset computed at run time, the bytes at each offset its expression can
// take (src/program/expr-values.ts) — or the whole buffer when those are too many to list.

import type { Expr } from '../program/expr.js';
import { possibleValues } from '../program/expr-values.js';
import type { Compiled } from './compile.js';

export interface ByteRange { addr: number; size: number }

export function accessRanges(c: Compiled, op: { buf: string; off: number; size: number; offExpr?: Expr }): ByteRange[] {
  const buf = c.layout.buffers.get(op.buf)!;
  if (!op.offExpr) return [{ addr: buf.addr + op.off, size: op.size }];
  const whole = [{ addr: buf.addr, size: buf.size }];
  const values = possibleValues(op.offExpr);
  if (!values) return whole;
  const out: ByteRange[] = [];
  for (const v of values) {
    const off = BigInt(op.off) + v;
    // Past the buffer the machine refuses the access (a program error), so it touches nothing.
    if (off < 0n || off + BigInt(op.size) > BigInt(buf.size)) continue;
    out.push({ addr: buf.addr + Number(off), size: op.size });
  }
  return out;
}
