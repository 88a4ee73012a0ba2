// What each argument of a call must be (a declared buffer, a DMA handle, an MMIO register, a
// direction, a value that fits its access), with the declarations the checks consult.

import type { BufRef, BufferDecl, Direction } from '../program/types.js';
import { valueProblem } from '../exec/values.js';
import type { Token } from './lexer.js';
import type { Pos } from './litmus-error.js';
import { SyntaxParser } from './syntax.js';
import type { Syn } from './syntax-tree.js';
import { SKIP_CPU_SYNC, closest, isDirection } from './vocabulary.js';

/** A use of a name that must be a DMA handle once every thread is read. */
export interface HandleUse { name: string; tok: Token; asValue?: boolean }

export class ArgumentChecks extends SyntaxParser {
  protected readonly buffers = new Map<string, BufferDecl>();
  protected readonly bufferPos = new Map<string, Pos>();
  protected readonly registers = new Map<string, Pos>();
  /** Handle uses to check once every CPU block is read: devices may name handles mapped later. */
  protected readonly handleUses: HandleUse[] = [];
  protected readonly handles = new Set<string>();
  /**
   * The handle dma_alloc_noncoherent() gave each page buffer: the buffer as a value (a NULL check,
   * `if (!buf)`) is that allocation's, as a coherent buffer's value is its handle.
   */
  protected readonly allocHandles = new Map<string, string>();
  /** nents of each sg table's dma_map_sg, to check the nents of unmap and sync. */
  protected readonly sgCounts = new Map<string, number>();
  /** This thread's registers holding the count a dma_map_sg() returned (n = dma_map_sg(...)), with the table. */
  protected readonly sgReturned = new Map<string, string>();
  /** Registers the parser made for a field the driver wrote, by the field as written (`sgt->nents`), for messages. */
  protected readonly writtenAs = new Map<string, string>();
  /**
   * This thread's direction variables (`enum dma_data_direction dir = DMA_FROM_DEVICE;`, or
   * `dir = DMA_TO_DEVICE;`): each assigned one constant, once, so each call's direction is known
   * when the file is read, as the DMA API's is on each path of the driver.
   */
  protected readonly dirVars = new Map<string, { dir: Direction; tok: Token }>();

  /** `name = DMA_...;`: a direction variable; a second assignment is refused (the direction would depend on the path). */
  protected directionVariable(name: Token, dir: Direction): void {
    if (isDirection(name.text)) this.fail(name, `${name.text} is a constant (a static function's direction parameter is the constant it was called with): assign a local direction variable instead`);
    const old = this.dirVars.get(name.text);
    if (old) this.fail(name, `'${name.text}' is assigned a direction again (first at line ${old.tok.line}): a direction variable is assigned one DMA_* constant, once; write the direction in each call, or use one variable per direction`);
    this.dirVars.set(name.text, { dir, tok: name });
  }

  protected derefArg(a: Syn): Extract<Syn, { s: 'deref' }> {
    if (a.s !== 'deref') this.fail(a.tok, 'expected an access such as *(u32 *)(buf + 4)');
    return a;
  }

  /**
   * The name a pointer starts from and what is added to it: `ring + 16 * i + 4` is ring plus
   * `16 * i + 4`. Only the left operand of + and - may hold the base, as in C pointer arithmetic.
   */
  protected splitBase(a: Syn): { base: Syn; off?: Syn } {
    if (a.s === 'bin' && (a.op === '+' || a.op === '-')) {
      const left = this.splitBase(a.l);
      if (left.base.s === 'name') {
        if (!left.off) return { base: left.base, off: a.op === '+' ? a.r : this.binSyn('-', { s: 'num', v: 0n, tok: a.r.tok, d: 1 }, a.r) };
        return { base: left.base, off: this.binSyn(a.op, left.off, a.r) };
      }
    }
    return { base: a };
  }

  /** An offset the text gives as a constant: a non-negative number exact in JS. */
  protected offsetNumber(off: Syn | undefined, what = 'an offset'): number {
    if (!off) return 0;
    if (off.s !== 'num') this.fail(off.tok, `expected ${what} (a number) here`);
    if (off.v >= 1n << 63n) this.fail(off.tok, `${what} is negative: the pointer is before the start of the buffer`);
    return this.small(off.v, off.tok, what);
  }

  /** buf or buf + constant: a pointer into a declared buffer. */
  protected pointer(a: Syn): { name: string; off: number } {
    const { base, off } = this.splitBase(a);
    if (base.s !== 'name' || base.index !== undefined) this.fail(a.tok, 'expected a buffer, optionally + offset');
    return { name: this.bufferName(base), off: this.offsetNumber(off) };
  }

