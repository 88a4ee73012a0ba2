// Resolve a program against a platform once: check every name and range, place the buffers, and
// classify each CPU op for the ordering rules of src/exec/ordering.ts.

import { earlyAssumes, type EarlyAssume } from './early-assumes.js';
import type { Platform } from '../platform/platform.js';
import { PlatformError } from '../platform/platform-error.js';
import { layoutProgram, type Layout, type PlacedBuffer } from '../kernel/layout.js';
import { checkLimits } from '../program/limits.js';
import { opSite, ProgramError, type ErrorSite } from '../program/program-error.js';
import { leaves, type Expr } from '../program/expr.js';
import { CONTROL_OPS, type Actor, type BufRef, type CpuOp, type DeviceOp, type Program, type Value } from '../program/types.js';
import { REGISTER_BYTES, valueProblem } from './values.js';
import { checkHandleOrder } from './handle-order.js';
import { DEFAULT_UNROLL, expandPaths, isStraightLine, type PathProgram } from './paths.js';
import { definedHandles } from './program-handles.js';
import { ADDR_PO_W, handleInfo, ORDERED, orderClassOf, precedence, type OrderClass } from './ordering.js';

type Op = CpuOp | DeviceOp;

export interface CompiledActor {
  actor: Actor;
  /** CPU actors: the ordering class of each op. */
  order: OrderClass[];
  /** CPU actors: precedence[j][i] (i < j) — may op j be performed while op i is pending (src/exec/ordering.ts)? */
  precedence: Uint8Array[];
  /**
   * The bytes each store, poll, dma_write and dma_poll writes or waits for, encoded on first use
   * (Machine.bytesOf) and reused by every later run. Shared: worlds copy them, never keep them.
   */
  bytes: (Uint8Array | undefined)[];
  /** Does any op compute with a value this actor read (a register)? Then reads are kept as numbers. */
  registers: boolean;
  /** For each read op, the later assumes its value may already decide (src/exec/early-assumes.ts). */
  early: (EarlyAssume[] | undefined)[];
}

export interface Compiled {
  program: Program;
  platform: Platform;
  layout: Layout;
  actors: CompiledActor[];
  actorIndex: Map<string, number>;
  /** final ranges resolved to placed buffers */
  final: { buf: PlacedBuffer; off: number; size: number }[];
  /** Does the program use a DMA handle as a value? Then 8-byte reads that hold one are named by it. */
  handleValues: boolean;
  /** For a program with registers or control flow: which of its paths this is (src/exec/paths.ts). */
  path?: PathProgram;
  /** ... the program as written (program is the path's straight-line program) ... */
  source?: Program;
  /** ... and every path of it, this one included, in order (Execution.path indexes it). */
  allPaths?: Compiled[];
}

/**
 * Compile every path of a program (one for a straight-line program, which is its own only path):
 * what `dmafuzz check` runs. Each path is an ordinary compiled program carrying its path.
 */
export function compilePaths(program: Program, platform: Platform, unroll = DEFAULT_UNROLL): Compiled[] {
  if (isStraightLine(program) && !program.condition) return [compile(program, platform)];
  const all: Compiled[] = [];
  // compile() returns a fresh object: it takes the path's fields (a spread of it would cost
  // microseconds a path on Node 20)
  // A handle the program maps on some path (after an early return, inside an if) is one a device
  // may name on every path: on a path that never maps it, the device's access waits for ever.
  const defined = definedHandles(program);
  for (const path of expandPaths(program, unroll)) all.push(Object.assign(atWritten(path, () => compile(path.program, platform, defined)), { path, source: program, allPaths: all }));
  return all;
}

/**
 * An error at op i of a path's thread is at the statement that op came from: the path's ops are
 * not the program's (an `if` adds an assume, its body's ops follow at the top level).
 */
