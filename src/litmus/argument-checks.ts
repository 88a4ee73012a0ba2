// What each argument of a call must be (a declared buffer, a DMA handle, an MMIO register, a
// direction, a value that fits its access), with the declarations the checks consult.

import type { BufRef, BufferDecl, Direction } from '../program/types.js';
import { valueProblem } from '../exec/values.js';
import type { Token } from './lexer.js';
import type { Pos } from './litmus-error.js';
import { ArgumentParser, type Addr, type Arg } from './arguments.js';
import { smallInt } from './token-stream.js';
import { SKIP_CPU_SYNC, closest, isDirection } from './vocabulary.js';

export class ArgumentChecks extends ArgumentParser {
  protected readonly buffers = new Map<string, BufferDecl>();
  protected readonly bufferPos = new Map<string, Pos>();
  protected readonly registers = new Map<string, Pos>();
  /** Handle uses to check once every CPU block is read: devices may name handles mapped later. */
  protected readonly handleUses: { name: string; tok: Token }[] = [];
  protected readonly handles = new Set<string>();
  /** nents of each sg table's dma_map_sg, to check the nents of unmap and sync. */
  protected readonly sgCounts = new Map<string, number>();

  protected derefArg(a: Arg): { size: number; addr: Addr; at: Token } {
    if (a.kind !== 'deref') this.fail(a.tok, 'expected an access such as *(u32 *)(buf + 4)');
    return { size: a.size, addr: a.addr, at: a.at };
  }

  protected pointer(a: Arg): { name: string; off: number } {
    if (a.kind !== 'addr' || a.addr.entry !== undefined) this.fail(a.tok, 'expected a buffer, optionally + offset');
    return { name: this.bufferName(a), off: a.addr.off };
  }

  protected bufferName(a: Arg): string {
    if (a.kind !== 'addr') this.fail(a.tok, 'expected a buffer name');
    const name = a.addr.name;
    if (!this.buffers.has(name)) {
      const hint = closest(name, this.buffers.keys());
      this.fail(a.tok, `unknown buffer '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return name;
  }

  /** A byte range of a declared buffer; checks it fits, so a typo in an offset points at the op. */
  protected range(t: { size: number; addr?: Addr; name?: string; off?: number; at?: Token }, at?: Token): BufRef {
    const name = t.addr ? t.addr.name : t.name!;
    const off = t.addr ? t.addr.off : t.off!;
    const b = this.buffers.get(name);
    const where = at ?? t.at ?? this.toks[this.i - 1];
    if (!b) {
      const hint = closest(name, this.buffers.keys());
      this.fail(where, `unknown buffer '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    if (t.size <= 0) this.fail(where, 'sizes are positive');
    if (off + t.size > b.size) this.fail(where, `bytes ${off}..${off + t.size - 1} are outside '${name}' (size ${b.size})`);
    return { buf: name, off, size: t.size };
  }

  protected busAddr(a: Arg): { handle: string; entry?: number; off: number } {
    if (a.kind !== 'addr') this.fail(a.tok, 'expected a DMA handle, e.g. h + 4 or sgl[1] + 4');
    this.useHandle(a.addr.name, a.tok);
    return { handle: a.addr.name, ...(a.addr.entry === undefined ? {} : { entry: a.addr.entry }), off: a.addr.off };
  }

  protected handle(a: Arg): string {
    if (a.kind !== 'addr' || !a.plain) this.fail(a.tok, 'expected a DMA handle');
    this.useHandle(a.addr.name, a.tok);
    return a.addr.name;
  }

  protected useHandle(name: string, tok: Token): void {
    this.handleUses.push({ name, tok });
  }

  protected nents(handle: string, a: Arg): void {
    const n = this.intArg(a, 'nents');
    const want = this.sgCounts.get(handle);
    if (want !== undefined && n !== want) this.fail(a.tok, `nents must be ${want}, the count passed to dma_map_sg (not the count it returned)`);
  }

  protected register(a: Arg): string {
    const name = this.word(a, 'an MMIO register');
    if (!this.registers.has(name)) {
      const hint = closest(name, this.registers.keys());
      this.fail(a.tok, `unknown register '${name}'${hint ? ` (did you mean '${hint}'?)` : ` (declare it: mmio ${name};)`}`);
    }
    return name;
  }

  protected word(a: Arg, what: string): string {
    if (a.kind !== 'addr' || !a.plain) this.fail(a.tok, `expected ${what}`);
    return a.addr.name;
  }

  protected dev(a: Arg): void {
    if (a.kind !== 'addr' || !a.plain || a.addr.name !== 'dev') this.fail(a.tok, "the first argument is the struct device; write 'dev'");
  }

  protected dir(a: Arg): Direction {
    const name = a.kind === 'addr' && a.plain ? a.addr.name : '';
    if (!isDirection(name)) {
      const hint = closest(name, ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL']);
      this.fail(a.tok, `expected DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL${name ? `, found '${name}'` : ''}${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return name;
  }

  protected attrs(a: Arg): boolean {
    if (a.kind === 'num' && a.value === 0n) return false;
    if (a.kind === 'addr' && a.plain && a.addr.name === SKIP_CPU_SYNC) return true;
    this.fail(a.tok, `the attributes modelled are ${SKIP_CPU_SYNC} and 0`);
  }

  protected intArg(a: Arg, what: string): number {
    if (a.kind !== 'num') this.fail(a.tok, `expected ${what} (a number)`);
    return smallInt(a.value, a.tok, what);
  }

  protected size(a: Arg): number {
    const n = this.intArg(a, 'a size');
    if (n <= 0) this.fail(a.tok, 'sizes are positive');
    return n;
  }

  /** A value stored or compared by an access of `size` bytes: it must fit, as a C constant would. */
  protected valueArg(a: Arg, size: number, register = false): bigint {
    if (a.kind !== 'num') this.fail(a.tok, 'expected a value (a number)');
    const problem = valueProblem(a.value, size, register);
    if (problem) this.fail(a.tok, problem);
    return a.value;
  }
}
