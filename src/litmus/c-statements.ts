// The statements of C a driver's hot path is made of, beyond calls: assignments to registers and
// to memory (`bdp->cbd_sc = cpu_to_le16(v);`, `status ^= 0x0800;`, `bdp->cbd_sc |= BD_EMPTY;`),
// local declarations (`struct bufdesc *bdp = &ring[0];`, `u16 status;`), and small static functions
// inlined where they are called (`static void fec_refill(int i) { ... }`), as the compiler would.

import { num, type Expr } from '../program/expr.js';
import type { BufRef, CpuOp, DeviceOp } from '../program/types.js';
import { sizeOf, type CType } from './c-types.js';
import type { Token } from './lexer.js';
import { DeviceStatements } from './device-statements.js';
import { placeName } from './load-names.js';
import { IDENTITY_FUNCTIONS, SWAB_FUNCTIONS } from './syntax.js';
import type { Syn } from './syntax-tree.js';
import { CPU_CALLS, DEVICE_CALLS, isDirection } from './vocabulary.js';

type Op = CpuOp | DeviceOp;

/** A static function of the file: its parameters and body, inlined at each call. */
interface CFunction { name: Token; params: string[]; body: Token[] }

/** Tokens inlining may add in all: a function calling another twice, ten deep, is refused, not run. */
const MAX_INLINED_TOKENS = 100_000;

export class CStatements extends DeviceStatements {
  protected readonly functions = new Map<string, CFunction>();
  private inlined = 0;

  /** Does the statement at the cursor belong to the calls of this block (the call tables)? */
  protected isCallStatement(): boolean {
    const calls = this.scope.kind === 'cpu' ? CPU_CALLS : DEVICE_CALLS;
    const isCall = (k: number) => this.toks[this.i + k]?.kind === 'ident' && this.is('(', k + 1) && !IDENTITY_FUNCTIONS.has(this.toks[this.i + k].text) && !(this.toks[this.i + k].text in SWAB_FUNCTIONS);
    if (this.tok.kind !== 'ident') return false;
    if (this.is('=', 1) && isCall(2)) return this.toks[this.i + 2].text in calls || this.toks[this.i + 2].text in CPU_CALLS || this.toks[this.i + 2].text in DEVICE_CALLS;
    return isCall(0) && !this.functions.has(this.tok.text);
  }

  /** `TARGET = value;`, `TARGET op= value;`: a register gets a value, or memory is stored to. */
  protected assignmentStatement(): Op[] {
    const start = this.tok;
    const raw = this.rawSyn();
    this.end();
    if (raw.s !== 'assign') this.fail(start, `expected a statement (an assignment, a call, a declaration or control flow), found an expression`);
    if (this.scope.kind === 'cpu' && !raw.op && raw.target.s === 'name' && raw.target.index === undefined && raw.value.s === 'name' && raw.value.index === undefined && isDirection(raw.value.name)) {
      this.directionVariable(raw.target.tok, raw.value.name); // dir = DMA_FROM_DEVICE;
      return [];
    }
    const nents = this.scope.kind === 'cpu' && !raw.op ? this.nentsStore(raw.target, raw.value) : undefined;
    if (nents) return nents;
    return [...this.assignOps(raw.target, raw.op, raw.value)].flatMap((op) => [...this.takePre(), op]);
  }

  /**
   * `sgt->nents = dma_map_sg(dev, sgt->sgl, sgt->orig_nents, DIR);`: the driver keeps the mapped
   * count in its sg_table, as dma_map_sgtable() does itself (kernel/dma/mapping.c); sgt->nents
   * then reads it (src/litmus/sg-tables.ts).
   */
  private nentsStore(target: Syn, value: Syn): Op[] | undefined {
    if (target.s !== 'member' || target.field !== 'nents' || target.base.s !== 'name' || target.base.index !== undefined || !this.sgLists.has(target.base.name)) return undefined;
    if (value.s !== 'call' || (value.name !== 'dma_map_sg' && value.name !== 'dma_map_sg_attrs')) return undefined;
    const table = target.base.name;
    const call = this.desugar(value);
    const op = call.s === 'call' ? this.cpuCall(call, { ...target.tok, text: this.fresh(`${table}_nents`) }, this.sgLists) : undefined;
    if (op?.op !== 'dma_map_sg' || op.handle !== table) return this.fail(value.tok, `${table}->nents holds the count of ${table}'s own mapping: ${table}->nents = dma_map_sg(dev, ${table}->sgl, ${table}->orig_nents, DIR);`);
    this.sgtableMaps.set(table, op);
    return [...this.takePre(), op, ...this.takeAfter()];
  }

