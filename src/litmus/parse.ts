// Parse a DMA litmus test (docs/litmus.md) into a Program, keeping the source position of every
// declaration and op so later errors (compile(), makePlatform()) point at the line that caused them.
// The first error stops the parse: one LitmusError with a line, a column and a message.

import { checkSetting, DEFAULT_PLATFORM, PlatformError, type PlatformConfig } from '../platform/platform.js';
import type { Actor, BufRef, BufferDecl, CpuOp, DeviceOp, Direction, Program } from '../program/types.js';
import { REGISTER_BYTES, valueProblem } from '../exec/values.js';
import { MAX_NESTING } from '../program/limits.js';
import { tokenize, type Token } from './lexer.js';
import { LitmusError, type Pos } from './litmus-error.js';
import {
  CPU_CALLS, DEVICE_CALLS, KIND_KEYWORDS, SKIP_CPU_SYNC, closest, isBarrier, isDirection, scalarTypeSize,
} from './vocabulary.js';

export type Expectation = 'bug' | 'ok';

/** Where each part of the program was written. Indices follow the Program's arrays. */
export interface SourceMap {
  header: Pos;
  expect?: Pos;
  platform: Record<string, Pos>;
  buffers: Pos[];
  registers: Pos[];
  actors: Pos[];
  ops: Pos[][];
  final: Pos[];
}

export interface ParsedLitmus {
  program: Program;
  expect?: Expectation;
  source: SourceMap;
}

export const MAX_NAME = /^[A-Za-z0-9_.+-]+$/;

// --- call arguments: a small expression language covering what the kernel calls take ---

interface Addr { name: string; entry?: number; off: number }
type Arg =
  | { kind: 'num'; value: bigint; tok: Token }
  | { kind: 'addr'; addr: Addr; plain: boolean; tok: Token } // plain: a bare identifier
  | { kind: 'deref'; size: number; addr: Addr; at: Token; tok: Token } // *(u32 *)(buf + 4)
  | { kind: 'ref'; name: string; index: number; tok: Token } // &sgl[0]
  | { kind: 'call'; name: string; args: Arg[]; tok: Token } // DMA_BIT_MASK(32)
  | { kind: 'flags'; names: string[]; tok: Token }; // GFP_KERNEL | __GFP_DMA

interface Call { name: string; args: Arg[]; tok: Token; end: Token }

export function parseLitmus(src: string): ParsedLitmus {
  return new Parser(src).parseFile();
}

class Parser {
  private readonly toks: Token[];
  private i = 0;
  private readonly buffers = new Map<string, BufferDecl>();
  private readonly bufferPos = new Map<string, Pos>();
  private readonly registers = new Map<string, Pos>();
  private readonly source: SourceMap = { header: { line: 1, col: 1 }, platform: {}, buffers: [], registers: [], actors: [], ops: [], final: [] };
  /** Handle uses to check once every CPU block is read: devices may name handles mapped later. */
  private readonly handleUses: { name: string; tok: Token }[] = [];
  private readonly handles = new Set<string>();
  /** nents of each sg table's dma_map_sg, to check the nents of unmap and sync. */
  private readonly sgCounts = new Map<string, number>();

  constructor(src: string) {
    this.toks = tokenize(src);
  }

  // --- token helpers ---

