// What an expression means inside a thread (src/litmus/thread-scope.ts keeps its registers): names
// are the thread's registers or DMA handles (bus addresses, checked once every thread is read);
// a memory load inside an expression (`READ_ONCE(*(u32 *)(ring + 12)) & 0x3fff`) becomes a load
// into a fresh register just before the statement. Accesses and device addresses may add
// registers to their base (`*(u32 *)(ring + 16 * i + 4)`); constants stay plain numbers.
import { num, type Expr } from '../program/expr.js';
import type { CpuOp, DeviceOp, Value } from '../program/types.js';
import { valueProblem } from '../exec/values.js';
import type { Token } from './lexer.js';
import { SG_SEGMENT_CALLS } from './c-lang.js';
import { ThreadScopes } from './thread-scope.js';
import { placeName } from './load-names.js';
import { SWAB_FUNCTIONS } from './syntax.js';
import type { Syn } from './syntax-tree.js';
import { CPU_CALLS, DEVICE_CALLS, closest, isDirection } from './vocabulary.js';

export interface Access { buf: string; off: number; size: number; offExpr?: Expr }

/** How a memory load met inside an expression is read: into a fresh register, or as a wait loop's polled value. */
export type LoadRule = (access: Access, once: boolean, at: Syn) => Expr;

export type ComputedValue = { value: Value } | { value: Value; valueExpr: Expr } | { value: Value; values: Value[] };

export class Expressions extends ThreadScopes {
  /** A load met inside an expression: into a fresh register named after the place read, read just before the statement. */
  protected readonly loadIntoFresh: LoadRule = (access, once, at) => {
    const reg = this.fresh(placeName(at) ?? `${access.buf}_val`);
    this.scope.pre.push({ op: 'load', ...access, ...(once ? { once: true } : {}), reg });
    return { k: 'reg', name: reg };
  };

  protected readonly noLoads = (why: string): LoadRule => (_access, _once, at) => this.fail(at.tok, why);

  /** An expression of this thread. */
  protected expr(a: Syn, load: LoadRule = this.loadIntoFresh): Expr {
    switch (a.s) {
      case 'num': return num(a.v);
      case 'un': return { k: 'un', op: a.op, e: this.expr(a.e, load) };
      case 'bin': return { k: 'bin', op: a.op, l: this.expr(a.l, load), r: this.expr(a.r, load) };
      case 'name': return this.nameValue(a);
      case 'deref': return this.loadLeaf(a, false, load, a);
      case 'call':
        if (a.name === 'READ_ONCE' && this.scope.kind === 'cpu') {
          if (a.args.length !== 1) this.fail(a.tok, `wrong number of arguments: READ_ONCE takes 1 argument ${CPU_CALLS.READ_ONCE}, found ${a.args.length}`);
          return this.loadLeaf(this.derefArg(a.args[0]), true, load, a);
        }
        if (SG_SEGMENT_CALLS.has(a.name) && this.scope.kind === 'cpu') return this.sgSegment(a);
        if (a.name in SWAB_FUNCTIONS) {
          if (a.args.length !== 1) this.fail(a.tok, `${a.name}() takes one argument`);
          return swabExpr(this.expr(a.args[0], load), SWAB_FUNCTIONS[a.name]);
        }
        if ((a.name === 'readl' || a.name === 'readl_relaxed') && this.scope.kind === 'cpu' && load === this.loadIntoFresh) {
          // while (!(readl(STATUS) & DONE)) cpu_relax();: the register is read into a fresh
          // register just before the statement, as a load inside an expression is.
          if (a.args.length !== 1) this.fail(a.tok, `wrong number of arguments: ${a.name} takes 1 argument (REG), found ${a.args.length}`);
          const reg = this.register(a.args[0]);
          const dst = this.fresh(reg.toLowerCase(), `${reg.toLowerCase()}_val`); // status = readl(STATUS), as drivers name it
          this.scope.pre.push({ op: 'readl', reg, ...(a.name === 'readl_relaxed' ? { relaxed: true } : {}), dst });
          return { k: 'reg', name: dst };
        }
        if (a.name === 'smp_load_acquire' && this.scope.kind === 'cpu' && load === this.loadIntoFresh) {
          // while (smp_load_acquire(&ready) != 1) cpu_relax();: an LDAR into a fresh register just
          // before the statement (arch/arm64/include/asm/barrier.h __smp_load_acquire), as readl
          if (a.args.length !== 1) this.fail(a.tok, `wrong number of arguments: smp_load_acquire takes 1 argument ${CPU_CALLS.smp_load_acquire}, found ${a.args.length}`);
          const loc = this.location(a.args[0]);
          const reg = this.fresh(`${loc.buf}_val`);
          this.scope.pre.push({ op: 'load', ...loc, once: true, acquire: true, reg });
          return { k: 'reg', name: reg };
        }
        if (a.name === 'dma_read' && this.scope.kind === 'device' && load === this.loadIntoFresh) {
          // dma_write(be64_to_cpu(dma_read(wqe, 8)), ...): the read into a fresh register just
          // before the statement, as a field read (`ring[i].addr`) in an expression is
          if (a.args.length !== 2) this.fail(a.tok, `wrong number of arguments: dma_read takes 2 arguments ${DEVICE_CALLS.dma_read}, found ${a.args.length}`);
          const size = this.size(a.args[1]);
          if (size > 8) this.fail(a.args[1].tok, `a ${size}-byte read is not a value: a register holds at most 8 bytes`);
          const reg = this.fresh(`${placeName(a.args[0]) ?? 'dma'}_val`);
          this.scope.pre.push({ op: 'dma_read', ...this.busAddress(a.args[0]), size, reg } as unknown as CpuOp);
          return { k: 'reg', name: reg };
        }
        return this.unknownInExpression(a);
      case 'assign': return this.assignInExpression(a, load);
      case 'cond': return this.conditional(a, load);
      case 'treg': return this.fail(a.tok, `'${a.actor}:${a.name}' names another thread's register: that is for exists/forall conditions`);
      case 'index': case 'member': case 'addr': case 'star': case 'sizeof':
        return this.fail(a.tok, 'internal: an unresolved C expression'); // resolved by desugar() before this
      case 'ref': return this.fail(a.tok, 'an sg entry address is not a value');
      case 'list': return this.fail(a.tok, 'a list of values {v0, v1} is the value of a store or dma_write wider than 8 bytes');
    }
  }

