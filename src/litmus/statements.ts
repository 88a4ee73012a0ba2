// Control flow, in cpu and device blocks alike: if/else, while, for, for_each_sg, do/while, switch
// (an if/else chain), blocks, break, continue, `i++;`, and the wait loop `while (COND) cpu_relax();`
// (src/litmus/wait-loops.ts). Blocks nest at most MAX_NESTING deep, so the recursion is bounded.

import { num, type Expr } from '../program/expr.js';
import { MAX_NESTING } from '../program/limits.js';
import type { BufRef, CpuOp, DeviceOp } from '../program/types.js';
import type { Token } from './lexer.js';
import type { Pos } from './litmus-error.js';
import { negate } from './expressions.js';
import { COMPOUND, type Syn } from './syntax-tree.js';
import { CHECK_WRAPPERS } from './cpu-statements.js';
import { acquireWait, findAssign, readsByCall, WaitLoops } from './wait-loops.js';

type Op = CpuOp | DeviceOp;

export class Statements extends WaitLoops {
  /** The loops and switches around the statement being read, innermost last: what break and continue leave. */
  private readonly breakable: ('loop' | 'do' | 'switch')[] = [];
  private blocks = 0;
  /** The '{' of each block being read, innermost last. */
  private readonly opens: Token[] = [];
  /** Where every op was written, nested ones included. */
  protected readonly opPos = new Map<Op, Pos>();

  /** One statement of the current thread, as the ops it becomes (none for sg_set_buf). */
  protected statement(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    const t = this.tok;
    const ops = this.statementAt(sg);
    this.place(ops, t);
    return ops;
  }

  /** Ops made without a statement of their own (loads lowered out of a condition) are where their statement is. */
  private place(ops: Op[], t: Pos): void {
    for (const op of ops) {
      if (this.opPos.has(op)) continue;
      this.opPos.set(op, t);
      if (op.op === 'if') { this.place(op.then, t); this.place(op.else ?? [], t); }
      if (op.op === 'while' || op.op === 'for') this.place(op.body, t);
    }
  }

