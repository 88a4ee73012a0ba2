// Statements of a cpu block: stores, loads into registers, `r = expression;`, MMIO, barriers, the
// DMA API calls and the mapping check. Control flow (if, while, for) is src/litmus/statements.ts.

import type { BufRef, CpuOp } from '../program/types.js';
import { memsetValue, REGISTER_BYTES } from '../exec/values.js';
import type { Token } from './lexer.js';
import { CpuCalls } from './cpu-calls.js';
import { IDENTITY_FUNCTIONS } from './syntax.js';
import type { Syn } from './syntax-tree.js';
import { CPU_CALLS, DEVICE_CALLS, PRINTING_CALLS, UNSUPPORTED_CALLS, closest, isBarrier } from './vocabulary.js';

type Call = Extract<Syn, { s: 'call' }>;

/**
 * What may wrap the mapping check, if (unlikely(dma_mapping_error(dev, h))): the branch hint
 * (include/linux/compiler.h) and WARN_ON()/WARN_ON_ONCE(), whose value is the condition's
 * (include/asm-generic/bug.h; the warning they print is not modelled).
 */
export const CHECK_WRAPPERS: ReadonlySet<string> = new Set(['unlikely', 'WARN_ON', 'WARN_ON_ONCE']);

export class CpuStatements extends CpuCalls {
  /** memcpy()s into declared memory: refused where that memory is DMA memory (checked once the file is read). */
  protected readonly memcpyInto: { name: string; tok: Token }[] = [];
  /** One simple CPU statement, after the loads it needs; empty for sg_set_buf, which only fills an sg table. */
  protected cpuStatement(sg: Map<string, (BufRef | undefined)[]>): CpuOp[] {
    const t = this.tok;
    if (this.is('*')) { // *(u32 *)(buf + 4) = value;
      const target = this.syn();
      if (target.s !== 'deref') this.fail(t, 'expected a store: *(u32 *)ptr = value;');
      const acc = this.access(target);
      this.expectText('=', 'in a store');
      const value = this.value(this.syn(), acc.size);
      this.end();
      return [...this.takePre(), { op: 'store', ...acc, ...value }];
    }
    if (t.kind !== 'ident') this.fail(t, `expected a statement, found ${this.found(t)}`);
    if (this.is('=', 1)) { // lhs = ...
      const lhs = this.next();
      this.next();
      if (this.tok.kind === 'ident' && this.is('(', 1) && !IDENTITY_FUNCTIONS.has(this.tok.text)) this.knownCall(this.tok, CPU_CALLS, 'cpu');
      const rhs = this.syn();
      this.end();
      if (rhs.s === 'deref') return [...this.takePre(), { op: 'load', ...this.access(rhs), reg: this.assign(lhs) }]; // r = *(u32 *)buf;
      if (rhs.s === 'call' && rhs.name in CPU_CALLS) {
        // the loads its arguments lower (h = dma_map_single(dev, buf, readl(LEN), dir)) go before it
        const call = this.opt(this.cpuCall(rhs, lhs, sg));
        return [...this.takePre(), ...call, ...this.takeAfter()];
      }
      const value = this.expr(rhs); // r = expression;
      return [...this.takePre(), { op: 'let', reg: this.assign(lhs), value }];
    }
    if (PRINTING_CALLS.has(t.text) && this.is('(', 1)) {
      this.skipCall();
      this.end();
      return [];
    }
    this.knownCall(t, CPU_CALLS, 'cpu');
    const call = this.syn();
    if (call.s !== 'call') this.fail(t, `expected a call such as ${t.text}(...);`);
    this.end();
    // writel(readl(R) | BIT(0), R): the read its argument lowers goes before it, as r = readl(R); would
    const ops = this.opt(this.cpuCall(call, undefined, sg));
    return [...this.takePre(), ...ops];
  }