  /**
   * The location of an atomic or acquire/release access: a declared buffer or field (`flag`,
   * `&flag`) of 1, 2, 4 or 8 bytes, whose size the access takes as C takes it from the type.
   */
  protected location(a: Syn): { buf: string; off: number; size: number } {
    const name = a.s === 'name' && a.index === undefined ? a.name : undefined;
    if (!name) this.fail(a.tok, 'expected a declared location such as &flag (declare it: field flag[4] in ring + 8;)');
    const b = this.buffers.get(name);
    if (!b) this.bufferName(a);
    if (![1, 2, 4, 8].includes(b!.size)) this.fail(a.tok, `'${name}' is ${b!.size} bytes; an atomic or acquire/release access is 1, 2, 4 or 8 bytes: declare a field of that size (field ${name}_word[4] in ${name};)`);
    return { buf: name, off: 0, size: b!.size };
  }

  /**
   * `(status = READ_ONCE(...))` inside an expression: the assignment happens first (a `let`, or a
   * store, among the statement's lowered loads) and the expression reads what was assigned.
   */
  private assignInExpression(a: Extract<Syn, { s: 'assign' }>, load: LoadRule): Expr {
    if (load !== this.loadIntoFresh) this.fail(a.tok, "an assignment here is not supported (a wait loop's or a for loop's condition): assign in a statement of its own");
    const t = a.target;
    if (t.s === 'name' && t.index === undefined) {
      const current = t.s === 'name' && this.scope.assigned.has(t.name) ? ({ k: 'reg', name: t.name } as Expr) : undefined;
      if (a.op && !current) this.fail(t.tok, `register '${t.name}' is used before it is assigned`);
      const once = a.value.s === 'call' && a.value.name === 'READ_ONCE' && a.value.args.length === 1 && a.value.args[0].s === 'deref';
      const d = once ? (a.value as Extract<Syn, { s: 'call' }>).args[0] : a.value;
      if (!a.op && d.s === 'deref' && this.fitsLoad(t.name, d.size) && this.scope.kind === 'cpu') {
        // (status = *p), (status = READ_ONCE(*p)): the load goes into status itself, as `status = *p;` would.
        const access = this.access(d, load);
        if (access.size > 8) this.fail(d.tok, `a ${access.size}-byte load is not a value: a register holds at most 8 bytes`);
        const reg = this.assign(t.tok);
        this.scope.pre.push({ op: 'load', ...access, ...(once ? { once: true } : {}), reg });
        return { k: 'reg', name: reg };
      }
      const v = this.expr(a.value, load);
      const reg = this.assign(t.tok);
      this.scope.pre.push({ op: 'let', reg, value: this.narrowed(reg, a.op ? { k: 'bin', op: a.op, l: current!, r: v } : v) });
      return { k: 'reg', name: reg };
    }
    if (t.s === 'deref') {
      const old = a.op ? this.expr(t, load) : undefined;
      const v = this.expr(a.value, load);
      const value = old ? ({ k: 'bin', op: a.op!, l: old, r: v } as Expr) : v;
      const reg = this.fresh(`${placeName(t) ?? 'val'}_new`);
      this.scope.pre.push({ op: 'let', reg, value });
      this.scope.pre.push(this.storeOp(t, { k: 'reg', name: reg }) as CpuOp);
      return { k: 'reg', name: reg };
    }
    return this.fail(t.tok, 'expected a register or a memory location to assign');
  }

