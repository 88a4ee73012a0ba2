// The values a machine's threads compute and observe: expressions over their reads and handles,
// the bytes a store puts, what a read returns (as observed and as a number), handle fields, bus
// addresses named by their mapping.

import { evaluate, type Expr } from '../program/expr.js';
import type { CpuOp, Value } from '../program/types.js';
import { handleOf, handleText, handleValueIn, type HandleValue } from './handle-fields.js';
import { decodeValue, encodeValue, encodeValues, formatValue } from './values.js';
import { segmentAt } from './world.js';
import { MachineState, NO_HANDLES } from './machine-state.js';

/** include/linux/dma-mapping.h: #define DMA_MAPPING_ERROR (~(dma_addr_t)0) */
const DMA_MAPPING_ERROR = 0xffff_ffff_ffff_ffffn;

export abstract class MachineValues extends MachineState {
  /**
   * Record what read op j returned: as observed, and as a number. A field that holds a stored
   * handle (at CPU physical address `at`, any width) is observed as that handle, and on the
   * ideal platform the register holds the whole handle (src/exec/handle-fields.ts); any other
   * 8-byte value inside a mapping is named by it too.
   */
  protected read(a: number, j: number, bytes: Uint8Array, at?: number, fields = this.fields): void {
    const field = at === undefined ? undefined : fields?.read(at, bytes);
    if (field) {
      if (this.c.actors[a].registers) this.vals[a][j] = this.world.wholeHandles ? field.value : decodeValue(bytes);
      this.reads[a][j] = field.text;
      if (this.hvals[a] !== NO_HANDLES) this.hvals[a][j] = this.world.wholeHandles || !field.truncated ? field.handle : undefined;
      return;
    }
    if (this.hvals[a] !== NO_HANDLES) this.hvals[a][j] = undefined;
    if (this.c.actors[a].registers) this.vals[a][j] = decodeValue(bytes);
    this.reads[a][j] = this.c.handleValues && bytes.length === 8 ? this.busText(decodeValue(bytes), true) : formatValue(bytes);
  }

  /** A CPU store or device write of `bytes` at CPU physical address `at`: a handle-valued one makes a handle field. */
  protected noteStore(a: number, at: number, bytes: Uint8Array, valueExpr: Expr | undefined): void {
    if (!this.fields) return;
    const value = valueExpr ? this.evaluate(a, valueExpr) : 0n;
    this.fields = this.fields.store(at, bytes, valueExpr ? this.handleIn(a, valueExpr, value) : undefined, value, this.world.wholeHandles);
  }

  /** What read op j got from MMIO register `reg`: a handle a write put there is observed as that handle, as in memory. */
  protected readRegister(a: number, j: number, reg: string, bytes: Uint8Array): void {
    this.read(a, j, bytes, this.regFields && this.registerSlot(reg), this.regFields);
  }

  /** A write of `bytes` to MMIO register `reg` (writel, set_reg): a handle-valued one makes a register field. */
  protected noteRegister(a: number, reg: string, bytes: Uint8Array, valueExpr: Expr | undefined): void {
    if (!this.regFields) return;
    const value = valueExpr ? this.evaluate(a, valueExpr) : 0n;
    this.regFields = this.regFields.store(this.registerSlot(reg), bytes, valueExpr ? this.handleIn(a, valueExpr, value) : undefined, value, this.world.wholeHandles);
  }

  /** Where regFields keeps a register: its place among the program's registers, 8 bytes apart (none is wider). */
  private registerSlot(reg: string): number {
    return 8 * this.c.program.registers.indexOf(reg);
  }

  /** The name of the handle expression e of actor a computes from (`h0`, `h#2`), if it is one (handleOf). */
  handleNamed(a: number, e: Expr): string | undefined {
    return this.handleIn(a, e, this.evaluate(a, e))?.name;
  }

  /** The handle a value computed by actor a is (src/exec/handle-fields.ts handleOf). */
  private handleIn(a: number, e: Expr, v: Value): HandleValue | undefined {
    return handleOf(e, v, {
      handle: (name, entry) => {
        const bus = entry === undefined ? this.world.handleBus(name) : this.world.sgSegment(name, entry)?.bus;
        const seg = bus === undefined ? undefined : segmentAt(this.world, BigInt(bus));
        return seg && handleValueIn(seg, BigInt(seg.bus));
      },
      read: (op) => this.hvals[a][op],
      evaluate: (x) => this.evaluate(a, x),
    });
  }

  /**
   * A value that is a bus address, in terms both platforms share: `h + 0x80` for an address
   * inside handle h's mapping (its number differs: swiotlb), else the number itself. A live
   * mapping names it before a released one (a reused swiotlb slot is its new mapping's).
   */
  busText(v: Value, plain = false): string {
    const s = segmentAt(this.world, v);
    if (s) return handleText({ name: s.name, bus: s.bus, size: s.size, off: v - BigInt(s.bus) });
    return plain ? formatValue(encodeValue(v, 8)) : `0x${v.toString(16)}`;
  }