function atWritten<T>(path: PathProgram, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof ProgramError || e instanceof PlatformError) || e.where?.kind !== 'op') throw e;
    const where = e.where;
    const thread = path.threads[path.program.actors.findIndex((a) => a.name === where.actor)];
    const written = thread?.from[where.op];
    if (!thread || !written) throw e;
    const site: ErrorSite = { kind: 'statement', actor: where.actor, at: `${where.actor} op ${thread.origin[where.op] + 1} (${where.name})`, op: written };
    throw e instanceof ProgramError ? new ProgramError(e.text, site) : new PlatformError(e.option, e.message, site);
  }
}

/** `defined`: handles the program defines on any path (compilePaths); a straight-line program's own. */
export function compile(program: Program, platform: Platform, defined?: ReadonlySet<string>): Compiled {
  checkLimits(program);
  const layout = layoutProgram(program, platform);
  const registers = new Set(program.registers);
  const handles = new Set<string>(defined);
  const buf = (name: string, where: ErrorSite): PlacedBuffer => {
    const b = layout.buffers.get(name);
    if (!b) throw new ProgramError(`unknown buffer '${name}'`, where);
    return b;
  };
  const range = (r: BufRef, where: ErrorSite): PlacedBuffer => {
    const b = buf(r.buf, where);
    if (!Number.isInteger(r.off) || !Number.isInteger(r.size) || r.off < 0 || r.size <= 0 || r.off + r.size > b.size) {
      throw new ProgramError(`bytes ${r.off}..${r.off + r.size - 1} are outside '${r.buf}' (size ${b.size})`, where);
    }
    return b;
  };
  const reg = (name: string, where: ErrorSite) => {
    if (!registers.has(name)) throw new ProgramError(`unknown register '${name}'`, where);
  };

  // First pass: every handle a CPU defines, so devices may name handles mapped later in program order.
  for (const a of program.actors) {
    if (a.kind !== 'cpu') continue;
    for (const op of a.ops) {
      if (op.op === 'dma_map' || op.op === 'dma_map_sg') handles.add(op.handle);
      if (op.op === 'dma_alloc_coherent') handles.add(op.buf);
    }
  }
  const handle = (h: string, where: ErrorSite) => {
    if (!handles.has(h)) throw new ProgramError(`unknown DMA handle '${h}' (no dma_map or dma_alloc_coherent defines it)`, where);
  };

  const orderContext = { handles: handleInfo(program, platform, layout), hasDevice: program.actors.some((a) => a.kind === 'device'), mmio: program.mmio };
  const names = new Set<string>();
  const actors: CompiledActor[] = program.actors.map((a) => {
    if (names.has(a.name)) throw new ProgramError(`actor '${a.name}' is declared twice`, { kind: 'actor', actor: a.name });
    names.add(a.name);
    const order: OrderClass[] = [];
    a.ops.forEach((op, i) => {
      const where = opSite(a.name, i, op.op);
      checkComputed(op, i, where);
      if (a.kind === 'cpu') {
        checkCpuOp(op as CpuOp, where, { buf, range, reg, handle });
        order.push(orderClassOf(op as CpuOp, platform, layout, orderContext));
      } else {
        switch (op.op) {
          case 'wait_doorbell': case 'set_reg': {
            reg(op.reg, where);
            const bytes = program.mmio?.[op.reg]?.bytes ?? REGISTER_BYTES;
            checkValue(op.value, bytes, where, bytes === REGISTER_BYTES);
            break;
          }
          case 'read_reg': reg(op.reg, where); break;
          case 'dma_read': if (!op.addr) handle(op.handle, where); break;
          case 'dma_write': case 'dma_poll': if (!op.addr) handle(op.handle, where); checkValue(op.value, op.size, where); break;
          case 'raise_irq': case 'assume': break;
          default: throw new ProgramError(`a device cannot do '${(op as { op: string }).op}'`, where);
        }
      }
    });
    const prec = precedence(order);
    if (a.kind === 'cpu' && !platform.faults?.includes('dependencies-order-nothing')) orderDependencies(a.ops as CpuOp[], order, prec, !platform.faults?.includes('addr-po-store-orders-nothing'));
    // Registers are read numbers: needed by expressions over reads and by an exists/forall clause.
    const registers = !!program.condition || a.ops.some((op) => expressionsOf(op).some((e) => leaves(e).some((l) => l.k === 'read')));
    return { actor: a, order, precedence: prec, bytes: new Array(a.ops.length).fill(undefined), registers, early: earlyAssumes(a) };
  });
  const handleValues = program.actors.some((a) => a.ops.some((op) => expressionsOf(op).some((e) => leaves(e).some((l) => l.k === 'handle'))));
  const final = (program.final ?? []).map((r, i) => ({ buf: range(r, { kind: 'final', index: i }), off: r.off, size: r.size }));
  checkHandleOrder(program);
  return { program, platform, layout, actors, actorIndex: new Map(actors.map((a, i) => [a.actor.name, i])), final, handleValues };
}