  /** A store of an expression's value to a location: a CPU store, or a device's dma_write. */
  protected storeOp(target: Extract<Syn, { s: 'deref' }>, value: Expr): CpuOp | DeviceOp {
    if (this.scope.kind === 'device') {
      const size = target.size;
      return { op: 'dma_write', ...this.deviceAddress(target), size, ...(value.k === 'num' ? { value: value.v } : { value: 0n, valueExpr: value }) } as DeviceOp;
    }
    const acc = this.access(target);
    return { op: 'store', ...acc, ...(value.k === 'num' ? { value: value.v } : { value: 0n, valueExpr: value }) };
  }

  /**
   * c ? a : b. Arms that only compute are one expression (both computed, one kept); arms that read
   * memory or assign become an `if` into a fresh register, so only the chosen arm's loads happen.
   */
  private conditional(a: Extract<Syn, { s: 'cond' }>, load: LoadRule): Expr {
    const c = this.expr(a.c, load);
    const outer = this.scope.pre;
    this.scope.pre = [];
    const x = this.expr(a.a, load);
    const preA = this.takePre();
    const y = this.expr(a.b, load);
    const preB = this.takePre();
    this.scope.pre = outer;
    if (!preA.length && !preB.length) {
      const yes: Expr = { k: 'un', op: '!', e: { k: 'un', op: '!', e: c } };
      return { k: 'bin', op: '+', l: { k: 'bin', op: '*', l: yes, r: x }, r: { k: 'bin', op: '*', l: { k: 'un', op: '!', e: c }, r: y } };
    }
    if (load !== this.loadIntoFresh) this.fail(a.tok, "'?:' with loads in its arms is not supported here: use if/else in statements of their own");
    const reg = this.fresh('val');
    this.scope.pre.push({ op: 'if', cond: c, then: [...preA, { op: 'let', reg, value: x }], else: [...preB, { op: 'let', reg, value: y }] });
    return { k: 'reg', name: reg };
  }

  /**
   * The size of an unmap or sync: a constant, or computed from registers (`pkt_len`): then
   * sizeExpr, folded per path by src/exec/paths.ts (bounded by the mapping when it depends on a read).
   */
  protected sizeArg(a: Syn): { size: number; sizeExpr?: Expr } {
    if (a.s === 'num') return { size: this.intArg(a, 'a size') };
    return { size: 0, sizeExpr: this.expr(a) };
  }

  /** The bus address a device's `*(T *)(h + off)` or `ring[i].field` names: through a handle, never a CPU buffer. */
  protected deviceAddress(d: Extract<Syn, { s: 'deref' }>, at: Syn = d): ReturnType<Expressions['busAddress']> {
    const base = this.splitBase(d.ptr).base;
    if (base.s === 'name' && this.buffers.has(base.name) && this.buffers.get(base.name)!.kind !== 'coherent') {
      this.fail(at.tok, `a device accesses memory through a DMA handle, not the buffer '${base.name}': r = dma_read(h + off, size); or *(u32 *)(h + off)`);
    }
    return this.busAddress(d.ptr);
  }

  /** A load in an expression; `at` is the READ_ONCE, or the access itself. */
  private loadLeaf(d: Extract<Syn, { s: 'deref' }>, once: boolean, load: LoadRule, at: Syn): Expr {
    if (this.scope.kind === 'device') {
      // A device reads memory by DMA: `s = ring[1].cbd_sc;` is a dma_read through the handle.
      if (load !== this.loadIntoFresh) this.fail(at.tok, 'a device reads memory with r = dma_read(ptr, size); first');
      if (d.size > 8) this.fail(at.tok, `a ${d.size}-byte read is not a value: a register holds at most 8 bytes`);
      const reg = this.fresh(placeName(at) ?? 'val');
      this.scope.pre.push({ op: 'dma_read', ...this.deviceAddress(d, at), size: d.size, reg } as unknown as CpuOp);
      return { k: 'reg', name: reg };
    }
    const access = this.access(d, load);
    if (access.size > 8) this.fail(at.tok, `a ${access.size}-byte load is not a value: a register holds at most 8 bytes`);
    return load(access, once, at);
  }

