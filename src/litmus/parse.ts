// Parse a DMA litmus test (docs/litmus.md) into a Program, keeping the source position of every
// declaration and op so later errors (compile(), makePlatform()) point at the line that caused them.
// The first error stops the parse: one LitmusError with a line, a column and a message. This file
// reads the file's parts (header, platform, structs, memory, static functions, threads, final,
// condition); the classes it extends read the rest, one concept each: token-stream (after the
// preprocessor) < type-parser (C types, structs) < syntax (expression trees; the tree itself:
// syntax-tree) < argument-checks < c-lang (members, elements, pointers as byte offsets) <
// thread-scope (a thread's registers) < expressions (what an expression means) < sg-tables
// (sgt->sgl, sgt->nents, sg_next()) < cpu-calls <
// cpu-statements < device-statements < c-statements (assignments, declarations, inlining) <
// wait-loops (while (COND) cpu_relax();) < statements (control flow) < condition (exists/forall) <
// file-checks (what needs every thread read).

import { checkSetting, DEFAULT_PLATFORM, PlatformError, type PlatformConfig } from '../platform/platform.js';
import type { Actor, BufRef, BufferDecl, CpuOp, DeviceOp, Program } from '../program/types.js';
import type { Token } from './lexer.js';
import type { Pos } from './litmus-error.js';
import { FileChecks } from './file-checks.js';
import { LitmusError } from './litmus-error.js';
import { isLkmm, translateLkmm } from './lkmm.js';
import { renameHandles } from './cpu-calls.js';
import { dropUnreadRegisters, readRegisters } from './registers.js';
import { KIND_KEYWORDS, closest } from './vocabulary.js';
import { sizeOf, type CType } from './c-types.js';

export type Expectation = 'bug' | 'ok';

/** Where each part of the program was written. Indices follow the Program's arrays. */
export interface SourceMap {
  header: Pos;
  expect?: Pos;
  platform: Record<string, Pos>;
  buffers: Pos[];
  registers: Pos[];
  actors: Pos[];
  /** Each thread's top-level ops (the loads lowered out of a statement are where the statement is). */
  ops: Pos[][];
  final: Pos[];
  /** Every op, nested ones (in if, while, for) included. */
  opPos: Map<CpuOp | DeviceOp, Pos>;
  condition?: Pos;
}

export interface ParsedLitmus {
  program: Program;
  expect?: Expectation;
  source: SourceMap;
  /** `// dmafuzz: waive RULE-ID: reason` comments: each waives RULE-ID's findings on its line or the next. */
  waivers?: FileWaiver[];
}

export interface FileWaiver extends Pos { rule: string; reason: string }

const WAIVER = /^\s*dmafuzz:\s*waive\s+([^\s:]+)\s*:\s*(\S.*?)\s*$/;

export const MAX_NAME = /^[A-Za-z0-9_.+-]+$/;

export function parseLitmus(src: string): ParsedLitmus {
  if (isLkmm(src)) return parseLkmm(src);
  return new Parser(src).parseFile();
}

/** A kernel memory-model test (src/litmus/lkmm.ts), its errors pointing into the text as written. */
function parseLkmm(src: string): ParsedLitmus {
  const t = translateLkmm(src);
  try {
    return new Parser(t.text).parseFile();
  } catch (e) {
    if (!(e instanceof LitmusError)) throw e;
    const at = t.back(e.line, e.col);
    throw new LitmusError(at.line, at.col, e.message);
  }
}

class Parser extends FileChecks {
  private readonly source: SourceMap = { header: { line: 1, col: 1 }, platform: {}, buffers: [], registers: [], actors: [], ops: [], final: [], opPos: this.opPos };

  // --- file ---

  /** The waiver comments; a `// dmafuzz:` comment that is not one is an error, not a silent no-op. */
  private waivers(): FileWaiver[] {
    const out: FileWaiver[] = [];
    for (const c of this.comments) {
      if (!/^\s*dmafuzz\s*:/.test(c.text)) continue;
      const m = WAIVER.exec(c.text);
      if (!m) this.fail(c, "a waiver reads '// dmafuzz: waive RULE-ID: reason' (the reason is required)");
      out.push({ line: c.line, col: c.col, rule: m[1], reason: m[2] });
    }
    return out;
  }