  /** An expression over actor a's reads (registers), handles and, in a wait, the value just polled. */
  evaluate(a: number, e: Expr, polled?: Value): Value {
    return evaluate(e, (leaf) => {
      switch (leaf.k) {
        case 'read': {
          const v = this.vals[a][leaf.op];
          if (v === undefined) throw new Error(`Machine: op ${leaf.op + 1} of ${this.c.actors[a].actor.name} was used before it was performed (a missing dependency)`);
          return v;
        }
        case 'handle':
          if (leaf.entry === undefined) return BigInt(this.world.handleBus(leaf.name) ?? 0);
          // sg_dma_address() of an entry the kernel made no segment of: dma-iommu's __finalise_sg()
          // leaves DMA_MAPPING_ERROR there (and sg_dma_len() 0).
          return BigInt(this.world.sgSegment(leaf.name, leaf.entry)?.bus ?? DMA_MAPPING_ERROR);
        case 'sgLen': return BigInt(this.world.sgSegment(leaf.name, leaf.entry)?.size ?? 0);
        case 'polled':
          if (polled === undefined) throw new Error('Machine: a polled value outside a wait');
          return polled;
        default: throw new Error(`Machine: '${leaf.k}' is not a value a thread computes`);
      }
    });
  }

  /** The bytes a store or device write puts: computed when its value is an expression. */
  protected storeBytes(a: number, j: number, op: { value: Value; size: number; valueExpr?: Expr; values?: Value[]; sizeExpr?: Expr }): Uint8Array {
    if (op.sizeExpr) return new Uint8Array(this.lengthOf(a, op) ?? 0).fill(Number(op.value & 0xffn)); // memset(p, byte, len)
    if (op.valueExpr) return encodeValue(this.evaluate(a, op.valueExpr), op.size);
    return this.bytesOf(a, j, op);
  }

  /** The bytes op j stores or polls for: encoded once per compiled program, not per run. */
  protected bytesOf(a: number, j: number, op: { value: Value; size: number; values?: Value[] }): Uint8Array {
    return (this.c.actors[a].bytes[j] ??= op.values ? encodeValues(op.values, op.size) : encodeValue(op.value, op.size));
  }

  protected buf(name: string) {
    return this.c.layout.buffers.get(name)!;
  }

  /**
   * The length of a memcpy()/memset() computed from a read, evaluated now: undefined when it is
   * negative or longer than the bytes from the pointer to the end of the buffer (`size`).
   */
  protected lengthOf(a: number, op: { size: number; sizeExpr?: Expr }): number | undefined {
    if (!op.sizeExpr) return op.size;
    const n = BigInt.asIntN(64, this.evaluate(a, op.sizeExpr));
    return n >= 0n && n <= BigInt(op.size) ? Number(n) : undefined;
  }

  /**
   * The bytes CPU access op j of actor a touched, as performed: its offset and length computed
   * from the values its reads returned (reports tell about those bytes); undefined when it was
   * not performed or fell outside its buffer.
   */
  accessedRange(a: number, j: number): { off: number; size: number } | undefined {
    const op = this.c.actors[a].actor.ops[j] as { buf: string; off: number; size: number; offExpr?: Expr; sizeExpr?: Expr };
    if (!this.performed[a][j]) return undefined;
    const size = this.lengthOf(a, op);
    const off = BigInt(op.off) + (op.offExpr ? BigInt.asIntN(64, this.evaluate(a, op.offExpr)) : 0n);
    if (size === undefined || off < 0n || off + BigInt(size) > BigInt(this.buf(op.buf).size)) return undefined;
    return { off: Number(off), size };
  }

  /** lengthOf(), or the access noted as an observation (doing nothing) when the length is not one. */
  protected accessLength(a: number, j: number, op: { buf: string; size: number; sizeExpr?: Expr }): number | undefined {
    const n = this.lengthOf(a, op);
    if (n === undefined) this.reads[a][j] = `(length ${BigInt.asIntN(64, this.evaluate(a, op.sizeExpr!))}: not within the ${op.size} bytes to the end of '${op.buf}')`;
    return n;
  }

  /**
   * The range of a dma_sync_single_range_for_*() whose offset or length depends on a read (the
   * length a descriptor reports), computed when it is performed; undefined, noted as an
   * observation and not synced, when the computed range is negative or beyond 4 GiB.
   */
  protected syncRange(a: number, j: number, op: Extract<CpuOp, { op: 'dma_sync' }>): CpuOp | undefined {
    const off = BigInt(op.off) + (op.offExpr ? BigInt.asIntN(64, this.evaluate(a, op.offExpr)) : 0n);
    const size = op.sizeExpr ? BigInt.asIntN(64, this.evaluate(a, op.sizeExpr)) : BigInt(op.size);
    if (off >= 0n && size >= 0n && off + size <= 1n << 32n) return { ...op, off: Number(off), size: Number(size) };
    this.reads[a][j] = `(sync of ${op.handle}: offset ${off}, ${size} bytes is not a range)`;
    return undefined;
  }

  /**
   * The offset of an access, computed when its address depends on a read; undefined (and the
   * access noted as an observation, doing nothing) when that lands outside the buffer.
   */
  protected offsetOf(a: number, j: number, op: { buf: string; off: number; size: number; offExpr?: Expr }): number | undefined {
    if (!op.offExpr) return op.off;
    const off = BigInt(op.off) + this.evaluate(a, op.offExpr);
    const size = this.buf(op.buf).size;
    if (off + BigInt(op.size) <= BigInt(size)) return Number(off);
    this.reads[a][j] = `(outside '${op.buf}': offset 0x${off.toString(16)})`;
    return undefined;
  }
}
