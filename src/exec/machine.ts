// The scheduler shared by the arm64 model and the ideal platform: actors' program counters,
// MMIO registers, interrupts, blocking, out-of-order CPU ops, observations. What it holds, the
// values it computes, the ordering rules and each op are in src/exec/machine-*.ts.

import { hasOuterLevel, type Step } from './execution.js';
import { opId } from './op-id.js';
import type { TraceEntry } from './trace.js';
import { IN_ORDER } from './machine-order.js';
import { MachineOps } from './machine-ops.js';
import type { EarlyAssume } from './early-assumes.js';
import type { AssumeOp } from '../program/types.js';

export type { TraceEntry } from './trace.js';

export class Machine extends MachineOps {
  /** A copy to branch from: the two share rows and maps until either writes them (MachineState). */
  clone(): Machine {
    return new Machine(this.c, this.world.clone(), this);
  }

  /** Apply one step of an execution; false when it could not happen. */
  step(s: Step): boolean {
    if (this.bailedOut !== undefined || this.dead) return false;
    if ('run' in s) {
      const a = this.c.actorIndex.get(s.run);
      return a !== undefined && this.run(a, s.skip ?? 0);
    }
    if (!this.world.weak) return false;
    if (s.level !== undefined && !hasOuterLevel(this.c.platform)) return false; // a cache level this platform does not have
    this.trace?.push({ event: s, effects: [] });
    if ('fill' in s) this.world.fill(s.fill, s.level ?? 1);
    else this.world.evict(s.evict, s.level ?? 1);
    return true;
  }

  /** Index of the actor's `skip`-th pending op, or -1. */
  pendingOp(a: number, skip: number): number {
    const done = this.performed[a];
    for (let j = this.next[a]; j < done.length; j++) {
      if (done[j]) continue;
      if (skip === 0) return j;
      skip--;
    }
    return -1;
  }

  /**
   * Is op j of actor a certainly unable to run now? Answers only from the scheduler's own state
   * (interrupts, doorbells, mappings), never by touching memory, so the searches can skip an actor
   * without cloning the machine to find out. False means "try it".
   */
  blocked(a: number, j: number): boolean {
    const op = this.c.actors[a].actor.ops[j];
    switch (op.op) {
      case 'wait_irq': return (this.irqRaised.get(op.irq) ?? 0) <= (this.irqTaken.get(op.irq) ?? 0);
      case 'wait_doorbell': return op.anyWrite ? (this.regWrites.get(op.reg) ?? 0) <= (this.regWritesSeen.get(op.reg) ?? 0) : (this.regs.get(op.reg) ?? 0n) !== op.value;
      case 'dma_read': case 'dma_write': case 'dma_poll': return !op.addr && this.world.deviceAddress(op.handle, op.entry ?? 0, op.off) === 'unmapped';
      default: return false;
    }
  }

  /** Perform actor a's skip-th pending op if the ordering rules and its wait condition allow. */
  run(a: number, skip: number): boolean {
    if (this.bailedOut !== undefined || this.dead) return false;
    const ca = this.c.actors[a];
    if (skip > 0 && (!this.world.weak || ca.actor.kind !== 'cpu')) return false;
    const j = this.pendingOp(a, skip);
    if (j < 0) return false;
    const may = skip > 0 ? this.ahead(a, j) : IN_ORDER;
    if (!may) return false;
    const forwarded = may.forwarded;
    this.own(a);
    const entry: TraceEntry | undefined = this.trace ? { actor: ca.actor.name, op: j, effects: [] } : undefined;
    if (entry) this.trace!.push(entry);
    const ok = ca.actor.kind === 'cpu' ? this.cpu(a, j, ca.actor.ops[j], forwarded) : this.device(a, j, ca.actor.ops[j]);
    if (!ok) {
      if (entry) this.trace!.pop();
      return false;
    }
    this.performed[a][j] = 1;
    if (ca.early[j] && this.world.weak) this.decideEarly(a, ca.early[j]!);
    if (skip > 0) this.reordered = true;
    for (const g of may.guards) this.guards = { ...g, prev: this.guards };
    if (this.guards) this.checkGuards(a, j);
    while (this.next[a] < this.performed[a].length && this.performed[a][this.next[a]]) this.next[a]++;
    this.last = { code: opId(a, j), prev: this.last };
    return true;
  }

  /** An assume this read decided false: the execution is not one of this path's (src/exec/early-assumes.ts). */
  private decideEarly(a: number, assumes: readonly EarlyAssume[]): void {
    const vals = this.vals[a];
    for (const { op, reads } of assumes) {
      if (this.performed[a][op] || reads.some((i) => vals[i] === undefined)) continue;
      if (this.evaluate(a, (this.c.actors[a].actor.ops[op] as AssumeOp).cond) === 0n) {
        this.dead = 'infeasible';
        return;
      }
    }
  }

  /** After the chosen steps: every actor runs in program order, no more hardware events, until none can move. */
  finish(): void {
    let progress = true;
    while (progress && this.bailedOut === undefined && !this.dead) {
      progress = false;
      for (let a = 0; a < this.c.actors.length; a++) while (this.run(a, 0)) progress = true;
    }
  }
}
