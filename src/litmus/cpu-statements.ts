// Statements of a cpu block: accesses, MMIO, barriers, the DMA API calls, the mapping check and
// the poll loop.

import type { BufRef, CpuOp } from '../program/types.js';
import { REGISTER_BYTES } from '../exec/values.js';
import type { Token } from './lexer.js';
import type { Arg, Call } from './arguments.js';
import { ArgumentChecks } from './argument-checks.js';
import { CPU_CALLS, isBarrier } from './vocabulary.js';

export class CpuStatements extends ArgumentChecks {
  /** One CPU statement; undefined for sg_set_buf, which only fills an sg table. */
  protected cpuStatement(sg: Map<string, (BufRef | undefined)[]>): CpuOp | undefined {
    const t = this.tok;
    if (this.is('*')) { // *(u32 *)(buf + 4) = value;
      const target = this.deref();
      this.expectText('=', 'in a store');
      const value = this.valueArg(this.arg(), target.size);
      this.end();
      return { op: 'store', ...this.range(target), value };
    }
    if (t.kind !== 'ident') this.fail(t, `expected a statement, found ${this.found(t)}`);
    if (t.text === 'if') return this.mappingErrorCheck();
    if (t.text === 'while') return this.pollLoop();
    if (this.is('=', 1)) { // lhs = ...
      const lhs = this.next();
      this.next();
      if (this.is('*')) { // r = *(u32 *)buf;
        const source = this.deref();
        this.end();
        return { op: 'load', ...this.range(source) };
      }
      const call = this.call(CPU_CALLS, 'cpu');
      this.end();
      return this.cpuCall(call, lhs, sg);
    }
    const call = this.call(CPU_CALLS, 'cpu');
    this.end();
    return this.cpuCall(call, undefined, sg);
  }