  /**
   * memcpy()'s destination: a local r (undefined: the bytes go to no memory), or declared memory,
   * at an offset too (`skb->data + off`): its name, for the check once the file is read.
   */
  private memcpyDestination(a: Syn): string | undefined {
    if (a.s === 'name' && a.index === undefined) return this.buffers.has(a.name) || this.pointers.has(a.name) ? (this.pointers.get(a.name)?.buf ?? a.name) : undefined;
    const base = this.splitBase(a).base;
    if (base.s !== 'name' || base.index !== undefined || !this.buffers.has(base.name)) this.fail(a.tok, 'memcpy(r, ptr, size) reads size bytes of ptr into a local r');
    return this.access(bytesAt(a, 1)).buf; // the offset is checked and its registers read; the bytes are not carried
  }

  /** NAME( ... ) with whatever is inside, balanced: a call whose arguments mean nothing to the model. */
  protected skipCall(): void {
    const name = this.next();
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') this.fail(name, `'(' after ${name.text} has no closing ')'`);
      if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) depth++;
      if (t.kind === 'punct' && (t.text === ')' || t.text === ']') && --depth === 0) return;
    }
  }

  private opt(op: CpuOp | undefined): CpuOp[] {
    return op ? [op] : [];
  }

  /** The name of a call must be one this block understands (checked before its arguments are read). */
  protected knownCall(name: Token, known: Record<string, string>, block: 'cpu' | 'device'): void {
    if (name.kind === 'ident' && name.text in known) return;
    if (name.kind !== 'ident') this.fail(name, `expected an operation, found ${this.found(name)}`);
    const other = block === 'cpu' ? DEVICE_CALLS : CPU_CALLS;
    if (name.text in other) this.fail(name, `${name.text}() is a ${block === 'cpu' ? 'device' : 'CPU'} operation; it belongs in a '${block === 'cpu' ? 'device' : 'cpu'}' block`);
    if (name.text in UNSUPPORTED_CALLS) this.fail(name, `${name.text}() is not supported: ${UNSUPPORTED_CALLS[name.text]}`);
    const hint = closest(name.text, Object.keys(known));
    this.fail(name, `unknown function '${name.text}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }

  protected arity(c: Call, n: number): void {
    if (c.args.length !== n) {
      this.fail(c.tok, `wrong number of arguments: ${c.name} takes ${n} ${n === 1 ? 'argument' : 'arguments'} ${CPU_CALLS[c.name] ?? DEVICE_CALLS[c.name]}, found ${c.args.length}`);
    }
  }

  protected cpuCall(c: Call, lhs: Token | undefined, sg: Map<string, (BufRef | undefined)[]>): CpuOp | undefined {
    const a = (n: number) => this.arity(c, n);
    const needsLhs = (what: string) => {
      if (!lhs) this.fail(c.tok, `the ${what} ${c.name}() returns must be assigned: h = ${c.name}${CPU_CALLS[c.name]};`);
      return lhs.text;
    };
    const attrs = (arg: Syn | undefined) => (arg && this.attrs(arg) ? { skipCpuSync: true } : {});
    if (isBarrier(c.name)) { a(0); return { op: 'barrier', kind: c.name }; }
    // arm64 defines neither: include/asm-generic/barrier.h makes both __smp_mb() (dmb ish)
    if (c.name === 'smp_mb__before_atomic' || c.name === 'smp_mb__after_atomic') { a(0); return { op: 'barrier', kind: 'smp_mb' }; }
    const more = this.kernelCall(c, lhs, sg); // src/litmus/cpu-calls.ts
    if (more !== null) return more;
    switch (c.name) {
      case 'READ_ONCE': {
        a(1);
        return { op: 'load', ...this.access(this.derefArg(c.args[0])), once: true, ...(lhs ? { reg: this.assign(lhs) } : {}) };
      }
      case 'WRITE_ONCE': {
        a(2);
        const target = this.derefArg(c.args[0]);
        const acc = this.access(target);
        return { op: 'store', ...acc, ...this.value(c.args[1], acc.size), once: true };
      }
      case 'memset': {
        a(3);
        const byte = this.valueArg(c.args[1], MEMSET_BYTE);
        if (c.args[2].s !== 'num') {
          // memset(skb + len, 0, ETH_ZLEN - len): a length computed from registers, at most the rest of the buffer
          const sizeExpr = this.expr(c.args[2]);
          const at = this.splitBase(c.args[0]).off;
          if (at && at.s !== 'num') {
            const acc = this.access(bytesAt(c.args[0], 1));
            return { op: 'store', ...acc, size: this.restOf({ name: acc.buf, off: acc.off }, c.args[0].tok).size, value: byte, sizeExpr };
          }
          const p = this.pointer(c.args[0]);
          return { op: 'store', ...this.range(this.restOf(p, c.args[0].tok), c.args[0].tok), value: byte, sizeExpr };
        }
        const size = this.intArg(c.args[2], 'a size');
        const { off } = this.splitBase(c.args[0]);
        if (off && off.s !== 'num') {
          // memset(ring + 64 * i, 0, 64): a computed offset, as a store's (an address dependency)
          return { op: 'store', ...this.access(bytesAt(c.args[0], size)), value: memsetValue(byte, size) };
        }
        const p = this.pointer(c.args[0]);
        return { op: 'store', ...this.range({ name: p.name, off: p.off, size }, c.args[0].tok), value: memsetValue(byte, size) };
      }
      case 'memcpy': {
        a(3);
        // A copy into declared memory reads the source; the bytes it writes are not carried (a copy
        // of up to a page). Into a CPU-only buffer (copybreak's new skb) that loses nothing a DMA
        // check sees; into DMA memory it would drop the stores the device must see: refused there
        // once the file is read (src/litmus/parse.ts, a map may come later).
        const into = this.memcpyDestination(c.args[0]);
        if (into) this.memcpyInto.push({ name: into, tok: c.args[0].tok });
        const at = this.splitBase(c.args[1]).off;
        if (at && at.s !== 'num') {
          // memcpy(r, ring + 64 * i, len): a computed source offset, as memset()'s (an address dependency)
          if (c.args[2].s !== 'num') {
            const acc = this.access(bytesAt(c.args[1], 1));
            return { op: 'load', ...acc, size: this.restOf({ name: acc.buf, off: acc.off }, c.args[1].tok).size, sizeExpr: this.expr(c.args[2]) };
          }
          return { op: 'load', ...this.access(bytesAt(c.args[1], this.intArg(c.args[2], 'a size'))) };
        }
        const p = this.pointer(c.args[1]);
        // memcpy(r, rxbuf, len) (copybreak): a length computed from registers, at most the rest of the buffer
        if (c.args[2].s !== 'num') return { op: 'load', ...this.range(this.restOf(p, c.args[1].tok), c.args[1].tok), sizeExpr: this.expr(c.args[2]) };
        return { op: 'load', ...this.range({ name: p.name, off: p.off, size: this.intArg(c.args[2], 'a size') }, c.args[1].tok) };
      }
      case 'writel': case 'writel_relaxed': {
        a(2);
        const reg = this.register(c.args[1]);
        const v = this.value(c.args[0], REGISTER_BYTES, true);
        if ('values' in v) this.fail(c.args[0].tok, 'an MMIO register holds one 32-bit value');
        return { op: 'writel', reg, ...v, ...(c.name === 'writel_relaxed' ? { relaxed: true } : {}) };
      }
      case 'readl': case 'readl_relaxed': {
        a(1);
        return { op: 'readl', reg: this.register(c.args[0]), ...(c.name === 'readl_relaxed' ? { relaxed: true } : {}), ...(lhs ? { dst: this.assign(lhs) } : {}) };
      }
      case 'wait_for_irq': a(1); return { op: 'wait_irq', irq: this.word(c.args[0], 'an irq name') };
      case 'dma_set_mask': case 'dma_set_mask_and_coherent': {
        a(2);
        this.dev(c.args[0]);
        const m = c.args[1];
        if (m.s !== 'call' || m.name !== 'DMA_BIT_MASK' || m.args.length !== 1) this.fail(m.tok, 'expected DMA_BIT_MASK(n)');
        const bits = this.intArg(m.args[0], 'a number of address bits');
        if (bits < 24 || bits > 64) this.fail(m.args[0].tok, `DMA_BIT_MASK(${bits}): masks go from 24 to 64 bits`);
        return { op: 'dma_set_mask', bits, ...(c.name === 'dma_set_mask_and_coherent' ? { coherent: true } : {}) };
      }
      case 'dma_alloc_coherent': {
        a(3);
        this.dev(c.args[0]);
        const name = needsLhs('memory');
        const b = this.buffers.get(name);
        if (!b) this.fail(lhs!, `unknown buffer '${name}': declare it first, e.g. coherent ${name}[${this.intArg(c.args[1], 'a size')}];`);
        if (b.kind !== 'coherent' || b.in) this.fail(lhs!, `'${name}' is not declared 'coherent'`);
        const size = this.intArg(c.args[1], 'a size');
        if (size !== b.size) this.fail(c.args[1].tok, `size ${size} differs from the declared size of '${name}' (${b.size})`);
        if (!this.isFlags(c.args[2])) this.fail(c.args[2].tok, 'expected GFP flags, e.g. GFP_KERNEL');
        this.handles.add(name);
        return { op: 'dma_alloc_coherent', buf: name };
      }
      case 'dma_free_coherent': {
        a(3);
        this.dev(c.args[0]);
        const name = this.word(c.args[2], 'a coherent buffer');
        const b = this.buffers.get(name);
        if (!b || b.kind !== 'coherent') this.fail(c.args[2].tok, `'${name}' is not a declared coherent buffer`);
        // A size other than the allocation's is the driver's bug, which dma-debug reports (check_unmap).
        const size = this.intArg(c.args[1], 'a size');
        if (size < 1) this.fail(c.args[1].tok, 'a size is at least 1');
        return { op: 'dma_free_coherent', buf: name, ...(size !== b.size ? { freeSize: size } : {}) };
      }
      case 'dma_map_single': case 'dma_map_single_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        const handle = needsLhs('handle');
        const p = this.pointer(c.args[1]);
        this.handles.add(handle);
        if (c.args[2].s !== 'num') return { op: 'dma_map', api: 'single', handle, ...this.range(this.restOf(p, c.args[1].tok), c.args[1].tok), dir: this.dir(c.args[3]), ...attrs(c.args[4]), sizeExpr: this.expr(c.args[2]) };
        const size = this.intArg(c.args[2], 'a size');
        return { op: 'dma_map', api: 'single', handle, ...this.range({ name: p.name, off: p.off, size }, c.args[1].tok), dir: this.dir(c.args[3]), ...attrs(c.args[4]) };
      }
      case 'dma_map_page': case 'dma_map_page_attrs': {
        a(c.name.endsWith('_attrs') ? 6 : 5);
        this.dev(c.args[0]);
        const handle = needsLhs('handle');
        const buf = this.bufferName(c.args[1]);
        const off = this.intArg(c.args[2], 'an offset');
        this.handles.add(handle);
        if (c.args[3].s !== 'num') return { op: 'dma_map', api: 'page', handle, ...this.range(this.restOf({ name: buf, off }, c.args[1].tok), c.args[1].tok), dir: this.dir(c.args[4]), ...attrs(c.args[5]), sizeExpr: this.expr(c.args[3]) };
        const size = this.intArg(c.args[3], 'a size');
        return { op: 'dma_map', api: 'page', handle, ...this.range({ name: buf, off, size }, c.args[1].tok), dir: this.dir(c.args[4]), ...attrs(c.args[5]) };
      }
      case 'dma_unmap_single': case 'dma_unmap_single_attrs': case 'dma_unmap_page': case 'dma_unmap_page_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        return { op: 'dma_unmap', api: c.name.startsWith('dma_unmap_page') ? 'page' : 'single', handle: this.handle(c.args[1]), ...this.sizeArg(c.args[2]), dir: this.dir(c.args[3]), ...attrs(c.args[4]) };
      }
      case 'sg_init_table': {
        // Zero the table and mark its last entry (lib/scatterlist.c): each entry is what sg_set_buf() then sets.
        a(2);
        this.word(c.args[0], 'an sg table');
        this.intArg(c.args[1], 'nents');
        return undefined;
      }
      case 'sg_alloc_table': {
        // sg_init_table() of a table it allocates (lib/scatterlist.c): `ret = sg_alloc_table(sgt,
        // n, GFP_KERNEL); if (ret) return ret;` — the entries fit one page here, so it returns 0.
        a(3);
        this.word(c.args[0], 'an sg table (struct sg_table *sgt)');
        this.intArg(c.args[1], 'nents');
        if (!this.isFlags(c.args[2])) this.fail(c.args[2].tok, 'expected GFP flags, e.g. GFP_KERNEL');
        return lhs ? { op: 'let', reg: this.assign(lhs), value: { k: 'num', v: 0n } } : undefined;
      }
      case 'sg_set_buf': {
        a(3);
        const r = c.args[0];
        if (r.s !== 'ref') this.fail(r.tok, 'sg_set_buf takes &sgl[i] first');
        const p = this.pointer(c.args[1]);
        const entry = this.range({ name: p.name, off: p.off, size: this.intArg(c.args[2], 'a size') }, c.args[1].tok);
        const table = sg.get(r.name) ?? [];
        table[r.index] = entry;
        sg.set(r.name, table);
        return undefined;
      }
      case 'dma_map_sg': case 'dma_map_sg_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        const handle = this.word(c.args[1], 'an sg table');
        if (c.args[2].s !== 'num') this.fail(c.args[2].tok, 'nents must be a constant here: the number of entries sg_set_buf() filled (a number or a #define)');
        const nents = this.intArg(c.args[2], 'nents');
        const table = sg.get(handle) ?? [];
        if (nents < 1) this.fail(c.args[2].tok, 'nents must be at least 1');
        const entries: BufRef[] = [];
        for (let k = 0; k < nents; k++) {
          if (!table[k]) this.fail(c.args[1].tok, `${handle}[${k}] is not set: call sg_set_buf(&${handle}[${k}], ptr, size) before dma_map_sg`);
          entries.push(table[k]!);
        }
        this.handles.add(handle);
        this.sgCounts.set(handle, nents);
        // n = dma_map_sg(...): the count drivers branch on and pass on (0 on failure)
        const count = lhs ? this.assign(lhs) : undefined;
        if (count) this.sgReturned.set(count, handle);
        return { op: 'dma_map_sg', handle, entries, dir: this.dir(c.args[3]), ...attrs(c.args[4]), ...(count ? { count } : {}) };
      }
      case 'dma_unmap_sg': case 'dma_unmap_sg_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        const handle = this.handle(c.args[1]);
        this.nents(handle, c.args[2]);
        return { op: 'dma_unmap_sg', handle, dir: this.dir(c.args[3]), ...attrs(c.args[4]) };
      }
      case 'dma_sync_single_for_cpu': case 'dma_sync_single_for_device': {
        a(4);
        this.dev(c.args[0]);
        const { base, off } = this.splitBase(c.args[1]);
        if (base.s !== 'name' || base.index !== undefined) this.fail(c.args[1].tok, 'expected a DMA handle, optionally + offset');
        this.useHandle(base.name, base.tok);
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle: base.name, off: this.offsetNumber(off), ...this.sizeArg(c.args[2]), dir: this.dir(c.args[3]) };
      }
      case 'dma_sync_single_range_for_cpu': case 'dma_sync_single_range_for_device': {
        a(5);
        this.dev(c.args[0]);
        const handle = this.handle(c.args[1]);
        // The offset may be computed (128 * i: the slot of a ring); the size and direction are constants.
        const off = c.args[2].s === 'num' ? { off: this.intArg(c.args[2], 'an offset') } : { off: 0, offExpr: this.expr(c.args[2]) };
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle, ...off, ...this.sizeArg(c.args[3]), dir: this.dir(c.args[4]), range: true };
      }
      case 'dma_sync_sg_for_cpu': case 'dma_sync_sg_for_device': {
        a(4);
        this.dev(c.args[0]);
        const handle = this.handle(c.args[1]);
        this.nents(handle, c.args[2]);
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle, off: 0, size: 0, dir: this.dir(c.args[3]), sg: true };
      }
      case 'dma_mapping_error':
        if (!lhs) this.fail(c.tok, 'check a mapping with: if (dma_mapping_error(dev, h)) return -ENOMEM; (or err = dma_mapping_error(dev, h);)');
        a(2);
        this.dev(c.args[0]);
        return { op: 'dma_mapping_error', handle: this.handle(c.args[1]), reg: this.assign(lhs) };
    }
    this.fail(c.tok, `'${c.name}' is not a CPU operation`);
  }

  /**
   * if (dma_mapping_error(dev, h)) return -ENOMEM;  (or goto label;) — the driver stops there.
   * Any other statement after the condition: `branch` is set, the check's value goes to a fresh
   * register, and the caller reads the if/else around it (the driver goes on either way).
   */
  protected mappingErrorCheck(): { op: CpuOp; branch?: string } {
    this.next();
    this.expectText('(', "after 'if'");
    // if (unlikely(dma_mapping_error(dev, h))): the hint changes nothing; nor does WARN_ON()'s value
    const wrapper = CHECK_WRAPPERS.has(this.tok.text) && this.is('(', 1) ? this.tok.text : undefined;
    const unlikely = wrapper !== undefined;
    if (unlikely) { this.next(); this.next(); }
    this.knownCall(this.tok, CPU_CALLS, 'cpu');
    const c = this.syn();
    if (c.s !== 'call' || c.name !== 'dma_mapping_error') this.fail(c.tok, "the only 'if' a CPU block understands is if (dma_mapping_error(dev, h)) return -ENOMEM;");
    this.arity(c, 2);
    this.dev(c.args[0]);
    const handle = this.handle(c.args[1]);
    if (unlikely) this.expectText(')', `after ${wrapper}'s argument`);
    this.expectText(')', 'after the condition');
    // { dev_err(dev, "..."); goto err; }: the message printed, then the same stop
    const braced = this.is('{') && this.printsThenStops();
    if (braced) this.next();
    if (!this.is('return') && !this.is('goto')) {
      const reg = this.fresh(`${handle}_error`);
      this.scope.assigned.add(reg);
      return { op: { op: 'dma_mapping_error', handle, reg }, branch: reg };
    }
    const kw = this.ident("'return' or 'goto'");
    if (kw.text !== 'return' && kw.text !== 'goto') this.fail(kw, `expected 'return' or 'goto' after the mapping check, found '${kw.text}'`);
    while (!this.is(';')) {
      if (this.tok.kind === 'eof' || this.is('}')) this.fail(this.tok, `expected ';' after '${kw.text}'`);
      this.next();
    }
    this.next();
    if (braced) this.expectText('}', `after '${kw.text}': the block of a mapping check prints, then returns or jumps`);
    return { op: { op: 'dma_mapping_error', handle } };
  }

  /**
   * At `{`: is the block printing calls (dev_err(), netdev_err(), ...: nothing the model runs)
   * and then a `return ...;` or `goto label;`? Then the cursor moves to the token just before that
   * return (the prints are skipped), and true; else it stays, and false.
   */
  private printsThenStops(): boolean {
    let k = 1;
    while (this.toks[this.i + k]?.kind === 'ident' && PRINTING_CALLS.has(this.toks[this.i + k].text) && this.is('(', k + 1)) {
      let depth = 0;
      for (k += 1; ; k++) {
        const t = this.toks[this.i + k];
        if (!t || t.kind === 'eof') return false;
        if (this.is('(', k)) depth++;
        else if (this.is(')', k) && --depth === 0) break;
      }
      if (!this.is(';', k + 1)) return false;
      k += 2;
    }
    if (!this.is('return', k) && !this.is('goto', k)) return false;
    // the statements before the return are skipped: they only print
    for (let n = 0; n < k - 1; n++) this.next();
    return true;
  }
}

/**
 * memset() takes its byte as an int and stores it as unsigned char: checked as the value of an
 * access wider than 8 bytes, which valueProblem() reads as a memset (one byte, at most 0xff).
 */
const MEMSET_BYTE = 9;

/** The `size` bytes at pointer `ptr`, as the access `*(uN *)ptr` is (memset()'s and memcpy()'s memory at a computed offset). */
function bytesAt(ptr: Syn, size: number): Extract<Syn, { s: 'deref' }> {
  return { s: 'deref', size, ptr, tok: ptr.tok, d: ptr.d + 1 };
}