  private get tok(): Token {
    return this.toks[this.i];
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private is(text: string, ahead = 0): boolean {
    const t = this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
    return t.kind !== 'eof' && t.kind !== 'name' && t.text === text;
  }

  private fail(at: Pos, message: string): never {
    throw new LitmusError(at.line, at.col, message);
  }

  private found(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : `'${t.text}'`;
  }

  private expectText(text: string, context: string): Token {
    if (!this.is(text)) this.fail(this.tok, `expected '${text}' ${context}, found ${this.found(this.tok)}`);
    return this.next();
  }

  private ident(what: string): Token {
    if (this.tok.kind !== 'ident') this.fail(this.tok, `expected ${what}, found ${this.found(this.tok)}`);
    return this.next();
  }

  private int(what: string): number {
    const t = this.tok;
    if (t.kind !== 'number') this.fail(t, `expected ${what} (a number), found ${this.found(t)}`);
    this.next();
    return smallInt(integer(t, what), t, what);
  }

  // --- file ---

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
        actors.push(this.actor());
      } else if (this.is('final')) {
        if (final) this.fail(t, "a second 'final' clause");
        if (!actors.length) this.fail(t, "'final' comes after the threads");
        this.next();
        final = this.finalClause();
      } else {
        this.fail(t, `expected 'expect', 'platform', '{', 'cpu', 'device' or 'final', found ${this.found(t)}`);
      }
    }
    if (!memorySeen) this.fail(this.tok, "missing memory block '{ ... }' and threads");
    if (!actors.length) this.fail(this.tok, "no 'cpu' or 'device' block: a test needs at least one thread");
    for (const use of this.handleUses) {
      if (!this.handles.has(use.name)) {
        const hint = closest(use.name, this.handles);
        this.fail(use.tok, `unknown DMA handle '${use.name}': no dma_map_*() or dma_alloc_coherent() defines it${hint ? ` (did you mean '${hint}'?)` : ''}`);
      }
    }
    const program: Program = {
      name: nameTok.text,
      ...(platform ? { platform } : {}),
      buffers: [...this.buffers.values()],
      registers: [...this.registers.keys()],
      actors,
      ...(final ? { final } : {}),
    };
    return { program, ...(expect ? { expect } : {}), source: this.source };
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
    // --platform overrides, which may set the other one (compileParsed in src/cli/check-file.ts).
    return out as Partial<PlatformConfig>;
  }

  // --- { declarations } ---

  private memoryBlock(): void {
    const open = this.next();
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail(open, "unterminated memory block: '{' has no closing '}'");
      const kw = this.ident("a declaration ('kmalloc', 'page', 'stack', 'vmalloc', 'coherent', 'field' or 'mmio')");
      if (kw.text === 'mmio') {
        const name = this.ident('a register name');
        if (this.registers.has(name.text)) this.fail(name, `register '${name.text}' is already declared at line ${this.registers.get(name.text)!.line}`);
        this.registers.set(name.text, name);
        this.source.registers.push(kw);
        this.expectText(';', 'after the register');
        continue;
      }
      const kind = kw.text === 'field' ? 'kmalloc' : KIND_KEYWORDS[kw.text];
      if (!kind) {
        const hint = closest(kw.text, [...Object.keys(KIND_KEYWORDS), 'field', 'mmio']);
        this.fail(kw, `unknown declaration '${kw.text}'${hint ? ` (did you mean '${hint}'?)` : ''}: use kmalloc, page, stack, vmalloc, coherent, field or mmio`);
      }
      const name = this.ident('a buffer name');
      if (this.buffers.has(name.text)) this.fail(name, `buffer '${name.text}' is already declared at line ${this.bufferPos.get(name.text)!.line}`);
      this.expectText('[', `after '${name.text}' (write ${name.text}[SIZE])`);
      const size = this.int('a size in bytes');
      if (size <= 0) this.fail(name, `buffer '${name.text}' has size 0; sizes are positive`);
      this.expectText(']', 'after the size');
      const decl: BufferDecl = { name: name.text, kind, size };
      if (this.is('in')) {
        this.next();
        const parent = this.ident('the struct this field is in');
        const p = this.buffers.get(parent.text);
        if (!p) this.fail(parent, `unknown buffer '${parent.text}' (a field's struct must be declared before it)`);
        let offset = 0;
        if (this.is('+')) { this.next(); offset = this.int('a field offset'); }
        if (offset + size > p.size) this.fail(name, `field '${name.text}' (offset ${offset}, size ${size}) does not fit in '${p.name}' (size ${p.size})`);
        decl.in = { parent: parent.text, offset };
      } else if (kw.text === 'field') {
        this.fail(this.tok, `a field needs its struct: field ${name.text}[${size}] in STRUCT + OFFSET;`);
      }
      if (this.is('at')) { this.next(); decl.at = this.int('a physical address'); }
      if (this.is('=')) {
        this.next();
        const v = this.tok;
        decl.init = this.int('an initial byte');
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
    const sg = new Map<string, (BufRef | undefined)[]>();
    while (!this.is('}')) {
      if (this.tok.kind === 'eof') this.fail(open, `unterminated block '${kw.text} ${name.text}': '{' has no closing '}'`);
      const at = this.tok;
      const op = kw.text === 'cpu' ? this.cpuStatement(sg) : this.deviceStatement();
      if (op) {
        ops.push(op);
        positions.push(at);
      }
    }
    this.next();
    this.source.ops.push(positions);
    return kw.text === 'cpu' ? { name: name.text, kind: 'cpu', ops: ops as CpuOp[] } : { name: name.text, kind: 'device', ops: ops as DeviceOp[] };
  }

  private readonly actorNames: string[] = [];

  private end(): void {
    this.expectText(';', 'at the end of the statement');
  }

  /** One CPU statement; undefined for sg_set_buf, which only fills an sg table. */
  private cpuStatement(sg: Map<string, (BufRef | undefined)[]>): CpuOp | undefined {
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

  private cpuCall(c: Call, lhs: Token | undefined, sg: Map<string, (BufRef | undefined)[]>): CpuOp | undefined {
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
  private mappingErrorCheck(): CpuOp {
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
  private pollLoop(): CpuOp {
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

  private deviceStatement(): DeviceOp {
    const t = this.tok;
    if (t.kind !== 'ident') this.fail(t, `expected a device operation, found ${this.found(t)}`);
    let lhs = false;
    if (this.is('=', 1)) { this.next(); this.next(); lhs = true; }
    const c = this.call(DEVICE_CALLS, 'device');
    this.end();
    const a = (n: number) => this.arity(c, n);
    if (lhs && c.name !== 'dma_read') this.fail(t, `${c.name}() returns nothing to assign`);
    switch (c.name) {
      case 'wait_doorbell': a(2); return { op: 'wait_doorbell', reg: this.register(c.args[0]), value: this.valueArg(c.args[1], REGISTER_BYTES, true) };
      case 'set_reg': a(2); return { op: 'set_reg', reg: this.register(c.args[0]), value: this.valueArg(c.args[1], REGISTER_BYTES, true) };
      case 'raise_irq': a(1); return { op: 'raise_irq', irq: this.word(c.args[0], 'an irq name') };
      case 'dma_read': {
        a(2);
        return { op: 'dma_read', ...this.busAddr(c.args[0]), size: this.size(c.args[1]) };
      }
      case 'dma_write': case 'dma_poll': {
        a(3);
        const size = this.size(c.args[1]);
        return { op: c.name, ...this.busAddr(c.args[0]), size, value: this.valueArg(c.args[2], size) };
      }
    }
    this.fail(c.tok, `'${c.name}' is not a device operation`);
  }

  // --- final (ptr, size), (ptr, size); ---

  private finalClause(): BufRef[] {
    const out: BufRef[] = [];
    do {
      const open = this.expectText('(', "in 'final' (write final (ptr, size), ...;)");
      const p = this.pointer(this.arg());
      this.expectText(',', 'between the pointer and the size');
      const size = this.int('a size');
      this.expectText(')', 'after the size');
      out.push(this.range({ ...p, size }, open));
      this.source.final.push(open);
    } while (this.is(',') && this.next());
    if (this.is(';')) this.next();
    return out;
  }

  // --- calls and arguments ---

  private call(known: Record<string, string>, block: 'cpu' | 'device'): Call {
    const name = this.ident('an operation');
    if (!(name.text in known)) {
      const other = block === 'cpu' ? DEVICE_CALLS : CPU_CALLS;
      if (name.text in other) this.fail(name, `${name.text}() is a ${block === 'cpu' ? 'device' : 'CPU'} operation; it belongs in a '${block === 'cpu' ? 'device' : 'cpu'}' block`);
      const hint = closest(name.text, Object.keys(known));
      this.fail(name, `unknown function '${name.text}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    this.expectText('(', `after '${name.text}'`);
    const args: Arg[] = [];
    if (!this.is(')')) {
      args.push(this.arg());
      while (this.is(',')) { this.next(); args.push(this.arg()); }
    }
    const end = this.expectText(')', `to close ${name.text}${known[name.text]}`);
    return { name: name.text, args, tok: name, end };
  }

  private arity(c: Call, n: number): void {
    if (c.args.length !== n) {
      this.fail(c.tok, `wrong number of arguments: ${c.name} takes ${n} ${n === 1 ? 'argument' : 'arguments'} ${CPU_CALLS[c.name] ?? DEVICE_CALLS[c.name]}, found ${c.args.length}`);
    }
  }

  /** One argument; nesting is bounded (MAX_NESTING) so the recursion is too. */
  private arg(): Arg {
    if (this.depth >= MAX_NESTING) this.fail(this.tok, `more than ${MAX_NESTING} nested parentheses, casts or calls`);
    this.depth++;
    try {
      return this.argAt();
    } finally {
      this.depth--;
    }
  }

  private depth = 0;

  private argAt(): Arg {
    const t = this.tok;
    if (this.is('*')) { const d = this.deref(); return { kind: 'deref', ...d, tok: t }; }
    if (this.is('&')) {
      this.next();
      const name = this.ident('an sg table after &');
      this.expectText('[', `after '&${name.text}'`);
      const index = this.int('an sg entry index');
      this.expectText(']', 'after the index');
      return { kind: 'ref', name: name.text, index, tok: t };
    }
    if (this.is('(')) {
      this.next();
      const inner = this.arg();
      this.expectText(')', 'to close the parenthesis');
      return inner;
    }
    if (t.kind === 'number') { this.next(); return { kind: 'num', value: integer(t, 'a number'), tok: t }; }
    if (this.is('-')) this.fail(t, 'negative numbers are not values a device or CPU can store here');
    if (t.kind !== 'ident') this.fail(t, `expected an argument, found ${this.found(t)}`);
    this.next();
    if (this.is('(')) {
      this.next();
      const args: Arg[] = [];
      if (!this.is(')')) {
        args.push(this.arg());
        while (this.is(',')) { this.next(); args.push(this.arg()); }
      }
      this.expectText(')', `to close ${t.text}(`);
      return { kind: 'call', name: t.text, args, tok: t };
    }
    if (this.is('|')) {
      const names = [t.text];
      while (this.is('|')) { this.next(); names.push(this.ident('a flag after |').text); }
      return { kind: 'flags', names, tok: t };
    }
    const addr: Addr = { name: t.text, off: 0 };
    let plain = true;
    if (this.is('[')) {
      this.next();
      addr.entry = this.int('an sg entry index');
      this.expectText(']', 'after the sg entry index');
      plain = false;
    }
    if (this.is('+')) {
      this.next();
      addr.off = this.int('an offset');
      plain = false;
    }
    return { kind: 'addr', addr, plain, tok: t };
  }

  /** *(u32 *)ptr — the access size comes from the type. */
  private deref(): { size: number; addr: Addr; at: Token } {
    this.expectText('*', 'before the cast');
    this.expectText('(', "in the cast '*(u32 *)'");
    const ty = this.ident("a type such as u32");
    let size = scalarTypeSize(ty.text);
    if (size === undefined) this.fail(ty, `unknown type '${ty.text}': use u8, u16, u32, u64 (u24, u40, u48, u56 for odd widths) or u8[N]`);
    if (this.is('[')) {
      if (ty.text !== 'u8') this.fail(this.tok, 'only u8[N] arrays are accesses');
      this.next();
      size = this.int('an array length');
      if (size <= 8) this.fail(ty, `write u8[${size}] accesses as u${size * 8}`);
      this.expectText(']', 'after the array length');
    }
    this.expectText('*', "in the cast '*(u32 *)'");
    this.expectText(')', "to close the cast '*(u32 *)'");
    const a = this.arg();
    if (a.kind !== 'addr' || a.addr.entry !== undefined) this.fail(a.tok, 'expected a buffer, optionally + offset, after the cast');
    return { size, addr: a.addr, at: a.tok };
  }

  // --- argument checks ---

  private derefArg(a: Arg): { size: number; addr: Addr; at: Token } {
    if (a.kind !== 'deref') this.fail(a.tok, 'expected an access such as *(u32 *)(buf + 4)');
    return { size: a.size, addr: a.addr, at: a.at };
  }

  private pointer(a: Arg): { name: string; off: number } {
    if (a.kind !== 'addr' || a.addr.entry !== undefined) this.fail(a.tok, 'expected a buffer, optionally + offset');
    return { name: this.bufferName(a), off: a.addr.off };
  }

  private bufferName(a: Arg): string {
    if (a.kind !== 'addr') this.fail(a.tok, 'expected a buffer name');
    const name = a.addr.name;
    if (!this.buffers.has(name)) {
      const hint = closest(name, this.buffers.keys());
      this.fail(a.tok, `unknown buffer '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return name;
  }

  /** A byte range of a declared buffer; checks it fits, so a typo in an offset points at the op. */
  private range(t: { size: number; addr?: Addr; name?: string; off?: number; at?: Token }, at?: Token): BufRef {
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

  private busAddr(a: Arg): { handle: string; entry?: number; off: number } {
    if (a.kind !== 'addr') this.fail(a.tok, 'expected a DMA handle, e.g. h + 4 or sgl[1] + 4');
    this.useHandle(a.addr.name, a.tok);
    return { handle: a.addr.name, ...(a.addr.entry === undefined ? {} : { entry: a.addr.entry }), off: a.addr.off };
  }

  private handle(a: Arg): string {
    if (a.kind !== 'addr' || !a.plain) this.fail(a.tok, 'expected a DMA handle');
    this.useHandle(a.addr.name, a.tok);
    return a.addr.name;
  }

  private useHandle(name: string, tok: Token): void {
    this.handleUses.push({ name, tok });
  }

  private nents(handle: string, a: Arg): void {
    const n = this.intArg(a, 'nents');
    const want = this.sgCounts.get(handle);
    if (want !== undefined && n !== want) this.fail(a.tok, `nents must be ${want}, the count passed to dma_map_sg (not the count it returned)`);
  }

  private register(a: Arg): string {
    const name = this.word(a, 'an MMIO register');
    if (!this.registers.has(name)) {
      const hint = closest(name, this.registers.keys());
      this.fail(a.tok, `unknown register '${name}'${hint ? ` (did you mean '${hint}'?)` : ` (declare it: mmio ${name};)`}`);
    }
    return name;
  }

  private word(a: Arg, what: string): string {
    if (a.kind !== 'addr' || !a.plain) this.fail(a.tok, `expected ${what}`);
    return a.addr.name;
  }

  private dev(a: Arg): void {
    if (a.kind !== 'addr' || !a.plain || a.addr.name !== 'dev') this.fail(a.tok, "the first argument is the struct device; write 'dev'");
  }

  private dir(a: Arg): Direction {
    const name = a.kind === 'addr' && a.plain ? a.addr.name : '';
    if (!isDirection(name)) {
      const hint = closest(name, ['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL']);
      this.fail(a.tok, `expected DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL${name ? `, found '${name}'` : ''}${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return name;
  }

  private attrs(a: Arg): boolean {
    if (a.kind === 'num' && a.value === 0n) return false;
    if (a.kind === 'addr' && a.plain && a.addr.name === SKIP_CPU_SYNC) return true;
    this.fail(a.tok, `the attributes modelled are ${SKIP_CPU_SYNC} and 0`);
  }

  private intArg(a: Arg, what: string): number {
    if (a.kind !== 'num') this.fail(a.tok, `expected ${what} (a number)`);
    return smallInt(a.value, a.tok, what);
  }

  private size(a: Arg): number {
    const n = this.intArg(a, 'a size');
    if (n <= 0) this.fail(a.tok, 'sizes are positive');
    return n;
  }

  /** A value stored or compared by an access of `size` bytes: it must fit, as a C constant would. */
  private valueArg(a: Arg, size: number, register = false): bigint {
    if (a.kind !== 'num') this.fail(a.tok, 'expected a value (a number)');
    const problem = valueProblem(a.value, size, register);
    if (problem) this.fail(a.tok, problem);
    return a.value;
  }
}

/**
 * memset() takes its byte as an int and stores it as unsigned char: checked as the value of an
 * access wider than 8 bytes, which valueProblem() reads as a memset (one byte, at most 0xff).
 */
const MEMSET_BYTE = 9;

/** An integer literal as an exact u64. */
function integer(t: Token, what: string): bigint {
  if (t.text.includes('.')) throw new LitmusError(t.line, t.col, `expected ${what}, found '${t.text}' (not an integer)`);
  const big = BigInt(t.text);
  if (big >= 2n ** 64n) throw new LitmusError(t.line, t.col, `${t.text} does not fit in 64 bits`);
  return big;
}

/** Sizes, offsets, addresses and counts: exact as JS numbers (the limits of compile() are far lower). */
function smallInt(v: bigint, t: Token, what: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LitmusError(t.line, t.col, `${what} ${t.text} is too large`);
  return Number(v);
}

/** memset(p, byte, n) with n ≤ 8 is a store of n copies of the byte. */
function memsetValue(byte: bigint, size: number): bigint {
  if (size > 8) return byte;
  let v = 0n;
  for (let k = 0; k < size; k++) v = (v << 8n) | byte;
  return v;
}

function platformValue(key: string, v: Token): unknown {
  if (key === 'kernel') return v.text;
  if (v.kind === 'number') return v.text.includes('.') ? v.text : Number(BigInt(v.text));
  if (v.text === 'true') return true;
  if (v.text === 'false') return false;
  return v.text;
}