/** The expressions an op computes when it is performed (path programs: closed over reads and handles). */
export function expressionsOf(op: Op): Expr[] {
  const o = op as { valueExpr?: Expr; addr?: Expr; until?: Expr; offExpr?: Expr; oldExpr?: Expr; sizeExpr?: Expr };
  const out: Expr[] = [];
  if (o.offExpr) out.push(o.offExpr);
  if (o.sizeExpr) out.push(o.sizeExpr);
  if (o.valueExpr) out.push(o.valueExpr);
  if (o.addr) out.push(o.addr);
  if (o.until) out.push(o.until);
  if (o.oldExpr) out.push(o.oldExpr);
  if (op.op === 'assume') out.push(op.cond);
  return out;
}

/** An op a path program may hold: computed parts folded (src/exec/paths.ts), sizes of braces right. */
function checkComputed(op: Op, i: number, where: ErrorSite): void {
  if (CONTROL_OPS.has(op.op)) throw new ProgramError(`control flow must be expanded into paths first (src/exec/paths.ts)`, where);
  const o = op as { values?: Value[]; size?: number };
  if (o.values && o.values.length * 8 !== o.size) throw new ProgramError(`{${o.values.length} values} fill ${o.values.length * 8} bytes, not ${o.size}`, where);
  for (const e of expressionsOf(op)) {
    for (const l of leaves(e)) {
      if (l.k === 'read' && !(l.op < i)) throw new ProgramError(`uses the value of op ${l.op + 1}, which is not an earlier read`, where);
      if (l.k === 'reg' || l.k === 'treg' || l.k === 'mem') throw new ProgramError(`'${l.k}' must be resolved into paths first`, where);
    }
  }
}

/**
 * Dependencies order as on Arm (herd7 aarch64.cat, aarch64hwreqs.cat dob): an op that computes
 * with a value read by an earlier op (`addr`, `data`), or with a handle an earlier map returned,
 * is never performed before that op; a store (or a call, which stores) after an access whose
 * address depends on a read waits for that read (`addr; [Exp]; po; [W]`). A load that computes
 * nothing is not ordered by a control dependency alone (a branch's `assume` orders later stores,
 * calls and MMIO reads, via its ctrl class). A load may still read its own CPU's pending store
 * whose value or address is computed (rfi is not in ob): it then waits only for the reads that
 * store depends on (`data; [Exp]; lrs`, `addr; [Exp]; lrs`), which src/exec/machine.ts checks when
 * it forwards.
 */
