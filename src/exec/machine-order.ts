// May a CPU op be performed ahead of earlier ones of its thread (src/exec/ordering.ts)? The
// precedence table, refined by the bytes two accesses touch once their addresses are known;
// guards for a load that passed an access at a still unknown address; store-buffer forwarding.

import { leaves, type Expr } from '../program/expr.js';
import type { CpuOp } from '../program/types.js';
import { DYNAMIC, exactRelation, FORWARD, ORDERED, overlaps } from './ordering.js';
import type { Guard } from './machine-state.js';
import { MachineValues } from './machine-values.js';

export abstract class MachineOrder extends MachineValues {
  /**
   * May CPU actor a perform its pending op j now, ahead of the earlier ops still pending? null if
   * an ordering rule forbids it; else the pending earlier stores whose bytes j reads from the
   * store buffer (store-buffer forwarding), oldest first.
   */
  mayPerform(a: number, j: number): readonly number[] | null {
    return this.ahead(a, j)?.forwarded ?? null;
  }

  /** mayPerform, with the guards performing j ahead of accesses at still unknown addresses sets. */
  protected ahead(a: number, j: number): Ahead | null {
    const ca = this.c.actors[a];
    const row = ca.precedence[j];
    const done = this.performed[a];
    let check = false;
    for (let i = this.next[a]; i < j; i++) {
      if (done[i] || row[i] === 0) continue;
      if (row[i] === ORDERED) return null;
      check = true;
    }
    if (!check) return IN_ORDER;
    let forwarded: number[] | undefined;
    let guards: Omit<Guard, 'prev'>[] | undefined;
    const rj = row.includes(DYNAMIC) ? this.bytesTouched(a, j) : undefined;
    for (let i = this.next[a]; i < j; i++) {
      if (done[i] || row[i] === 0) continue;
      let rel = row[i];
      if (rel === DYNAMIC) {
        if (!rj) return null; // j's own address is not known yet (its address read is ordered before it)
        const ri = this.bytesTouched(a, i);
        if (!ri) {
          // i's address read is still pending: j goes first on the condition that i misses its bytes
          (guards ??= []).push({ actor: a, op: i, bytes: rj });
          continue;
        }
        rel = exactRelation(ca.order[i], ca.order[j], ri, rj);
        if (rel === ORDERED) return null;
      }
      if (rel === FORWARD) {
        // data; lrs and addr; lrs (aarch64hwreqs.cat dob): forwarding waits for the reads the store computes with
        if (!this.computable(a, i)) return null;
        (forwarded ??= []).push(i);
      }
    }
    return { forwarded: forwarded ?? NOTHING_FORWARDED, guards: guards ?? [] };
  }

  /** Are the reads op i of actor a computes with all performed? */
  private computable(a: number, i: number): boolean {
    const op = this.c.actors[a].actor.ops[i] as { offExpr?: Expr; valueExpr?: Expr; sizeExpr?: Expr };
    const ready = (e: Expr | undefined) => !e || leaves(e).every((l) => l.k !== 'read' || this.vals[a][l.op] !== undefined);
    return ready(op.offExpr) && ready(op.valueExpr) && ready(op.sizeExpr);
  }

  /** The bytes CPU op k touches, as [lo, hi) physical pairs: [] outside its buffer; undefined while its computed address is unknown. */
  private bytesTouched(a: number, k: number): readonly number[] | undefined {
    const cls = this.c.actors[a].order[k];
    const op = this.c.actors[a].actor.ops[k] as { buf: string; off: number; size: number; offExpr?: Expr; sizeExpr?: Expr };
    if (!cls.computed || !(op.offExpr || op.sizeExpr)) return cls.ranges;
    if (!this.computable(a, k)) return undefined;
    const b = this.buf(op.buf);
    const off = BigInt(op.off) + (op.offExpr ? this.evaluate(a, op.offExpr) : 0n);
    const size = this.lengthOf(a, op);
    if (size === undefined || off < 0n || off + BigInt(size) > BigInt(b.size)) return [];
    return [b.addr + Number(off), b.addr + Number(off) + size];
  }

  /** Op i was just performed: an execution in which a load went ahead of it and i touches that load's bytes is not an Arm execution. */
  protected checkGuards(a: number, i: number): void {
    let r: readonly number[] | undefined;
    for (let g = this.guards; g; g = g.prev) {
      if (g.actor !== a || g.op !== i) continue;
      r ??= this.bytesTouched(a, i) ?? [];
      if (overlaps(r, g.bytes)) this.dead = 'infeasible';
    }
  }

  /** A CPU load: memory as the world answers it, overlaid with the CPU's own pending stores (program order: newest wins). */
  protected load(a: number, j: number, op: { buf: string; off: number; size: number }, forwarded: readonly number[]): Uint8Array {
    const bytes = this.world.cpuLoad(this.buf(op.buf), op.off, op.size);
    if (!forwarded.length) return bytes;
    const lo = this.buf(op.buf).addr + op.off;
    for (const i of forwarded) {
      const store = this.c.actors[a].actor.ops[i] as Extract<CpuOp, { op: 'store' }>;
      const data = this.storeBytes(a, i, store); // its reads are performed: Machine.ahead
      const at = this.bytesTouched(a, i)![0];
      for (let k = 0; k < data.length; k++) if (at + k >= lo && at + k < lo + op.size) bytes[at + k - lo] = data[k];
      this.trace?.[this.trace.length - 1].effects.push({ kind: 'forwarded', op: i });
    }
    return bytes;
  }
}

export const NOTHING_FORWARDED: readonly number[] = [];
export interface Ahead { forwarded: readonly number[]; guards: readonly Omit<Guard, 'prev'>[] }
export const IN_ORDER: Ahead = { forwarded: NOTHING_FORWARDED, guards: [] };
