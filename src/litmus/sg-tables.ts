// struct sg_table and the scatterlist pointer a driver moves by hand (include/linux/scatterlist.h):
//   sgt->sgl          "the list": in this format the table's own name (its entries are sgt[i])
//   sgt->orig_nents   "original size of list": the entries sg_set_buf() set
//   sgt->nents        "number of mapped entries": what dma_map_sgtable() stores, the count
//                     dma_map_sg() returned (kernel/dma/mapping.c dma_map_sgtable()), or
//                     what the driver stored there itself: sgt->nents = dma_map_sg(...);
//   sg = sgl; sg = sg_next(sg);   a pointer to one entry; sg_next() steps to the next one and
//                     gives NULL after the last (sg_is_last(): the end sg_init_table() marks)
// A scatterlist pointer is a register holding the index of the entry it points at, named as the
// driver named the pointer; as a value (`while (sg)`, `if (!sg)`) it is non-NULL while that index
// is one of the list's entries. It walks one list in a thread, as a pointer register points into
// one buffer (src/litmus/c-lang.ts).

import { num, type Expr } from '../program/expr.js';
import type { CpuOp } from '../program/types.js';
import type { Token } from './lexer.js';
import { Expressions } from './expressions.js';
import type { Syn } from './syntax-tree.js';

const POINTER_FORMS = 'sg = sgl;, sg = sgt->sgl;, sg = &sgl[i]; or sg = sg_next(sg);';

export class SgTables extends Expressions {
  /** The map whose count each sg table's nents holds: dma_map_sgtable()'s, or the dma_map_sg() the driver stored in sgt->nents. */
  protected readonly sgtableMaps = new Map<string, Extract<CpuOp, { op: 'dma_map_sg' }>>();
  /** `struct scatterlist *sg;` */
  protected declareSgPointer(name: Token): void {
    if (this.scope.kind !== 'cpu') this.fail(name, 'a scatterlist is a CPU thread\'s: a device reads the addresses the CPU wrote');
    if (!this.sgPointers.has(name.text)) this.sgPointers.set(name.text, {});
  }

  protected isSgPointer(name: string): boolean {
    return this.sgPointers.has(name);
  }

  protected override tableField(s: Extract<Syn, { s: 'member' }>): Syn | undefined {
    const base = s.base;
    if (base.s !== 'name' || base.index !== undefined || !this.sgLists.has(base.name) || this.bufferTypes.has(base.name) || this.pointers.has(base.name)) return undefined;
    const table = base.name;
    switch (s.field) {
      case 'sgl': return this.node(s.tok, { s: 'name', name: table });
      case 'orig_nents': return this.num(s, BigInt(this.sgLists.get(table)!.length));
      case 'nents': {
        const map = this.sgtableMaps.get(table);
        if (!map) {
          this.fail(s.tok, this.sgCounts.has(table)
            ? `${table}->nents is what dma_map_sgtable() stores, and this table was mapped with dma_map_sg(): use the count dma_map_sg() returned (n = dma_map_sg(...);)`
            : `${table}->nents is set by dma_map_sgtable(): map the table first (dma_map_sgtable(dev, ${table}, DIR, 0);)`);
        }
        const count = (map.count ??= this.fresh(`${table}_nents`));
        this.scope.assigned.add(count);
        this.writtenAs.set(count, `${table}->nents`);
        this.sgReturned.set(count, table); // unmap and sync take orig_nents (dma-api.rst)
        return this.node(s.tok, { s: 'name', name: count });
      }
    }
    return this.fail(s.tok, `'${s.field}' of the sg table '${table}' is not modelled: struct sg_table has sgl, nents and orig_nents`);
  }

  /** A scatterlist pointer as a value: non-NULL while it points at one of its list's entries (sg_next() gives NULL after the last). */
  protected override sgPointerValue(a: Extract<Syn, { s: 'name' }>): Expr | undefined {
    const cursor = this.sgCursors.get(a.name);
    if (!cursor && this.sgPointers.has(a.name)) this.fail(a.tok, `'${a.name}' points at no entry yet: assign it first (${a.name} = sgl; or ${a.name} = sgt->sgl;)`);
    if (!cursor) return undefined;
    return { k: 'bin', op: '<', l: { k: 'reg', name: cursor.index }, r: num(this.sgLists.get(cursor.table)?.length ?? 0) };
  }

  /**
   * `sg = LIST;`, `sg = &LIST[k];`, `sg = other;`, `sg = sg_next(sg);` (`value` desugared): the
   * let that points the pointer's register at an entry.
   */
  protected sgPointerAssignment(target: Token, value: Syn): Extract<CpuOp, { op: 'let' }> {
    const p = this.sgPointers.get(target.text)!;
    const current = this.sgCursors.get(target.text);
    if (current && current.index !== target.text) this.fail(target, `for_each_sg moves '${target.text}' itself: do not assign it in the loop's body`);
    let table: string, index: Expr;
    if (value.s === 'call' && value.name === 'sg_next') {
      if (value.args.length !== 1) this.fail(value.tok, `wrong number of arguments: sg_next takes 1 argument, the current entry, found ${value.args.length}`);
      const arg = value.args[0];
      const from = arg.s === 'name' && arg.index === undefined ? this.sgCursors.get(arg.name) : undefined;
      if (!from) this.fail(arg.tok, `sg_next() takes a scatterlist pointer that points at an entry (${POINTER_FORMS})`);
      table = from.table;
      index = { k: 'bin', op: '+', l: { k: 'reg', name: from.index }, r: num(1) };
    } else if (value.s === 'name' && value.index === undefined && this.sgCursors.has(value.name)) {
      const from = this.sgCursors.get(value.name)!;
      table = from.table;
      index = { k: 'reg', name: from.index };
    } else if ((value.s === 'name' && value.index === undefined) || value.s === 'ref') {
      table = value.name;
      if (!this.sgLists.has(table)) this.fail(value.tok, `'${table}' is not a scatterlist of this thread: fill it with sg_set_buf(&${table}[0], buf, size) first`);
      index = num(value.s === 'ref' ? value.index : 0);
    } else {
      return this.fail(value.tok, `a scatterlist pointer is assigned a list or an entry: ${POINTER_FORMS}`);
    }
    if (p.table !== undefined && p.table !== table) this.fail(target, `'${target.text}' walks '${p.table}' (line ${p.at!.line}); a scatterlist pointer walks one list in a thread (use another pointer for '${table}')`);
    p.table = table;
    p.at ??= target;
    this.sgCursors.set(target.text, { table, index: target.text });
    return { op: 'let', reg: this.assign(target), value: index };
  }
}