function orderDependencies(ops: readonly CpuOp[], order: readonly OrderClass[], prec: Uint8Array[], addrPoW = true): void {
  const mapOf = new Map<string, number>();
  /** The earlier ops that compute with each handle's current value. */
  const usersOf = new Map<string, number[]>();
  // A map that assigns a handle again (`h = dma_map_single(...)` in a batch loop) is a new value
  // of the same C variable: the earlier ops that use `h` keep the old one. A handle's value is
  // read when the op is performed (src/exec/machine-values.ts evaluate), so the new map waits for
  // them (a register's write-after-read: the hardware renames, the old value stays theirs).
  const assigns = (name: string, j: number) => {
    for (const i of usersOf.get(name) ?? []) prec[j][i] = ORDERED;
    usersOf.delete(name);
    mapOf.set(name, j);
  };
  ops.forEach((op, j) => {
    for (const e of expressionsOf(op)) {
      for (const l of leaves(e)) {
        const i = l.k === 'read' ? l.op : l.k === 'handle' || l.k === 'sgLen' ? mapOf.get(l.name) : undefined;
        if (i !== undefined && i < j) prec[j][i] = ORDERED;
        if (l.k === 'handle' || l.k === 'sgLen') usersOf.set(l.name, [...(usersOf.get(l.name) ?? []), j]);
      }
    }
    if (op.op === 'dma_map' || op.op === 'dma_map_sg') assigns(op.handle, j);
    if (op.op === 'dma_alloc_coherent') assigns(op.buf, j);
    const where = (op.op === 'load' || op.op === 'store' || op.op === 'poll') ? [op.offExpr, op.sizeExpr].filter((e): e is Expr => !!e) : [];
    const addr = addrPoW ? where.flatMap((e) => leaves(e)).filter((l) => l.k === 'read').map((l) => (l as { op: number }).op) : [];
    for (let k = j + 1; k < ops.length && addr.length; k++) if (order[k].kinds & ADDR_PO_W) for (const i of addr) prec[k][i] = ORDERED;
  });
}

interface Checks {
  buf: (name: string, where: ErrorSite) => PlacedBuffer;
  range: (r: BufRef, where: ErrorSite) => PlacedBuffer;
  reg: (name: string, where: ErrorSite) => void;
  handle: (h: string, where: ErrorSite) => void;
}

function checkValue(value: Value, size: number, where: ErrorSite, register = false): void {
  const problem = valueProblem(value, size, register);
  if (problem) throw new ProgramError(problem, where);
}

function checkCpuOp(op: CpuOp, where: ErrorSite, c: Checks): void {
  switch (op.op) {
    case 'store': case 'poll': c.range(op, where); checkValue(op.value, op.size, where); break;
    case 'load': c.range(op, where); break;
    case 'writel': c.reg(op.reg, where); checkValue(op.value, op.width ?? REGISTER_BYTES, where, (op.width ?? REGISTER_BYTES) === REGISTER_BYTES); break;
    case 'rmw':
      c.range(op, where);
      if (![1, 2, 4, 8].includes(op.size)) throw new ProgramError(`an atomic ${op.fn} is 1, 2, 4 or 8 bytes, not ${op.size}`, where);
      checkValue(op.value, op.size, where);
      if (op.old !== undefined) checkValue(op.old, op.size, where);
      break;
    case 'readl': c.reg(op.reg, where); break;
    case 'dma_map': c.range(op, where); break;
    case 'dma_map_sg':
      if (op.entries.length === 0) throw new ProgramError(`an sg list needs at least one entry`, where);
      op.entries.forEach((e) => c.range(e, where));
      break;
    case 'dma_alloc_coherent': case 'dma_free_coherent':
      if (c.buf(op.buf, where).kind !== 'coherent') throw new ProgramError(`'${op.buf}' is not declared coherent`, where);
      break;
    case 'dma_unmap': case 'dma_unmap_sg': case 'dma_sync': case 'dma_mapping_error': c.handle(op.handle, where); break;
    case 'dma_set_mask':
      if (!Number.isInteger(op.bits) || op.bits < 24 || op.bits > 64) throw new ProgramError(`DMA_BIT_MASK(${op.bits}) is not a mask from 24 to 64 bits`, where);
      break;
    case 'barrier': case 'wait_irq': case 'assume': break;
    default: throw new ProgramError(`a CPU cannot do '${(op as { op: string }).op}'`, where);
  }
}