  private statementAt(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    const t = this.tok;
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'if':
          if (this.scope.kind === 'cpu' && this.is('(', 1) && (this.is('dma_mapping_error', 2) || (CHECK_WRAPPERS.has(this.toks[this.i + 2]?.text) && this.is('(', 3) && this.is('dma_mapping_error', 4)))) return this.mappingErrorIf(sg);
          return this.ifStatement(sg);
        case 'while': return this.whileStatement(sg);
        case 'for': return this.forStatement(sg);
        case 'for_each_sg': if (this.scope.kind === 'cpu' && this.is('(', 1)) return this.forEachSg(sg); break;
        case 'for_each_sgtable_dma_sg': if (this.scope.kind === 'cpu' && this.is('(', 1)) return this.forEachSg(sg, true); break;
        case 'do': return this.doWhileStatement(sg);
        case 'switch': return this.switchStatement(sg);
        case 'return': {
          // return; / return -ENOMEM; / return work_done; in a cpu thread: the thread ends on this
          // path. The value goes to a caller the test does not have: it is not read.
          if (this.scope.kind !== 'cpu') this.fail(t, "'return' is not supported in a device thread: a device thread ends at its closing '}'");
          this.next();
          if (!this.is(';')) this.unstoredSyn();
          this.end();
          return [{ op: 'return' }];
        }
        case 'goto': return this.fail(t, "'goto' is not supported here: write the error path with if/else (if (dma_mapping_error(dev, h)) goto label; is the one goto the format reads)");
        case 'break': case 'continue': {
          const inner = this.breakable[this.breakable.length - 1];
          if (t.text === 'break' && inner === 'switch') this.fail(t, "a 'break' nested inside a switch case is not supported: end the case with its break; and use if/else inside it");
          if (t.text === 'continue' && this.innermostLoop() === 'do') this.fail(t, "'continue' in a do { } while loop is not supported: use a while loop, or if/else inside the body");
          if (!this.scope.loops) this.fail(t, `'${t.text}' outside a loop`);
          this.next();
          this.end();
          return [{ op: t.text }];
        }
      }
      if (this.is('++', 1) || this.is('--', 1)) {
        const op = this.pointerStep(t) ?? this.increment(t);
        this.end();
        return [...this.takePre(), op];
      }
      if (this.functions.has(t.text) && this.is('(', 1)) {
        this.inlineCall();
        return this.body(sg);
      }
      if (t.text === 'enum' && this.is('dma_data_direction', 1) && this.scope.kind === 'cpu') return this.directionDeclaration();
      if (this.isTypeStart() && (this.toks[this.i + 1]?.kind === 'ident' || this.is('*', 1) || t.text === 'struct' || this.isTypeStart(1))) return this.declaration(sg);
    }
    if ((this.is('++') || this.is('--')) && this.toks[this.i + 1]?.kind === 'ident' && this.is(';', 2)) {
      // ++i; is i++; as a statement
      const op = this.next();
      const reg = this.tok;
      this.toks.splice(this.i + 1, 0, op);
      const step = this.pointerStep(reg) ?? this.increment(reg);
      this.end();
      return [step];
    }
    if (this.is('{')) return this.body(sg);
    if (this.is(';')) { this.next(); return []; }
    this.postfixStepAsCompound();
    if (this.isCallStatement()) {
      const lhs = this.is('=', 1) ? this.tok.text : undefined;
      const ops = this.scope.kind === 'cpu' ? this.cpuStatement(sg) : this.deviceCall();
      // u16 v; v = readl(R); — a declared width cuts what the call returns, as C's assignment does.
      const last = ops[ops.length - 1];
      const fits = last?.op === 'load' && this.fitsLoad(lhs ?? '', last.size);
      if (lhs !== undefined && this.widths.has(lhs) && this.scope.assigned.has(lhs) && !fits) ops.push({ op: 'let', reg: lhs, value: this.narrowed(lhs, { k: 'reg', name: lhs }) });
      return ops;
    }
    return this.assignmentStatement();
  }

  /** A device call, after the reads its arguments lower: dma_read(le64_to_cpu(txd[0].addr), 8) reads the descriptor first. */
  private deviceCall(): Op[] {
    const op = this.deviceStatement();
    return [...this.takePre(), op];
  }

  private innermostLoop(): 'loop' | 'do' | undefined {
    for (let k = this.breakable.length - 1; k >= 0; k--) if (this.breakable[k] !== 'switch') return this.breakable[k] as 'loop' | 'do';
    return undefined;
  }

  /** do { body } while (COND); — the body once, then again while COND: while (1) { body; if (!COND) break; } */
  private doWhileStatement(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    this.next();
    const body = this.loop(() => this.body(sg), 'do');
    this.expectText('while', "after the body of 'do'");
    const cond = this.expr(this.condition('while'));
    const pre = this.takePre();
    this.end();
    return [control({ op: 'while', cond: num(1), body: [...body, ...pre, control({ op: 'if', cond: negate(cond), then: [{ op: 'break' }] })] })];
  }

  /**
   * switch (E) { case A: case B: ... break; default: ... } — an if/else chain on E's value (read
   * once). Each case ends with break (or continue, in a loop) or is the last: falling into the
   * next case is refused rather than guessed.
   */
  private switchStatement(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    const kw = this.next();
    const v = this.expr(this.condition('switch'));
    const pre = this.takePre();
    const open = this.expectText('{', "after 'switch (...)'");
    const groups: { labels: bigint[]; isDefault: boolean; ops: Op[]; at: Token }[] = [];
    let cur: (typeof groups)[number] | undefined;
    let ended = true;
    while (!this.is('}')) {
      const t = this.tok;
      if (t.kind === 'eof') this.fail(open, "unterminated 'switch': '{' has no closing '}'");
      if (this.is('case') || this.is('default')) {
        if (cur && cur.ops.length && !ended) this.fail(t, `falling through from the case at line ${cur.at.line} into this one is not supported: end that case with break;`);
        if (!cur || cur.ops.length || ended) { cur = { labels: [], isDefault: false, ops: [], at: t }; groups.push(cur); ended = false; }
        this.next();
        if (t.text === 'case') {
          const c = this.syn();
          if (c.s !== 'num') this.fail(c.tok, 'a case label is a constant (a number or a #define)');
          cur.labels.push(c.v);
        } else {
          cur.isDefault = true;
        }
        this.expectText(':', `after '${t.text}'`);
        continue;
      }
      if (!cur) this.fail(t, "expected 'case' or 'default' in the switch");
      if (ended) this.fail(t, 'a statement after the case\'s break; is never run: remove it');
      if (this.is('break')) { this.next(); this.end(); ended = true; continue; }
      const continues = this.is('continue');
      this.breakable.push('switch');
      try {
        cur.ops.push(...this.statement(sg));
      } finally {
        this.breakable.pop();
      }
      if (continues) ended = true;
    }
    this.next();
    if (!groups.length) this.fail(kw, 'a switch with no case');
    const reg: Expr = v;
    const test = (labels: bigint[]): Expr => labels.map((l): Expr => ({ k: 'bin', op: '==', l: reg, r: num(l) })).reduce((a, b) => ({ k: 'bin', op: '||', l: a, r: b }));
    const fallback = groups.find((g) => g.isDefault)?.ops;
    let chain: Op[] | undefined = fallback;
    for (const g of [...groups].reverse()) {
      if (g.isDefault || !g.labels.length) continue;
      chain = [control({ op: 'if', cond: test(g.labels), then: g.ops, ...(chain ? { else: chain } : {}) })];
    }
    return [...pre, ...(chain ?? [])];
  }

  /** { statements } or one statement, as the body of an if, else or loop. */
  private body(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    if (this.blocks >= MAX_NESTING) this.fail(this.tok, `more than ${MAX_NESTING} nested blocks`);
    this.blocks++;
    try {
      if (!this.is('{')) return this.statement(sg);
      const open = this.next();
      this.opens.push(open);
      const ops: Op[] = [];
      while (!this.is('}')) {
        // `cpu x {` inside a block: the block above it lacks its '}' (not an unknown function 'cpu')
        const nextThread = (this.is('cpu') || this.is('device')) && this.toks[this.i + 1]?.kind === 'ident' && this.is('{', 2);
        if (this.tok.kind === 'eof' || nextThread) this.fail(open, "unterminated block: '{' has no closing '}'");
        ops.push(...this.statement(sg));
      }
      this.next();
      this.opens.pop();
      return ops;
    } finally {
      this.blocks--;
    }
  }

  /** ( expression ) after if, while: its loads are read first (takePre). */
  private condition(what: string): Syn {
    this.expectText('(', `after '${what}'`);
    const c = this.syn();
    this.expectText(')', `after the condition of '${what}'`);
    return c;
  }

  /** The mapping check: the bail-out form, or an if/else on its value (the driver keeps its old buffer and goes on). */
  private mappingErrorIf(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    const { op, branch } = this.mappingErrorCheck();
    if (!branch) return [op];
    const cond: Expr = { k: 'reg', name: branch };
    const then = this.body(sg);
    if (!this.is('else')) return [op, control({ op: 'if', cond, then })];
    this.next();
    return [op, control({ op: 'if', cond, then, else: this.body(sg) })];
  }

  private ifStatement(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    this.next();
    const cond = this.expr(this.condition('if'));
    const pre = this.takePre();
    const then = this.body(sg);
    if (!this.is('else')) return [...pre, control({ op: 'if', cond, then })];
    this.next();
    return [...pre, control({ op: 'if', cond, then, else: this.body(sg) })];
  }

  private whileStatement(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    const at = this.next();
    const c = this.condition('while');
    if (this.isRelaxBody()) {
      if ((!findAssign(c) && !readsByCall(c)) || this.scope.kind === 'device') return [this.waitLoop(c, at)];
      // while (!((status = READ_ONCE(bdp->sc)) & OWN)) cpu_relax(); keeps the value polled,
      // while (!(readl(STATUS) & DONE)) cpu_relax(); polls a register, and
      // while (smp_load_acquire(&ready) != 1) cpu_relax(); polls with LDAR: a loop on a read,
      // with nothing in its body, exactly as the same loop written with a body.
      const cond = this.expr(c);
      const pre = this.takePre();
      if (!pre.length) return [this.waitLoop(c, at)];
      const acquired = acquireWait(pre as CpuOp[], cond);
      if (acquired) return [acquired];
      return [control({ op: 'while', cond: num(1), body: [...pre, control({ op: 'if', cond: negate(cond), then: [{ op: 'break' }] })] })];
    }
    const cond = this.expr(c);
    const pre = this.takePre();
    const body = this.loop(() => this.body(sg), 'loop');
    // A condition that reads memory reads it on every lap: while (1) { loads; if (!cond) break; body }
    if (pre.length) return [control({ op: 'while', cond: num(1), body: [...pre, control({ op: 'if', cond: negate(cond), then: [{ op: 'break' }] }), ...body] })];
    return [control({ op: 'while', cond, body })];
  }

  /** for (i = A; cond; i++ | i += E | i = E) body, and for (sg = sgl; sg; sg = sg_next(sg)) over a scatterlist */
  private forStatement(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    this.next();
    this.expectText('(', "after 'for'");
    if (this.isTypeStart() && this.toks[this.i + 1]?.kind === 'ident') this.typeName('a type'); // for (int i = 0; ...)
    const reg = this.ident('the loop register (for (i = 0; i < n; i++))');
    this.expectText('=', `after '${reg.text}' (for (${reg.text} = 0; ...))`);
    const sgPointer = this.isSgPointer(reg.text);
    const from = sgPointer ? this.sgPointerAssignment(reg, this.syn()).value : this.expr(this.syn());
    const pre = this.takePre();
    this.assign(reg);
    this.expectText(';', 'after the start value');
    const noLoads = this.noLoads("a for loop's condition and step read no memory: load in the body and break");
    const cond = this.expr(this.syn(), noLoads);
    this.expectText(';', "after the loop condition");
    const stepAt = this.tok;
    if (stepAt.text !== reg.text || stepAt.kind !== 'ident') this.fail(stepAt, `the step of this loop assigns '${reg.text}' (${reg.text}++, ${reg.text} += n or ${reg.text} = ...)`);
    let step: Expr;
    if (this.is('=', 1)) {
      this.next();
      this.next();
      step = sgPointer ? this.sgPointerAssignment(stepAt, this.syn()).value : this.expr(this.syn(), noLoads);
    } else {
      step = this.increment(stepAt).value;
    }
    this.expectText(')', 'after the loop step');
    const body = this.loop(() => this.body(sg), 'loop');
    return [...pre, control({ op: 'for', reg: reg.text, from, cond, step, body })];
  }

  /**
   * for_each_sg(sgl, sg, nents, i) body (include/linux/scatterlist.h): `for (i = 0; i < nents; i++)`
   * with `sg` standing for &sgl[i] in the body (sg_dma_address(sg), sg_dma_len(sg)). nents is the
   * count dma_map_sg() returned, as dma-api.rst asks, or a constant.
   */
  private forEachSg(sg: Map<string, (BufRef | undefined)[]>, sgtable = false): Op[] {
    const kw = this.next();
    const usage = sgtable ? 'for_each_sgtable_dma_sg(sgt, sg, i)' : 'for_each_sg(sgl, sg, nents, i)';
    this.expectText('(', `after '${kw.text}' (${usage})`);
    // the list: sgl, or an sg_table's sgt->sgl (src/litmus/sg-tables.ts)
    const list = sgtable ? undefined : this.syn();
    const table = list ? { ...list.tok, text: this.word(list, `the scatterlist (${usage})`) } : this.ident(`the scatterlist (${usage})`);
    if (!sg.has(table.text)) this.fail(table, `'${table.text}' is not a scatterlist of this thread: fill it with sg_set_buf(&${table.text}[0], buf, size) first`);
    this.expectText(',', `after the scatterlist (${usage})`);
    const cursor = this.ident(`the entry pointer (${usage})`);
    this.expectText(',', `after the entry pointer (${usage})`);
    let nents: Expr;
    if (sgtable) {
      // for_each_sg((sgt)->sgl, sg, (sgt)->nents, i) (include/linux/scatterlist.h): sgt->nents is
      // the count dma_map_sgtable() got from dma_map_sg(), kept here whether or not the driver
      // keeps dma_map_sgtable()'s return value.
      const map = this.sgtableMaps.get(table.text);
      if (!map) this.fail(table, `'${table.text}' is not mapped with dma_map_sgtable() before this loop: ${usage} walks the segments it mapped`);
      nents = { k: 'reg', name: (map.count ??= this.fresh(`${table.text}_nents`)) };
    } else {
      const noLoads = this.noLoads("for_each_sg's count reads no memory: pass the count dma_map_sg() returned");
      nents = this.expr(this.syn(), noLoads);
      this.expectText(',', `after the count (${usage})`);
    }
    const reg = this.ident(`the loop counter (${usage})`);
    this.expectText(')', `after the loop counter (${usage})`);
    this.assign(reg);
    const i: Expr = { k: 'reg', name: reg.text };
    const outer = this.sgCursors.get(cursor.text);
    this.sgCursors.set(cursor.text, { table: table.text, index: reg.text });
    const body = this.loop(() => this.body(sg), 'loop');
    if (outer) this.sgCursors.set(cursor.text, outer);
    else this.sgCursors.delete(cursor.text);
    return [control({ op: 'for', reg: reg.text, from: num(0), cond: { k: 'bin', op: '<', l: i, r: nents }, step: { k: 'bin', op: '+', l: i, r: num(1) }, body })];
  }

  /**
   * `st->tx_packets++;`, `ring[i].count--;`: a statement that steps a field in memory is that
   * field `+= 1` (`-= 1`), which the assignment reads; a register's own step is increment().
   */
  private postfixStepAsCompound(): void {
    let depth = 0;
    for (let k = this.i; k < this.toks.length; k++) {
      const x = this.toks[k];
      if (x.kind === 'eof' || x.text === '{' || x.text === '}') return;
      if (x.text === '(' || x.text === '[') depth++;
      else if (x.text === ')' || x.text === ']') depth--;
      else if (depth === 0 && ASSIGNMENTS.has(x.text)) return; // x = y++;: a step inside an expression
      else if (depth === 0 && x.text === ';') {
        const step = this.toks[k - 1];
        if (k - 1 > this.i && (step.text === '++' || step.text === '--') && step.kind === 'punct') {
          this.toks.splice(k - 1, 1, { ...step, text: step.text === '++' ? '+=' : '-=' }, { ...step, kind: 'number', text: '1' });
        }
        return;
      }
    }
  }

  /** i++, i--, i += E, i -= E as `let i = i + 1` (and so on). */
  private increment(t: Token): Extract<Op, { op: 'let' }> {
    const name = t.text;
    if (!this.scope.assigned.has(name)) this.fail(t, `register '${name}' is used before it is assigned`);
    this.next();
    const op = this.next();
    const reg: Expr = { k: 'reg', name };
    const by = op.text === '++' || op.text === '--' ? num(1) : this.expr(this.syn());
    return { op: 'let', reg: name, value: { k: 'bin', op: op.text[0] === '+' ? '+' : '-', l: reg, r: by } };
  }

  private loop<T>(f: () => T, kind: 'loop' | 'do'): T {
    this.scope.loops++;
    this.breakable.push(kind);
    try {
      return f();
    } finally {
      this.scope.loops--;
      this.breakable.pop();
    }
  }

}

/** A control op of either kind of thread: its body holds ops of the thread's own kind. */
const control = (op: { op: 'if' | 'while' | 'for'; body?: Op[]; then?: Op[]; else?: Op[] } & Record<string, unknown>): Op => op as unknown as Op;

const ASSIGNMENTS: ReadonlySet<string> = new Set(['=', ...Object.keys(COMPOUND)]);

