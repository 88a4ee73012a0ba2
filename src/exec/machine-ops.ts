// Performing one op of a CPU or a device on the machine's world: loads and stores, atomics, MMIO,
// interrupts, the DMA API (through the world), device DMA at a mapped or computed bus address,
// assumes of a path.

import type { Expr } from '../program/expr.js';
import type { CpuOp, DeviceOp, Value } from '../program/types.js';
import { bytesEqual, decodeValue, encodeValue, REGISTER_BYTES } from './values.js';
import { coveredByLiveMapping, cpuAddressOf, type DeviceAddress } from './world.js';
import { MachineOrder } from './machine-order.js';

export abstract class MachineOps extends MachineOrder {
  /**
   * A run in program order that only asks what the kernel decides (mapping-decisions.ts): a
   * poll completes whatever it reads, as a failed assume is passed there, so the maps after a
   * wait for a status another actor never writes on this path still run (what a map returns
   * depends on the mask, the buffer and the pool, not on a value read).
   */
  pollsPass = false;

  protected cpu(a: number, j: number, op: CpuOp, forwarded: readonly number[]): boolean {
    const w = this.world;
    switch (op.op) {
      case 'store': {
        // memset(p, byte, len): the length first, then where those bytes are
        const size = op.sizeExpr ? this.accessLength(a, j, op) : op.size;
        if (size === undefined) return true;
        const off = op.offExpr ? this.offsetOf(a, j, size === op.size ? op : { ...op, size }) : op.off;
        if (off === undefined) return true;
        const bytes = op.valueExpr || op.sizeExpr ? this.storeBytes(a, j, op) : this.bytesOf(a, j, op);
        w.cpuStore(this.buf(op.buf), off, bytes);
        this.noteStore(a, this.buf(op.buf).addr + off, bytes, op.valueExpr);
        return true;
      }
      case 'load': {
        const size = op.sizeExpr ? this.accessLength(a, j, op) : op.size;
        const off = size === undefined ? undefined : op.offExpr ? this.offsetOf(a, j, size === op.size ? op : { ...op, size }) : op.off;
        if (off !== undefined && size !== undefined) this.read(a, j, this.load(a, j, op.offExpr || op.sizeExpr ? { ...op, off, size } : op, forwarded), this.buf(op.buf).addr + off);
        return true;
      }
      case 'poll': {
        const off = op.offExpr ? this.offsetOf(a, j, op) : op.off;
        if (off === undefined) return false; // waits on nothing: hangs, and says where it went
        const bytes = this.load(a, j, op.offExpr ? { ...op, off } : op, forwarded);
        if (this.pollsPass) return true;
        return op.until ? this.evaluate(a, op.until, decodeValue(bytes)) !== 0n : bytesEqual(bytes, this.bytesOf(a, j, op));
      }
      case 'barrier': return true;
      case 'writel': {
        // writeb/writew/writel/writeq move 1, 2, 4 or 8 bytes; a computed value is truncated as C's cast does
        const width = op.width ?? REGISTER_BYTES;
        const value = op.valueExpr ? BigInt.asUintN(8 * width, this.evaluate(a, op.valueExpr)) : op.value;
        this.ownRegs();
        this.regs.set(op.reg, value);
        this.regWrites.set(op.reg, (this.regWrites.get(op.reg) ?? 0) + 1);
        this.noteRegister(a, op.reg, encodeValue(value, width), op.valueExpr);
        return true;
      }
      case 'readl': this.readRegister(a, j, op.reg, encodeValue(BigInt.asUintN(8 * (op.width ?? REGISTER_BYTES), this.regs.get(op.reg) ?? 0n), op.width ?? REGISTER_BYTES)); return true;
      case 'rmw': return this.rmw(a, j, op, forwarded);
      case 'wait_irq': return this.takeIrq(op.irq);
      case 'assume': this.assume(a, op.cond, op.cut); return true;
      default: {
        // A sync at an offset or of a length the driver computed from a read acts on the range computed now.
        const call = op.op === 'dma_sync' && (op.offExpr || op.sizeExpr) ? this.syncRange(a, j, op) : op;
        if (!call) return true;
        if (!w.dmaApi(call)) this.bailedOut = `${this.c.actors[a].actor.name}:${j}`;
        // n = dma_map_sg(...) and e = dma_mapping_error(...): values the driver branches on
        if (op.op === 'dma_map_sg' && op.count !== undefined) this.read(a, j, encodeValue(BigInt(w.mapResult(op.handle).count), 4));
        if (op.op === 'dma_mapping_error' && op.reg !== undefined) this.read(a, j, encodeValue(w.mapResult(op.handle).failed ? 1n : 0n, 4));
        return true;
      }
    }
  }

  /**
   * An atomic RMW, one access: the old value as the CPU reads it (its own pending stores
   * forwarded), the new one stored in the same step. spin_lock waits (returns false) while the
   * lock word is not 0 — queued_spin_lock's atomic_try_cmpxchg_acquire(&lock->val, 0, 1).
   */
  private rmw(a: number, j: number, op: Extract<CpuOp, { op: 'rmw' }>, forwarded: readonly number[]): boolean {
    const bytes = this.load(a, j, op, forwarded);
    const old = decodeValue(bytes);
    if (op.fn === 'spin_lock' && old !== 0n) return false;
    const value = op.valueExpr ? BigInt.asUintN(8 * op.size, this.evaluate(a, op.valueExpr)) : op.value;
    const expected = op.oldExpr ? BigInt.asUintN(8 * op.size, this.evaluate(a, op.oldExpr)) : op.old;
    if (op.fn !== 'cmpxchg' || old === expected) this.world.cpuStore(this.buf(op.buf), op.off, encodeValue(op.fn === 'spin_lock' ? 1n : value, op.size));
    if (op.fn !== 'spin_lock') this.read(a, j, bytes);
    return true;
  }