  protected cpuCall(c: Call, lhs: Token | undefined, sg: Map<string, (BufRef | undefined)[]>): CpuOp | undefined {
    const a = (n: number) => this.arity(c, n);
    const needsLhs = (what: string) => {
      if (!lhs) this.fail(c.tok, `the ${what} ${c.name}() returns must be assigned: h = ${c.name}${CPU_CALLS[c.name]};`);
      return lhs.text;
    };
    const attrs = (arg: Arg | undefined) => (arg && this.attrs(arg) ? { skipCpuSync: true } : {});
    if (isBarrier(c.name)) { a(0); return { op: 'barrier', kind: c.name }; }
    switch (c.name) {
      case 'READ_ONCE': {
        a(1);
        return { op: 'load', ...this.range(this.derefArg(c.args[0])), once: true };
      }
      case 'WRITE_ONCE': {
        a(2);
        const target = this.derefArg(c.args[0]);
        return { op: 'store', ...this.range(target), value: this.valueArg(c.args[1], target.size), once: true };
      }
      case 'memset': {
        a(3);
        const p = this.pointer(c.args[0]);
        const byte = this.valueArg(c.args[1], MEMSET_BYTE);
        const size = this.intArg(c.args[2], 'a size');
        return { op: 'store', ...this.range({ ...p, size }, c.args[0].tok), value: memsetValue(byte, size) };
      }
      case 'memcpy': {
        a(3);
        if (c.args[0].kind !== 'addr' || !c.args[0].plain) this.fail(c.args[0].tok, 'memcpy(r, ptr, size) reads size bytes of ptr into a local r');
        const p = this.pointer(c.args[1]);
        return { op: 'load', ...this.range({ ...p, size: this.intArg(c.args[2], 'a size') }, c.args[1].tok) };
      }
      case 'writel': case 'writel_relaxed': {
        a(2);
        return { op: 'writel', reg: this.register(c.args[1]), value: this.valueArg(c.args[0], REGISTER_BYTES, true), ...(c.name === 'writel_relaxed' ? { relaxed: true } : {}) };
      }
      case 'readl': case 'readl_relaxed': {
        a(1);
        return { op: 'readl', reg: this.register(c.args[0]), ...(c.name === 'readl_relaxed' ? { relaxed: true } : {}) };
      }
      case 'wait_for_irq': a(1); return { op: 'wait_irq', irq: this.word(c.args[0], 'an irq name') };
      case 'dma_set_mask': case 'dma_set_mask_and_coherent': {
        a(2);
        this.dev(c.args[0]);
        const m = c.args[1];
        if (m.kind !== 'call' || m.name !== 'DMA_BIT_MASK' || m.args.length !== 1) this.fail(m.tok, 'expected DMA_BIT_MASK(n)');
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
        if (c.args[2].kind !== 'flags' && !(c.args[2].kind === 'addr' && c.args[2].plain)) this.fail(c.args[2].tok, 'expected GFP flags, e.g. GFP_KERNEL');
        this.handles.add(name);
        return { op: 'dma_alloc_coherent', buf: name };
      }
      case 'dma_free_coherent': {
        a(3);
        this.dev(c.args[0]);
        const name = this.word(c.args[2], 'a coherent buffer');
        const b = this.buffers.get(name);
        if (!b || b.kind !== 'coherent') this.fail(c.args[2].tok, `'${name}' is not a declared coherent buffer`);
        if (this.intArg(c.args[1], 'a size') !== b.size) this.fail(c.args[1].tok, `size differs from the declared size of '${name}' (${b.size})`);
        return { op: 'dma_free_coherent', buf: name };
      }
      case 'dma_map_single': case 'dma_map_single_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        const handle = needsLhs('handle');
        const p = this.pointer(c.args[1]);
        const size = this.intArg(c.args[2], 'a size');
        this.handles.add(handle);
        return { op: 'dma_map', api: 'single', handle, ...this.range({ ...p, size }, c.args[1].tok), dir: this.dir(c.args[3]), ...attrs(c.args[4]) };
      }
      case 'dma_map_page': case 'dma_map_page_attrs': {
        a(c.name.endsWith('_attrs') ? 6 : 5);
        this.dev(c.args[0]);
        const handle = needsLhs('handle');
        const buf = this.bufferName(c.args[1]);
        const off = this.intArg(c.args[2], 'an offset');
        const size = this.intArg(c.args[3], 'a size');
        this.handles.add(handle);
        return { op: 'dma_map', api: 'page', handle, ...this.range({ name: buf, off, size }, c.args[1].tok), dir: this.dir(c.args[4]), ...attrs(c.args[5]) };
      }
      case 'dma_unmap_single': case 'dma_unmap_single_attrs': case 'dma_unmap_page': case 'dma_unmap_page_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        return { op: 'dma_unmap', api: c.name.startsWith('dma_unmap_page') ? 'page' : 'single', handle: this.handle(c.args[1]), size: this.intArg(c.args[2], 'a size'), dir: this.dir(c.args[3]), ...attrs(c.args[4]) };
      }
      case 'sg_set_buf': {
        a(3);
        const r = c.args[0];
        if (r.kind !== 'ref') this.fail(r.tok, 'sg_set_buf takes &sgl[i] first');
        const p = this.pointer(c.args[1]);
        const entry = this.range({ ...p, size: this.intArg(c.args[2], 'a size') }, c.args[1].tok);
        const table = sg.get(r.name) ?? [];
        table[r.index] = entry;
        sg.set(r.name, table);
        return undefined;
      }
      case 'dma_map_sg': case 'dma_map_sg_attrs': {
        a(c.name.endsWith('_attrs') ? 5 : 4);
        this.dev(c.args[0]);
        const handle = this.word(c.args[1], 'an sg table');
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
        return { op: 'dma_map_sg', handle, entries, dir: this.dir(c.args[3]), ...attrs(c.args[4]) };
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
        const h = c.args[1];
        if (h.kind !== 'addr' || h.addr.entry !== undefined) this.fail(h.tok, 'expected a DMA handle, optionally + offset');
        this.useHandle(h.addr.name, h.tok);
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle: h.addr.name, off: h.addr.off, size: this.intArg(c.args[2], 'a size'), dir: this.dir(c.args[3]) };
      }
      case 'dma_sync_single_range_for_cpu': case 'dma_sync_single_range_for_device': {
        a(5);
        this.dev(c.args[0]);
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle: this.handle(c.args[1]), off: this.intArg(c.args[2], 'an offset'), size: this.intArg(c.args[3], 'a size'), dir: this.dir(c.args[4]), range: true };
      }
      case 'dma_sync_sg_for_cpu': case 'dma_sync_sg_for_device': {
        a(4);
        this.dev(c.args[0]);
        const handle = this.handle(c.args[1]);
        this.nents(handle, c.args[2]);
        return { op: 'dma_sync', to: c.name.endsWith('cpu') ? 'cpu' : 'device', handle, off: 0, size: 0, dir: this.dir(c.args[3]), sg: true };
      }
      case 'dma_mapping_error':
        this.fail(c.tok, 'check a mapping with: if (dma_mapping_error(dev, h)) return -ENOMEM;');
    }
    this.fail(c.tok, `'${c.name}' is not a CPU operation`);
  }

  /** if (dma_mapping_error(dev, h)) return -ENOMEM;  (or goto label;) */
  protected mappingErrorCheck(): CpuOp {
    this.next();
    this.expectText('(', "after 'if'");
    const c = this.call(CPU_CALLS, 'cpu');
    if (c.name !== 'dma_mapping_error') this.fail(c.tok, "the only 'if' a CPU block understands is if (dma_mapping_error(dev, h)) return -ENOMEM;");
    this.arity(c, 2);
    this.dev(c.args[0]);
    const handle = this.handle(c.args[1]);
    this.expectText(')', 'after the condition');
    const kw = this.ident("'return' or 'goto'");
    if (kw.text !== 'return' && kw.text !== 'goto') this.fail(kw, `expected 'return' or 'goto' after the mapping check, found '${kw.text}'`);
    while (!this.is(';')) {
      if (this.tok.kind === 'eof' || this.is('}')) this.fail(this.tok, `expected ';' after '${kw.text}'`);
      this.next();
    }
    this.next();
    return { op: 'dma_mapping_error', handle };
  }

  /** while (READ_ONCE(*(u32 *)ptr) != value) cpu_relax(); */
  protected pollLoop(): CpuOp {
    const form = 'while (READ_ONCE(*(u32 *)ptr) != value) cpu_relax();';
    this.next();
    this.expectText('(', "after 'while'");
    const c = this.call(CPU_CALLS, 'cpu');
    if (c.name !== 'READ_ONCE') this.fail(c.tok, `a CPU poll loop is written ${form}`);
    this.arity(c, 1);
    const target = this.derefArg(c.args[0]);
    this.expectText('!=', `in the poll loop (${form})`);
    const value = this.valueArg(this.arg(), target.size);
    this.expectText(')', 'after the poll condition');
    const relax = this.ident("'cpu_relax()'");
    if (relax.text !== 'cpu_relax') this.fail(relax, `expected cpu_relax(); as the loop body (${form})`);
    this.expectText('(', 'after cpu_relax');
    this.expectText(')', 'after cpu_relax(');
    this.end();
    return { op: 'poll', ...this.range(target), value };
  }
}

/**
 * memset() takes its byte as an int and stores it as unsigned char: checked as the value of an
 * access wider than 8 bytes, which valueProblem() reads as a memset (one byte, at most 0xff).
 */
const MEMSET_BYTE = 9;

/** memset(p, byte, n) with n ≤ 8 is a store of n copies of the byte. */
function memsetValue(byte: bigint, size: number): bigint {
  if (size > 8) return byte;
  let v = 0n;
  for (let k = 0; k < size; k++) v = (v << 8n) | byte;
  return v;
}
