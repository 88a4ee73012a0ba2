// The scheduler shared by the arm64 model and the ideal platform: actors' program counters,
// MMIO registers, interrupts, blocking, out-of-order CPU ops, observations.

import { evaluate, leaves, type Expr } from '../program/expr.js';
import type { CpuOp, DeviceOp, Value } from '../program/types.js';
import type { Compiled } from './compile.js';
import { hardwareEventText, hasOuterLevel, type Step } from './execution.js';
import type { Observations } from './observations.js';
import { DYNAMIC, exactRelation, FORWARD, ORDERED, overlaps } from './ordering.js';
import { HandleFields, handleOf, handleText, handleValueIn, type HandleValue } from './handle-fields.js';
import { bytesEqual, decodeValue, encodeValue, encodeValues, formatValue, REGISTER_BYTES } from './values.js';
import { coveredByLiveMapping, cpuAddressOf, segmentAt, type DeviceAddress, type World } from './world.js';

/** One performed op or hardware event, with what the hardware and kernel did for it. */
export interface TraceEntry {
  actor?: string;
  op?: number;
  event?: string;
  effects: string[];
}

export class Machine {
  /** Per actor, per op: performed yet? Shared with clones until run() copies an actor's row. */
  readonly performed: Uint8Array[];
  readonly next: number[];
  /** Per actor, per op: the value a read returned, as observed. Shared with clones like `performed`. */
  readonly reads: (string | undefined)[][];
  /** Per actor, per op: the value a read returned, as a number: what registers hold. Shared likewise. */
  readonly vals: (Value | undefined)[][];
  /**
   * Not an execution to judge: an assume failed (another path of the program covers it), or a
   * cut assume held (a loop would run past --unroll). Nothing more happens once set.
   */
  dead: 'infeasible' | 'cut' | undefined;
  regs = new Map<string, Value>();
  irqRaised = new Map<string, number>();
  irqTaken = new Map<string, number>();
  /** Writes to each MMIO register so far, and how many of them a wait_write has seen (the engine started). */
  regWrites = new Map<string, number>();
  regWritesSeen = new Map<string, number>();
  bailedOut: string | undefined;
  trace?: TraceEntry[];
  /** Memory fields that hold a stored DMA handle, when the program uses handles as values. */
  fields: HandleFields | undefined;
  /** Per actor, per op: the handle a read returned (from such a field). Shared with clones like `vals`. */
  readonly hvals: (HandleValue | undefined)[][];
  /** The last op performed; each points back to the one before (clones share the history). */
  private last: PerformedOp | undefined;
  /** Has any op been performed ahead of an earlier one (Step.skip)? */
  private reordered = false;
  /** Actors whose `performed` and `reads` rows only this machine holds. */
  private owned: boolean[];
  /**
   * Loads performed ahead of an earlier access whose computed address was not known yet: that
   * access must not turn out to touch the load's bytes (src/exec/ordering.ts DYNAMIC). If it does,
   * the execution is not one Arm allows (a store: `addr; lrs` in dob would have held the load
   * behind the store's address read; a load: the two reads would have to agree, which this model
   * does not check, so it drops them — never a false bug) and another schedule covers it.
   */
  private guards: Guard | undefined;

  constructor(readonly c: Compiled, readonly world: World) {
    this.performed = c.actors.map((a) => new Uint8Array(a.actor.ops.length));
    this.next = c.actors.map(() => 0);
    this.reads = c.actors.map((a) => new Array(a.actor.ops.length).fill(undefined));
    // Only actors that compute with what they read keep the numbers (compile: CompiledActor.registers).
    this.vals = c.actors.map((a) => (a.registers ? new Array(a.actor.ops.length).fill(undefined) : NO_VALUES));
    this.owned = c.actors.map(() => true);
    this.fields = c.handleValues ? HandleFields.EMPTY : undefined;
    this.hvals = c.actors.map((a) => (c.handleValues && a.registers ? new Array(a.actor.ops.length).fill(undefined) : NO_HANDLES));
  }