  private *assignOps(target: Syn, op: Extract<Syn, { s: 'assign' }>['op'], value: Syn): Generator<Op> {
    if (target.s === 'name' && target.index === undefined && this.isSgPointer(target.name)) {
      if (op) this.fail(target.tok, `'${target.name}' is a scatterlist pointer: move it with ${target.name} = sg_next(${target.name});`);
      yield this.sgPointerAssignment(target.tok, this.desugar(value)); // src/litmus/sg-tables.ts
      return;
    }
    if (target.s === 'name' && target.index === undefined && !this.bufferTypes.has(target.name)) {
      yield this.registerAssignment(target, op, value);
      return;
    }
    const place = this.resolve(target);
    if (!place.place && target.s !== 'deref') this.fail(target.tok, 'expected a register or a memory location to assign (r, *(u32 *)p, ring[i].field, bdp->field)');
    const loc = place.place ? this.valueSyn({ syn: target, place: place.place }) : place.syn;
    if (loc.s !== 'deref') this.fail(target.tok, 'expected a memory location');
    const v: Syn = this.desugar(value);
    if (op) {
      const old = this.expr(loc);
      const reg = this.fresh(`${placeName(loc) ?? 'val'}_new`);
      yield { op: 'let', reg, value: { k: 'bin', op, l: old, r: this.expr(v) } };
      yield this.storeOp(loc, { k: 'reg', name: reg });
      return;
    }
    if (this.scope.kind === 'device') {
      yield { op: 'dma_write', ...this.deviceAddress(loc), size: loc.size, ...this.value(v, loc.size) } as DeviceOp;
      return;
    }
    const acc = this.access(loc);
    yield { op: 'store', ...acc, ...this.value(v, acc.size) };
  }

  /** r = value; r op= value; — a pointer value makes r a pointer into its buffer (its offset there). */
  protected registerAssignment(target: Extract<Syn, { s: 'name' }>, op: Extract<Syn, { s: 'assign' }>['op'], value: Syn): Op {
    const name = target.name;
    if (op && !this.scope.assigned.has(name)) this.fail(target.tok, `register '${name}' is used before it is assigned`);
    const whole: Syn = op ? this.node(target.tok, { s: 'bin', op, l: target, r: value }, target, value) : value;
    const r = this.resolve(whole);
    const was = this.pointers.get(name);
    if (r.ptr) {
      if (was && was.buf !== r.ptr.buf) this.fail(target.tok, `'${name}' points into '${was.buf}'; a pointer register points into one buffer (use another register for '${r.ptr.buf}')`);
      const off = this.expr(r.ptr.off);
      this.pointers.set(name, { buf: r.ptr.buf, to: r.ptr.type });
      return { op: 'let', reg: this.assign(target.tok), value: off };
    }
    if (was) this.fail(value.tok, `'${name}' is a pointer into '${was.buf}': assign it a pointer (&${was.buf}[i], ${name} + 1)`);
    const v = this.valueSyn(r);
    if (!op && v.s === 'deref' && this.fitsLoad(name, v.size)) {
      // r = *(u16 *)p;  r = bdp->cbd_sc;  — a load into r itself (a device: a DMA read), as before structs.
      if (this.scope.kind === 'device') return { op: 'dma_read', ...this.deviceAddress(v), size: this.derefSize(v), reg: this.assign(target.tok) } as DeviceOp;
      return { op: 'load', ...this.access(v), reg: this.assign(target.tok) };
    }
    const e = this.expr(v);
    const reg = this.assign(target.tok);
    return { op: 'let', reg, value: this.narrowed(reg, e) };
  }

  private derefSize(d: Extract<Syn, { s: 'deref' }>): number {
    if (d.size > 8) this.fail(d.tok, `a ${d.size}-byte read is not a value: a register holds at most 8 bytes`);
    return d.size;
  }

  /** x++ / x-- on a pointer register steps by the size of what it points at. */
  protected pointerStep(t: Token): Op | undefined {
    const p = this.pointers.get(t.text);
    if (!p) return undefined;
    this.next();
    const op = this.next();
    const reg: Expr = { k: 'reg', name: t.text };
    return { op: 'let', reg: t.text, value: { k: 'bin', op: op.text === '++' ? '+' : '-', l: reg, r: num(sizeOf(p.to)) } };
  }

  /** TYPE name [= value], name2 ...; — a local variable is a register; an unsigned type narrower than u64 keeps its low bytes. */
  /**
   * `struct scatterlist sgl[2];`, `struct sg_table *sgt;` declare a list, the table sg_set_buf()
   * fills: nothing to keep. `struct scatterlist *sg;`, `struct scatterlist *sg = sgt->sgl;` declare
   * a pointer that walks one (src/litmus/sg-tables.ts).
   */
  private scatterlistDeclaration(): Op[] {
    this.next();
    const table = this.next().text === 'sg_table';
    const out: Op[] = [];
    for (;;) {
      let pointer = false;
      while (this.is('*')) { this.next(); pointer = true; }
      const name = this.ident('a scatterlist name');
      if (this.is('[')) { this.next(); this.constant('the number of entries'); this.expectText(']', 'after the number of entries'); }
      if (pointer && !table) this.declareSgPointer(name);
      if (this.is('=')) {
        const eq = this.next();
        if (!pointer || table) this.fail(eq, `${table ? 'an sg table' : 'a scatterlist'} is not assigned: sg_set_buf(&${table ? name.text : 'sgl'}[i], buf, size) fills an entry`);
        const value = this.syn();
        out.push(...this.takePre(), this.sgPointerAssignment(name, value));
      }
      if (!this.is(',')) break;
      this.next();
    }
    this.end();
    return out;
  }