  /**
   * sg_dma_address(&sgl[i]) and sg_dma_len(&sgl[i]) (or of the `sg` of for_each_sg, or of `sgl`,
   * its first entry): the bus address and length of the entry's DMA segment, as the kernel made
   * it when it mapped the list (dma-direct: one an entry; dma-iommu may merge). An entry computed
   * at run time is each mapped entry in turn, `(i == 0) * sg_dma_address(&sgl[0]) + ...`.
   */
  private sgSegment(a: Extract<Syn, { s: 'call' }>): Expr {
    const form = `${a.name}(&sgl[i])`;
    if (a.args.length !== 1) this.fail(a.tok, `wrong number of arguments: ${a.name} takes 1 argument, the scatterlist entry (${form}, or the sg of for_each_sg), found ${a.args.length}`);
    const arg = a.args[0];
    if (arg.s === 'name' && arg.index === undefined && this.sgCursors.has(arg.name)) {
      const cursor = this.sgCursors.get(arg.name)!;
      return this.sgEntries(a, arg.tok, cursor.table, { k: 'reg', name: cursor.index });
    }
    if (arg.s === 'ref') return this.sgEntries(a, arg.tok, arg.name, arg.index);
    if (arg.s === 'name' && arg.index === undefined) return this.sgEntries(a, arg.tok, arg.name, 0); // sgl: &sgl[0]
    if (arg.s === 'addr' && arg.e.s === 'index' && arg.e.base.s === 'name' && arg.e.base.index === undefined) {
      const i = this.expr(this.desugar(arg.e.i));
      return this.sgEntries(a, arg.e.base.tok, arg.e.base.name, i.k === 'num' ? Number(i.v) : i);
    }
    return this.fail(arg.tok, `${a.name}() takes a scatterlist entry: ${form}, or the sg of for_each_sg(sgl, sg, nents, i)`);
  }

  /** The segment value of entry `index` of `table`, or, for an index computed at run time, of whichever entry it names. */
  private sgEntries(a: Extract<Syn, { s: 'call' }>, at: Token, table: string, index: number | Expr): Expr {
    const mapped = this.sgCounts.get(table);
    if (mapped === undefined && this.sgPointers.has(table)) this.fail(at, `'${table}' points at no entry yet: assign it first (${table} = sgl; or ${table} = sgt->sgl;)`);
    if (mapped === undefined) this.fail(at, `'${table}' is not a mapped scatterlist: fill it with sg_set_buf(&${table}[0], buf, size) and map it with dma_map_sg() before ${a.name}()`);
    this.scope.pending.push({ name: table, tok: at, asValue: false });
    const leaf = (entry: number): Expr => (a.name === 'sg_dma_len' ? { k: 'sgLen', name: table, entry } : { k: 'handle', name: table, entry });
    if (typeof index === 'number') {
      if (index >= mapped) this.fail(at, `${table}[${index}] is not one of the ${mapped} entries dma_map_sg() mapped`);
      return leaf(index);
    }
    let sum: Expr | undefined;
    for (let k = 0; k < mapped; k++) {
      const term: Expr = { k: 'bin', op: '*', l: { k: 'bin', op: '==', l: index, r: num(k) }, r: leaf(k) };
      sum = sum ? { k: 'bin', op: '+', l: sum, r: term } : term;
    }
    return sum!;
  }

  private nameValue(a: Extract<Syn, { s: 'name' }>): Expr {
    if (a.index !== undefined) this.fail(a.tok, `${a.name}[${a.index}] is an sg entry, not a value`);
    const sg = this.sgPointerValue(a);
    if (sg) return sg;
    if (this.dirVars.has(a.name) || isDirection(a.name)) this.fail(a.tok, `'${a.name}' is a DMA direction: it is an argument of the DMA API only (a test on it is a test on a constant: keep the branch that applies)`);
    if (this.scope.assigned.has(a.name)) return { k: 'reg', name: a.name };
    if (this.registers.has(a.name)) this.fail(a.tok, `'${a.name}' is an MMIO register: read it with r = readl(${a.name});`);
    // if (!buf) after buf = dma_alloc_noncoherent(..., &h, ...): never NULL, as `if (!h)` (a coherent buffer's own check)
    const name = this.allocHandles.get(a.name) ?? a.name;
    this.scope.pending.push({ name, tok: a.tok, asValue: true });
    return { k: 'handle', name };
  }