  /** Performed ops in order, as actor * 65536 + op index. */
  get order(): number[] {
    const out: number[] = [];
    for (let p = this.last; p; p = p.prev) out.push(p.code);
    return out.reverse();
  }

  clone(): Machine {
    const m = Object.create(Machine.prototype) as Machine;
    Object.assign(m, {
      c: this.c,
      world: this.world.clone(),
      performed: this.performed.slice(),
      next: this.next.slice(),
      reads: this.reads.slice(),
      vals: this.vals.slice(),
      dead: this.dead,
      regs: new Map(this.regs),
      irqRaised: new Map(this.irqRaised),
      irqTaken: new Map(this.irqTaken),
      regWrites: new Map(this.regWrites),
      regWritesSeen: new Map(this.regWritesSeen),
      bailedOut: this.bailedOut,
      fields: this.fields,
      hvals: this.hvals.slice(),
      last: this.last,
      reordered: this.reordered,
      guards: this.guards,
      owned: this.c.actors.map(() => false),
    });
    this.owned.fill(false); // shared from now on: both sides copy a row before changing it
    return m;
  }

  private own(a: number): void {
    if (this.owned[a]) return;
    this.performed[a] = this.performed[a].slice();
    this.reads[a] = this.reads[a].slice();
    if (this.c.actors[a].registers) this.vals[a] = this.vals[a].slice();
    if (this.hvals[a] !== NO_HANDLES) this.hvals[a] = this.hvals[a].slice();
    this.owned[a] = true;
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
    this.trace?.push({ event: hardwareEventText(s, this.c.platform), effects: [] });
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
    if (skip > 0) this.reordered = true;
    for (const g of may.guards) this.guards = { ...g, prev: this.guards };
    if (this.guards) this.checkGuards(a, j);
    while (this.next[a] < this.performed[a].length && this.performed[a][this.next[a]]) this.next[a]++;
    this.last = { code: a * 65536 + j, prev: this.last };
    return true;
  }

  /**
   * May CPU actor a perform its pending op j now, ahead of the earlier ops still pending? null if
   * an ordering rule forbids it; else the pending earlier stores whose bytes j reads from the
   * store buffer (store-buffer forwarding), oldest first.
   */
  mayPerform(a: number, j: number): readonly number[] | null {
    return this.ahead(a, j)?.forwarded ?? null;
  }

  /** mayPerform, with the guards performing j ahead of accesses at still unknown addresses sets. */
  private ahead(a: number, j: number): Ahead | null {
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
    const op = this.c.actors[a].actor.ops[i] as { offExpr?: Expr; valueExpr?: Expr };
    const ready = (e: Expr | undefined) => !e || leaves(e).every((l) => l.k !== 'read' || this.vals[a][l.op] !== undefined);
    return ready(op.offExpr) && ready(op.valueExpr);
  }

  /** The bytes CPU op k touches, as [lo, hi) physical pairs: [] outside its buffer; undefined while its computed address is unknown. */
  private bytesTouched(a: number, k: number): readonly number[] | undefined {
    const cls = this.c.actors[a].order[k];
    const op = this.c.actors[a].actor.ops[k] as { buf: string; off: number; size: number; offExpr?: Expr };
    if (!cls.computed || !op.offExpr) return cls.ranges;
    if (!this.computable(a, k)) return undefined;
    const b = this.buf(op.buf);
    const off = BigInt(op.off) + this.evaluate(a, op.offExpr);
    if (off < 0n || off + BigInt(op.size) > BigInt(b.size)) return [];
    return [b.addr + Number(off), b.addr + Number(off) + op.size];
  }

  /** Op i was just performed: an execution in which a load went ahead of it and i touches that load's bytes is not an Arm execution. */
  private checkGuards(a: number, i: number): void {
    let r: readonly number[] | undefined;
    for (let g = this.guards; g; g = g.prev) {
      if (g.actor !== a || g.op !== i) continue;
      r ??= this.bytesTouched(a, i) ?? [];
      if (overlaps(r, g.bytes)) this.dead = 'infeasible';
    }
  }