  protected declaration(sg: Map<string, (BufRef | undefined)[]>): Op[] {
    if (this.is('struct') && KERNEL_DEVICE_STRUCTS.has(this.toks[this.i + 1]?.text) && !this.structs.has(this.toks[this.i + 1].text) && this.is('*', 2)) {
      // `struct device *dev = &pdev->dev;`: the device a DMA API call names, which the model takes
      // as written (src/litmus/syntax.ts deviceArg): nothing to keep.
      const start = this.tok;
      while (!this.is(';')) if (this.next().kind === 'eof') this.fail(start, "expected ';' at the end of the declaration");
      this.end();
      return [];
    }
    if (this.is('struct') && (this.is('scatterlist', 1) || this.is('sg_table', 1)) && !this.structs.has(this.toks[this.i + 1].text)) return this.scatterlistDeclaration();
    const base = this.typeName('a type');
    const out: Op[] = [];
    for (;;) {
      let type: CType = base;
      while (this.is('*')) { this.next(); type = { k: 'ptr', to: type }; }
      const name = this.ident('a variable name');
      if (this.is('[')) this.fail(this.tok, `a local array '${name.text}' is not supported: declare it in the memory block (stack ${name.text}[SIZE];)`);
      if (this.buffers.has(name.text) || this.registers.has(name.text)) this.assign(name); // the usual message
      if (type.k === 'int' && !type.signed && type.size < 8) this.widths.set(name.text, type.size);
      else this.widths.delete(name.text);
      if (this.is('=')) {
        this.next();
        const value = this.assignExpr0();
        if (this.scope.kind === 'cpu' && value.s === 'call' && value.name in CPU_CALLS) {
          // dma_addr_t h = dma_map_single(...);  int ret = dma_map_sgtable(...);  as `name = call;`
          const call = this.desugar(value);
          const op = call.s === 'call' ? this.cpuCall(call, name, sg) : undefined;
          out.push(...this.takePre(), ...(op ? [op] : []), ...this.takeAfter()); // the reads its arguments lower first
          if (!this.is(',')) break;
          this.next();
          continue;
        }
        // The loads the value needs (READ_ONCE(desc->status)) come before the assignment that uses them.
        const assignment = this.registerAssignment(this.node(name, { s: 'name', name: name.text }) as Extract<Syn, { s: 'name' }>, undefined, value);
        out.push(...this.takePre(), assignment);
      }
      if (!this.is(',')) break;
      this.next();
    }
    this.end();
    return out;
  }

  /** enum dma_data_direction dir [= DMA_...], ...; — direction variables (ArgumentChecks.dirVars): no op. */
  protected directionDeclaration(): Op[] {
    this.next();
    this.next();
    for (;;) {
      const name = this.ident('a variable name');
      if (this.is('=')) {
        this.next();
        const v = this.syn();
        this.directionVariable(name, this.dir(v));
      }
      if (!this.is(',')) break;
      this.next();
    }
    this.end();
    return this.takePre();
  }

  /** An initializer: one assignment-expression (a ',' separates declarators). */
  private assignExpr0(): Syn {
    return this.rawSyn();
  }

