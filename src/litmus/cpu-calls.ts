// The kernel calls drivers use beyond the streaming DMA API (issue 18): 8/16/64-bit and io*
// MMIO accessors, acquire/release, spinlocks, xchg/cmpxchg, dma_pool, dma_alloc_noncoherent,
// the sg_table wrappers, readl_poll_timeout, and the calls that change no value (prefetch,
// udelay). Each becomes ops the model already runs; the comment on each names the kernel
// source it follows on arm64.

import { num, type Expr } from '../program/expr.js';
import type { BufRef, CpuOp, DeviceOp, DmaPool, MmioDecl, MmioWidth } from '../program/types.js';
import { walkOps } from './registers.js';
import type { Token } from './lexer.js';
import { SgTables } from './sg-tables.js';
import type { Syn } from './syntax-tree.js';
import { CPU_CALLS } from './vocabulary.js';

type Call = Extract<Syn, { s: 'call' }>;

/** EIO (include/uapi/asm-generic/errno-base.h): what a failed dma_map_sgtable() returns, negated. */
const EIO = 5n;

/** Calls that change no value the model holds: delays and hints. */
const NO_EFFECT: Record<string, number> = {
  // PRFM: a hint that may fill a line; the model lets any line fill at any time already.
  prefetch: 1, prefetchw: 1,
  // time passes; nothing is ordered (include/linux/delay.h)
  udelay: 1, ndelay: 1, mdelay: 1, msleep: 1, usleep_range: 2, cpu_relax: 0,
  dma_pool_destroy: 1,
};

interface MmioAccessor { write: boolean; width: MmioWidth; relaxed: boolean; io: boolean }

/** MMIO accessors by name: bytes moved, relaxed, io* spelling (arch/arm64/include/asm/io.h). */
const MMIO_ACCESSORS: ReadonlyMap<string, MmioAccessor> = new Map<string, MmioAccessor>([
  ...([['b', 1], ['w', 2], ['l', 4], ['q', 8]] as const).flatMap(([w, width]): [string, MmioAccessor][] => [
    [`write${w}`, { write: true, width, relaxed: false, io: false }],
    [`write${w}_relaxed`, { write: true, width, relaxed: true, io: false }],
    [`read${w}`, { write: false, width, relaxed: false, io: false }],
    [`read${w}_relaxed`, { write: false, width, relaxed: true, io: false }],
  ]),
  // include/asm-generic/io.h without GENERIC_IOMAP (arm64): ioread32() is readl(), iowrite32() writel()
  ...([8, 16, 32, 64] as const).flatMap((n): [string, MmioAccessor][] => [
    [`iowrite${n}`, { write: true, width: (n / 8) as MmioWidth, relaxed: false, io: true }],
    [`ioread${n}`, { write: false, width: (n / 8) as MmioWidth, relaxed: false, io: true }],
  ]),
]);

export const MMIO_NAMES = [...MMIO_ACCESSORS.keys()];

export class CpuCalls extends SgTables {
  /** `mmio u64 NAME @ PERIPHERAL;`: the registers whose width or peripheral is not the default. */
  protected readonly mmioDecls = new Map<string, MmioDecl>();
  /** dma_pool_create() results of this file, by the name the pool is assigned to. */
  protected readonly pools = new Map<string, DmaPool>();
  /** dma_pool_alloc's &handle: the device names the block by it, as the buffer's own name. */
  protected readonly handleAliases = new Map<string, string>();
  /** Ops a call's statement does after the call itself (what `ret = dma_map_sgtable(...)` assigns). */
  protected after: CpuOp[] = [];

  protected takeAfter(): CpuOp[] {
    const after = this.after;
    this.after = [];
    return after;
  }