  protected device(a: number, j: number, op: DeviceOp): boolean {
    const w = this.world;
    switch (op.op) {
      case 'wait_doorbell':
        if (op.anyWrite) return this.takeWrite(op.reg);
        return (this.regs.get(op.reg) ?? 0n) === op.value;
      case 'raise_irq': this.ownRegs(); this.irqRaised.set(op.irq, (this.irqRaised.get(op.irq) ?? 0) + 1); return true;
      case 'set_reg':
        this.ownRegs();
        this.regs.set(op.reg, op.value);
        this.noteRegister(a, op.reg, encodeValue(op.value, this.c.program.mmio?.[op.reg]?.bytes ?? REGISTER_BYTES), undefined);
        return true;
      case 'read_reg': {
        const bytes = this.c.program.mmio?.[op.reg]?.bytes ?? REGISTER_BYTES;
        this.readRegister(a, j, op.reg, encodeValue(this.regs.get(op.reg) ?? 0n, bytes));
        return true;
      }
      case 'assume': this.assume(a, op.cond, op.cut); return true;
      case 'dma_read': case 'dma_write': case 'dma_poll': {
        let addr: DeviceAddress;
        let uncovered: string | undefined;
        if (op.addr) {
          // A bus address the device computed (e.g. read from a descriptor): the hardware goes
          // there whatever it is; outside every live mapping that is itself an observation.
          const bus = this.evaluate(a, op.addr);
          addr = w.deviceAt(bus);
          if (!coveredByLiveMapping(w, bus, op.size)) uncovered = `no mapping covers ${this.busText(bus)}`;
          else uncovered = this.truncation(bus);
          this.trace?.[this.trace.length - 1].effects.push({ kind: 'device-address', bus: this.busText(bus), ...(uncovered ? { problem: uncovered } : {}) });
        } else {
          addr = w.deviceAddress(op.handle, op.entry ?? 0, op.off);
          if (addr === 'unmapped') return false;
          const bus = op.entry ? undefined : w.handleBus(op.handle);
          if (bus !== undefined) uncovered = this.truncation(BigInt(bus + op.off));
        }
        // An SMMU fault or a stale IOTLB hit after a lazy unmap is itself an observation.
        const smmu = w.deviceFault?.(addr, op.size, op.op === 'dma_write');
        if (smmu) uncovered = uncovered ? `${uncovered}; ${smmu}` : smmu;
        if (op.op === 'dma_write') {
          const bytes = this.storeBytes(a, j, op);
          w.deviceWrite(addr, bytes);
          if (this.fields && typeof addr === 'number') this.noteStore(a, cpuAddressOf(w, addr), bytes, op.valueExpr);
          if (uncovered) this.reads[a][j] = `(${uncovered})`;
          return true;
        }
        const bytes = w.deviceRead(addr, op.size);
        if (op.op === 'dma_poll') return bytesEqual(bytes, this.bytesOf(a, j, op));
        this.read(a, j, bytes, this.fields && typeof addr === 'number' ? cpuAddressOf(w, addr) : undefined);
        if (uncovered) this.reads[a][j] += ` (${uncovered})`;
        return true;
      }
      default: throw new Error(`Machine: '${op.op}' is not a straight-line op (src/exec/paths.ts expands it)`);
    }
  }

  /**
   * A bus address the device cannot drive whole (a DMA mask wider than the device, ignored):
   * dma_capable() passed it, and the device's address bits drop the rest.
   */
  private truncation(bus: Value): string | undefined {
    const bits = BigInt(this.world.addressBits);
    if (bits >= 64n || bus >> bits === 0n) return undefined;
    const to = BigInt.asUintN(Number(bits), bus);
    return `the device was given a truncated address: it drives ${bits} address bits and reaches 0x${to.toString(16)} instead of ${this.busText(bus)} (0x${bus.toString(16)})`;
  }

  /** Where device op j of actor a goes (after it ran, for a computed address): as the hardware resolves it. */
  deviceTarget(a: number, j: number): DeviceAddress {
    const op = this.c.actors[a].actor.ops[j] as DeviceOp;
    if (op.op !== 'dma_read' && op.op !== 'dma_write' && op.op !== 'dma_poll') return 'error';
    return op.addr ? this.world.deviceAt(this.evaluate(a, op.addr)) : this.world.deviceAddress(op.handle, op.entry ?? 0, op.off);
  }

  private assume(a: number, cond: Expr, cut?: boolean): void {
    const holds = this.evaluate(a, cond) !== 0n;
    if (cut) this.dead = holds ? 'cut' : 'infeasible';
    else if (!holds) this.dead = 'infeasible';
  }

  /**
   * wait_write(REG): a device engine that any write to its doorbell starts. It goes once the CPU
   * wrote REG since the device last looked, whatever the value; writes in between coalesce.
   */
  private takeWrite(reg: string): boolean {
    const writes = this.regWrites.get(reg) ?? 0;
    if (writes <= (this.regWritesSeen.get(reg) ?? 0)) return false;
    this.ownRegs();
    this.regWritesSeen.set(reg, writes);
    return true;
  }

  private takeIrq(irq: string): boolean {
    const taken = this.irqTaken.get(irq) ?? 0;
    if ((this.irqRaised.get(irq) ?? 0) <= taken) return false;
    this.ownRegs();
    this.irqTaken.set(irq, taken + 1);
    return true;
  }
}