  parseFile(): ParsedLitmus {
    const first = this.tok;
    if (first.kind === 'eof') this.fail(first, "empty file: a litmus test starts with 'DMA <name>'");
    if (first.kind !== 'ident' || first.text !== 'DMA') this.fail(first, `a litmus test starts with 'DMA <name>', found ${this.found(first)}`);
    this.next();
    const nameTok = this.tok;
    if (nameTok.kind !== 'name') this.fail(first, "missing test name after 'DMA'");
    if (!MAX_NAME.test(nameTok.text)) this.fail(nameTok, `bad test name '${nameTok.text}': use letters, digits and _ . + -`);
    this.next();
    this.source.header = first;

    let expect: Expectation | undefined;
    let platform: Partial<PlatformConfig> | undefined;
    let memorySeen = false;
    let final: BufRef[] | undefined;
    let unbind = false;
    let condition: Program['condition'];
    const actors: Actor[] = [];
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') break;
      if (this.is('expect')) {
        if (expect) this.fail(t, "a second 'expect' line");
        this.next();
        const v = this.ident("'bug' or 'ok' after expect");
        if (v.text !== 'bug' && v.text !== 'ok') this.fail(v, `expect takes 'bug' or 'ok', not '${v.text}'`);
        expect = v.text;
        this.source.expect = t;
        if (this.is(';')) this.next();
      } else if (this.is('platform')) {
        if (platform) this.fail(t, "a second 'platform' block");
        if (memorySeen) this.fail(t, "the 'platform' block must come before the memory block");
        this.next();
        platform = this.platformBlock();
      } else if (this.is('{')) {
        if (memorySeen) this.fail(t, 'a second memory block');
        this.memoryBlock();
        memorySeen = true;
      } else if (this.is('cpu') || this.is('device')) {
        if (!memorySeen) this.fail(t, `missing memory block '{ ... }' before '${t.text}' (write '{ }' if the test declares nothing)`);
        if (final) this.fail(t, "threads must come before the 'final' clause");
        if (condition) this.fail(t, `threads must come before the '${condition.kind}' condition`);
        actors.push(this.actor());
      } else if (this.is('unbind')) {
        if (unbind) this.fail(t, "a second 'unbind' line");
        if (!actors.length) this.fail(t, "'unbind' comes after the threads");
        this.next();
        this.end();
        unbind = true;
      } else if (this.is('final')) {
        if (final) this.fail(t, "a second 'final' clause");
        if (condition) this.fail(t, `'final' comes before the '${condition.kind}' condition`);
        if (!actors.length) this.fail(t, "'final' comes after the threads");
        this.next();
        final = this.finalClause();
      } else if (this.is('struct') && this.is('{', 2)) {
        if (actors.length) this.fail(t, 'declare structs before the threads');
        this.structDeclaration((what) => this.constant(what));
      } else if (this.is('static')) {
        if (!memorySeen) this.fail(t, "a static function comes after the memory block '{ ... }' (it uses the buffers declared there)");
        if (final || condition) this.fail(t, "static functions come before 'final' and the condition");
        this.functionDefinition();
      } else if (this.is('exists') || this.is('forall')) {
        if (condition) this.fail(t, `a second condition: a test has one 'exists' or 'forall'`);
        if (!actors.length) this.fail(t, `'${t.text}' comes after the threads`);
        this.source.condition = t;
        condition = this.conditionClause();
      } else {
        this.fail(t, `expected 'expect', 'platform', 'struct', '{', 'static', 'cpu', 'device', 'unbind', 'final', 'exists' or 'forall', found ${this.found(t)}`);
      }
    }
    if (!memorySeen) this.fail(this.tok, "missing memory block '{ ... }' and threads");
    if (!actors.length) this.fail(this.tok, "no 'cpu' or 'device' block: a test needs at least one thread");
    this.checkNames();
    this.checkMemcpyInto(actors);
    for (const a of actors) renameHandles(a.ops, this.handleAliases); // a dma_pool block's &handle is the block
    const program: Program = {
      name: nameTok.text,
      ...(platform ? { platform } : {}),
      buffers: [...this.buffers.values()],
      registers: [...this.registers.keys()],
      ...(this.mmioDecls.size ? { mmio: Object.fromEntries(this.mmioDecls) } : {}),
      actors,
      ...(final ? { final } : {}),
      ...(condition ? { condition } : {}),
      ...(unbind ? { unbind } : {}),
    };
    const read = readRegisters(program);
    this.checkWideRegisters(program, read);
    dropUnreadRegisters(program, read);
    const waivers = this.waivers();
    return { program, ...(expect ? { expect } : {}), source: this.source, ...(waivers.length ? { waivers } : {}) };
  }

  // --- platform { key = value; ... } ---

  private platformBlock(): Partial<PlatformConfig> {
    const open = this.expectText('{', "after 'platform'");
    const out: Record<string, unknown> = {};
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail(open, "unterminated 'platform' block: '{' has no closing '}'");
      const key = this.ident('a platform setting');
      if (!(key.text in DEFAULT_PLATFORM)) {
        const hint = closest(key.text, Object.keys(DEFAULT_PLATFORM));
        this.fail(key, `unknown platform setting '${key.text}'${hint ? ` (did you mean '${hint}'?)` : ''}; settings: ${Object.keys(DEFAULT_PLATFORM).join(', ')}`);
      }
      if (key.text in out) this.fail(key, `platform setting '${key.text}' is set twice`);
      this.expectText('=', `after '${key.text}'`);
      const v = this.next();
      if (v.kind !== 'number' && v.kind !== 'ident') this.fail(v, `expected a value for '${key.text}', found ${this.found(v)}`);
      out[key.text] = platformValue(key.text, v);
      this.source.platform[key.text] = key;
      try {
        checkSetting(key.text, out[key.text]);
      } catch (e) {
        if (!(e instanceof PlatformError)) throw e;
        this.fail(key, `impossible platform: ${e.message}`);
      }
      this.expectText(';', `after the value of '${key.text}'`);
    }
    this.next();
    // How the settings combine (lineSize = 128 needs cwg ≥ 128) is checked once per file with the
    // --platform overrides, which may set the other one (compileParsed in src/run/check-file.ts).
    return out as Partial<PlatformConfig>;
  }

  // --- { declarations } ---

  private memoryBlock(): void {
    const open = this.next();
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail(open, "unterminated memory block: '{' has no closing '}'");
      if (this.is('struct') && this.is('{', 2)) { this.structDeclaration((what) => this.constant(what)); continue; }
      const kw = this.ident("a declaration ('kmalloc', 'page', 'stack', 'vmalloc', 'coherent', 'field', 'mmio' or 'struct')");
      if (kw.text === 'mmio') {
        // mmio [u32|u64] NAME [@ PERIPHERAL];
        let bytes: 8 | undefined;
        if ((this.is('u64') || this.is('u32')) && this.toks[this.i + 1]?.kind === 'ident') bytes = this.next().text === 'u64' ? 8 : undefined;
        const name = this.ident('a register name');
        if (this.registers.has(name.text)) this.fail(name, `register '${name.text}' is already declared at line ${this.registers.get(name.text)!.line}`);
        let peripheral: string | undefined;
        if (this.is('@')) { this.next(); peripheral = this.ident("the peripheral the register belongs to, after '@'").text; }
        this.registers.set(name.text, name);
        if (bytes || peripheral) this.mmioDecls.set(name.text, { ...(peripheral ? { peripheral } : {}), ...(bytes ? { bytes } : {}) });
        this.source.registers.push(kw);
        this.expectText(';', `after the register (mmio u64 ${name.text} @ nic;)`);
        continue;
      }
      const kind = kw.text === 'field' ? 'kmalloc' : KIND_KEYWORDS[kw.text];
      if (!kind) {
        const hint = closest(kw.text, [...Object.keys(KIND_KEYWORDS), 'field', 'mmio', 'struct']);
        this.fail(kw, `unknown declaration '${kw.text}'${hint ? ` (did you mean '${hint}'?)` : ''}: use kmalloc, page, stack, vmalloc, coherent, field, mmio or struct`);
      }
      // A typed declaration: coherent struct bufdesc ring[64];  kmalloc u32 words[16];  kmalloc struct priv p;
      const elem = this.isTypeStart() && (this.toks[this.i + 1]?.kind === 'ident' || this.is('*', 1)) ? this.typeName('a type') : undefined;
      if (elem?.k === 'ptr') this.fail(kw, 'a buffer of pointers is not supported: declare each buffer, or an array of u64 for the addresses');
      const name = this.ident('a buffer name');
      if (this.buffers.has(name.text)) this.fail(name, `buffer '${name.text}' is already declared at line ${this.bufferPos.get(name.text)!.line}`);
      let size: number;
      if (elem) {
        const type: CType = this.is('[') ? this.arraySuffix(elem, (what) => this.constant(what)) : { k: 'array', of: elem, count: 1 };
        size = sizeOf(type);
        this.bufferTypes.set(name.text, type);
      } else {
        this.expectText('[', `after '${name.text}' (write ${name.text}[SIZE], or a type first: ${kw.text} struct NAME ${name.text}[N];)`);
        size = this.constant('a size in bytes');
        this.expectText(']', 'after the size');
      }
      if (size <= 0) this.fail(name, `buffer '${name.text}' has size 0; sizes are positive`);
      const decl: BufferDecl = { name: name.text, kind, size };
      if (this.is('in')) {
        this.next();
        const where = this.syn();
        const { base, off } = this.splitBase(where);
        if (base.s !== 'name' || base.index !== undefined) this.fail(where.tok, 'expected the struct this field is in, optionally + a constant offset');
        const parent = base;
        const p = this.buffers.get(parent.name);
        if (!p) this.fail(parent.tok, `unknown buffer '${parent.name}' (a field's struct must be declared before it)`);
        const offset = this.offsetNumber(off, 'a field offset');
        if (offset + size > p.size) this.fail(name, `field '${name.text}' (offset ${offset}, size ${size}) does not fit in '${p.name}' (size ${p.size})`);
        decl.in = { parent: parent.name, offset };
      } else if (kw.text === 'field') {
        this.fail(this.tok, `a field needs its struct: field ${name.text}[${size}] in STRUCT + OFFSET;`);
      }
      if (this.is('at')) { this.next(); decl.at = this.constant('a physical address'); }
      if (this.is('=')) {
        this.next();
        const v = this.tok;
        decl.init = this.constant('an initial byte');
        if (decl.init > 0xff) this.fail(v, `initial value ${v.text} is not a byte: '= 0x33' sets every byte of the buffer`);
      }
      this.expectText(';', `after the declaration of '${name.text}'`);
      this.buffers.set(name.text, decl);
      this.bufferPos.set(name.text, name);
      this.source.buffers.push(kw);
    }
    this.next();
  }

  // --- cpu NAME { ... } / device NAME { ... } ---

  private actor(): Actor {
    const kw = this.next();
    const name = this.ident(`a name after '${kw.text}'`);
    const dup = this.source.actors.findIndex((_, k) => this.actorNames[k] === name.text);
    if (dup >= 0) this.fail(name, `thread '${name.text}' is already declared at line ${this.source.actors[dup].line}`);
    this.actorNames.push(name.text);
    this.source.actors.push(kw);
    const open = this.expectText('{', `after '${kw.text} ${name.text}'`);
    const ops: (CpuOp | DeviceOp)[] = [];
    const positions: Pos[] = [];
    this.startThread(name.text, kw.text === 'cpu' ? 'cpu' : 'device');
    const sg = this.sgLists;
    while (!this.is('}')) {
      // eof, or `cpu x {` / `device x {` where a statement should be: a '}' is missing above
      const nextThread = (this.is('cpu') || this.is('device')) && this.toks[this.i + 1]?.kind === 'ident' && this.is('{', 2);
      if (this.tok.kind === 'eof' || nextThread) this.fail(open, `unterminated block '${kw.text} ${name.text}': '{' has no closing '}'`);
      const at = this.tok;
      for (const op of this.statement(sg)) {
        ops.push(op);
        positions.push(at);
      }
    }
    this.endThread();
    this.next();
    this.source.ops.push(positions);
    return kw.text === 'cpu' ? { name: name.text, kind: 'cpu', ops: ops as CpuOp[] } : { name: name.text, kind: 'device', ops: ops as DeviceOp[] };
  }

  private readonly actorNames: string[] = [];

  // --- final (ptr, size), (ptr, size); ---

  private finalClause(): BufRef[] {
    const out: BufRef[] = [];
    do {
      const open = this.expectText('(', "in 'final' (write final (ptr, size), ...;)");
      const p = this.pointer(this.syn());
      this.expectText(',', 'between the pointer and the size');
      const size = this.int('a size');
      this.expectText(')', 'after the size');
      out.push(this.range({ name: p.name, off: p.off, size }, open));
      this.source.final.push(open);
    } while (this.is(',') && this.next());
    if (this.is(';')) this.next();
    return out;
  }

}

function platformValue(key: string, v: Token): unknown {
  if (key === 'kernel') return v.text;
  if (v.kind === 'number') return v.text.includes('.') ? v.text : Number(BigInt(v.text));
  if (v.text === 'true') return true;
  if (v.text === 'false') return false;
  return v.text;
}
