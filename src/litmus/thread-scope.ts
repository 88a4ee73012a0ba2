// The thread being read: its registers (any identifier it assigned earlier in its text), the
// fresh registers that hold the loads lowered out of an expression, and what the statement being
// read must load first. Declared widths (`u16 status;`) cut what a register is assigned, as C does.

import { num, type Expr } from '../program/expr.js';
import type { BufRef, CpuOp } from '../program/types.js';
import type { Token } from './lexer.js';
import { CLang } from './c-lang.js';
import { identifier } from './load-names.js';
import { isDirection } from './vocabulary.js';

/** The thread being read: its registers so far, and what its current statement must load first. */
export interface ThreadScope {
  actor: string;
  kind: 'cpu' | 'device';
  /** Registers assigned so far in the text. */
  assigned: Set<string>;
  /** Names used as values that were not registers yet: handles, or a register used too early. */
  pending: { name: string; tok: Token; asValue: boolean }[];
  /** Loads lowered out of the statement being read, in evaluation order. */
  pre: CpuOp[];
  /** Loops around the statement being read (break and continue need one). */
  loops: number;
}

export class ThreadScopes extends CLang {
  protected scope!: ThreadScope;
  /** Every thread's registers, with where each was first assigned. */
  protected readonly threadRegisters = new Map<string, Map<string, Token>>();
  /**
   * Every identifier in the file: fresh registers must not collide with any. Gathered at the
   * first fresh register (most files need none); the tokens inlining adds by then are copies, or
   * NAME__param names, which a fresh name never is (identifier() never writes two _ in a row).
   */
  private taken?: Set<string>;

  /** This thread's scatterlists: each entry sg_set_buf() set, by list (`sgl`, or an sg_table's `sgt`). */
  protected sgLists = new Map<string, (BufRef | undefined)[]>();
  /**
   * Scatterlist pointers and the entry each stands for: for_each_sg's `sg` (&sgl[i] while its body
   * is read), and a `struct scatterlist *sg` the driver moves with `sg = sgl;`, `sg = sg_next(sg);`.
   */
  protected sgCursors = new Map<string, { table: string; index: string }>();
  /** This thread's `struct scatterlist *` pointers: the list each walks, once assigned, and where (src/litmus/sg-tables.ts). */
  protected sgPointers = new Map<string, { table?: string; at?: Token }>();

  protected startThread(actor: string, kind: 'cpu' | 'device'): void {
    this.scope = { actor, kind, assigned: new Set(), pending: [], pre: [], loops: 0 };
    this.sgLists = new Map();
    this.sgCursors = new Map();
    this.sgPointers = new Map();
    this.pointers = new Map();
    this.widths = new Map();
    this.threadRegisters.set(actor, new Map());
    this.sgReturned.clear();
    this.dirVars.clear();
  }

  /** At the end of a thread: names it used before assigning are errors; the rest must be handles. */
  protected endThread(): void {
    for (const u of this.scope.pending) {
      if (this.scope.assigned.has(u.name)) this.fail(u.tok, `register '${u.name}' is used before it is assigned`);
      this.handleUses.push({ name: u.name, tok: u.tok, asValue: u.asValue });
    }
  }

  /** `name = ...` makes name a register of this thread; buffers, MMIO registers and handles are not assignable. */
  protected assign(t: Token): string {
    const name = t.text;
    if (this.buffers.has(name)) this.fail(t, `assignment to a buffer: '${name}' is declared memory; store to it with *(u32 *)${name} = value;`);
    if (this.registers.has(name)) this.fail(t, `assignment to an MMIO register: write it with writel(value, ${name});`);
    if (this.handles.has(name)) this.fail(t, assignmentToHandle(name));
    if (isDirection(name)) this.fail(t, `${name} is a constant (a static function's direction parameter is the constant it was called with): assign a local variable instead`);
    if (this.dirVars.has(name)) this.fail(t, `'${name}' holds a DMA direction (line ${this.dirVars.get(name)!.tok.line}): it is an argument of the DMA API only`);
    const regs = this.threadRegisters.get(this.scope.actor)!;
    if (!regs.has(name)) regs.set(name, t);
    this.scope.assigned.add(name);
    this.sgReturned.delete(name); // no longer a count dma_map_sg returned
    return name;
  }

  /**
   * A register of the parser's own, named from the driver's text (src/litmus/load-names.ts): the
   * first of `words` the file does not use yet, or else the first with `_2`, `_3`, ...
   */
  protected fresh(...words: [string, ...string[]]): string {
    this.taken ??= new Set(this.toks.filter((t) => t.kind === 'ident').map((t) => t.text));
    const free = words.map(identifier).find((w) => !this.taken!.has(w));
    if (free) {
      this.taken.add(free);
      return free;
    }
    for (let k = 2; ; k++) {
      const name = `${identifier(words[0])}_${k}`;
      if (!this.taken.has(name)) {
        this.taken.add(name);
        return name;
      }
    }
  }

  /** The loads lowered so far out of the statement being read; the list starts over. */
  protected takePre(): CpuOp[] {
    const pre = this.scope.pre;
    this.scope.pre = [];
    return pre;
  }

  /** Registers declared with an unsigned type narrower than 8 bytes (`u16 status;`): assignments keep their low bytes, as C does. */
  protected widths = new Map<string, number>();

  /** Can a load of `size` bytes go straight into register `reg` (its declared width, if any, holds it)? */
  protected fitsLoad(reg: string, size: number): boolean {
    const w = this.widths.get(reg);
    return w === undefined || w >= size;
  }

  /** The value a register gets, cut to its declared width. */
  protected narrowed(reg: string, value: Expr): Expr {
    const w = this.widths.get(reg);
    if (w === undefined) return value;
    const mask = (1n << BigInt(w * 8)) - 1n;
    return value.k === 'num' ? num(value.v & mask) : { k: 'bin', op: '&', l: value, r: num(mask) };
  }
}

export function assignmentToHandle(name: string): string {
  return `assignment to a handle: '${name}' is a DMA handle (dma_map_*() or dma_alloc_coherent() defines it); give the register another name`;
}
