// Statements of a device block: doorbells, DMA reads (into registers), writes and polls,
// interrupts, MMIO registers, and `r = expression;`. A device address may be computed: a handle
// plus an expression, or an address the device read (`a = dma_read(ring, 8); dma_write(a, ...)`).

import type { DeviceOp } from '../program/types.js';
import { REGISTER_BYTES } from '../exec/values.js';
import { CpuStatements } from './cpu-statements.js';
import { DEVICE_CALLS } from './vocabulary.js';

export class DeviceStatements extends CpuStatements {
  /** Registers a device block set before this point (a later wait for 0 then waits for the CPU). */
  private readonly regsSet = new Set<string>();

  protected deviceStatement(): DeviceOp {
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(t, `expected a device operation, found ${this.found(t)}`);
    const lhs = this.is('=', 1) ? this.next() : undefined;
    if (lhs) this.next();
    const callFirst = this.tok.kind === 'ident' && this.is('(', 1) && this.tok.text in DEVICE_CALLS;
    if (!lhs || callFirst) this.knownCall(this.tok, DEVICE_CALLS, 'device');
    const c = this.syn();
    if (lhs && (c.s !== 'call' || !(c.name in DEVICE_CALLS))) { // r = expression; (its dma_read()s read first: expressions.ts)
      const value = this.expr(c);
      this.end();
      return { op: 'let', reg: this.assign(lhs), value };
    }
    if (c.s !== 'call') this.fail(c.tok, `expected a call such as ${c.tok.text}(...);`);
    this.end();
    const a = (n: number) => this.arity(c, n);
    if (lhs && c.name !== 'dma_read' && c.name !== 'read_reg') this.fail(t, `${c.name}() returns nothing to assign`);
    switch (c.name) {
      case 'wait_doorbell': {
        a(2);
        const reg = this.register(c.args[0]);
        const value = this.valueArg(c.args[1], this.registerBytes(reg), this.registerBytes(reg) === REGISTER_BYTES);
        // MMIO registers are 0 at reset: waiting for 0 would start the device before the driver ran.
        if (value === 0n && !this.regsSet.has(reg)) this.fail(c.tok, `${reg} is 0 at reset, so wait_doorbell(${reg}, 0) holds before the driver writes anything: wait for the write itself with wait_write(${reg});`);
        return { op: 'wait_doorbell', reg, value };
      }
      // A doorbell any write rings, whatever the value (writel(0, RDAR) on FEC): the engine starts on the write.
      case 'wait_write': a(1); return { op: 'wait_doorbell', reg: this.register(c.args[0]), value: 0n, anyWrite: true };
      case 'set_reg': {
        a(2);
        const reg = this.register(c.args[0]);
        this.regsSet.add(reg);
        return { op: 'set_reg', reg, value: this.valueArg(c.args[1], this.registerBytes(reg), this.registerBytes(reg) === REGISTER_BYTES) };
      }
      case 'read_reg': {
        a(1);
        const op: DeviceOp = { op: 'read_reg', reg: this.register(c.args[0]) };
        return lhs ? { ...op, dst: this.assign(lhs) } : op;
      }
      case 'raise_irq': a(1); return { op: 'raise_irq', irq: this.word(c.args[0], 'an irq name') };
      case 'dma_read': {
        a(2);
        const op: DeviceOp = { op: 'dma_read', ...this.busAddress(c.args[0]), size: this.size(c.args[1]) };
        return lhs ? { ...op, reg: this.assign(lhs) } : op;
      }
      case 'dma_write': {
        a(3);
        const size = this.size(c.args[1]);
        return { op: 'dma_write', ...this.busAddress(c.args[0]), size, ...this.value(c.args[2], size) };
      }
      case 'dma_poll': {
        a(3);
        const size = this.size(c.args[1]);
        return { op: 'dma_poll', ...this.busAddress(c.args[0]), size, value: this.valueArg(c.args[2], size) };
      }
    }
    this.fail(c.tok, `'${c.name}' is not a device operation`);
  }
}