  /** A CPU load: memory as the world answers it, overlaid with the CPU's own pending stores (program order: newest wins). */
  private load(a: number, j: number, op: { buf: string; off: number; size: number }, forwarded: readonly number[]): Uint8Array {
    const bytes = this.world.cpuLoad(this.buf(op.buf), op.off, op.size);
    if (!forwarded.length) return bytes;
    const lo = this.buf(op.buf).addr + op.off;
    for (const i of forwarded) {
      const store = this.c.actors[a].actor.ops[i] as Extract<CpuOp, { op: 'store' }>;
      const data = this.storeBytes(a, i, store); // its reads are performed: Machine.ahead
      const at = this.bytesTouched(a, i)![0];
      for (let k = 0; k < data.length; k++) if (at + k >= lo && at + k < lo + op.size) bytes[at + k - lo] = data[k];
      this.trace?.[this.trace.length - 1].effects.push(`read from its own pending store (op ${i + 1}) in the store buffer`);
    }
    return bytes;
  }

  private cpu(a: number, j: number, op: CpuOp, forwarded: readonly number[]): boolean {
    const w = this.world;
    switch (op.op) {
      case 'store': {
        const off = op.offExpr ? this.offsetOf(a, j, op) : op.off;
        if (off === undefined) return true;
        const bytes = op.valueExpr ? this.storeBytes(a, j, op) : this.bytesOf(a, j, op);
        w.cpuStore(this.buf(op.buf), off, bytes);
        this.noteStore(a, this.buf(op.buf).addr + off, bytes, op.valueExpr);
        return true;
      }
      case 'load': {
        const off = op.offExpr ? this.offsetOf(a, j, op) : op.off;
        if (off !== undefined) this.read(a, j, this.load(a, j, op.offExpr ? { ...op, off } : op, forwarded), this.buf(op.buf).addr + off);
        return true;
      }
      case 'poll': {
        const off = op.offExpr ? this.offsetOf(a, j, op) : op.off;
        if (off === undefined) return false; // waits on nothing: hangs, and says where it went
        const bytes = this.load(a, j, op.offExpr ? { ...op, off } : op, forwarded);
        return op.until ? this.evaluate(a, op.until, decodeValue(bytes)) !== 0n : bytesEqual(bytes, this.bytesOf(a, j, op));
      }
      case 'barrier': return true;
      case 'writel': {
        // writeb/writew/writel/writeq move 1, 2, 4 or 8 bytes; a computed value is truncated as C's cast does
        const width = op.width ?? REGISTER_BYTES;
        this.regs.set(op.reg, op.valueExpr ? BigInt.asUintN(8 * width, this.evaluate(a, op.valueExpr)) : op.value);
        this.regWrites.set(op.reg, (this.regWrites.get(op.reg) ?? 0) + 1);
        return true;
      }
      case 'readl': this.read(a, j, encodeValue(BigInt.asUintN(8 * (op.width ?? REGISTER_BYTES), this.regs.get(op.reg) ?? 0n), op.width ?? REGISTER_BYTES)); return true;
      case 'rmw': return this.rmw(a, j, op, forwarded);
      case 'wait_irq': return this.takeIrq(op.irq);
      case 'assume': this.assume(a, op.cond, op.cut); return true;
      default:
        if (!w.dmaApi(op)) this.bailedOut = `${this.c.actors[a].actor.name}:${j}`;
        // n = dma_map_sg(...) and e = dma_mapping_error(...): values the driver branches on
        if (op.op === 'dma_map_sg' && op.count !== undefined) this.read(a, j, encodeValue(BigInt(w.mapResult(op.handle).count), 4));
        if (op.op === 'dma_mapping_error' && op.reg !== undefined) this.read(a, j, encodeValue(w.mapResult(op.handle).failed ? 1n : 0n, 4));
        return true;
    }
  }