  /** static [inline] void NAME(TYPE a, ...) { ... } at the top level of the file. */
  protected functionDefinition(): void {
    this.next();
    while (this.is('inline') || this.is('__always_inline') || this.is('noinline')) this.next();
    if (!this.is('void')) this.fail(this.tok, 'only void static functions are inlined: return results through a register the caller reads after the call');
    this.next();
    const name = this.ident('a function name');
    if (this.functions.has(name.text)) this.fail(name, `function '${name.text}' is already defined at line ${this.functions.get(name.text)!.name.line}`);
    if (name.text in CPU_CALLS || name.text in DEVICE_CALLS) this.fail(name, `'${name.text}' is a kernel call the format models: give the function another name`);
    this.expectText('(', `after '${name.text}'`);
    const params: string[] = [];
    if (this.is('void') && this.is(')', 1)) this.next();
    while (!this.is(')')) {
      if (this.is('enum') && this.is('dma_data_direction', 1)) { this.next(); this.next(); } // a direction: see inlineCall
      else this.typeName('a parameter type');
      const p = this.ident('a parameter name');
      params.push(p.text);
      if (!this.is(',')) break;
      this.next();
    }
    this.expectText(')', 'after the parameters');
    const open = this.tok;
    if (!this.is('{')) this.fail(open, `expected '{' after 'void ${name.text}(...)'`);
    let depth = 0;
    const body: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') this.fail(open, `unterminated function '${name.text}': '{' has no closing '}'`);
      body.push(t);
      if (t.text === '{' && t.kind === 'punct') depth++;
      if (t.text === '}' && t.kind === 'punct' && --depth === 0) break;
      if (t.kind === 'ident' && t.text === 'return') this.fail(t, `'return' in a static function is not supported: let the function end (the format inlines it)`);
      if (t.kind === 'ident' && (t.text === name.text || (!this.functions.has(t.text) && this.is('(') && this.laterFunction(t.text)))) {
        this.fail(t, `'${name.text}' calls '${t.text}': a function calls only functions defined before it (no recursion)`);
      }
    }
    this.functions.set(name.text, { name, params, body });
  }

  /** Is `name` defined as a static function further down the file? */
  private laterFunction(name: string): boolean {
    for (let k = this.i; k + 3 < this.toks.length; k++) {
      if (this.toks[k].text === 'void' && this.toks[k + 1].text === name && this.toks[k + 2].text === '(') return true;
    }
    return false;
  }

  /**
   * NAME(args); of a static function: its body takes the call's place, each parameter a register
   * (`NAME__param`) assigned its argument first, so an argument is computed once, as in C. A
   * member or a struct tag spelled like a parameter is not the parameter (isOrdinaryName).
   */
  protected inlineCall(): void {
    const start = this.i;
    const name = this.next();
    const f = this.functions.get(name.text)!;
    this.expectText('(', `after '${name.text}'`);
    const args: Token[][] = [];
    let depth = 0;
    let cur: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') this.fail(name, `the call of '${name.text}' has no closing ')'`);
      if (t.text === '(') depth++;
      if (t.text === ')' && depth-- === 0) break;
      if (t.text === ',' && depth === 0) { args.push(cur); cur = []; continue; }
      cur.push(t);
    }
    if (cur.length || args.length) args.push(cur);
    if (args.length !== f.params.length) this.fail(name, `wrong number of arguments: ${name.text} takes ${f.params.length}, found ${args.length}`);
    this.expectText(';', `after the call of '${name.text}'`);
    const renamed = (p: string) => `${name.text}__${p}`;
    const tok = (text: string, kind: Token['kind'] = 'punct'): Token => ({ kind, text, line: name.line, col: name.col });
    const out: Token[] = [tok('{')];
    // A direction argument (DMA_TO_DEVICE, or a direction variable) is a constant in C: it takes
    // the parameter's place in the body, so each call's DMA API calls get their own direction.
    const direction = (a: Token[]) => a.length === 1 && a[0].kind === 'ident' && (isDirection(a[0].text) || this.dirVars.has(a[0].text)) ? a[0].text : undefined;
    const constants = new Map<string, string>();
    f.params.forEach((p, k) => {
      const d = direction(args[k]);
      if (d) constants.set(p, d);
      else out.push(tok(renamed(p), 'ident'), tok('='), tok('('), ...args[k], tok(')'), tok(';'));
    });
    for (let k = 1; k < f.body.length - 1; k++) {
      const t = f.body[k];
      const param = t.kind === 'ident' && f.params.includes(t.text) && isOrdinaryName(f.body[k - 1]);
      out.push(param ? { ...t, text: constants.get(t.text) ?? renamed(t.text) } : t);
    }
    out.push(tok('}'));
    this.inlined += out.length;
    if (this.inlined > MAX_INLINED_TOKENS) this.fail(name, `inlined functions add more than ${MAX_INLINED_TOKENS} tokens`);
    this.toks.splice(start, this.i - start, ...out);
    this.i = start;
  }
}

/**
 * Does the name after `before` name a variable? A member (after `.` or `->`: macb_set_addr's
 * `desc->addr` beside its `addr` parameter) and a struct tag (`sizeof(struct desc)` beside a `desc`
 * parameter) are in name spaces of their own (C11 6.2.3): a parameter's renaming leaves them be.
 */
function isOrdinaryName(before: Token): boolean {
  const member = before.kind === 'punct' && (before.text === '.' || before.text === '->');
  const tag = before.kind === 'ident' && (before.text === 'struct' || before.text === 'union' || before.text === 'enum');
  return !member && !tag;
}

/** The kernel's device objects, declared by drivers only to pass to the DMA API (`struct device *dev = &pdev->dev;`). */
const KERNEL_DEVICE_STRUCTS = new Set(['device', 'platform_device', 'pci_dev']);
