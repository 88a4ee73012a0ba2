// Registers and control flow become straight-line path programs, the only programs the model
// runs (herd7 does the same with -unroll). Each thread is executed symbolically: a register
// holds an expression over constants, DMA handles and the values its earlier reads returned
// ({k:'read', op}); a branch whose condition folds to a constant takes that side, and any other
// branch splits the path in two, each side going on under an `assume`. An execution whose
// assumes fail is not an execution of that path (another path covers it). Loops whose condition
// is constant on every lap run fully (for (i = 0; i < 4; i++)); any other loop runs at most
// `unroll` laps, and a path that would go on past them ends in a cut assume: such an execution
// is counted and never judged. Offsets fold to numbers, so the ordering rules of
// src/exec/ordering.ts see ordinary accesses; a value that depends on a read stays an expression
// the machine evaluates when the op is performed.

import { binary, evaluate, leaves, unary, type Expr } from '../program/expr.js';
import { ProgramError } from '../program/program-error.js';
import { CONTROL_OPS, type Actor, type CpuOp, type DeviceOp, type Program } from '../program/types.js';
import { memsetValue } from './values.js';
import { definedHandles, mappedSizes } from './program-handles.js';

type Op = CpuOp | DeviceOp;

export const DEFAULT_UNROLL = 2;
/** Laps of a loop whose condition is constant: beyond this it is taken to be a mistake. */
export const MAX_CONSTANT_LAPS = 1024;
/** Path programs per test (the product over threads): each is checked separately. */
export const MAX_PATHS = 256;
/** Offsets are checked against the buffer by compile(); this only keeps them exact numbers. */
const MAX_OFFSET = 2 ** 32;

export interface ThreadPath {
  ops: Op[];
  /** For each op: the index of the thread's top-level statement it comes from (for source positions). */
  origin: number[];
  /** For each op: the source op it was made from (an assume: none), so a finding points at the op itself, not its `if`. */
  from: (Op | undefined)[];
  /** Each register's value at the end, over this path's reads (for exists/forall). */
  regs: Map<string, Expr>;
  /** Ends in a cut assume: the thread would loop on past --unroll. */
  cut: boolean;
  /** How the path went at each split, in the reader's terms ("if at op 3: taken"). */
  choices: string[];
}

export interface PathProgram {
  program: Program;
  /** Per actor (program order): its path. */
  threads: ThreadPath[];
  /** Index among the program's paths: what an Execution's `path` names. */
  index: number;
}

/** Does the program use registers or control flow at all? If not it is its own only path. */
export function isStraightLine(p: Program): boolean {
  return p.actors.every((a) => a.ops.every((op) => !CONTROL_OPS.has(op.op) && !hasComputed(op)));
}

function hasComputed(op: Op): boolean {
  const o = op as { offExpr?: Expr; valueExpr?: Expr; addr?: Expr; until?: Expr; sizeExpr?: Expr; oldExpr?: Expr };
  return o.offExpr !== undefined || o.valueExpr !== undefined || o.addr !== undefined || o.until !== undefined || o.sizeExpr !== undefined || o.oldExpr !== undefined;
}

/** Every path program, in a fixed order (thread by thread, first choice first). */
export function expandPaths(p: Program, unroll = DEFAULT_UNROLL): PathProgram[] {
  if (!Number.isInteger(unroll) || unroll < 1) throw new ProgramError(`unroll ${unroll}: loops need at least 1 lap`);
  if (isStraightLine(p) && !p.condition) {
    return [{ program: p, threads: p.actors.map((a) => ({ ops: a.ops, origin: a.ops.map((_, i) => i), from: a.ops, regs: new Map(), cut: false, choices: [] })), index: 0 }];
  }
  const perThread = p.actors.map((a) => threadPaths(a, p, unroll));
  let count = 1;
  for (const t of perThread) {
    count *= t.length;
    if (count > MAX_PATHS) throw new ProgramError(`the threads' branches and loops give more than ${MAX_PATHS} paths; lower --unroll or split the test`);
  }
  const out: PathProgram[] = [];
  const pick = (a: number, chosen: ThreadPath[]) => {
    if (a === perThread.length) {
      const actors = p.actors.map((act, k) => ({ ...act, ops: chosen[k].ops }) as Actor);
      out.push({ program: { ...p, actors }, threads: chosen.slice(), index: out.length });
      return;
    }
    for (const t of perThread[a]) pick(a + 1, [...chosen, t]);
  };
  pick(0, []);
  return out;
}

