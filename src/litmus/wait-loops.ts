// The wait loop `while (COND) cpu_relax();`: the thread waits until COND, which reads exactly one
// location, fails. It becomes one poll op of that location (a loop whose condition reads more, or
// assigns, is an ordinary loop: src/litmus/statements.ts).

import type { Expr } from '../program/expr.js';
import type { CpuOp } from '../program/types.js';
import type { Token } from './lexer.js';
import { CStatements } from './c-statements.js';
import { negate, type Access } from './expressions.js';
import type { Syn } from './syntax-tree.js';

const POLL_FORM = 'while (READ_ONCE(*(u32 *)ptr) != value) cpu_relax();';

export class WaitLoops extends CStatements {
  /** cpu_relax(); or { cpu_relax(); } as a loop body: the loop is a wait. */
  protected isRelaxBody(): boolean {
    const relax = (k: number) => this.is('cpu_relax', k) && this.is('(', k + 1) && this.is(')', k + 2) && this.is(';', k + 3);
    if (relax(0)) { for (let k = 0; k < 4; k++) this.next(); return true; }
    if (this.is('{') && relax(1) && this.is('}', 5)) { for (let k = 0; k < 6; k++) this.next(); return true; }
    return false;
  }

  /**
   * while (COND) cpu_relax(); — the thread waits until COND, which reads exactly one location,
   * fails. `READ_ONCE(p) != v` is today's exact-value poll; any other COND becomes `until`, the
   * negated COND over the value just polled.
   */
  protected waitLoop(c: Syn, at: Token): CpuOp {
    if (this.scope.kind === 'device') this.fail(at, 'a device waits with dma_poll(ptr, size, value) or wait_doorbell(REG, value)');
    const assignment = findAssign(c);
    if (assignment) this.fail(assignment.tok, "an assignment here is not supported (a wait loop's or a for loop's condition): assign in a statement of its own");
    const loads = countLoads(c);
    if (loads !== 1) this.fail(c.tok, `a wait loop's condition reads exactly one location, found ${loads}: ${POLL_FORM} (read the others into registers before the loop)`);
    if (c.s === 'bin' && c.op === '!=' && c.l.s === 'call' && c.l.name === 'READ_ONCE' && c.l.args.length === 1 && c.l.args[0].s === 'deref' && c.r.s === 'num') {
      const acc = this.access(c.l.args[0]);
      return { op: 'poll', ...acc, value: this.valueArg(c.r, acc.size) };
    }
    let polled: Access | undefined;
    const until = negate(this.expr(c, (access, _once, d) => {
      polled = this.pollAccess(access, d);
      return { k: 'polled' };
    }));
    return { op: 'poll', ...polled!, value: 0n, until };
  }

  private pollAccess(a: Access, d: Syn): Access {
    if (a.size > 8) this.fail(d.tok, `a wait loop reads at most 8 bytes, not ${a.size}`);
    return a;
  }
}

/**
 * while (smp_load_acquire(&done) != 1) cpu_relax();, its condition lowered to `pre` (the one
 * acquire load) and `cond` over that load's register: a wait like READ_ONCE's, each lap an LDAR
 * (blocked until the value comes, not a loop unrolled to --unroll laps, whose cut executions are
 * never judged). Undefined for any other lowered condition.
 */
export function acquireWait(pre: readonly CpuOp[], cond: Expr): CpuOp | undefined {
  const [only] = pre;
  if (pre.length !== 1 || only.op !== 'load' || !only.acquire || !only.reg || only.offExpr) return undefined;
  return { op: 'poll', buf: only.buf, off: only.off, size: only.size, value: 0n, until: negate(polledAs(cond, only.reg)), acquire: true };
}

/** e with register `reg` read as the value a poll just loaded ({k:'polled'}). */
function polledAs(e: Expr, reg: string): Expr {
  switch (e.k) {
    case 'reg': return e.name === reg ? { k: 'polled' } : e;
    case 'un': return { ...e, e: polledAs(e.e, reg) };
    case 'bin': return { ...e, l: polledAs(e.l, reg), r: polledAs(e.r, reg) };
    default: return e;
  }
}

/** The first assignment inside an expression, if any. */
export function findAssign(e: Syn): Syn | undefined {
  switch (e.s) {
    case 'assign': return e;
    case 'deref': return findAssign(e.ptr);
    case 'call': for (const a of e.args) { const f = findAssign(a); if (f) return f; } return undefined;
    case 'un': return findAssign(e.e);
    case 'bin': return findAssign(e.l) ?? findAssign(e.r);
    case 'cond': return findAssign(e.c) ?? findAssign(e.a) ?? findAssign(e.b);
    default: return undefined;
  }
}

/** Does the expression read through a call the wait loop's poll does not make: readl(REG), readl_relaxed(REG), smp_load_acquire(&flag)? */
export function readsByCall(e: Syn): boolean {
  switch (e.s) {
    case 'call': return e.name === 'readl' || e.name === 'readl_relaxed' || e.name === 'smp_load_acquire' || e.args.some(readsByCall);
    case 'un': return readsByCall(e.e);
    case 'bin': return readsByCall(e.l) || readsByCall(e.r);
    default: return false;
  }
}

/** Memory loads in an expression: *(T *)p and READ_ONCE(*(T *)p), each once, nested ones too. */
function countLoads(e: Syn): number {
  switch (e.s) {
    case 'deref': return 1 + countLoads(e.ptr);
    case 'call': return e.args.reduce((n, a) => n + countLoads(a), 0); // READ_ONCE(*p): its *p counts
    case 'un': return countLoads(e.e);
    case 'bin': return countLoads(e.l) + countLoads(e.r);
    case 'list': return e.items.reduce((n, a) => n + countLoads(a), 0);
    default: return 0;
  }
}