  protected bufferName(a: Syn): string {
    if (a.s !== 'name') this.fail(a.tok, 'expected a buffer name');
    const name = a.name;
    if (!this.buffers.has(name)) {
      const hint = closest(name, this.buffers.keys());
      this.fail(a.tok, `unknown buffer '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return name;
  }

  /** A byte range of a declared buffer; checks it fits, so a typo in an offset points at the op. */
  protected range(t: { size: number; name: string; off: number }, where: Pos): BufRef {
    const { name, off } = t;
    const b = this.buffers.get(name);
    if (!b) {
      const hint = closest(name, this.buffers.keys());
      this.fail(where, `unknown buffer '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    if (t.size <= 0) this.fail(where, 'sizes are positive');
    if (off + t.size > b.size) this.fail(where, `bytes ${off}..${off + t.size - 1} are outside '${name}' (size ${b.size})`);
    return { buf: name, off, size: t.size };
  }

  /** From a pointer to the end of its buffer: the most a length computed from registers can cover. */
  protected restOf(p: { name: string; off: number }, where: Pos): { name: string; off: number; size: number } {
    const b = this.buffers.get(p.name);
    if (!b) return { name: p.name, off: p.off, size: 1 }; // range() says the buffer is unknown
    if (p.off >= b.size) this.fail(where, `offset ${p.off} is outside '${p.name}' (size ${b.size})`);
    return { name: p.name, off: p.off, size: b.size - p.off };
  }

  protected handle(a: Syn): string {
    if (a.s === 'name' && a.index !== undefined) this.fail(a.tok, 'expected a DMA handle');
    // r8169's dma_unmap_single(dev, le64_to_cpu(desc->addr), ...): the address the driver stored
    if (a.s !== 'name') this.fail(a.tok, 'expected a DMA handle: a bus address computed or read back from memory (le64_to_cpu(desc->addr), dma_unmap_addr()) is not followed; name the handle the dma_map_*() assigned');
    this.useHandle(a.name, a.tok);
    return a.name;
  }

  protected useHandle(name: string, tok: Token): void {
    this.handleUses.push({ name, tok });
  }

  protected nents(handle: string, a: Syn): void {
    const want = this.sgCounts.get(handle);
    if (a.s === 'name' && a.index === undefined && this.sgReturned.get(a.name) === handle) {
      // Documentation/core-api/dma-api.rst: unmap and sync take "the same one [nents] passed into
      // the scatter/gather mapping API", not the count it returned (dma-debug: "device driver
      // frees DMA sg list with different entry count" when they differ)
      this.fail(a.tok, `'${this.writtenAs.get(a.name) ?? a.name}' is the count dma_map_sg returned: nents must be ${want}, the count passed to dma_map_sg (not the count it returned)`);
    }
    if (a.s !== 'num') this.fail(a.tok, `nents must be a constant here: ${want !== undefined ? `${want}, ` : ''}the count passed to dma_map_sg (a number or a #define)`);
    const n = this.intArg(a, 'nents');
    // A different count is a driver bug dma-debug WARNs about ("... DMA sg list with different
    // entry count"), which the model does not carry out: refused, saying so.
    if (want !== undefined && n !== want) this.fail(a.tok, `nents ${n} is not the ${want} entries passed to dma_map_sg: unmap and sync take that same nents (Documentation/core-api/dma-api.rst; dma-debug warns "DMA sg list with different entry count"), and another count is not modelled`);
  }

  protected register(a: Syn): string {
    // writel(v, base + SPI_CTRL): the format has no ioremap()ed base; each register is a name
    if (a.s !== 'name' || a.index !== undefined) this.fail(a.tok, `expected an MMIO register by name: the format has no ioremap()ed base + offset; declare each register the driver uses (mmio SPI_CTRL;) and write writel(v, SPI_CTRL)`);
    const name = this.word(a, 'an MMIO register');
    if (!this.registers.has(name)) {
      const hint = closest(name, this.registers.keys());
      this.fail(a.tok, `unknown register '${name}'${hint ? ` (did you mean '${hint}'?)` : ` (declare it: mmio ${name};)`}`);
    }
    return name;
  }

  protected word(a: Syn, what: string): string {
    if (a.s !== 'name' || a.index !== undefined) this.fail(a.tok, `expected ${what}`);
    return a.name;
  }

  protected dev(a: Syn): void {
    if (a.s !== 'name' || a.index !== undefined || a.name !== 'dev') this.fail(a.tok, "the first argument is the struct device; write 'dev'");
  }

  protected dir(a: Syn): Direction {
    const name = a.s === 'name' && a.index === undefined ? a.name : '';
    const variable = this.dirVars.get(name);
    if (variable) return variable.dir;
    if (!isDirection(name)) {
      const hint = closest(name, ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL']);
      this.fail(a.tok, `expected DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL${name ? `, found '${name}'` : ''}${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return name;
  }

  protected attrs(a: Syn): boolean {
    if (a.s === 'num' && a.v === 0n) return false;
    if (a.s === 'name' && a.index === undefined && a.name === SKIP_CPU_SYNC) return true;
    this.fail(a.tok, `the attributes modelled are ${SKIP_CPU_SYNC} and 0`);
  }

  /** GFP_KERNEL, or flags or-ed together: GFP_KERNEL | __GFP_DMA. */
  protected isFlags(a: Syn): boolean {
    return (a.s === 'name' && a.index === undefined) || (a.s === 'bin' && a.op === '|' && this.isFlags(a.l) && this.isFlags(a.r));
  }

  protected intArg(a: Syn, what: string): number {
    if (a.s !== 'num' && what === 'a size') this.fail(a.tok, 'expected a size that is a constant here (numbers, sizeof, #defines and arithmetic fold); a size computed from registers is taken by dma_map_single(), dma_map_page(), dma_sync_*(), dma_unmap_*(), memcpy() and memset()');
    if (a.s !== 'num') this.fail(a.tok, `expected ${what} (a number)`);
    return this.small(a.v, a.tok, what);
  }

  protected size(a: Syn): number {
    const n = this.intArg(a, 'a size');
    if (n <= 0) this.fail(a.tok, 'sizes are positive');
    return n;
  }

  /** A value stored or compared by an access of `size` bytes: it must fit, as a C constant would. */
  protected valueArg(a: Syn, size: number, register = false): bigint {
    if (a.s !== 'num') this.fail(a.tok, 'expected a value (a number)');
    const problem = valueProblem(a.v, size, register);
    if (problem) this.fail(a.tok, problem);
    return a.v;
  }
}