interface State {
  ops: Op[];
  origin: number[];
  from: (Op | undefined)[];
  /** The top-level statement being run. */
  top: number;
  env: Map<string, Expr>;
  choices: string[];
  cut: boolean;
}

type Flow = 'next' | 'break' | 'continue' | 'return' | 'cut';
interface Outcome { st: State; flow: Flow }

function threadPaths(actor: Actor, p: Program, unroll: number): ThreadPath[] {
  const handles = definedHandles(p);
  const mappingSizes = mappedSizes(p);

  const fold = (e: Expr, env: Map<string, Expr>, at: string): Expr => {
    switch (e.k) {
      case 'num': case 'read': case 'polled': case 'treg': case 'mem': return e;
      case 'handle': case 'sgLen': return e;
      case 'reg': {
        const v = env.get(e.name);
        if (v) return v;
        if (handles.has(e.name)) return { k: 'handle', name: e.name };
        throw new ProgramError(`${at}: register '${e.name}' is used before it is assigned`);
      }
      case 'un': {
        const x = fold(e.e, env, at);
        return x.k === 'num' ? { k: 'num', v: unary(e.op, x.v) } : { k: 'un', op: e.op, e: x };
      }
      case 'bin': {
        const l = fold(e.l, env, at);
        const r = fold(e.r, env, at);
        if (l.k === 'num' && r.k === 'num') return { k: 'num', v: binary(e.op, l.v, r.v) };
        if (r.k === 'num' && r.v === 0n && (e.op === '+' || e.op === '-' || e.op === '|' || e.op === '^' || e.op === '<<' || e.op === '>>')) return l; // x + 0: no dependency lost, none added
        if (l.k === 'num' && l.v === 0n && (e.op === '+' || e.op === '|' || e.op === '^')) return r; // 0 + x
        if (e.op === '*' && ((l.k === 'num' && l.v === 1n) || (r.k === 'num' && r.v === 1n))) return l.k === 'num' && l.v === 1n ? r : l; // 1 * x
        // 0 * h: a handle's bus address or segment length times 0 is 0 (for_each_sg's entries, one
        // per iteration: src/litmus/expressions.ts sgEntries); times a read, it still depends on it.
        if (e.op === '*' && ((l.k === 'num' && l.v === 0n && handlesOnly(r)) || (r.k === 'num' && r.v === 0n && handlesOnly(l)))) return { k: 'num', v: 0n };
        // C's short circuit with a constant left side: the right side does not matter.
        if (l.k === 'num' && e.op === '&&' && l.v === 0n) return { k: 'num', v: 0n };
        if (l.k === 'num' && e.op === '||' && l.v !== 0n) return { k: 'num', v: 1n };
        return { k: 'bin', op: e.op, l, r };
      }
    }
  };
  const constant = (e: Expr): bigint | undefined => (e.k === 'num' ? e.v : undefined);
  /** Straight-line op with its computed parts folded; registers it assigns bound to its read. */
  const emit = (op: Op, st: State, at: string): void => {
    const index = st.ops.length;
    const o = { ...op } as Record<string, unknown> & Op;
    const x = op as { offExpr?: Expr; valueExpr?: Expr; addr?: Expr; until?: Expr; off?: number };
    if (x.offExpr) {
      delete o.offExpr;
      const e = fold(x.offExpr, st.env, at);
      const v = constant(e);
      const device = op.op === 'dma_read' || op.op === 'dma_write' || op.op === 'dma_poll';
      if (v !== undefined) {
        if (v > BigInt(MAX_OFFSET)) throw new ProgramError(`${at}: offset ${v} is outside every buffer`);
        (o as { off: number }).off = (x.off ?? 0) + Number(v);
      } else if (device && op.entry === undefined) {
        // A device may compute its bus address from what it read: then it is an address.
        const base: Expr = { k: 'bin', op: '+', l: { k: 'handle', name: op.handle }, r: { k: 'num', v: BigInt(op.off) } };
        Object.assign(o, { handle: '', off: 0, addr: { k: 'bin', op: '+', l: base, r: e } });
      } else if (!device) {
        // An address dependency: the offset is computed when the access is performed.
        (o as { offExpr: Expr }).offExpr = e;
      } else {
        throw new ProgramError(`${at}: the offset into an sg entry depends on a value read from memory; write the device address as an expression instead`);
      }
    }
    if (x.valueExpr) {
      const e = fold(x.valueExpr, st.env, at);
      const v = constant(e);
      if (v !== undefined) { delete o.valueExpr; (o as { value: bigint }).value = v; } else (o as { valueExpr: Expr }).valueExpr = e;
    }
    if ((op.op === 'load' || op.op === 'store') && op.sizeExpr) {
      // memcpy()/memset() of a computed length: a constant on this path is the size; one that
      // depends on a read stays an expression, computed when the access is performed.
      delete (o as { sizeExpr?: Expr }).sizeExpr;
      const e = fold(op.sizeExpr, st.env, at);
      const v = constant(e);
      if (v === undefined) (o as { sizeExpr: Expr }).sizeExpr = e;
      else if (v === 0n) return; // copies nothing
      else if (v < 0n || v > BigInt(op.size)) throw new ProgramError(`${at}: length ${BigInt.asIntN(64, v)} on this path: at most the ${op.size} bytes from the pointer to the end of '${op.buf}'`);
      else {
        (o as { size: number }).size = Number(v);
        if (op.op === 'store') (o as { value: bigint }).value = memsetValue(op.value & 0xffn, Number(v));
      }
    }
    if (op.op === 'dma_map' && op.sizeExpr) {
      // A mapping's size is known when it is made (dma-debug, swiotlb and the cache maintenance
      // all take it then): a constant on this path, within the buffer from the pointer on.
      delete (o as { sizeExpr?: Expr }).sizeExpr;
      const v = constant(fold(op.sizeExpr, st.env, at));
      if (v === undefined) throw new ProgramError(`${at}: the size of this mapping depends on a value read on this path; a mapping's size is known when it is made (write the length, or compute it from constants)`);
      if (v < 1n || v > BigInt(op.size)) throw new ProgramError(`${at}: size ${BigInt.asIntN(64, v)} on this path: a mapping is 1 to the ${op.size} bytes from the pointer to the end of '${op.buf}'`);
      (o as { size: number }).size = Number(v);
    }
    if ((op.op === 'dma_sync' || op.op === 'dma_unmap') && op.sizeExpr) {
      delete (o as { sizeExpr?: Expr }).sizeExpr;
      const e = fold(op.sizeExpr, st.env, at);
      (o as { size: number }).size = computedSize(op, e, (o as { off?: number }).off ?? 0, at);
      // A sync of the length the device wrote: `size` is its bound (what the search may touch),
      // the length itself is computed when the sync is performed (src/exec/machine-ops.ts).
      if (op.op === 'dma_sync' && constant(e) === undefined) (o as { sizeExpr: Expr }).sizeExpr = e;
    }
    if (x.addr) (o as { addr: Expr }).addr = fold(x.addr, st.env, at);
    if (x.until) (o as { until: Expr }).until = fold(x.until, st.env, at);
    const oldExpr = (op as { oldExpr?: Expr }).oldExpr; // cmpxchg's computed expected value
    if (oldExpr) {
      const e = fold(oldExpr, st.env, at);
      const v = constant(e);
      if (v !== undefined) { delete (o as { oldExpr?: Expr }).oldExpr; (o as { old: bigint }).old = v; } else (o as { oldExpr: Expr }).oldExpr = e;
    }
    if ('entry' in o && o.entry === undefined) delete o.entry;
    push(st, o, op);
    const assigned = op.op === 'load' || op.op === 'dma_read' || op.op === 'rmw' ? op.reg : op.op === 'readl' || op.op === 'read_reg' ? op.dst : op.op === 'dma_map_sg' ? op.count : op.op === 'dma_mapping_error' ? op.reg : undefined;
    if (assigned) st.env.set(assigned, { k: 'read', op: index, name: assigned });
  };

  /**
   * A computed unmap or sync size: a constant on this path is that size; one that depends on a
   * value read (a length the device wrote into a descriptor) is bounded by the rest of the mapping
   * from the offset, the most a driver's length can ask. An unmap is taken at that bound; a sync
   * keeps its expression too, and syncs the length it computes when it is performed.
   */
  const computedSize = (op: Op & { handle: string }, e: Expr, off: number, at: string): number => {
    const v = constant(e);
    if (v !== undefined) {
      if (v === 0n || v > BigInt(MAX_OFFSET)) throw new ProgramError(`${at}: size ${v} on this path: sizes are positive and within the buffer`);
      return Number(v);
    }
    const mapped = mappingSizes.get(op.handle);
    if (mapped === undefined) throw new ProgramError(`${at}: the size depends on a value read and '${op.handle}' has no single mapping to bound it; compute it from constants`);
    if (off >= mapped) throw new ProgramError(`${at}: offset ${off} is past the end of the mapping (${mapped} bytes)`);
    return mapped - off;
  };
  const fork = (st: State): State => ({ ...st, ops: st.ops.slice(), origin: st.origin.slice(), from: st.from.slice(), env: new Map(st.env), choices: st.choices.slice() });
  const push = (st: State, op: Op, source?: Op) => {
    st.ops.push(op);
    st.origin.push(st.top);
    st.from.push(source);
  };

  /**
   * A statement's own error ("${at}: ..."), located at the statement as written: the innermost
   * statement catches it first, so an error inside a loop's body points into the body.
   */
  const located = <T>(op: Op, at: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ProgramError && e.where === undefined && e.text.startsWith(`${at}: `)) {
        throw new ProgramError(e.text.slice(at.length + 2), { kind: 'statement', actor: actor.name, at, op });
      }
      throw e;
    }
  };

  /** Run a block from a state; every way it can end. */
  const block = (ops: readonly Op[], st: State, depth: string): Outcome[] => {
    let live: State[] = [st];
    const done: Outcome[] = [];
    ops.forEach((op, i) => {
      const at = `${actor.name} ${depth}${i + 1} (${op.op})`;
      const next: State[] = [];
      for (const s of live) {
        if (depth === '') s.top = i;
        for (const out of located(op, at, () => statement(op, s, at, `${depth}${i + 1}.`))) {
          if (out.flow === 'next') next.push(out.st);
          else done.push(out);
        }
      }
      live = next;
    });
    return [...done, ...live.map((s) => ({ st: s, flow: 'next' as Flow }))];
  };

  const branch = (cond: Expr, st: State, at: string, what: string): { yes?: State; no?: State } => {
    const c = fold(cond, st.env, at);
    const v = constant(c);
    if (v !== undefined) return v !== 0n ? { yes: st } : { no: st };
    const yes = fork(st);
    push(yes, { op: 'assume', cond: c });
    yes.choices.push(`${what}: yes`);
    const no = fork(st);
    push(no, { op: 'assume', cond: { k: 'un', op: '!', e: c } });
    no.choices.push(`${what}: no`);
    return { yes, no };
  };

  /**
   * A loop: a `for` whose condition is constant on every lap runs fully; every other lap (any lap
   * of a `while`, a `for` lap whose condition depends on a read) counts against `unroll`, and a
   * path that would start one more such lap is cut there.
   */
  const loop = (kind: 'while' | 'for', cond: Expr, body: readonly Op[], step: ((s: State) => void) | undefined, st: State, at: string, depth: string): Outcome[] => {
    const out: Outcome[] = [];
    const leave = (s: State, c: Expr, laps: number) => {
      const exit = fork(s);
      push(exit, { op: 'assume', cond: { k: 'un', op: '!', e: c } });
      exit.choices.push(`${at}: left after ${laps} laps`);
      out.push({ st: exit, flow: 'next' });
    };
    let live: { s: State; counted: number; laps: number }[] = [{ s: st, counted: 0, laps: 0 }];
    while (live.length) {
      const next: typeof live = [];
      for (const { s, counted, laps } of live) {
        if (laps >= MAX_CONSTANT_LAPS) throw new ProgramError(`${at}: the loop runs more than ${MAX_CONSTANT_LAPS} laps; bound it with a constant`);
        const c = fold(cond, s.env, at);
        const bound = countBound(c, s);
        const v = bound === 'past' ? 0n : constant(c);
        if (v === 0n) { out.push({ st: s, flow: 'next' }); continue; }
        // `for (i = 0; i < n; i++)` over the count dma_map_sg() returned (for_each_sg): at most
        // nents laps, each a branch, none counted against --unroll.
        const counts = kind === 'while' || (v === undefined && bound !== 'within');
        if (counts && counted >= unroll) {
          // Past the bound: leave here, or go on — and that execution is cut.
          if (v === undefined) leave(s, c, laps);
          push(s, { op: 'assume', cond: c, cut: true });
          s.choices.push(`${at}: cut after ${laps} laps`);
          s.cut = true;
          out.push({ st: s, flow: 'cut' });
          continue;
        }
        let enter = s;
        if (v === undefined) {
          leave(s, c, laps);
          enter = fork(s);
          push(enter, { op: 'assume', cond: c });
        }
        for (const r of block(body, enter, depth)) {
          if (r.flow === 'break') { out.push({ st: r.st, flow: 'next' }); continue; }
          if (r.flow === 'cut' || r.flow === 'return') { out.push(r); continue; }
          step?.(r.st);
          next.push({ s: r.st, counted: counted + (counts ? 1 : 0), laps: laps + 1 });
        }
      }
      live = next;
    }
    return out;
  };

  /**
   * A lap's condition `k < n` with k a constant and n the count a dma_map_sg() of nents entries
   * returned, which is at most nents (dma-direct: nents or 0; dma-iommu merges): 'past' when k
   * is nents or more (the condition is false whatever n is), 'within' below; undefined for any
   * other condition.
   */
  const countBound = (c: Expr, s: State): 'past' | 'within' | undefined => {
    if (c.k !== 'bin' || c.op !== '<' || c.l.k !== 'num' || c.r.k !== 'read') return undefined;
    const map = s.ops[c.r.op];
    if (map?.op !== 'dma_map_sg' || map.count === undefined) return undefined;
    return c.l.v >= BigInt(map.entries.length) ? 'past' : 'within';
  };

  const statement = (op: Op, st: State, at: string, depth: string): Outcome[] => {
    switch (op.op) {
      case 'let': st.env.set(op.reg, fold(op.value, st.env, at)); return [{ st, flow: 'next' }];
      case 'break': return [{ st, flow: 'break' }];
      case 'continue': return [{ st, flow: 'continue' }];
      case 'return': return [{ st, flow: 'return' }];
      case 'if': {
        const { yes, no } = branch(op.cond, st, at, `if at ${at}`);
        const out: Outcome[] = [];
        if (yes) out.push(...block(op.then, yes, depth));
        if (no) out.push(...(op.else ? block(op.else, no, depth) : [{ st: no, flow: 'next' as Flow }]));
        return out;
      }
      case 'while': return loop('while', op.cond, op.body, undefined, st, at, depth);
      case 'for': {
        st.env.set(op.reg, fold(op.from, st.env, at));
        return loop('for', op.cond, op.body, (s) => s.env.set(op.reg, fold(op.step, s.env, at)), st, at, depth);
      }
      case 'assume': throw new ProgramError(`${at}: 'assume' is not a statement of the format`);
      default: emit(op, st, at); return [{ st, flow: 'next' }];
    }
  };

  const start: State = { ops: [], origin: [], from: [], top: 0, env: new Map(), choices: [], cut: false };
  return block(actor.ops, start, '').map((o) => {
    if (o.flow === 'break' || o.flow === 'continue') throw new ProgramError(`${actor.name}: '${o.flow}' outside a loop`);
    return { ops: o.st.ops, origin: o.st.origin, from: o.st.from, regs: o.st.env, cut: o.st.cut, choices: o.st.choices };
  });
}

/** A path's value of a condition over final registers; `mem` leaves answered by `memory`. */
export function conditionHolds(cond: Expr, threads: readonly ThreadPath[], actorIndex: Map<string, number>, value: (actor: number, e: Expr) => bigint): boolean {
  return evaluate(cond, (leaf) => {
    if (leaf.k === 'treg') {
      const a = actorIndex.get(leaf.actor);
      const e = a === undefined ? undefined : threads[a].regs.get(leaf.name);
      return e === undefined ? 0n : value(a!, e); // herd7: a register never assigned on this path is 0
    }
    return value(-1, leaf);
  }) !== 0n;
}

/** Does an expression compute from handles alone (no read, no register)? */
function handlesOnly(e: Expr): boolean {
  return leaves(e).every((l) => l.k === 'handle' || l.k === 'sgLen');
}
