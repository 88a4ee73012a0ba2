// Statements of a device block: doorbells, DMA reads, writes and polls, interrupts, registers.

import type { DeviceOp } from '../program/types.js';
import { REGISTER_BYTES } from '../exec/values.js';
import { CpuStatements } from './cpu-statements.js';
import { DEVICE_CALLS } from './vocabulary.js';

export class DeviceStatements extends CpuStatements {
  protected deviceStatement(): DeviceOp {
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(t, `expected a device operation, found ${this.found(t)}`);
    let lhs = false;
    if (this.is('=', 1)) { this.next(); this.next(); lhs = true; }
    const c = this.call(DEVICE_CALLS, 'device');
    this.end();
    const a = (n: number) => this.arity(c, n);
    if (lhs && c.name !== 'dma_read') this.fail(t, `${c.name}() returns nothing to assign`);
    switch (c.name) {
      case 'wait_doorbell': a(2); return { op: 'wait_doorbell', reg: this.register(c.args[0]), value: this.valueArg(c.args[1], REGISTER_BYTES, true) };
      case 'set_reg': a(2); return { op: 'set_reg', reg: this.register(c.args[0]), value: this.valueArg(c.args[1], REGISTER_BYTES, true) };
      case 'raise_irq': a(1); return { op: 'raise_irq', irq: this.word(c.args[0], 'an irq name') };
      case 'dma_read': {
        a(2);
        return { op: 'dma_read', ...this.busAddr(c.args[0]), size: this.size(c.args[1]) };
      }
      case 'dma_write': case 'dma_poll': {
        a(3);
        const size = this.size(c.args[1]);
        return { op: c.name, ...this.busAddr(c.args[0]), size, value: this.valueArg(c.args[2], size) };
      }
    }
    this.fail(c.tok, `'${c.name}' is not a device operation`);
  }
}