  /** One of the calls of this file, or null when `c` is another. */
  protected kernelCall(c: Call, lhs: Token | undefined, sg: Map<string, (BufRef | undefined)[]>): CpuOp | undefined | null {
    const a = (n: number) => this.callArity(c, n);
    if (c.name in NO_EFFECT) {
      a(NO_EFFECT[c.name]);
      if (lhs) this.fail(lhs, `${c.name}() returns nothing to assign`);
      return undefined;
    }
    const mmio = MMIO_ACCESSORS.get(c.name);
    if (mmio) return this.mmioCall(c, lhs, mmio);
    switch (c.name) {
      // smp_load_acquire: LDAR (arch/arm64/include/asm/barrier.h __smp_load_acquire)
      case 'smp_load_acquire': {
        a(1);
        return { op: 'load', ...this.location(c.args[0]), once: true, acquire: true, ...(lhs ? { reg: this.assign(lhs) } : {}) };
      }
      // smp_store_release: STLR (__smp_store_release)
      case 'smp_store_release': {
        a(2);
        this.noResult(c, lhs);
        const loc = this.location(c.args[0]);
        return { op: 'store', ...loc, ...this.value(c.args[1], loc.size), once: true, release: true };
      }
      // xchg / cmpxchg: the fully ordered _mb forms (arch/arm64/include/asm/cmpxchg.h)
      case 'xchg': {
        a(2);
        const loc = this.location(c.args[0]);
        return { op: 'rmw', fn: 'xchg', ...loc, ...this.scalar(c.args[1], loc.size), ...(lhs ? { reg: this.assign(lhs) } : {}) };
      }
      case 'cmpxchg': {
        a(3);
        const loc = this.location(c.args[0]);
        const old = c.args[1].s === 'num' ? { old: this.valueArg(c.args[1], loc.size) } : { old: 0n, oldExpr: this.expr(c.args[1]) };
        return { op: 'rmw', fn: 'cmpxchg', ...loc, ...old, ...this.scalar(c.args[2], loc.size), ...(lhs ? { reg: this.assign(lhs) } : {}) };
      }
      // queued_spin_lock: atomic_try_cmpxchg_acquire(&lock->val, 0, _Q_LOCKED_VAL), else spin (kernel/locking/qspinlock.c)
      case 'spin_lock': case 'spin_lock_bh': case 'spin_lock_irq': case 'spin_lock_irqsave': {
        a(c.name === 'spin_lock_irqsave' ? 2 : 1);
        this.noResult(c, lhs);
        return { op: 'rmw', fn: 'spin_lock', ...this.lock(c.args[0]), value: 1n };
      }
      // queued_spin_unlock: smp_store_release(&lock->locked, 0) (include/asm-generic/qspinlock.h)
      case 'spin_unlock': case 'spin_unlock_bh': case 'spin_unlock_irq': case 'spin_unlock_irqrestore': {
        a(c.name === 'spin_unlock_irqrestore' ? 2 : 1);
        this.noResult(c, lhs);
        return { op: 'store', ...this.lock(c.args[0]), value: 0n, once: true, release: true };
      }
      case 'readl_poll_timeout': case 'readl_poll_timeout_atomic': case 'readl_relaxed_poll_timeout': return this.pollTimeout(c, lhs);
      case 'dma_pool_create': {
        a(5);
        if (!lhs) this.fail(c.tok, 'assign the pool: pool = dma_pool_create("name", dev, size, align, 0);');
        this.dev(c.args[1]);
        const size = this.size(c.args[2]);
        const align = this.intArg(c.args[3], 'an alignment');
        if (align & (align - 1)) this.fail(c.args[3].tok, `the alignment ${align} is not a power of two (dma_pool_create returns NULL)`);
        this.intArg(c.args[4], 'a boundary (0)');
        this.pools.set(lhs.text, { name: lhs.text, size, align: align || 1 });
        return undefined;
      }
      case 'dma_pool_alloc': case 'dma_pool_zalloc': {
        a(3);
        if (!lhs) this.fail(c.tok, `the block ${c.name}() returns must be assigned: cmd = ${c.name}(pool, GFP_KERNEL, &cmd_dma);`);
        const pool = this.pool(c.args[0]);
        if (!this.isFlags(c.args[1])) this.fail(c.args[1].tok, 'expected GFP flags, e.g. GFP_KERNEL');
        const b = this.buffers.get(lhs.text);
        if (!b) this.fail(lhs, `unknown buffer '${lhs.text}': declare the block, e.g. coherent ${lhs.text}[${pool.size}];`);
        if (b.kind !== 'coherent' || b.in) this.fail(lhs, `'${lhs.text}' is not declared 'coherent' (a dma_pool block is coherent memory)`);
        if (b.size > pool.size) this.fail(lhs, `'${lhs.text}' (${b.size} bytes) is larger than a block of pool '${pool.name}' (${pool.size})`);
        this.aliasHandle(c.args[2], lhs.text);
        this.handles.add(lhs.text);
        const zero = c.name === 'dma_pool_zalloc' || this.hasFlag(c.args[1], '__GFP_ZERO');
        return { op: 'dma_alloc_coherent', buf: lhs.text, pool: { ...pool, ...(zero ? { zero: true } : {}) } };
      }
      case 'dma_pool_free': {
        a(3);
        this.noResult(c, lhs);
        const pool = this.pool(c.args[0]);
        const name = this.word(c.args[1], 'the block dma_pool_alloc returned');
        if (!this.buffers.has(name)) this.fail(c.args[1].tok, `'${name}' is not a declared block`);
        const h = this.word(c.args[2], 'its DMA handle');
        if (h !== name && this.handleAliases.get(h) !== name) this.fail(c.args[2].tok, `'${h}' is not the handle dma_pool_alloc gave '${name}'`);
        return { op: 'dma_free_coherent', buf: name, pool: pool.name };
      }
      // dma_alloc_noncoherent → dma_alloc_pages: pages zeroed through the cacheable linear map, no
      // cache maintenance; the driver owns the syncs (kernel/dma/mapping.c, kernel/dma/direct.c).
      case 'dma_alloc_noncoherent': {
        a(5);
        if (!lhs) this.fail(c.tok, 'assign the memory: buf = dma_alloc_noncoherent(dev, size, &handle, dir, GFP_KERNEL);');
        this.dev(c.args[0]);
        const size = this.size(c.args[1]);
        const b = this.buffers.get(lhs.text);
        if (!b) this.fail(lhs, `unknown buffer '${lhs.text}': declare it first, e.g. page ${lhs.text}[${size}];`);
        if (b.kind !== 'page' || b.in) this.fail(lhs, `'${lhs.text}' is not declared 'page' (dma_alloc_noncoherent gives whole pages)`);
        if (size > b.size) this.fail(c.args[1].tok, `size ${size} is larger than '${lhs.text}' (${b.size})`);
        const handle = this.handleRef(c.args[2]);
        if (!this.isFlags(c.args[4])) this.fail(c.args[4].tok, 'expected GFP flags, e.g. GFP_KERNEL');
        this.handles.add(handle);
        this.allocHandles.set(lhs.text, handle);
        return { op: 'dma_map', api: 'page', handle, buf: lhs.text, off: 0, size, dir: this.dir(c.args[3]), skipCpuSync: true, alloc: 'noncoherent' };
      }
      // dma_free_noncoherent → dma_free_pages: no cache maintenance
      case 'dma_free_noncoherent': {
        a(5);
        this.noResult(c, lhs);
        this.dev(c.args[0]);
        const size = this.size(c.args[1]);
        const buf = this.bufferName(c.args[2]);
        return { op: 'dma_unmap', api: 'page', handle: this.handle(c.args[3]), size, dir: this.dir(c.args[4]), skipCpuSync: true, free: buf };
      }
      // dma_map_sgtable: dma_map_sg_attrs(dev, sgt->sgl, sgt->orig_nents, dir, attrs) (kernel/dma/mapping.c)
      case 'dma_map_sgtable': {
        a(4);
        this.dev(c.args[0]);
        const handle = this.word(c.args[1], 'an sg table');
        const table = sg.get(handle) ?? [];
        if (!table.length) this.fail(c.args[1].tok, `${handle} has no entries: call sg_set_buf(&${handle}[0], ptr, size) first`);
        const entries: BufRef[] = [];
        for (let k = 0; k < table.length; k++) {
          if (!table[k]) this.fail(c.args[1].tok, `${handle}[${k}] is not set: the table's entries are ${handle}[0] to ${handle}[${table.length - 1}]`);
          entries.push(table[k]!);
        }
        this.handles.add(handle);
        this.sgCounts.set(handle, entries.length);
        const op: Extract<CpuOp, { op: 'dma_map_sg' }> = { op: 'dma_map_sg', handle, entries, dir: this.dir(c.args[2]), ...(this.attrs(c.args[3]) ? { skipCpuSync: true } : {}) };
        this.sgtableMaps.set(handle, op);
        if (lhs) {
          // ret = dma_map_sgtable(...): 0, or the negative errno __dma_map_sg_attrs() gave (-EIO
          // when a segment fails to map in dma_direct_map_sg()): 0 exactly when the count is not.
          const count = this.fresh(`${handle}_nents`); // sgt->nents
          op.count = count;
          this.after.push({ op: 'let', reg: this.assign(lhs), value: { k: 'bin', op: '*', l: { k: 'bin', op: '==', l: { k: 'reg', name: count }, r: num(0n) }, r: num(2n ** 64n - EIO) } });
        }
        return op;
      }
      case 'dma_unmap_sgtable': {
        a(4);
        this.dev(c.args[0]);
        return { op: 'dma_unmap_sg', handle: this.handle(c.args[1]), dir: this.dir(c.args[2]), ...(this.attrs(c.args[3]) ? { skipCpuSync: true } : {}) };
      }
      case 'dma_sync_sgtable_for_cpu': case 'dma_sync_sgtable_for_device': {
        a(3);
        this.dev(c.args[0]);
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle: this.handle(c.args[1]), off: 0, size: 0, dir: this.dir(c.args[2]), sg: true };
      }
    }
    return null;
  }

  /** The bytes a register holds: 8 for `mmio u64 NAME;`, else 4. */
  protected registerBytes(reg: string): number {
    return this.mmioDecls.get(reg)?.bytes ?? 4;
  }

  /** A constant that fits, or an expression of registers: one value of an atomic access. */
  private scalar(a: Syn, size: number): { value: bigint; valueExpr?: Expr } {
    const v = this.value(a, size);
    if ('values' in v) this.fail(a.tok, `an atomic access holds one ${8 * size}-bit value`);
    return v;
  }

  private callArity(c: Call, n: number): void {
    if (c.args.length !== n) this.fail(c.tok, `wrong number of arguments: ${c.name} takes ${n} ${n === 1 ? 'argument' : 'arguments'} ${CPU_CALLS[c.name]}, found ${c.args.length}`);
  }

  private noResult(c: Call, lhs: Token | undefined): void {
    if (lhs) this.fail(lhs, `${c.name}() returns nothing to assign`);
  }

  /**
   * writeX(v, REG) / readX(REG), with the barriers of arch/arm64/include/asm/io.h: writeX is
   * __iowmb(); writeX_relaxed (dmb oshst, v5.4+), readX is readX_relaxed; __iormb (dmb oshld and a
   * control dependency) — the same for every width, so they are writel/readl of that width.
   */
  private mmioCall(c: Call, lhs: Token | undefined, m: MmioAccessor): CpuOp {
    const extra = { ...(m.relaxed ? { relaxed: true } : {}), ...(m.width !== 4 ? { width: m.width } : {}), ...(m.io ? { io: true } : {}) };
    if (m.write) {
      this.callArity(c, 2);
      this.noResult(c, lhs);
      const reg = this.register(c.args[1]);
      const v = this.value(c.args[0], m.width, m.width === 4);
      if ('values' in v) this.fail(c.args[0].tok, `an MMIO register holds one ${8 * m.width}-bit value`);
      return { op: 'writel', reg, ...v, ...extra };
    }
    this.callArity(c, 1);
    return { op: 'readl', reg: this.register(c.args[0]), ...extra, ...(lhs ? { dst: this.assign(lhs) } : {}) };
  }

  /**
   * readl_poll_timeout(addr, val, cond, delay_us, timeout_us) (include/linux/iopoll.h): read
   * until cond holds. A bounded loop: laps past --unroll are cut, not judged, so the timeout
   * path (-ETIMEDOUT) is never taken; write the loop out to model what the driver does then.
   */
  private pollTimeout(c: Call, lhs: Token | undefined): CpuOp {
    this.callArity(c, 5);
    const reg = this.register(c.args[0]);
    const val = c.args[1];
    if (val.s !== 'name' || val.index !== undefined) this.fail(val.tok, 'expected the variable that receives each read, e.g. val');
    const dst = this.assign(val.tok);
    const cond = this.expr(c.args[2], this.noLoads('the condition of readl_poll_timeout tests the value read (val), not memory'));
    if (this.scope.pre.length) this.fail(c.args[2].tok, 'the condition of readl_poll_timeout tests the value read');
    this.intArg(c.args[3], 'a delay in microseconds');
    this.intArg(c.args[4], 'a timeout in microseconds');
    if (lhs) this.fail(lhs, `${c.name}() returns 0 or -ETIMEDOUT; the timeout is not modelled: call it as a statement`);
    const relaxed = c.name === 'readl_relaxed_poll_timeout' ? { relaxed: true } : {};
    return { op: 'while', cond: num(1), body: [{ op: 'readl', reg, dst, ...relaxed }, { op: 'if', cond, then: [{ op: 'break' }] }] };
  }

  private lock(a: Syn): { buf: string; off: number; size: number } {
    const loc = this.location(a);
    if (loc.size !== 4) this.fail(a.tok, `a spinlock_t is 4 bytes (arm64 qspinlock); '${loc.buf}' is ${loc.size}`);
    return loc;
  }

  private pool(a: Syn): DmaPool {
    const name = this.word(a, 'a dma_pool');
    const p = this.pools.get(name);
    if (!p) this.fail(a.tok, `unknown dma_pool '${name}': create it first, ${name} = dma_pool_create("${name}", dev, size, align, 0);`);
    return p;
  }

  /** &h, the handle an allocator fills in. */
  private handleRef(a: Syn): string {
    if (a.s !== 'name' || a.index !== undefined) this.fail(a.tok, 'expected &handle, the dma_addr_t the call fills in');
    if (this.buffers.has(a.name)) this.fail(a.tok, `'${a.name}' is a buffer; name the dma_addr_t, e.g. &${a.name}_dma`);
    return a.name;
  }

  private aliasHandle(a: Syn, buf: string): void {
    if (a.s === 'name' && a.name === buf) return;
    this.handleAliases.set(this.handleRef(a), buf);
  }

  private hasFlag(a: Syn, flag: string): boolean {
    return (a.s === 'name' && a.name === flag) || (a.s === 'bin' && (this.hasFlag(a.l, flag) || this.hasFlag(a.r, flag)));
  }
}

/** After the parse: a dma_pool block's &handle names the block itself (mutates the ops in place). */
export function renameHandles(ops: readonly (CpuOp | DeviceOp)[], aliases: ReadonlyMap<string, string>): void {
  if (!aliases.size) return;
  const rename = (e: Expr): Expr => {
    switch (e.k) {
      case 'handle': return aliases.has(e.name) ? { ...e, name: aliases.get(e.name)! } : e;
      case 'un': return { ...e, e: rename(e.e) };
      case 'bin': return { ...e, l: rename(e.l), r: rename(e.r) };
      default: return e;
    }
  };
  walkOps(ops, (op) => {
    const o = op as unknown as Record<string, unknown>;
    if (typeof o.handle === 'string' && aliases.has(o.handle)) o.handle = aliases.get(o.handle);
    for (const k of ['offExpr', 'valueExpr', 'addr', 'until', 'cond', 'from', 'step', 'value']) {
      const e = o[k];
      if (e && typeof e === 'object' && 'k' in e) o[k] = rename(e as Expr);
    }
  });
}