  /** A scatterlist pointer as a value (src/litmus/sg-tables.ts); undefined for any other name. */
  protected sgPointerValue(_a: Extract<Syn, { s: 'name' }>): Expr | undefined {
    return undefined;
  }

  protected unknownInExpression(a: Extract<Syn, { s: 'call' }>): never {
    if (a.name in CPU_CALLS || a.name in DEVICE_CALLS) this.fail(a.tok, `${a.name}() cannot be used inside an expression: assign its result to a register first`);
    const hint = closest(a.name, [...Object.keys(this.scope.kind === 'cpu' ? CPU_CALLS : DEVICE_CALLS)]);
    this.fail(a.tok, `unknown function '${a.name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }

  /** *(u32 *)(buf + E): a declared buffer plus a constant offset (checked against its size) or an expression. */
  protected access(d: Extract<Syn, { s: 'deref' }>, load: LoadRule = this.loadIntoFresh): Access {
    const { base, off } = this.splitBase(d.ptr);
    if (base.s !== 'name' || base.index !== undefined) this.fail(d.ptr.tok, 'expected a buffer, optionally + offset, after the cast');
    const name = this.bufferName(base);
    if (!off || off.s === 'num') return this.range({ name, off: this.offsetNumber(off), size: d.size }, d.ptr.tok);
    const r = this.range({ name, off: 0, size: d.size }, d.ptr.tok);
    return { buf: r.buf, off: r.off, size: r.size, offExpr: this.expr(off, load) };
  }

  /**
   * A device's bus address: a handle (h, h + E, sgl[1] + E) with a constant offset or an offset
   * expression, or any other expression (a register holding an address it read) as `addr`.
   */
  protected busAddress(a: Syn): { handle: string; entry?: number; off: number; offExpr?: Expr } | { handle: ''; off: 0; addr: Expr } {
    const { base, off } = this.splitBase(a);
    if (base.s !== 'name' || this.scope.assigned.has(base.name)) return { handle: '', off: 0, addr: this.expr(a) };
    this.scope.pending.push({ name: base.name, tok: base.tok, asValue: false });
    const entry = base.index === undefined ? {} : { entry: base.index };
    if (!off || off.s === 'num') return { handle: base.name, ...entry, off: this.offsetNumber(off) };
    return { handle: base.name, ...entry, off: 0, offExpr: this.expr(off) };
  }

  /**
   * The value of a store or write of `size` bytes: a constant that fits, an expression of
   * registers and handles (valueExpr; wider than 8 bytes, its low byte fills them as a constant's
   * does), or {v0, v1, ...}: little-endian u64s filling the size.
   */
  protected value(a: Syn, size: number, register = false): ComputedValue {
    if (a.s === 'list') {
      const values = a.items.map((v) => {
        if (v.s !== 'num') this.fail(v.tok, 'the values in {v0, v1} are numbers');
        return v.v;
      });
      if (values.length * 8 !== size) this.fail(a.tok, `{...} holds ${values.length} u64 values (${values.length * 8} bytes) but the access is ${size} bytes: give one value per 8 bytes`);
      return { value: 0n, values };
    }
    if (a.s === 'num') {
      const problem = valueProblem(a.v, size, register);
      if (problem) this.fail(a.tok, problem);
      return { value: a.v };
    }
    return { value: 0n, valueExpr: this.expr(a) };
  }
}

/** __swab16/32/64 of a computed value: the low `size` bytes in the other order, as shifts and masks. */
export function swabExpr(e: Expr, size: number): Expr {
  let out: Expr | undefined;
  for (let k = 0; k < size; k++) {
    const byte: Expr = { k: 'bin', op: '&', l: k ? { k: 'bin', op: '>>', l: e, r: num(8 * k) } : e, r: num(0xff) };
    const moved: Expr = size - 1 - k ? { k: 'bin', op: '<<', l: byte, r: num(8 * (size - 1 - k)) } : byte;
    out = out ? { k: 'bin', op: '|', l: out, r: moved } : moved;
  }
  return out!;
}

/** !e, without stacking a second ! on a negation. */
export function negate(e: Expr): Expr {
  return e.k === 'un' && e.op === '!' ? e.e : { k: 'un', op: '!', e };
}