  private device(a: number, j: number, op: DeviceOp): boolean {
    const w = this.world;
    switch (op.op) {
      case 'wait_doorbell':
        if (op.anyWrite) return this.takeWrite(op.reg);
        return (this.regs.get(op.reg) ?? 0n) === op.value;
      case 'raise_irq': this.irqRaised.set(op.irq, (this.irqRaised.get(op.irq) ?? 0) + 1); return true;
      case 'set_reg': this.regs.set(op.reg, op.value); return true;
      case 'read_reg': {
        const bytes = this.c.program.mmio?.[op.reg]?.bytes ?? REGISTER_BYTES;
        this.read(a, j, encodeValue(this.regs.get(op.reg) ?? 0n, bytes));
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
          this.trace?.[this.trace.length - 1].effects.push(`device address ${this.busText(bus)}${uncovered ? ': ' + uncovered : ''}`);
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
   * The offset of an access, computed when its address depends on a read; undefined (and the
   * access noted as an observation, doing nothing) when that lands outside the buffer.
   */
  private offsetOf(a: number, j: number, op: { buf: string; off: number; size: number; offExpr?: Expr }): number | undefined {
    if (!op.offExpr) return op.off;
    const off = BigInt(op.off) + this.evaluate(a, op.offExpr);
    const size = this.buf(op.buf).size;
    if (off + BigInt(op.size) <= BigInt(size)) return Number(off);
    this.reads[a][j] = `(outside '${op.buf}': offset 0x${off.toString(16)})`;
    return undefined;
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

  /**
   * Record what read op j returned: as observed, and as a number. A field that holds a stored
   * handle (at CPU physical address `at`, any width) is observed as that handle, and on the
   * ideal platform the register holds the whole handle (src/exec/handle-fields.ts); any other
   * 8-byte value inside a mapping is named by it too.
   */
  private read(a: number, j: number, bytes: Uint8Array, at?: number): void {
    const field = at === undefined ? undefined : this.fields?.read(at, bytes);
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
  private noteStore(a: number, at: number, bytes: Uint8Array, valueExpr: Expr | undefined): void {
    if (!this.fields) return;
    const value = valueExpr ? this.evaluate(a, valueExpr) : 0n;
    this.fields = this.fields.store(at, bytes, valueExpr ? this.handleIn(a, valueExpr, value) : undefined, value, this.world.wholeHandles);
  }

  /** The handle a value computed by actor a is (src/exec/handle-fields.ts handleOf). */
  private handleIn(a: number, e: Expr, v: Value): HandleValue | undefined {
    return handleOf(e, v, {
      handle: (name) => {
        const bus = this.world.handleBus(name);
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
        case 'handle': return BigInt(this.world.handleBus(leaf.name) ?? 0);
        case 'polled':
          if (polled === undefined) throw new Error('Machine: a polled value outside a wait');
          return polled;
        default: throw new Error(`Machine: '${leaf.k}' is not a value a thread computes`);
      }
    });
  }

  private assume(a: number, cond: Expr, cut?: boolean): void {
    const holds = this.evaluate(a, cond) !== 0n;
    if (cut) this.dead = holds ? 'cut' : 'infeasible';
    else if (!holds) this.dead = 'infeasible';
  }

  /** The bytes a store or device write puts: computed when its value is an expression. */
  private storeBytes(a: number, j: number, op: { value: Value; size: number; valueExpr?: Expr; values?: Value[] }): Uint8Array {
    if (op.valueExpr) return encodeValue(this.evaluate(a, op.valueExpr), op.size);
    return this.bytesOf(a, j, op);
  }

  /**
   * wait_write(REG): a device engine that any write to its doorbell starts. It goes once the CPU
   * wrote REG since the device last looked, whatever the value; writes in between coalesce.
   */
  private takeWrite(reg: string): boolean {
    const writes = this.regWrites.get(reg) ?? 0;
    if (writes <= (this.regWritesSeen.get(reg) ?? 0)) return false;
    this.regWritesSeen.set(reg, writes);
    return true;
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

  private takeIrq(irq: string): boolean {
    const taken = this.irqTaken.get(irq) ?? 0;
    if ((this.irqRaised.get(irq) ?? 0) <= taken) return false;
    this.irqTaken.set(irq, taken + 1);
    return true;
  }

  /** The bytes op j stores or polls for: encoded once per compiled program, not per run. */
  private bytesOf(a: number, j: number, op: { value: Value; size: number; values?: Value[] }): Uint8Array {
    return (this.c.actors[a].bytes[j] ??= op.values ? encodeValues(op.values, op.size) : encodeValue(op.value, op.size));
  }

  private buf(name: string) {
    return this.c.layout.buffers.get(name)!;
  }

  /** After the chosen steps: every actor runs in program order, no more hardware events, until none can move. */
  finish(): void {
    let progress = true;
    while (progress && this.bailedOut === undefined && !this.dead) {
      progress = false;
      for (let a = 0; a < this.c.actors.length; a++) while (this.run(a, 0)) progress = true;
    }
  }

  done(a: number): boolean {
    return this.next[a] === this.performed[a].length;
  }

  observations(): Observations {
    const reads: Observations['reads'] = {};
    const done: Observations['done'] = {};
    this.c.actors.forEach((ca, a) => {
      const name = ca.actor.name;
      done[name] = this.done(a);
      // Reads performed early beyond a hang are squashed: the program never reaches them.
      reads[name] = this.reads[a].map((v, j) => (j < this.next[a] ? v : undefined));
    });
    const final = this.c.final.map((f) => {
      const bytes = this.world.cpuLoad(f.buf, f.off, f.size);
      return this.fields?.read(f.buf.addr + f.off, bytes)?.text ?? formatValue(bytes);
    });
    return this.bailedOut === undefined ? { reads, done, final } : { reads, done, final, bailedOut: this.bailedOut };
  }

  fingerprint(): string {
    // Each actor's progress: next, then the ops performed ahead of it (none in program order).
    let progress = this.next.join(',');
    if (this.reordered) {
      for (let a = 0; a < this.next.length; a++) {
        const done = this.performed[a];
        for (let j = this.next[a] + 1; j < done.length; j++) if (done[j]) progress += `/${a}+${j}`;
      }
    }
    let rest = ';';
    for (const [k, v] of this.regs) rest += `${k}=${v},`;
    rest += ';';
    for (const [k, v] of this.irqRaised) rest += `${k}=${v},`;
    rest += ';';
    for (const [k, v] of this.irqTaken) rest += `${k}=${v},`;
    for (const [k, v] of this.regWrites) rest += `w${k}=${v}/${this.regWritesSeen.get(k) ?? 0},`;
    for (let g = this.guards; g; g = g.prev) rest += `;g${g.actor}:${g.op}:${g.bytes.join('-')}`;
    if (this.fields) rest += `;${this.fields.fingerprint()}`;
    return `${progress}${rest};${this.world.fingerprint()}`;
  }
}

const NOTHING_FORWARDED: readonly number[] = [];
interface Guard { readonly actor: number; readonly op: number; readonly bytes: readonly number[]; readonly prev: Guard | undefined }
interface Ahead { forwarded: readonly number[]; guards: readonly Omit<Guard, 'prev'>[] }
const IN_ORDER: Ahead = { forwarded: NOTHING_FORWARDED, guards: [] };
/** The value row of an actor without registers: never written. */
const NO_VALUES: (Value | undefined)[] = [];
/** The handle row of an actor without registers (or of a program without handle values): never written. */
const NO_HANDLES: (HandleValue | undefined)[] = [];

interface PerformedOp { readonly code: number; readonly prev: PerformedOp | undefined }
