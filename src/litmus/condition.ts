// herd7's final condition after the threads: `exists (cpu0:r = 1 /\ dev:s = 0)` or
// `forall (...)`, with \/, ~, parentheses, C's operators, and final memory `*(u32 *)buf = 0x5a`.
// `actor:reg` is a register a thread assigns; `=` compares; `~` is not.

import type { Expr } from '../program/expr.js';
import type { Program } from '../program/types.js';
import { Statements } from './statements.js';
import type { Syn } from './syntax-tree.js';
import { closest } from './vocabulary.js';

export class Conditions extends Statements {
  /** exists (...) / forall (...), the keyword already current. */
  protected conditionClause(): NonNullable<Program['condition']> {
    const kw = this.next();
    const cond = this.conditionExpr(this.syn(true));
    if (this.is(';')) this.next();
    return { kind: kw.text as 'exists' | 'forall', cond };
  }

  private conditionExpr(a: Syn): Expr {
    switch (a.s) {
      case 'num': return { k: 'num', v: a.v };
      case 'un': return { k: 'un', op: a.op, e: this.conditionExpr(a.e) };
      case 'bin': return { k: 'bin', op: a.op, l: this.conditionExpr(a.l), r: this.conditionExpr(a.r) };
      case 'treg': {
        const regs = this.threadRegisters.get(a.actor);
        if (!regs) {
          const hint = closest(a.actor, this.threadRegisters.keys());
          this.fail(a.tok, `unknown thread '${a.actor}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
        }
        if (!regs.has(a.name)) {
          const hint = closest(a.name, regs.keys());
          this.fail(a.tok, `unknown register '${a.actor}:${a.name}': ${a.actor} never assigns '${a.name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
        }
        return { k: 'treg', actor: a.actor, name: a.name };
      }
      case 'deref': {
        const { base, off } = this.splitBase(a.ptr);
        if (base.s !== 'name' || base.index !== undefined) this.fail(a.ptr.tok, 'expected a buffer, optionally + offset, after the cast');
        if (a.size > 8) this.fail(a.tok, `final memory in a condition is a value of at most 8 bytes, not ${a.size}`);
        const r = this.range({ name: this.bufferName(base), off: this.offsetNumber(off, 'a constant offset'), size: a.size }, a.ptr.tok);
        return { k: 'mem', buf: r.buf, off: r.off, size: r.size };
      }
      case 'name':
        if (a.index !== undefined) this.fail(a.tok, `${a.name}[${a.index}] is an sg entry, not a value`);
        if (this.buffers.has(a.name) && this.buffers.get(a.name)!.kind !== 'coherent') this.fail(a.tok, `final memory is written *(u32 *)${a.name}`);
        if (this.threadRegisters.has(a.name)) this.fail(a.tok, `'${a.name}' is a thread: name its register as ${a.name}:r`);
        this.useHandle(a.name, a.tok);
        this.handleUses[this.handleUses.length - 1].asValue = true;
        return { k: 'handle', name: a.name };
      default:
        return this.fail(a.tok, 'a condition compares registers (cpu0:r), final memory (*(u32 *)buf) and numbers');
    }
  }
}
